#!/usr/bin/env bats
# suppress: the suppression list (pauses that expire, permanent entries,
# whole domains, escalation) and filtering against it.

load helper

FX="$FIXTURES/suppress"
T0=2026-11-27T10:00:00Z

setup() {
	L="$BATS_TEST_TMPDIR/list.jsonl"
}

# The entry of address $1 in the list file, as compact JSON.
entry() { jq -c --arg a "$1" 'select(.address == $a)' "$L"; }

@test "add plain addresses with --for: a pause, keys in the documented order" {
	run suppress --list "$L" --now $T0 add --for 2d <<<$'ann@example.com\nBob@Example.COM'
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(jq -r 'keys_unsorted | join(",")' <<<"${lines[0]}")" = \
	    "address,reason,since,until,count,source,status,last_added" ]
	[ "$(entry ann@example.com | jq -r '[.reason,.since,.until,.count,.source,.status] | map(tostring) | @tsv')" = \
	    "$(printf 'manual\t2026-11-27T10:00:00Z\t2026-11-29T10:00:00Z\t1\tmanual\tnull')" ]
	# the domain is lower-cased, the local part kept as given
	[ "$(entry Bob@example.com | jq -r .until)" = 2026-11-29T10:00:00Z ]
	[ "$(wc -l < "$L")" -eq 2 ]
}

@test "add takes addresses as operands, and files (a name that exists is a file)" {
	printf 'f@example.com\n' > "$BATS_TEST_TMPDIR/x@example.com"
	cd "$BATS_TEST_TMPDIR"
	run suppress --list "$L" --now $T0 add --for 2d @Full.Example a@example.com x@example.com
	[ "$status" -eq 0 ]
	[ "$(jq -r .address "$L" | tr '\n' ' ')" = "@full.example a@example.com f@example.com " ]
	run suppress --list "$L" --now $T0 add no-such-file
	[ "$status" -eq 2 ]
	[[ "$output" == *"no-such-file: No such file"* ]]
}

@test "add without --for or --until: permanent; --until sets the end" {
	suppress --list "$L" --now $T0 add <<<"perm@example.com" >/dev/null
	suppress --list "$L" --now $T0 add --until 2026-12-24T00:00:00Z <<<"xmas@example.com" >/dev/null
	suppress --list "$L" --now $T0 add --until @1798156800 <<<"epoch@example.com" >/dev/null
	[ "$(entry perm@example.com | jq -r .until)" = null ]
	[ "$(entry xmas@example.com | jq -r .until)" = 2026-12-24T00:00:00Z ]
	[ "$(entry epoch@example.com | jq -r .until)" = 2026-12-25T00:00:00Z ]
}

@test "add event records: reason, status, source from the record; hard is permanent; deliveries skipped" {
	run suppress --list "$L" --now $T0 add --for 30d "$FX/events.jsonl"
	[ "$status" -eq 0 ]
	[ "$(entry ann@example.com | jq -r '[.reason,.status,.source,.until] | map(tostring) | @tsv')" = \
	    "$(printf 'mailboxfull\t4.2.2\tpostfix\t2026-12-27T10:00:00Z')" ]
	# --for was given: it wins even for a hard bounce
	[ "$(entry gone@example.org | jq -r .until)" = 2026-12-27T10:00:00Z ]
	[ -z "$(entry fine@example.net)" ]
	rm -f "$L"
	suppress --list "$L" --now $T0 add "$FX/events.jsonl" >/dev/null
	[ "$(entry gone@example.org | jq -r '[.reason,.until] | map(tostring) | @tsv')" = "$(printf 'userunknown\tnull')" ]
	[ "$(entry ann@example.com | jq -r .until)" = null ]
}

@test "add plan records: the plan's pause is honoured, failed plans are permanent, resolved skipped" {
	run suppress --list "$L" --now $T0 add "$FX/plans.jsonl"
	[ "$status" -eq 0 ]
	[ "$(entry tired@example.com | jq -r '[.reason,.until,.source,.status] | map(tostring) | @tsv')" = \
	    "$(printf 'systemfull\t2026-12-04T10:00:00Z\tretry-plan\t4.3.1')" ]
	[ "$(entry dead@example.com | jq -r .until)" = null ]
	[ -z "$(entry back@example.com)" ]
	# a class hard record with a pause is still permanent
	rm -f "$L"
	suppress --list "$L" --now $T0 add <<<'{"rcpt":"h@example.com","class":"hard","pause":"7d"}' >/dev/null
	[ "$(entry h@example.com | jq -r .until)" = null ]
}

@test "add --reason overrides; --field names the address" {
	suppress --list "$L" --now $T0 add --reason complaint <<<"c@example.com" >/dev/null
	[ "$(entry c@example.com | jq -r .reason)" = complaint ]
	suppress --list "$L" --now $T0 add --field email --reason optout \
	    <<<'{"email":"d@example.com","reason":"x"}' >/dev/null
	[ "$(entry d@example.com | jq -r .reason)" = optout ]
}

@test "strings with quotes, backslashes and UTF-8 survive the list file" {
	reason=$'say "no" \\ r\xc3\xa9sum\xc3\xa9'
	suppress --list "$L" --now $T0 add --reason "$reason" <<<'"odd name"@example.com' >/dev/null
	suppress --list "$L" --now $T0 add <<<"other@example.com" >/dev/null
	[ "$(jq -r .reason "$L" | head -1)" = "$reason" ]
	[ "$(jq -r .address "$L" | head -1)" = '"odd name"@example.com' ]
	run suppress --list "$L" --now $T0 check '"odd name"@EXAMPLE.com'
	[ "$status" -eq 1 ]
	[ "$(jq -r .reason <<<"$output")" = "$reason" ]
	# invalid UTF-8 given on the command line is cleaned, not written raw
	suppress --list "$L" --now $T0 add --reason $'bad\xff' <<<"x@example.com" >/dev/null
	[ "$(grep x@example.com "$L" | jq -r .reason)" = $'bad\xef\xbf\xbd' ]
}

@test "add: a line that is neither a record nor an address is file:line, exit 2, no entry" {
	printf 'ok@example.com\nnot an address\n{"rcpt":"no-at-sign"}\n{"to":"x@example.com"}\n{broken\nok2@example.com\n' > "$BATS_TEST_TMPDIR/in"
	run suppress --list "$L" --now $T0 add "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 2 ]
	[[ "$output" == *"in:2: neither a JSON record nor an address"* ]]
	[[ "$output" == *"in:3: rcpt: not an address"* ]]
	[[ "$output" == *"in:4: no \"rcpt\" string"* ]]
	[[ "$output" == *"in:5: invalid JSON"* ]]
	[ "$(jq -r .address "$L" | sort | tr '\n' ' ')" = "ok2@example.com ok@example.com " ]
}

@test "adding again counts, never shortens a pause, extends a shorter one" {
	suppress --list "$L" --now $T0 add --for 10d <<<"a@example.com" >/dev/null
	suppress --list "$L" --now 2026-11-28T10:00:00Z add --for 2d <<<"a@example.com" >/dev/null
	[ "$(entry a@example.com | jq -r '[.count,.until,.last_added] | map(tostring) | @tsv')" = \
	    "$(printf '2\t2026-12-07T10:00:00Z\t2026-11-28T10:00:00Z')" ]
	suppress --list "$L" --now 2026-11-28T10:00:00Z add --for 20d --reason later <<<"a@example.com" >/dev/null
	[ "$(entry a@example.com | jq -r '[.count,.since,.until,.reason] | map(tostring) | @tsv')" = \
	    "$(printf '3\t2026-11-27T10:00:00Z\t2026-12-18T10:00:00Z\tlater')" ]
	# a permanent entry stays permanent
	suppress --list "$L" --now $T0 add <<<"p@example.com" >/dev/null
	suppress --list "$L" --now $T0 add --for 1d <<<"p@example.com" >/dev/null
	[ "$(entry p@example.com | jq -r '[.count,.until] | map(tostring) | @tsv')" = "$(printf '2\tnull')" ]
	[ "$(wc -l < "$L")" -eq 2 ]
}

@test "escalation: a pause after an ended one is longer: 30d, 90d, then permanent" {
	for t in 2026-01-01 2026-02-10 2026-06-01 2026-12-01; do
		suppress --list "$L" --now ${t}T00:00:00Z add --for 30d <<<"e@example.com" >/dev/null
		entry e@example.com | jq -r '[.since,.until,.count] | map(tostring) | @tsv' >> "$BATS_TEST_TMPDIR/steps"
	done
	run cat "$BATS_TEST_TMPDIR/steps"
	[ "${lines[0]}" = "$(printf '2026-01-01T00:00:00Z\t2026-01-31T00:00:00Z\t1')" ]
	[ "${lines[1]}" = "$(printf '2026-02-10T00:00:00Z\t2026-05-11T00:00:00Z\t2')" ]
	[ "${lines[2]}" = "$(printf '2026-06-01T00:00:00Z\tnull\t3')" ]
	[ "${lines[3]}" = "$(printf '2026-06-01T00:00:00Z\tnull\t4')" ]
}

@test "escalation: first step longer than the last pause; --escalate sets the steps, none turns it off" {
	suppress --list "$L" --now 2026-01-01T00:00:00Z add --for 2d <<<"s@example.com" >/dev/null
	suppress --list "$L" --now 2026-01-10T00:00:00Z add --for 2d <<<"s@example.com" >/dev/null
	[ "$(entry s@example.com | jq -r .until)" = 2026-02-09T00:00:00Z ]
	suppress --list "$L" --now 2026-03-01T00:00:00Z add --for 2d --escalate 45d,1w <<<"s@example.com" 2>/dev/null &&
	    false
	suppress --list "$L" --now 2026-03-01T00:00:00Z add --for 2d --escalate 1w,45d <<<"s@example.com" >/dev/null
	[ "$(entry s@example.com | jq -r .until)" = 2026-04-15T00:00:00Z ]
	suppress --list "$L" --now 2026-05-01T00:00:00Z add --for 2d --escalate none <<<"s@example.com" >/dev/null
	[ "$(entry s@example.com | jq -r .until)" = 2026-05-03T00:00:00Z ]
	# duplicates while a pause is in force extend it but do not escalate
	suppress --list "$L" --now 2026-05-02T00:00:00Z add --for 2d <<<"s@example.com" >/dev/null
	[ "$(entry s@example.com | jq -r '[.since,.until] | map(tostring) | @tsv')" = \
	    "$(printf '2026-05-01T00:00:00Z\t2026-05-04T00:00:00Z')" ]
	# --until is exact
	suppress --list "$L" --now 2026-06-01T00:00:00Z add --until 2026-06-03T00:00:00Z <<<"s@example.com" >/dev/null
	[ "$(entry s@example.com | jq -r .until)" = 2026-06-03T00:00:00Z ]
}

@test "domain entries pause a whole domain and never escalate" {
	suppress --list "$L" --now $T0 add --for 2d <<<"@Full.Example" >/dev/null
	[ "$(entry @full.example | jq -r .until)" = 2026-11-29T10:00:00Z ]
	run suppress --list "$L" --now $T0 check someone@FULL.example.
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.rcpt,.address] | map(tostring) | @tsv' <<<"$output")" = "$(printf 'someone@full.example\t@full.example')" ]
	run suppress --list "$L" --now $T0 check someone@sub.full.example
	[ "$status" -eq 0 ]
	suppress --list "$L" --now 2026-12-10T00:00:00Z add --for 2d <<<"@full.example" >/dev/null
	[ "$(entry @full.example | jq -r '[.until,.count] | map(tostring) | @tsv')" = "$(printf '2026-12-12T00:00:00Z\t2')" ]
}

@test "local parts match as given; --fold-local folds them when adding and matching" {
	suppress --list "$L" --now $T0 add <<<"Ann@Example.com" >/dev/null
	run suppress --list "$L" --now $T0 check ann@example.com
	[ "$status" -eq 0 ]
	run suppress --list "$L" --now $T0 check Ann@EXAMPLE.COM
	[ "$status" -eq 1 ]
	run suppress --list "$L" --now $T0 --fold-local check ANN@example.com
	[ "$status" -eq 1 ]
	suppress --list "$L" --now $T0 add -i <<<"BOB@example.com" >/dev/null
	[ "$(entry bob@example.com | jq -r .count)" = 1 ]
	run suppress --list "$L" --now $T0 filter -i <<<$'Bob@example.com\nann@example.com\ncarl@example.com'
	[ "$status" -eq 0 ]
	[ "$output" = carl@example.com ]
}

@test "filter writes the lines not suppressed byte for byte, plain and JSON" {
	suppress --list "$L" --now $T0 add --for 2d <<<$'bob@example.com\ncarl@example.com\n@full.example' >/dev/null
	# Carl@Example.COM passes: the local part is matched as given
	run suppress --list "$L" --now $T0 filter "$FX/recipients.txt"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	suppress --list "$L" --now $T0 filter < "$FX/recipients.txt" |
	    cmp - <(sed -n '1p;3p' "$FX/recipients.txt")
	# the domain matches whatever its case
	suppress --list "$L" --now $T0 add <<<"Carl@example.com" >/dev/null
	suppress --list "$L" --now $T0 filter "$FX/recipients.txt" | cmp - <(head -1 "$FX/recipients.txt")
	# after the pause, everything passes unchanged (the permanent Carl aside)
	suppress --list "$L" --now 2026-11-29T10:00:00Z filter "$FX/recipients.txt" |
	    cmp - <(grep -v Carl "$FX/recipients.txt")
	printf '{"rcpt":"bob@example.com","n":1}\n{"rcpt":"dan@example.com", "n" : 2}\n' |
	    suppress --list "$L" --now $T0 filter | cmp - <(printf '{"rcpt":"dan@example.com", "n" : 2}\n')
}

@test "filter --field, a missing last line end, and bad input lines (reported, skipped, exit 2)" {
	suppress --list "$L" --now $T0 add <<<"bob@example.com" >/dev/null
	run suppress --list "$L" --now $T0 filter --field to "$FX/recipients.jsonl"
	[ "$status" -eq 2 ]
	[ "$(grep -c '^{' <<<"$output")" -eq 1 ]
	grep -qxF '{"to":"ann@example.com","id":1}' <<<"$output"
	[[ "$output" == *"recipients.jsonl:3: no \"to\" string in the record"* ]]
	[ "$(suppress --list "$L" filter --field to "$FX/recipients.jsonl" 2>/dev/null | wc -l)" -eq 1 ]
	printf 'x@example.com\n\nnot-an-address\n{"rcpt":\ny@example.com' > "$BATS_TEST_TMPDIR/in"
	run suppress --list "$L" filter "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 2 ]
	[[ "$output" == *"in:3: not an address"* ]]
	[[ "$output" == *"in:4: invalid JSON"* ]]
	# the last line had no line end: it gets one
	suppress --list "$L" filter "$BATS_TEST_TMPDIR/in" 2>/dev/null |
	    cmp - <(printf 'x@example.com\ny@example.com\n')
}

@test "filter --invert writes the suppressed ones with their entry" {
	suppress --list "$L" --now $T0 add --for 2d --reason full <<<"@full.example" >/dev/null
	suppress --list "$L" --now $T0 add <<<"bob@example.com" >/dev/null
	run suppress --list "$L" --now $T0 filter --invert "$FX/recipients.txt"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(jq -r 'keys_unsorted | .[0:2] | join(",")' <<<"${lines[0]}")" = rcpt,address ]
	[ "$(jq -r '[.rcpt,.address,.until] | map(tostring) | @tsv' <<<"${lines[0]}")" = \
	    "$(printf 'bob@example.com\tbob@example.com\tnull')" ]
	[ "$(jq -r '[.rcpt,.address,.reason] | map(tostring) | @tsv' <<<"${lines[1]}")" = \
	    "$(printf 'zed@full.example\t@full.example\tfull')" ]
}

@test "filter and check do not change the list and take no lock" {
	suppress --list "$L" --now $T0 add <<<"bob@example.com" >/dev/null
	before=$(cksum < "$L")
	# a writer holds the lock while it waits for its input
	(sleep 2 | suppress --list "$L" add >/dev/null 2>&1) &
	sleep 0.5
	run suppress --list "$L" filter "$FX/recipients.txt"
	[ "$status" -eq 0 ]
	run suppress --list "$L" check bob@example.com
	[ "$status" -eq 1 ]
	[ "$(cksum < "$L")" = "$before" ]
	wait
}

@test "check: 0 when none is suppressed, 1 (and the entry) when one is, 2 on a bad address" {
	suppress --list "$L" --now $T0 add --for 1d <<<"bob@example.com" >/dev/null
	run suppress --list "$L" --now $T0 check ann@example.com carl@example.com
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run suppress --list "$L" --now $T0 check ann@example.com bob@example.com
	[ "$status" -eq 1 ]
	[ "$(jq -r .address <<<"$output")" = bob@example.com ]
	run suppress --list "$L" --now $T0 check not-an-address
	[ "$status" -eq 2 ]
	[[ "$output" == *"not-an-address: not an address"* ]]
	run suppress --list "$L" --now 2026-11-28T10:00:00Z check bob@example.com
	[ "$status" -eq 0 ]
	run suppress --list "$BATS_TEST_TMPDIR/none.jsonl" check bob@example.com
	[ "$status" -eq 0 ]
}

@test "expire: a pause ends at its until (boundary); --keep holds ended ones back" {
	suppress --list "$L" --now $T0 add --for 1d <<<"one@example.com" >/dev/null
	suppress --list "$L" --now $T0 add --for 2d <<<"two@example.com" >/dev/null
	suppress --list "$L" --now $T0 add <<<"perm@example.com" >/dev/null
	run suppress --list "$L" --now 2026-11-28T09:59:59Z expire
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(wc -l < "$L")" -eq 3 ]
	run suppress --list "$L" --now 2026-11-28T09:59:59Z check one@example.com
	[ "$status" -eq 1 ]
	run suppress --list "$L" --now 2026-11-28T10:00:00Z check one@example.com
	[ "$status" -eq 0 ]
	run suppress --list "$L" --now 2026-11-29T12:00:00Z expire --keep 1d
	[ "$(jq -r .address <<<"$output")" = one@example.com ]
	[ "$(jq -r .address "$L" | sort | tr '\n' ' ')" = "perm@example.com two@example.com " ]
	run suppress --list "$L" --now 2026-11-29T10:00:00Z expire
	[ "$(jq -r .address <<<"$output")" = two@example.com ]
	[ "$(jq -r .address "$L")" = perm@example.com ]
}

@test "list and list --active" {
	suppress --list "$L" --now $T0 add --for 1d <<<"one@example.com" >/dev/null
	suppress --list "$L" --now $T0 add <<<"perm@example.com" >/dev/null
	run suppress --list "$L" --now 2026-12-01T00:00:00Z list
	[ "${#lines[@]}" -eq 2 ]
	run suppress --list "$L" --now 2026-12-01T00:00:00Z list --active
	[ "$output" = "$(entry perm@example.com)" ]
}

@test "remove: addresses as operands or records from stdin; absent ones are no error" {
	suppress --list "$L" --now $T0 add <<<$'a@example.com\nb@example.com\nc@example.com\n@d.example' >/dev/null
	run suppress --list "$L" remove a@EXAMPLE.com nobody@example.com @D.example
	[ "$status" -eq 0 ]
	[ "$(jq -r .address <<<"$output" | tr '\n' ' ')" = "a@example.com @d.example " ]
	run suppress --list "$L" remove <<<$'{"rcpt":"b@example.com"}\n'
	[ "$status" -eq 0 ]
	[ "$(jq -r .address "$L")" = c@example.com ]
	run suppress --list "$L" remove not-an-address
	[ "$status" -eq 2 ]
	[ "$(jq -r .address "$L")" = c@example.com ]
}

@test "bad lines in the list file: reported as list:line, kept verbatim when rewritten, exit 2" {
	cp "$FX/list-bad.jsonl" "$L"
	run suppress --list "$L" --now $T0 list
	[ "$status" -eq 2 ]
	[[ "$output" == *"list.jsonl:2: invalid JSON"* ]]
	[[ "$output" == *"list.jsonl:3: no \"address\""* ]]
	[[ "$output" == *"list.jsonl:5: a second entry for the same address"* ]]
	# an entry written by hand, keys in any order, is read (domain lower-cased)
	# (exit 2 all the same: the list has bad lines)
	run suppress --list "$L" --now $T0 check hand@example.com
	[ "$status" -eq 2 ]
	[[ "$output" != *'"address":'* ]]
	run suppress --list "$L" --now $T0 check Hand@example.com
	[ "$status" -eq 2 ]
	[[ "$output" == *'"address":"Hand@example.com"'* ]]
	run suppress --list "$L" --now $T0 add <<<"new@example.com"
	[ "$status" -eq 2 ]
	grep -qxF 'this is no entry' "$L"
	grep -qxF '{"reason":"no address here"}' "$L"
	grep -qxF '{"address":"kept@example.com","until":"2027-01-01T00:00:00Z"}' "$L"
	[ "$(sed -n 2p "$L")" = "this is no entry" ]
	[ "$(grep new@example.com "$L" | jq -r .count)" = 1 ]
	[ "$(wc -l < "$L")" -eq 6 ]
	run suppress --list "$L" filter <<<"kept@example.com"
	[ "$status" -eq 2 ]
	! grep -qxF kept@example.com <<<"$output" || false
	[ "$(grep -c . <<<"$output")" -eq 3 ]
}

@test "a busy list fails at once without --wait; 8 concurrent adds with --wait lose nothing" {
	(sleep 2 | suppress --list "$L" add --wait >/dev/null 2>&1) &
	sleep 0.5
	run suppress --list "$L" add <<<"x@example.com"
	[ "$status" -eq 2 ]
	[[ "$output" == *"locked by another run"* ]]
	wait
	for i in 1 2 3 4 5 6 7 8; do
		seq 1 200 | sed "s/.*/u&.$i@example.com/" |
		    suppress --list "$L" add --wait --for 1d >/dev/null &
	done
	wait
	[ "$(wc -l < "$L")" -eq 1600 ]
	[ "$(jq -r .address "$L" | sort -u | wc -l)" -eq 1600 ]
}

@test "SIGKILL at any moment never tears the list" {
	seq 1 20000 | sed 's/.*/k&@example.com/' > "$BATS_TEST_TMPDIR/many"
	suppress --list "$L" add --for 1d "$BATS_TEST_TMPDIR/many" >/dev/null
	for i in $(seq 1 15); do
		suppress --list "$L" add --wait --for ${i}d "$BATS_TEST_TMPDIR/many" >/dev/null &
		pid=$!
		sleep 0.0$((RANDOM % 9 + 1))
		kill -9 $pid 2>/dev/null || true
		wait $pid 2>/dev/null || true
		[ "$(wc -l < "$L")" -eq 20000 ]
		jq -c . "$L" >/dev/null
		run suppress --list "$L" list
		[ "$status" -eq 0 ]
	done
}

@test "a write error on stdout is exit 2, for list, filter, check and add" {
	suppress --list "$L" --now $T0 add <<<"bob@example.com" >/dev/null
	run sh -c "suppress --list '$L' list > /dev/full"
	[ "$status" -eq 2 ]
	[[ "$output" == *"write error"* ]]
	run sh -c "suppress --list '$L' filter '$FX/recipients.txt' > /dev/full"
	[ "$status" -eq 2 ]
	run sh -c "suppress --list '$L' check bob@example.com > /dev/full"
	[ "$status" -eq 2 ]
	run sh -c "echo c@example.com | suppress --list '$L' add > /dev/full"
	[ "$status" -eq 2 ]
}

@test "usage errors: no list, no or unknown command, options that do not apply, bad times" {
	run suppress list
	[ "$status" -eq 2 ]
	[[ "$output" == *"no --list"* ]]
	run suppress --list "$L"
	[ "$status" -eq 2 ]
	run suppress --list "$L" frobnicate
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown command: frobnicate"* ]]
	run suppress --list "$L" filter --for 1d
	[ "$status" -eq 2 ]
	[[ "$output" == *"--for does not apply to filter"* ]]
	run suppress --list "$L" add --for 1d --until 2027-01-01T00:00:00Z
	[ "$status" -eq 2 ]
	run suppress --list "$L" --now yesterday list
	[ "$status" -eq 2 ]
	run suppress --list "$L" add --for soon
	[ "$status" -eq 2 ]
	run suppress --list "$L" check
	[ "$status" -eq 2 ]
	[ ! -e "$L" ]
}
