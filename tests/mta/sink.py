#!/usr/bin/env python3
"""A scripted SMTP sink on 127.0.0.1 for recording real MTAs (tests/mta/record.sh).

Three ports from BASE:
  BASE      answers each recipient by its local part (the SCRIPT below); mail to
            the sender's domain (sender.test), such as the DSNs the MTA writes,
            is accepted and saved in OUT/dsn/;
  BASE + 1  drops the connection when it receives RCPT TO;
  BASE + 2  is never listened on: the MTA's connection is refused.
Every command and reply is written to OUT/sink.log. Only 127.0.0.1 is bound,
and the sink stops by itself after --lifetime seconds.
"""
import argparse
import asyncio
import os
import time

# local part at sink.test -> reply to RCPT TO (a list: a multi-line reply).
# "DATA" instead: 250 at RCPT, this reply after the message's end.
# Texts are the sink's own, shaped as real servers word them.
SCRIPT = {
    "ok": ["250 2.1.5 Ok"],
    "full": ["452 4.3.1 Insufficient system storage"],
    "big": ["552 5.2.2 Mailbox full: the user's mailbox is over its size limit"],
    "quota": ["452 4.2.2 Mailbox full: quota exceeded, try again later"],
    "unknown": ["550 5.1.1 <unknown@sink.test>: Recipient address rejected: User unknown"],
    "unknown-ml": [
        "550-5.1.1 The mailbox unknown-ml@sink.test does not exist here.",
        "550-5.1.1 Please check the address for typing errors and",
        "550 5.1.1 send the message again.",
    ],
    "grey": ["451 4.7.1 Greylisted: please try again in a minute"],
    "spam": "DATA",
}
DATA_REPLY = {"spam": "554 5.7.1 Message rejected as spam by content filter"}
# Greylisting lets a (sender, recipient) pair through this long after its first try.
GREY_SECONDS = 60
SENDER_DOMAIN = "sender.test"


class Sink:
    def __init__(self, out):
        self.out = out
        self.log = open(os.path.join(out, "sink.log"), "a", buffering=1)
        self.grey = {}
        self.saved = 0
        os.makedirs(os.path.join(out, "dsn"), exist_ok=True)

    def note(self, port, peer, direction, text):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        self.log.write(f"{stamp} :{port} {peer} {direction} {text}\n")

    def save(self, mail_from, rcpts, data):
        self.saved += 1
        name = os.path.join(self.out, "dsn", f"{self.saved:03d}.eml")
        with open(name, "wb") as f:
            f.write(data)
        self.note("-", "-", "saved", f"{name} from=<{mail_from}> to={','.join(rcpts)}")

    def rcpt_reply(self, mail_from, rcpt):
        local, _, domain = rcpt.partition("@")
        if domain == SENDER_DOMAIN:
            return ["250 2.1.5 Ok"]
        script = SCRIPT.get(local)
        if script is None:
            return ["550 5.1.1 No such user here (not in the sink's script)"]
        if local == "grey":
            first = self.grey.setdefault((mail_from, rcpt), time.monotonic())
            if time.monotonic() - first >= GREY_SECONDS:
                return ["250 2.1.5 Ok, greylisting passed"]
        if script == "DATA":
            return ["250 2.1.5 Ok"]
        return script

    async def session(self, reader, writer, port, drop_at_rcpt):
        peer = "%s:%d" % writer.get_extra_info("peername")[:2]

        async def reply(lines):
            for i, line in enumerate(lines):
                if i < len(lines) - 1:
                    line = line[:3] + "-" + line[4:]
                self.note(port, peer, "<", line)
                writer.write(line.encode() + b"\r\n")
            await writer.drain()

        await reply(["220 sink.test ESMTP scripted sink"])
        mail_from, rcpts = None, []
        try:
            while True:
                raw = await asyncio.wait_for(reader.readline(), 120)
                if not raw:
                    break
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                self.note(port, peer, ">", line)
                verb = line[:4].upper()
                if verb in ("EHLO", "HELO"):
                    await reply(["250-sink.test", "250-PIPELINING", "250-8BITMIME",
                                 "250 ENHANCEDSTATUSCODES"] if verb == "EHLO" else ["250 sink.test"])
                elif verb == "MAIL":
                    mail_from = line.partition(":")[2].strip().split(" ")[0].strip("<>")
                    rcpts = []
                    await reply(["250 2.1.0 Ok"])
                elif verb == "RCPT":
                    if drop_at_rcpt:
                        self.note(port, peer, "!", "connection dropped")
                        writer.transport.abort()
                        return
                    rcpt = line.partition(":")[2].strip().split(" ")[0].strip("<>").lower()
                    lines = self.rcpt_reply(mail_from, rcpt)
                    if lines[0].startswith("250"):
                        rcpts.append(rcpt)
                    await reply(lines)
                elif verb == "DATA":
                    if not rcpts:
                        await reply(["554 5.5.1 No valid recipients"])
                        continue
                    await reply(["354 End data with <CR><LF>.<CR><LF>"])
                    data = bytearray()
                    while True:
                        chunk = await asyncio.wait_for(reader.readline(), 120)
                        if not chunk or chunk in (b".\r\n", b".\n"):
                            break
                        data += chunk[1:] if chunk.startswith(b"..") else chunk
                    self.note(port, peer, ">", f"[message of {len(data)} bytes]")
                    refusals = [DATA_REPLY[r.partition("@")[0]] for r in rcpts
                                if r.partition("@")[0] in DATA_REPLY]
                    if refusals:
                        await reply([refusals[0]])
                    else:
                        if any(r.endswith("@" + SENDER_DOMAIN) for r in rcpts):
                            self.save(mail_from, rcpts, bytes(data))
                        await reply(["250 2.0.0 Ok: queued"])
                    rcpts = []
                elif verb == "RSET":
                    mail_from, rcpts = None, []
                    await reply(["250 2.0.0 Ok"])
                elif verb == "NOOP":
                    await reply(["250 2.0.0 Ok"])
                elif verb == "QUIT":
                    await reply(["221 2.0.0 Bye"])
                    break
                else:
                    await reply(["502 5.5.2 Command not recognized"])
        except (asyncio.TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-port", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--lifetime", type=int, default=1200)
    a = ap.parse_args()
    sink = Sink(a.out)
    s1 = await asyncio.start_server(lambda r, w: sink.session(r, w, a.base_port, False),
                                    "127.0.0.1", a.base_port)
    s2 = await asyncio.start_server(lambda r, w: sink.session(r, w, a.base_port + 1, True),
                                    "127.0.0.1", a.base_port + 1)
    async with s1, s2:
        await asyncio.sleep(a.lifetime)


if __name__ == "__main__":
    asyncio.run(main())
