#!/usr/bin/env bats
# retry-plan: events -> retry plans, merged into a locked, atomically replaced
# state file.

load helper
load retry

R="$FIXTURES/retry"

setup() {
	T="$BATS_TEST_TMPDIR"
	S="$T/plans.jsonl"
}

@test "a soft mailboxfull bounce opens a plan due 24h later, builtin-full rule" {
	run retry-plan --state "$S" --now 2026-11-20T12:00:00Z "$R/events.jsonl"
	[ "$status" -eq 0 ]
	[ "$(field ann@example.com state)" = waiting ]
	[ "$(field ann@example.com next_retry)" = 2026-11-21T10:00:00Z ]
	[ "$(field ann@example.com rule)" = builtin-full ]
	[ "$(field ann@example.com max_attempts)" = 4 ]
	[ "$(field ann@example.com attempts)" = 0 ]
	[ "$(field ann@example.com 'msgids[0]')" = '<m1@shop.example>' ]
	[ "$(field ann@example.com from)" = news@shop.example ]
	[ "$(field eve@full.example next_retry)" = 2026-11-21T10:20:00Z ]
	# What was printed is what was stored: every plan is new.
	[ "$(jq -s length <<<"$output")" -eq "$(wc -l <"$S")" ]
}

@test "plan records have the documented keys in a stable order" {
	retry-plan --state "$S" --now 2026-11-20T12:00:00Z "$R/events.jsonl" >/dev/null
	keys=$(head -1 "$S" | jq -c keys_unsorted)
	[ "$keys" = '["rcpt","domain","state","status","reason","attempts","max_attempts","first_bounce","last_bounce","last_attempt","next_retry","claimed_at","resolved_at","msgids","from","rule","pause","expires","delays","last_event","since","seen_upto","seen"]' ]
	# Every line of the state has the same keys.
	[ "$(jq -c keys_unsorted "$S" | sort -u | wc -l)" -eq 1 ]
}

@test "a hard bounce is failed at once, printed, never retried" {
	run retry-plan --state "$S" --now 2026-11-20T12:00:00Z "$R/events.jsonl"
	[ "$(jq -r 'select(.state=="failed") | .rcpt' <<<"$output")" = bob@example.org ]
	[ "$(field bob@example.org next_retry)" = null ]
	[ "$(field bob@example.org max_attempts)" = 0 ]
	run retry-due --state "$S" --now 2027-01-01T00:00:00Z --dry-run
	[[ "$output" != *bob@example.org* ]]
}

@test "the full-mailbox schedule: 24h, 48h, 72h, 1w from each retry, then exhausted with a pause" {
	ev 2026-11-20T10:00:00Z ann@example.com failed 4.2.2 mailboxfull soft Q0 |
	    retry-plan -s "$S" --now 2026-11-20T10:30:00Z >/dev/null
	t=2026-11-21T11:00:00Z
	gaps=""
	for i in 1 2 3 4; do
		run retry-due -s "$S" --now "$t"
		[ "$status" -eq 0 ]
		[ "$(jq -r .attempts <<<"$output")" -eq "$i" ]
		b=$(date -u -d "$t 5 min" +%FT%TZ)
		run retry-plan -s "$S" --now "$b" < <(ev "$b" ann@example.com failed 4.2.2 mailboxfull soft "R$i")
		[ "$status" -eq 0 ]
		next=$(jq -r .next_retry <<<"$output")
		[ "$next" = null ] && break
		gaps="$gaps $(( ($(date -u -d "$next" +%s) - $(date -u -d "$t" +%s)) / 3600 ))"
		[ "$(jq -r .last_attempt <<<"$output")" = "$t" ]
		t=$(date -u -d "$next 1 hour" +%FT%TZ)
	done
	[ "$gaps" = " 48 72 168" ]
	[ "$(jq -r .state <<<"$output")" = exhausted ]
	[ "$(jq -r .attempts <<<"$output")" = 4 ]
	[ "$(jq -r .pause <<<"$output")" = 30d ]
	[ "$(jq -r .expires <<<"$output")" != null ]
	# The pipeline to suppress picks it up.
	[ "$(jq -r 'select(.state=="exhausted") | .rcpt' <<<"$output")" = ann@example.com ]
}

@test "other soft reasons back off exponentially with +-20% jitter, reproducible with --seed" {
	for i in $(seq 1 40); do
		ev 2026-11-20T10:00:00Z "u$i@example.net" failed 4.4.1 networkerror soft "Q$i"
	done >"$T/ev"
	retry-plan --seed 7 --now 2026-11-20T12:00:00Z "$T/ev" >"$T/a"
	retry-plan --seed 7 --now 2026-11-20T12:00:00Z "$T/ev" >"$T/b"
	retry-plan --seed 8 --now 2026-11-20T12:00:00Z "$T/ev" >"$T/c"
	cmp "$T/a" "$T/b"
	! cmp -s "$T/a" "$T/c" || false
	base=$(date -u -d 2026-11-20T10:00:00Z +%s)
	for n in $(jq -r .next_retry "$T/a"); do
		gap=$(( $(date -u -d "$n" +%s) - base ))
		# 24h +- 20%
		[ "$gap" -ge 69120 ] && [ "$gap" -le 103680 ]
	done
	# Jitter spreads them: not all the same.
	[ "$(jq -r .next_retry "$T/a" | sort -u | wc -l)" -gt 10 ]
	[ "$(jq -r .rule "$T/a" | sort -u)" = builtin-backoff ]
}

@test "feeding the same events again changes nothing" {
	awk -v n=3000 -v users=300 -f "$R/gen-events.awk" >"$T/ev"
	retry-plan -S 1 -s "$S" --now 2026-11-02T00:00:00Z "$T/ev" >/dev/null
	cp "$S" "$T/first"
	run retry-plan -S 1 -s "$S" --now 2026-11-02T00:00:00Z "$T/ev"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	cmp "$S" "$T/first"
	# Even split in two runs and replayed.
	rm -f "$S"
	head -1500 "$T/ev" | retry-plan -S 1 -s "$S" --now 2026-11-02T00:00:00Z >/dev/null
	retry-plan -S 1 -s "$S" --now 2026-11-02T00:00:00Z "$T/ev" >/dev/null
	cmp "$S" "$T/first"
}

@test "an older bounce after a newer one moves nothing back and counts nothing twice" {
	ev 2026-11-20T10:00:00Z ann@example.com failed 4.2.2 mailboxfull soft Q1 |
	    retry-plan -s "$S" --now 2026-11-20T11:00:00Z >/dev/null
	retry-due -s "$S" --now 2026-11-21T11:00:00Z >/dev/null
	ev 2026-11-21T12:00:00Z ann@example.com failed 4.2.2 mailboxfull soft Q2 |
	    retry-plan -s "$S" --now 2026-11-21T13:00:00Z >/dev/null
	[ "$(field ann@example.com next_retry)" = 2026-11-23T11:00:00Z ]
	cp "$S" "$T/before"
	# A bounce from before the claim, read late: recorded, no new step.
	ev 2026-11-20T18:00:00Z ann@example.com failed 4.2.2 mailboxfull soft Q9 |
	    retry-plan -s "$S" --now 2026-11-21T14:00:00Z >/dev/null
	[ "$(field ann@example.com next_retry)" = 2026-11-23T11:00:00Z ]
	[ "$(field ann@example.com attempts)" = 1 ]
	[ "$(field ann@example.com last_bounce)" = 2026-11-21T12:00:00Z ]
	[ "$(field ann@example.com first_bounce)" = 2026-11-20T10:00:00Z ]
}

@test "a delivery after the bounce resolves the plan; one from before does not" {
	{
		ev 2026-11-20T10:00:00Z ann@example.com failed 4.2.2 mailboxfull soft Q1
		ev 2026-11-20T12:00:00Z ann@example.com delivered 2.0.0 delivered none Q2
		ev 2026-11-20T10:00:00Z cat@example.net failed 4.4.1 networkerror soft Q3
		ev 2026-11-20T09:00:00Z cat@example.net delivered 2.0.0 delivered none Q4
	} >"$T/ev"
	run retry-plan -s "$S" --now 2026-11-20T13:00:00Z "$T/ev"
	[ "$status" -eq 0 ]
	[ "$(field ann@example.com state)" = resolved ]
	[ "$(field ann@example.com resolved_at)" = 2026-11-20T12:00:00Z ]
	[ "$(field ann@example.com next_retry)" = null ]
	[ "$(field cat@example.net state)" = waiting ]
	# A resolved plan that bounces again later starts over.
	ev 2026-11-22T10:00:00Z ann@example.com failed 4.2.2 mailboxfull soft Q5 |
	    retry-plan -s "$S" --now 2026-11-22T11:00:00Z >/dev/null
	[ "$(field ann@example.com state)" = waiting ]
	[ "$(field ann@example.com first_bounce)" = 2026-11-22T10:00:00Z ]
	[ "$(field ann@example.com next_retry)" = 2026-11-23T10:00:00Z ]
}

@test "delayed events open no plan, are counted on plans, and --plan-delayed opens them" {
	run retry-plan -s "$S" --now 2026-11-20T12:00:00Z --verbose "$R/events.jsonl"
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 delays counted"* ]]
	[[ "$output" == *"1 delays without a plan"* ]]
	[ "$(grep -c dan@example.net "$S")" -eq 0 ]
	[ "$(field cat@example.net delays)" = 1 ]
	run retry-plan --plan-delayed --now 2026-11-20T12:00:00Z "$R/events.jsonl"
	[ "$(jq -r 'select(.rcpt=="dan@example.net") | .state' <<<"$output")" = waiting ]
}

@test "without --state the plans of the events read are printed" {
	run retry-plan --now 2026-11-20T12:00:00Z "$R/events.jsonl"
	[ "$status" -eq 0 ]
	[ "$(jq -r .rcpt <<<"$output" | tr '\n' ' ')" = "ann@example.com bob@example.org cat@example.net eve@full.example " ]
}

@test "the policy: first match wins, domain globs, status globs, never, backoff" {
	{
		ev 2026-11-20T10:00:00Z a@mx.slow.example failed 4.2.2 mailboxfull soft Q1
		ev 2026-11-20T10:00:00Z b@full.example failed 4.3.1 systemfull soft Q2
		ev 2026-11-20T10:00:00Z c@x.example failed 5.7.1 spamdetected soft Q3
		ev 2026-11-20T10:00:00Z d@x.example failed 4.4.1 networkerror soft Q4
		ev 2026-11-20T10:00:00Z e@x.example failed 4.2.2 mailboxfull soft Q5
	} >"$T/ev"
	run retry-plan --policy "$R/policy" --now 2026-11-20T12:00:00Z "$T/ev"
	[ "$status" -eq 0 ]
	get() { jq -r --arg r "$1" "select(.rcpt==\$r) | .$2" <<<"$output"; }
	[ "$(get a@mx.slow.example rule)" = slow ]
	[ "$(get a@mx.slow.example next_retry)" = 2026-11-20T12:00:00Z ]
	[ "$(get a@mx.slow.example max_attempts)" = 2 ]
	[ "$(get b@full.example rule)" = "$R/policy:3" ]
	[ "$(get b@full.example next_retry)" = 2026-11-20T22:00:00Z ]
	[ "$(get b@full.example pause)" = 2w ]
	[ "$(get c@x.example state)" = exhausted ]
	[ "$(get c@x.example pause)" = 60d ]
	[ "$(get d@x.example next_retry)" = 2026-11-20T11:00:00Z ]
	[ "$(get e@x.example rule)" = builtin-full ]
}

@test "--print-policy shows the file's rules, then the built-in ones" {
	run retry-plan --print-policy
	[ "$status" -eq 0 ]
	[ "$(jq -r .rule <<<"$output" | tr '\n' ' ')" = "builtin-full builtin-backoff " ]
	[ "$(jq -c 'select(.rule=="builtin-full") | .schedule' <<<"$output")" = '["1d","2d","3d","1w"]' ]
	[ "$(jq -r 'select(.rule=="builtin-backoff") | .backoff.jitter' <<<"$output")" = 20 ]
	run retry-plan -P -p "$R/policy"
	[ "$(jq -s length <<<"$output")" -eq 6 ]
	[ "$(jq -r .rule <<<"$output" | head -1)" = slow ]
	[ "$(jq -r 'select(.rule=="slow") | .pause' <<<"$output")" = 1w ]
}

@test "an error in the policy: file:line, exit 2, state untouched" {
	retry-plan -s "$S" --now 2026-11-20T12:00:00Z "$R/events.jsonl" >/dev/null
	cp "$S" "$T/before"
	run retry-plan -s "$S" -p "$R/policy-bad" --now 2026-11-25T12:00:00Z "$R/events.jsonl"
	[ "$status" -eq 2 ]
	[[ "$output" == *"policy-bad:3: unknown reason \"nosuchreason\""* ]]
	[[ "$output" == *"policy-bad:4: "*jitter* ]]
	cmp "$S" "$T/before"
	run retry-plan -p "$T/nonexistent" </dev/null
	[ "$status" -eq 2 ]
}

@test "bad event records: file:line, skipped, exit 2, the good ones merged" {
	{
		ev 2026-11-20T10:00:00Z ann@example.com failed 4.2.2 mailboxfull soft Q1
		echo '{"time":"2026-11-20T10:00:00Z","action":"failed"}'
		echo 'not json'
		echo '{"time":"yesterday","rcpt":"x@example.com","action":"failed"}'
		ev 2026-11-20T10:00:00Z cat@example.net failed 4.4.1 networkerror soft Q3
	} >"$T/ev"
	run retry-plan -s "$S" --now 2026-11-20T12:00:00Z "$T/ev"
	[ "$status" -eq 2 ]
	[[ "$output" == *"$T/ev:2: no \"rcpt\""* ]]
	[[ "$output" == *"$T/ev:3: invalid JSON"* ]]
	[[ "$output" == *"$T/ev:4: \"time\" is not an RFC 3339 time"* ]]
	[ "$(wc -l <"$S")" -eq 2 ]
	[ "$(field cat@example.net state)" = waiting ]
}

@test "a bad line in the state: state:line, kept verbatim, exit 2, the rest goes on" {
	cp "$R/state-bad.jsonl" "$S"
	ev 2026-11-20T11:00:00Z cat@example.net failed 4.4.1 networkerror soft Q3 >"$T/ev"
	run retry-plan -s "$S" --now 2026-11-20T12:00:00Z "$T/ev"
	[ "$status" -eq 2 ]
	[[ "$output" == *"$S:2: invalid JSON"* ]]
	[[ "$output" == *"$S:3: \"state\" is not a state: sleeping"* ]]
	grep -qxF '{"rcpt":"broken@example.com","state":"waiting"' "$S"
	grep -qF '"rcpt":"zed@example.com","domain":"example.com","state":"sleeping"' "$S"
	[ "$(field fay@example.com state)" = waiting ]
	[ "$(grep -c '"rcpt":"fay@example.com"' "$S")" -eq 1 ]
	[ "$(grep -c '"rcpt":"cat@example.net"' "$S")" -eq 1 ]
	[ "$(wc -l <"$S")" -eq 5 ]
}

@test "an unreadable state file is left alone, exit 2" {
	mkdir "$S"
	run retry-plan -s "$S" "$R/events.jsonl"
	[ "$status" -eq 2 ]
	[ -d "$S" ]
}

@test "resolved and failed plans leave the state after --keep, waiting ones stay" {
	retry-plan -s "$S" --now 2026-11-20T12:00:00Z "$R/events.jsonl" >/dev/null
	ev 2026-11-20T13:00:00Z cat@example.net delivered 2.0.0 delivered none Q7 |
	    retry-plan -s "$S" --now 2026-11-20T14:00:00Z >/dev/null
	[ "$(field cat@example.net state)" = resolved ]
	[ "$(field cat@example.net expires)" = 2026-12-20T14:00:00Z ]
	retry-plan -s "$S" --now 2026-12-01T00:00:00Z </dev/null >/dev/null
	[ "$(grep -c cat@example.net "$S")" -eq 1 ]
	retry-plan -s "$S" --keep 5d --now 2026-12-01T00:00:00Z </dev/null >/dev/null
	[ "$(grep -c cat@example.net "$S")" -eq 0 ]
	[ "$(grep -c bob@example.org "$S")" -eq 0 ]
	# Waiting plans never expire, however old.
	retry-plan -s "$S" --keep 1d --now 2028-01-01T00:00:00Z </dev/null >/dev/null
	[ "$(field ann@example.com state)" = waiting ]
}

@test "a run holding the lock makes another fail fast; --wait waits" {
	retry-plan -s "$S" --now 2026-11-20T12:00:00Z "$R/events.jsonl" >/dev/null
	# The first run holds the lock while it reads its (slow) input.
	(sleep 2; ev 2026-11-20T13:00:00Z new@example.com failed 4.2.2 mailboxfull soft Z1) |
	    retry-plan -s "$S" --now 2026-11-20T14:00:00Z >/dev/null &
	sleep 0.5
	run retry-plan -s "$S" --now 2026-11-20T14:00:00Z </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"locked by another run"* ]]
	ev 2026-11-20T13:00:00Z other@example.com failed 4.2.2 mailboxfull soft Z2 |
	    retry-plan -s "$S" --wait --now 2026-11-20T14:00:00Z >/dev/null
	wait
	[ "$(field new@example.com state)" = waiting ]
	[ "$(field other@example.com state)" = waiting ]
}

@test "8 runs at once with --wait lose no event" {
	for j in $(seq 1 8); do
		for i in $(seq 1 50); do
			ev 2026-11-20T10:00:00Z "r$j-$i@example.com" failed 4.2.2 mailboxfull soft "Q$j-$i"
		done >"$T/ev$j"
	done
	for j in $(seq 1 8); do
		retry-plan -s "$S" --wait --now 2026-11-20T12:00:00Z "$T/ev$j" >"$T/out$j" &
	done
	wait
	[ "$(wc -l <"$S")" -eq 400 ]
	[ "$(jq -r .rcpt "$S" | sort -u | wc -l)" -eq 400 ]
	[ "$(cat "$T"/out* | wc -l)" -eq 400 ]
}

@test "SIGKILL at any moment leaves the state as before or after, never torn" {
	awk -v n=40000 -v users=20000 -f "$R/gen-events.awk" >"$T/ev"
	awk -v n=20000 -v users=20000 -v month=2026-10 -f "$R/gen-events.awk" |
	    retry-plan -S 3 -s "$S" --now 2026-11-01T00:00:00Z >/dev/null
	cp "$S" "$T/old"
	cp "$S" "$T/s2"
	t0=$(date +%s%N)
	retry-plan -S 3 -s "$T/s2" --now 2026-11-02T00:00:00Z "$T/ev" >/dev/null
	# Kills spread over 1.3 times a whole run, in milliseconds.
	ms=$(( ($(date +%s%N) - t0) / 770000 + 1 ))
	cp "$T/s2" "$T/new"
	! cmp -s "$T/old" "$T/new" || false
	old=0 new=0
	for i in $(seq 1 30); do
		retry-plan -S 3 -s "$S" --now 2026-11-02T00:00:00Z "$T/ev" >/dev/null 2>&1 &
		pid=$!
		sleep "$(awk -v r=$((RANDOM % ms)) 'BEGIN { printf "%.3f", r / 1000 }')"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" || true
		jq -e . "$S" >/dev/null
		if cmp -s "$S" "$T/old"; then
			old=$((old + 1))
		elif cmp -s "$S" "$T/new"; then
			new=$((new + 1))
			cp "$T/old" "$S"
		else
			echo "torn state after kill $i" >&2
			false
		fi
	done
	echo "# kills: $old before, $new after" >&3
	[ $((old + new)) -eq 30 ]
	# The next run works, and removes the temporary files of killed runs.
	run retry-plan -S 3 -s "$S" --now 2026-11-02T00:00:00Z "$T/ev"
	[ "$status" -eq 0 ]
	cmp "$S" "$T/new"
	[ "$(find "$T" -name '.plans.jsonl.*' | wc -l)" -eq 0 ]
}

@test "usage errors: bad --now, bad durations, --print-policy with operands" {
	run retry-plan --now yesterday </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *usage:* ]]
	run retry-plan --keep 3x </dev/null
	[ "$status" -eq 2 ]
	run retry-plan --print-policy "$R/events.jsonl"
	[ "$status" -eq 2 ]
	run retry-plan --seed -1 </dev/null
	[ "$status" -eq 2 ]
}

@test "a write error on standard output is reported, exit 2" {
	run sh -c "retry-plan --now 2026-11-20T12:00:00Z '$R/events.jsonl' >/dev/full"
	[ "$status" -eq 2 ]
	[[ "$output" == *"write error"* ]]
}

@test "with --state, a failed write of the changes leaves the state as it was; the next run prints them" {
	S="$BATS_TEST_TMPDIR/plans.jsonl"
	run sh -c "retry-plan --now 2026-11-20T12:00:00Z --state '$S' '$R/events.jsonl' >/dev/full"
	[ "$status" -eq 2 ]
	[[ "$output" == *"write error"* ]]
	[ ! -s "$S" ]
	run retry-plan --now 2026-11-20T12:00:00Z --state "$S" "$R/events.jsonl"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -gt 0 ]
	[ -s "$S" ]
}
