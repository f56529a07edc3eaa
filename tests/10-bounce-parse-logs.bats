#!/usr/bin/env bats
# bounce-parse on MTA logs: Postfix, Exim and Sendmail lines, syslog and
# RFC 3339 stamps, the per-queue-id memory, hostile input, and the corpora.

load helper
bats_require_minimum_version 1.5.0

LOGS="$FIXTURES/logs"

# The event of a fixture line: bounce-parse -d on FILE, the record of LINE.
event_at() {
	bounce-parse --delivered --year 2026 "$1" | jq -c --arg o "$(basename "$1"):$2" \
	    'select(.origin | endswith($o))'
}

@test "logs: Postfix smtp deferral: every field" {
	e=$(event_at "$LOGS/postfix.log" 4)
	[ "$(jq -r .time <<<"$e")" = 2026-11-20T08:00:02Z ]
	[ "$(jq -r .rcpt <<<"$e")" = Alice@full-box.example ]
	[ "$(jq -r .domain <<<"$e")" = full-box.example ]
	[ "$(jq -r .action <<<"$e")" = delayed ]
	[ "$(jq -r .status <<<"$e")" = 4.3.1 ]
	[ "$(jq -r .code <<<"$e")" = 452 ]
	[ "$(jq -r .reason <<<"$e")" = systemfull ]
	[ "$(jq -r .class <<<"$e")" = soft ]
	[ "$(jq -r .rhost <<<"$e")" = mx.full-box.example ]
	[ "$(jq -r .diag <<<"$e")" = "452 4.3.1 Insufficient system storage" ]
	[ "$(jq -r .from <<<"$e")" = news@shop.example ]
	[ "$(jq -r .msgid <<<"$e")" = 20261120080001.3F2A1C0B1D@shop.example ]
	[ "$(jq -r .qid <<<"$e")" = 3F2A1C0B1D ]
	[ "$(jq -r .source <<<"$e")" = postfix ]
	[ "$(jq -r .origin <<<"$e")" = "$LOGS/postfix.log:4" ]
	[ "$(jq -r 'has("orig_rcpt")' <<<"$e")" = false ]
}

@test "logs: Postfix hard bounce with orig_to, long queue id, IPv6 relay" {
	e=$(event_at "$LOGS/postfix.log" 5)
	[ "$(jq -r .qid <<<"$e")" = 4bP2Fq0k1Zz9vQ ]
	[ "$(jq -r .action <<<"$e")" = failed ]
	[ "$(jq -r .status <<<"$e")" = 5.1.1 ]
	[ "$(jq -r .code <<<"$e")" = 550 ]
	[ "$(jq -r .class <<<"$e")" = hard ]
	[ "$(jq -r .rhost <<<"$e")" = mx.gone.example ]
	[ "$(jq -r .orig_rcpt <<<"$e")" = bobby@alias.example ]
	[ "$(jq -r .from <<<"$e")" = null ]
}

@test "logs: Postfix delivery agents and service prefixes" {
	out=$(bounce-parse --delivered --year 2026 "$LOGS/postfix.log")
	# submission/smtp, postfix-out/lmtp, local, virtual, pipe, error, discard
	for pair in 6:delivered 7:delayed 8:delivered 9:failed 10:delivered 11:delayed 12:delivered; do
		line=${pair%%:*} want=${pair#*:}
		got=$(jq -r --arg o "postfix.log:$line" 'select(.origin | endswith($o)) | .action' <<<"$out")
		[ "$got" = "$want" ]
	done
	[ "$(jq -r 'select(.qid=="B1B2C3D4E5") | .reason' <<<"$out")" = mailboxfull ]
	[ "$(jq -r 'select(.qid=="B1B2C3D4E5") | .rhost' <<<"$out")" = mail.local.example ]
	# relay=local, relay=dovecot: transports, not remote hosts
	[ "$(jq -r 'select(.qid=="C1B2C3D4E5") | .rhost' <<<"$out")" = null ]
	[ "$(jq -r 'select(.qid=="F1B2C3D4E5") | .status' <<<"$out")" = 4.4.1 ]
	# a local alias (orig_to=<root>) is no address: no orig_rcpt
	[ "$(jq -r 'select(.qid=="C1B2C3D4E5") | has("orig_rcpt")' <<<"$out")" = false ]
}

@test "logs: Postfix 'refused to talk to me' gives the reply and the host" {
	e=$(printf '%s\n' 'Nov 27 10:00:00 mx postfix/smtp[1]: ABCDEF1234: to=<a@x.example>, relay=none, delay=1, dsn=5.7.1, status=bounced (host mx.x.example[192.0.2.1] refused to talk to me: 554 5.7.1 Service unavailable)' |
	    bounce-parse)
	[ "$(jq -r .rhost <<<"$e")" = mx.x.example ]
	[ "$(jq -r .code <<<"$e")" = 554 ]
	[ "$(jq -r .diag <<<"$e")" = "554 5.7.1 Service unavailable" ]
}

@test "logs: deliveries only with --delivered" {
	run bounce-parse --year 2026 "$LOGS/postfix.log"
	[ "$status" -eq 0 ]
	[ "$(jq -r .action <<<"$output" | sort -u | tr '\n' ' ')" = "delayed failed " ]
	n_all=$(bounce-parse --delivered --year 2026 "$LOGS/postfix.log" | jq -r .action | grep -c delivered)
	[ "$n_all" -eq 4 ]
}

@test "logs: Postfix expiry: status=expired lines and qmgr 'returned to sender'" {
	out=$(bounce-parse --year 2026 "$LOGS/postfix.log")
	# per recipient: expired, the reply text says nothing more specific
	e=$(jq -c 'select(.qid=="22B2C3D4E5")' <<<"$out")
	[ "$(jq -r .action <<<"$e")" = failed ]
	[ "$(jq -r .reason <<<"$e")" = expired ]
	[ "$(jq -r .status <<<"$e")" = 4.4.7 ]
	# qmgr names no recipient: the ones still deferred for that queue id fail,
	# for the reason their last reply gave (a full mail system here)
	e=$(jq -c 'select(.qid=="3F2A1C0B1D" and .action=="failed")' <<<"$out")
	[ "$(jq -r .rcpt <<<"$e")" = Alice@full-box.example ]
	[ "$(jq -r .reason <<<"$e")" = systemfull ]
	[ "$(jq -r .status <<<"$e")" = 4.3.1 ]
	[ "$(jq -r .diag <<<"$e")" = "message expired in the queue, returned to sender; last reply: 452 4.3.1 Insufficient system storage" ]
	[ "$(jq -r .time <<<"$e")" = 2026-11-25T08:00:11Z ]
	[ "$(jq -r .from <<<"$e")" = news@shop.example ]
}

@test "logs: Postfix expiry after deferrals: the last reply says why, or it is expired" {
	cat >"$BATS_TEST_TMPDIR/expire.log" <<'EOF'
Nov 20 08:00:01 mx1 postfix/qmgr[813]: 4A1B2C3D4E: from=<news@shop.example>, size=2211, nrcpt=3 (queue active)
Nov 20 08:00:02 mx1 postfix/smtp[820]: 4A1B2C3D4E: to=<ann@quota.example>, relay=mx.quota.example[192.0.2.11]:25, delay=1, delays=0/0/0.5/0.5, dsn=4.2.2, status=deferred (host mx.quota.example[192.0.2.11] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))
Nov 20 08:00:03 mx1 postfix/smtp[821]: 4A1B2C3D4E: to=<bob@down.example>, relay=none, delay=2, delays=0/0/2/0, dsn=4.4.1, status=deferred (connect to mx.down.example[192.0.2.12]:25: Connection timed out)
Nov 20 08:00:04 mx1 postfix/smtp[822]: 4A1B2C3D4E: to=<cy@ok.example>, relay=mx.ok.example[192.0.2.13]:25, delay=3, delays=0/0/1/2, dsn=2.0.0, status=sent (250 2.0.0 Ok)
Nov 25 08:00:11 mx1 postfix/qmgr[813]: 4A1B2C3D4E: from=<news@shop.example>, status=expired, returned to sender
EOF
	run bounce-parse --year 2026 "$BATS_TEST_TMPDIR/expire.log"
	[ "$status" -eq 0 ]
	failed=$(jq -r 'select(.action=="failed") | [.rcpt, .status, .reason, .class] | join(" ")' <<<"$output")
	# The delivered recipient is not among them; each failed one once.
	[ "$failed" = "$(printf '%s\n' 'ann@quota.example 4.2.2 mailboxfull soft' 'bob@down.example 4.4.1 expired soft')" ]
	[ "$(jq -r 'select(.action=="failed" and .rcpt=="bob@down.example") | .diag' <<<"$output")" = \
	    "message expired in the queue, returned to sender; last reply: connect to mx.down.example[192.0.2.12]:25: Connection timed out" ]
}

@test "logs: smtpd rejects, connects and other Postfix lines yield nothing" {
	out=$(bounce-parse --delivered --year 2026 "$LOGS/postfix.log")
	[ -z "$(jq -r 'select(.origin | test(":(1|2|3|15|17|18)$"))' <<<"$out")" ]
}

@test "logs: Exim deferral, bounce and deliveries" {
	out=$(bounce-parse --delivered "$LOGS/exim.log")
	e=$(jq -c 'select(.origin | endswith(":2"))' <<<"$out")
	[ "$(jq -r .action <<<"$e")" = delayed ]
	[ "$(jq -r .time <<<"$e")" = 2026-11-27T10:00:01Z ]
	[ "$(jq -r .status <<<"$e")" = 4.3.1 ]
	[ "$(jq -r .code <<<"$e")" = 452 ]
	[ "$(jq -r .rhost <<<"$e")" = mx.full-box.example ]
	[ "$(jq -r .diag <<<"$e")" = "452 4.3.1 Insufficient system storage" ]
	[ "$(jq -r .from <<<"$e")" = news@shop.example ]
	[ "$(jq -r .msgid <<<"$e")" = 20261127.abc@shop.example ]
	[ "$(jq -r .qid <<<"$e")" = 1tGx2A-000123-AB ]
	[ "$(jq -r .source <<<"$e")" = exim ]
	e=$(jq -c 'select(.origin | endswith(":3"))' <<<"$out")
	[ "$(jq -r .action <<<"$e")" = failed ]
	[ "$(jq -r .class <<<"$e")" = hard ]
	[ "$(jq -r .status <<<"$e")" = 5.1.1 ]
	# => and -> are deliveries; C="..." is the server's answer
	[ "$(jq -r 'select(.action=="delivered") | .rcpt' <<<"$out" | head -2 | tr '\n' ' ')" = \
	    "carol@ok.example dan@ok.example " ]
	[ "$(jq -r 'select(.rcpt=="carol@ok.example") | .code' <<<"$out")" = 250 ]
}

@test "logs: Exim log_timezone, +pid, 23-character ids and local quota" {
	e=$(bounce-parse "$LOGS/exim.log" | jq -c 'select(.origin | endswith(":7"))')
	[ "$(jq -r .time <<<"$e")" = 2026-11-27T09:00:05Z ]
	[ "$(jq -r .qid <<<"$e")" = 1tGx2B-0000000Ab-0000 ]
	[ "$(jq -r .rcpt <<<"$e")" = erin@hosted.example ]
	[ "$(jq -r .reason <<<"$e")" = mailboxfull ]
	[ "$(jq -r .action <<<"$e")" = delayed ]
	e=$(bounce-parse "$LOGS/exim.log" | jq -c 'select(.origin | endswith(":10"))')
	[ "$(jq -r .reason <<<"$e")" = mailboxfull ]
	[ "$(jq -r .action <<<"$e")" = failed ]
}

@test "logs: Exim retry timeout exceeded is expired; Completed empties the memory" {
	out=$(bounce-parse "$LOGS/exim.log")
	e=$(jq -c 'select(.rcpt=="frank@slow.example")' <<<"$out")
	[ "$(jq -r .action <<<"$e")" = failed ]
	[ "$(jq -r .reason <<<"$e")" = expired ]
	[ "$(jq -r .time <<<"$e")" = 2026-11-27T10:00:06Z ]
	# the same id after Completed: no sender any more
	printf '%s\n' '2026-11-27 10:00:00 1tGx2A-000123-AB <= a@shop.example H=x [192.0.2.1] P=esmtp S=1 id=m1@shop.example' \
	    '2026-11-27 10:00:01 1tGx2A-000123-AB Completed' \
	    '2026-11-27 10:00:02 1tGx2A-000123-AB == b@c.example R=r T=t defer (-44): x' >"$BATS_TEST_TMPDIR/c.log"
	[ "$(bounce-parse "$BATS_TEST_TMPDIR/c.log" | jq -r .from)" = null ]
}

@test "logs: Exim original address and F= sender" {
	e=$(bounce-parse --delivered "$LOGS/exim.log" | jq -c 'select(.origin | endswith(":9"))')
	[ "$(jq -r .rcpt <<<"$e")" = list-alice@lists.example ]
	[ "$(jq -r .orig_rcpt <<<"$e")" = team@lists.example ]
	[ "$(jq -r .from <<<"$e")" = owner@lists.example ]
}

@test "logs: Exim local part with the address in angle brackets" {
	printf '%s\n' '2026-11-27 10:00:00 1tGx2A-000123-AB == userx <userx@host.example> R=localuser T=appendfile defer (-22): mailbox is full' |
	    bounce-parse >"$BATS_TEST_TMPDIR/o"
	[ "$(jq -r .rcpt "$BATS_TEST_TMPDIR/o")" = userx@host.example ]
	[ "$(jq -r 'has("orig_rcpt")' "$BATS_TEST_TMPDIR/o")" = false ]
}

@test "logs: Sendmail: one event per recipient, sender and msgid from the from= line" {
	out=$(bounce-parse --delivered "$LOGS/sendmail.log")
	[ "$(jq -r 'select(.origin | endswith(":2")) | .rcpt' <<<"$out" | tr '\n' ' ')" = \
	    "alice@full-box.example amy@full-box.example " ]
	e=$(jq -c 'select(.rcpt=="amy@full-box.example")' <<<"$out")
	[ "$(jq -r .action <<<"$e")" = delayed ]
	[ "$(jq -r .status <<<"$e")" = 4.3.1 ]
	[ "$(jq -r .code <<<"$e")" = 452 ]
	[ "$(jq -r .rhost <<<"$e")" = mx.full-box.example ]
	[ "$(jq -r .from <<<"$e")" = news@shop.example ]
	[ "$(jq -r .msgid <<<"$e")" = 20261127.xyz@shop.example ]
	[ "$(jq -r .qid <<<"$e")" = 4ARA00a1000123 ]
	[ "$(jq -r .source <<<"$e")" = sendmail ]
	e=$(jq -c 'select(.rcpt=="bob@gone.example")' <<<"$out")
	[ "$(jq -r .action <<<"$e")" = failed ]
	[ "$(jq -r .reason <<<"$e")" = userunknown ]
	[ "$(jq -r .class <<<"$e")" = hard ]
	[ "$(jq -r 'select(.rcpt=="carol@ok.example") | .action' <<<"$out")" = delivered ]
	# reply= carries the server's words
	e=$(jq -c 'select(.rcpt=="dave@strict.example")' <<<"$out")
	[ "$(jq -r .code <<<"$e")" = 550 ]
	[ "$(jq -r .diag <<<"$e")" = "550 5.7.1 Message rejected as spam" ]
	# to=root (mailer=local) is no address and no error
	[ "$(wc -l <<<"$out")" -eq 5 ]
	run bounce-parse "$LOGS/sendmail.log"
	[ "$status" -eq 0 ]
}

@test "logs: year rollover with --year, inside one log" {
	run bounce-parse --year 2025 "$LOGS/rollover.log"
	[ "$status" -eq 0 ]
	[ "$(jq -r .time <<<"$output" | tr '\n' ' ')" = \
	    "2025-12-31T23:59:58Z 2026-01-01T00:00:02Z 2026-01-02T08:00:00Z " ]
}

@test "logs: syslog stamps are local time: TZ honoured" {
	t=$(TZ=Europe/Berlin bounce-parse --year 2025 "$LOGS/rollover.log" | jq -r .time | head -1)
	[ "$t" = 2025-12-31T22:59:58Z ]
	t=$(TZ=America/New_York bounce-parse --year 2026 "$LOGS/postfix.log" | jq -r .time | head -1)
	[ "$t" = 2026-11-20T13:00:02Z ]
	# Exim stamps without a zone are local time too
	t=$(TZ=Europe/Berlin bounce-parse "$LOGS/exim.log" | jq -r .time | head -1)
	[ "$t" = 2026-11-27T09:00:01Z ]
}

@test "logs: RFC 3339 stamps: the offset is honoured, TZ is not used" {
	t=$(TZ=America/New_York bounce-parse "$LOGS/mixed.log" | jq -r 'select(.source=="postfix") | .time')
	[ "$t" = 2026-11-27T09:00:00Z ]
	# with a space for the T; a local ISO stamp before a syslog header
	printf '%s\n' '2026-11-27 10:00:00+01:00 mx1 postfix/smtp[1]: 7EE668039: to=<a@x.example>, relay=none, dsn=4.4.1, status=deferred (x)' \
	    '2026-11-27 10:00:00 mx1 postfix/smtp[1]: 7EE66803A: to=<b@x.example>, relay=none, dsn=4.4.1, status=deferred (x)' \
	    >"$BATS_TEST_TMPDIR/iso.log"
	[ "$(TZ=Europe/Berlin bounce-parse "$BATS_TEST_TMPDIR/iso.log" | jq -r .time | tr '\n' ' ')" = \
	    "2026-11-27T09:00:00Z 2026-11-27T09:00:00Z " ]
}

@test "logs: RFC 5424 syslog and bare Postfix messages without a program" {
	printf '%s\n' '<22>1 2026-11-27T10:00:00.5+01:00 mx1 postfix/smtp 4242 - - 7EE668039: to=<w@x.example>, relay=mx.x.example[192.0.2.1]:25, dsn=4.2.2, status=deferred (host mx.x.example[192.0.2.1] said: 452 4.2.2 full (in reply to RCPT TO command))' \
	    '7EE66803A: to=<y@x.example>, relay=none, dsn=5.1.1, status=bounced (unknown user)' >"$BATS_TEST_TMPDIR/5424.log"
	run bounce-parse "$BATS_TEST_TMPDIR/5424.log"
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.time, .qid, .action, .code] | @tsv' <<<"$output" | head -1)" = \
	    "$(printf '2026-11-27T09:00:00Z\t7EE668039\tdelayed\t452')" ]
	# no stamp: the file's modification time stands in, the rest is read
	touch -d 2026-11-26T08:00:00Z "$BATS_TEST_TMPDIR/5424.log"
	run bounce-parse "$BATS_TEST_TMPDIR/5424.log"
	[ "$(jq -r '[.time, .qid, .status] | @tsv' <<<"$output" | tail -1)" = \
	    "$(printf '2026-11-26T08:00:00Z\t7EE66803A\t5.1.1')" ]
}

@test "logs: mixed Postfix, Exim and Sendmail lines in one file (auto, per line)" {
	run bounce-parse --year 2026 "$LOGS/mixed.log"
	[ "$status" -eq 0 ]
	[ "$(jq -r .source <<<"$output" | tr '\n' ' ')" = "postfix exim exim sendmail " ]
	# "<22>" priority prefix, qmgr line read through it
	[ "$(jq -r 'select(.source=="postfix") | .from' <<<"$output")" = news@shop.example ]
	# Exim through syslog, with and without its own stamp
	[ "$(jq -r 'select(.source=="exim") | .qid' <<<"$output" | sort -u)" = 1tGx2A-000123-AB ]
	for f in postfix exim sendmail; do
		run bounce-parse -f "$f" --year 2026 "$LOGS/mixed.log"
		[ "$status" -eq 0 ]
		[ "$(jq -r .source <<<"$output" | sort -u)" = "$f" ]
	done
}

@test "logs: the fail2ban noise corpus yields no event and no error" {
	n=0
	for f in "$CORPUS"/noise-fail2ban/*; do
		run bounce-parse --delivered --year 2026 "$f"
		[ "$status" -eq 0 ]
		[ -z "$output" ]
		n=$((n + 1))
	done
	[ "$n" -ge 3 ]
}

@test "logs: unreadable outcome lines: file:line message, exit 2, the rest still read" {
	run --separate-stderr bounce-parse --year 2026 "$LOGS/bad.log"
	[ "$status" -eq 2 ]
	[ "$(jq -r .rcpt <<<"$output" | tr '\n' ' ')" = "ok@fine.example last@fine.example " ]
	# to=<, no to=, cut short, unknown status, Exim and Sendmail without an
	# address, a stamp that is no date
	for l in 2 3 4 5 6 7 9; do
		grep -q "^bounce-parse: $LOGS/bad.log:$l: " <<<"$stderr"
	done
	[ "$(grep -c . <<<"$stderr")" -eq 7 ]
}

@test "logs: NUL bytes and invalid UTF-8 give valid JSON" {
	printf 'Nov 27 10:00:00 mx postfix/smtp[1]: ABCDEF1234: to=<a@x.example>, relay=none, dsn=4.4.1, status=deferred (con\0nect \377\376 fail\300\257)\n' >"$BATS_TEST_TMPDIR/nul.log"
	printf '2026-11-27 10:00:00 1tGx2A-000123-AB == b@x.example R=r defer (-1): bad \377 byte \0 here\n' >>"$BATS_TEST_TMPDIR/nul.log"
	run bounce-parse "$BATS_TEST_TMPDIR/nul.log"
	[ "$status" -eq 0 ]
	[ "$(jq -c . <<<"$output" | wc -l)" -eq 2 ]
	[ "$(jq -r .diag <<<"$output" | head -1)" = "connect �� fail��" ]
	[ "$(jq -r .rcpt <<<"$output" | tail -1)" = b@x.example ]
}

@test "logs: a 5 MB line and long field values: no crash, bounded diag" {
	awk 'BEGIN { s = "x, "; while (length(s) < 5000000) s = s s;
	    printf "Nov 27 10:00:00 mx postfix/smtp[1]: ABCDEF1234: to=<a@x.example>, relay=none, dsn=4.4.1, status=deferred (%s)\n", s
	    printf "Nov 27 10:00:00 mx postfix/smtp[1]: ABCDEF1235: to=<a@x.example>%s, status=sent (x)\n", s
	    printf "2026-11-27 10:00:00 1tGx2A-000123-AB == <<<%s\n", s
	    printf "Nov 27 10:00:01 mx postfix/smtp[1]: ABCDEF1236: to=<z@x.example>, relay=none, dsn=4.4.1, status=deferred (short)\n" }' \
	    >"$BATS_TEST_TMPDIR/big.log"
	run --separate-stderr bounce-parse "$BATS_TEST_TMPDIR/big.log"
	[ "$status" -eq 2 ]
	[ "$(jq -r .rcpt <<<"$output" | tr '\n' ' ')" = "a@x.example z@x.example " ]
	[ "$(jq -r '.diag | length' <<<"$output" | head -1)" -lt 4096 ]
	grep -q "big.log:3: " <<<"$stderr"
}

@test "logs: a Sendmail line with 300000 recipients: bounded, reported" {
	awk 'BEGIN { printf "Nov 27 10:00:03 relay sm-mta[3101]: 4ARA00a1000999: to=<u0@x.example>";
	    for (i = 1; i < 300000; i++) printf ",<u%d@x.example>", i;
	    printf ", delay=00:00:02, mailer=esmtp, dsn=4.2.2, stat=Deferred: 452 4.2.2 Mailbox full\n" }' \
	    >"$BATS_TEST_TMPDIR/wide.log"
	run --separate-stderr bounce-parse "$BATS_TEST_TMPDIR/wide.log"
	[ "$status" -eq 2 ]
	[ "$(jq -r .rcpt <<<"$output" | wc -l)" -eq 1000 ]
	[[ "$stderr" == *"wide.log:1: too many recipients"* ]]
}

@test "logs: binary garbage and truncated lines: no crash, only valid JSON out" {
	head -c 2000000 /dev/urandom >"$BATS_TEST_TMPDIR/garbage"
	run bounce-parse -f postfix "$BATS_TEST_TMPDIR/garbage"
	[ "$status" -le 2 ]
	[ -z "$output" ] || jq -e . <<<"$output" >/dev/null
	# every prefix of an outcome line
	line='Nov 27 10:00:00 mx postfix/smtp[1]: ABCDEF1234: to=<a@x.example>, orig_to=<b@y.example>, relay=mx.x.example[192.0.2.1]:25, dsn=4.2.2, status=deferred (host mx.x.example[192.0.2.1] said: 452 4.2.2 full (in reply to RCPT TO command))'
	for i in $(seq 1 ${#line}); do printf '%s\n' "${line:0:$i}"; done >"$BATS_TEST_TMPDIR/cut.log"
	line='2026-11-27 10:00:00 +0100 [77] 1tGx2A-000123-AB ** a@x.example <b@y.example> R=r T=t H=mx.x.example [192.0.2.1]: SMTP error from remote mail server after RCPT TO:<a@x.example>: 550 5.1.1 no'
	for i in $(seq 1 ${#line}); do printf '%s\n' "${line:0:$i}"; done >>"$BATS_TEST_TMPDIR/cut.log"
	run --separate-stderr bounce-parse "$BATS_TEST_TMPDIR/cut.log"
	[ "$status" -eq 2 ]
	jq -e . <<<"$output" >/dev/null
	[ "$(jq -c . <<<"$output" | wc -l)" -gt 50 ]
}

@test "logs: the per-queue-id memory is bounded and forgets removed ids" {
	# 150000 queue ids that are never removed: the run stays small
	awk 'BEGIN { for (i = 0; i < 150000; i++)
	    printf "Nov 27 10:00:00 mx postfix/qmgr[1]: Q%09d: from=<s%d@shop.example>, size=1, nrcpt=1 (queue active)\n", i, i
	    printf "Nov 27 10:00:01 mx postfix/smtp[1]: Q%09d: to=<a@x.example>, relay=none, dsn=4.4.1, status=deferred (x)\n", 0
	    printf "Nov 27 10:00:01 mx postfix/smtp[1]: Q%09d: to=<a@x.example>, relay=none, dsn=4.4.1, status=deferred (x)\n", 149999
	    printf "Nov 27 10:00:02 mx postfix/qmgr[1]: Q%09d: removed\n", 149999
	    printf "Nov 27 10:00:03 mx postfix/smtp[1]: Q%09d: to=<a@x.example>, relay=none, dsn=4.4.1, status=deferred (x)\n", 149999 }' \
	    >"$BATS_TEST_TMPDIR/many.log"
	run bounce-parse --year 2026 "$BATS_TEST_TMPDIR/many.log"
	[ "$status" -eq 0 ]
	# the oldest was evicted past the cap, the newest remembered until removed
	[ "$(jq -r .from <<<"$output" | tr '\n' ' ')" = "null s149999@shop.example null " ]
}

@test "logs: postfix-grok-patterns corpus: queue id, status and dsn as the YAML expects" {
	run "$BATS_TEST_DIRNAME/corpus-postfix.sh" "$CORPUS/postfix-grok-patterns"
	echo "$output" | grep FAIL || true
	[ "$status" -eq 0 ]
	[[ "$output" == *"failed 0"* ]]
}

@test "logs: exim-testsuite corpus: every =>, ->, ==, ** line yields its event" {
	# An outcome line: stamp, id, flag. A pipe, file or autoreply ("|cmd",
	# "/file", ">addr") without an original address in angle brackets names no
	# recipient and is left out; every other line gives one event, or one
	# warning when no address can be read.
	total=0 bad=0 all_warned=0
	for f in "$CORPUS"/exim-testsuite/*; do
		want=$(awk '
		$0 ~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] / {
			i = 3
			if ($i ~ /^[+-][0-9][0-9][0-9][0-9]$/) i++
			if ($i ~ /^\[[0-9]+\]$/) i++
			if ($i !~ /^[A-Za-z0-9]+-[A-Za-z0-9]+-[A-Za-z0-9]+$/) next
			if ($(i + 1) != "=>" && $(i + 1) != "->" && $(i + 1) != "==" && $(i + 1) != "**") next
			# a queue run that made no attempt: no outcome
			if ($(i + 1) == "==" && $0 ~ /: retry time not reached/) next
			addr = $(i + 2)
			rest = $0; sub(/ R=.*/, "", rest)
			if (addr ~ /^[|\/>]/ && rest !~ /<[^>]*@[^>]*>/) next
			n++
		}
		END { print n + 0 }' "$f")
		got=$(bounce-parse --delivered "$f" 2>"$BATS_TEST_TMPDIR/err" | wc -l)
		warned=$(wc -l <"$BATS_TEST_TMPDIR/err")
		if [ "$want" -ne $((got + warned)) ]; then
			echo "$f: $want outcome lines, $got events, $warned warnings"
			bad=$((bad + 1))
		fi
		total=$((total + got))
		all_warned=$((all_warned + warned))
	done
	[ "$bad" -eq 0 ]
	[ "$total" -gt 900 ]
	# an address that cannot be read is rare
	[ "$all_warned" -lt 5 ]
}

@test "logs: exim-testsuite corpus: fields of deferrals and bounces" {
	# (a few lines name no address: exit 2, tested above)
	out=$(cat "$CORPUS"/exim-testsuite/* | bounce-parse 2>/dev/null || true)
	# SMTP errors: the code is taken from the reply, the host from H=
	e=$(jq -c 'select(.rcpt=="userx@domain.com" and .code==452)' <<<"$out" | head -1)
	[ "$(jq -r .action <<<"$e")" = delayed ]
	[ "$(jq -r .rhost <<<"$e")" = 127.0.0.1 ]
	[ "$(jq -r .diag <<<"$e")" = "452 Temporary error" ]
	# local quota deferrals
	[ "$(jq -r 'select(.action=="delayed" and (.diag // "" | test("quota exceeded"))) | .reason' <<<"$out" | sort -u)" = mailboxfull ]
	# retry timeout exceeded: expired, or what the last deferral says (a
	# TLS session that kept failing)
	[ "$(bounce-parse "$CORPUS"/exim-testsuite/0355 | jq -r 'select(.diag // "" | startswith("retry timeout exceeded")) | .reason' | sort -u)" = expired ]
	[ "$(bounce-parse "$CORPUS"/exim-testsuite/2112 | jq -r 'select(.diag // "" | startswith("retry timeout exceeded")) | .reason' | sort -u)" = securityerror ]
	[ "$(jq -r 'select(.diag // "" | test("^retry timeout exceeded|failing for a long time")) | .reason' <<<"$out" | grep -c undefined)" -eq 0 ]
	# every event names an id of its line and the source
	[ "$(jq -r 'select(.qid == null or .source != "exim")' <<<"$out" | wc -l)" -eq 0 ]
}
