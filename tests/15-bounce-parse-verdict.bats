#!/usr/bin/env bats
# The classifier: every rule from a first source with a fixture written from
# it (fixtures/rules/replies.tsv), the safe hard verdict, bounce-parse --why
# and --explain with reply lines and the rule list.

load helper

R="$FIXTURES/rules"

@test "verdict: each fixture written from a source gives its reason, class and rule" {
	grep -v '^#' "$R/replies.tsv" | cut -f1 >"$BATS_TEST_TMPDIR/lines"
	grep -v '^#' "$R/replies.tsv" | cut -f2-4 >"$BATS_TEST_TMPDIR/want"
	bounce-parse -e - <"$BATS_TEST_TMPDIR/lines" |
	    jqr '[.reason, .class, .reason_rule] | @tsv' >"$BATS_TEST_TMPDIR/got"
	run diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/want")" -ge 70 ]
}

@test "verdict: every rule names its source" {
	run bounce-parse -e rules
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -ge 250 ]
	[ "$(jqr 'select((.source // "") == "" or (.rule // "") == "") | .rule' <<<"$output")" = "" ]
	# Text rules give a reason; marks (command, expiry, quote, temporary) none.
	[ "$(jqr 'select(.kind == "text" and .reason == null) | .rule' <<<"$output")" = "" ]
	[ "$(jqr 'select(.kind == "expiry") | .rule' <<<"$output" | grep -c .)" -ge 8 ]
}

@test "verdict: no text rule is hidden by an earlier one (each decides on its own)" {
	bounce-parse -e rules | jqr 'select(.kind == "text") | .rule' >"$BATS_TEST_TMPDIR/rules"
	sed 's/^/RCPT TO: 550 /' "$BATS_TEST_TMPDIR/rules" | bounce-parse -e - |
	    jqr .reason_rule >"$BATS_TEST_TMPDIR/got"
	run diff "$BATS_TEST_TMPDIR/rules" "$BATS_TEST_TMPDIR/got"
	echo "$output"
	[ "$status" -eq 0 ]
}

# Replies for which a hard verdict would be wrong: temporary, about the
# sender, a policy, a rate limit, greylisting, an expiry.
@test "verdict: temporary, sender-side and policy failures are never hard" {
	cat >"$BATS_TEST_TMPDIR/never-hard" <<-'EOT'
	Host or domain name not found. Name service error for name=example.org type=MX: Host not found, try again
	Name service error for name=example.org type=MX: Malformed or unexpected name server reply
	Host or domain name not found. Name service error for name=example.org type=A: Host not found (#4.4.3)
	450 4.1.2 <nobody@example.org>: Recipient address rejected: Domain not found
	450 4.1.1 <nobody@example.org>: Recipient address rejected: User unknown in virtual alias table
	Sorry, I couldn't find any host by that name. (#4.1.2)
	MAIL FROM: 553 5.1.8 <sender@nxdomain.example>: Sender address rejected: Domain not found
	550 5.1.8 <sender@nxdomain.example>... Domain of sender address sender@nxdomain.example does not exist
	550 5.1.7 Bad sender's mailbox address syntax
	550 5.1.1 <sender@example.net>: User unknown (in reply to MAIL FROM command)
	SMTP error from remote mail server after MAIL FROM:<sender@example.net>: 550 5.1.1 no such user
	Connected to 192.0.2.1 but sender was rejected. Remote host said: 553 sorry, no mailbox here by that name
	554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org
	550 5.7.1 Rejected: 192.0.2.1 listed at bl.example.net
	550 5.7.23 SPF validation failed
	550 5.7.26 Unauthenticated email from example.net is not accepted due to domain's DMARC policy
	554 5.7.1 <nobody@example.org>: Recipient address rejected: Access denied
	550 5.1.8 Domain not found
	550 5.1.7 <sender@example.net>: user unknown
	DNS lookup for example.org failed: SERVFAIL
	Name service error for name=example.org type=MX: Non-recoverable error
	unable to find primary relay for example.org
	delivery temporarily suspended: host mx.example.org[192.0.2.1] said: 550 5.1.1 User unknown
	550 5.3.2 STOREDRV.Deliver; Missing or bad mailbox Database property
	RCPT TO: 550 5.7.129 RESOLVER.RST.RestrictedToRecipientsPermission; you are not allowed to send to this recipient
	RCPT TO: 554 Invalid IP for sending mail of domain example.net
	RCPT TO: 554 5.0.0 Service unavailable
	RCPT TO: 550 5.0.350 Generic error, x-dg-ref header is too long
	421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints
	450 4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered.
	450 4.7.1 <nobody@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html
	550 5.7.28 Mail flood detected
	550 5.1.1 User unknown, try again later
	SMTP error from remote mail server after RCPT TO:<nobody@example.org>: 450 4.1.1 User unknown: retry timeout exceeded
	Connection timed out: retry timeout exceeded
	Envelope expired
	I'm not going to try again; this message has been in the queue too long.
	554 5.7.0 <nobody@example.org>: Recipient address rejected: No relaying
	554 5.0.0 <nobody@example.org>: Recipient address rejected: Mailer error
	553 Mail from 192.0.2.1 not allowed
	550 5.4.4 Unable to route: temporary DNS failure
	550 5.1.1 unverified sender address
	550 5.1.1 Unknown sender
	550 5.1.1 The sender's address does not exist
	550 5.1.1 <sender@example.net>... User unknown, sender address verification failed
	550 5.1.1 <nobody@example.org>: mailbox unavailable, please try later
	450 4.1.2 example.org: Unknown host
	EOT
	run sh -c "bounce-parse -e - <'$BATS_TEST_TMPDIR/never-hard' | jq -r 'select(.class == \"hard\") | .input'"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ "$(bounce-parse -e - <"$BATS_TEST_TMPDIR/never-hard" | wc -l)" -eq 47 ]
}

@test "verdict: the text wins over a generic code, a specific code over a vague text" {
	[ "$(bounce-parse -e '550 5.0.0 Mailbox is full' | jqr .reason)" = mailboxfull ]
	[ "$(bounce-parse -e '550 5.7.1 Message rejected under suspicion of SPAM' | jqr .reason)" = spamdetected ]
	[ "$(bounce-parse -e '550 5.0.0 <x@example.org>... User unknown' | jqr .reason)" = filtered ]
	[ "$(bounce-parse -e 'RCPT TO: 550 5.0.0 <x@example.org>... User unknown' | jqr .class)" = hard ]
	[ "$(bounce-parse -e '552 5.2.2 Access denied' | jqr .reason)" = mailboxfull ]
	# At MAIL FROM a vague refusal is the sender's; one that names the
	# client's IP stays about the client.
	[ "$(bounce-parse -e 'MAIL FROM: 550 5.7.1 Access denied' | jqr .reason)" = rejected ]
	[ "$(bounce-parse -e 'MAIL FROM: 550 5.7.1 Your IP 192.0.2.1 is blocked' | jqr .reason)" = blocked ]
}

@test "verdict: --explain takes the SMTP command before a reply line" {
	run bounce-parse -e 'RCPT TO:<nobody@example.org> 550 5.1.1 User unknown'
	[ "$status" -eq 0 ]
	[ "$(jqr '[.command, .code, .status, .reason, .class] | join(" ")' <<<"$output")" = "RCPT TO 550 5.1.1 userunknown hard" ]
	run bounce-parse -e 'MAIL FROM:<sender@example.net> 550 5.1.1 User unknown'
	[ "$(jqr '[.command, .reason, .class] | join(" ")' <<<"$output")" = "MAIL FROM rejected soft" ]
	[[ "$(jqr .reason_rule <<<"$output")" == *"MAIL FROM"* ]]
	run bounce-parse -e '550 5.1.1 <x@y>: User unknown (in reply to MAIL FROM command)'
	[ "$(jqr .command <<<"$output")" = "MAIL FROM" ]
}

@test "verdict: --explain of a status code keeps its titles and adds the rules" {
	run bounce-parse -e 5.2.2
	[ "$status" -eq 0 ]
	[ "$(jqr '[.status, .detail_title, .reason, .class, .reason_rule, .reason_source] | join("|")' <<<"$output")" = "5.2.2|Mailbox full|mailboxfull|soft|status X.2.2 (Mailbox full)|RFC 3463 (enhanced mail system status codes)" ]
	run bounce-parse -e 9.9.9
	[ "$status" -eq 2 ]
	[[ "$output" == *"not an enhanced status code"* ]]
	run bounce-parse -e ''
	[ "$status" -eq 2 ]
}

@test "verdict: --why adds the rule and source of reason and class to each record" {
	run bounce-parse --why "$FIXTURES/email/dsn-postfix.eml"
	[ "$status" -eq 0 ]
	[ "$(jqr 'keys_unsorted | .[-4:] | join(" ")' <<<"${lines[0]}")" = "reason_rule reason_source class_rule class_source" ]
	[ "$(jqr 'select(.reason_source == null or .class_source == null) | .rcpt' <<<"$output")" = "" ]
	# Without --why the records are as before.
	run bounce-parse "$FIXTURES/email/dsn-postfix.eml"
	[ "$(jqr 'has("reason_rule")' <<<"${lines[0]}")" = false ]
	# Logs and webhooks too; a reason the input sets says so.
	run bounce-parse --why -f mailgun "$FIXTURES/webhook/mailgun-items.json"
	[ "$status" -eq 0 ]
	[ -n "$(jqr .class_rule <<<"${lines[0]}")" ]
}

# The reason and class of the report in dsn.eml with its Diagnostic-Code
# reply replaced by $1.
diag_verdict() {
	sed -i "s|^Diagnostic-Code: .*|Diagnostic-Code: smtp; $1|" "$BATS_TEST_TMPDIR/dsn.eml"
	bounce-parse "$BATS_TEST_TMPDIR/dsn.eml" | jqr '[.reason, .class] | join(" ")'
}

# A Postfix notice names the command a reply answered after the reply.
postfix_dsn() {
	cat <<-EOT
	From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
	To: sender@example.net
	Subject: Undelivered Mail Returned to Sender
	MIME-Version: 1.0
	Content-Type: multipart/report; report-type=delivery-status; boundary="B"

	--B
	Content-Type: text/plain

	This is the mail system at host mx.example.net.

	<nobody@example.org>: host mx.example.org[192.0.2.25] said: 550 ${2:-5.0.0}
	    <nobody@example.org>... User unknown (in reply to $1 command)

	--B
	Content-Type: message/delivery-status

	Reporting-MTA: dns; mx.example.net

	Final-Recipient: rfc822; nobody@example.org
	Action: failed
	Status: ${2:-5.0.0}
	Diagnostic-Code: smtp; 550 ${2:-5.0.0} <nobody@example.org>... User unknown

	--B--
	EOT
}

@test "verdict: the command a reply answered is the one the notice names with it" {
	postfix_dsn 'RCPT TO' >"$BATS_TEST_TMPDIR/rcpt.eml"
	run bounce-parse "$BATS_TEST_TMPDIR/rcpt.eml"
	[ "$(jqr '[.reason, .class] | join(" ")' <<<"$output")" = "userunknown hard" ]
	postfix_dsn 'end of DATA' >"$BATS_TEST_TMPDIR/data.eml"
	run bounce-parse "$BATS_TEST_TMPDIR/data.eml"
	[ "$(jqr '[.reason, .class] | join(" ")' <<<"$output")" = "filtered soft" ]
	# A specific recipient's status does not make a reply to MAIL FROM
	# the recipient's: the notice is read for the command all the same.
	postfix_dsn 'MAIL FROM' 5.1.1 >"$BATS_TEST_TMPDIR/mail.eml"
	run bounce-parse "$BATS_TEST_TMPDIR/mail.eml"
	[ "$(jqr '[.reason, .class] | join(" ")' <<<"$output")" = "rejected soft" ]
	postfix_dsn 'RCPT TO' 5.1.1 >"$BATS_TEST_TMPDIR/rcpt511.eml"
	run bounce-parse "$BATS_TEST_TMPDIR/rcpt511.eml"
	[ "$(jqr '[.reason, .class] | join(" ")' <<<"$output")" = "userunknown hard" ]
	# In a transcript the command is the one sent just before the reply.
	run bounce-parse -e '... while talking to mx.example.org.: >>> RCPT To:<nobody@example.org> <<< 250 OK >>> DATA <<< 550 5.0.0 User unknown'
	[ "$(jqr '[.reason, .class] | join(" ")' <<<"$output")" = "filtered soft" ]
}

@test "verdict: a delay notice that says no more than 'retrying' is no expiry, never hard" {
	run bounce-parse -e 'Message will be retried for 2 more day(s)'
	[ "$(jqr '[.reason, .class] | join(" ")' <<<"$output")" = "expired soft" ]
	cat >"$BATS_TEST_TMPDIR/delay.eml" <<-'EOT'
	From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
	To: sender@example.net
	Subject: Delayed Mail (still being retried)
	MIME-Version: 1.0
	Content-Type: multipart/report; report-type=delivery-status; boundary="B"

	--B
	Content-Type: text/plain

	This is the mail system at host mx.example.net.

	####################################################################
	# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #
	####################################################################

	--B
	Content-Type: message/delivery-status

	Reporting-MTA: dns; mx.example.net

	Final-Recipient: rfc822; nobody@example.org
	Action: delayed
	Status: 4.0.0
	Diagnostic-Code: X-Postfix; temporary failure

	--B--
	EOT
	run bounce-parse -d "$BATS_TEST_TMPDIR/delay.eml"
	# a warning is no expiry: the MTA is still retrying (issue 13)
	[ "$(jqr '[.action, .reason, .class] | join(" ")' <<<"$output")" = "delayed undefined soft" ]
	# A delayed report is never hard, even with a permanent-looking reply:
	# its MTA says it will try again (RFC 3464 2.3.3).
	sed -e 's/^Status: 4.0.0/Status: 5.1.1/' \
	    -e 's/^Diagnostic-Code: .*/Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.org>: User unknown/' \
	    "$BATS_TEST_TMPDIR/delay.eml" >"$BATS_TEST_TMPDIR/delay5.eml"
	run bounce-parse -d -x "$BATS_TEST_TMPDIR/delay5.eml"
	[ "$(jqr '[.action, .reason, .class] | join(" ")' <<<"$output")" = "delayed userunknown soft" ]
	[[ "$(jqr .class_rule <<<"$output")" == *"delayed"* ]]
	# The same where a reader sets the reason (an ESP's deferral).
	run sh -c "echo '[{\"email\":\"nobody@example.org\",\"timestamp\":1700000000,\"event\":\"deferred\",\"response\":\"550 5.1.1 <nobody@example.org>: User unknown\"}]' | bounce-parse -x -f sendgrid"
	[ "$status" -eq 0 ]
	[ "$(jqr '[.action, .class] | join(" ")' <<<"$output")" = "delayed soft" ]
	[[ "$(jqr .class_rule <<<"$output")" == *"delayed"* ]]
}

@test "verdict: a bare refusal at RCPT TO is the recipient's whatever words the notice puts around the reply" {
	# Exim's notice names the command before the reply, qmail-send's ends
	# it with "Giving up on": the reply alone says only "Rejected".
	cat >"$BATS_TEST_TMPDIR/exim.eml" <<-'EOT'
	From: Mail Delivery System <Mailer-Daemon@mx.example.net>
	To: sender@example.net
	Subject: Mail delivery failed: returning message to sender
	X-Failed-Recipients: nobody@example.org

	This message was created automatically by mail delivery software.

	A message that you sent could not be delivered to one or more of its
	recipients. This is a permanent error. The following address(es) failed:

	  nobody@example.org
	    host mx.example.org [192.0.2.1]
	    SMTP error from remote mail server after RCPT TO:<nobody@example.org>:
	    542 nobody@example.org Rejected
	EOT
	run bounce-parse "$BATS_TEST_TMPDIR/exim.eml"
	[ "$(jqr '[.reason, .class] | join(" ")' <<<"$output")" = "userunknown hard" ]
	cat >"$BATS_TEST_TMPDIR/qmail.eml" <<-'EOT'
	From: MAILER-DAEMON@mx.example.net
	To: sender@example.net
	Subject: failure notice

	Hi. This is the qmail-send program at mx.example.net.
	I'm afraid I wasn't able to deliver your message to the following addresses.
	This is a permanent error; I've given up. Sorry it didn't work out.

	<nobody@example.org>:
	192.0.2.1 does not like recipient.
	Remote host said: 550 5.0.0 <nobody@example.org>... Rejected
	Giving up on 192.0.2.1.

	--- Below this line is a copy of the message.
	EOT
	run bounce-parse "$BATS_TEST_TMPDIR/qmail.eml"
	[ "$(jqr '[.reason, .class] | join(" ")' <<<"$output")" = "userunknown hard" ]
	# hMailServer names the command it sent last (SMTPClientConnection.cpp).
	cat >"$BATS_TEST_TMPDIR/hms.eml" <<-'EOT'
	From: mailer-daemon@mx.example.net
	To: sender@example.net
	Subject: Message undeliverable: test

	Your message did not reach some or all of the intended recipients.

	The following recipient(s) could not be reached:

	nobody@example.org
	   Error Type: SMTP
	   Remote server (192.0.2.1) issued an error.
	   hMailServer sent: RCPT TO:<nobody@example.org>
	   Remote server replied: 542 nobody@example.org Rejected

	EOT
	run bounce-parse "$BATS_TEST_TMPDIR/hms.eml"
	[ "$(jqr '[.reason, .class] | join(" ")' <<<"$output")" = "userunknown hard" ]
	sed -i 's/hMailServer sent: RCPT TO:<nobody@example.org>/hMailServer sent: MAIL FROM:<sender@example.net>/; s/542 nobody@example.org Rejected/550 5.1.1 <sender@example.net>: User unknown/' "$BATS_TEST_TMPDIR/hms.eml"
	run bounce-parse "$BATS_TEST_TMPDIR/hms.eml"
	[ "$(jqr '[.reason, .class] | join(" ")' <<<"$output")" = "rejected soft" ]
}

@test "verdict: a bare refusal that names the recipient is the recipient's, one that names the sender the sender's" {
	# An RFC 3464 report that does not tell the command: the reply names
	# the address it refuses (Sendmail's "<%s>... ", Postfix's "<%s>: ").
	cat >"$BATS_TEST_TMPDIR/dsn.eml" <<-'EOT'
	From: MAILER-DAEMON@mx.example.net
	To: sender@example.net
	Subject: Delivery Status Notification (Failure)
	MIME-Version: 1.0
	Content-Type: multipart/report; report-type=delivery-status; boundary="B"

	--B
	Content-Type: text/plain

	Delivery to the following recipient failed permanently: nobody@example.org

	--B
	Content-Type: message/delivery-status

	Reporting-MTA: dns; mx.example.net

	Final-Recipient: rfc822; nobody@example.org
	Action: failed
	Status: 5.0.0
	Diagnostic-Code: smtp; 542 nobody@example.org Rejected

	--B
	Content-Type: text/rfc822-headers

	From: sender@example.net
	To: nobody@example.org
	Subject: test

	--B--
	EOT
	run bounce-parse -x "$BATS_TEST_TMPDIR/dsn.eml"
	[ "$status" -eq 0 ]
	[ "$(jqr '[.reason, .class] | join(" ")' <<<"$output")" = "userunknown hard" ]
	jqr .reason_rule <<<"$output" | grep -q "names the recipient's address"
	# The same words about another address (the sender's, at MAIL FROM
	# unsaid) tell nothing about the recipient.
	[ "$(diag_verdict '550 sender@example.net Rejected')" = "rejected soft" ]
	# Nor does one that names an address that is neither.
	[ "$(diag_verdict '550 someone@example.com Rejected')" = "undefined soft" ]
	# A recipient's word about the sender's address is a sender check
	# (Sendmail names the address an error is about: "<%s>... "): never
	# hard for the recipient.
	[ "$(diag_verdict '550 5.1.1 <sender@example.net>... User unknown')" = "rejected soft" ]
	[ "$(diag_verdict '550 5.1.1 <nobody@example.org>... User unknown')" = "userunknown hard" ]
	# A refusal with a reason of its own is not bare.
	[[ "$(diag_verdict '550 nobody@example.org Rejected: over the sending rate')" == *" soft" ]]
}

# Sendmail's prog mailer (cf/mailer/local.m4: T=X-Unix/X-Unix/X-Unix) names
# the program it delivered to in X-Actual-Recipient; where nothing says
# more, the program failed.
@test "verdict: a failure of delivery to a program is the mailer's" {
	cat >"$BATS_TEST_TMPDIR/prog.eml" <<-'EOT'
	From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>
	To: <sender@example.net>
	Subject: Returned mail: see transcript for details
	MIME-Version: 1.0
	Content-Type: multipart/report; report-type=delivery-status; boundary="B"

	--B

	   ----- The following addresses had permanent fatal errors -----
	"|/usr/local/bin/filter"
	    (expanded from: <nobody@example.org>)

	--B
	Content-Type: message/delivery-status

	Reporting-MTA: dns; mx.example.org

	Final-Recipient: RFC822; nobody@example.org
	X-Actual-Recipient: X-Unix; |/usr/local/bin/filter
	Action: failed
	Status: 5.3.0

	--B--
	EOT
	run bounce-parse "$BATS_TEST_TMPDIR/prog.eml"
	[ "$status" -eq 0 ]
	[ "$(jqr '[.rcpt, .reason, .class] | join(" ")' <<<"$output")" = "nobody@example.org mailererror soft" ]
	# The address type alone says the same (prog mailer: X-Unix).
	sed 's/^X-Actual-Recipient: X-Unix; |/X-Actual-Recipient: X-Unix; /' \
	    "$BATS_TEST_TMPDIR/prog.eml" >"$BATS_TEST_TMPDIR/xunix.eml"
	run bounce-parse "$BATS_TEST_TMPDIR/xunix.eml"
	[ "$(jqr '[.rcpt, .reason, .class] | join(" ")' <<<"$output")" = "nobody@example.org mailererror soft" ]
	# A text that names a reason says more than the program's name.
	sed 's/^Status: 5.3.0$/Status: 5.2.2\nDiagnostic-Code: smtp; 552 5.2.2 Mailbox is full/' \
	    "$BATS_TEST_TMPDIR/prog.eml" >"$BATS_TEST_TMPDIR/full.eml"
	run bounce-parse "$BATS_TEST_TMPDIR/full.eml"
	[ "$(jqr '[.rcpt, .reason, .class] | join(" ")' <<<"$output")" = "nobody@example.org mailboxfull soft" ]
	# Without X-Actual-Recipient: the notice names the program the
	# recipient was expanded to (savemail.c), and the status is generic.
	sed -e '/^X-Actual-Recipient/d' -e 's/^Status: 5.3.0$/Status: 5.0.0/' \
	    "$BATS_TEST_TMPDIR/prog.eml" >"$BATS_TEST_TMPDIR/expanded.eml"
	run bounce-parse "$BATS_TEST_TMPDIR/expanded.eml"
	[ "$(jqr '[.rcpt, .status, .reason, .class] | join(" ")' <<<"$output")" = "nobody@example.org 5.0.0 mailererror soft" ]
	# An address of its own there is no program's.
	sed 's/^"|\/usr\/local\/bin\/filter"$/<other@example.net>/' \
	    "$BATS_TEST_TMPDIR/expanded.eml" >"$BATS_TEST_TMPDIR/alias.eml"
	run bounce-parse "$BATS_TEST_TMPDIR/alias.eml"
	[ "$(jqr 'select(.rcpt == "nobody@example.org") | .reason' <<<"$output")" = "undefined" ]
}
