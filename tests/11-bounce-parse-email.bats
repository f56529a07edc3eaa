#!/usr/bin/env bats
# bounce-parse on bounce emails: RFC 3464 reports, non-standard notices,
# ARF, auto-replies; single messages (LF, CRLF, CR), mbox, Maildir, folders,
# stdin; MIME encodings; hostile input; and the score on tests/corpus.

load helper

E="$FIXTURES/email"

setup() {
	T="$BATS_TEST_TMPDIR"
}

# rcpt action status code reason class, one line per event.
summary() { jqr '[.rcpt, .action, (.status // "-"), (.code // "-" | tostring), .reason, .class] | join(" ")'; }

@test "email: an RFC 3464 report gives one event per recipient with its fields" {
	run bounce-parse "$E/dsn-postfix.eml"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(echo "${lines[0]}" | summary)" = "alice@example.org failed 5.1.1 550 userunknown hard" ]
	[ "$(echo "${lines[1]}" | summary)" = "bob@example.com delayed 4.2.2 452 mailboxfull soft" ]
	# Remote-MTA, the returned message's author and Message-ID, the queue id.
	[ "$(echo "${lines[0]}" | jqr '[.rhost, .from, .msgid, .qid, .source, .origin] | join(" ")')" = \
	    "mx.example.org news@example.net news-2026-11@example.net 3F1A2C0123 email $E/dsn-postfix.eml" ]
	# Original-Recipient, and the domain lower-cased but not the local part.
	[ "$(echo "${lines[0]}" | jqr .orig_rcpt)" = "Alice.Old@example.org" ]
	[ "$(echo "${lines[1]}" | jqr .domain)" = "example.com" ]
}

@test "email: Diagnostic-Code continuation lines are joined; time from Last-Attempt-Date, else Date" {
	run bounce-parse "$E/dsn-postfix.eml"
	[ "$status" -eq 0 ]
	[ "$(echo "${lines[0]}" | jqr .diag)" = "550 5.1.1 <alice@example.org>: Recipient address rejected: User unknown in local recipient table" ]
	# Last-Attempt-Date: 10:00:05 +0100; bob has none: the bounce's Date 10:00:07 +0100.
	[ "$(echo "${lines[0]}" | jqr .time)" = "2026-11-27T09:00:05Z" ]
	[ "$(echo "${lines[1]}" | jqr .time)" = "2026-11-27T09:00:07Z" ]
	# Without a Date, Arrival-Date (09:59:58 +0100) is the last resort.
	grep -v '^Date:' "$E/dsn-postfix.eml" | sed '/^Last-Attempt-Date/d' >"$T/nodate.eml"
	run bounce-parse "$T/nodate.eml"
	[ "$(echo "${lines[0]}" | jqr .time)" = "2026-11-27T08:59:58Z" ]
	# Folded without the indent: the line that starts no report field goes
	# on with the Diagnostic-Code; Last-Attempt-Date after it is still read.
	sed 's/^    rejected: User unknown/rejected: User unknown/' "$E/dsn-postfix.eml" >"$T/badfold.eml"
	run bounce-parse "$T/badfold.eml"
	[ "$(echo "${lines[0]}" | jqr .diag)" = "550 5.1.1 <alice@example.org>: Recipient address rejected: User unknown in local recipient table" ]
	[ "$(echo "${lines[0]}" | jqr .time)" = "2026-11-27T09:00:05Z" ]
}

@test "email: the remote server's own code of the same class wins over the reporting MTA's Status" {
	# RFC 3464 2.3.6: Diagnostic-Code is the code the server gave; a give-up
	# (X.4.7) or the MTA's mapping to another subject says less. Another
	# class (a 5xx that the MTA treated as temporary), generic codes before a
	# specific one and a code of the same subject do not.
	run bounce-parse "$E/dsn-status-reply.eml"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "${lines[@]}" | jqr '.rcpt + " " + .status + " " + .class')" = "$(printf '%s\n' \
	    "ann@example.org 4.2.2 soft" "ben@example.org 5.7.1 soft" "cai@example.org 4.5.0 soft" \
	    "dee@example.org 5.1.1 hard" "eve@example.org 4.4.2 soft")" ]
}

@test "email: a report without a specific status takes the one that the readable part gives its recipient" {
	# "Status: 5.0.0" or none, a Diagnostic-Code without an enhanced code,
	# and the notice quoting the server's own reply for that recipient.
	run bounce-parse "$E/dsn-status-text.eml"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "${lines[@]}" | jqr '.rcpt + " " + .status')" = "$(printf '%s\n' \
	    "pat@example.org 5.1.1" "quin@example.org 5.2.2")" ]
	# The report's own reply text stays the diag.
	[ "$(echo "${lines[0]}" | jqr .diag)" = "550 Requested action not taken: mailbox unavailable" ]
}

@test "email: a report's X.400 or local recipient is the returned message's recipient it means" {
	# RFC 3464 2.3.2 allows any address type; "rfc822; <>" names nobody.
	run bounce-parse "$E/dsn-x400-local.eml"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "${lines[@]}" | jqr '.rcpt + " " + .status')" = "$(printf '%s\n' \
	    "ada.quinn@example.org 5.1.1" "rosa.m@example.org 5.2.2")" ]
	# Without the returned message, nothing sound names them.
	sed '/^Content-Type: message\/rfc822/,$d' "$E/dsn-x400-local.eml" >"$T/noorig.eml"
	run bounce-parse "$T/noorig.eml"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "${lines[@]}" | jqr .rcpt)" = "rosa.m@gw.example.org" ]
}

@test "email: a report that names its recipient only in X-Actual-Recipient or Recipient, or by a local name beside it" {
	# Sendmail's savemail.c writes X-Actual-Recipient (the address that
	# failed) beside Final-Recipient, and in its place where that is missing.
	run bounce-parse "$E/dsn-x-actual.eml"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "${lines[@]}" | jqr '.rcpt + " " + .status + " " + .reason')" = "$(printf '%s\n' \
	    "bea@appliance.example.com 5.2.2 mailboxfull" "cid@appliance.example.com 5.1.1 userunknown")" ]
	run bounce-parse "$E/dsn-recipient-field.eml"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jqr '.rcpt + " " + .status + " " + .diag')" = \
	    "ann@gw.example.com 5.1.1 550 5.1.1 Mailbox does not exist" ]
	# "Final-Recipient: RFC822; dora": the address beside it, not the
	# returned message's To.
	run bounce-parse "$E/dsn-sendmail-actual.eml"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jqr '.rcpt + " " + .action + " " + .status')" = "dora@sm.example.com failed 5.1.1" ]
	# Where Final-Recipient has an address, it stays the recipient.
	sed 's/^Final-Recipient: RFC822; dora$/Final-Recipient: RFC822; dora@relay.example.com/' \
	    "$E/dsn-sendmail-actual.eml" >"$T/fr.eml"
	[ "$(bounce-parse "$T/fr.eml" | jqr .rcpt)" = "dora@relay.example.com" ]
}

@test "email: CRLF and CR-only line ends give the same events as LF" {
	bounce-parse "$E/dsn-postfix.eml" | jq -c 'del(.origin)' >"$T/lf"
	sed 's/$/\r/' "$E/dsn-postfix.eml" >"$T/crlf.eml"
	tr '\n' '\r' <"$E/dsn-postfix.eml" >"$T/cr.eml"
	bounce-parse "$T/crlf.eml" | jq -c 'del(.origin)' >"$T/crlf"
	bounce-parse -f email "$T/cr.eml" | jq -c 'del(.origin)' >"$T/cr"
	[ "$(wc -l <"$T/lf")" -eq 2 ]
	cmp "$T/lf" "$T/crlf"
	cmp "$T/lf" "$T/cr"
	# One message saved with its envelope line quoted: a message, alone
	# (as a file, on stdin, in a folder), its recipients read.
	{ echo '>From MAILER-DAEMON Fri Nov 27 10:00:07 2026'; cat "$E/dsn-postfix.eml"; } >"$T/quoted.eml"
	[ "$(bounce-parse "$T/quoted.eml" | jqr .rcpt | head -n 1)" = alice@example.org ]
	[ "$(bounce-parse <"$T/quoted.eml" | wc -l)" -eq 2 ]
	mkdir "$T/qd" && cp "$T/quoted.eml" "$T/qd/"
	[ "$(bounce-parse "$T/qd" | wc -l)" -eq 2 ]
}

@test "email: RFC 2047 encoded words in headers are decoded (UTF-8 and ISO-8859-1)" {
	# The auto-reply's diag is its subject: decoded, adjacent words joined.
	{
		printf 'From: =?ISO-8859-1?Q?Ren=E9?= <rene@example.org>\n'
		printf 'Subject: =?UTF-8?B?QWJ3ZXNlbmhlaXRzbm90aXo6?= =?ISO-8859-1?Q?_f=FCr_Sie?=\n'
		printf 'Auto-Submitted: auto-replied\n\nIch bin weg.\n'
	} >"$T/v.eml"
	run bounce-parse -d "$T/v.eml"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jqr .diag)" = "Abwesenheitsnotiz: für Sie" ]
	[ "$(echo "$output" | jqr .rcpt)" = "rene@example.org" ]
}

@test "email: a quoted-printable notice is decoded before it is read" {
	{
		printf 'From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n'
		printf 'Content-Type: text/plain; charset=us-ascii\n'
		printf 'Content-Transfer-Encoding: quoted-printable\n\n'
		printf '<quinn@example=2Eorg>:\nRemote host said: 552 5.2.2 Mailbox f=\nu=\nll, quota exceeded=20\n'
	} >"$T/qp.eml"
	run bounce-parse "$T/qp.eml"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | summary)" = "quinn@example.org failed 5.2.2 552 mailboxfull soft" ]
	[[ "$(echo "$output" | jqr .diag)" == *"Mailbox full, quota exceeded"* ]]
}

@test "email: a base64 notice (Exim) gives the recipient, its reply and the original's headers" {
	run bounce-parse "$E/exim-base64.eml"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(echo "$output" | summary)" = "frank@example.org failed 5.2.1 550 suspend soft" ]
	[ "$(echo "$output" | jqr '[.from, .msgid] | join(" ")')" = "news@example.net exim-1@example.net" ]
}

@test "email: a non-standard bounce (qmail): each recipient line with its reply, not the copy" {
	run bounce-parse "$E/qmail.eml"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(echo "${lines[0]}" | summary)" = "carol@example.org failed 5.1.1 550 userunknown hard" ]
	[ "$(echo "${lines[1]}" | summary)" = "dave@example.com failed 5.2.2 552 mailboxfull soft" ]
	# The address in the returned copy is nobody's bounce.
	[[ "$output" != *eve@example.org* ]]
	# The qmail date "27 Nov 2026 09:00:00 -0000" (no weekday).
	[ "$(echo "${lines[0]}" | jqr .time)" = "2026-11-27T09:00:00Z" ]
}

@test "email: other non-standard layouts: Gmail, Exchange, Sendmail transcript, sentence, labels" {
	printf 'From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nSubject: Delivery Status Notification (Failure)\n\nDelivery to the following recipient failed permanently:\n\n     ruth@example.org\n\nTechnical details of permanent failure:\nThe error that the other server returned was:\n550 5.1.1 The email account that you tried to reach does not exist.\n' >"$T/gmail.eml"
	printf 'From: postmaster@example.org\nSubject: Undeliverable: news\n\nYour message\n  To:      sam@example.org\n  Subject: news\n\ndid not reach the following recipient(s):\n\nsam@example.org on Fri, 27 Nov 2026 10:00:00 +0000\n    The recipient name is not recognized\n' >"$T/exchange.eml"
	printf 'From: MAILER-DAEMON@example.org\nSubject: Returned mail: see transcript for details\n\n   ----- Transcript of session follows -----\n... while talking to mx.example.org.:\n>>> RCPT To:<tina@example.org>\n<<< 550 5.1.1 <tina@example.org>... User unknown\n' >"$T/sendmail.eml"
	printf 'From: MAILER-DAEMON <>\nSubject: Mail delivery failed\n\nThere was an error delivering your mail to <uma@example.org>.\n\nmx.example.org [192.0.2.9] did not like our RCPT TO:\n550 5.7.1 Relaying denied\n' >"$T/sentence.eml"
	printf 'From: postmaster@example.net\nSubject: Delivery failure\n\nYour delivery to the following address has been failed.\n\nDelivery failed: vera@example.org\nRemote host said: 554 5.4.14 Hop count exceeded - possible mail loop\n' >"$T/label.eml"
	# A label that names the reason, and a generic line after the address.
	printf 'From: MAILER-DAEMON@example.net\nSubject: Returned mail\n\nUser'"'"'s mailbox is full: <wanda@example.org>\nUnable to deliver mail.\n' >"$T/label2.eml"
	for f in gmail exchange sendmail sentence label label2; do bounce-parse "$T/$f.eml"; done >"$T/out"
	[ "$(summary <"$T/out" | sed -n 1p)" = "ruth@example.org failed 5.1.1 550 userunknown hard" ]
	[ "$(summary <"$T/out" | sed -n 2p)" = "sam@example.org failed 5.0.0 - userunknown hard" ]
	[ "$(summary <"$T/out" | sed -n 3p)" = "tina@example.org failed 5.1.1 550 userunknown hard" ]
	[ "$(summary <"$T/out" | sed -n 4p)" = "uma@example.org failed 5.7.1 550 norelaying soft" ]
	[ "$(summary <"$T/out" | sed -n 5p)" = "vera@example.org failed 5.4.14 554 networkerror soft" ]
	[ "$(summary <"$T/out" | sed -n 6p)" = "wanda@example.org failed 5.0.0 - mailboxfull soft" ]
	[ "$(wc -l <"$T/out")" -eq 6 ]
}

@test "email: an Amazon SES notification by email (SNS) is read as the SES webhook" {
	{
		printf 'From: AWS Notifications <no-reply@sns.amazonaws.com>\nSubject: AWS Notification Message\n'
		printf 'Content-Type: text/plain; charset=UTF-8\n\n'
		printf '{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":"wes@example.org","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}],"timestamp":"2026-11-27T10:00:00.000Z"},"mail":{"source":"news@example.net","messageId":"0100abc"}}\n'
		printf -- '--\nIf you wish to stop receiving notifications from this topic, click here.\n'
	} >"$T/ses.eml"
	run bounce-parse "$T/ses.eml"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | summary)" = "wes@example.org failed 5.1.1 550 userunknown hard" ]
	[ "$(echo "$output" | jqr '[.source, .origin] | join(" ")')" = "ses $T/ses.eml:1" ]
}

@test "email: an ARF report is a complaint record, written by default, never failed or delayed" {
	run bounce-parse "$E/arf.eml"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | summary)" = "grace@example.com complained - - feedback none" ]
	[ "$(echo "$output" | jqr '[.diag, .time, .msgid] | join(" ")')" = "abuse 2026-11-27T11:50:00Z arf-1@example.net" ]
}

@test "email: an auto-reply is vacation, class none; a plain message yields nothing" {
	run bounce-parse -d "$E/vacation.eml"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | summary)" = "heidi@example.org delivered - - vacation none" ]
	run bounce-parse "$E/vacation.eml"
	[ -z "$output" ]
	run bounce-parse -d "$E/not-bounce.eml"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "email: the corpus of non-bounces yields no failed or delayed event" {
	run bounce-parse -d "$CORPUS/not-bounce"
	[ "$status" -eq 0 ]
	[ -z "$(echo "$output" | jqr 'select(.action == "failed" or .action == "delayed") | .rcpt')" ]
	for f in "$CORPUS"/not-bounce/*; do
		run bounce-parse "$f"
		[ "$status" -eq 0 ]
		[ -z "$output" ]
	done
}

@test "email: an mbox: messages split at From lines, >From unquoted, origin file#N" {
	run bounce-parse "$E/mbox"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(echo "${lines[0]}" | jqr '[.rcpt, .origin] | join(" ")')" = "kim@example.org $E/mbox#1" ]
	[ "$(echo "${lines[1]}" | jqr '[.rcpt, .origin, .reason] | join(" ")')" = "leo@example.com $E/mbox#3 mailboxfull" ]
	[[ "$(echo "${lines[0]}" | jqr .diag)" == *"User unknown From the logs"* ]]
	# -f mbox, and an mbox on stdin.
	run bounce-parse -f mbox - <"$E/mbox"
	[ "${#lines[@]}" -eq 2 ]
	[[ "$(echo "${lines[1]}" | jqr .origin)" == *"#3" ]]
	# CRLF and CR-only line ends.
	bounce-parse "$E/mbox" | jq -c 'del(.origin)' >"$T/lf"
	sed 's/$/\r/' "$E/mbox" >"$T/crlf.mbox"
	tr '\n' '\r' <"$E/mbox" >"$T/cr.mbox"
	bounce-parse "$T/crlf.mbox" | jq -c 'del(.origin)' >"$T/crlf"
	bounce-parse "$T/cr.mbox" | jq -c 'del(.origin)' >"$T/cr"
	cmp "$T/lf" "$T/crlf"
	cmp "$T/lf" "$T/cr"
}

@test "email: a Maildir (cur/ and new/) and a folder of messages, in sorted order" {
	mkdir -p "$T/md/cur" "$T/md/new" "$T/md/tmp" "$T/dir"
	cp "$E/qmail.eml" "$T/md/new/2.host"
	cp "$E/dsn-postfix.eml" "$T/md/cur/1.host:2,S"
	cp "$E/not-bounce.eml" "$T/md/cur/0.host:2,S"
	cp "$E/exim-base64.eml" "$T/md/tmp/9.host"	# being written: not read
	run bounce-parse "$T/md"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jqr .rcpt | tr '\n' ' ')" = "alice@example.org bob@example.com carol@example.org dave@example.com " ]
	[ "$(echo "${lines[0]}" | jqr .origin)" = "$T/md/cur/1.host:2,S" ]
	run bounce-parse -f maildir "$T/md"
	[ "${#lines[@]}" -eq 4 ]
	cp "$E/qmail.eml" "$T/dir/b.eml"
	cp "$E/exim-base64.eml" "$T/dir/a.eml"
	cp "$E/not-bounce.eml" "$T/dir/.hidden"
	run bounce-parse "$T/dir"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jqr .rcpt | tr '\n' ' ')" = "frank@example.org carol@example.org dave@example.com " ]
	# A folder's file that is an mbox of several messages gives them all
	# (CRLF too), the first under the file's name, the others #N; a
	# message with one envelope line is one message.
	mkdir "$T/mixed"
	cp "$E/mbox" "$T/mixed/a.mbox"
	sed 's/$/\r/' "$E/mbox" >"$T/mixed/b.mbox"
	{ echo 'From MAILER-DAEMON Thu Nov 26 09:00:00 2026'; cat "$E/qmail.eml"; } >"$T/mixed/c.eml"
	for f in "" "-f email"; do
		run bounce-parse $f "$T/mixed"
		[ "$status" -eq 0 ]
		[ "$(echo "$output" | jqr '[.rcpt, (.origin | sub(".*/"; ""))] | join(" ")' | tr '\n' ' ')" = "kim@example.org a.mbox leo@example.com a.mbox#3 kim@example.org b.mbox leo@example.com b.mbox#3 carol@example.org c.eml dave@example.com c.eml " ]
	done
	# A file is not a Maildir.
	run bounce-parse -f maildir "$E/qmail.eml"
	[ "$status" -eq 2 ]
}

@test "email: --jobs: a folder parsed by threads gives the bytes of one thread, in name order" {
	# Messages of all kinds and sizes, many more than a worker's window.
	mkdir -p "$T/many"
	i=0
	for f in "$E"/*.eml "$CORPUS"/email/*.eml "$CORPUS"/not-bounce/*; do
		[ -f "$f" ] || continue
		i=$((i + 1))
		cp "$f" "$T/many/$(printf '%04d' $((i * 7919 % 1000)))-$i"
	done
	[ "$i" -gt 5 ]
	bounce-parse -d -j 1 "$T/many" >"$T/one"
	[ -s "$T/one" ]
	for j in 2 3 8 64; do
		run bounce-parse -d -j "$j" "$T/many"
		[ "$status" -eq 0 ]
		[ "$output" = "$(cat "$T/one")" ] || { echo "-j $j differs"; false; }
	done
	# Each file's events together, files in name order.
	[ "$(jqr .origin "$T/one" | uniq | sort -c && echo sorted)" = sorted ]
	# The default (the processors) and the long name say the same.
	run bounce-parse -d --jobs=2 "$T/many"
	[ "$output" = "$(cat "$T/one")" ]
	run bounce-parse -d "$T/many"
	[ "$output" = "$(cat "$T/one")" ]
}

@test "email: --jobs under a low limit on open files: every message read, as by one thread" {
	# Message files are closed in batches, smaller under a low limit, so
	# that the threads together cannot hold every descriptor; under 64 they
	# are opened and read one by one, not a run at a time: the same bytes.
	mkdir -p "$T/many"
	i=0
	for f in "$E"/*.eml "$CORPUS"/email/*.eml; do
		[ -f "$f" ] || continue
		i=$((i + 1))
		cp "$f" "$T/many/$(printf '%04d' "$i")"
	done
	[ "$i" -gt 100 ]
	# Messages longer than a run's read of each (64 KiB), one in each run.
	for n in 0003 0012 0013; do
		awk 'BEGIN { for (i = 0; i < 4000; i++) print "a line of the original message body, " i }' \
		    >>"$T/many/$n"
		[ "$(wc -c <"$T/many/$n")" -gt 150000 ]
	done
	bounce-parse -d -j 1 "$T/many" >"$T/one"
	for j in 1 8; do
		run bash -c 'ulimit -n 64 && bounce-parse -d -j "$1" "$2"' _ "$j" "$T/many"
		[ "$status" -eq 0 ] || { echo "-j $j: exit $status: $output"; false; }
		[ "$output" = "$(cat "$T/one")" ] || { echo "-j $j differs"; false; }
	done
}

@test "email: --jobs takes 1 to 64 threads; anything else is a usage error" {
	for bad in 0 65 -1 two ''; do
		run bounce-parse -j "$bad" "$E/qmail.eml"
		[ "$status" -eq 2 ] || { echo "-j '$bad': exit $status"; false; }
		[[ "$output" == *"--jobs"* ]]
	done
	# Files and logs are read as before, whatever the number.
	run bounce-parse -j 4 "$E/qmail.eml"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "email: a message without a date in a Maildir gets the file's time, not the clock" {
	mkdir -p "$T/md/new"
	grep -v '^Date:' "$E/qmail.eml" >"$T/md/new/1.host"
	touch -d 2026-11-01T10:00:00Z "$T/md/new/1.host"
	cp "$E/dsn-postfix.eml" "$T/md/new/2.host"
	run bounce-parse -j 2 "$T/md"
	[ "$status" -eq 0 ]
	[ "$(echo "${lines[0]}" | jqr .time)" = "2026-11-01T10:00:00Z" ]
	# The message's own date wins over the file's.
	[ "$(echo "${lines[2]}" | jqr .time)" != "2026-11-01T10:00:00Z" ]
}

@test "email: a folder's mbox file: its messages without a date get the file's time too" {
	# The first and third messages of the mbox (kim, leo), the third
	# without its Date: the file's time, as for a file of one message;
	# the first keeps its own.
	mkdir "$T/dir"
	sed '/^Date: Fri, 27 Nov 2026 09:10/d' "$E/mbox" >"$T/dir/a.mbox"
	touch -d 2026-11-01T10:00:00Z "$T/dir/a.mbox"
	for j in 1 2; do
		run bounce-parse -j $j "$T/dir"
		[ "$status" -eq 0 ]
		[ "$(echo "$output" | jqr '[.rcpt, .time, (.origin | sub(".*/"; ""))] | join(" ")' | tr '\n' ' ')" = "kim@example.org 2026-11-27T09:00:00Z a.mbox leo@example.com 2026-11-01T10:00:00Z a.mbox#3 " ]
	done
}

@test "email: a message on stdin is detected from its header" {
	run bounce-parse <"$E/qmail.eml"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	run bounce-parse -f email - <"$E/dsn-postfix.eml"
	[ "${#lines[@]}" -eq 2 ]
	[ "$(echo "${lines[0]}" | jqr .rcpt)" = "alice@example.org" ]
}

@test "email: output strings are valid UTF-8 whatever the charset" {
	{
		printf 'From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n'
		printf 'Content-Type: text/plain; charset=iso-8859-1\n\n'
		printf '<vic@example.org>:\nRemote host said: 550 5.1.1 Benutzer unbekannt \374ber \377\376\n'
	} >"$T/latin.eml"
	run bounce-parse "$T/latin.eml"
	[ "$status" -eq 0 ]
	[[ "$(echo "$output" | jqr .diag)" == *"unbekannt über ÿþ"* ]]
	# Unknown charset: bytes passed through and cleaned.
	sed 's/iso-8859-1/x-unknown/' "$T/latin.eml" >"$T/unk.eml"
	run bounce-parse "$T/unk.eml"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e .diag >/dev/null
	echo "$output" | iconv -f UTF-8 -t UTF-8 >/dev/null
}

# Hostile input: each case finishes, exits 0-2 and writes only JSON lines.
hostile() {
	run timeout "$(limit 60)" bounce-parse -f email "$1"
	[ "$status" -le 2 ]
	echo "$output" | jq -e . >/dev/null
}

@test "email hostile: a 20 MB message on one line" {
	{ printf 'From: MAILER-DAEMON@x.example\nSubject: failure notice\n\n<a@example.org>: '; head -c 20000000 /dev/zero | tr '\0' 'x'; } >"$T/long.eml"
	hostile "$T/long.eml"
	[ "$(echo "$output" | jqr .rcpt)" = "a@example.org" ]
}

@test "email hostile: 8 MB of lines that each say 'message', and 8 MB of prose" {
	# Each line holds the word the markers of a returned copy share: the
	# search for them once went back over the text from every line (45 s).
	{ printf 'From: MAILER-DAEMON@x.example\nSubject: failure notice\n\n<a@example.org>: 550 5.1.1 unknown\n'
	  perl -e 'print "message\n" x 1000000'; } >"$T/message.eml"
	run timeout "$(limit 20)" bounce-parse -f email "$T/message.eml"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jqr .rcpt)" = "a@example.org" ]
	{ printf 'From: MAILER-DAEMON@x.example\nSubject: failure notice\n\n<a@example.org>: 550 5.1.1 unknown\n'
	  perl -e 'print "This message was not delivered, the message says, and this message is long. " x 100000'; } >"$T/prose.eml"
	run timeout "$(limit 20)" bounce-parse -f email "$T/prose.eml"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jqr .rcpt)" = "a@example.org" ]
}

@test "email hostile: 200000 recipients by local part under a header of 200000 fields" {
	# Each recipient's domain is the reporting MAILER-DAEMON's, from a From
	# after all the other fields: looked up once, not once per recipient
	# (the search through the header per recipient took 30 s).
	perl -e 'print "Subject: x\n", map("X-F$_: v\n", 1 .. 200000), "From: MAILER-DAEMON\@mx.example\n",
	    "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n",
	    "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\n",
	    map("Final-Recipient: LOCAL; u$_\nAction: failed\nStatus: 5.1.1\n\n", 1 .. 200000), "--b--\n"' >"$T/local.eml"
	run bash -c 'timeout "$3" bounce-parse -f email "$1" >"$2"' _ "$T/local.eml" "$T/out" "$(limit 20)"
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$T/out")" -eq 200000 ]
	[ "$(tail -n 1 "$T/out" | jqr .rcpt)" = "u200000@mx.example" ]
}

@test "email hostile: 200000 recipients in one list on one line, after a label and without" {
	# Each address of a list is a recipient (Haraka's "Intended Recipients:",
	# Amazon SES's line): one pass over the line, not one per address.
	for label in 'Intended Recipients: ' ''; do
		perl -e 'print "From: MAILER-DAEMON\@x.example\nSubject: failure notice\n\n$ARGV[0]",
		    join(", ", map("<u$_\@example.org>", 1 .. 200000)), "\n550 5.1.1 unknown\n"' "$label" >"$T/list.eml"
		run bash -c 'timeout "$3" bounce-parse -f email "$1" >"$2"' _ "$T/list.eml" "$T/out" "$(limit 20)"
		[ "$status" -eq 0 ]
		[ "$(wc -l <"$T/out")" -eq 200000 ]
		[ "$(tail -n 1 "$T/out" | jqr .rcpt)" = "u200000@example.org" ]
	done
}

@test "email hostile: 1000 nested multiparts and a boundary that never closes" {
	perl -e 'print "From: MAILER-DAEMON\@x.example\nSubject: failure\n"; for $i (1..1000) { print "Content-Type: multipart/mixed; boundary=\"b$i\"\n\n--b$i\n" } print "Content-Type: text/plain\n\n<a\@example.org>:\n550 5.1.1 user unknown\n"' >"$T/nested.eml"
	hostile "$T/nested.eml"
	perl -e 'print "From: MAILER-DAEMON\@x.example\nSubject: failure\nContent-Type: multipart/report; boundary=\"zz\"\n\n--zz\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; b\@example.org\nAction: failed\nStatus: 5.1.1\n"; print "--z\n" x 200000' >"$T/open.eml"
	hostile "$T/open.eml"
	[ "$(echo "$output" | jqr .rcpt)" = "b@example.org" ]
}

@test "email hostile: 100000 recipients in one report, and random bytes" {
	perl -e 'print "From: MAILER-DAEMON\@x.example\nSubject: failure\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"zz\"\n\n--zz\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\n"; for $i (1..100000) { print "Final-Recipient: rfc822; u$i\@example.org\nAction: failed\nStatus: 5.1.1\n\n" } print "--zz--\n"' >"$T/many.eml"
	hostile "$T/many.eml"
	[ "$(echo "$output" | wc -l)" -eq 100000 ]
	# The same named in X-Failed-Recipients, beside a long notice: each
	# recipient must not cost a pass over the notice.
	perl -e 'print "From: MAILER-DAEMON\@x.example\nSubject: Mail delivery failed\nX-Failed-Recipients: "; print join(", ", map {"u$_\@example.org"} 1..100000); print "\n\n", "lorem ipsum dolor sit amet\n" x 100000' >"$T/xfr.eml"
	hostile "$T/xfr.eml"
	[ "$(echo "$output" | wc -l)" -eq 100000 ]
	head -c 2000000 /dev/urandom >"$T/random"
	hostile "$T/random"
	run timeout "$(limit 60)" bounce-parse -f mbox "$T/random"
	[ "$status" -le 2 ]
}

@test "email: the score on the corpus meets its floors (recall, status, reason, hard/soft)" {
	run sh "$BATS_TEST_DIRNAME/score-email.sh" -c "$CORPUS"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == recall* ]]
}
