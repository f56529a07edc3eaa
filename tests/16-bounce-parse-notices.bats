#!/usr/bin/env bats
# bounce-parse on notices without a report, or whose report says little:
# delay warnings (action delayed, never failed), recipients named by a local
# part or an X.400 address, reply texts that come before the list or only
# as a label, HTML notices, notices in Japanese and Russian, and messages
# that are no bounces at all (auto-replies without the usual fields,
# challenge-response, read receipts). The fixtures were written for these
# tests from the producers' templates (tests/fixtures/email/*/README).

load helper

D="$FIXTURES/email/delay"
N="$FIXTURES/email/notice"
X="$FIXTURES/email/not-bounce"

setup() {
	T="$BATS_TEST_TMPDIR"
}

# rcpt and action, one line per event (all events: -d). Reasons are the
# classifier's (tests/11 and reason's own tests), not what is tested here.
show() { bounce-parse -d -f email "$@" | jqr '[.rcpt, .action] | join(" ")'; }
diag() { bounce-parse -d -f email "$@" | jqr .diag; }

@test "delay: Postfix, Exim, Sendmail, OpenSMTPD and Courier warnings are delayed, with or without their report" {
	for f in postfix postfix-text exim-nohost exim-text sendmail sendmail-text opensmtpd opensmtpd-text \
	    courier courier-text subject-only exchange-text; do
		run bounce-parse -d -f email "$D/$f.eml"
		[ "$status" -eq 0 ]
		[ "${#lines[@]}" -eq 1 ]
		[ "$(echo "$output" | jqr .action)" = delayed ]
	done
	[ "$(show "$D/postfix.eml")" = "ida@example.org delayed" ]
	[ "$(show "$D/sendmail-text.eml")" = "jack@example.org delayed" ]
	[ "$(show "$D/opensmtpd-text.eml")" = "kate@example.org delayed" ]
	# The subject alone says so (Exim's "Warning: message ... delayed").
	[ "$(show "$D/subject-only.eml")" = "mia@example.org delayed" ]
}

@test "give-up: a notice that gave up after temporary failures is failed, its last 4xx reply kept" {
	G="$FIXTURES/email/giveup"
	# qmail-send, Sendmail, Exim and DMA say so in their subjects and texts.
	[ "$(show "$G/qmail.eml")" = "lena@example.org failed" ]
	[ "$(show "$G/sendmail.eml")" = "mark@example.org failed" ]
	[ "$(show "$G/exim.eml")" = "nora@example.org failed" ]
	[ "$(show "$G/dma.eml")" = "omar@example.org failed" ]
	for f in qmail sendmail exim dma; do
		[ "$(bounce-parse -f email "$G/$f.eml" | jqr '.status[0:2] + .class')" = "4.soft" ]
	done
	# The text alone says it (a subject of no known producer).
	sed 's/^Subject: failure notice/Subject: about your message/' "$G/qmail.eml" >"$T/q.eml"
	[ "$(show "$T/q.eml")" = "lena@example.org failed" ]
	# Neither does: the 4xx reply is read as a delay, as before.
	sed -e 's/^Subject: failure notice/Subject: about your message/' -e '/permanent error/d' \
	    -e "/not going to try again/d" -e '/^Giving up/d' "$G/qmail.eml" >"$T/d.eml"
	[ "$(show "$T/d.eml")" = "lena@example.org delayed" ]
}

@test "delay: an Exim warning's delay reason is its diag, its boilerplate is none" {
	run bounce-parse -f email "$D/exim-nohost.eml"
	[ "$(echo "$output" | jqr '[.action, .status, .diag] | join(" | ")')" = \
	    "delayed | 4.0.0 | Delay reason: host lookup did not complete" ]
	[ "$(echo "$output" | jqr .reason)" != expired ]
	# Without a delay reason there is no diag; the reason is then the
	# classifier's for a delay that says no more (bounce-parse --why).
	run bounce-parse -f email "$D/exim-noreason.eml"
	[ "$(echo "$output" | jqr '[.action, (.diag // "null")] | join(" ")')" = "delayed null" ]
	# The closing paragraphs of warnings end a reply text.
	[[ "$(diag "$D/opensmtpd-text.eml")" != *"temporary failure report"* ]]
	[[ "$(diag "$D/exim-text.eml")" != *"No action is required"* ]]
}

@test "notice: a recipient named by its local part gets the domain of the returned message's To" {
	[ "$(show "$N/local-part.eml")" = "Henry@aol.example failed" ]
	[ "$(diag "$N/local-part.eml")" = "(reason: 550 MAILBOX NOT FOUND)" ]
	# No returned message: the domain of the MAILER-DAEMON that reports it.
	[ "$(show "$N/local-part-noorig.eml")" = "henry@aol.example failed" ]
	# A returned message that names another recipient: no guessed domain.
	sed 's/^To: Henry Example <Henry@aol.example>/To: ann@example.org/' "$N/local-part.eml" >"$T/other.eml"
	run bounce-parse -d -f email "$T/other.eml"
	[ "$status" -eq 0 ]
	[[ "$(echo "$output" | jqr .rcpt)" != henry@* ]]
	# The transcript a few lines on names it in full and holds the reply
	# (Sendmail savemail.c, deliver.c): one record, with the transcript's.
	sed -e '/^    (reason:/d' -e 's/^550 henry... User unknown/... while talking to mx.aol.example.:\n>>> RCPT To:<henry@aol.example>\n<<< 550 MAILBOX NOT FOUND/' \
	    "$N/local-part.eml" >"$T/transcript.eml"
	[ "$(show "$T/transcript.eml")" = "henry@aol.example failed" ]
	[ "$(diag "$T/transcript.eml")" = ">>> RCPT To:<henry@aol.example> <<< 550 MAILBOX NOT FOUND" ]
}

@test "notice: an X.400 recipient is the returned message's one recipient, or the one with its surname" {
	[ "$(show "$N/x400.eml")" = "ivan.petrov@corp.example failed" ]
	[[ "$(diag "$N/x400.eml")" == "The recipient name is not recognized"* ]]
	[ "$(show "$N/x400-slash.eml")" = "t.yamada@corp.example.jp failed" ]
}

@test "notice: a reply given only as the label of the recipient's line, or before the list" {
	[ "$(diag "$N/label-only.eml")" = "Unknown user" ]
	[ "$(show "$N/label-only.eml")" = "kim@example.com failed" ]
	# "Could not be delivered because of 550 ... The following recipients
	# were affected:", not the section heading after the recipient, nor the
	# quoted header fields of the message.
	[ "$(diag "$N/reason-before-list.eml")" = \
	    "Could not be delivered because of 550 5.1.1 User unknown The following recipients were affected:" ]
	run bounce-parse -d -f email "$N/reason-before-list.eml"
	[ "${#lines[@]}" -eq 1 ]
}

@test "notice: an HTML notice beside a text part that says nothing" {
	run bounce-parse -f email "$N/html-only.eml"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jqr '.rcpt + " | " + .diag')" = \
	    "ivy@example.org | Remote host said: 550 5.1.1 <ivy@example.org>: Recipient address rejected: User unknown [RCPT_TO]" ]
}

@test "not a bounce: a person's forward of a bounce, inline or of a complaint loop's notice, names no failed recipient" {
	# Inline, its report fields pasted: the quoted To is the forwarder.
	run bounce-parse -d -f email "$X/forwarded-inline.eml"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# From a mail system the same text is a notice sent on.
	sed -e 's/^From: Rita Hall <rita@sender.example.net>/From: Mail Delivery System <postmaster@gw.example.com>/' \
	    -e 's/^Subject: Fwd: /Subject: /' "$X/forwarded-inline.eml" >"$T/sys.eml"
	[ -n "$(bounce-parse -d -f email "$T/sys.eml")" ]
	# Microsoft JMRP's "complaint about message from <ip>" with the
	# message attached is a complaint; forwarded by a person ("FW:"), none.
	{ printf 'From: staff@fbl.example.com\nTo: abuse@example.net\n'
	  printf 'Subject: complaint about message from 192.0.2.9\nMIME-Version: 1.0\n'
	  printf 'Content-Type: multipart/mixed; boundary="j"\n\n--j\nContent-Type: text/plain\n\n'
	  printf 'This is a complaint.\n\n--j\nContent-Type: message/rfc822\n\n'
	  printf 'From: news@example.net\nTo: ola@example.org\nSubject: News\n\nhi\n\n--j--\n'; } >"$T/jmrp.eml"
	[ "$(bounce-parse -d -f email "$T/jmrp.eml" | jqr '[.rcpt, .action] | join(" ")')" = "ola@example.org complained" ]
	sed -e 's/^From: staff@fbl.example.com/From: Rita Hall <rita@example.net>/' \
	    -e 's/^Subject: complaint/Subject: FW: complaint/' "$T/jmrp.eml" >"$T/fw.eml"
	[ -z "$(bounce-parse -d -f email "$T/fw.eml")" ]
	# Someone's automatic reply forwarded: no vacation of the forwarder.
	{ printf 'From: Rita Hall <rita@example.net>\nTo: team@example.net\n'
	  printf 'Subject: Fwd: Out of office: November news\n\n'
	  printf -- '---------- Forwarded message ---------\nFrom: Carol Example <carol@example.org>\n'
	  printf 'Subject: Out of office: November news\n\n'
	  printf 'I am out of the office until 14 December and will read your message then.\n'; } >"$T/fv.eml"
	[ -z "$(bounce-parse -d -f email "$T/fv.eml")" ]
	sed 's/^Subject: Fwd: /Subject: /' "$T/fv.eml" >"$T/v.eml"
	[ "$(bounce-parse -d -f email "$T/v.eml" | jqr '[.rcpt, .reason] | join(" ")')" = "rita@example.net vacation" ]
}

@test "notice: the HTML twin of a text part (multipart/alternative) is not read again in its own layout" {
	# The text names nobody as failed; its HTML twin, the same words with
	# other line breaks and &nbsp; indents, does not either.
	run bounce-parse -d -f email "$X/list-rejected-alternative.eml"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# An HTML part that says more than the text is still read.
	sed 's/^at:<\/p>$/at:<\/p><p>Reason: the address list-keeper@lists.example.org: 550 5.1.1 User unknown<\/p>/' \
	    "$X/list-rejected-alternative.eml" >"$T/more.eml"
	grep -q 'list-keeper@' "$T/more.eml"
	[ -n "$(bounce-parse -d -f email "$T/more.eml")" ]
}

@test "notice: Japanese and Russian notices, recipients after labels; the sender's label is no recipient" {
	run bounce-parse -f email "$N/japanese.eml"
	[ "${#lines[@]}" -eq 1 ]
	[ "$(echo "$output" | jqr '.rcpt + " | " + .diag + " | " + .msgid')" = \
	    "taro@example.jp | 理由: 550 5.1.1 この宛先のメールアドレスは存在しません | ja-2@example.net" ]
	run bounce-parse -f email "$N/russian.eml"
	[ "${#lines[@]}" -eq 1 ]
	[ "$(echo "$output" | jqr '.rcpt + " | " + .diag')" = "ivan@example.ru | Причина: Почтовый ящик не существует" ]
}

@test "notice: an address to contact for help is no recipient, on a line of its own or in a sentence" {
	[ "$(show "$N/contact-line.eml")" = "ulla@example.org failed" ]
	# In a sentence, in a notice that names nobody else: nobody.
	sed -e '/^ulla@example.org$/d' -e 's/^    helpdesk@example.net$/Please contact <helpdesk@example.net> for help./' \
	    "$N/contact-line.eml" >"$T/sentence.eml"
	[ -z "$(show "$T/sentence.eml")" ]
	# "Could not contact" says what failed: the address after it is read.
	sed 's/^For more help, contact your mail administrator:$/We could not contact the server of:/' \
	    "$N/contact-line.eml" >"$T/could-not.eml"
	[ "$(show "$T/could-not.eml" | sort | tr '\n' ' ')" = "helpdesk@example.net failed ulla@example.org failed " ]
}

@test "notice: where nothing else names the recipient, the subject of a mail system's notice may" {
	[ "$(show "$N/subject-address.eml")" = "xavi@example.org failed" ]
	# Not the notice's addressee, nor where a mail system does not send it.
	sed 's/^Subject: Delivery failure: xavi@example.org/Subject: Delivery failure: news@example.net/' \
	    "$N/subject-address.eml" >"$T/self.eml"
	[ -z "$(show "$T/self.eml")" ]
	sed 's/^From: .*/From: Xavi <xavi@example.org>/' "$N/subject-address.eml" >"$T/person.eml"
	[ -z "$(show "$T/person.eml")" ]
}

@test "notice: recipients named after their display names, each with its reply" {
	run bounce-parse -d -f email "$N/display-names.eml"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "${lines[@]}" | jqr '[.rcpt, .diag] | join(" | ")')" = "$(printf '%s\n' \
	    "wendy@example.org | The email address you entered couldn't be found." \
	    "li.xia@example.org | 552 5.2.2 Mailbox full" \
	    "yann@example.org | 550 5.7.1 Delivery not authorized")" ]
}

@test "notice: Exchange's German 'Unzustellbar:' is a bounce's subject; the returned message names the recipient" {
	[ "$(show "$N/exchange-de.eml")" = "jens@example.de failed" ]
}

@test "notice: empty lines before the first header line" {
	run bounce-parse -f email "$N/blank-lines-first.eml"
	[ "${#lines[@]}" -eq 2 ]
	[ "$(echo "${lines[0]}" | jqr .rcpt)" = carol@example.org ]
	mkdir "$T/dir"
	cp "$N/blank-lines-first.eml" "$T/dir/"
	[ "$(bounce-parse "$T/dir" | wc -l)" -eq 2 ]
	# Lines of white space (CRLF too), and a byte order mark, as Windows
	# editors save files: detected as a message and read as one.
	{ printf ' \r\n\t\r\n'; cat "$N/blank-lines-first.eml"; } >"$T/blank.eml"
	{ printf '\357\273\277'; sed '/./,$!d' "$N/blank-lines-first.eml"; } >"$T/bom.eml"
	for f in blank bom; do
		[ "$(bounce-parse "$T/$f.eml" | jqr .rcpt | head -n 1)" = carol@example.org ]
		[ "$(bounce-parse -f email "$T/$f.eml" | wc -l)" -eq 2 ]
		cp "$T/$f.eml" "$T/dir/"
	done
	[ "$(bounce-parse "$T/dir" | wc -l)" -eq 6 ]
}

@test "notice: lines wrapped at 76 columns with an indent give the reply text the same reason as unwrapped" {
	L="$FIXTURES/email/layouts"
	# Unwrapped: each wrapped line joined to the one above.
	awk 'NR > 1 && /^    / { sub(/^    /, " "); printf "%s", $0; next }
	    NR > 1 { printf "\n" } { printf "%s", $0 } END { printf "\n" }' "$L/ggroups-wrapped.eml" >"$T/one.eml"
	! grep -q '^    ' "$T/one.eml" || false
	for f in "$L/ggroups-wrapped.eml" "$T/one.eml"; do
		[ "$(bounce-parse -f email "$f" | jqr '[.rcpt, .reason] | join(" ")')" = \
		    "schach-abend@googlegroups.com rejected" ]
		# Without X-Failed-Recipients: the notice's own lines.
		sed '/^X-Failed-Recipients:/d' "$f" >"$T/nx.eml"
		[ "$(bounce-parse -f email "$T/nx.eml" | jqr '[.rcpt, .reason] | join(" ")')" = \
		    "schach-abend@googlegroups.com rejected" ]
	done
	# A sentence that names the recipient, wrapped before the address.
	awk 'NR > 1 && /^    / { sub(/^    /, " "); printf "%s", $0; next }
	    NR > 1 { printf "\n" } { printf "%s", $0 } END { printf "\n" }' "$L/gmail-delay-wrapped.eml" >"$T/gd.eml"
	for f in "$L/gmail-delay-wrapped.eml" "$T/gd.eml"; do
		[ "$(bounce-parse -d -f email "$f" | jqr '[.rcpt, .action, .reason] | join(" ")')" = \
		    "jonas.berg@slow.example.org delayed mailboxfull" ]
	done
}

@test "notice: a word that a wrap left alone under a line ending in ':' is no bare local part; one under a longer lead-in still is" {
	L="$FIXTURES/email/layouts"
	[ "$(bounce-parse -d -f email "$L/postfix-rewrapped.eml" | jqr '[.rcpt, .action, .reason] | join(" ")')" = \
	    "ines@slow.example.org delayed networkerror" ]
	# Unwrapped, the same.
	awk 'NR > 1 && /^    / { sub(/^    /, " "); printf "%s", $0; next }
	    NR > 1 { printf "\n" } { printf "%s", $0 } END { printf "\n" }' "$L/postfix-rewrapped.eml" >"$T/one.eml"
	[ "$(bounce-parse -d -f email "$T/one.eml" | jqr '[.rcpt, .action, .reason] | join(" ")')" = \
	    "ines@slow.example.org delayed networkerror" ]
	# A lead-in longer than a wrapper leaves, the local part right under it
	# (AOL): still a recipient.
	[ "$(bounce-parse -f email "$L/aol-not-accepting.eml" | jqr '.rcpt')" = "linapark@aol.com" ]
}

@test "Sieve reject as an RFC 8098 report: its Disposition read over folded lines; a folded receipt stays none" {
	L="$FIXTURES/email/layouts"
	# "...MDN-sent-automatically;\n\tdeleted" (RFC 5322 2.2.3 folding):
	# the same failure as on one line.
	[ "$(bounce-parse -f email "$L/dovecot-reject-mdn-folded.eml" | jqr '[.rcpt, .action, .reason, .class] | join(" ")')" = \
	    "tove.lind@mx.example.org failed mailboxfull soft" ]
	sed '/^Disposition:/{N;s/\n\t/ /;}' "$L/dovecot-reject-mdn-folded.eml" >"$T/one.eml"
	[ "$(bounce-parse -f email "$T/one.eml" | jqr '.rcpt')" = "tove.lind@mx.example.org" ]
	# A field after it is not read as its continuation.
	sed 's/^Disposition: automatic-action\/MDN-sent-automatically;$/Disposition: automatic-action\/MDN-sent-automatically; displayed\nX-Note:/' \
	    "$L/dovecot-reject-mdn-folded.eml" >"$T/next.eml"
	[ -z "$(bounce-parse -d -f email "$T/next.eml")" ]
	# A read receipt folded the same way, "deleted" by its reader and not
	# rejected: no failure.
	sed 's/^Disposition: manual-action\/MDN-sent-manually; displayed/Disposition: manual-action\/MDN-sent-manually;\n deleted/' \
	    "$X/read-receipt.eml" >"$T/r.eml"
	grep -q '^ deleted' "$T/r.eml"
	[ -z "$(bounce-parse -d -f email "$T/r.eml")" ]
}

@test "not a bounce: auto-replies without the usual fields, challenge-response, read receipts" {
	for f in vacation-noheaders challenge read-receipt ticket-ack list-held challenge-postmaster; do
		run bounce-parse -d -f email "$X/$f.eml"
		[ "$status" -eq 0 ]
		[ -z "$output" ]
	done
	# In a mail system's name (postmaster), its subject or words still say
	# it is an automatic reply: no failure of the recipient it names.
	[ "$(bounce-parse -d -f email "$X/away-postmaster.eml" | jqr '[.rcpt, .action, .reason] | join(" ")')" = \
	    "postmaster@example.org delivered vacation" ]
	# In another language: Outlook's "Automatische Antwort" says so; with
	# a subject that does not, its null Return-Path alone makes no bounce.
	[ "$(bounce-parse -d -f email "$X/away-localized.eml" | jqr '[.rcpt, .action, .reason] | join(" ")')" = \
	    "uma@example.org delivered vacation" ]
	sed 's/^Subject: .*/Subject: Re: November news/' "$X/away-localized.eml" >"$T/away.eml"
	[ -z "$(bounce-parse -d -f email "$T/away.eml")" ]
	# With RFC 3834's field: a vacation record (class none), no failure.
	[ "$(bounce-parse -d "$X/vacation-rfc3834.eml" | jqr '[.rcpt, .action, .reason, .class] | join(" ")')" = \
	    "carol@example.org delivered vacation none" ]
	# A success report is a delivery, not a bounce, with or without its
	# report part.
	[ "$(show "$X/delivered-dsn.eml")" = "gary@example.org relayed" ]
	[ "$(show "$X/relayed-text.eml")" = "hugo@example.org delivered" ]
	[ "$(show "$X/return-receipt.eml")" = "iris@example.org delivered" ]
	[ "$(show "$X/success-text.eml")" = "sue@iis.example.org delivered" ]
	run bounce-parse "$X"
	[ -z "$output" ]
}

@test "not a bounce: an auto-reply that does say delivery failed is still read" {
	{
		printf 'Return-Path: <>\nFrom: helpdesk@example.org\nTo: news@example.net\n'
		printf 'Subject: Automatic reply: November news\n\n'
		printf 'Thank you for your message.\n\n<ned@example.org>: 550 5.1.1 user unknown\n'
	} >"$T/ar.eml"
	[ "$(show "$T/ar.eml")" = "ned@example.org failed" ]
}

@test "complaint: an ARF report is written by default as a complaint; suppress keeps it for good; retry-plan ignores it" {
	E="$FIXTURES/email"
	bounce-parse "$E/arf.eml" >"$T/c.jsonl"
	[ "$(jqr '[.rcpt, .action, .reason, .class] | join(" ")' <"$T/c.jsonl")" = \
	    "grace@example.com complained feedback none" ]
	# With a bounce in the same run: both are written.
	bounce-parse "$E/arf.eml" "$E/dsn-postfix.eml" >"$T/both.jsonl"
	[ "$(jqr .action <"$T/both.jsonl" | sort | uniq -c | awk '{ print $2 "=" $1 }' | tr '\n' ' ')" = \
	    "complained=1 delayed=1 failed=1 " ]
	suppress --list "$T/list" --now 2026-11-28T00:00:00Z add "$T/c.jsonl" >/dev/null
	[ "$(jqr '[.address, .reason, (.until // "permanent")] | join(" ")' <"$T/list")" = \
	    "grace@example.com feedback permanent" ]
	# An explicit length still wins, as for hard bounces.
	suppress --list "$T/list2" --now 2026-11-28T00:00:00Z add --for 30d "$T/c.jsonl" >/dev/null
	[ "$(jqr .until <"$T/list2")" = 2026-12-28T00:00:00Z ]
	run retry-plan --state "$T/plans" --now 2026-11-28T00:00:00Z "$T/c.jsonl"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# A complaint after a soft bounce neither resolves nor moves its plan.
	run retry-plan --state "$T/plans" --now 2026-11-28T00:00:00Z "$T/both.jsonl"
	[ "$(echo "$output" | jq -s 'map(select(.rcpt == "grace@example.com")) | length')" -eq 0 ]
}

@test "complaint: complaints from webhooks are complaint records too" {
	printf '%s\n' '{"notificationType":"Complaint","mail":{"timestamp":"2026-11-27T10:00:00.000Z","messageId":"m-1","source":"news@example.net"},"complaint":{"complainedRecipients":[{"emailAddress":"zoe@example.com"}],"timestamp":"2026-11-27T11:00:00.000Z","complaintFeedbackType":"abuse"}}' >"$T/ses.json"
	[ "$(bounce-parse -f ses "$T/ses.json" | jqr '[.rcpt, .action, .class] | join(" ")')" = \
	    "zoe@example.com complained none" ]
}

@test "message-id: of two Message-ID fields, the first, in bounce emails as in Postfix logs" {
	sed 's/^Message-ID: <q-1@example.net>$/Message-ID: <q-1@example.net>\nMessage-ID: <q-2@example.net>/' \
	    "$FIXTURES/email/qmail.eml" >"$T/two.eml"
	grep -c '^Message-ID:' "$T/two.eml" | grep -qx 2
	[ "$(bounce-parse -f email "$T/two.eml" | jqr .msgid | sort -u)" = q-1@example.net ]
	{
		echo 'Nov 27 10:00:00 mx postfix/cleanup[11]: 4F1A2C0123: message-id=<q-1@example.net>'
		echo 'Nov 27 10:00:00 mx postfix/cleanup[11]: 4F1A2C0123: message-id=<q-2@example.net>'
		echo 'Nov 27 10:00:00 mx postfix/qmgr[12]: 4F1A2C0123: from=<news@example.net>, size=900, nrcpt=1 (queue active)'
		echo 'Nov 27 10:00:01 mx postfix/smtp[13]: 4F1A2C0123: to=<carol@example.org>, relay=mx.example.org[192.0.2.30]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.30] said: 550 5.1.1 No such user (in reply to RCPT TO command))'
	} >"$T/mail.log"
	[ "$(bounce-parse -y 2026 -f postfix "$T/mail.log" | jqr .msgid)" = q-1@example.net ]
}

@test "notice: a recipient followed by a dash, a tab and a comment, or two dashes, then its reply" {
	run bounce-parse -f email "$N/dash-and-tab.eml"
	[ "$(echo "$output" | jqr '.rcpt + " | " + .diag' | tr '\n' ';')" = \
	    "anna@example.org | mailbox full;bert@example.org | (user unknown);carl@example.org | no such user here;" ]
}

@test "notice: a mail system's notice in another language that names nobody: the returned message's recipient" {
	# Google's notices carry Auto-Submitted: auto-replied as all its bounces do.
	[ "$(show "$N/group-rejection.eml")" = "announce@groups.example.com failed" ]
	# A responder's subject is another matter: it may quote any message.
	sed 's/^Subject: .*/Subject: Automatic reply: Delivery Status Notification (Failure)/' \
	    "$N/group-rejection.eml" >"$T/ar.eml"
	run bounce-parse -f email "$T/ar.eml"
	[ -z "$output" ]
}

@test "notice: recipients of X-Failed-Recipients that the text leaves out are added, once each" {
	run bounce-parse -f email "$N/x-failed-more.eml"
	[ "$(echo "$output" | jqr .rcpt | tr '\n' ' ')" = "pia@example.org quinn@example.org " ]
	[[ "$(echo "${lines[0]}" | jqr .diag)" == *"550 5.1.1 No such user"* ]]
}

@test "notice: the reply above rules that frame the list, or above the returned message's details" {
	[ "$(diag "$N/rules-around.eml")" = "This message could not be delivered. Reason: 550 Mailbox unavailable" ]
	# The recipient among the details (Subject:, MAIL FROM:, RCPT TO:, Size):
	# the error said before them, not the details after it.
	[ "$(diag "$N/details-block.eml")" = \
	    "RCPT TO: omar@sms.example.com Error: Invalid user address Error message below: 550 5.1.1 Requested action not taken: mailbox unavailable" ]
}

@test "notice: a quoted local part (RFC 5321 4.1.2) is a recipient; a Postfix bounce is no auto-reply" {
	run bounce-parse -d -f email "$N/quoted-local.eml"
	[ "$(echo "$output" | jqr '[.rcpt, .action] | join(" ")')" = '"pat..smith"@example.org failed' ]
	# Postfix puts "Auto-Submitted: auto-replied" on its bounces: one that
	# names nobody gives no record, not a vacation reply from MAILER-DAEMON.
	run bounce-parse -d -f email "$N/autoreplied-nobody.eml"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "notice: a sentence that names the recipient is its diag; a notice that says nothing more, its subject" {
	[ "$(diag "$N/sentence-to.eml")" = "Message undeliverable to quinn@example.org" ]
	[ "$(show "$N/subject-only.eml")" = "rosa@example.org failed" ]
	[ "$(diag "$N/subject-only.eml")" = "Returned mail: User unknown" ]
}

@test "notice: a quoted Message-ID or From is no recipient" {
	[ "$(show "$N/message-id-line.eml")" = "sam@example.org failed" ]
	[[ "$(diag "$N/message-id-line.eml")" == *"Reason: Over quota" ]]
}

@test "notice: addresses in fullwidth and corner brackets; each list's own introduction" {
	run bounce-parse -d -f email "$N/jp-fullwidth.eml"
	[ "${#lines[@]}" -eq 2 ]
	[ "$(echo "${lines[0]}" | jqr '.rcpt + " | " + .diag')" = \
	    "tomo@example.jp | 理由：ユーザが存在しません (550 5.1.1 User unknown)" ]
	[ "$(echo "${lines[1]}" | jqr '.rcpt + " | " + .diag')" = \
	    "yuki@example.jp | 次のあて先へのメッセージはエラーのため送信できませんでした。 送信先メールボックスが一杯です。" ]
}

@test "notice: a report sent on inside a message/rfc822 part is read; a complaint about a bounce stays a complaint" {
	# The inner RFC 6522 report names the recipient, not the returned
	# message's To (the sender, news@, to whom the inner notice went).
	[ "$(show "$N/nested-report.eml")" = "paula@example.org failed" ]
	run bounce-parse -f email "$N/nested-report.eml"
	[ "$(echo "$output" | jqr '[.status, .msgid] | join(" ")')" = "5.1.1 news-nested@example.net" ]
	# RFC 5965: the third part is the complained-of message, whatever it is.
	[ "$(show "$N/arf-of-bounce.eml")" = "quinn@example.com complained" ]
}

@test "notice: a request to write to the postmaster after the recipient is no reply; an address in single quotes" {
	[ "$(show "$N/contact-after.eml")" = "sara@example.org failed" ]
	[ "$(diag "$N/contact-after.eml")" = "This Message was undeliverable due to the following reason: The user(s) account is temporarily over quota." ]
	[ "$(show "$N/single-quotes.eml")" = "tina@example.org failed" ]
	# A heading framed by rules starts the next section: the reply after
	# it only where nothing came before ("----- Non-delivered information
	# -----" under the recipient), never the heading itself.
	printf 'From: postmaster@mail.example.org\nSubject: Returned mail\n\n   ----- The following addresses had delivery problems -----\numa@example.org\n\n   ----- Non-delivered information -----\nThe number of messages in the mailbox exceeded the limit.\n\n   ----- Unsent message follows -----\nFrom: news@example.net\n' >"$T/framed.eml"
	[ "$(diag "$T/framed.eml")" = "The number of messages in the mailbox exceeded the limit." ]
}

@test "delay: MDaemon, the Windows SMTP service, Domino, Sendmail's transient list and Gmail warn: delayed, never failed" {
	for f in mdaemon-text smtpsvc-text domino-text sendmail-transient gmail; do
		run bounce-parse -d -f email "$D/$f.eml"
		[ "$status" -eq 0 ]
		[ "${#lines[@]}" -eq 1 ]
		[ "$(echo "$output" | jqr .action)" = delayed ]
	done
	[ "$(show "$D/sendmail-transient.eml")" = "cat@slow.example.org delayed" ]
	[ "$(bounce-parse -f email "$D/mdaemon-text.eml" | jqr '[.rcpt, .status] | join(" ")')" = "nora@md.example.com 4.3.0" ]
}

@test "not a bounce: a reply about a bounce, TMDA and guest-list challenges, Not read, list confirmations, vacation(1)" {
	for f in reply-about-bounce challenge-tmda challenge-guestlist not-read list-confirm away-fr vacation-bsd \
	    address-changed shipping-notice; do
		run bounce-parse -d -f email "$X/$f.eml"
		[ "$status" -eq 0 ]
		! echo "$output" | grep -q '"action":"\(failed\|delayed\)"' || false
	done
	# A reply's subject: the same text from a mail system is a bounce.
	sed -e 's/^From: .*/From: MAILER-DAEMON@example.org/' "$X/reply-about-bounce.eml" >"$T/b.eml"
	[ -n "$(bounce-parse -f email "$T/b.eml")" ]
	sed -e 's/^Subject: Re: /Subject: /' "$X/reply-about-bounce.eml" >"$T/b.eml"
	[ -n "$(bounce-parse -f email "$T/b.eml")" ]
}

@test "not a bounce: a person asking about a bounce it quotes with \"> \", a ticket's \"[tag] Re:\" reply, auto-replies and list notices from templates" {
	for f in ask-quoted-bounce ticket-tag-reply exchange-automatic-reply gmail-vacation sieve-vacation zimbra-ooo \
	    reponse-automatique respuesta-automatica automatisch-antwort-nl ooo-left-company spamarrest \
	    boxbe-guestlist mailman-postheld mailman3-held sympa-authorization sympa-rejected mlmmj-moderation \
	    ezmlm-confirm-post listserv-held support-quote exchange-relay-dsn notes-return-receipt rt-autoreply \
	    mdn-text-only-8098 auto-reply-undeliverable-word majordomo-bounce listserv-rejected mailman-toobig ggroups-pending; do
		run bounce-parse -d -f email "$X/$f.eml"
		[ "$status" -eq 0 ]
		if echo "$output" | grep -q '"action":"\(failed\|delayed\)"'; then echo "$f: $output"; false; fi
	done
	# The same failure in the writer's own lines is a notice's.
	sed -e 's/^> //' "$X/ask-quoted-bounce.eml" >"$T/q.eml"
	[ "$(show "$T/q.eml")" = "rose@sender.example.net failed" ]
	# Without the reply after the tag, the pasted report is read.
	sed -e 's/^Subject: \[Ticket #4471\] Re: /Subject: [Ticket #4471] /' "$X/ticket-tag-reply.eml" >"$T/t.eml"
	[ "$(show "$T/t.eml")" = "gina@example.org failed" ]
}

@test "notice: Sendmail's \"550 addr... User unknown\" keeps its code; receiver labels; a name, then the reply; a quoted To line" {
	[ "$(bounce-parse -f email "$N/sendmail-v5-code.eml" | jqr '[.rcpt, .code, .diag] | join(" ")')" = \
	    "dan@v5.example.org 550 550 User unknown
dot@v5.example.org 550 550 User unknown" ]
	[ "$(show "$N/receiver-label.eml")" = "12345.678@cs.example.com failed" ]
	[ "$(bounce-parse -f email "$N/name-then-code.eml" | jqr '[.rcpt, .status] | join(" ")')" = \
	    "max@gw.example.org 5.1.1
mia@gw.example.org 4.2.2" ]
	[ "$(bounce-parse -f email "$N/to-line.eml" | jqr '[.rcpt, .status, .class] | join(" ")')" = \
	    "lena@x.example.org 5.1.1 hard" ]
	# The quoted To line is the notice's addressee: nobody.
	sed 's/To: lena@x.example.org/To: news@example.net/' "$N/to-line.eml" >"$T/t.eml"
	[ -z "$(bounce-parse -f email "$T/t.eml")" ]
}

@test "notice: older layouts name their recipients; a notice in the preamble is read; no code at all is 5.0.0" {
	for f in did-not-receive space-colon domino-fields attempts was-addressed not-valid exim-colon preamble; do
		run bounce-parse -f email "$N/$f.eml"
		[ "$status" -eq 0 ]
		[ "${#lines[@]}" -eq 1 ]
		[ "$(echo "$output" | jqr .action)" = failed ]
	done
	[ "$(bounce-parse -f email "$N/space-colon.eml" | jqr '[.rcpt, .status] | join(" ")')" = "u2@aol.example.com 5.0.0" ]
	[ "$(bounce-parse -f email "$N/domino-fields.eml" | jqr '[.rcpt, .status, .code] | join(" ")')" = "u5@dom.example.com 5.1.1 550" ]
	# The preamble (RFC 2046 5.1.1) holds the notice and its reply.
	[ "$(bounce-parse -f email "$N/preamble.eml" | jqr '[.rcpt, .status, .class, .diag] | join(" ")')" = \
	    "e3@example.org 5.1.1 hard (reason: 550 5.1.1 User unknown)" ]
	# A message with a text part does not read its preamble.
	awk '{print} /^--X$/ && !done {print "Content-Type: text/plain\n\nSee the attachment.\n--X"; done=1}' \
	    "$N/preamble.eml" >"$T/p.eml"
	[ "$(bounce-parse -f email "$T/p.eml" | jqr .diag)" != "(reason: 550 5.1.1 User unknown)" ]
	# A warning without any code: 4.0.0.
	[ "$(bounce-parse -f email "$D/smtpsvc-text.eml" | jqr '[.action, .status] | join(" ")')" = "delayed 4.0.0" ]
}

@test "notice: an address in quotes in a sentence; an X.400 address that carries the Internet one (dda:SMTP=)" {
	[ "$(bounce-parse -f email "$N/sentence-quoted.eml" | jqr '[.rcpt, .action, .reason] | join(" ")')" = \
	    "sven@example.org failed mailboxfull" ]
	[ "$(bounce-parse -f email "$N/x400-dda.eml" | jqr '[.rcpt, .action] | join(" ")')" = \
	    "paul.smith@gw.example.com failed" ]
	[ "$(diag "$N/x400-dda.eml")" = "The recipient name is not recognized MSEXCH:IMS:Example Corp:GW:EXCH1 0 (000C05A6) Unknown Recipient" ]
}

@test "notice: one sign only (its subject), a returned message and words of failure: the returned message's recipient" {
	[ "$(bounce-parse -f email "$N/returned-only.eml" | jqr '[.rcpt, .action, .status] | join(" ")')" = \
	    "gwen@example.com failed 5.0.0" ]
	# Without words of failure, nobody (a newsletter about "deliveries").
	sed 's/^Your message could not be delivered. The message is attached./Our December deliveries are attached./' \
	    "$N/returned-only.eml" >"$T/r.eml"
	[ -z "$(bounce-parse -d -f email "$T/r.eml")" ]
	# Nor for an auto-reply that quotes the message.
	sed 's/^Subject: .*/Subject: Automatic reply: Undeliverable message/' "$N/returned-only.eml" >"$T/r.eml"
	! bounce-parse -d -f email "$T/r.eml" | grep -q '"failed"' || false
}

@test "notice: the recipient's label in German, French, Spanish and Dutch; a label for receiving is none" {
	[ "$(bounce-parse -f email "$N/label-de.eml" | jqr '[.rcpt, .status] | join(" ")')" = "jonas@mail.example.de 5.1.1" ]
	[ "$(bounce-parse -f email "$N/label-fr.eml" | jqr '[.rcpt, .status] | join(" ")')" = "lea@orange.example.fr 5.1.1" ]
	[ "$(bounce-parse -f email "$N/label-es.eml" | jqr '[.rcpt, .status] | join(" ")')" = "pablo@correo.example.es 5.2.2" ]
	[ "$(bounce-parse -f email "$N/label-nl.eml" | jqr '[.rcpt, .status] | join(" ")')" = "joost@post.example.nl 5.1.1" ]
	# "Empfangen von:" (received from) names the sender's host, not a recipient.
	sed 's/^Empfänger: jonas@mail.example.de/Empfangen von: relay@mail.example.de/' "$N/label-de.eml" >"$T/d.eml"
	! bounce-parse -f email "$T/d.eml" | grep -q relay@ || false
}

@test "not a bounce: success reports without (Success) or (Relay) in their subject are deliveries" {
	[ "$(show "$X/success-nosubject.eml")" = "eve@iis.example.org delivered" ]
	[ "$(show "$X/success-was-successful.eml")" = "ivy@gw.example.com delivered" ]
	[ "$(show "$X/relayed-nosubject.eml")" = "gus@example.org delivered" ]
	# Without -d, nothing.
	[ -z "$(bounce-parse -f email "$X/success-nosubject.eml")" ]
	# The same report of a failure is a bounce.
	sed 's/recipients succeeded/recipients failed/' "$X/success-nosubject.eml" >"$T/s.eml"
	[ "$(show "$T/s.eml")" = "eve@iis.example.org failed" ]
}

@test "delay: Gmail's \"Delivery incomplete\" (will retry; notified if it fails permanently) is delayed" {
	[ "$(show "$D/gmail-incomplete.eml")" = "kim@slow.example.org delayed" ]
	[ "$(bounce-parse -f email "$D/gmail-incomplete-report.eml" | jqr '[.rcpt, .action, .status, .class] | join(" ")')" = \
	    "lou@slow.example.org delayed 4.2.1 soft" ]
	# The same words under another subject: still a delay.
	sed 's/^Subject: .*/Subject: Delivery Status Notification/' "$D/gmail-incomplete.eml" >"$T/g.eml"
	[ "$(show "$T/g.eml")" = "kim@slow.example.org delayed" ]
	# "failed permanently" is a failure.
	sed -e 's/^Subject: .*/Subject: Delivery Status Notification (Failure)/' \
	    -e 's/There was a temporary problem delivering your message to kim@slow.example.org.*/Delivery to kim@slow.example.org failed permanently./' \
	    "$D/gmail-incomplete.eml" >"$T/g.eml"
	[ "$(show "$T/g.eml")" = "kim@slow.example.org failed" ]
}

@test "notice: from MAILER-DAEMON in any language, the copy in its text: the copy's recipient" {
	[ "$(show "$N/groups-ja.eml")" = "tokyo-club@googlegroups.com failed" ]
	[ "$(show "$N/groups-de.eml")" = "vereinsnews@googlegroups.com failed" ]
	# From anybody else, one sign and no word of failure it knows: no failure.
	sed 's/^From: .*/From: Groups <groups-noreply@example.com>/' "$N/groups-ja.eml" >"$T/g.eml"
	! bounce-parse -d -f email "$T/g.eml" | grep -q "\"failed\"" || false
	# An automatic reply from MAILER-DAEMON is none.
	sed 's/^Auto-Submitted: .*/X-Autoreply: yes/' "$N/groups-ja.eml" >"$T/g.eml"
	! bounce-parse -d -f email "$T/g.eml" | grep -q '"failed"' || false
}

@test "notice: an address as Outlook renders a link (addr<mailto:addr>); a later mention that quotes the reply gives the diag" {
	[ "$(bounce-parse -f email "$N/mailto-link.eml" | jqr '[.rcpt, .action, .diag] | join(" | ")')" = \
	    "nico@remote.example.org | failed | The email address you entered couldn't be found." ]
	[ "$(bounce-parse -f email "$N/mailto-diag.eml" | jqr '[.rcpt, .status, .diag] | join(" | ")')" = \
	    "bruno@tenant.example.com | 5.1.1 | Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'" ]
	# With a space before the link, the same.
	sed 's/<mailto:/ <mailto:/' "$N/mailto-diag.eml" >"$T/m.eml"
	[ "$(bounce-parse -f email "$T/m.eml" | jqr .diag)" = "Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'" ]
	# Without the later mention, the text under the first is the diag.
	sed '/^Diagnostic information/,/^Remote Server/d' "$N/mailto-diag.eml" >"$T/m.eml"
	bounce-parse -f email "$T/m.eml" | jqr .diag | grep -q "^The email address you entered couldn't be found"
}

@test "not a bounce: Mailman's moderator rejection names the list administrator to write to, after a wrapped \"at:\"" {
	run bounce-parse -d -f email "$X/list-rejected.eml"
	[ "$status" -eq 0 ]
	! echo "$output" | grep -q '"action":"failed"' || false
	# The same address after a line that introduces recipients is one.
	sed -e 's/^Any questions or comments should be directed to the list administrator$/The following address failed/' \
	    -e 's/^at:$/permanently:/' "$X/list-rejected.eml" >"$T/l.eml"
	bounce-parse -d -f email "$T/l.eml" | grep -q '"rcpt":"list-owner@lists.example.org","domain":"lists.example.org","action":"failed"'
}

@test "not a bounce: the list administrator after a closing sentence wrapped narrower (\"the list\\nadministrator\\nat:\")" {
	run bounce-parse -d -f email "$X/list-rejected-narrow.eml"
	[ "$status" -eq 0 ]
	[ -z "$(echo "$output" | grep '"action":"failed"')" ]
	# Two lines up only over a line of a word or two: a longer one ends
	# the sentence that asks to write.
	sed -e 's/^administrator$/administrator of this list, who decides on every message held/' \
	    -e 's/^Any questions or comments should be directed to the list$/The following address failed/' \
	    "$X/list-rejected-narrow.eml" >"$T/l.eml"
	bounce-parse -d -f email "$T/l.eml" | grep -q '"rcpt":"list-owner@lists.example.org","domain":"lists.example.org","action":"failed"'
}

@test "notice: a sentence that names the recipient, hard-wrapped flush left before the address, is read with the line above" {
	L="$FIXTURES/email/layouts"
	[ "$(bounce-parse -d -f email "$L/gmail-delay-flush.eml" | jqr '[.rcpt, .action, .status] | join(" ")')" = \
	    "lotte.kranz@slow.example.org delayed 4.3.0" ]
	[ "$(bounce-parse -d -f email "$L/o365-flush.eml" | jqr '[.rcpt, .action, .status] | join(" ")')" = \
	    "milo.brandt@tenant.example.com failed 5.1.10" ]
	# The line above ends a sentence: the address line is its own, no
	# sentence names it.
	sed -e 's/delivering your message to$/delivering your message to./' "$L/gmail-delay-flush.eml" >"$T/s.eml"
	[ -z "$(bounce-parse -f email "$T/s.eml" | jqr 'select(.rcpt == "lotte.kranz@slow.example.org") | .rcpt')" ]
}

@test "notice: Exim's output groups, addresses only in X-Failed-Recipients: each address gets its group's output" {
	L="$FIXTURES/email/layouts"
	out="$(bounce-parse -f email "$L/exim-xfr-output-group.eml" | jqr '[.rcpt, .reason, .diag] | join(" | ")')"
	[ "$(echo "$out" | sed -n 1p)" = "pi7@example.org | mailboxfull | The following text was generated during the delivery attempts: maildrop: maildir over quota." ]
	[ "$(echo "$out" | sed -n 3p)" = "pi9@example.org | mailererror | The following text was generated during the delivery attempts: maildrop: Unable to create a dot-lock at /var/mail/pi9.lock." ]
	# Eleven addresses share one output: the first is not followed by it.
	[ "$(bounce-parse -f email "$L/exim-xfr-output-batch.eml" | jqr .reason | sort | uniq -c | tr -s ' ')" = " 11 mailboxfull" ]
}

@test "not a bounce: a moderator's quoted reason that sends the poster to another address (\"post event notices to <addr>\") names no recipient" {
	run bounce-parse -d -f email "$X/list-rejected-reason.eml"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# Nor where the reason wraps before the address, indented as Gmail and
	# Exchange wrap: the address ends a sentence's "to", no recipient line.
	sed 's/notices to events@/notices to\n    events@/' "$X/list-rejected-reason.eml" >"$T/r.eml"
	grep -q '^    events@lists.example.org,$' "$T/r.eml"
	[ -z "$(bounce-parse -d -f email "$T/r.eml")" ]
	# Or flush left, as a relay hard-wraps at 78.
	sed 's/notices to events@/notices to\nevents@/' "$X/list-rejected-reason.eml" >"$T/r.eml"
	grep -q '^events@lists.example.org,$' "$T/r.eml"
	[ -z "$(bounce-parse -d -f email "$T/r.eml")" ]
	sed -e 's/Please post event notices to/Your message could not be delivered to/' \
	    -e 's/delivered to events@/delivered to\n    events@/' "$X/list-rejected-reason.eml" >"$T/r.eml"
	bounce-parse -d -f email "$T/r.eml" | grep -q '"rcpt":"events@lists.example.org","domain":"lists.example.org","action":"failed"'
	# A sentence that says the mail to that address failed still names it.
	sed 's/Please post event notices to/Your message could not be delivered to/' \
	    "$X/list-rejected-reason.eml" >"$T/r.eml"
	bounce-parse -d -f email "$T/r.eml" | grep -q '"rcpt":"events@lists.example.org","domain":"lists.example.org","action":"failed"'
	# So does one whose delivery word comes after the address, on the
	# next line of the paragraph (the sentence wrapped).
	sed -e 's/Please post event notices to/Your message to/' -e 's/^which the same people read/was rejected/' \
	    "$X/list-rejected-reason.eml" >"$T/r.eml"
	bounce-parse -d -f email "$T/r.eml" | grep -q '"rcpt":"events@lists.example.org","domain":"lists.example.org","action":"failed"'
}

@test "notice: a reply line wrapped before the recipient's address (folded at 76 with an indent) is read from its start, by both readers" {
	L="$FIXTURES/email/layouts"
	# Yahoo's qmail-style notice, its "Remote host said:" line folded as
	# Exchange and Gmail fold long lines: the reply names the address only
	# on its second part.
	sed -e 's/^\(Remote host said: 554 delivery error: dd This user doesn.t have a yahoo.com\) \(account .*\) \(mta123.*\)$/\1\n    \2\n    \3/' \
	    "$L/yahoo-help-qmail.eml" >"$T/y.eml"
	grep -q '^    account (fynn.lau@yahoo.example.com) \[-5\] -$' "$T/y.eml"
	[ "$(bounce-parse -f email "$T/y.eml" | jqr '[.rcpt, .code, .reason, .class] | join(" ")')" = \
	    "fynn.lau@yahoo.example.com 554 userunknown hard" ]
	[ "$(bounce-parse -f email "$L/yahoo-help-qmail.eml" | jqr '[.rcpt, .code, .reason, .class] | join(" ")')" = \
	    "fynn.lau@yahoo.example.com 554 userunknown hard" ]
	# A notice of no known layout (nonstd's sentence reader): the same.
	{ printf 'From: Mail Delivery System <MAILER-DAEMON@relay.example.net>\nTo: news@example.net\n'
	  printf 'Subject: Undelivered Mail\n\nYour message could not be delivered to one or more recipients.\n\n'
	  printf 'The remote server said: 550 5.1.1 No such user here; the mailbox of\n'
	  printf '    fynn.lau@yahoo.example.com is not known at this site\n'; } >"$T/n.eml"
	[ "$(bounce-parse -f email "$T/n.eml" | jqr '[.rcpt, .status, .reason, .class] | join(" ")')" = \
	    "fynn.lau@yahoo.example.com 5.1.1 userunknown hard" ]
	# A line above that ends a sentence is no part of the reply.
	sed 's/the mailbox of$/that is all./' "$T/n.eml" >"$T/s.eml"
	bounce-parse -f email "$T/s.eml" | jqr .diag | grep -q '^fynn.lau@yahoo.example.com is not known'
}

@test "layouts: each probe of tests/fixtures/email/layouts gives the recipients and actions EXPECTED lists (and the class where it names one), no other failure" {
	L="$FIXTURES/email/layouts"
	bad=0
	while IFS='	' read -r f want; do
		out="$(bounce-parse -d -f email "$L/$f")"
		got=" $(printf '%s\n' "$out" | jqr '.rcpt + ":" + .action' | sort | tr '\n' ' ')"
		gotc=" $(printf '%s\n' "$out" | jqr '.rcpt + ":" + .action + ":" + .class' | sort | tr '\n' ' ')"
		if [ "$want" = none ]; then
			case $got in *:failed\ *|*:delayed\ *) echo "$f: want none, got$got"; bad=1 ;; esac
			continue
		fi
		for w in $want; do
			case $w in
			*:*:*) case $gotc in *" $w "*) ;; *) echo "$f: want $w, got$gotc"; bad=1 ;; esac ;;
			*) case $got in *" $w "*) ;; *) echo "$f: want $w, got$got"; bad=1 ;; esac ;;
			esac
		done
		for g in $got; do
			case $g in *:failed) case " $want " in *" $g "*|*" $g":*) ;; *) echo "$f: extra $g"; bad=1 ;; esac ;; esac
		done
	done <"$L/EXPECTED"
	[ "$bad" -eq 0 ]
	[ "$(grep -c . "$L/EXPECTED")" -eq "$(ls "$L"/*.eml | wc -l)" ]
}

@test "notice: HTML only, the recipient inside inline elements (<b><a>addr</a></b>:) is one line with its colon" {
	[ "$(bounce-parse -f email "$N/html-inline.eml" | jqr '[.rcpt, .status, .diag] | join(" | ")')" = \
	    "quinn@example.org | 5.7.1 | Remote host said: 554 5.7.1 <quinn@example.org>: Recipient address rejected: Access denied [RCPT_TO]" ]
}

@test "notice: recipients under a list of deliveries beside a list of failures are delivered, the others failed" {
	[ "$(show "$N/mixed-success.eml")" = "eve@iis.example.org delivered
ann@iis.example.org delivered
zed@iis.example.org failed" ]
	# The lists in the other order.
	{ sed '/^Delivery to the following/,$d' "$N/mixed-success.eml"
	  printf 'Delivery to the following recipients failed.\n\n       zed@iis.example.org\n\n'
	  printf 'Delivery to the following recipients succeeded.\n\n       eve@iis.example.org\n'
	  printf '       ann@iis.example.org\n'; } >"$T/m.eml"
	[ "$(show "$T/m.eml" | sort)" = "ann@iis.example.org delivered
eve@iis.example.org delivered
zed@iis.example.org failed" ]
}

@test "layouts: a labelled list of recipients (Haraka's \"Intended Recipients: <a>, <b>\") shares the reply; a list named in a sentence is no recipient" {
	L="$FIXTURES/email/layouts"
	[ "$(bounce-parse -f email "$L/haraka.eml" | jqr '[.rcpt, .status, .diag] | join(" | ")')" = \
	    "ha1@remote.example.org | 5.1.1 | Failure Reason: 550 5.1.1 The email account that you tried to reach does not exist
ha2@remote.example.org | 5.1.1 | Failure Reason: 550 5.1.1 The email account that you tried to reach does not exist" ]
	# Anything else after the label than addresses: the first is the recipient, the rest its reply.
	printf 'From: MAILER-DAEMON@mx.example.org\nSubject: failure notice\n\nRecipient: <a1@example.org>, see below\n' >"$T/l.eml"
	[ "$(bounce-parse -f email "$T/l.eml" | jqr .rcpt)" = a1@example.org ]
	# A list alone on its line (Amazon SES's notice).
	[ "$(bounce-parse -f email "$L/ses-text.eml" | jqr .rcpt | tr '\n' ' ')" = "ses4@example.org ses5@example.org " ]
	[ -z "$(bounce-parse -f email "$L/mlmmj-probe.eml")" ]
	[ "$(bounce-parse -f email "$L/mailto-line.eml" | jqr .rcpt)" = mt1@example.org ]
}

@test "layouts: labels of what failed name the recipient, others' do not; a sentence to someone to write to names none" {
	L="$FIXTURES/email/layouts"
	[ "$(bounce-parse -f email "$L/shape-15.eml" | jqr '[.rcpt, .diag] | join(" | ")')" = "s15@remote.example.org | Invalid address" ]
	[ "$(bounce-parse -f email "$L/shape-18.eml" | jqr '[.rcpt, .diag] | join(" | ")')" = "s18@remote.example.org | User unknown" ]
	for l in 'Sender address: news@example.net' 'Reply-To: news@example.net' 'Contact address: help@example.net' \
	    'For help, write to help@example.net.' 'Please reply to postmaster@example.net if in doubt.' \
	    'Your address news@example.net has been blocked.' 'The sender address news@example.net is not allowed.'; do
		printf 'From: MAILER-DAEMON@mx.example.org\nSubject: Undeliverable mail\n\nYour message could not be delivered.\n\n%s\n' "$l" >"$T/o.eml"
		[ -z "$(bounce-parse -f email "$T/o.eml")" ]
	done
}

@test "layouts: a reply without an enhanced code gives the default detail of its class (Postfix smtp_chat.c), not a null status" {
	L="$FIXTURES/email/layouts"
	[ "$(bounce-parse -f email "$L/aol-bare-local.eml" | jqr '[.rcpt, .status, (.code | tostring), .class] | join(" ")')" = \
	    "oscarpine@aol.com 5.0.0 550 hard" ]
	[ "$(bounce-parse -f email "$L/aol-bare-nocopy.eml" | jqr '[.status, (.code | tostring)] | join(" ")')" = "5.0.0 550" ]
	# A 4xx reply still retried: 4.0.0; one given up on keeps no made-up status.
	printf 'From: MAILER-DAEMON@mx.example.org\nSubject: Warning: could not send message for past 4 hours\n\n   ----- The following addresses had transient non-fatal errors -----\n<ty@remote.example.org>\n    (reason: 451 Try again later)\n' >"$T/d.eml"
	[ "$(bounce-parse -f email "$T/d.eml" | jqr '[.action, .status] | join(" ")')" = "delayed 4.0.0" ]
}

@test "layouts: Sendmail's list of bare names is read to its end, bounded on a hostile one" {
	L="$FIXTURES/email/layouts"
	[ "$(bounce-parse -f email "$L/sendmail-bare-list.eml" | jqr .rcpt | tr '\n' ' ')" = "ida@example.org jon@example.org kim@example.org " ]
	{ printf 'From: MAILER-DAEMON@mx.example.org\nSubject: Returned mail: User unknown\n\n'
	  printf '   ----- The following addresses had permanent fatal errors -----\n'
	  awk 'BEGIN { for (i = 0; i < 50000; i++) printf "<u%d>\n    (reason: 550 5.1.1 User unknown)\n    (expanded from: <list@example.org>)\n", i }'
	  printf '\n   ----- Original message follows -----\nTo: list@example.org\n'; } >"$T/h.eml"
	# Each name's look-up of its alias scans the notice: a fixed number of
	# them per message (the others are left out), not one per name: the
	# first names come out at the alias's domain, in order, and no more
	# than the 64 look-ups a message gets (NOTICE_LOOKUPS_MAX).
	bounce-parse -f email "$T/h.eml" >"$T/h.jsonl"
	n=$(wc -l <"$T/h.jsonl")
	[ "$n" -ge 1 ] && [ "$n" -le 64 ]
	[ "$(head -n 1 "$T/h.jsonl" | jqr '[.rcpt, .status, .reason] | join(" ")')" = "u0@example.org 5.1.1 userunknown" ]
	[ "$(jqr .rcpt "$T/h.jsonl" | grep -cv '^u[0-9]*@example\.org$')" -eq 0 ]
}

@test "layouts: feedback reports that are no complaint (RFC 6591 auth-failure, RFC 6430 not-spam) give no record; an abuse report stays a complaint" {
	L="$FIXTURES/email/layouts"
	[ -z "$(bounce-parse -f email "$L/arf-auth-failure.eml")" ]
	[ -z "$(bounce-parse -f email "$L/arf-not-spam.eml")" ]
	# The same report with Feedback-Type: abuse is a complaint.
	sed 's/^Feedback-Type: auth-failure$/Feedback-Type: abuse/' "$L/arf-auth-failure.eml" >"$T/a.eml"
	[ "$(bounce-parse -f email "$T/a.eml" | jqr '[.rcpt, .action, .diag] | join(" ")')" = "amy@receiver.example.com complained abuse" ]
	sed 's/^Feedback-Type: not-spam$/Feedback-Type: Not-Spam/' "$L/arf-not-spam.eml" >"$T/n.eml"
	[ -z "$(bounce-parse -f email "$T/n.eml")" ]
}

@test "layouts: Outlook's recall reports and RFC 3834 replies from a person's address are no bounce, whatever words of failure they hold; a reply code still counts" {
	L="$FIXTURES/email/layouts"
	[ -z "$(bounce-parse -f email "$L/exo-recall-report.eml")" ]
	# Under such a subject, a delivery-status report is still read.
	sed 's/^Subject: .*/Subject: Message Recall Failure: December news/' "$L/dsn-delivered-and-failed.eml" >"$T/d.eml"
	[ "$(bounce-parse -f email "$T/d.eml" | jqr '.rcpt + " " + .action')" = "fritz@relay.example.org failed" ]
	[ "$(bounce-parse -d -f email "$L/autoreply-3834-generated.eml" | jqr '[.rcpt, .reason] | join(" ")')" = "ivo@example.org vacation" ]
	# With a reply code in its text, the same message is read as a notice.
	sed 's/^Questions about rejected or returned mail.*/550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown/' \
	    "$L/autoreply-3834-generated.eml" >"$T/r.eml"
	bounce-parse -f email "$T/r.eml" | jqr '.rcpt + " " + .action' | grep -qx 'gone@example.org failed'
}

@test "layouts: a message whose only sign of a notice is its subject names no failed recipient in its own To; a mail system's notice to the same address still does" {
	L="$FIXTURES/email/layouts"
	[ -z "$(bounce-parse -f email "$L/parcel-failed-addressee.eml")" ]
	# The same words from MAILER-DAEMON: a notice to someone who mailed himself.
	sed 's/^From: ParcelCo <noreply@parcel.example.com>/From: Mail Delivery Subsystem <MAILER-DAEMON@corp.example.com>/' \
	    "$L/parcel-failed-addressee.eml" >"$T/p.eml"
	[ "$(bounce-parse -f email "$T/p.eml" | jqr '.rcpt + " " + .action')" = "jane@corp.example.com failed" ]
}

@test "layouts: Sendmail's transcript is read a message a line (a coded line, >>>, <<<, a session's heading is its own); a refused MAIL FROM fails the session's recipients soft" {
	L="$FIXTURES/email/layouts"
	out="$(bounce-parse -f email "$L/sendmail-transcript-mailfrom.eml" |
	    jqr '[.rcpt, .reason, .class, .diag] | join(" | ")')"
	[ "$(printf '%s\n' "$out" | sed -n 1p)" = "pia.nine@p.example.net | rejected | soft | >>> MAIL From:<news@example.com> <<< 501 <news@example.com>... Sender refused by local policy 554 Remote protocol error" ]
	[ "$(printf '%s\n' "$out" | sed -n 2p | cut -d'|' -f1-3)" = "quin.ten@p.example.net | rejected | soft " ]
	[ "$(printf '%s\n' "$out" | sed -n 3p)" = "rolf.eleven@r.example.org | hostunknown | hard | 550 Host unknown (Authoritative answer from name server)" ]
	# Without the refusal of MAIL FROM, the recipient's own message alone:
	# not the host's line after it.
	grep -v '^<<< 501\|^>>> MAIL' "$L/sendmail-transcript-mailfrom.eml" >"$T/t.eml"
	[ "$(bounce-parse -f email "$T/t.eml" | jqr 'select(.rcpt == "quin.ten@p.example.net") | .diag')" = "554 Remote protocol error" ]
	# A line without a code continues the message before it.
	sed 's/^554 <rolf.eleven@r.example.org>.*/&\n    (while resolving r.example.org)/' "$L/sendmail-transcript-mailfrom.eml" >"$T/c.eml"
	[ "$(bounce-parse -f email "$T/c.eml" | jqr 'select(.rcpt == "rolf.eleven@r.example.org") | .diag')" = "550 Host unknown (Authoritative answer from name server) (while resolving r.example.org)" ]
	# The refusal wrapped at 72 columns with an indent (a relay's wrap):
	# still the refusal of MAIL FROM.
	sed 's/^<<< 501 <news@example.com>... Sender refused by local policy$/<<< 501 <news@example.com>... Sender refused by the local policy of this\n    receiving mail server/' \
	    "$L/sendmail-transcript-mailfrom.eml" >"$T/w.eml"
	grep -q '^    receiving mail server$' "$T/w.eml"
	[ "$(bounce-parse -f email "$T/w.eml" | jqr '[.rcpt, .reason, .class, .diag] | join(" | ")' | sed -n 1p)" = \
	    "pia.nine@p.example.net | rejected | soft | >>> MAIL From:<news@example.com> <<< 501 <news@example.com>... Sender refused by the local policy of this receiving mail server 554 Remote protocol error" ]
}

@test "layouts: Sendmail's entry \"(expanded from: <rcpt>)\" of a failed program is that recipient's text, not the entries and transcript after it; a vague \"(reason:\" yields to the recipient's own reply in the transcript" {
	L="$FIXTURES/email/layouts"
	[ "$(bounce-parse -f email "$L/sendmail-prog-expanded-report.eml" |
	    jqr '[.rcpt, .status, .reason, .class, .diag] | join(" | ")' | sed -n 1p)" = \
	    "tom@example.org | 5.0.0 | mailererror | soft | smrsh: \"filter\" not available for sendmail programs (stat failed) (reason: Service unavailable) (expanded from: <tom@example.org>)" ]
	[ "$(bounce-parse -f email "$L/sendmail-prog-expanded-report.eml" |
	    jqr '[.rcpt, .status, .reason, .class] | join(" | ")' | sed -n 2p)" = \
	    "uma@u.example.net | 5.1.1 | userunknown | hard" ]
}

@test "layouts: Exim's delivery to a program: its output after \"generated during the delivery attempt\" and \"------ addr ------\" (deliver.c), or a bare \"pipe to |cmd\" / \"save to /file\" \"generated by\" the recipient, is the mailer's failure; the output's own words, where they name a cause, decide" {
	L="$FIXTURES/email/layouts"
	[ "$(bounce-parse -f email "$L/exim-pipe-output.eml" | jqr '[.rcpt, .reason, .class] | join(" | ")')" = \
	    "pi2@example.org | mailererror | soft" ]
	[ "$(bounce-parse -f email "$L/exim-pipe-bare.eml" | jqr '[.rcpt, .reason, .class] | join(" | ")')" = \
	    "pi5@example.org | mailererror | soft
pi6@example.org | mailererror | soft" ]
	# The program's words, where a rule knows them.
	sed 's|ticket-import: spool directory .*|maildrop: maildir over quota.|' "$L/exim-pipe-output.eml" |
	    bounce-parse -f email >"$BATS_TEST_TMPDIR/q"
	[ "$(jqr '[.reason, .class] | join(" | ")' <"$BATS_TEST_TMPDIR/q")" = "mailboxfull | soft" ]
	# Under the heading "------ <address> ------" of a transport routed to
	# directly: the output after it is the recipient's text.
	[ "$(bounce-parse -f email "$L/exim-return-output.eml" | jqr '[.rcpt, .reason, .class, .diag] | join(" | ")')" = \
	    "pi3@example.org | mailboxfull | soft | The following text was generated during the delivery attempt: maildrop: maildir over quota." ]
	# A recipient named "generated by" in another context, or a longer
	# address that starts with the recipient's, is no program.
	sed 's|generated by pi5@example.org|generated by pi5@example.org.invalid|' "$L/exim-pipe-bare.eml" |
	    bounce-parse -f email | jqr 'select(.rcpt == "pi5@example.org") | .reason' >"$BATS_TEST_TMPDIR/p"
	[ "$(cat "$BATS_TEST_TMPDIR/p")" != "mailererror" ]
}

@test "layouts: Exim's program output shared by several addresses (deliver.c writes one block for all whose output is the same, a heading each): every address of the group has the output's verdict, and only its own group's output" {
	L="$FIXTURES/email/layouts"
	summary() { jqr '[.rcpt, .reason, .class, .diag] | join(" | ")'; }
	run bounce-parse -f email "$L/exim-return-output-group.eml"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "$(echo "${lines[0]}" | summary)" = \
	    "pi7@example.org | mailboxfull | soft | local delivery failed The following text was generated during the delivery attempts: maildrop: maildir over quota." ]
	[ "$(echo "${lines[1]}" | summary)" = \
	    "pi8@example.org | mailboxfull | soft | local delivery failed The following text was generated during the delivery attempts: maildrop: maildir over quota." ]
	[ "$(echo "${lines[2]}" | summary)" = \
	    "pi9@example.org | mailererror | soft | local delivery failed The following text was generated during the delivery attempts: maildrop: Unable to create a dot-lock at /var/mail/pi9.lock." ]
	# Without the error line of each entry (Exim's test suite 0194 has
	# both), and with one group for all three.
	sed '/local delivery failed/d' "$L/exim-return-output-group.eml" >"$T/bare.eml"
	[ "$(bounce-parse -f email "$T/bare.eml" | jqr '.diag' | sort -u)" = "$(printf '%s\n' \
	    "The following text was generated during the delivery attempts: maildrop: Unable to create a dot-lock at /var/mail/pi9.lock." \
	    "The following text was generated during the delivery attempts: maildrop: maildir over quota.")" ]
	sed '/local delivery failed/d; /^------ pi8@example.org ------$/{n;d;}; /^maildrop: maildir/,/^$/d' \
	    "$L/exim-return-output-group.eml" >"$T/one.eml"
	[ "$(bounce-parse -f email "$T/one.eml" | jqr '[.rcpt, .reason] | join(" ")')" = "pi7@example.org mailererror
pi8@example.org mailererror
pi9@example.org mailererror" ]
	[ "$(bounce-parse -f email "$T/one.eml" | jqr .diag | sort -u)" = \
	    "The following text was generated during the delivery attempts: maildrop: Unable to create a dot-lock at /var/mail/pi9.lock." ]
}

@test "layouts: Sendmail's text list without a report: a program's recipient named only \"(expanded from: <rcpt>)\" has its record; smrsh's line, not the vague \"(reason:\", says why" {
	L="$FIXTURES/email/layouts"
	run bounce-parse -f email -x "$L/sendmail-prog-expanded-text.eml"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(echo "${lines[1]}" | jqr '[.rcpt, .status, .reason, .class, .reason_rule] | join(" | ")')" = \
	    "vera@example.org | 5.0.0 | mailererror | soft | not available for sendmail programs" ]
	[ "$(echo "${lines[1]}" | jqr .diag)" = \
	    'smrsh: "sorter" not available for sendmail programs (stat failed) (reason: Service unavailable) (expanded from: <vera@example.org>)' ]
	[ "$(echo "${lines[0]}" | jqr '[.rcpt, .status, .reason, .class] | join(" | ")')" = \
	    "walt@w.example.net | 5.1.1 | userunknown | hard" ]
	# The entry's vague words yield to smrsh's line, whatever they are.
	sed 's/(reason: Service unavailable)/(reason: Local configuration error)/' \
	    "$L/sendmail-prog-expanded-text.eml" >"$T/conf.eml"
	[ "$(bounce-parse -f email "$T/conf.eml" | jqr 'select(.rcpt == "vera@example.org") | .reason')" = mailererror ]
	# smrsh's line about another program is not this one's.
	sed 's/smrsh: "sorter"/smrsh: "vacation"/' "$L/sendmail-prog-expanded-text.eml" >"$T/other.eml"
	[ "$(bounce-parse -f email "$T/other.eml" | jqr 'select(.rcpt == "vera@example.org") | .diag')" = \
	    "(reason: Service unavailable) (expanded from: <vera@example.org>)" ]
	# A file (the file mailer's "/path") is no recipient's address either.
	sed 's#^"|/usr/local/bin/sorter.*#/home/vera/sorted#; s/(reason: Service unavailable)/(reason: Can'"'"'t create output)/' \
	    "$L/sendmail-prog-expanded-text.eml" >"$T/file.eml"
	[ "$(bounce-parse -f email "$T/file.eml" | jqr 'select(.rcpt == "vera@example.org") | [.reason, .class] | join(" ")')" = "mailererror soft" ]
	# Not the returned message's other recipients, nor its To.
	[ "$(bounce-parse -f email "$T/file.eml" | jqr .rcpt | sort | tr '\n' ' ')" = "vera@example.org walt@w.example.net " ]
}
