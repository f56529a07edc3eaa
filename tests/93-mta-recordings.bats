#!/usr/bin/env bats
# Real Postfix, Exim and Sendmail from Debian, recorded on 127.0.0.1 by
# tests/mta/record.sh against a scripted sink (tests/fixtures/mta/README.md
# says what produced them): every scripted case in all six views (each MTA's
# log and DSNs), and cron mode on the recorded logs.

load helper
bats_require_minimum_version 1.5.0

MTA="$FIXTURES/mta"

# The last event of each recipient in a log, one line each:
# rcpt action status code reason class rhost (null for none).
log_final() {
	bounce-parse --delivered --year 2026 "$1" |
	    jq -r -s 'reduce .[] as $e ({}; .[$e.rcpt] = $e) | .[] |
	    [.rcpt, .action, .status, .code, .reason, .class, .rhost] | map(tostring) | join(" ")' |
	    sort
}

# The same of the DSNs in a folder, for one action (failed or delayed): the
# last report of each recipient.
dsn_final() {
	for f in "$1"/dsn/*.eml; do bounce-parse "$f"; done |
	    jq -r -s --arg a "$2" 'map(select(.action == $a and (.rcpt | test("@sender.test$") | not))) |
	    reduce .[] as $e ({}; .[$e.rcpt] = $e) | .[] |
	    [.rcpt, .action, .status, .code, .reason, .class, .rhost] | map(tostring) | join(" ")' |
	    sort
}

# The log $2 of MTA $1 gives the last outcomes in expected/ (the DSNs to the
# sender left out).
log_matches() {
	run log_final "$MTA/$1/$2"
	[ "$status" -eq 0 ]
	diff -u "$MTA/expected/$1-log" <(grep -v '@sender.test ' <<<"$output")
}

# Both views of the DSNs of MTA $1 (the bounces, the delay warnings) are
# those in expected/.
dsn_matches() {
	local a
	for a in failed delayed; do
		run dsn_final "$MTA/$1" "$a"
		[ "$status" -eq 0 ]
		diff -u "$MTA/expected/$1-dsn-$a" <(echo "$output")
	done
}

@test "mta: Postfix log: every scripted case" {
	log_matches postfix mail.log
}

@test "mta: Postfix DSNs: every bounce and delay warning" {
	dsn_matches postfix
}

@test "mta: Exim log: every scripted case; give-ups carry the last deferral" {
	# Exim logs no status for a connection that failed; the host of a refused
	# connection is on the line before the deferral. The late messages were
	# never tried: no host.
	log_matches exim mainlog
	out=$(bounce-parse --year 2026 "$MTA/exim/mainlog")
	e=$(jq -c 'select(.rcpt == "full@sink.test" and .action == "failed")' <<<"$out")
	[ "$(jq -r .diag <<<"$e")" = "retry timeout exceeded; last reply: 452 4.3.1 Insufficient system storage" ]
	# "retry time not reached" lines made no attempt: no event
	[ "$(grep -c 'retry time not reached' "$MTA/exim/mainlog")" -gt 0 ]
	[ "$(jq -r 'select(.action == "delayed" and (.diag | test("retry time not reached"))) | .rcpt' <<<"$out" | wc -l)" -eq 0 ]
	[ "$(jq -r 'select(.reason == "undefined") | .rcpt' <<<"$out" | wc -l)" -eq 0 ]
	# a multi-line reply is one line of text, joined as Postfix joins it
	[ "$(jq -r 'select(.rcpt == "unknown-ml@sink.test") | .diag' <<<"$out")" = \
	    "550-5.1.1 The mailbox unknown-ml@sink.test does not exist here. 550-5.1.1 Please check the address for typing errors and 550 5.1.1 send the message again." ]
}

@test "mta: Exim DSNs: every bounce and delay warning" {
	# Exim's DSNs say Status: 5.0.0 for every failure; the reply's own
	# code is taken where there is one.
	# A warning without a Diagnostic-Code is no expiry.
	dsn_matches exim
	# and its diag is what the notice says of the recipient (nothing, for
	# the refused connection), not the warning's boilerplate
	for f in "$MTA"/exim/dsn/*.eml; do bounce-parse "$f"; done >"$BATS_TEST_TMPDIR/w.jsonl"
	[ "$(jq -r 'select(.action == "delayed" and .rcpt == "drop@drop.test") | .diag' "$BATS_TEST_TMPDIR/w.jsonl" | sort -u)" = \
	    "host 127.0.0.1 [127.0.0.1]" ]
	[ "$(jq -r 'select(.action == "delayed" and .rcpt == "refused@refused.test") | .diag' "$BATS_TEST_TMPDIR/w.jsonl" | sort -u)" = null ]
	[ "$(jq -r 'select(.diag // "" | test("No action is required|message identifier")) | .rcpt' "$BATS_TEST_TMPDIR/w.jsonl" | wc -l)" -eq 0 ]
}

@test "mta: Sendmail log: every scripted case; give-ups carry the last deferral" {
	# Sendmail logs the give-up as "QID: NEWQID: sender notify: Cannot send
	# message for 4 minutes"; the recipients still deferred fail with their
	# last deferral (drop's last one logged no reply=, late@drop's did).
	log_matches sendmail maillog
	out=$(bounce-parse --year 2026 "$MTA/sendmail/maillog")
	# "reply=452 4.2.2 Mailbox full: quota exceeded, try again later, stat=...":
	# the reply goes on over its ", "
	[ "$(jq -r 'select(.rcpt == "quota@sink.test" and .action == "failed") | .diag' <<<"$out")" = \
	    "Cannot send message for 4 minutes; last reply: 452 4.2.2 Mailbox full: quota exceeded, try again later" ]
	# the delay warnings ("sender notify: Warning: could not send message
	# for past 1 minute") make no event of their own
	[ "$(jq -r 'select(.diag // "" | test("could not send message")) | .rcpt' <<<"$out" | wc -l)" -eq 0 ]
	[ "$(jq -r 'select(.reason == "undefined") | .rcpt' <<<"$out" | wc -l)" -eq 0 ]
}

@test "mta: Sendmail DSNs: every bounce and delay warning" {
	# Sendmail's DSN says X.4.7 (delivery time expired) for a give-up; the
	# status and the reason are the last reply's, as in the log, where
	# the reply has a code of its own. "Remote-MTA: dns; [127.0.0.1]"
	# names the address.
	dsn_matches sendmail
}

@test "mta: Sendmail: the log and the DSN name the same queue id; the log's Message-ID is the last field" {
	logids=$(bounce-parse --year 2026 "$MTA/sendmail/maillog" | jq -r 'select(.action == "failed") |
	    [.rcpt, .qid, .msgid] | join(" ")' | sort -u)
	dsnids=$(for f in "$MTA/sendmail"/dsn/*.eml; do bounce-parse "$f"; done |
	    jq -r 'select(.action == "failed") | [.rcpt, .qid, .msgid] | join(" ")' | sort -u)
	[ "$(wc -l <<<"$logids")" -eq 10 ]
	[ "$(cut -d' ' -f1,2 <<<"$logids")" = "$(cut -d' ' -f1,2 <<<"$dsnids")" ]
	# Sendmail logs the message's last Message-ID field (the client's own,
	# where full and unknown carry two); the DSN's copy of the headers has
	# both, and the DSN path takes the first, as for Postfix and Exim.
	[ "$(grep '^full@' <<<"$logids" | cut -d' ' -f3)" = full.sendmail.client-added@sender.test ]
	[ "$(grep '^full@' <<<"$dsnids" | cut -d' ' -f3)" = full.sendmail@sender.test ]
	[ "$(grep -v -e '^full@' -e '^unknown@' <<<"$logids")" = "$(grep -v -e '^full@' -e '^unknown@' <<<"$dsnids")" ]
}

@test "mta: OpenSMTPD DSNs: every bounce and delay warning; an expired envelope is a failure" {
	# OpenSMTPD 6.8 reports an envelope it gave up on as "Action: delayed",
	# Status 4.4.7, "Envelope expired" (fixed upstream later): failed.
	dsn_matches opensmtpd
	# the queue id of the returned message's Received, its first Message-ID
	ids=$(for f in "$MTA/opensmtpd"/dsn/*.eml; do bounce-parse "$f"; done |
	    jq -r 'select(.action == "failed") | [.rcpt, .qid, .msgid] | join(" ")' | sort -u)
	[ "$(wc -l <<<"$ids")" -eq 10 ]
	[ "$(grep '^full@' <<<"$ids")" = "full@sink.test 15077867 full.opensmtpd@sender.test" ]
}

@test "mta: the log and the DSN name the same queue id and Message-ID" {
	for m in postfix:mail.log exim:mainlog; do
		mta=${m%%:*} log="$MTA/$mta/${m#*:}"
		logids=$(bounce-parse --year 2026 "$log" | jq -r 'select(.action == "failed") |
		    [.rcpt, .qid, .msgid] | join(" ")' | sort -u)
		dsnids=$(for f in "$MTA/$mta"/dsn/*.eml; do bounce-parse "$f"; done |
		    jq -r 'select(.action == "failed") | [.rcpt, .qid, .msgid] | join(" ")' | sort -u)
		[ "$logids" = "$dsnids" ]
		[ "$(wc -l <<<"$logids")" -eq 10 ]
		# the Message-ID is the message's first (full and unknown carry two)
		while read -r rcpt qid msgid; do
			local=${rcpt%%@*}
			[ "$local" = late ] && local=late-${rcpt#*@} && local=${local%.test}
			[ "$msgid" = "$local.$mta@sender.test" ]
			[ -n "$qid" ]
		done <<<"$logids"
	done
}

@test "mta: 451 4.7.1 greylisting: the parser classifies it as --explain explains the reply" {
	reply="451 4.7.1 Greylisted: please try again in a minute"
	want=$(bounce-parse --explain "$reply" | jq -r '[.reason, .class] | join(" ")')
	[ -n "$want" ]
	for log in "$MTA/postfix/mail.log" "$MTA/exim/mainlog" "$MTA/sendmail/maillog"; do
		got=$(bounce-parse --year 2026 "$log" | jq -r 'select(.rcpt == "grey@sink.test") |
		    [.action, .status, .code, .diag, .reason, .class] | join(" ")' | sort -u)
		[ "$got" = "delayed 4.7.1 451 $reply $want" ]
	done
}

# Cron mode: the log grown in 50 pieces (cut anywhere, lines too), read by
# --offset-file after each, gives the events of one run on the whole log,
# byte for byte: origins, sender and Message-ID included.
pieces() {
	local src=$1 d=$BATS_TEST_TMPDIR log=$BATS_TEST_TMPDIR/grow.log
	rm -f "$log" "$d/off" "$d/cron.out" "$d/piece."*
	split -n 50 -d -a 2 "$src" "$d/piece."
	[ "$(ls "$d"/piece.* | wc -l)" -eq 50 ]
	: >"$log"
	for p in "$d"/piece.*; do
		cat "$p" >>"$log"
		bounce-parse --delivered --year 2026 --offset-file "$d/off" "$log" >>"$d/cron.out"
	done
	bounce-parse --delivered --year 2026 "$log" >"$d/one.out"
	cmp "$d/one.out" "$d/cron.out"
}

@test "mta: cron mode: a Postfix log in 50 pieces gives the events of one run" {
	pieces "$MTA/postfix/mail.log"
	[ "$(jq -r 'select(.msgid == null and (.rcpt | test("@sender.test$") | not)) | .rcpt' "$BATS_TEST_TMPDIR/cron.out" | wc -l)" -eq 0 ]
	# expiries need the deferrals of earlier pieces
	[ "$(jq -r 'select(.action == "failed" and (.diag | test("expired"))) | .rcpt' "$BATS_TEST_TMPDIR/cron.out" | wc -l)" -eq 6 ]
}

@test "mta: cron mode: an Exim log in 50 pieces gives the events of one run" {
	pieces "$MTA/exim/mainlog"
	[ "$(jq -r 'select(.msgid == null and (.rcpt | test("@sender.test$") | not)) | .rcpt' "$BATS_TEST_TMPDIR/cron.out" | wc -l)" -eq 0 ]
	[ "$(jq -r 'select(.action == "failed" and (.diag | test("last reply"))) | .rcpt' "$BATS_TEST_TMPDIR/cron.out" | wc -l)" -eq 4 ]
}

@test "mta: cron mode: a Sendmail log in 50 pieces gives the events of one run" {
	pieces "$MTA/sendmail/maillog"
	[ "$(jq -r 'select(.msgid == null and (.rcpt | test("@sender.test$") | not)) | .rcpt' "$BATS_TEST_TMPDIR/cron.out" | wc -l)" -eq 0 ]
	[ "$(jq -r 'select(.action == "failed" and (.diag | test("last reply"))) | .rcpt' "$BATS_TEST_TMPDIR/cron.out" | wc -l)" -eq 6 ]
}

@test "mta: cron mode: the fixture logs in 50 pieces give the events of one run" {
	pieces "$FIXTURES/logs/postfix.log"
	pieces "$FIXTURES/logs/exim.log"
}

@test "mta: cron mode: what is kept between runs is bounded by the queue lifetime" {
	d=$BATS_TEST_TMPDIR
	cat >"$d/m.log" <<'EOF'
Nov  1 08:00:01 mx postfix/cleanup[1]: 1A2B3C4D5E: message-id=<old@x.example>
Nov 20 08:00:01 mx postfix/cleanup[1]: 2A2B3C4D5E: message-id=<new@x.example>
Nov 20 08:00:02 mx postfix/qmgr[1]: 2A2B3C4D5E: from=<a@x.example>, size=1, nrcpt=1 (queue active)
EOF
	run bounce-parse --year 2026 --offset-file "$d/off" "$d/m.log"
	[ "$status" -eq 0 ]
	# the message of Nov 1 is surely out of the queue by Nov 20
	[ "$(jq -r 'select(.qid) | .qid' "$d/off")" = 2A2B3C4D5E ]
	[ "$(jq -r 'select(.qid) | .msgid' "$d/off")" = new@x.example ]
	echo 'Nov 20 08:00:03 mx postfix/qmgr[1]: 2A2B3C4D5E: removed' >>"$d/m.log"
	run bounce-parse --year 2026 --offset-file "$d/off" "$d/m.log"
	[ "$(jq -r 'select(.qid) | .qid' "$d/off")" = "" ]
	# a bad saved record is an error, as a bad offset record is
	echo '{"qid":"X","deferred":"no"}' >>"$d/off"
	run bounce-parse --offset-file "$d/off" "$d/m.log"
	[ "$status" -eq 2 ]
}
