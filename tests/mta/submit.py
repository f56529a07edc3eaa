#!/usr/bin/env python3
"""Submits the recording's test messages to an MTA listening on 127.0.0.1:PORT.

batch "first": one message per scripted case (tests/mta/sink.py), from
news@sender.test; the 'full' and 'unknown' messages carry two Message-ID
fields, as when a client adds its own to one already there.
batch "late": sent once the hosts of drop.test and refused.test have been
failing longer than the retry limit (Exim then gives up at once; Postfix
finds them marked dead).
"""
import smtplib
import sys
import time
from email.utils import formatdate

CASES = ["ok", "full", "big", "quota", "unknown", "unknown-ml", "grey", "spam"]
TWO_IDS = {"full", "unknown"}


def message(tag, rcpt, mta):
    ids = [f"<{tag}.{mta}@sender.test>"]
    if tag in TWO_IDS:
        ids.append(f"<{tag}.{mta}.client-added@sender.test>")
    head = [f"From: News <news@sender.test>", f"To: <{rcpt}>",
            f"Subject: recording case {tag}", f"Date: {formatdate(localtime=False)}"]
    head += [f"Message-ID: {i}" for i in ids]
    body = f"Case {tag} of the bouncekit recording, to {rcpt}.\r\n"
    return "\r\n".join(head) + "\r\n\r\n" + body


def main():
    port, mta, batch = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    if batch == "first":
        sends = [(c, f"{c}@sink.test") for c in CASES]
        sends += [("drop", "drop@drop.test"), ("refused", "refused@refused.test")]
    else:
        sends = [("late-drop", "late@drop.test"), ("late-refused", "late@refused.test")]
    for tag, rcpt in sends:
        with smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=30) as s:
            s.sendmail("news@sender.test", [rcpt], message(tag, rcpt, mta))
        print(f"submitted {tag} -> {rcpt}")
        time.sleep(0.5)


if __name__ == "__main__":
    main()
