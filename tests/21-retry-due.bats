#!/usr/bin/env bats
# retry-due: the plans whose retry is due, each handed out once.

load helper
load retry

R="$FIXTURES/retry"

setup() {
	T="$BATS_TEST_TMPDIR"
	S="$T/plans.jsonl"
}

# The fixture events: ann (due 2026-11-21T10:00), cat (backoff, seed 1),
# eve (due 2026-11-21T10:20), bob failed.
plans() {
	retry-plan -S 1 -s "$S" --now 2026-11-20T12:00:00Z "$R/events.jsonl" >/dev/null
}

@test "only plans due at --now are handed out, claimed, and not handed out again" {
	plans
	due=$(field cat@example.net next_retry)
	run retry-due -s "$S" --now 2026-11-21T10:10:00Z
	[ "$status" -eq 0 ]
	# The longest due first: cat's jittered retry (seed 1) comes before ann's.
	[[ "$due" < 2026-11-21T10:00:00Z ]]
	[ "$(jq -r .rcpt <<<"$output" | tr '\n' ' ')" = "cat@example.net ann@example.com " ]
	output=$(grep ann@example.com <<<"$output")
	[ "$(jq -r .state <<<"$output")" = claimed ]
	[ "$(jq -r .attempts <<<"$output")" = 1 ]
	[ "$(jq -r .claimed_at <<<"$output")" = 2026-11-21T10:10:00Z ]
	[ "$(jq -r .next_retry <<<"$output")" = null ]
	[ "$(jq -r '.msgids[0]' <<<"$output")" = '<m1@shop.example>' ]
	[ "$(field ann@example.com state)" = claimed ]
	run retry-due -s "$S" --now 2026-11-21T10:30:00Z
	[ "$status" -eq 0 ]
	[ "$(jq -r .rcpt <<<"$output")" = eve@full.example ]
}

@test "--dry-run prints what is due and changes nothing" {
	plans
	cp "$S" "$T/before"
	run retry-due -s "$S" --dry-run --now 2026-11-21T10:30:00Z
	[ "$status" -eq 0 ]
	[ "$(jq -r .rcpt <<<"$output" | tr '\n' ' ')" = "cat@example.net ann@example.com eve@full.example " ]
	[ "$(jq -r .state <<<"$output" | sort -u)" = waiting ]
	cmp "$S" "$T/before"
	run retry-due -s "$S" --now 2026-11-21T10:30:00Z
	[ "$(jq -s length <<<"$output")" -eq 3 ]
}

@test "--limit hands out the longest due first, the rest next time" {
	for i in 1 2 3 4 5; do
		ev "2026-11-20T1$i:00:00Z" "u$i@example.com" failed 4.2.2 mailboxfull soft "Q$i"
	done | retry-plan -s "$S" --now 2026-11-20T20:00:00Z >/dev/null
	run retry-due -s "$S" --limit 2 --now 2026-11-22T00:00:00Z
	[ "$(jq -r .rcpt <<<"$output" | tr '\n' ' ')" = "u1@example.com u2@example.com " ]
	run retry-due -s "$S" --limit 2 --now 2026-11-22T00:00:00Z
	[ "$(jq -r .rcpt <<<"$output" | tr '\n' ' ')" = "u3@example.com u4@example.com " ]
	run retry-due -s "$S" --now 2026-11-22T00:00:00Z
	[ "$(jq -r .rcpt <<<"$output")" = u5@example.com ]
	run retry-due -s "$S" --now 2026-11-22T00:00:00Z
	[ -z "$output" ]
}

@test "a claim lost before the resend (nothing heard since) is handed out again after the claim timeout" {
	plans
	retry-due -s "$S" --now 2026-11-21T10:10:00Z >/dev/null
	# The machine died: no event about ann after the claim.
	run retry-due -s "$S" --now 2026-11-21T16:00:00Z
	[[ "$output" != *ann@example.com* ]]
	run retry-due -s "$S" --now 2026-11-21T16:10:00Z
	[ "$(jq -r 'select(.rcpt=="ann@example.com") | .attempts' <<<"$output")" = 2 ]
	[ "$(jq -r 'select(.rcpt=="ann@example.com") | .last_attempt' <<<"$output")" = 2026-11-21T10:10:00Z ]
	# --claim-timeout changes the wait.
	run retry-due -s "$S" --claim-timeout 1h --now 2026-11-21T17:10:00Z
	[ "$(jq -r 'select(.rcpt=="ann@example.com") | .attempts' <<<"$output")" = 3 ]
}

@test "a confirmed claim (an event since) is not handed out again; a new bounce gets the next gap" {
	plans
	retry-due -s "$S" --now 2026-11-21T10:10:00Z >/dev/null
	ev 2026-11-21T10:11:00Z ann@example.com delayed 4.2.2 mailboxfull soft D1 |
	    retry-plan -s "$S" --now 2026-11-21T10:30:00Z >/dev/null
	run retry-due -s "$S" --now 2026-11-21T20:00:00Z
	[[ "$output" != *ann@example.com* ]]
	ev 2026-11-22T10:11:00Z ann@example.com failed 4.2.2 mailboxfull soft D2 |
	    retry-plan -s "$S" --now 2026-11-22T10:30:00Z >/dev/null
	[ "$(field ann@example.com state)" = waiting ]
	[ "$(field ann@example.com next_retry)" = 2026-11-23T10:10:00Z ]
}

@test "a claim with no outcome at all resolves after --resolve-after" {
	plans
	retry-due -s "$S" --now 2026-11-21T10:10:00Z >/dev/null
	ev 2026-11-21T10:11:00Z ann@example.com delayed 4.2.2 mailboxfull soft D1 |
	    retry-plan -s "$S" --now 2026-11-21T10:30:00Z >/dev/null
	retry-due -s "$S" --now 2026-11-28T10:00:00Z >/dev/null
	[ "$(field ann@example.com state)" = claimed ]
	retry-due -s "$S" --now 2026-11-28T10:12:00Z >/dev/null
	[ "$(field ann@example.com state)" = resolved ]
	[ "$(field ann@example.com resolved_at)" = 2026-11-21T10:11:00Z ]
}

@test "the last retry's lost claim is not handed out beyond max_attempts" {
	ev 2026-11-20T10:00:00Z ann@example.com failed 4.2.2 mailboxfull soft Q1 |
	    retry-plan -s "$S" -p "$R/policy" --now 2026-11-20T11:00:00Z >/dev/null
	# builtin-full: 4 retries; here every claim is lost and handed out again.
	n=0
	for d in 21 22 23 24 25 26; do
		n=$((n + $(retry-due -s "$S" --now "2026-11-${d}T12:00:00Z" | wc -l)))
	done
	[ "$n" -eq 4 ]
	[ "$(field ann@example.com attempts)" = 4 ]
}

@test "8 retry-due runs at once (--wait) hand no recipient out twice" {
	for i in $(seq 1 200); do
		ev 2026-11-20T10:00:00Z "u$i@example.com" failed 4.2.2 mailboxfull soft "Q$i"
	done | retry-plan -s "$S" --now 2026-11-20T11:00:00Z >/dev/null
	for j in $(seq 1 8); do
		retry-due -s "$S" --wait --limit 30 --now 2026-11-22T00:00:00Z >"$T/out$j" &
	done
	wait
	[ "$(cat "$T"/out* | wc -l)" -eq 200 ]
	[ "$(cat "$T"/out* | jq -r .rcpt | sort | uniq -d | wc -l)" -eq 0 ]
	[ "$(jq -r 'select(.state=="claimed") | .rcpt' "$S" | wc -l)" -eq 200 ]
}

@test "a busy lock fails fast without --wait" {
	plans
	(sleep 2; echo) | retry-plan -s "$S" --now 2026-11-20T12:00:00Z >/dev/null &
	sleep 0.5
	run retry-due -s "$S" --now 2026-11-22T00:00:00Z
	[ "$status" -eq 2 ]
	[[ "$output" == *"locked by another run"* ]]
	wait
	run retry-due -s "$S" --wait --now 2026-11-22T00:00:00Z
	[ "$status" -eq 0 ]
	[ "$(jq -s length <<<"$output")" -eq 3 ]
}

@test "a bad state line is reported and kept; the good plans are still handed out" {
	cp "$R/state-bad.jsonl" "$S"
	run retry-due -s "$S" --now 2026-11-21T12:00:00Z
	[ "$status" -eq 2 ]
	[[ "$output" == *"$S:2: invalid JSON"* ]]
	[ "$(grep -c '^{"rcpt"' <<<"$output")" -eq 2 ]
	grep -qxF '{"rcpt":"broken@example.com","state":"waiting"' "$S"
	[ "$(field fay@example.com state)" = claimed ]
	[ "$(wc -l <"$S")" -eq 4 ]
}

@test "a missing state file hands out nothing; --state is required" {
	run retry-due -s "$T/none.jsonl" --now 2026-11-21T12:00:00Z
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run retry-due --now 2026-11-21T12:00:00Z
	[ "$status" -eq 2 ]
	[[ "$output" == *usage:* ]]
	run retry-due -s "$S" --limit -3
	[ "$status" -eq 2 ]
	run retry-due -s "$S" extra-operand
	[ "$status" -eq 2 ]
}

@test "a write error on standard output is reported, exit 2" {
	plans
	run sh -c "retry-due -s '$S' --dry-run --now 2026-11-22T00:00:00Z >/dev/full"
	[ "$status" -eq 2 ]
	[[ "$output" == *"write error"* ]]
}
