#!/usr/bin/env bats
# bounce-parse on ESP webhook JSON: Amazon SES (plain and SNS-wrapped),
# SendGrid, Mailgun, Postmark; one object a line, arrays, pretty-printed values,
# and broken input.

load helper

W="$BATS_TEST_DIRNAME/fixtures/webhook"

# One event as a compact line of the fields that matter (helper.bash's
# without the time); picks uses it too.
pick() { jq -c '[.rcpt, .action, .status, .code, .reason, .class, .source]'; }

@test "webhook: an SES bounce inside an SNS envelope gives one event per recipient" {
	run bounce-parse "$W/ses-sns-bounce.json"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 2 ]
	first=$(head -1 <<<"$output")
	[ "$(pick <<<"$first")" = '["jane@example.com","failed","5.1.1",550,"userunknown","hard","ses"]' ]
	[ "$(jqr .time <<<"$first")" = "2026-11-27T10:00:05Z" ]
	[ "$(jqr .rhost <<<"$first")" = "192.0.2.10" ]
	[ "$(jqr .from <<<"$first")" = "news@sender.example" ]
	[ "$(jqr .msgid <<<"$first")" = "<20261127100000.abc@sender.example>" ]
	[ "$(jqr .qid <<<"$first")" = "0102017f-1111-2222-3333-444455556666-000000" ]
	[ "$(jqr .diag <<<"$first")" = "550 5.1.1 <jane@example.com>: Recipient address rejected: User unknown in virtual mailbox table" ]
	[ "$(jqr .origin <<<"$first")" = "$W/ses-sns-bounce.json:1" ]
	[ "$(tail -1 <<<"$output" | jqr .rcpt)" = "richard@example.org" ]
}

@test "webhook: SES bounce types, delays, deliveries and complaints" {
	run bounce-parse -d -f ses "$W/ses-events.jsonl"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 5 ]	# the Open event has no outcome
	[ "$(sed -n 1p <<<"$output" | pick)" = '["full@example.net","failed","5.2.2",552,"mailboxfull","soft","ses"]' ]
	[ "$(sed -n 1p <<<"$output" | jqr .rhost)" = "mx.example.net" ]
	# Permanent + Suppressed: SES did not even try; the address must go.
	picks <<-'EOF'
	2 ["gone@example.com","failed",null,null,"suppressed","hard","ses"]
	# The event-publishing form, eventType DeliveryDelay: SES's delay type is the reason.
	3 ["slow@example.org","delayed","4.4.7",421,"networkerror","soft","ses"]
	4 ["ok@example.com","delivered","2.6.0",250,"delivered","none","ses"]
	5 ["angry@example.com","complained",null,null,"feedback","none","ses"]
	EOF
}

@test "webhook: deliveries are written only with --delivered; complaints always" {
	run bounce-parse "$W/ses-events.jsonl"
	[ "$status" -eq 0 ]
	[ "$(jqr .action <<<"$output" | sort -u | tr '\n' ' ')" = "complained delayed failed " ]
	run bounce-parse "$W/postmark.jsonl"
	[ "$(wc -l <<<"$output")" -eq 3 ]
}

@test "webhook: a SendGrid array of mixed events" {
	run bounce-parse -d "$W/sendgrid.json"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 5 ]	# processed and open have no outcome
	[ "$(sed -n 1p <<<"$output" | pick)" = '["ann@example.com","delayed","4.2.2",452,"mailboxfull","soft","sendgrid"]' ]
	[ "$(sed -n 1p <<<"$output" | jqr .time)" = "2026-11-27T12:01:00Z" ]
	[ "$(sed -n 1p <<<"$output" | jqr .msgid)" = "<14c5d75ce93.dfd.64b469@ismtpd-555>" ]
	[ "$(sed -n 1p <<<"$output" | jqr .origin)" = "$W/sendgrid.json:3" ]
	[ "$(sed -n 2p <<<"$output" | pick)" = '["bob@example.org","failed","5.1.1",550,"userunknown","hard","sendgrid"]' ]
	[ "$(sed -n 3p <<<"$output" | jqr .action,.status,.class | tr '\n' ' ')" = "failed 5.7.1 soft " ]
	# dropped because the address bounced before: suppressed, for good.
	picks <<-'EOF'
	4 ["dora@example.com","failed","5.0.0",null,"suppressed","hard","sendgrid"]
	5 ["eve@example.com","delivered","2.0.0",250,"delivered","none","sendgrid"]
	EOF
}

@test "webhook: a pretty-printed array gives the same events as a compact one" {
	jq . "$W/sendgrid.json" >"$BATS_TEST_TMPDIR/pretty.json"
	jq -c '.[]' "$W/sendgrid.json" >"$BATS_TEST_TMPDIR/lines.jsonl"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/pretty.json")" -gt 50 ]
	a=$(bounce-parse -d "$W/sendgrid.json" | jq -c 'del(.origin)')
	b=$(bounce-parse -d "$BATS_TEST_TMPDIR/pretty.json" | jq -c 'del(.origin)')
	c=$(bounce-parse -d - <"$BATS_TEST_TMPDIR/lines.jsonl" | jq -c 'del(.origin)')
	[ -n "$a" ]
	[ "$a" = "$b" ]
	[ "$a" = "$c" ]
	# origin names the line where each element begins
	run bounce-parse "$BATS_TEST_TMPDIR/pretty.json"
	line=$(head -1 <<<"$output" | jqr .origin)
	n=${line##*:}
	[ "$(sed -n "${n}p" "$BATS_TEST_TMPDIR/pretty.json")" = "  {" ]
	[ "$(sed -n "$((n + 1)),$((n + 2))p" "$BATS_TEST_TMPDIR/pretty.json" | grep -c '"ann@example.com"')" -eq 1 ]
}

@test "webhook: a pretty-printed SES array and several values on one line" {
	jq -s . "$W/ses-events.jsonl" >"$BATS_TEST_TMPDIR/ses.json"
	run bounce-parse -f ses "$BATS_TEST_TMPDIR/ses.json"
	[ "$status" -eq 0 ]
	[ "$(jqr .rcpt <<<"$output" | tr '\n' ' ')" = "full@example.net gone@example.com slow@example.org angry@example.com " ]
	tr '\n' ' ' <"$W/ses-events.jsonl" >"$BATS_TEST_TMPDIR/one-line.json"
	run bounce-parse "$BATS_TEST_TMPDIR/one-line.json"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 4 ]
}

@test "webhook: a Mailgun temporary failure with enhanced code 4.2.2" {
	run bounce-parse -f mailgun "$W/mailgun-temporary.json"
	[ "$status" -eq 0 ]
	[ "$(pick <<<"$output")" = '["fred@example.com","delayed","4.2.2",452,"mailboxfull","soft","mailgun"]' ]
	[ "$(jqr .rhost <<<"$output")" = "mx1.example.com" ]
	[ "$(jqr .time <<<"$output")" = "2026-11-27T12:00:00Z" ]
	[ "$(jqr .msgid <<<"$output")" = "20261127100000.1.ABCDEF@mg.sender.example" ]
	[ "$(jqr .from <<<"$output")" = "bounces+news=sender.example@mg.sender.example" ]
	[ "$(jqr .diag <<<"$output")" = "4.2.2 The email account that you tried to reach is over quota." ]
}

@test "webhook: Mailgun permanent failures, suppressions (no SMTP code 605), deliveries" {
	run bounce-parse -d "$W/mailgun-events.jsonl"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 3 ]
	picks <<-'EOF'
	1 ["gina@example.org","failed","5.1.1",550,"userunknown","hard","mailgun"]
	2 ["hank@example.org","failed",null,null,"suppressed","hard","mailgun"]
	EOF
	[ "$(sed -n 2p <<<"$output" | jqr .diag)" = "Not delivering to previously bounced address" ]
	[ "$(sed -n 3p <<<"$output" | pick)" = '["ivy@example.com","delivered",null,250,"delivered","none","mailgun"]' ]
}

@test "webhook: the Mailgun events API page (items)" {
	run bounce-parse "$W/mailgun-items.json"
	[ "$status" -eq 0 ]
	[ "$(pick <<<"$output")" = '["sam@example.com","delayed","4.7.0",421,"systemerror","soft","mailgun"]' ]
}

@test "webhook: a Postmark hard bounce, soft bounce, auto-reply, delivery, spam complaint" {
	run bounce-parse -d -f postmark "$W/postmark.jsonl"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 5 ]	# the Open record has no outcome
	first=$(sed -n 1p <<<"$output")
	[ "$(pick <<<"$first")" = '["john@example.com","failed","5.1.1",550,"userunknown","hard","postmark"]' ]
	[ "$(jqr .diag <<<"$first")" = "550 5.1.1 The email account that you tried to reach does not exist." ]
	[ "$(jqr .time <<<"$first")" = "2026-11-27T16:33:54Z" ]
	[ "$(jqr .msgid <<<"$first")" = "883953f4-6105-42a2-a16a-77a8eac79483" ]
	[ "$(jqr .from <<<"$first")" = "sender@sender.example" ]
	# BouncedAt with an offset is converted to UTC
	[ "$(sed -n 2p <<<"$output" | jqr .time)" = "2026-11-27T21:40:00Z" ]
	picks <<-'EOF'
	2 ["kim@example.net","failed","4.2.2",452,"mailboxfull","soft","postmark"]
	3 ["lea@example.com","delivered",null,null,"vacation","none","postmark"]
	4 ["max@example.com","delivered","2.0.0",250,"delivered","none","postmark"]
	5 ["ned@example.com","complained",null,null,"feedback","none","postmark"]
	EOF
}

@test "webhook: the provider is detected per object, also on standard input" {
	run bounce-parse <"$W/mixed-array.json"
	[ "$status" -eq 0 ]
	[ "$(jqr .source <<<"$output" | tr '\n' ' ')" = "postmark ses mailgun sendgrid " ]
	[ "$(head -1 <<<"$output" | jqr .origin)" = "<stdin>:2" ]
	[ "$(head -1 <<<"$output" | jqr .action)" = "delayed" ]
}

@test "webhook: events of another provider than --format names are reported once and skipped" {
	run bounce-parse -f postmark "$W/ses-events.jsonl"
	[ "$status" -eq 2 ]
	[ "$(grep -c 'not a known webhook event of postmark' <<<"$output")" -eq 1 ]
	[[ "$output" == *"ses-events.jsonl:1: not a known webhook event"* ]]
	[ "$(grep -c '^{' <<<"$output")" -eq 0 ]
}

@test "webhook: broken input is reported with its line, skipped, and the run goes on" {
	run bounce-parse "$W/broken.jsonl"
	[ "$status" -eq 2 ]
	[ "$(grep '^{' <<<"$output" | jqr .rcpt | tr '\n' ' ')" = "one@example.com three@example.com four@example.com " ]
	[[ "$output" == *"broken.jsonl:2: invalid JSON"* ]]
	# two garbage lines in a row: one report, then the next value resynchronises
	[[ "$output" == *"broken.jsonl:3: not the start of a JSON object or array"* ]]
	[[ "$output" != *"broken.jsonl:4:"* ]]
	# JSON of no known provider: once per file
	[ "$(grep -c 'not a known webhook event' <<<"$output")" -eq 1 ]
	[[ "$output" == *"broken.jsonl:6: not a known webhook event"* ]]
	[[ "$output" == *"broken.jsonl:8: not an address"* ]]
	[[ "$output" == *"broken.jsonl:10: unfinished JSON value"* ]]
}

@test "webhook: a line break inside a string and an unclosed array are errors" {
	printf '%s\n' '{"event":"bounce","email":"a@example.com","reason":"550 broken' \
	    'line"}' '{"event":"bounce","email":"b@example.com","timestamp":1795780800}' \
	    >"$BATS_TEST_TMPDIR/nl.json"
	run bounce-parse "$BATS_TEST_TMPDIR/nl.json"
	[ "$status" -eq 2 ]
	[[ "$output" == *"nl.json:1: line break inside a JSON string"* ]]
	[ "$(grep '^{' <<<"$output" | jqr .rcpt)" = "b@example.com" ]
	printf '[\n{"event":"bounce","email":"c@example.com","timestamp":1795780800},\n' \
	    >"$BATS_TEST_TMPDIR/open.json"
	run bounce-parse "$BATS_TEST_TMPDIR/open.json"
	[ "$status" -eq 2 ]
	[ "$(grep '^{' <<<"$output" | jqr .rcpt)" = "c@example.com" ]
	[[ "$output" == *"unfinished JSON array"* ]]
}

@test "webhook: after a broken element of a pretty-printed array the next elements are read" {
	jq . "$W/sendgrid.json" >"$BATS_TEST_TMPDIR/pretty.json"
	n=$(grep -n '"attempt"' "$BATS_TEST_TMPDIR/pretty.json" | cut -d: -f1)
	sed "${n}s/\$/ \"unclosed/" "$BATS_TEST_TMPDIR/pretty.json" >"$BATS_TEST_TMPDIR/broken.json"
	run bounce-parse "$BATS_TEST_TMPDIR/broken.json"
	[ "$status" -eq 2 ]
	[[ "$output" == *"broken.json:$n: line break inside a JSON string"* ]]
	# one report only: the ',' and ']' that follow are no new errors
	[ "$(grep -vc '^{' <<<"$output")" -eq 1 ]
	[ "$(grep '^{' <<<"$output" | jqr .rcpt | tr '\n' ' ')" = "bob@example.org carl@example.net dora@example.com " ]
}

@test "webhook: a large array is streamed element by element" {
	jq -c '[range(20000) as $i | .[2] | .email = "u\($i)@example.com"]' "$W/sendgrid.json" \
	    >"$BATS_TEST_TMPDIR/big.json"
	run bounce-parse "$BATS_TEST_TMPDIR/big.json"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 20000 ]
	[ "$(tail -1 <<<"$output" | jqr .rcpt)" = "u19999@example.com" ]
}

@test "webhook: every record has the documented keys in order and reads back" {
	for f in "$W"/*.json "$W"/ses-events.jsonl "$W"/postmark.jsonl "$W"/mailgun-events.jsonl; do
		bounce-parse -d "$f" || true
	done >"$BATS_TEST_TMPDIR/all.jsonl"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/all.jsonl")" -gt 20 ]
	# pool: only where the provider names one (bouncekit-records(5))
	run jq -c 'del(.pool) | keys_unsorted' "$BATS_TEST_TMPDIR/all.jsonl"
	[ "$(sort -u <<<"$output")" = '["time","rcpt","domain","action","status","code","reason","class","rhost","diag","from","msgid","qid","source","origin"]' ]
	[ "$(jq -r 'select(.time == null or .rcpt == null)' "$BATS_TEST_TMPDIR/all.jsonl")" = "" ]
}
