#!/usr/bin/env bats
# suppress import and export: ESP bounce and suppression list exports read
# into the list (fixtures in tests/fixtures/lists, written from each
# provider's API reference), and the list written as each provider imports it.

load helper

LF="$FIXTURES/lists"
T0=2026-12-01T00:00:00Z

setup() {
	L="$BATS_TEST_TMPDIR/list.jsonl"
}

entry() { jq -c --arg a "$1" 'select(.address == $a) | [.reason, .until, .source, .status]' "$L"; }

@test "import: exports of several providers, JSON and CSV, hard for good and soft paused" {
	run suppress -l "$L" -n $T0 import "$LF/sendgrid-bounces.json" "$LF/mailgun-bounces.csv" \
	    "$LF/postmark-suppressions.json" "$LF/ses-suppressed.json" "$LF/sparkpost-suppression.csv" \
	    "$LF/mandrill-rejects.json"
	[ "$status" -eq 0 ]
	[ "$(entry nobody@example.com)" = '["userunknown",null,"sendgrid","5.1.1"]' ]
	[ "$(jq -r 'select(.address == "nobody@example.com") | .count' "$L")" -eq 6 ]
	# over quota: soft, paused for the first step of the ladder (30 days)
	[ "$(entry full@example.net)" = '["mailboxfull","2026-12-31T00:00:00Z","sendgrid","5.2.2"]' ]
	[ "$(entry gone@example.org)" = '["userunknown",null,"mailgun",null]' ]
	[ "$(entry angry@example.com)" = '["feedback",null,"postmark",null]' ]
	[ "$(entry left@example.com)" = '["suppressed",null,"postmark",null]' ]
	# Mandrill's expired soft bounce is not added
	[ "$(entry back@example.org)" = "" ]
	# the entries touched are printed
	[ "$(wc -l <<<"$output")" -eq "$(wc -l <"$L")" ]
}

@test "import: --format keeps to one provider; --for, --reason and --escalate apply" {
	run suppress -l "$L" -n $T0 import -f mailgun "$LF/sendgrid-bounces.json"
	[ "$status" -eq 2 ]
	[[ "$output" == *"not a known webhook event of mailgun"* ]]
	[ ! -s "$L" ] || [ "$(wc -l <"$L")" -eq 0 ]
	run suppress -l "$L" -n $T0 import --for 2d --reason imported -f sendgrid "$LF/sendgrid-bounces.json"
	[ "$status" -eq 0 ]
	[ "$(entry nobody@example.com)" = '["imported","2026-12-03T00:00:00Z","sendgrid","5.1.1"]' ]
	rm -f "$L"
	run suppress -l "$L" -n $T0 import -E 7d,permanent - <"$LF/mandrill-rejects.csv"
	[ "$status" -eq 0 ]
	[ "$(entry nobody@example.com)" = '["userunknown",null,"mandrill","5.1.1"]' ]
	printf '%s\n' '[{"email":"x@example.com","reason":"soft-bounce","detail":"","created_at":"2026-11-27 10:00:00","expires_at":"2026-11-28 10:00:00","expired":false}]' |
	    suppress -l "$L" -n $T0 import -E 7d,permanent
	[ "$(jq -r 'select(.address == "x@example.com") | .until' "$L")" = 2026-12-08T00:00:00Z ]
	run suppress -l "$L" import -f nosuch "$LF/sendgrid-bounces.json"
	[ "$status" -eq 2 ]
	[[ "$output" == *"not a provider whose lists are read: nosuch"* ]]
}

@test "import: bad records are reported, the rest added; deferrals and deliveries are no reason" {
	printf '%s\n' '{"created":1795773600,"email":"not an address","status":"5.1.1"}' \
	    '{"created":1795773600,"email":"ok@example.com","status":"5.1.1","reason":"550 5.1.1 unknown"}' \
	    '{"event":"deferred","email":"later@example.com","timestamp":1795773600,"response":"451 4.3.0 try later"}' \
	    '{"event":"delivered","email":"fine@example.com","timestamp":1795773600}' \
	    'garbage' >"$BATS_TEST_TMPDIR/in.jsonl"
	run suppress -l "$L" -n $T0 import "$BATS_TEST_TMPDIR/in.jsonl"
	[ "$status" -eq 2 ]
	[ "$(jq -r .address "$L")" = ok@example.com ]
	[[ "$output" == *"in.jsonl:1: not an address"* ]]
	[[ "$output" == *"in.jsonl:5:"* ]]
	run suppress -l "$L" -n $T0 import "$BATS_TEST_TMPDIR/nosuch.json"
	[ "$status" -eq 2 ]
}

@test "export: the list in each provider's import form" {
	suppress -l "$L" -n $T0 import "$LF/sendgrid-bounces.json" "$LF/postmark-suppressions.json" >/dev/null
	suppress -l "$L" -n $T0 add --for 1d @example.org ended@example.com >/dev/null
	run suppress -l "$L" -n 2026-12-10T00:00:00Z export -f sendgrid
	[ "$status" -eq 0 ]
	# the pauses that ended are not in force; the domain entry cannot go
	[ "$(sed -n 1p <<<"$output")" = email ]
	[ "$(grep -c @ <<<"$output")" -eq 4 ]
	[[ "$output" != *"@example.org"* ]]
	run suppress -l "$L" -n $T0 export -f sendgrid
	[[ "$output" == *"1 domain entries not exported: sendgrid lists hold addresses only"* ]]
	run suppress -l "$L" -n $T0 export -f ses
	[ "$(grep -v domain <<<"$output" | tr '\n' ' ')" = "nobody@example.com,BOUNCE full@example.net,BOUNCE angry@example.com,COMPLAINT left@example.com,BOUNCE ended@example.com,BOUNCE " ]
	run suppress -l "$L" -n $T0 export -f mailgun
	[ "$(sed -n 1p <<<"$output")" = "address,code,error,created_at" ]
	[ "$(sed -n 2p <<<"$output")" = 'nobody@example.com,550,userunknown,"Tue, 01 Dec 2026 00:00:00 UTC"' ]
	run suppress -l "$L" -n $T0 export -f sparkpost
	[ "$(sed -n 1p <<<"$output")" = "recipient,type,description" ]
	[ "$(grep -c '^angry@example.com,' <<<"$output")" -eq 1 ]
	[ "$(grep -c '^nobody@example.com,' <<<"$output")" -eq 2 ]
	run suppress -l "$L" -n $T0 export -f mandrill
	[ "$(grep -v domain <<<"$output" | sed -n 1p)" = nobody@example.com ]
	run suppress -l "$L" -n $T0 export -f postmark
	[ "$(grep -v domain <<<"$output" | jq -c '.Suppressions | length')" = 5 ]
	# what was exported reads back
	suppress -l "$L" -n $T0 export -f mailgun 2>/dev/null >"$BATS_TEST_TMPDIR/mg.csv"
	run bounce-parse "$BATS_TEST_TMPDIR/mg.csv"
	[ "$status" -eq 0 ]
	[ "$(jqr .rcpt <<<"$output" | wc -l)" -eq 5 ]
}

@test "export: Postmark's requests hold 50 addresses; a provider is required" {
	for i in $(seq 1 120); do echo "u$i@example.com"; done | suppress -l "$L" -n $T0 add >/dev/null
	run suppress -l "$L" -n $T0 export -f postmark
	[ "$status" -eq 0 ]
	[ "$(jq -c '.Suppressions | length' <<<"$output" | tr '\n' ' ')" = "50 50 20 " ]
	run suppress -l "$L" export
	[ "$status" -eq 2 ]
	[[ "$output" == *"--format"* ]]
	run suppress -l "$L" export -f nosuch
	[ "$status" -eq 2 ]
	run suppress -l "$L" export -f ses extra
	[ "$status" -eq 2 ]
	# a write error on stdout is reported
	if [ -w /dev/full ]; then
		run bash -c 'suppress -l "$1" export -f ses >/dev/full' - "$L"
		[ "$status" -eq 2 ]
	fi
}
