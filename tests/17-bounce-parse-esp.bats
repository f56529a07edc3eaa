#!/usr/bin/env bats
# bounce-parse on the webhooks of SparkPost, Mandrill, Brevo, Mailjet, Resend,
# Postal and Amazon SES through EventBridge: fixtures written from each
# provider's documented example payloads; every event type that means
# delivered, deferred, bounced or complained; broken input.

load helper

W="$BATS_TEST_DIRNAME/fixtures/webhook"

@test "esp: a SparkPost webhook batch (msys message_event and gen_event)" {
	run bounce-parse -d "$W/sparkpost-batch.json"
	[ "$status" -eq 0 ]
	# open (track_event), injection and the empty {"msys": {}} give nothing
	[ "$(wc -l <<<"$output")" -eq 9 ]
	[ "$(sed -n 1p <<<"$output" | pick)" = '["2026-11-27T10:00:00Z","nobody@example.com","failed","5.1.1",550,"userunknown","hard","sparkpost"]' ]
	[ "$(sed -n 1p <<<"$output" | jqr .rhost,.from,.msgid | tr '\n' ' ')" = "192.0.2.25 bounces@sender.example 000443ee14578172be22 " ]
	# raw_reason (the reply as received), not the masked reason
	[ "$(sed -n 1p <<<"$output" | jqr .diag)" = "550 5.1.1 <Nobody@example.com>: Recipient address rejected: User unknown" ]
	picks <<-'EOF'
	2 ["2026-11-27T10:01:00Z","full@example.net","delayed","4.2.2",452,"mailboxfull","soft","sparkpost"]
	3 ["2026-11-27T10:02:00Z","left@example.org","failed","5.1.1",550,"userunknown","hard","sparkpost"]
	4 ["2026-11-27T10:03:00Z","angry@example.com","complained",null,null,"feedback","none","sparkpost"]
	EOF
	[ "$(sed -n 4p <<<"$output" | jqr .diag)" = "abuse" ]
	picks <<-'EOF'
	5 ["2026-11-27T10:04:00Z","happy@example.com","delivered",null,null,"delivered","none","sparkpost"]
	# bounce class 25 (Admin Failure): suppressed by policy, for good
	6 ["2026-11-27T10:05:00Z","listed@example.com","failed","5.7.1",554,"suppressed","hard","sparkpost"]
	7 ["2026-11-27T10:06:00Z","unsubscribed@example.com","failed","5.7.1",554,"suppressed","hard","sparkpost"]
	# class 51 (Spam Block): a block of the sender, soft
	8 ["2026-11-27T10:07:00Z","guarded@example.org","failed","5.7.1",554,"blocked","soft","sparkpost"]
	# class 24 (Timeout): the message expired after the last 4xx
	9 ["2026-11-27T10:08:00Z","slow@example.net","failed","5.4.7",554,"expired","soft","sparkpost"]
	EOF
}

@test "esp: a page of the SparkPost message events API" {
	run bounce-parse -d "$W/sparkpost-events-api.json"
	[ "$status" -eq 0 ]
	[ "$(sed -n 1p <<<"$output" | pick)" = '["2026-11-27T10:00:00Z","stuffed@example.com","failed","5.2.2",552,"mailboxfull","soft","sparkpost"]' ]
	[ "$(sed -n 2p <<<"$output" | jqr .action)" = "delivered" ]
	echo '{"results": [], "total_count": 0, "links": {}}' | bounce-parse -f sparkpost -
}

@test "esp: Mandrill webhook events" {
	run bounce-parse -d -f mandrill "$W/mandrill.json"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 6 ]	# the open has no outcome
	[ "$(sed -n 1p <<<"$output" | pick)" = '["2026-11-27T10:00:00Z","nobody@example.com","failed","5.1.1",550,"userunknown","hard","mandrill"]' ]
	# the "smtp;" diagnostic type is dropped
	[ "$(sed -n 1p <<<"$output" | jqr .diag)" = "550 5.1.1 The email account that you tried to reach does not exist." ]
	[ "$(sed -n 1p <<<"$output" | jqr .from,.msgid | tr '\n' ' ')" = "shop@sender.example 7761629 " ]
	picks <<-'EOF'
	2 ["2026-11-27T10:01:00Z","full@example.net","failed","5.2.2",552,"mailboxfull","soft","mandrill"]
	# a deferral's reply is its last SMTP event's
	3 ["2026-11-27T10:02:00Z","later@example.org","delayed","4.3.5",451,"systemerror","soft","mandrill"]
	EOF
	# rejected: on the rejection list after a hard bounce
	[ "$(sed -n 4p <<<"$output" | jqr .action,.reason,.class | tr '\n' ' ')" = "failed suppressed hard " ]
	picks <<-'EOF'
	5 ["2026-11-27T10:04:00Z","angry@example.com","complained",null,null,"feedback","none","mandrill"]
	6 ["2026-11-27T10:05:00Z","happy@example.com","delivered","2.0.0",250,"delivered","none","mandrill"]
	EOF
}

@test "esp: a Mandrill rejection for a soft bounce stays soft; messages API objects" {
	printf '%s\n' '{"event":"reject","ts":1795773600,"msg":{"ts":1795773600,"email":"a@example.com","state":"rejected","_id":"1","reject":{"reason":"soft-bounce"}}}' \
	    '{"ts":1795773600,"_id":"2","sender":"s@sender.example","subject":"x","email":"b@example.com","state":"soft-bounced","diag":"smtp;452 4.2.2 Mailbox full"}' |
	    bounce-parse - >"$BATS_TEST_TMPDIR/out"
	[ "$(sed -n 1p "$BATS_TEST_TMPDIR/out" | jq -c '[.rcpt,.reason,.class]')" = '["a@example.com","suppressed","soft"]' ]
	[ "$(sed -n 2p "$BATS_TEST_TMPDIR/out" | jq -c '[.rcpt,.action,.status,.reason,.class]')" = '["b@example.com","failed","4.2.2","mailboxfull","soft"]' ]
}

@test "esp: Brevo transactional and marketing webhooks" {
	run bounce-parse -d "$W/brevo.jsonl"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 8 ]	# the request (sent) has no outcome
	[ "$(sed -n 1p <<<"$output" | pick)" = '["2026-11-27T10:00:00Z","nobody@example.com","failed","5.1.1",550,"userunknown","hard","brevo"]' ]
	[ "$(sed -n 1p <<<"$output" | jqr .msgid)" = "<202611271000.11111111@smtp-relay.mailin.fr>" ]
	picks <<-'EOF'
	2 ["2026-11-27T10:01:00Z","full@example.net","failed","4.2.2",452,"mailboxfull","soft","brevo"]
	# blocked: Brevo did not send, the contact is on its block list
	3 ["2026-11-27T10:02:00Z","listed@example.com","failed",null,null,"suppressed","hard","brevo"]
	EOF
	[ "$(sed -n 4p <<<"$output" | jqr .action,.status,.class | tr '\n' ' ')" = "delayed 4.7.0 soft " ]
	[ "$(sed -n 5p <<<"$output" | pick)" = '["2026-11-27T10:04:00Z","angry@example.com","complained",null,null,"feedback","none","brevo"]' ]
	[ "$(sed -n 6p <<<"$output" | jqr .action,.class | tr '\n' ' ')" = "delivered none " ]
	[ "$(sed -n 7p <<<"$output" | pick)" = '["2026-11-27T10:06:00Z","not-an-inbox@example.com","failed",null,null,"userunknown","hard","brevo"]' ]
	# marketing: ts_event, no message id
	[ "$(sed -n 8p <<<"$output" | jq -c '[.time,.rcpt,.action,.class]')" = '["2026-11-27T10:07:00Z","gone@example.org","failed","hard"]' ]
}

@test "esp: Brevo times: ts_epoch in milliseconds; a local date without offset is not used" {
	printf '%s\n' '{"event":"hardBounces","email":"a@example.com","date":"2026-11-27 11:00:00","messageId":"<m1@x>","ts_epoch":1795773600123}' \
	    '{"event":"hard_bounce","email":"b@example.com","date":"2026-11-27 11:00:00","message-id":"<m2@x>"}' \
	    '{"event":"softBounces","email":"c@example.com","date":"2026-11-27T11:00:00.000+01:00","messageId":"<m3@x>"}' \
	    >"$BATS_TEST_TMPDIR/in.jsonl"
	touch -d '2026-12-01T00:00:00Z' "$BATS_TEST_TMPDIR/in.jsonl"
	run bounce-parse "$BATS_TEST_TMPDIR/in.jsonl"
	[ "$status" -eq 0 ]
	[ "$(jqr .time <<<"$output" | tr '\n' ' ')" = "2026-11-27T10:00:00Z 2026-12-01T00:00:00Z 2026-11-27T10:00:00Z " ]
	[ "$(jqr .class <<<"$output" | tr '\n' ' ')" = "hard hard soft " ]
}

@test "esp: Mailjet grouped events (version 2 array)" {
	run bounce-parse -d "$W/mailjet.json"
	[ "$status" -eq 0 ]
	# a duplicate in a campaign (another copy went out) and the open give nothing
	[ "$(wc -l <<<"$output")" -eq 5 ]
	[ "$(sed -n 1p <<<"$output" | pick)" = '["2026-11-27T10:00:00Z","nobody@example.com","failed","5.1.1",550,"userunknown","hard","mailjet"]' ]
	# MessageID is a 17-digit number: kept exactly
	[ "$(sed -n 1p <<<"$output" | jqr .msgid)" = "19421777396190490" ]
	# hard_bounce false: soft, and the error table names the reason
	picks <<-'EOF'
	2 ["2026-11-27T10:01:00Z","full@example.net","failed",null,null,"mailboxfull","soft","mailjet"]
	3 ["2026-11-27T10:02:00Z","listed@example.com","failed",null,null,"suppressed","hard","mailjet"]
	4 ["2026-11-27T10:03:00Z","angry@example.com","complained",null,null,"feedback","none","mailjet"]
	EOF
	[ "$(sed -n 4p <<<"$output" | jqr .diag)" = "JMRPP" ]
	[ "$(sed -n 5p <<<"$output" | jqr .action,.status | tr '\n' ' ')" = "delivered 2.0.0 " ]
}

@test "esp: Resend webhooks, one record per address in data.to" {
	run bounce-parse -d "$W/resend.jsonl"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 7 ]	# email.sent has no outcome
	[ "$(sed -n 1p <<<"$output" | pick)" = '["2026-11-27T10:00:01Z","nobody@example.com","failed","5.1.1",null,"userunknown","hard","resend"]' ]
	[ "$(sed -n 1p <<<"$output" | jqr .msgid)" = "56761188-7520-42d8-8898-ff6fc54ce618" ]
	# bounce subtypes as SES's: Suppressed (for good), MailboxFull (Transient)
	picks <<-'EOF'
	2 ["2026-11-27T10:01:01Z","listed@example.com","failed",null,null,"suppressed","hard","resend"]
	3 ["2026-11-27T10:02:01Z","full@example.net","failed",null,null,"mailboxfull","soft","resend"]
	EOF
	[ "$(sed -n 4p <<<"$output" | jqr .action,.class | tr '\n' ' ')" = "delayed soft " ]
	[ "$(sed -n 5p <<<"$output" | pick)" = '["2026-11-27T10:04:01Z","angry@example.com","complained",null,null,"feedback","none","resend"]' ]
	[ "$(sed -n 6,7p <<<"$output" | jqr .rcpt | tr '\n' ' ')" = "happy@example.com glad@example.com " ]
}

@test "esp: Postal webhooks, posted envelopes and a bare payload" {
	run bounce-parse -d "$W/postal.jsonl"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 6 ]	# the link click has no outcome
	[ "$(sed -n 1p <<<"$output" | pick)" = '["2026-11-27T10:00:00Z","happy@example.com","delivered","2.0.0",250,"delivered","none","postal"]' ]
	[ "$(sed -n 2p <<<"$output" | jqr .action,.status,.code,.class | tr '\n' ' ')" = "delayed 4.7.1 451 soft " ]
	[ "$(sed -n 3p <<<"$output" | pick)" = '["2026-11-27T10:02:00Z","nobody@example.net","failed","5.1.1",550,"userunknown","hard","postal"]' ]
	[ "$(sed -n 3p <<<"$output" | jqr .from,.msgid | tr '\n' ' ')" = "sales@sender.example 5817a64332f44_4ec93ff59e79d154565ed@app34.mail " ]
	# held by Postal: not tried yet
	[ "$(sed -n 4p <<<"$output" | pick)" = '["2026-11-27T10:03:00Z","held@example.com","delayed",null,null,"onhold","soft","postal"]' ]
	[ "$(sed -n 5p <<<"$output" | jqr .rcpt,.action | tr '\n' ' ')" = "left@example.org failed " ]
	[ "$(sed -n 6p <<<"$output" | pick)" = '["2026-11-27T10:06:00Z","filtered@example.com","failed","5.7.1",550,"spamdetected","soft","postal"]' ]
}

@test "esp: Amazon SES events through EventBridge" {
	run bounce-parse -d "$W/ses-eventbridge.json"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 4 ]	# Sending Status Disabled is about the account
	[ "$(sed -n 1p <<<"$output" | pick)" = '["2026-11-27T10:00:01Z","nobody@example.com","failed","5.1.1",550,"userunknown","hard","ses"]' ]
	[ "$(sed -n 1p <<<"$output" | jqr .msgid,.qid,.rhost | tr '\n' ' ')" = "<news-1@sender.example> 0102018a-aaaa-0001 a1-2.smtp-out.eu-west-1.amazonses.com " ]
	picks <<-'EOF'
	2 ["2026-11-27T10:04:59Z","full@example.net","delayed","4.2.2",452,"mailboxfull","soft","ses"]
	3 ["2026-11-27T10:59:59Z","angry@example.com","complained",null,null,"feedback","none","ses"]
	EOF
	[ "$(sed -n 4p <<<"$output" | jqr .action,.rhost | tr '\n' ' ')" = "delivered 198.51.100.30 " ]
	# another service's EventBridge event is nobody's
	run bounce-parse - <<<'{"detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{"state":"running"}}'
	[ "$status" -eq 2 ]
	[[ "$output" == *"not a known webhook event"* ]]
}

@test "esp: Amazon SES Reject, a complaint that is a suppression, Undetermined; no outcome in the others" {
	run bounce-parse -d "$W/ses-doc-types.jsonl"
	[ "$status" -eq 0 ]
	# Rendering Failure, Subscription and Send are no delivery outcome
	[ "$(wc -l <<<"$output")" -eq 5 ]
	# Reject: SES found a virus and tried none of the message's destinations
	picks <<-'EOF'
	1 ["2026-11-27T12:00:00Z","recipient@example.com","failed",null,null,"virusdetected","soft","ses"]
	2 ["2026-11-27T12:00:00Z","second@example.org","failed",null,null,"virusdetected","soft","ses"]
	EOF
	[ "$(sed -n 1p <<<"$output" | jqr .diag,.msgid | tr '\n' ' ')" = "Bad content 0102017f-bbbb-0001 " ]
	# complaintSubType OnAccountSuppressionList: not sent, no complaint
	picks <<-'EOF'
	3 ["2026-11-27T12:01:00Z","listed@example.com","failed",null,null,"suppressed","hard","ses"]
	4 ["2026-11-27T12:02:00Z","angry@example.com","complained",null,null,"feedback","none","ses"]
	5 ["2026-11-27T12:03:00Z","unsure@example.net","failed",null,null,"undefined","soft","ses"]
	EOF
	[ "$(sed -n 4p <<<"$output" | jqr .diag)" = "abuse" ]
}

@test "esp: Mailjet errors: blacklisted and spam reporter are not sent, typofix, greylisted is retried" {
	run bounce-parse -d "$W/mailjet-errors.json"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 4 ]	# the unsub has no outcome
	picks <<-'EOF'
	1 ["2026-11-27T10:00:00Z","listed@example.com","failed",null,null,"suppressed","hard","mailjet"]
	2 ["2026-11-27T10:01:00Z","reporter@example.com","failed",null,null,"suppressed","hard","mailjet"]
	# a typo in the domain (example.con): the domain does not exist
	3 ["2026-11-27T10:02:00Z","typo@example.con","failed",null,null,"hostunknown","hard","mailjet"]
	EOF
	[ "$(sed -n 4p <<<"$output" | jqr .rcpt,.action,.class | tr '\n' ' ')" = "grey@example.org delayed soft " ]
}

@test "esp: SendGrid dropped reasons: the content, the plan's quota, a bad header, a spam reporter" {
	run bounce-parse -d "$W/sendgrid-dropped.json"
	[ "$status" -eq 0 ]
	picks <<-'EOF'
	1 ["2026-11-27T10:00:00Z","flagged@example.com","failed","5.0.0",null,"spamdetected","soft","sendgrid"]
	# the account's quota of recipients, not the recipient's mailbox
	2 ["2026-11-27T10:01:00Z","over@example.com","failed","5.0.0",null,"exceedlimit","soft","sendgrid"]
	3 ["2026-11-27T10:02:00Z","header@example.com","failed","5.0.0",null,"undefined","soft","sendgrid"]
	4 ["2026-11-27T10:03:00Z","reporter@example.com","failed","5.0.0",null,"suppressed","hard","sendgrid"]
	EOF
}

@test "esp: Postmark: Inactive settles a bounce of unknown type; Subscribe and ChallengeVerification are no failure" {
	run bounce-parse -d "$W/postmark-types.jsonl"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 2 ]
	picks <<-'EOF'
	# deactivated: Postmark sends the address nothing more
	1 ["2026-11-27T12:00:00Z","gone@example.com","failed",null,554,"undefined","hard","postmark"]
	2 ["2026-11-27T12:01:00Z","active@example.com","failed",null,554,"undefined","soft","postmark"]
	EOF
}

@test "esp: a Brevo error event: not sent, soft" {
	run bounce-parse -d "$W/brevo-error.jsonl"
	[ "$status" -eq 0 ]
	[ "$(pick <<<"$output")" = '["2026-11-27T10:00:00Z","unlucky@example.com","failed",null,null,"undefined","soft","brevo"]' ]
	[ "$(jqr .diag <<<"$output")" = "Sending has been rejected because the sender you used is not valid" ]
}

@test "esp: MailerSend webhooks" {
	run bounce-parse -d "$W/mailersend.jsonl"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 4 ]	# sent (no reply yet) and opened have no outcome
	picks <<-'EOF'
	1 ["2026-11-27T10:00:00Z","nobody@example.com","failed","5.1.1",550,"userunknown","hard","mailersend"]
	2 ["2026-11-27T10:01:00Z","full@example.net","failed","4.2.2",452,"mailboxfull","soft","mailersend"]
	3 ["2026-11-27T10:03:00Z","happy@example.org","delivered",null,null,"delivered","none","mailersend"]
	4 ["2026-11-27T10:04:00Z","angry@example.com","complained",null,null,"feedback","none","mailersend"]
	EOF
	[ "$(sed -n 1p <<<"$output" | jqr .from,.msgid | tr '\n' ' ')" = "test@sender.example 5fc0d003f718c90162347411 " ]
	[ "$(sed -n 1p <<<"$output" | jqr .diag)" = "550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in virtual mailbox table" ]
	# without -d: the bounces and the complaint
	run bounce-parse "$W/mailersend.jsonl"
	[ "$(jqr .action <<<"$output" | tr '\n' ' ')" = "failed failed complained " ]
}

@test "esp: SMTP2GO webhooks (JSON output)" {
	run bounce-parse -d "$W/smtp2go.jsonl"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 5 ]	# processed (still tried) and unsubscribe have no outcome
	picks <<-'EOF'
	1 ["2026-11-27T10:00:00Z","nobody@example.com","failed","5.1.1",550,"userunknown","hard","smtp2go"]
	2 ["2026-11-27T10:01:00Z","full@example.net","failed","4.2.2",452,"mailboxfull","soft","smtp2go"]
	# reject: not sent to an address on the suppressions
	3 ["2026-11-27T10:02:00Z","gone@example.org","failed",null,null,"suppressed","hard","smtp2go"]
	4 ["2026-11-27T10:03:05Z","happy@example.com","delivered","2.0.0",250,"delivered","none","smtp2go"]
	5 ["2026-11-27T10:04:00Z","angry@example.com","complained",null,null,"feedback","none","smtp2go"]
	EOF
	[ "$(sed -n 1p <<<"$output" | jqr .rhost,.from,.msgid | tr '\n' ' ')" = "mx.example.com bounces@sender.example 1tAbCd-4fDe3y-2a " ]
	[ "$(sed -n 3p <<<"$output" | jqr .diag)" = "Recipient is on the suppression list (hard bounce)" ]
	# a bounce without its hard or soft: the class from the reply
	run bounce-parse - <<<'{"event":"bounce","time":"2026-11-27T10:06:00Z","rcpt":"x@example.com","email_id":"1","message":"452 4.2.2 Mailbox full"}'
	[ "$(jq -c '[.action, .reason, .class]' <<<"$output")" = '["failed","mailboxfull","soft"]' ]
}

@test "esp: Azure Communication Services delivery reports, Event Grid schema and CloudEvents" {
	run bounce-parse -d "$W/azure.json" "$W/azure-cloudevents.jsonl"
	[ "$status" -eq 0 ]
	# the engagement report and the subscription validation have no outcome
	[ "$(wc -l <<<"$output")" -eq 6 ]
	picks <<-'EOF'
	# Bounced: a hard bounce
	1 ["2026-11-27T10:00:00Z","nobody@example.com","failed","5.1.1",550,"userunknown","hard","azure"]
	2 ["2026-11-27T10:01:00Z","happy@example.org","delivered",null,null,"delivered","none","azure"]
	3 ["2026-11-27T10:02:00Z","listed@example.com","failed",null,null,"suppressed","hard","azure"]
	4 ["2026-11-27T10:03:00Z","guarded@example.net","failed",null,null,"spamdetected","soft","azure"]
	# Failed: the class from the reply
	5 ["2026-11-27T10:04:00Z","full@example.net","failed","5.2.2",552,"mailboxfull","soft","azure"]
	6 ["2026-11-27T10:06:00Z","quarantined@example.com","failed",null,null,"filtered","soft","azure"]
	EOF
	[ "$(sed -n 1p <<<"$output" | jqr .rhost,.from,.msgid,.qid | tr '\n' ' ')" = "example-com.mail.protection.outlook.com senderid@sender.example <00000000-0000-0000-0000-0000000000a1@sender.example> 00000000-0000-0000-0000-0000000000a1 " ]
	[ "$(sed -n 1p <<<"$output" | jqr .diag)" = "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found" ]
	# a status added later is a failure; another service's Event Grid event is nobody's
	run bounce-parse - <<<'{"eventType":"Microsoft.Communication.EmailDeliveryReportReceived","eventTime":"2026-11-27T10:08:00Z","data":{"recipient":"new@example.com","status":"SomethingNew"}}'
	[ "$(jqr .action,.class <<<"$output" | tr '\n' ' ')" = "failed soft " ]
	run bounce-parse - <<<'{"eventType":"Microsoft.Storage.BlobCreated","eventTime":"2026-11-27T10:08:00Z","data":{"url":"x"}}'
	[ "$status" -eq 2 ]
	[[ "$output" == *"not a known webhook event"* ]]
}

@test "esp: MailerSend, SMTP2GO and Azure events without a recipient or with odd values" {
	printf '%s\n' \
	    '{"type":"activity.hard_bounced","data":{"email":{"recipient":{}}}}' \
	    '{"eventType":"Microsoft.Communication.EmailDeliveryReportReceived","data":{"status":"Bounced"}}' \
	    '{"type":"activity.soft_bounced","created_at":5,"data":{"created_at":[],"email":{"recipient":{"email":"a@example.com"},"message":7},"morph":"x"}}' \
	    '{"type":"Microsoft.Communication.EmailDeliveryReportReceived","time":{},"data":{"recipient":"b@example.com","status":3,"deliveryStatusDetails":[]}}' \
	    '{"event":"bounce","rcpt":"","email_id":"1"}' \
	    '{"event":"bounce","rcpt":"c@example.com","email_id":[],"bounce":7,"time":null,"host":{}}' \
	    >"$BATS_TEST_TMPDIR/bad.jsonl"
	run bounce-parse -d "$BATS_TEST_TMPDIR/bad.jsonl"
	[ "$status" -eq 2 ]
	[[ "$output" == *"bad.jsonl:1: mailersend event without a recipient address"* ]]
	[[ "$output" == *"bad.jsonl:2: azure event without a recipient address"* ]]
	[[ "$output" == *"bad.jsonl:5: smtp2go event without a recipient address"* ]]
	[ "$(grep '^{' <<<"$output" | jq -c '[.rcpt, .action, .class]' | tr '\n' ' ')" = '["a@example.com","failed","soft"] ["b@example.com","failed","soft"] ["c@example.com","failed","soft"] ' ]
}

@test "esp: each provider is detected per object in one mixed array, and -f holds to one" {
	for f in sparkpost-batch.json mandrill.json mailjet.json ses-eventbridge.json; do
		jq -c '.[0]' "$W/$f"
	done >"$BATS_TEST_TMPDIR/mixed.jsonl"
	for f in brevo.jsonl resend.jsonl postal.jsonl sendgrid.json mailersend.jsonl smtp2go.jsonl; do
		if [ "${f##*.}" = json ]; then jq -c '.[2]' "$W/$f"; else head -1 "$W/$f"; fi
	done >>"$BATS_TEST_TMPDIR/mixed.jsonl"
	jq -c '.[0]' "$W/azure.json" >>"$BATS_TEST_TMPDIR/mixed.jsonl"
	jq -s . "$BATS_TEST_TMPDIR/mixed.jsonl" >"$BATS_TEST_TMPDIR/mixed.json"
	run bounce-parse -d "$BATS_TEST_TMPDIR/mixed.json"
	[ "$status" -eq 0 ]
	[ "$(jqr .source <<<"$output" | tr '\n' ' ')" = "sparkpost mandrill mailjet ses brevo resend postal sendgrid mailersend smtp2go azure " ]
	for p in sparkpost mandrill brevo sendinblue mailjet resend postal mailersend smtp2go azure; do
		run bounce-parse -d -f "$p" "$BATS_TEST_TMPDIR/mixed.json"
		[ "$status" -eq 2 ]
		[ "$(grep -c '^{' <<<"$output")" -eq 1 ]
		[ "$(grep -c 'not a known webhook event of' <<<"$output")" -eq 1 ]
	done
}

@test "esp: events without a recipient or with a bad one are reported, the rest is read" {
	printf '%s\n' \
	    '{"msys":{"message_event":{"type":"bounce","bounce_class":"10","timestamp":"1795773600"}}}' \
	    '{"event":"hard_bounce","ts":1795773600,"msg":{"ts":1795773600,"state":"bounced","_id":"1"}}' \
	    '{"event":"hard_bounce","email":"not an address","ts_event":1795773600,"message-id":"<m@x>"}' \
	    '{"event":"bounce","time":1795773600,"MessageID":1,"email":"","hard_bounce":true}' \
	    '{"type":"email.bounced","created_at":"2026-11-27T10:00:00Z","data":{"email_id":"x","to":[]}}' \
	    '{"event":"MessageDeliveryFailed","timestamp":1,"payload":{"status":"HardFail","message":{"token":"t","direction":"outgoing","to":null}}}' \
	    '{"event":"delivered","email":"ok@example.com","ts_event":1795773600,"message-id":"<m@x>"}' \
	    >"$BATS_TEST_TMPDIR/bad.jsonl"
	run bounce-parse -d "$BATS_TEST_TMPDIR/bad.jsonl"
	[ "$status" -eq 2 ]
	[ "$(grep '^{' <<<"$output" | jqr .rcpt)" = "ok@example.com" ]
	[[ "$output" == *"bad.jsonl:1: sparkpost event without a recipient address"* ]]
	[[ "$output" == *"bad.jsonl:2: mandrill event without a recipient address"* ]]
	[[ "$output" == *"bad.jsonl:3: not an address"* ]]
	[[ "$output" == *"bad.jsonl:4: mailjet event without a recipient address"* ]]
	[[ "$output" == *"bad.jsonl:5: resend event without a recipient address"* ]]
	[[ "$output" == *"bad.jsonl:6: postal event without a recipient address"* ]]
}

@test "esp: odd values (numbers for strings, unknown types and classes) do no harm" {
	printf '%s\n' \
	    '{"msys":{"message_event":{"type":"bounce","bounce_class":[],"rcpt_to":"a@example.com","timestamp":1795773600,"error_code":{}}}}' \
	    '{"msys":{"message_event":{"type":"bounce","bounce_class":"80","rcpt_to":"b@example.com","timestamp":"x"}}}' \
	    '{"msys":{"message_event":{"type":"new_kind","rcpt_to":"c@example.com"}}}' \
	    '{"event":"hard_bounce","ts":"soon","msg":{"email":"d@example.com","smtp_events":[{"diag":5},null]}}' \
	    '{"event":"bounce","time":1e300,"MessageID":-5,"email":"e@example.com","hard_bounce":"yes","error":7}' \
	    '{"type":"email.bounced","created_at":7,"data":{"to":"f@example.com","bounce":{"type":[],"subType":null}}}' \
	    '{"event":"MessageHeld","payload":{"status":"Held","message":{"token":1,"direction":2,"to":"g@example.com"}}}' \
	    >"$BATS_TEST_TMPDIR/odd.jsonl"
	touch -d '2026-12-01T00:00:00Z' "$BATS_TEST_TMPDIR/odd.jsonl"
	run bounce-parse -d "$BATS_TEST_TMPDIR/odd.jsonl"
	[ "$status" -eq 0 ]
	# class 80 (a subscribe request) and an unknown type are no outcome
	[ "$(jqr .rcpt <<<"$output" | tr '\n' ' ')" = "a@example.com d@example.com e@example.com f@example.com g@example.com " ]
	[ "$(jq -r 'select(.time == null)' <<<"$output")" = "" ]
}
