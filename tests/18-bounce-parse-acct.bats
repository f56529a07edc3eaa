#!/usr/bin/env bats
# bounce-parse on the logs of MTAs for bulk senders: KumoMTA JSON log
# records, PowerMTA accounting CSV, Microsoft Exchange message tracking,
# OpenSMTPD, qmail-send and Haraka; fixtures written from each product's
# documentation. Queue ids and sending pools; broken input.

load helper

W="$BATS_TEST_DIRNAME/fixtures/webhook"
A="$BATS_TEST_DIRNAME/fixtures/acct"

@test "acct: KumoMTA log records, with the spool id and the egress pool" {
	run bounce-parse -d "$W/kumomta.jsonl"
	[ "$status" -eq 0 ]
	# the Reception record has no outcome; the two-recipient Bounce gives two
	[ "$(wc -l <<<"$output")" -eq 8 ]
	[ "$(sed -n 1p <<<"$output" | pick)" = '["2026-11-27T10:00:00Z","happy@example.com","delivered","2.0.0",250,"delivered","none","kumomta"]' ]
	[ "$(sed -n 1p <<<"$output" | jqr .qid,.pool,.rhost,.msgid | tr '\n' ' ')" = "1d98076abbbc11ed940250ebf67f93bd pool-a mx.example.com <news-1@sender.example> " ]
	[ "$(sed -n 2p <<<"$output" | pick)" = '["2026-11-27T10:01:00Z","full@example.net","delayed","4.2.2",452,"mailboxfull","soft","kumomta"]' ]
	# the reply is put back together: code, enhanced code, content
	[ "$(sed -n 3p <<<"$output" | jqr .diag)" = "550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in virtual mailbox table" ]
	[ "$(sed -n 3p <<<"$output" | pick)" = '["2026-11-27T10:02:00Z","nobody@example.org","failed","5.1.1",550,"userunknown","hard","kumomta"]' ]
	[ "$(sed -n 4p <<<"$output" | jqr .action,.reason,.class | tr '\n' ' ')" = "failed expired soft " ]
	[ "$(sed -n 5p <<<"$output" | jqr .rcpt,.action,.status | tr '\n' ' ')" = "left@example.net failed 5.2.1 " ]
	# a Feedback record names the complainant from its report
	[ "$(sed -n 6p <<<"$output" | pick)" = '["2026-11-27T10:05:00Z","angry@example.com","complained",null,null,"feedback","none","kumomta"]' ]
	[ "$(sed -n 7,8p <<<"$output" | jqr .rcpt,.reason | tr '\n' ' ')" = "a1@example.com blocked a2@example.com blocked " ]
	# the pool is written only where the record names one
	[ "$(jq -r 'has("pool")' <<<"$output" | tr '\n' ' ')" = "true true true true false false true true " ]
}

@test "acct: SparkPost's ip_pool is the pool too" {
	run bounce-parse "$W/sparkpost-batch.json"
	[ "$(head -1 <<<"$output" | jqr .pool)" = "news-pool" ]
	# keys in the documented order, pool after qid
	[ "$(head -1 <<<"$output" | jq -c 'keys_unsorted')" = '["time","rcpt","domain","action","status","code","reason","class","rhost","diag","from","msgid","qid","pool","source","origin"]' ]
}

@test "acct: a PowerMTA accounting file, its columns named by its header" {
	run bounce-parse -d "$A/acct-2026-11-27.csv"
	[ "$status" -eq 0 ]
	# r (received) and tq (a queue's transient error) name no recipient outcome
	[ "$(wc -l <<<"$output")" -eq 8 ]
	[ "$(sed -n 1p <<<"$output" | pick)" = '["2026-11-27T10:00:00Z","happy@example.com","relayed","2.0.0",250,"delivered","none","powermta"]' ]
	[ "$(sed -n 1p <<<"$output" | jqr .rhost,.from,.qid,.msgid,.pool | tr '\n' ' ')" = "mx.example.com bounces@sender.example env-1 <news-1@sender.example> vmta-news-1 " ]
	picks <<-'EOF'
	2 ["2026-11-27T10:01:00Z","full@example.net","delayed","4.2.2",452,"mailboxfull","soft","powermta"]
	# a quoted dsnDiag, "smtp;" dropped; orcpt kept
	3 ["2026-11-27T10:02:00Z","nobody@example.org","failed","5.1.1",550,"userunknown","hard","powermta"]
	EOF
	[ "$(sed -n 3p <<<"$output" | jqr .diag,.orig_rcpt | tr '\n' '|')" = "550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in virtual mailbox table|Nobody@Example.org|" ]
	# bounceCat spam-related, but the reply names a block list
	[ "$(sed -n 4p <<<"$output" | jqr .reason,.class | tr '\n' ' ')" = "blocked soft " ]
	[ "$(sed -n 5p <<<"$output" | jqr .reason,.class,.status | tr '\n' ' ')" = "expired soft 4.4.7 " ]
	[ "$(sed -n 6p <<<"$output" | pick)" = '["2026-11-27T10:06:00Z","left@example.org","failed","5.2.1",550,"suspend","soft","powermta"]' ]
	[ "$(sed -n 7p <<<"$output" | jqr .action,.class | tr '\n' ' ')" = "delayed soft " ]
	[ "$(sed -n 8p <<<"$output" | pick)" = '["2026-11-27T10:08:00Z","angry@example.com","complained",null,null,"feedback","none","powermta"]' ]
	# without -d: the bounces and deferrals only
	run bounce-parse "$A/acct-2026-11-27.csv"
	[ "$(jqr .action <<<"$output" | sort -u | tr '\n' ' ')" = "complained delayed failed " ]
}

@test "acct: PowerMTA epoch times, long type names, quotes inside quotes" {
	run bounce-parse -d -f powermta "$A/acct-epoch.csv"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.time, .rcpt, .reason, .class, .pool]' <<<"$output" | tr '\n' ' ')" = '["2026-11-27T10:00:00Z","a@example.com","delivered","none","vmta-1"] ["2026-11-27T10:01:00Z","b@example.com","hostunknown","hard","vmta-1"] ["2026-11-27T10:02:00Z","c@example.com","mailboxfull","soft","vmta-2"] ' ]
	[ "$(sed -n 3p <<<"$output" | jqr .diag)" = '552 5.2.2 Mailbox full, try again "later"' ]
}

@test "acct: a PowerMTA file read on with --offset-file finds its header again" {
	f="$BATS_TEST_TMPDIR/acct.csv"
	head -5 "$A/acct-2026-11-27.csv" >"$f"
	run bounce-parse -o "$BATS_TEST_TMPDIR/offsets" "$f"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 2 ]
	tail -n +6 "$A/acct-2026-11-27.csv" >>"$f"
	run bounce-parse -o "$BATS_TEST_TMPDIR/offsets" "$f"
	[ "$status" -eq 0 ]
	[ "$(jqr .rcpt <<<"$output" | tr '\n' ' ')" = "guarded@example.com slow@example.net left@example.org later@example.org angry@example.com " ]
	[ "$(head -1 <<<"$output" | jqr .pool)" = "vmta-news-2" ]
}

@test "acct: broken PowerMTA input is reported, the rest is read" {
	printf '%s\n' 'b,2026-11-27 10:00:00+0000,bounces@sender.example,a@example.com' |
	    bounce-parse - >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" && false
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
	grep -q '<stdin>:1: PowerMTA accounting record before any header line' "$BATS_TEST_TMPDIR/err"
	printf '%s\n' 'type,timeLogged,rcpt,dsnDiag' \
	    'b,2026-11-27 10:00:00+0000,a@example.com,"550 unclosed' \
	    'b,yesterday,b@example.com,550 x' \
	    'b,2026-11-27 10:00:00+0000,,550 x' \
	    'b,2026-11-27 10:00:00+0000,not an address,550 x' \
	    'b,2026-11-27 10:00:00+0000,ok@example.com,550 5.1.1 unknown' \
	    >"$BATS_TEST_TMPDIR/bad.csv"
	run bounce-parse "$BATS_TEST_TMPDIR/bad.csv"
	[ "$status" -eq 2 ]
	[ "$(grep '^{' <<<"$output" | jqr .rcpt)" = "ok@example.com" ]
	[[ "$output" == *"bad.csv:2: PowerMTA record with an unclosed quote"* ]]
	[[ "$output" == *"bad.csv:3: PowerMTA record with an unreadable timeLogged"* ]]
	[[ "$output" == *"bad.csv:4: delivery record without a recipient address"* ]]
	[[ "$output" == *"bad.csv:5: not an address"* ]]
}

@test "acct: Exchange message tracking: SEND, DELIVER, DEFER, FAIL; DSN and RECEIVE skipped" {
	run bounce-parse -d "$A/MSGTRK20261127-1.LOG"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 6 ]
	[ "$(sed -n 1p <<<"$output" | pick)" = '["2026-11-27T10:00:02Z","happy@example.com","delivered","2.6.0",250,"delivered","none","exchange"]' ]
	[ "$(sed -n 1p <<<"$output" | jqr .rhost,.qid,.msgid,.from | tr '\n' ' ')" = "mx.example.com 1234567890 <news-1@sender.example> news@sender.example " ]
	# the status holds a ';' of its own
	[ "$(sed -n 2p <<<"$output" | pick)" = '["2026-11-27T10:00:03Z","nobody@example.org","failed","5.1.1",550,"userunknown","hard","exchange"]' ]
	[ "$(sed -n 2p <<<"$output" | jqr .diag)" = "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found" ]
	[ "$(sed -n 3p <<<"$output" | jqr .action,.reason,.class | tr '\n' ' ')" = "delayed mailboxfull soft " ]
	[ "$(sed -n 4p <<<"$output" | jqr .rcpt,.action | tr '\n' ' ')" = "colleague@sender.example delivered " ]
	# two recipients, a status each
	[ "$(sed -n 5,6p <<<"$output" | jq -c '[.rcpt, .status]' | tr '\n' ' ')" = '["x1@example.com","5.1.1"] ["x2@example.com","5.2.1"] ' ]
}

@test "acct: Exchange records read on past the header use the file's #Fields" {
	f="$BATS_TEST_TMPDIR/MSGTRK.LOG"
	head -7 "$A/MSGTRK20261127-1.LOG" >"$f"
	bounce-parse -o "$BATS_TEST_TMPDIR/offsets" "$f" >/dev/null
	tail -n +8 "$A/MSGTRK20261127-1.LOG" >>"$f"
	run bounce-parse -o "$BATS_TEST_TMPDIR/offsets" "$f"
	[ "$status" -eq 0 ]
	[ "$(jqr .rcpt <<<"$output" | tr '\n' ' ')" = "nobody@example.org full@example.net x1@example.com x2@example.com " ]
	# a file without its header: Exchange's documented order
	grep -v '^#' "$A/MSGTRK20261127-1.LOG" | cut -d, -f1-27 | bounce-parse - >"$BATS_TEST_TMPDIR/out"
	[ "$(jqr .rcpt "$BATS_TEST_TMPDIR/out" | tr '\n' ' ')" = "nobody@example.org full@example.net x1@example.com x2@example.com " ]
}

@test "acct: OpenSMTPD mta and mda results, and the 5.x relay lines" {
	run bounce-parse -d "$A/opensmtpd.log"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 5 ]
	[ "$(sed -n 1p <<<"$output" | pick)" = '["2026-11-27T10:00:01Z","happy@example.com","delivered","2.0.0",250,"delivered","none","opensmtpd"]' ]
	[ "$(sed -n 1p <<<"$output" | jqr .rhost,.qid,.from | tr '\n' ' ')" = "mx.example.com f6e94209 news@sender.example " ]
	[ "$(sed -n 2p <<<"$output" | jqr .action,.code,.class | tr '\n' ' ')" = "delayed 421 soft " ]
	[ "$(sed -n 3p <<<"$output" | pick)" = '["2026-11-27T10:00:03Z","nobody@example.org","failed","5.1.1",550,"userunknown","hard","opensmtpd"]' ]
	[ "$(sed -n 3p <<<"$output" | jqr .orig_rcpt)" = "alias@sender.example" ]
	[ "$(sed -n 4p <<<"$output" | jqr .rcpt,.diag | tr '\n' ' ')" = "local@mx1.sender.example Delivered " ]
	[ "$(sed -n 5p <<<"$output" | pick)" = '["2026-11-27T10:00:05Z","gone@example.net","failed","5.1.1",550,"userunknown","hard","opensmtpd"]' ]
	[ "$(sed -n 5p <<<"$output" | jqr .rhost,.qid | tr '\n' ' ')" = "mx.example.net 0b4d2d30d50d87e6 " ]
	printf '%s\n' 'Nov 27 10:00:00 mx1 smtpd[1]: 1a mta delivery evpid=00 from=<> to=<a@example.com> result="Strange" stat="x"' |
	    bounce-parse - 2>&1 | grep -q 'without a known result'
}

@test "acct: qmail-send with tai64n stamps, joined by delivery and message numbers" {
	run bounce-parse -d "$A/qmail-send.log"
	[ "$status" -eq 0 ]
	# delivery 9 began before what was read: nothing to join, no event
	[ "$(wc -l <<<"$output")" -eq 4 ]
	[ "$(sed -n 1p <<<"$output" | pick)" = '["2026-11-27T10:00:01Z","happy@example.com","delivered","2.0.0",250,"delivered","none","qmail"]' ]
	[ "$(sed -n 1p <<<"$output" | jqr .rhost,.qid,.from | tr '\n' ' ')" = "198.51.100.20 12345 news@sender.example " ]
	[ "$(sed -n 2p <<<"$output" | pick)" = '["2026-11-27T10:00:02Z","nobody@example.org","failed","5.1.1",550,"userunknown","hard","qmail"]' ]
	[ "$(sed -n 2p <<<"$output" | jqr .diag)" = "550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown" ]
	[ "$(sed -n 3p <<<"$output" | pick)" = '["2026-11-27T10:00:03Z","full@example.net","delayed","4.2.2",452,"mailboxfull","soft","qmail"]' ]
	[ "$(sed -n 4p <<<"$output" | jqr .rcpt,.qid | tr '\n' ' ')" = "local@mx1.sender.example 12346 " ]
}

@test "acct: qmail through splogger" {
	run bounce-parse "$A/qmail-splogger.log"
	[ "$status" -eq 0 ]
	[ "$(pick <<<"$output")" = '["2026-11-27T10:00:01Z","left@example.net","failed","5.1.2",null,"hostunknown","hard","qmail"]' ]
	[ "$(jqr .from <<<"$output")" = "news@sender.example" ]
}

@test "acct: Haraka outbound lines joined with their transaction's recipients" {
	run bounce-parse -d "$A/haraka.log"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 4 ]
	picks <<-'EOF'
	1 ["2026-11-27T10:00:02Z","nobody@example.com","failed","5.1.1",550,"userunknown","hard","haraka"]
	# delivered names its domain: the recipient rejected at RCPT is not in it
	2 ["2026-11-27T10:00:03Z","happy@example.com","delivered",null,null,"delivered","none","haraka"]
	EOF
	[ "$(sed -n 2p <<<"$output" | jqr .rhost,.msgid,.from,.qid | tr '\n' ' ')" = "mx.example.com 605cb14d-2c69-d102-6669-9861ba8a40e5@sender.example news@sender.example D33D6290-C923-4DAC-A4B4-D0E7B8FAF010.1.1 " ]
	# a temporary failure of a whole item: the recipients of the domain it names
	[ "$(sed -n 3p <<<"$output" | pick)" = '["2026-11-27T10:00:04Z","later@example.org","delayed","4.7.0",421,"systemerror","soft","haraka"]' ]
	# tai64nlocal stamps; a null MX
	[ "$(sed -n 4p <<<"$output" | jq -c '[.time, .rcpt, .action, .reason, .class]')" = '["2026-11-27T10:00:06Z","void@example.net","failed","notaccept","hard"]' ]
}

@test "acct: each format is told per line; -f keeps to one" {
	cat "$A/opensmtpd.log" "$A/qmail-splogger.log" "$A/acct-2026-11-27.csv" >"$BATS_TEST_TMPDIR/mix.log"
	run bounce-parse "$BATS_TEST_TMPDIR/mix.log"
	[ "$status" -eq 0 ]
	[ "$(jqr .source <<<"$output" | sort | uniq -c | awk '{print $2 ":" $1}' | tr '\n' ' ')" = "opensmtpd:3 powermta:7 qmail:1 " ]
	for f in opensmtpd:3 qmail:1 powermta:7; do
		run bounce-parse -f "${f%%:*}" "$BATS_TEST_TMPDIR/mix.log"
		[ "$status" -eq 0 ]
		[ "$(jqr .source <<<"$output" | sort -u)" = "${f%%:*}" ]
		[ "$(wc -l <<<"$output")" -eq "${f##*:}" ]
	done
	run bounce-parse -f postfix "$A/acct-2026-11-27.csv"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "formats: -f list names every format of bounce-parse(1), and each example line reads" {
	man="$BATS_TEST_DIRNAME/../man/bounce-parse.1"
	sed -n '/^\.Sh FORMATS/,/^\.El/p' "$man" |
	    awk '/^\.It Cm/ { name = $3; n = 0 } /^\.Bd -literal/ { lit = 1; next } /^\.Ed/ { lit = 0 }
	    lit && n++ == 0 { print name "\t" $0 } /^\.Dl / { sub(/^\.Dl /, ""); print name "\t" $0 }' \
	    >"$BATS_TEST_TMPDIR/examples.tsv"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/examples.tsv")" -ge 21 ]
	run bounce-parse -f list
	[ "$status" -eq 0 ]
	[ "$(jq -r .format <<<"$output" | sort | tr '\n' ' ')" = "$( (echo auto; echo maildir; echo sendinblue;
	    cut -f1 "$BATS_TEST_TMPDIR/examples.tsv") | sort | tr '\n' ' ')" ]
	[ "$(jq -r 'select(.reads == null or .kind == null)' <<<"$output")" = "" ]
	while IFS="$(printf '\t')" read -r name line; do
		case $name in
		email|mbox) continue ;;
		powermta) printf '%s\n' "type,timeLogged,orig,rcpt,dsnAction,dsnStatus,dsnDiag,dsnMta,bounceCat,vmta" "$line" ;;
		qmail) printf '%s\n' "@400000006b0954ab00000003 starting delivery 2: msg 12345 to remote a@example.org" "$line" ;;
		*) printf '%s\n' "$line" ;;
		esac >"$BATS_TEST_TMPDIR/ex"
		for f in "$name" auto; do
			run bounce-parse -f "$f" "$BATS_TEST_TMPDIR/ex"
			[ "$status" -eq 0 ] || { echo "$name (-f $f): $output"; false; }
			[ "$(jq -c '[.rcpt, .action, .reason]' <<<"$output")" = '["a@example.org","failed","userunknown"]' ] ||
			    { echo "$name (-f $f): $output"; false; }
		done
	done <"$BATS_TEST_TMPDIR/examples.tsv"
}
