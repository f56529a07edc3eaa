#!/usr/bin/env python3
# variants.py: metamorphic check of bounce-parse's email verdicts (issue 12).
# A verdict must not change when a bounce is re-encoded or re-laid-out in
# ways real mail systems do. For each message given, this writes variants of
# it, one folder per kind, runs `bounce-parse -d -f email` on the originals
# and on each folder, and compares per recipient the address, action,
# status, reason and class. Divergences are printed grouped by kind.
#
# Kinds (each only where it applies to the message):
#   roundtrip   parsed and written back by Python's email package unchanged
#               (a baseline: what the writer alone changes)
#   crlf        CRLF line ends (as mail stores on Windows and SMTP write)
#   qp, base64  text/* parts of the notice (not of an attached original)
#               re-encoded quoted-printable / base64 (RFC 2045 6.7, 6.8)
#   8bit        text/* parts given in quoted-printable or base64 decoded to
#               8bit
#   refold      header fields and delivery-status fields folded at each
#               whitespace (RFC 5322 2.2.3), Content-Type after each ";"
#   unfold      folded fields written on one line
#   charset     text/plain part converted between UTF-8 and ISO-8859-1 where
#               the text allows it, with the charset parameter to match
#   alternative a single-part text/plain notice wrapped in
#               multipart/alternative with an HTML twin (RFC 2046 5.1.4)
#   fwd-attach  the whole bounce forwarded as a message/rfc822 attachment
#   fwd-inline  the bounce quoted inline under a "Forwarded message" line
#               (may lose the delivery-status part's structure: only the
#               recipients found and their class are compared)
#   longfold    long lines of text parts folded at about 76 columns with
#               leading whitespace on the continuation (as Exchange and Gmail
#               wrap), and long delivery-status fields folded likewise
#   wrap60, wrap70, wrap78
#               lines of text/plain parts of the notice longer than 60, 70,
#               78 columns broken at a space with no indent (as a relay or a
#               mail program that hard-wraps text does; RFC 5322 2.1.1's 78)
#   mta-fwd     the whole bounce attached as message/rfc822 to a relay's own
#               notice (null Return-Path, MAILER-DAEMON, the same subject):
#               a gateway that sends on what it received for the sender.
#               Only messages that gave a failed or delayed record (wrapped
#               so, a non-bounce is a returned message) and whose header
#               starts at once. Known to diverge (session 14): a notice
#               without its delivery-status part, so attached, is read as
#               the returned message (email_kind_sends_on wants a report)
#   lower,upper header and delivery-status field names in lower / upper case
#               (field names are case-insensitive: RFC 5322 1.2.2, RFC 3464 2.1)
#   valcase     delivery-status values of fixed words in upper case: Action
#               ("FAILED"), address and diagnostic types ("RFC822;", "SMTP;"),
#               which RFC 3464's ABNF literals leave case-insensitive (RFC
#               5234 2.3)
#
# Messages that the email package cannot write back as they were read (a
# header after blank lines, an encoded delivery-status part) get only the
# crlf and fwd-attach variants, which are made on the bytes.
#
# Inputs: files or folders (recursed; README, EXPECTED, LICENSE and mbox
# files skipped). For a folder of the upstream collection (a name that
# ends in corpus/email) only the "dev" part is taken, by the same MD5 of the
# file name as tests/score-email.sh: the held-out part is never read.
# Identical files are taken once. Not run by make check: it is for a
# developer with the shared corpus at hand. Usage:
#
#   variants.py [-k kind,...] [-o OUTDIR] [-v] PATH...   (bounce-parse from PATH)
#
# Exit 0 when no divergence, 1 when some, 2 on errors.
import argparse
import base64
import copy
import hashlib
import html
import json
import os
import quopri
import re
import shutil
import subprocess
import sys
import tempfile
from email import message_from_bytes
from email.generator import BytesGenerator
from email.policy import compat32
from io import BytesIO

KINDS = ["roundtrip", "crlf", "qp", "base64", "8bit", "refold", "unfold",
         "charset", "alternative", "fwd-attach", "fwd-inline", "longfold",
         "wrap60", "wrap70", "wrap78", "mta-fwd", "lower", "upper", "valcase"]
SKIP_NAMES = {"README", "EXPECTED", "LICENSE"}


def is_holdout(name):
    return hashlib.md5(name.encode()).hexdigest()[0] in "0123"


def collect(paths):
    """(id, bytes) of each message, dev part only for the upstream corpus."""
    seen, out = set(), []

    def add(path, tag):
        base = os.path.basename(path)
        if base in SKIP_NAMES or base.startswith("."):
            return
        with open(path, "rb") as f:
            data = f.read()
        if data.startswith(b"From ") or not re.match(rb"\s*[!-9;-~]+:", data):
            return  # mbox or not a message
        h = hashlib.sha1(data).hexdigest()
        if h in seen:
            return
        seen.add(h)
        out.append((tag, data))

    for i, p in enumerate(paths):
        p = p.rstrip("/")
        if os.path.isfile(p):
            add(p, "%d__%s" % (i, os.path.basename(p)))
            continue
        upstream = p.endswith("corpus/email")
        for root, dirs, files in os.walk(p):
            dirs.sort()
            for f in sorted(files):
                if upstream and is_holdout(f):
                    continue
                rel = os.path.relpath(os.path.join(root, f), p)
                add(os.path.join(root, f), "%d__%s" % (i, rel.replace("/", "__")))
    return out


def parse(data):
    return message_from_bytes(data, policy=compat32)


def flatten(msg):
    buf = BytesIO()
    BytesGenerator(buf, mangle_from_=False, maxheaderlen=0).flatten(msg)
    return buf.getvalue()


def notice_parts(msg):
    """Leaf parts of the notice itself, not those of an attached message."""
    if msg.get_content_maintype() == "message":
        return
    if msg.is_multipart():
        for p in msg.get_payload():
            yield from notice_parts(p)
    else:
        yield msg


def dsn_groups(msg):
    """The field groups of each message/delivery-status part."""
    for p in msg.walk():
        if p.get_content_type() == "message/delivery-status" and p.is_multipart():
            yield from p.get_payload()


def text_leaves(msg):
    return [p for p in notice_parts(msg) if p.get_content_maintype() == "text"]


def set_cte(part, cte):
    if "Content-Transfer-Encoding" in part:
        part.replace_header("Content-Transfer-Encoding", cte)
    else:
        part["Content-Transfer-Encoding"] = cte


def set_body(part, raw, cte):
    """raw: the decoded bytes; written in cte."""
    if cte == "quoted-printable":
        body = quopri.encodestring(raw.replace(b"\r\n", b"\n")).decode("ascii")
    elif cte == "base64":
        body = base64.encodebytes(raw.replace(b"\r\n", b"\n")).decode("ascii")
    else:
        body = raw.decode("ascii", "surrogateescape")
        cte = "8bit" if re.search(rb"[\x80-\xff]", raw) else "7bit"
    part.set_payload(body)
    set_cte(part, cte)


def v_roundtrip(data):
    return flatten(parse(data))


def v_crlf(data):
    return re.sub(rb"\r?\n", b"\r\n", data)


def reencode(cte):
    def f(data):
        msg = parse(data)
        parts = text_leaves(msg)
        if not parts:
            return None
        for p in parts:
            set_body(p, p.get_payload(decode=True) or b"", cte)
        return flatten(msg)
    return f


def v_8bit(data):
    msg = parse(data)
    parts = [p for p in text_leaves(msg)
             if p.get("Content-Transfer-Encoding", "").strip().lower()
             in ("quoted-printable", "base64")]
    if not parts:
        return None
    for p in parts:
        set_body(p, p.get_payload(decode=True) or b"", "8bit")
    return flatten(msg)


def fold_value(name, value, width):
    """Fold at whitespace: the line breaks before existing whitespace, so
    that unfolding (RFC 5322 2.2.3) gives the value back."""
    value = re.sub(r"\r?\n(?=[ \t])", "", value)
    words = re.split(r"(?=[ \t])", value)
    lines, cur = [], name + ":"
    for w in words:
        if len(cur) + len(w) > width and cur.strip() and cur != name + ":":
            lines.append(cur)
            cur = w
        else:
            cur += w
    lines.append(cur)
    return "\n".join(lines)[len(name) + 1:]


def map_headers(msg, fn):
    msg._headers = [fn(k, v) for k, v in msg._headers]


def all_field_holders(msg):
    """The top-level message, its notice parts' headers and DSN groups."""
    yield msg
    for p in msg.walk():
        if p is not msg and p.get_content_type() != "message/rfc822":
            yield p
    yield from dsn_groups(msg)


def v_refold(data):
    msg = parse(data)

    def fn(k, v):
        if not isinstance(v, str):
            return k, v
        if k.lower() == "content-type":
            v = re.sub(r";(?![ \t])", "; ", v)
        return k, fold_value(k, v, 1)
    for h in all_field_holders(msg):
        map_headers(h, fn)
    return flatten(msg)


def v_unfold(data):
    msg = parse(data)
    changed = False

    def fn(k, v):
        nonlocal changed
        if isinstance(v, str) and "\n" in v:
            changed = True
            v = re.sub(r"\r?\n(?=[ \t])", "", v)
        return k, v
    for h in all_field_holders(msg):
        map_headers(h, fn)
    return flatten(msg) if changed else None


def v_charset(data):
    msg = parse(data)
    done = False
    for p in text_leaves(msg):
        if p.get_content_subtype() != "plain":
            continue
        cs = (p.get_content_charset() or "us-ascii").lower()
        raw = p.get_payload(decode=True) or b""
        if b"\x1b" in raw:
            continue  # ISO-2022 text under another label: no lossless twin
        try:
            text = raw.decode(cs)
        except (LookupError, UnicodeDecodeError):
            continue
        if cs in ("utf-8", "utf8"):
            to = "iso-8859-1"
        elif cs in ("iso-8859-1", "latin1", "us-ascii", "windows-1252"):
            to = "utf-8"
        else:
            continue
        try:
            new = text.encode(to)
        except UnicodeEncodeError:
            continue
        cte = p.get("Content-Transfer-Encoding", "8bit").strip().lower()
        p.set_param("charset", to)
        set_body(p, new, cte if cte in ("quoted-printable", "base64") else "8bit")
        done = True
    return flatten(msg) if done else None


def v_alternative(data):
    msg = parse(data)
    if msg.is_multipart() or msg.get_content_type() != "text/plain":
        return None
    raw = msg.get_payload(decode=True) or b""
    cs = msg.get_content_charset() or "us-ascii"
    try:
        text = raw.decode(cs)
    except (LookupError, UnicodeDecodeError):
        return None
    head = [(k, v) for k, v in msg._headers
            if not k.lower().startswith("content-") and k.lower() != "mime-version"]
    b = "=_alt_variant_0"
    plain = [("Content-Type", msg.get("Content-Type", "text/plain")),
             ("Content-Transfer-Encoding", msg.get("Content-Transfer-Encoding", "7bit"))]
    paras = "".join("<p>%s</p>\n" % html.escape(par).replace("\n", "<br>\n")
                    for par in re.split(r"\n\s*\n", text.replace("\r\n", "\n")))
    out = [("%s:%s" % (k, v) if v.startswith(" ") else "%s: %s" % (k, v)) for k, v in head]
    out += ["MIME-Version: 1.0",
            'Content-Type: multipart/alternative; boundary="%s"' % b, "",
            "--" + b]
    out += ["%s: %s" % kv for kv in plain] + [""]
    body = msg._payload.encode("ascii", "surrogateescape")
    html_part = ("<html><body>\n" + paras + "</body></html>\n").encode("utf-8")
    return ("\n".join(out) + "\n").encode("utf-8", "surrogateescape") + body + (
        "\n--%s\nContent-Type: text/html; charset=utf-8\n"
        "Content-Transfer-Encoding: base64\n\n" % b).encode() + \
        base64.encodebytes(html_part) + ("\n--%s--\n" % b).encode()


FWD_HEAD = ("From: Pat Admin <pat@forwarder.example>\n"
            "To: bounces@forwarder.example\n"
            "Date: Mon, 7 Dec 2026 12:00:00 +0000\n"
            "Message-ID: <variant-fwd@forwarder.example>\n"
            "MIME-Version: 1.0\n")


def orig_header(msg, name):
    v = msg.get(name, "")
    return re.sub(r"\s+", " ", str(v)).strip()


def v_fwd_attach(data):
    msg = parse(data)
    b = "=_fwd_variant_0"
    head = FWD_HEAD + "Subject: Fwd: %s\n" % orig_header(msg, "Subject")
    head += 'Content-Type: multipart/mixed; boundary="%s"\n\n' % b
    head += ("--%s\nContent-Type: text/plain; charset=us-ascii\n\n"
             "Forwarding the message below.\n\n--%s\n"
             "Content-Type: message/rfc822\n\n" % (b, b))
    body = data if data.endswith(b"\n") else data + b"\n"
    return head.encode("utf-8", "surrogateescape") + body + ("--%s--\n" % b).encode()


def part_text(p):
    raw = p.get_payload(decode=True) or b""
    try:
        return raw.decode(p.get_content_charset() or "us-ascii")
    except (LookupError, UnicodeDecodeError):
        return raw.decode("latin-1")


def v_fwd_inline(data):
    msg = parse(data)
    texts = []
    for p in msg.walk():
        ct = p.get_content_type()
        if ct == "message/delivery-status" and p.is_multipart():
            texts.append("\n".join(g.as_string() for g in p.get_payload()))
        elif ct == "text/plain" and not p.is_multipart():
            texts.append(part_text(p))
    if not texts:
        return None
    out = FWD_HEAD + "Subject: Fwd: %s\n" % orig_header(msg, "Subject")
    out += "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
    out += "FYI\n\n---------- Forwarded message ---------\n"
    for h in ("From", "Date", "Subject", "To"):
        out += "%s: %s\n" % (h, orig_header(msg, h))
    out += "\n" + "\n".join(texts)
    return out.encode("utf-8", "surrogateescape")


def wrap_line(line, width=76, indent="    "):
    if len(line) <= width or line.lstrip().startswith(("{", "[")):
        # a JSON document (an ESP's notification) is not prose to wrap
        return [line]
    out, cur = [], ""
    for w in re.split(r"(?<= )", line):
        if cur and len(cur) + len(w) > width:
            out.append(cur.rstrip(" "))
            cur = indent + w
        else:
            cur += w
    out.append(cur)
    return out


def rewrap_text(msg, width, indent):
    """Text/plain parts of the notice re-wrapped; whether any changed."""
    done = False
    for p in text_leaves(msg):
        if p.get_content_subtype() != "plain":
            continue
        text = part_text(p).replace("\r\n", "\n")
        lines = text.split("\n")
        new = [l for line in lines for l in wrap_line(line, width, indent)]
        if new == lines:
            continue
        cs = p.get_content_charset() or "us-ascii"
        try:
            raw = "\n".join(new).encode(cs)
        except (LookupError, UnicodeEncodeError):
            continue
        cte = p.get("Content-Transfer-Encoding", "8bit").strip().lower()
        set_body(p, raw, cte if cte in ("quoted-printable", "base64") else "8bit")
        done = True
    return done


def v_wrap(width):
    def f(data):
        msg = parse(data)
        return flatten(msg) if rewrap_text(msg, width, "") else None
    return f


def v_mta_fwd(data):
    msg = parse(data)
    b = "=_relay_variant_0"
    head = ("Return-Path: <>\n"
            "From: Mail Delivery System <MAILER-DAEMON@relay.example>\n"
            "To: %s\n"
            "Date: Mon, 07 Dec 2026 12:00:00 +0000\n"
            "Message-ID: <variant-relay@relay.example>\n"
            "Subject: %s\n"
            "Auto-Submitted: auto-replied\n"
            "MIME-Version: 1.0\n" % (orig_header(msg, "To") or "sender@example.net",
                                     orig_header(msg, "Subject")))
    head += 'Content-Type: multipart/mixed; boundary="%s"\n\n' % b
    head += ("--%s\nContent-Type: text/plain; charset=us-ascii\n\n"
             "This is the mail system at host relay.example.\n\n"
             "A delivery notice was received for a message you sent. It is\n"
             "attached below.\n\n--%s\n"
             "Content-Type: message/rfc822\n\n" % (b, b))
    body = data if data.endswith(b"\n") else data + b"\n"
    return head.encode("utf-8", "surrogateescape") + body + ("--%s--\n" % b).encode()


def v_longfold(data):
    msg = parse(data)
    done = rewrap_text(msg, 76, "    ")

    def fn(k, v):
        nonlocal done
        if isinstance(v, str) and len(k) + len(v) > 77:
            nv = fold_value(k, v, 76)
            if nv != v:
                done = True
            return k, nv
        return k, v
    for g in dsn_groups(msg):
        map_headers(g, fn)
    return flatten(msg) if done else None


def v_case(upper):
    def f(data):
        msg = parse(data)
        for h in all_field_holders(msg):
            map_headers(h, lambda k, v: (k.upper() if upper else k.lower(), v))
        return flatten(msg)
    return f


def redone_safely(data):
    """Whether the email package writes the message back as it was read:
    not so where the header starts after blank lines or spaces (it reads the
    header as body) or a delivery-status part is itself encoded (it reads
    the encoded text as fields)."""
    if re.match(rb"[ \t\r\n]", data):
        return False
    for p in parse(data).walk():
        if (p.get_content_type() == "message/delivery-status" and
                p.get("Content-Transfer-Encoding", "7bit").strip().lower()
                not in ("7bit", "8bit", "binary")):
            return False
    return True


RAW_KINDS = {"crlf", "fwd-attach", "mta-fwd"}
BOUNCE_KINDS = {"mta-fwd"}

def v_valcase(data):
    msg = parse(data)
    done = False

    def fn(k, v):
        nonlocal done
        if not isinstance(v, str):
            return k, v
        kl = k.lower()
        if kl == "action":
            nv = v.upper()
        elif kl in ("final-recipient", "original-recipient", "diagnostic-code",
                    "reporting-mta", "remote-mta"):
            nv = re.sub(r"^(\s*)([A-Za-z0-9-]+)(\s*;)", lambda m: m.group(1) + m.group(2).upper() + m.group(3), v)
        else:
            return k, v
        done |= nv != v
        return k, nv
    for g in dsn_groups(msg):
        map_headers(g, fn)
    return flatten(msg) if done else None


MAKERS = {
    "roundtrip": v_roundtrip, "crlf": v_crlf, "qp": reencode("quoted-printable"),
    "base64": reencode("base64"), "8bit": v_8bit, "refold": v_refold,
    "unfold": v_unfold, "charset": v_charset, "alternative": v_alternative,
    "fwd-attach": v_fwd_attach, "fwd-inline": v_fwd_inline,
    "longfold": v_longfold, "wrap60": v_wrap(60), "wrap70": v_wrap(70),
    "wrap78": v_wrap(78), "mta-fwd": v_mta_fwd, "lower": v_case(False), "upper": v_case(True),
    "valcase": v_valcase,
}


def run_parser(folder):
    """{message id: {rcpt: sorted [(action, status, reason, class)]}}"""
    r = subprocess.run(["bounce-parse", "-d", "-f", "email", folder],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode > 2:
        print("variants: bounce-parse crashed on %s (exit %d)" % (folder, r.returncode),
              file=sys.stderr)
    got = {}
    for line in r.stdout.decode("utf-8", "replace").splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        m = re.sub(r"[:#][0-9]+$", "", os.path.basename(rec.get("origin", "")))
        rc = (rec.get("rcpt") or "").lower()
        got.setdefault(m, {}).setdefault(rc, []).append(
            (rec.get("action", ""), rec.get("status", ""), rec.get("reason", ""),
             rec.get("class", "")))
    for m in got.values():
        for k in m:
            m[k].sort()
    return got


def compare(kind, orig, var):
    """Divergences of one message: (rcpt, was, now)."""
    out = []
    if kind == "fwd-inline":
        # Only what an inline quote keeps: the recipients and their class.
        for rc, was in sorted(orig.items()):
            now = var.get(rc)
            if now is None or [t[3] for t in was] != [t[3] for t in now]:
                out.append((rc, was, now))
        for rc in sorted(set(var) - set(orig)):
            out.append((rc, None, var[rc]))
        return out
    for rc in sorted(set(orig) | set(var)):
        if orig.get(rc) != var.get(rc):
            out.append((rc, orig.get(rc), var.get(rc)))
    return out


def fmt(t):
    if t is None:
        return "-"
    return " | ".join("/".join(x or "-" for x in r) for r in t)


def main():
    ap = argparse.ArgumentParser(description="metamorphic check of bounce-parse on email")
    ap.add_argument("-k", "--kinds", default=",".join(KINDS))
    ap.add_argument("-o", "--outdir", help="keep the variants here")
    ap.add_argument("-v", "--verbose", action="store_true", help="count messages per kind")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()
    kinds = a.kinds.split(",")
    for k in kinds:
        if k not in MAKERS:
            print("variants: no kind %s (%s)" % (k, ", ".join(KINDS)), file=sys.stderr)
            return 2
    msgs = collect(a.paths)
    if not msgs:
        print("variants: no messages", file=sys.stderr)
        return 2
    out = a.outdir or tempfile.mkdtemp(prefix="variants.")
    try:
        os.makedirs(os.path.join(out, "orig"), exist_ok=True)
        for mid, data in msgs:
            with open(os.path.join(out, "orig", mid), "wb") as f:
                f.write(data)
        base = run_parser(os.path.join(out, "orig"))
        total = 0
        for k in kinds:
            d = os.path.join(out, k)
            os.makedirs(d, exist_ok=True)
            made = 0
            for mid, data in msgs:
                if k not in RAW_KINDS and not redone_safely(data):
                    continue
                if k in BOUNCE_KINDS and (re.match(rb"[ \t\r\n]", data) or not any(
                        t[0] in ("failed", "delayed")
                        for v in base.get(mid, {}).values() for t in v)):
                    continue
                try:
                    v = MAKERS[k](data)
                except Exception as e:  # a message the email package cannot redo
                    print("variants: %s: %s: %s" % (k, mid, e), file=sys.stderr)
                    v = None
                if v is None:
                    continue
                made += 1
                with open(os.path.join(d, mid), "wb") as f:
                    f.write(v)
            got = run_parser(d)
            diverged = []
            for mid, _ in msgs:
                if not os.path.exists(os.path.join(d, mid)):
                    continue
                for rc, was, now in compare(k, base.get(mid, {}), got.get(mid, {})):
                    diverged.append((mid, rc, was, now))
            total += len(diverged)
            if diverged or a.verbose:
                print("== %s: %d of %d variants diverge (%d recipients)" % (
                    k, len({x[0] for x in diverged}), made, len(diverged)))
            for mid, rc, was, now in diverged:
                print("%s\t%s\t%s\t%s\t%s" % (k, mid, rc or "-", fmt(was), fmt(now)))
        return 1 if total else 0
    finally:
        if not a.outdir:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
