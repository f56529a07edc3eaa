#!/usr/bin/env bats
# bounce-parse on ESP bounce and suppression lists (exports, pages of their
# APIs): fixtures written from each provider's API reference. Each entry is a
# failed event: the provider will not send to the address.

load helper

L="$BATS_TEST_DIRNAME/fixtures/lists"

pick() { jq -c '[.time, .rcpt, .action, .status, .code, .reason, .class, .source]'; }

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
	[ "$(sed -n 2p <<<"$output" | jq -c '[.rcpt,.reason,.class,.diag]')" = '["angry@example.com","feedback","hard","spam report"]' ]
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
	[ "$(sed -n 1p <<<"$output" | pick)" = '["2026-11-27T10:02:00Z","angry@example.com","failed",null,null,"feedback","hard","mailgun"]' ]
	[ "$(sed -n 2p <<<"$output" | pick)" = '["2026-11-27T10:03:00Z","left@example.com","failed",null,null,"suppressed","hard","mailgun"]' ]
	# a temporary code someone imported stays soft
	run bounce-parse - <<<'{"address":"t@example.com","code":"452","error":"452 4.2.2 Mailbox full","created_at":"Fri, 27 Nov 2026 10:00:00 UTC"}'
	[ "$(jq -c '[.code,.reason,.class]' <<<"$output")" = '[452,"mailboxfull","soft"]' ]
}

@test "lists: a Postmark suppressions dump" {
	run bounce-parse "$L/postmark-suppressions.json"
	[ "$status" -eq 0 ]
	[ "$(sed -n 1p <<<"$output" | pick)" = '["2026-11-27T10:00:00Z","nobody@example.com","failed",null,null,"userunknown","hard","postmark"]' ]
	[ "$(sed -n 2p <<<"$output" | jq -c '[.reason,.class,.diag]')" = '["feedback","hard","SpamComplaint"]' ]
	[ "$(sed -n 3p <<<"$output" | jq -c '[.reason,.class,.diag]')" = '["suppressed","hard","ManualSuppression"]' ]
}

@test "lists: Amazon SES list-suppressed-destinations and get-suppressed-destination" {
	run bounce-parse "$L/ses-suppressed.json"
	[ "$status" -eq 0 ]
	[ "$(sed -n 1p <<<"$output" | pick)" = '["2026-11-27T10:00:00Z","nobody@example.com","failed",null,null,"suppressed","hard","ses"]' ]
	[ "$(sed -n 2p <<<"$output" | pick)" = '["2026-11-27T10:01:00Z","angry@example.com","failed",null,null,"feedback","hard","ses"]' ]
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
