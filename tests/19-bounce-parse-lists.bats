#!/usr/bin/env bats
# bounce-parse on ESP bounce and suppression lists (exports, pages of their
# APIs): fixtures written from each provider's API reference. Each entry is a
# failed event: the provider will not send to the address.

load helper

L="$BATS_TEST_DIRNAME/fixtures/lists"

@test "lists: SendGrid v3 bounces, the older list format, blocks, spam reports, invalid emails, unsubscribes" {
	run bounce-parse "$L/sendgrid-bounces.json"
	[ "$status" -eq 0 ]
	[ "$(sed -n 1p <<<"$output" | pick)" = '["2026-11-27T10:00:00Z","nobody@example.com","failed","5.1.1",550,"userunknown","hard","sendgrid"]' ]
	[ "$(sed -n 1p <<<"$output" | jqr .diag)" = "550 5.1.1 The email account that you tried to reach does not exist." ]
	# over quota: soft even on SendGrid's bounce list
	[ "$(sed -n 2p <<<"$output" | pick)" = '["2026-11-27T10:01:00Z","full@example.net","failed","5.2.2",552,"mailboxfull","soft","sendgrid"]' ]
	# "status": "550" is a reply code, not an enhanced status
	run bounce-parse "$L/sendgrid-legacy.json"
	[ "$status" -eq 0 ]
	[ "$(pick <<<"$output")" = '["2026-11-27T10:02:00Z","gone@example.org","failed",null,550,"userunknown","hard","sendgrid"]' ]
	run bounce-parse -f sendgrid "$L/sendgrid-lists.jsonl"
	[ "$status" -eq 0 ]
	[ "$(sed -n 1p <<<"$output" | pick)" = '["2026-11-27T10:03:00Z","listed@example.com","failed","4.0.0",554,"blocked","soft","sendgrid"]' ]
	[ "$(sed -n 2p <<<"$output" | jq -c '[.rcpt,.reason,.class,.diag]')" = '["angry@example.com","feedback","none","spam report"]' ]
	[ "$(sed -n 3p <<<"$output" | jq -c '[.rcpt,.class]')" = '["typo@example","hard"]' ]
	[ "$(sed -n 4p <<<"$output" | jq -c '[.rcpt,.reason,.class,.diag]')" = '["left@example.com","suppressed","hard","unsubscribed"]' ]
}

@test "lists: Mailgun bounces, complaints and unsubscribes pages" {
	run bounce-parse "$L/mailgun-bounces.json"
	[ "$status" -eq 0 ]
	# created_at is RFC 2822; the code is a string
	[ "$(sed -n 1p <<<"$output" | pick)" = '["2026-11-27T10:00:00Z","nobody@example.com","failed","5.1.1",550,"userunknown","hard","mailgun"]' ]
	# no text: the bounce list holds permanent mailbox failures
	[ "$(sed -n 2p <<<"$output" | jq -c '[.rcpt,.code,.reason,.class,.diag]')" = '["gone@example.org",550,"userunknown","hard",null]' ]
	run bounce-parse -f mailgun "$L/mailgun-complaints-unsubscribes.jsonl"
	[ "$status" -eq 0 ]
	picks <<-'EOF'
	1 ["2026-11-27T10:02:00Z","angry@example.com","complained",null,null,"feedback","none","mailgun"]
	2 ["2026-11-27T10:03:00Z","left@example.com","failed",null,null,"suppressed","hard","mailgun"]
	EOF
	# a temporary code someone imported stays soft
	run bounce-parse - <<<'{"address":"t@example.com","code":"452","error":"452 4.2.2 Mailbox full","created_at":"Fri, 27 Nov 2026 10:00:00 UTC"}'
	[ "$(jq -c '[.code,.reason,.class]' <<<"$output")" = '[452,"mailboxfull","soft"]' ]
}

@test "lists: a Postmark suppressions dump" {
	run bounce-parse "$L/postmark-suppressions.json"
	[ "$status" -eq 0 ]
	[ "$(sed -n 1p <<<"$output" | pick)" = '["2026-11-27T10:00:00Z","nobody@example.com","failed",null,null,"userunknown","hard","postmark"]' ]
	[ "$(sed -n 2p <<<"$output" | jq -c '[.reason,.class,.diag]')" = '["feedback","none","SpamComplaint"]' ]
	[ "$(sed -n 3p <<<"$output" | jq -c '[.reason,.class,.diag]')" = '["suppressed","hard","ManualSuppression"]' ]
}

@test "lists: Amazon SES list-suppressed-destinations and get-suppressed-destination" {
	run bounce-parse "$L/ses-suppressed.json"
	[ "$status" -eq 0 ]
	picks <<-'EOF'
	1 ["2026-11-27T10:00:00Z","nobody@example.com","failed",null,null,"suppressed","hard","ses"]
	2 ["2026-11-27T10:01:00Z","angry@example.com","complained",null,null,"feedback","none","ses"]
	EOF
	run bounce-parse -f ses "$L/ses-suppressed-one.json"
	[ "$status" -eq 0 ]
	[ "$(jqr .rcpt <<<"$output")" = "nobody@example.com" ]
}

@test "lists: entries without an address are reported, the rest is read" {
	printf '%s\n' '[{"created":1795773600,"email":"","reason":"x","status":"5.1.1"},{"created":1795773600,"email":"ok@example.com"}]' \
	    '{"Suppressions":[{"EmailAddress":null,"SuppressionReason":"HardBounce"},{"EmailAddress":"p@example.com","SuppressionReason":7,"CreatedAt":[]}]}' \
	    '{"SuppressedDestinationSummaries":[{"Reason":"BOUNCE"},{"EmailAddress":"s@example.com","Reason":{}}]}' \
	    >"$BATS_TEST_TMPDIR/bad.jsonl"
	run bounce-parse "$BATS_TEST_TMPDIR/bad.jsonl"
	[ "$status" -eq 2 ]
	[ "$(grep '^{' <<<"$output" | jqr .rcpt | tr '\n' ' ')" = "ok@example.com p@example.com s@example.com " ]
	[ "$(grep -c 'event without a recipient address' <<<"$output")" -eq 3 ]
}

@test "lists: a SparkPost suppression list page" {
	run bounce-parse "$L/sparkpost-suppression.json"
	[ "$status" -eq 0 ]
	# a bounce rule: the description is the reply
	[ "$(sed -n 1p <<<"$output" | pick)" = '["2026-11-27T10:00:00Z","nobody@example.com","failed","5.1.1",null,"userunknown","hard","sparkpost"]' ]
	[ "$(sed -n 2p <<<"$output" | jq -c '[.rcpt,.reason,.class]')" = '["angry@example.com","feedback","none"]' ]
	[ "$(sed -n 3p <<<"$output" | jq -c '[.rcpt,.reason,.class,.diag]')" = '["left@example.com","suppressed","hard","List Unsubscribe"]' ]
	[ "$(sed -n 4p <<<"$output" | jq -c '[.rcpt,.reason,.class]')" = '["mine@example.com","suppressed","hard"]' ]
	# the events API still reads as before
	run bounce-parse -f sparkpost "$BATS_TEST_DIRNAME/fixtures/webhook/sparkpost-events-api.json"
	[ "$status" -eq 0 ]
}

@test "lists: the Mandrill rejection list; expired entries are no longer in force" {
	run bounce-parse -f mandrill "$L/mandrill-rejects.json"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 4 ]
	picks <<-'EOF'
	1 ["2026-11-27T10:00:00Z","nobody@example.com","failed","5.1.1",550,"userunknown","hard","mandrill"]
	# a soft bounce stays soft, read from its reply
	2 ["2026-11-27T10:01:00Z","full@example.net","failed","4.2.2",452,"mailboxfull","soft","mandrill"]
	EOF
	[ "$(sed -n 3p <<<"$output" | jq -c '[.reason,.class,.diag]')" = '["feedback","none","spam"]' ]
	[ "$(sed -n 4p <<<"$output" | jq -c '[.reason,.class,.diag]')" = '["suppressed","hard","unsub"]' ]
}

@test "lists: a Mandrill rejection with an empty reason is listed, of no known kind (soft), not a crash" {
	printf 'email,reason,detail,created_at,expires_at,last_event_at,subaccount\n%s\n' \
	    'nobody@example.com,,,2026-11-27 10:00:00,2026-12-27 10:00:00,2026-11-27 10:00:00,' >"$BATS_TEST_TMPDIR/r.csv"
	run bounce-parse -f mandrill "$BATS_TEST_TMPDIR/r.csv"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.rcpt,.action,.reason,.class]' <<<"$output")" = '["nobody@example.com","failed","suppressed","soft"]' ]
}

@test "lists: CSV exports are told by their header and read like the JSON records" {
	for p in sendgrid-bounces mailgun-bounces sparkpost-suppression mandrill-rejects; do
		run bounce-parse "$L/$p.csv"
		[ "$status" -eq 0 ]
		[ "$(sed -n 1p <<<"$output" | jq -c '[.time,.rcpt,.action,.status,.reason,.class]')" = '["2026-11-27T10:00:00Z","nobody@example.com","failed","5.1.1","userunknown","hard"]' ]
		[ "$(sed -n 1p <<<"$output" | jqr .origin)" = "$L/$p.csv:2" ]
	done
	# quoted fields with commas; CRLF line ends
	run bounce-parse -f sendgrid "$L/sendgrid-bounces.csv"
	[ "$(sed -n 2p <<<"$output" | jq -c '[.rcpt,.reason,.class,.diag]')" = '["full@example.net","mailboxfull","soft","552 5.2.2 Over quota, try later"]' ]
	# quotes, backslashes and control bytes in a field reach diag as they were
	printf 'email,created,status,reason\nx@example.com,1795773600,5.1.1,"550 a ""quoted"" \\ word\001 and a longer tail"\n' |
	    bounce-parse - >"$BATS_TEST_TMPDIR/out"
	[ "$(jq -c .diag "$BATS_TEST_TMPDIR/out")" = '"550 a \"quoted\" \\ word\u0001 and a longer tail"' ]
	# a field that is not UTF-8 (a Latin-1 export): the row is read, the bytes
	# replaced as in every string written
	printf 'email,created,status,reason\nl1@example.com,1795773600,5.1.1,"550 caf\351 \377"\n' |
	    bounce-parse - >"$BATS_TEST_TMPDIR/out"
	[ "$(jq -c -a '[.rcpt,.diag]' "$BATS_TEST_TMPDIR/out")" = '["l1@example.com","550 caf\ufffd \ufffd"]' ]
	# a Mailgun row without code or text
	run bounce-parse "$L/mailgun-bounces.csv"
	[ "$(sed -n 2p <<<"$output" | jq -c '[.rcpt,.code,.reason,.class]')" = '["gone@example.org",null,"userunknown","hard"]' ]
	# complaints and unsubscribes exports; header names in any case, blanks as _
	printf '%s\n' 'Address,Created At' 'angry@example.com,"Fri, 27 Nov 2026 10:02:00 UTC"' | bounce-parse - >"$BATS_TEST_TMPDIR/out"
	[ "$(jq -c '[.time,.rcpt,.reason,.class,.source]' "$BATS_TEST_TMPDIR/out")" = '["2026-11-27T10:02:00Z","angry@example.com","feedback","none","mailgun"]' ]
	printf '%s\n' 'address,tags,created_at' 'left@example.com,*,"Fri, 27 Nov 2026 10:03:00 UTC"' | bounce-parse -f mailgun - >"$BATS_TEST_TMPDIR/out"
	[ "$(jq -c '[.rcpt,.reason,.class]' "$BATS_TEST_TMPDIR/out")" = '["left@example.com","suppressed","hard"]' ]
}

@test "lists: bad CSV rows are reported and skipped; another provider's export under -f is not taken" {
	printf '%s\n' 'email,created,status,reason' 'ok@example.com,1795773600,5.1.1,550 5.1.1 unknown' \
	    '"open@example.com,1795773600' ',1795773600,5.1.1,x' 'not an address,1795773600,5.1.1,x' \
	    'short@example.com' >"$BATS_TEST_TMPDIR/bad.csv"
	run bounce-parse "$BATS_TEST_TMPDIR/bad.csv"
	[ "$status" -eq 2 ]
	[ "$(grep '^{' <<<"$output" | jqr .rcpt | tr '\n' ' ')" = "ok@example.com short@example.com " ]
	[[ "$output" == *"bad.csv:3: malformed CSV row"* ]]
	[[ "$output" == *"bad.csv:4: sendgrid event without a recipient address"* ]]
	[[ "$output" == *"bad.csv:5: not an address"* ]]
	# a SendGrid export is no Mailgun list: read as a log, nothing in it
	run bounce-parse -f mailgun "$L/sendgrid-bounces.csv"
	[ "$(grep -c '^{' <<<"$output")" -eq 0 ]
	# a log whose first line has commas is still a log
	printf '%s\n' 'Nov 27 10:00:05 mx postfix/smtp[123]: 4Z8sYH2c1Fz9s: to=<a@example.org>, relay=mx.example.org[198.51.100.22]:25, delay=1, dsn=5.1.1, status=bounced (host mx.example.org said: 550 5.1.1 User unknown)' |
	    bounce-parse - >"$BATS_TEST_TMPDIR/out"
	[ "$(jq -r .source "$BATS_TEST_TMPDIR/out")" = postfix ]
}
