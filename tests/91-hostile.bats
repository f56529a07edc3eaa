#!/usr/bin/env bats
# A catalogue of hostile input, across every parser and program: giant lines
# and headers, deep nesting, constructs that never end, many recipients,
# random bytes. Bounce emails and log lines are written by strangers, so each
# case must finish in bounded time (timeout) and bounded memory (ulimit -v),
# exit 0, 1 or 2 (never a signal), and write only valid JSON lines.
# The parsers' own files test what they extract; this file tests that nothing
# hostile gets through to a crash, a hang or a blow-up. The guarantees are
# documented in bouncekit(7), SECURITY.

load helper

have() { command -v "$1" >/dev/null 2>&1; }

# Under AddressSanitizer (make asan) the shadow memory needs terabytes of
# address space, so the cap is ASan's own RSS limit, and time is more generous.
if [ "$SANITIZER" = asan ]; then
	LIMIT="export ASAN_OPTIONS=\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}hard_rss_limit_mb=2048"
	TIMEOUT=90
else
	LIMIT="ulimit -v \${MEM_KB:-1048576}"	# 1 GiB of address space unless told
	TIMEOUT=20
fi

# bounded 'command line': runs it with the caps, stdout to $T/out, stderr to
# $T/err; then checks the outcome: no timeout, no signal, a documented exit
# status, and stdout made only of JSON objects, one a line (unless TEXT_OUT is
# set: suppress filter writes recipient lines as they came).
bounded() {
	run env MEM_KB="${MEM_KB:-1048576}" bash -c "$LIMIT; timeout $TIMEOUT bash -c \"\$1\" >\"\$2/out\" 2>\"\$2/err\"" _ "$1" "$T"
	if [ "$status" -eq 124 ]; then
		echo "timed out after ${TIMEOUT}s: $1"
		return 1
	fi
	if [ "$status" -gt 2 ]; then
		echo "exit $status (a signal or a crash): $1"
		head -c 2000 "$T/err"
		return 1
	fi
	# Hitting the memory cap shows up as a failed allocation, exit 2.
	if grep -qi 'cannot allocate memory\|out of memory\|rss limit' "$T/err"; then
		echo "memory cap of the test reached: $1"
		head -c 2000 "$T/err"
		return 1
	fi
	if [ -s "$T/out" ] && [ -z "${TEXT_OUT:-}" ]; then
		if ! jq -r 'type' "$T/out" >"$T/types" || grep -qvx object "$T/types" ||
		    [ "$(wc -l <"$T/types")" -ne "$(wc -l <"$T/out")" ]; then
			echo "stdout is not JSON objects, one a line: $1"
			return 1
		fi
	fi
	# Diagnostics stay short: a hostile line is not echoed back whole.
	if [ "$(wc -c <"$T/err")" -gt 1000000 ] || [ "$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$T/err")" -gt 4096 ]; then
		echo "stderr is $(wc -c <"$T/err") bytes, or has a line longer than 4096: $1"
		return 1
	fi
	# And carry no control characters (terminal escapes) from the input.
	if LC_ALL=C grep -q '[[:cntrl:]]' <(tr -d '\n\t' <"$T/err"); then
		echo "stderr carries control characters: $1"
		LC_ALL=C grep -n '[[:cntrl:]]' <(tr -d '\t' <"$T/err") | head -3 | od -c | head
		return 1
	fi
}

setup_file() {
	F="$BATS_FILE_TMPDIR"
	# 20 MB without a line end, and 1 MB of random bytes: shared by the tests.
	head -c 20000000 /dev/zero | tr '\0' 'a' >"$F/giant"
	head -c 1000000 /dev/urandom >"$F/random"
}

setup() {
	T="$BATS_TEST_TMPDIR"
	F="$BATS_FILE_TMPDIR"
}

# ---------------------------------------------------------------- bounce-parse

@test "bounce-parse: 1 MB of random bytes, in every format" {
	for f in auto postfix exim sendmail email mbox ses sendgrid mailgun postmark; do
		bounded "bounce-parse -f $f '$F/random'"
	done
}

@test "bounce-parse: a 20 MB line without a line end, in every format" {
	for f in auto postfix exim sendmail email mbox ses; do
		bounded "bounce-parse -f $f '$F/giant'"
	done
}

@test "bounce-parse: 20 MB of NUL bytes and of CR-only line ends" {
	head -c 20000000 /dev/zero >"$T/nul"
	bounded "bounce-parse '$T/nul'"
	bounded "bounce-parse -f postfix '$T/nul'"
	awk 'BEGIN { for (i = 0; i < 500000; i++) printf "Subject: x%d\r", i }' >"$T/cr"
	bounded "bounce-parse '$T/cr'"
	bounded "bounce-parse -f email '$T/cr'"
}

@test "bounce-parse: a notice of 20 MB of empty lines (LF, CR LF, CR) still reads its recipient" {
	# The notice reader keeps an entry per line: 20 million of them once
	# took 32 bytes each and a doubling past 1 GiB (exit 2, no record).
	for end in lf crlf cr; do
		{
			printf 'From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\nTo: sender@example.com\n'
			printf 'Subject: Undelivered Mail Returned to Sender\nContent-Type: text/plain\n\n'
			case $end in
			lf) head -c 20000000 /dev/zero | tr '\0' '\n' ;;
			crlf) head -c 10000000 /dev/zero | tr '\0' '\n' | sed 's/$/\r/' ;;
			cr) head -c 20000000 /dev/zero | tr '\0' '\r' ;;
			esac
			printf '550 5.1.1 <u@example.net>: Recipient address rejected: User unknown\n'
		} >"$T/empty.eml"
		bounded "bounce-parse -f email '$T/empty.eml'"
		[ "$status" -eq 0 ]
		[ "$(jq -r .rcpt "$T/out")" = u@example.net ]
	done
}

@test "bounce-parse: a notice of 80 MB of blank lines (empty, a space, CR LF) reads its recipient within 512 MB" {
	# A run of blank lines keeps a few line entries, not one each (16
	# bytes for every one or two bytes of the notice): this notice once
	# went past 512 MB of address space (exit 2, no record).
	{
		printf 'From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\nTo: sender@example.com\n'
		printf 'Subject: Undelivered Mail Returned to Sender\nContent-Type: text/plain\n\n'
		head -c 20000000 /dev/zero | tr '\0' '\n'
		head -c 20000000 /dev/zero | tr '\0' '\n' | sed 's/^/ /'
		head -c 10000000 /dev/zero | tr '\0' '\n' | sed 's/$/\r/'
		printf '550 5.1.1 <u@example.net>: Recipient address rejected: User unknown\n'
	} >"$T/blank.eml"
	MEM_KB=524288 bounded "bounce-parse -f email '$T/blank.eml'"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.rcpt + " " + .status' "$T/out")" = "u@example.net 5.1.1" ]
	rm -f "$T/blank.eml"
}

@test "bounce-parse: log lines with a 20 MB reply text, recipient and queue id" {
	{
		printf 'Nov 27 10:00:00 mx postfix/smtp[1]: 4ABC: to=<u@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=1, dsn=5.1.1, status=bounced (host said: 550 5.1.1 '
		cat "$F/giant"
		printf ')\nNov 27 10:00:01 mx postfix/smtp[1]: 4ABD: to=<'
		cat "$F/giant"
		printf '@example.com>, relay=none, delay=1, dsn=4.4.1, status=deferred (x)\n'
		printf 'Nov 27 10:00:02 mx postfix/smtp[1]: '
		cat "$F/giant"
		printf ': to=<u@example.com>, relay=none, delay=1, dsn=4.4.1, status=deferred (x)\n'
		printf '2026-11-27 10:00:00 1abcde-000001-AB ** '
		cat "$F/giant"
		printf ': retry timeout exceeded\n'
		printf 'Nov 27 10:00:00 mx sm-mta[1]: 0ARA0000001: to=<u@example.com>, delay=00:00:01, stat=Deferred: '
		cat "$F/giant"
		printf '\n'
	} >"$T/log"
	bounded "bounce-parse '$T/log'"
	# A long reply text is kept (truncated or not), a long address is no address.
	if [ -s "$T/out" ]; then
		run jq -r '.rcpt' "$T/out"
		[[ "$output" != *aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@* ]]
	fi
}

@test "bounce-parse: a 20 MB header field, and one folded over a million lines" {
	{
		printf 'From: MAILER-DAEMON@example.com\nSubject: '
		cat "$F/giant"
		printf '\nContent-Type: text/plain\n\nbody\n'
	} >"$T/big-header.eml"
	bounded "bounce-parse -f email '$T/big-header.eml'"
	{
		printf 'From: MAILER-DAEMON@example.com\nSubject: Undelivered\n'
		awk 'BEGIN { print "X-Folded: start"; for (i = 0; i < 1000000; i++) print " more" }'
		printf 'Content-Type: text/plain\n\nbody\n'
	} >"$T/folded.eml"
	bounded "bounce-parse -f email '$T/folded.eml'"
	# A million header fields.
	{
		awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "X-F%d: v\n", i }'
		printf '\nbody\n'
	} >"$T/fields.eml"
	bounded "bounce-parse -f email '$T/fields.eml'"
}

# A DSN whose report part is nested inside n multiparts.
nested_dsn() {
	awk -v n="$1" 'BEGIN {
		print "From: MAILER-DAEMON@example.com"
		print "To: sender@example.org"
		print "Subject: Undelivered Mail Returned to Sender"
		print "MIME-Version: 1.0"
		print "Content-Type: multipart/mixed; boundary=\"b0\""
		print ""
		for (i = 0; i < n; i++) {
			print "--b" i
			print "Content-Type: multipart/mixed; boundary=\"b" (i + 1) "\""
			print ""
		}
		print "--b" n
		print "Content-Type: message/delivery-status"
		print ""
		print "Reporting-MTA: dns; mx.example.com"
		print ""
		print "Final-Recipient: rfc822; deep@example.com"
		print "Action: failed"
		print "Status: 5.1.1"
		print ""
		for (i = n; i >= 0; i--)
			print "--b" i "--"
	}'
}

@test "bounce-parse: 1000 nested multiparts, and 100000" {
	nested_dsn 1000 >"$T/nested.eml"
	bounded "bounce-parse -f email '$T/nested.eml'"
	nested_dsn 100000 >"$T/nested2.eml"
	bounded "bounce-parse -f email '$T/nested2.eml'"
}

@test "bounce-parse: never-ending boundaries, quotes, comments and encoded words" {
	# A boundary that is announced and never closed, with 100000 parts.
	{
		printf 'From: MAILER-DAEMON@example.com\nMIME-Version: 1.0\n'
		printf 'Content-Type: multipart/report; report-type=delivery-status; boundary="open"\n\n'
		awk 'BEGIN { for (i = 0; i < 100000; i++) print "--open\nContent-Type: text/plain\n\npart " i }'
	} >"$T/open-boundary.eml"
	bounded "bounce-parse -f email '$T/open-boundary.eml'"
	# A quoted boundary parameter that never ends, over 10 MB.
	{
		printf 'From: MAILER-DAEMON@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="'
		head -c 10000000 "$F/giant"
		printf '\n\nbody\n'
	} >"$T/open-quote.eml"
	bounded "bounce-parse -f email '$T/open-quote.eml'"
	# A comment that never closes, nested 100000 deep.
	{
		printf 'From: MAILER-DAEMON@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed'
		awk 'BEGIN { for (i = 0; i < 100000; i++) printf "(" }'
		printf '; boundary=x\nDate: Fri, 27 Nov 2026 10:00:00 +0000 ('
		awk 'BEGIN { for (i = 0; i < 100000; i++) printf "(" }'
		printf '\n\n--x\n\nbody\n'
	} >"$T/open-comment.eml"
	bounded "bounce-parse -f email '$T/open-comment.eml'"
	# Encoded words that never end, and a million that do.
	{
		printf 'From: MAILER-DAEMON@example.com\nSubject: =?utf-8?B?'
		head -c 5000000 "$F/giant"
		printf '\nX-Words:'
		awk 'BEGIN { for (i = 0; i < 1000000; i++) printf " =?iso-8859-1?Q?=E9t=E9?=" }'
		printf '\n\nbody\n'
	} >"$T/open-words.eml"
	bounded "bounce-parse -f email '$T/open-words.eml'"
	# base64 and quoted-printable bodies that are all padding or soft breaks.
	{
		printf 'From: MAILER-DAEMON@example.com\nMIME-Version: 1.0\nContent-Type: multipart/report; boundary=b\n\n'
		printf -- '--b\nContent-Type: message/delivery-status\nContent-Transfer-Encoding: base64\n\n'
		head -c 5000000 /dev/zero | tr '\0' '='
		printf '\n--b\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n'
		awk 'BEGIN { for (i = 0; i < 1000000; i++) print "=" }'
		printf -- '--b--\n'
	} >"$T/encodings.eml"
	bounded "bounce-parse -f email '$T/encodings.eml'"
}

# A DSN with n recipients: all of them are reported.
many_rcpts() {
	awk -v n="$1" 'BEGIN {
		print "From: MAILER-DAEMON@example.com"
		print "To: sender@example.org"
		print "Subject: Delivery Status Notification (Failure)"
		print "Date: Fri, 27 Nov 2026 10:00:00 +0000"
		print "MIME-Version: 1.0"
		print "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\""
		print ""
		print "--b"
		print "Content-Type: text/plain"
		print ""
		print "Delivery to the following recipients failed."
		print ""
		print "--b"
		print "Content-Type: message/delivery-status"
		print ""
		print "Reporting-MTA: dns; mx.example.com"
		print "Arrival-Date: Fri, 27 Nov 2026 09:59:00 +0000"
		for (i = 0; i < n; i++) {
			print ""
			print "Final-Recipient: rfc822; user" i "@example" (i % 100) ".com"
			print "Action: failed"
			print "Status: 5.1.1"
			print "Diagnostic-Code: smtp; 550 5.1.1 user unknown"
		}
		print ""
		print "--b--"
	}'
}

@test "bounce-parse: memory stays bounded over 500000 messages in flight (queue ids)" {
	# Each message's sender and Message-ID are remembered until it is done;
	# a log of messages that never finish must not grow the memory without end.
	awk 'BEGIN { for (i = 0; i < 500000; i++) printf "Nov 27 10:00:00 mx postfix/qmgr[2]: %08X: from=<sender%d@shop.example>, size=1234, nrcpt=1 (queue active)\nNov 27 10:00:00 mx postfix/cleanup[3]: %08X: message-id=<%d.abcdefghijklmnopqrstuvwxyz@shop.example>\n", i, i, i, i
	    for (i = 400000; i >= 399999; i--) printf "Nov 27 10:00:01 mx postfix/smtp[4]: %08X: to=<a@x.example>, relay=none, dsn=4.4.1, status=deferred (x)\n", i }' \
	    >"$T/inflight.log"
	MEM_KB=153600 bounded "bounce-parse -y 2026 '$T/inflight.log'"	# 150 MB for a 110 MB log
	[ "$status" -eq 0 ]
	# the newest 100000 are remembered, the one before them is forgotten
	[ "$(jq -r .from "$T/out" | tr '\n' ' ')" = "sender400000@shop.example null " ]
}

@test "bounce-parse: a DSN for 100000 recipients reports each, in bounded time" {
	many_rcpts 100000 >"$T/many.eml"
	bounded "bounce-parse -f email '$T/many.eml'"
	[ "$status" -eq 0 ]
	[ "$(jq -r .rcpt "$T/out" | sort -u | wc -l)" -eq 100000 ]
}

# A phrase the readers look for occurrence after occurrence, 300,000 times
# on one 8.7 MB line of an Exim notice, in lower case only: each search must
# stop at the next one (not scan to the end for the other case) and each
# occurrence must not walk back to its line's start (quadratic: hours).
@test "bounce-parse: a phrase repeated 300000 times on one line of a notice, in bounded time" {
	awk 'BEGIN {
		print "From: Mail Delivery System <Mailer-Daemon@mx.example.org>"
		print "To: news@sender.example.net"
		print "Subject: Mail delivery failed: returning message to sender"
		print "X-Failed-Recipients: pi5@example.org"
		print ""
		print "This message was created automatically by mail delivery software."
		print ""
		print "A message that you sent could not be delivered to one or more of its"
		print "recipients. This is a permanent error. The following address(es) failed:"
		print ""
		print "  pi5@example.org"
		printf "    x"
		for (i = 0; i < 300000; i++)
			printf " generated by pi5@example.org"
		print ""
	}' >"$T/repeat.eml"
	bounded "bounce-parse -f email '$T/repeat.eml'"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.rcpt + " " + .action' "$T/out")" = "pi5@example.org failed" ]
}

@test "bounce-parse: an mbox of 200000 empty messages, and one huge message" {
	awk 'BEGIN { for (i = 0; i < 200000; i++) print "From MAILER-DAEMON Fri Nov 27 10:00:00 2026\n" }' \
	    >"$T/many.mbox"
	bounded "bounce-parse -f mbox '$T/many.mbox'"
	{
		printf 'From MAILER-DAEMON Fri Nov 27 10:00:00 2026\n'
		many_rcpts 20000
		printf '\nFrom MAILER-DAEMON Fri Nov 27 10:00:00 2026\n'
		printf 'Subject: '
		cat "$F/giant"
		printf '\n\nx\n'
	} >"$T/big.mbox"
	bounded "bounce-parse -f mbox '$T/big.mbox'"
	bounded "bounce-parse '$T/big.mbox'"
}

@test "bounce-parse: webhook JSON 10000 levels deep, arrays and objects" {
	awk 'BEGIN { for (i = 0; i < 10000; i++) printf "["; for (i = 0; i < 10000; i++) printf "]"; print "" }' \
	    >"$T/deep-array.json"
	awk 'BEGIN { for (i = 0; i < 10000; i++) printf "{\"a\":"; printf "1"; for (i = 0; i < 10000; i++) printf "}"; print "" }' \
	    >"$T/deep-object.json"
	# Never closed, over many lines, as a value spanning lines would be.
	awk 'BEGIN { for (i = 0; i < 200000; i++) print "[{\"eventType\":" }' >"$T/deep-open.json"
	for f in ses sendgrid mailgun postmark auto; do
		bounded "bounce-parse -f $f '$T/deep-array.json'"
		bounded "bounce-parse -f $f '$T/deep-object.json'"
		bounded "bounce-parse -f $f '$T/deep-open.json'"
	done
}

@test "bounce-parse: webhook JSON objects of 200000 keys, duplicates last, many mid-sized objects" {
	# The duplicate-key check of large objects is the keyed hash table: no
	# quadratic scan, and one table reused from object to object.
	awk 'BEGIN {
		ev = "\"email\":\"u%d@example.com\",\"timestamp\":1795780800,\"event\":\"bounce\",\"type\":\"bounce\",\"status\":\"5.1.1\",\"reason\":\"550 5.1.1 user unknown\""
		printf "{"; for (i = 0; i < 200000; i++) printf "\"k%d\":%d,", i, i; printf ev "}\n", 1
		printf "{"; for (i = 0; i < 200000; i++) printf "\"k%d\":%d,", i, i; printf ev ",\"k199999\":0}\n", 2
		for (j = 0; j < 3000; j++) {
			printf "{"; for (i = 0; i < 30; i++) printf "\"x%d\":%d,", (i * 7 + j) % 40, i; printf ev "}\n", j + 3
		}
		printf "{"; for (i = 0; i < 30; i++) printf "\"x%d\":%d,", i, i; printf ev ",\"x29\":1}\n", 9999
	}' >"$T/many-keys.jsonl"
	bounded "bounce-parse -f sendgrid '$T/many-keys.jsonl'"
	[ "$status" -eq 2 ]
	[ "$(wc -l <"$T/out")" -eq 3001 ]
	[ "$(grep -c 'invalid JSON: duplicate object key' "$T/err")" -eq 2 ]
	grep -q 'many-keys.jsonl:2: invalid JSON: duplicate object key' "$T/err"
	grep -q 'many-keys.jsonl:3003: invalid JSON: duplicate object key' "$T/err"
}

@test "bounce-parse: webhook JSON with a string that never ends, and a 20 MB one" {
	{ printf '{"eventType":"Bounce","bounce":{"bouncedRecipients":[{"emailAddress":"'; cat "$F/giant"; } \
	    >"$T/open-string.json"
	{
		printf '[{"event":"bounce","email":"u@example.com","reason":"'
		cat "$F/giant"
		printf '","timestamp":1764237600}]\n'
	} >"$T/big-string.json"
	for f in ses sendgrid mailgun postmark auto; do
		bounded "bounce-parse -f $f '$T/open-string.json'"
		bounded "bounce-parse -f $f '$T/big-string.json'"
	done
}

# ---------------------------------------------------------------- JSON readers

# Hostile record lines, each followed by a good record that must still count.
hostile_records() {
	local good='{"time":"2026-11-27T10:00:00Z","rcpt":"good@example.com","action":"failed","status":"5.2.2","code":552,"reason":"mailboxfull","class":"soft"}'
	# 10000 levels deep, as an object and as an array inside a record.
	awk 'BEGIN { for (i = 0; i < 10000; i++) printf "{\"a\":"; printf "1"; for (i = 0; i < 10000; i++) printf "}"; print "" }'
	awk 'BEGIN { printf "{\"rcpt\":\"x@y.example\",\"diag\":"; for (i = 0; i < 10000; i++) printf "["; for (i = 0; i < 10000; i++) printf "]"; print "}" }'
	# A 20 MB string: in a field that is read, and as a recipient.
	printf '{"time":"2026-11-27T10:00:00Z","rcpt":"big@example.com","action":"failed","diag":"'
	cat "$F/giant"
	printf '"}\n{"time":"2026-11-27T10:00:00Z","action":"failed","rcpt":"'
	cat "$F/giant"
	printf '@example.com"}\n'
	# A string that never ends, then the next line.
	printf '{"rcpt":"never@example.com","diag":"'
	head -c 1000000 "$F/giant"
	printf '\n'
	# Random bytes, invalid UTF-8, NUL bytes, a lone surrogate, huge numbers,
	# duplicate keys, wrong types, 100000 keys.
	head -c 100000 "$F/random" | tr -d '\n'
	printf '\n{"rcpt":"\xff\xfe@example.com","action":"failed","time":"2026-11-27T10:00:00Z"}\n'
	printf '{"rcpt":"a\\u0000b@example.com","action":"failed","time":"2026-11-27T10:00:00Z"}\n'
	printf '{"rcpt":"\\ud800@example.com","action":"failed","time":"2026-11-27T10:00:00Z"}\n'
	printf '{"rcpt":"n@example.com","action":"failed","time":"2026-11-27T10:00:00Z","code":1e999999,"attempts":99999999999999999999999}\n'
	printf '{"rcpt":"d@example.com","rcpt":"e@example.com","action":"failed","time":"2026-11-27T10:00:00Z"}\n'
	printf '{"rcpt":["x"],"action":{},"time":12,"status":5.1,"reason":null,"class":7}\n'
	# Empty strings where a time or a status code is due (once taken as valid).
	printf '{"time":"","rcpt":"t@example.com","action":"failed"}\n'
	printf '{"time":"2026-11-27T10:00:00Z","rcpt":"s@example.com","action":"failed","status":""}\n'
	printf '{"time":"2026-11-27T10:00:00Z","rcpt":"'"'"'","action":"failed"}\n'
	awk 'BEGIN { printf "{"; for (i = 0; i < 100000; i++) printf "\"k%d\":%d,", i, i; print "\"rcpt\":\"k@example.com\",\"action\":\"failed\",\"time\":\"2026-11-27T10:00:00Z\"}" }'
	echo "$good"
}

@test "retry-plan, bounce-stats, suppress: hostile record lines are skipped, the good one counts" {
	hostile_records >"$T/hostile.jsonl"
	cd "$T"
	bounded "retry-plan -n 2026-11-28T00:00:00Z -s state.jsonl hostile.jsonl"
	[ "$status" -eq 2 ]
	grep -q '"rcpt":"good@example.com"' state.jsonl
	# Only the valid records make plans (a 20 MB diag and 100000 keys are
	# valid), and no time is made up.
	[ "$(jq -r .rcpt state.jsonl | sort | tr '\n' ' ')" = "big@example.com good@example.com k@example.com " ]
	! grep -q '1969-\|1970-' state.jsonl || false
	grep -q '^retry-plan: hostile.jsonl:1: ' err
	bounded "bounce-stats hostile.jsonl"
	[ "$status" -eq 2 ]
	[ "$(jq -r .domain out | grep -c '^example.com$')" -eq 1 ]
	bounded "suppress -l list.jsonl -n 2026-11-28T00:00:00Z add hostile.jsonl"
	[ "$status" -eq 2 ]
	grep -q '"address":"good@example.com"' list.jsonl
	# What the hostile lines left in the state and the list reads back cleanly.
	bounded "retry-due -n 2026-12-30T00:00:00Z -s state.jsonl"
	[ "$status" -eq 0 ]
	grep -q '"rcpt":"good@example.com"' out
	bounded "suppress -l list.jsonl list"
	[ "$status" -eq 0 ]
}

@test "retry-plan, retry-due, suppress on .db stores: hostile records leave what a JSON-lines store has" {
	hostile_records >"$T/hostile.jsonl"
	cd "$T"
	for x in jsonl db; do
		bounded "retry-plan -S 1 -n 2026-11-28T00:00:00Z -s state.$x hostile.jsonl"
		[ "$status" -eq 2 ]
		bounded "suppress -l list.$x -n 2026-11-28T00:00:00Z add hostile.jsonl"
		[ "$status" -eq 2 ]
		bounded "retry-due -n 2026-12-30T00:00:00Z -s state.$x"
		[ "$status" -eq 0 ]
		mv out "due.$x"
	done
	cmp due.jsonl due.db
	grep -q '"rcpt":"good@example.com"' due.db
	retry-plan -s state.db --dump | cmp - state.jsonl
	suppress -l list.db list | cmp - list.jsonl
}

@test "retry-due and suppress: hostile state and list files are reported, not fatal" {
	hostile_records >"$T/state.jsonl"
	hostile_records >"$T/list.jsonl"
	cd "$T"
	cp state.jsonl state.before
	bounded "retry-due -n 2026-12-30T00:00:00Z -s state.jsonl"
	[ "$status" -eq 2 ]
	bounded "retry-plan -n 2026-12-30T00:00:00Z -s state.jsonl /dev/null"
	[ "$status" -eq 2 ]
	# Lines that are not plans are kept verbatim: no byte of them is lost.
	[ "$(grep -c . state.jsonl)" -ge "$(grep -c . state.before)" ]
	bounded "suppress -l list.jsonl check good@example.com"
	[ "$status" -eq 2 ]
	bounded "suppress -l list.jsonl list"
	[ "$status" -eq 2 ]
	bounded "echo x@example.org | suppress -l list.jsonl -n 2026-11-28T00:00:00Z add"
	[ "$status" -eq 2 ]
	TEXT_OUT=1 bounded "suppress -l list.jsonl filter '$F/random'"
	[ "$status" -eq 2 ]
}

@test "suppress filter: 1 MB of random bytes, a 20 MB line, 200000 recipients" {
	cd "$T"
	echo '@example.com' | suppress -l list.jsonl -n 2026-11-28T00:00:00Z add >/dev/null
	TEXT_OUT=1 bounded "suppress -l list.jsonl filter '$F/random'"
	TEXT_OUT=1 bounded "suppress -l list.jsonl filter '$F/giant'"
	awk 'BEGIN { for (i = 0; i < 200000; i++) print "r" i "@example" (i % 2 ? ".com" : ".org") }' >rcpts.txt
	run bash -c 'suppress -l list.jsonl filter rcpts.txt | wc -l'
	[ "$output" -eq 100000 ]
}

@test "the pipeline: what bounce-parse makes of hostile input, the others read cleanly" {
	cd "$T"
	{
		cat "$F/random"
		nested_dsn 100
		many_rcpts 1000
	} >mixed
	bounce-parse -y 2026 mixed "$F/random" >events.jsonl 2>/dev/null || true
	for f in "$CORPUS"/email/*.eml; do bounce-parse -f email "$f" 2>/dev/null || true; done \
	    >>events.jsonl
	[ -s events.jsonl ]
	# Every record bounce-parse writes is one the others accept: exit 0.
	bounded "retry-plan -n 2026-11-28T00:00:00Z -s state.jsonl events.jsonl"
	[ "$status" -eq 0 ] || { cat "$T/err"; false; }
	bounded "bounce-stats events.jsonl"
	[ "$status" -eq 0 ] || { cat "$T/err"; false; }
	bounded "bounce-stats -G mailboxfull,systemfull events.jsonl"
	[ "$status" -eq 0 ]
	bounded "suppress -l list.jsonl -n 2026-11-28T00:00:00Z add events.jsonl"
	[ "$status" -eq 0 ] || { cat "$T/err"; false; }
	bounded "retry-due -n 2026-12-30T00:00:00Z -s state.jsonl"
	[ "$status" -eq 0 ]
	bounded "suppress -l list.jsonl add state.jsonl"
	[ "$status" -eq 0 ] || { cat "$T/err"; false; }
}

@test "every program: control characters of the input never reach the terminal" {
	cd "$T"
	esc=$(printf '\033]0;owned\007\033[2J\r')
	printf 'Nov 27 10:00:00 mx postfix/smtp[1]: 4A%s: to=<u%s@example.com>, relay=none, delay=1, dsn=5.1.1, status=bounced (%s)\n' \
	    "$esc" "$esc" "$esc" >esc.log
	printf 'From: MAILER-DAEMON@example.com\nContent-Type: multipart/report; boundary=b\n\n--b\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; a%s@example.com\nAction: %s\nStatus: 5.1.1\n\n--b--\n' \
	    "$esc" "$esc" >esc.eml
	printf '{"eventType":"Bounce%s","bounce":{"bounceType":"%s"}}\n' '\u001b[2J' '\u001b]0;x\u0007' >esc.json
	printf '{"time":"2026-11-27T10:00:00Z","rcpt":"%s@x.example","action":"failed"}\n{"time":"%s","rcpt":"a@x.example","action":"failed"}\n{"rcpt":"a@x.example","action":"%s","time":"2026-11-27T10:00:00Z","status":"%s"}\n' \
	    '\u001b[31m' '\u001b[2J' '\u001b]0;x\u0007' '\r\u001b[2J' >esc.jsonl
	cp esc.jsonl state.jsonl
	cp esc.jsonl list.jsonl
	printf 'a%s@example.com\n' "$esc" >esc.txt
	for cmd in "bounce-parse -y 2026 esc.log" "bounce-parse -f email esc.eml" \
	    "bounce-parse -f ses esc.json" "bounce-parse esc.jsonl" "retry-plan -n 2026-11-28T00:00:00Z esc.jsonl" \
	    "bounce-stats esc.jsonl" "bounce-stats -f table -b status esc.jsonl" \
	    "suppress -l l.jsonl -n 2026-11-28T00:00:00Z add esc.jsonl" \
	    "suppress -l l.jsonl -n 2026-11-28T00:00:00Z add esc.txt" "suppress -l list.jsonl list" \
	    "retry-due -n 2026-11-28T00:00:00Z -s state.jsonl" "retry-plan -p esc.log --print-policy" \
	    "retry-plan -n '$esc' esc.jsonl" "bounce-parse -f '$esc'" "suppress -l x check 'a$esc@example.com'"; do
		bounded "$cmd"
		# Table output, the one place with plain text, is cleaned too.
		! LC_ALL=C grep -q $'\033' out || false
	done
}

@test "bounce-parse: webhooks with 100000 recipients in one event and in one array" {
	awk 'BEGIN { printf "{\"eventType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\"bounceSubType\":\"General\",\"timestamp\":\"2026-11-27T10:00:00.000Z\",\"bouncedRecipients\":["; for (i = 0; i < 100000; i++) printf "%s{\"emailAddress\":\"u%d@example.com\",\"action\":\"failed\",\"status\":\"5.1.1\",\"diagnosticCode\":\"smtp; 550 5.1.1 user unknown\"}", (i ? "," : ""), i; printf "]},\"mail\":{\"timestamp\":\"2026-11-27T09:59:00.000Z\",\"source\":\"s@shop.example\",\"messageId\":\"abc\",\"destination\":[]}}\n" }' \
	    >"$T/ses.json"
	bounded "bounce-parse -f ses '$T/ses.json'"
	[ "$status" -eq 0 ]
	[ "$(jq -r .rcpt "$T/out" | sort -u | wc -l)" -eq 100000 ]
	# One array over 100000 lines, as SendGrid posts them.
	awk 'BEGIN { printf "["; for (i = 0; i < 100000; i++) printf "%s{\"event\":\"bounce\",\"email\":\"u%d@example.com\",\"reason\":\"550 5.1.1 unknown\",\"status\":\"5.1.1\",\"timestamp\":1764237600}", (i ? ",\n" : ""), i; print "]" }' \
	    >"$T/sendgrid.json"
	bounded "bounce-parse -f sendgrid '$T/sendgrid.json'"
	[ "$status" -eq 0 ]
	[ "$(jq -r .rcpt "$T/out" | sort -u | wc -l)" -eq 100000 ]
}
