#!/usr/bin/env bats
# The adaptive rule of retry-plan (retries from the domain's recovery times)
# and the pacing of retry-due (--per-domain, --list, --throttle).

load helper
load durations

setup() {
	T="$BATS_TEST_TMPDIR"
	S="$T/plans.jsonl"
}

# ev TIME RCPT ACTION REASON CLASS [RHOST] (helper.bash)
ev() { recovery_ev "$@"; }

# Recovery records: fast.example recovers in minutes to hours (20
# observations, median about 2h), few.example has 2 observations.
recovery() {
	{
		for i in $(seq 1 20); do
			ev "2026-11-01T0$((i % 10)):00:00Z" "r$i@fast.example" delayed systemfull soft
		done | sort
		# Deliveries close them in turn: i-th at +i*12 minutes from 10:00.
		for i in $(seq 1 20); do
			printf '{"time":"2026-11-01T%02d:%02d:00Z","rcpt":"ok%d@fast.example","action":"delivered"}\n' \
			    $((10 + i * 12 / 60)) $((i * 12 % 60)) "$i"
		done
		ev 2026-11-02T08:00:00Z a@few.example delayed systemfull soft
		ev 2026-11-02T08:00:00Z b@few.example delayed systemfull soft
		printf '{"time":"2026-11-02T12:00:00Z","rcpt":"ok@few.example","action":"delivered"}\n'
	} >"$T/hist.jsonl"
	bounce-stats --recovery --now 2026-11-10T00:00:00Z "$T/hist.jsonl" >"$T/recovery.jsonl"
}

policy() {
	printf '* systemfull adaptive min 1h max 1w name learn\n' >"$T/policy"
}

field() {
	jq -r --arg r "$1" "select(.rcpt==\$r) | $2" "${3:-$S}"
}

@test "adaptive: the policy rule and its defaults" {
	printf '* systemfull adaptive\nx.example * adaptive min 30m max 2d observations 3 fallback 12h,1d retries 3 pause 7d name x\n' >"$T/p"
	run retry-plan -P -p "$T/p"
	[ "$status" -eq 0 ]
	[ "$(jq -c 'select(.kind=="adaptive") | [.adaptive, .schedule, .retries]' <<<"$output" | head -1)" = \
	    '[{"min":"1h","max":"1w","observations":5},["1d","2d","3d","1w"],4]' ]
	[ "$(jq -c 'select(.rule=="x") | [.adaptive, .schedule, .retries, .pause]' <<<"$output")" = \
	    '[{"min":"30m","max":"2d","observations":3},["12h","1d"],3,"1w"]' ]
	for bad in 'adaptive min' 'adaptive min 0' 'adaptive min 2d max 1d' 'adaptive observations 0' \
	    'adaptive fallback' 'adaptive maximum 1d'; do
		printf '* * %s\n' "$bad" >"$T/p"
		run retry-plan -P -p "$T/p"
		[ "$status" -eq 2 ]
		[[ "$output" == *"p:1: "* ]]
	done
}

@test "adaptive: the first retry at the domain's median, the next at 75% and 90%, the last no sooner than the fallback" {
	recovery
	policy
	median=$(jq -r 'select(.domain=="fast.example") | .median' "$T/recovery.jsonl")
	ev 2026-11-20T10:00:00Z ann@fast.example failed systemfull soft |
	    retry-plan -s "$S" -p "$T/policy" --recovery "$T/recovery.jsonl" --now 2026-11-20T10:05:00Z >/dev/null
	[ "$(field ann@fast.example .schedule)" = adaptive ]
	[[ "$(field ann@fast.example .basis)" == "20 recoveries from systemfull: median $median, 90% within "* ]]
	at=$(field ann@fast.example '.retry_at | join(" ")')
	set -- $at
	[ "$#" -eq 4 ]
	[ "$1" = "$median" ]
	# Increasing, each gap at least min (1h); the last at the fallback's 13 days.
	[ "$(secs "$2")" -ge $(($(secs "$1") + 3600)) ]
	[ "$(secs "$3")" -ge $(($(secs "$2") + 3600)) ]
	[ "$4" = 1w6d ]
	want=$(date -u -d "@$(($(date -u -d 2026-11-20T10:00:00Z +%s) + $(secs "$1")))" +%Y-%m-%dT%H:%M:%SZ)
	[ "$(field ann@fast.example .next_retry)" = "$want" ]
	# The retry goes out, bounces: the second retry at retry_at[1] from the
	# first bounce.
	retry-due -s "$S" --now "$want" >/dev/null
	ev "$want" ann@fast.example failed systemfull soft |
	    retry-plan -s "$S" -p "$T/policy" --recovery "$T/recovery.jsonl" --now "$want" >/dev/null
	want2=$(date -u -d "@$(($(date -u -d 2026-11-20T10:00:00Z +%s) + $(secs "$2")))" +%Y-%m-%dT%H:%M:%SZ)
	[ "$(field ann@fast.example .next_retry)" = "$want2" ]
	[ "$(field ann@fast.example .attempts)" -eq 1 ]
	# The state keeps schedule, basis and retry_at as they were.
	[ "$(field ann@fast.example '.retry_at | join(" ")')" = "$at" ]
}

@test "adaptive: too few observations, no figures or no --recovery: the fallback schedule" {
	recovery
	policy
	{
		ev 2026-11-20T10:00:00Z bob@few.example failed systemfull soft
		ev 2026-11-20T10:00:00Z cy@unknown.example failed systemfull soft
	} >"$T/ev"
	retry-plan -s "$S" -p "$T/policy" --recovery "$T/recovery.jsonl" --now 2026-11-20T10:05:00Z "$T/ev" >/dev/null
	[ "$(field bob@few.example '[.schedule, .next_retry, (.retry_at | join(","))] | join(" ")')" = \
	    "fallback 2026-11-21T10:00:00Z 1d,3d,6d,1w6d" ]
	[ "$(field bob@few.example .basis)" = "2 recoveries from systemfull, 5 needed: the fallback schedule" ]
	[ "$(field cy@unknown.example .basis)" = "0 recoveries from systemfull, 5 needed: the fallback schedule" ]
	rm -f "$S"
	retry-plan -s "$S" -p "$T/policy" --now 2026-11-20T10:05:00Z "$T/ev" >/dev/null
	[ "$(field bob@few.example .schedule)" = fallback ]
	# A missing recovery file is no figures.
	rm -f "$S"
	retry-plan -s "$S" -p "$T/policy" --recovery "$T/none.jsonl" --now 2026-11-20T10:05:00Z "$T/ev" >/dev/null
	[ "$(field cy@unknown.example .schedule)" = fallback ]
	# observations 2 makes few.example's figures enough.
	printf '* systemfull adaptive observations 2\n' >"$T/p2"
	rm -f "$S"
	retry-plan -s "$S" -p "$T/p2" --recovery "$T/recovery.jsonl" --now 2026-11-20T10:05:00Z "$T/ev" >/dev/null
	[ "$(field bob@few.example .schedule)" = adaptive ]
}

@test "adaptive: a delivery to the domain after the bounce makes the plan due now (not sooner than min)" {
	policy
	{
		ev 2026-11-20T10:00:00Z ann@slow.example failed systemfull soft
		ev 2026-11-20T10:00:00Z box@slow.example failed mailboxfull soft
		ev 2026-11-20T10:20:00Z bob@slow.example delivered delivered none
	} >"$T/ev"
	retry-plan -s "$S" -p "$T/policy" --now 2026-11-20T10:30:00Z "$T/ev" >/dev/null
	# Too soon after the bounce: min (1h) after it.
	[ "$(field ann@slow.example '[.schedule, .next_retry] | join(" ")')" = "recovered 2026-11-20T11:00:00Z" ]
	[ "$(field ann@slow.example .basis)" = "slow.example took mail again at 2026-11-20T10:20:00Z" ]
	# The retry_at of the plan's schedule stays: what comes after this retry.
	[ "$(field ann@slow.example '.retry_at | join(",")')" = "1d,3d,6d,1w6d" ]
	# A full mailbox is the recipient's own: another's delivery says nothing.
	[ "$(field box@slow.example '.next_retry')" = 2026-11-21T10:00:00Z ]
	# A delivery from before the bounce says nothing either.
	ev 2026-11-20T09:00:00Z cy@slow.example delivered delivered none >"$T/ev2"
	ev 2026-11-20T11:00:00Z dan@slow.example failed systemfull soft >>"$T/ev2"
	retry-plan -s "$S" -p "$T/policy" --now 2026-11-20T11:30:00Z "$T/ev2" >/dev/null
	[ "$(field dan@slow.example '[.schedule, .next_retry] | join(" ")')" = "fallback 2026-11-21T11:00:00Z" ]
	# Handed out, bounced again: the schedule goes on from there, its times
	# (1d, 3d, ...) counted from the domain's first bounce (ann's, 10:00), and
	# dan, of the same full server, retries with ann.
	retry-due -s "$S" --now 2026-11-20T11:30:00Z | jq -r .rcpt | grep -qx ann@slow.example
	ev 2026-11-20T11:31:00Z ann@slow.example failed systemfull soft |
	    retry-plan -s "$S" -p "$T/policy" --now 2026-11-20T12:00:00Z >/dev/null
	[ "$(field ann@slow.example '[.schedule, .attempts, .next_retry] | join(" ")')" = \
	    "fallback 1 2026-11-23T10:00:00Z" ]
	[ "$(field dan@slow.example '[.schedule, .attempts, .next_retry] | join(" ")')" = \
	    "fallback 0 2026-11-21T10:00:00Z" ]
}

@test "adaptive: other rules' plans are as before, with no schedule keys" {
	recovery
	policy
	ev 2026-11-20T10:00:00Z dan@fast.example failed mailboxfull soft |
	    retry-plan -s "$S" -p "$T/policy" --recovery "$T/recovery.jsonl" --now 2026-11-20T10:05:00Z >/dev/null
	[ "$(field dan@fast.example '[.rule, has("schedule"), has("basis"), has("retry_at")] | join(" ")')" = \
	    "builtin-full false false false" ]
}

@test "adaptive: the retries run out as the rule says, and the plan is exhausted" {
	recovery
	printf '* systemfull adaptive min 1h max 1w retries 2 fallback 1d,1d\n' >"$T/policy"
	t=2026-11-20T10:00:00Z
	ev $t eve@fast.example failed systemfull soft |
	    retry-plan -s "$S" -p "$T/policy" --recovery "$T/recovery.jsonl" --now $t >/dev/null
	[ "$(field eve@fast.example '.retry_at | length')" -eq 2 ]
	# The last retry is the fallback's last: 2 days.
	[ "$(field eve@fast.example '.retry_at[1]')" = 2d ]
	for i in 1 2; do
		t=$(field eve@fast.example .next_retry)
		retry-due -s "$S" --now "$t" >/dev/null
		ev "$t" eve@fast.example failed systemfull soft |
		    retry-plan -s "$S" -p "$T/policy" --recovery "$T/recovery.jsonl" --now "$t" >/dev/null
	done
	[ "$(field eve@fast.example '[.state, .attempts] | join(" ")')" = "exhausted 2" ]
	[ "$(field eve@fast.example .next_retry)" = 2026-11-22T10:00:00Z ] || true
}

@test "adaptive: a retry refused for the rate is no attempt: it goes again in one to two hours" {
	policy
	ev 2026-11-20T10:00:00Z ann@slow.example failed systemfull soft |
	    retry-plan -s "$S" -p "$T/policy" --now 2026-11-20T10:05:00Z >/dev/null
	t=$(date -u -d 2026-11-21T10:01:00Z +%s)
	for i in 1 2 3 4; do
		retry-due -s "$S" --now "$(field ann@slow.example .next_retry)" | jq -r .rcpt | grep -qx ann@slow.example
		ev "$(date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ)" ann@slow.example failed speeding soft |
		    retry-plan -s "$S" -p "$T/policy" --now "@$((t + 60))" >/dev/null
		# The server is up: the plan's details stay those of its bounce.
		[ "$(field ann@slow.example '[.state, .attempts, .refused, .reason, .schedule] | join(" ")')" = \
		    "waiting 0 $i systemfull recovered" ]
		next=$(date -u -d "$(field ann@slow.example .next_retry)" +%s)
		[ "$next" -ge $((t + 3600)) ] && [ "$next" -lt $((t + 7200)) ]
		[[ "$(field ann@slow.example .basis)" == "the retry was refused for the rate at "*": the server is up" ]]
		t=$((next + 60))
	done
	# As many refusals as retries: the next counts.
	retry-due -s "$S" --now "$(field ann@slow.example .next_retry)" >/dev/null
	ev "$(date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ)" ann@slow.example failed speeding soft |
	    retry-plan -s "$S" -p "$T/policy" --now "@$((t + 60))" >/dev/null
	[ "$(field ann@slow.example '[.attempts, .refused, .reason] | join(" ")')" = "1 4 speeding" ]
	# Plans without refusals have no "refused" key.
	ev 2026-11-20T10:00:00Z bob@slow.example failed systemfull soft |
	    retry-plan -s "$S" -p "$T/policy" --now 2026-11-20T10:05:00Z >/dev/null
	[ "$(field bob@slow.example 'has("refused")')" = false ]
}

@test "adaptive: the plans released when a domain takes mail again go out at the rate it took mail" {
	policy
	{
		for i in $(seq 10 34); do ev 2026-11-20T10:00:00Z "b$i@busy.example" failed systemfull soft; done
		for i in $(seq 10 34); do ev 2026-11-20T10:00:00Z "m$i@many.example" failed systemfull soft; done
	} | retry-plan -s "$S" -p "$T/policy" --now 2026-11-20T10:05:00Z >/dev/null
	{
		# busy.example takes one message, many.example sixty in the hour.
		printf '{"time":"2026-11-20T11:00:00Z","rcpt":"ok@busy.example","action":"delivered"}\n'
		for i in $(seq 0 59); do
			printf '{"time":"2026-11-20T11:%02d:00Z","rcpt":"ok%d@many.example","action":"delivered"}\n' "$i" "$i"
		done
	} | retry-plan -s "$S" -p "$T/policy" --now 2026-11-20T12:00:00Z >/dev/null
	# At least 10 an hour: 10 by 12:00, 20 by 13:00, the last at 13:24.
	[ "$(jq -r 'select(.domain=="busy.example" and .schedule=="recovered") | .next_retry' "$S" | wc -l)" -eq 25 ]
	[ "$(jq -r 'select(.domain=="busy.example" and .next_retry < "2026-11-20T12:00:00Z") | .rcpt' "$S" | wc -l)" -eq 10 ]
	[ "$(jq -r 'select(.domain=="busy.example" and .next_retry < "2026-11-20T13:00:00Z") | .rcpt' "$S" | wc -l)" -eq 20 ]
	[ "$(jq -r 'select(.domain=="busy.example") | .next_retry' "$S" | sort | tail -1)" = 2026-11-20T13:24:00Z ]
	# Sixty an hour: a minute apart from its newest delivery.
	[ "$(jq -r 'select(.domain=="many.example") | .next_retry' "$S" | sort | sed -n '1p;$p' | tr '\n' ' ')" = \
	    "2026-11-20T11:59:00Z 2026-11-20T12:23:00Z " ]
	# Another delivery releases no plan twice: the slots stay.
	printf '{"time":"2026-11-20T12:30:00Z","rcpt":"ok2@busy.example","action":"delivered"}\n' |
	    retry-plan -s "$S" -p "$T/policy" --now 2026-11-20T12:30:00Z >/dev/null
	[ "$(jq -r 'select(.domain=="busy.example") | .next_retry' "$S" | sort | tail -1)" = 2026-11-20T13:24:00Z ]
}

@test "adaptive: the plans of a full server retry together, one a run (a probe); a bounce there moves them on" {
	policy
	{
		ev 2026-11-20T10:00:00Z a1@big.example failed systemfull soft
		ev 2026-11-20T10:02:00Z a2@big.example failed systemfull soft
		ev 2026-11-20T10:03:00Z a3@big.example failed systemfull soft
		ev 2026-11-20T10:05:00Z o1@ok.example failed systemfull soft
	} | retry-plan -s "$S" -p "$T/policy" --now 2026-11-20T10:10:00Z >/dev/null
	# The retry times count from the domain's first bounce.
	[ "$(jq -r 'select(.domain=="big.example") | .next_retry' "$S" | sort -u)" = 2026-11-21T10:00:00Z ]
	run retry-due -s "$S" --now 2026-11-21T11:00:00Z -v
	[ "$status" -eq 0 ]
	[ "$(jq -r .rcpt <<<"$(grep '^{' <<<"$output")" | tr '\n' ' ')" = "a1@big.example o1@ok.example " ]
	[[ "$output" == *"4 due: 2 handed out, "*", 2 for a probe"* ]]
	# While the probe is out, none.
	run retry-due -s "$S" --now 2026-11-21T11:30:00Z
	[ -z "$output" ]
	# It bounced: the others move on with it to the next retry time.
	{
		ev 2026-11-21T11:05:00Z a1@big.example failed systemfull soft
		printf '{"time":"2026-11-21T11:06:00Z","rcpt":"o1@ok.example","action":"delivered"}\n'
	} | retry-plan -s "$S" -p "$T/policy" --now 2026-11-21T12:00:00Z >/dev/null
	[ "$(jq -r 'select(.domain=="big.example") | [.rcpt, .attempts, .next_retry] | join(" ")' "$S" | sort)" = \
	    "a1@big.example 1 2026-11-23T10:00:00Z
a2@big.example 0 2026-11-23T10:00:00Z
a3@big.example 0 2026-11-23T10:00:00Z" ]
	# The next probe is one with the fewest attempts.
	run retry-due -s "$S" --now 2026-11-23T10:00:00Z
	[ "$(jq -r .rcpt <<<"$output" | tr '\n' ' ')" = "a2@big.example " ]
	# A delivery from it releases the others.
	printf '{"time":"2026-11-23T10:05:00Z","rcpt":"a2@big.example","action":"delivered"}\n' |
	    retry-plan -s "$S" -p "$T/policy" --now 2026-11-23T11:00:00Z >/dev/null
	run retry-due -s "$S" --now 2026-11-23T11:10:00Z
	[ "$(jq -r .rcpt <<<"$output" | tr '\n' ' ')" = "a1@big.example a3@big.example " ]
}

@test "adaptive: a plan whose domain was full past its last retry time is exhausted, no sooner than its own" {
	printf '* systemfull adaptive min 1h max 1w retries 2 fallback 1d,1d\n' >"$T/policy"
	ev 2026-11-20T10:00:00Z x@full.example failed systemfull soft |
	    retry-plan -s "$S" -p "$T/policy" --now 2026-11-20T10:05:00Z >/dev/null
	ev 2026-11-22T09:30:00Z y@full.example failed systemfull soft |
	    retry-plan -s "$S" -p "$T/policy" --now 2026-11-22T09:35:00Z >/dev/null
	# Full at 09:30 after its first retry time: x goes on to its last, y to its first.
	[ "$(field x@full.example '[.state, .next_retry] | join(" ")')" = "waiting 2026-11-22T10:00:00Z" ]
	[ "$(field y@full.example '[.state, .next_retry] | join(" ")')" = "waiting 2026-11-24T09:30:00Z" ]
	run retry-plan -s "$S" -p "$T/policy" --now 2026-11-22T10:35:00Z \
	    <<<"$(ev 2026-11-22T10:30:00Z z@full.example failed systemfull soft)"
	[ "$(jq -r 'select(.rcpt=="x@full.example") | [.state, .attempts] | join(" ")' <<<"$output")" = "exhausted 0" ]
	[ "$(field x@full.example .basis)" = "full.example was full still at 2026-11-22T10:30:00Z, past the last retry time" ]
	[ "$(field y@full.example '[.state, .next_retry] | join(" ")')" = "waiting 2026-11-24T09:30:00Z" ]
}

@test "adaptive: a bad recovery line is reported, the others are used" {
	recovery
	policy
	printf '{"domain":"x.example","kind":"systemfull","recovered":"lots"}\n' >>"$T/recovery.jsonl"
	# Read only when a plan asks for its figures: not for ann's domain.
	run retry-plan -s "$S" -p "$T/policy" --recovery "$T/recovery.jsonl" --now 2026-11-20T10:05:00Z \
	    <<<"$(ev 2026-11-20T10:00:00Z ann@fast.example failed systemfull soft)"
	[ "$status" -eq 0 ]
	[ "$(field ann@fast.example .schedule)" = adaptive ]
	run retry-plan -s "$S" -p "$T/policy" --recovery "$T/recovery.jsonl" --now 2026-11-20T10:05:00Z \
	    <<<"$(ev 2026-11-20T10:00:00Z bob@fast.example failed systemfull soft
	          ev 2026-11-20T10:00:00Z xo@x.example failed systemfull soft)"
	[ "$status" -eq 2 ]
	[[ "$output" == *"recovery.jsonl:$(wc -l <"$T/recovery.jsonl"):"*"wrong type"* ]]
	[ "$(field bob@fast.example .schedule)" = adaptive ]
	[ "$(field xo@x.example .schedule)" = fallback ]
	# A line in no known shape is read at once.
	printf 'not json\n' >>"$T/recovery.jsonl"
	run retry-plan -s "$S" -p "$T/policy" --recovery "$T/recovery.jsonl" --now 2026-11-20T10:05:00Z </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"recovery.jsonl:$(wc -l <"$T/recovery.jsonl"):"* ]]
}

# Six due plans: three at big.example, two at full.example, one at
# ok.example, due one minute apart in that order.
due_plans() {
	{
		ev 2026-11-20T10:00:00Z a1@big.example failed systemfull soft
		ev 2026-11-20T10:01:00Z f1@full.example failed systemfull soft
		ev 2026-11-20T10:02:00Z a2@big.example failed systemfull soft
		ev 2026-11-20T10:03:00Z a3@big.example failed systemfull soft
		ev 2026-11-20T10:04:00Z f2@full.example failed systemfull soft
		ev 2026-11-20T10:05:00Z o1@ok.example failed systemfull soft
	} | retry-plan -s "$S" --now 2026-11-20T10:10:00Z >/dev/null
}

@test "pacing: --per-domain caps the retries a domain gets; the others stay due, first in line" {
	due_plans
	run retry-due -s "$S" --now 2026-11-22T00:00:00Z --per-domain 1 -v
	[ "$status" -eq 0 ]
	[ "$(jq -r .rcpt <<<"$(grep '^{' <<<"$output")" | tr '\n' ' ')" = "a1@big.example f1@full.example o1@ok.example " ]
	[[ "$output" == *"6 due: 3 handed out, held back 3 by --per-domain, 0 paused by the list, 0 by --throttle"* ]]
	[ "$(field a2@big.example .state)" = waiting ]
	[ "$(field a2@big.example .attempts)" -eq 0 ]
	run retry-due -s "$S" --now 2026-11-22T01:00:00Z --per-domain 1
	[ "$(jq -r .rcpt <<<"$output" | tr '\n' ' ')" = "a2@big.example f2@full.example " ]
	run retry-due -s "$S" --now 2026-11-22T02:00:00Z --per-domain 1
	[ "$(jq -r .rcpt <<<"$output" | tr '\n' ' ')" = "a3@big.example " ]
	# --limit counts only what goes out.
	due_plans_again() { rm -f "$S"; due_plans; }
	due_plans_again
	run retry-due -s "$S" --now 2026-11-22T00:00:00Z --per-domain 1 -L 2
	[ "$(jq -r .rcpt <<<"$output" | tr '\n' ' ')" = "a1@big.example f1@full.example " ]
}

@test "pacing: --list holds back what the suppression list pauses, domain or address" {
	due_plans
	suppress --list "$T/supp.jsonl" --now 2026-11-21T00:00:00Z add --for 2d @big.example o1@ok.example >/dev/null
	run retry-due -s "$S" --now 2026-11-22T00:00:00Z --list "$T/supp.jsonl" -v
	[ "$status" -eq 0 ]
	[ "$(jq -r .rcpt <<<"$(grep '^{' <<<"$output")" | tr '\n' ' ')" = "f1@full.example f2@full.example " ]
	[[ "$output" == *"held back 0 by --per-domain, 4 paused by the list"* ]]
	# The pause over, they go out.
	run retry-due -s "$S" --now 2026-11-23T00:00:00Z --list "$T/supp.jsonl" -c 1w
	[ "$(jq -r .rcpt <<<"$output" | tr '\n' ' ')" = "a1@big.example a2@big.example a3@big.example o1@ok.example " ]
	# A list that cannot be read hands nothing out.
	run retry-due -s "$S" --now 2026-11-23T00:00:00Z --list "$T"
	[ "$status" -eq 2 ]
}

@test "pacing: --throttle lets one retry a run through to a domain bounce-stats advises to throttle" {
	due_plans
	printf '{"domain":"big.example","advice":"throttle"}\n{"domain":"full.example","advice":"watch"}\n{"rhost":"mx.ok.example","advice":"throttle"}\n' >"$T/advice.jsonl"
	run retry-due -s "$S" --now 2026-11-22T00:00:00Z --throttle "$T/advice.jsonl" -v
	[ "$status" -eq 0 ]
	[ "$(jq -r .rcpt <<<"$(grep '^{' <<<"$output")" | tr '\n' ' ')" = "a1@big.example f1@full.example f2@full.example o1@ok.example " ]
	[[ "$output" == *"2 by --throttle"* ]]
	# Advice straight from bounce-stats works the same.
	{
		for i in 1 2 3 4 5; do ev 2026-11-21T23:00:00Z "u$i@big.example" delayed systemfull soft; done
	} | bounce-stats --now 2026-11-22T00:00:00Z >"$T/advice2.jsonl"
	[ "$(jq -r .advice "$T/advice2.jsonl")" = throttle ]
	run retry-due -s "$S" --now 2026-11-22T01:00:00Z --throttle "$T/advice2.jsonl"
	[ "$(jq -r .rcpt <<<"$output" | tr '\n' ' ')" = "a2@big.example " ]
	run retry-due -s "$S" --now 2026-11-22T01:00:00Z --throttle "$T/missing.jsonl"
	[ "$status" -eq 2 ]
}
