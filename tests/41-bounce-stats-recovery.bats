#!/usr/bin/env bats
# bounce-stats --recovery: how long after a soft bounce each domain took mail
# again, per kind; the state that lets cron feed each event once.

load helper
load durations

setup() {
	T="$BATS_TEST_TMPDIR"
}

# ev TIME RCPT ACTION REASON CLASS [RHOST] (helper.bash)
ev() { recovery_ev "$@"; }

# full.example: a, b, c bounce 08:00, 09:00, 09:30 (b twice), one delivery
# to someone else at 10:00 closes all three: 2h, 1h, 30m. Then d bounces and
# nothing is delivered for three weeks: never. quota.example: m's mailbox is
# full at 08:00; a delivery to x at 09:00 does not close it, m's own at
# 2026-11-22T08:00 does: 2d. A hard bounce is no observation.
fixture() {
	{
		ev 2026-11-20T08:00:00Z a@full.example failed systemfull soft mx1.full.example
		ev 2026-11-20T08:00:00Z m@quota.example delayed mailboxfull soft
		ev 2026-11-20T08:30:00Z h@full.example failed userunknown hard mx1.full.example
		ev 2026-11-20T09:00:00Z b@full.example delayed systemfull soft mx2.full.example
		ev 2026-11-20T09:00:00Z x@quota.example delivered delivered none
		ev 2026-11-20T09:15:00Z b@full.example failed systemfull soft mx2.full.example
		ev 2026-11-20T09:30:00Z c@full.example delayed systemfull soft mx1.full.example
		ev 2026-11-20T10:00:00Z z@full.example delivered delivered none mx1.full.example
		ev 2026-11-21T00:00:00Z d@full.example delayed systemfull soft mx1.full.example
		ev 2026-11-22T08:00:00Z m@quota.example delivered delivered none
	} >"$T/ev.jsonl"
}

rec() {
	jq -c --arg d "$1" --arg k "$2" 'select((.domain // .rhost) == $d and .kind == $k)' "${3:-$T/out}"
}

@test "recovery: per domain and kind, once per recipient until the next delivery" {
	fixture
	run bounce-stats --recovery --now 2026-12-20T00:00:00Z "$T/ev.jsonl"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/out"
	[ "$(wc -l <"$T/out")" -eq 2 ]
	r=$(rec full.example systemfull)
	[ "$(jq -r '[.scope, .count, .recovered, .never, .open, .episodes] | join(" ")' <<<"$r")" = "domain 4 3 1 0 1" ]
	[ "$(jq -r '[.min, .median, .p90, .max] | join(" ")' <<<"$r")" = "30m 1h 2h 2h" ]
	[ "$(jq -r .never_share <<<"$r")" = 0.25 ]
	[ "$(jq -r '.hist | add' <<<"$r")" -eq 3 ]
	[ "$(jq -r '[.first_seen, .last_seen, .window, .until] | join(" ")' <<<"$r")" = \
	    "2026-11-20T08:00:00Z 2026-11-21T00:00:00Z 2w 2026-12-20T00:00:00Z" ]
	r=$(rec quota.example mailboxfull)
	[ "$(jq -r '[.scope, .recovered, .median, .episodes] | join(" ")' <<<"$r")" = "recipient 1 2d 1" ]
	# The largest first; no "waiting" without --state.
	[ "$(jq -r .domain "$T/out" | head -1)" = full.example ]
	[ "$(jq -r 'has("waiting")' "$T/out" | sort -u)" = false ]
}

@test "recovery: an observation younger than the window is open, not in the figures" {
	fixture
	bounce-stats --recovery --now 2026-11-21T12:00:00Z "$T/ev.jsonl" >"$T/out"
	r=$(rec full.example systemfull)
	[ "$(jq -r '[.count, .never, .open] | join(" ")' <<<"$r")" = "3 0 1" ]
	r=$(rec quota.example mailboxfull)
	# The events after --now are read too (--until cuts them): m's own
	# delivery closed it.
	[ "$(jq -r '[.count, .open] | join(" ")' <<<"$r")" = "1 0" ]
	bounce-stats --recovery --until 2026-11-21T12:00:00Z "$T/ev.jsonl" >"$T/out"
	[ "$(jq -r '[.count, .open] | join(" ")' <<<"$(rec quota.example mailboxfull)")" = "0 1" ]
	[ "$(jq -r '.median' <<<"$(rec quota.example mailboxfull)")" = null ]
	# --recovery-window: d's 18 days are within 3 weeks.
	bounce-stats --recovery --recovery-window 3w --now 2026-12-09T00:00:00Z "$T/ev.jsonl" >"$T/out"
	[ "$(jq -r '[.never, .open, .window] | join(" ")' <<<"$(rec full.example systemfull)")" = "0 1 3w" ]
}

@test "recovery: by server, and a table for people" {
	fixture
	bounce-stats --recovery --by rhost --now 2026-12-20T00:00:00Z "$T/ev.jsonl" >"$T/out"
	# Only mx1 saw a delivery: a (2h) and c (30m) recovered there; b waited
	# on mx2 for ever; d never.
	[ "$(jq -r '[.scope, .recovered, .never] | join(" ")' <<<"$(rec mx1.full.example systemfull)")" = "rhost 2 1" ]
	[ "$(jq -r '[.recovered, .never] | join(" ")' <<<"$(rec mx2.full.example systemfull)")" = "0 1" ]
	run bounce-stats --recovery -f table --now 2026-12-20T00:00:00Z "$T/ev.jsonl"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == DOMAIN*KIND*COUNT*MEDIAN*P90*NEVER*OPEN ]]
	[[ "${lines[1]}" == full.example*systemfull*4*1h*2h*25.0%*0 ]]
}

@test "recovery: --state goes on from the last run: two runs give what one gives" {
	fixture
	bounce-stats --recovery --now 2026-12-20T00:00:00Z "$T/ev.jsonl" >"$T/one"
	head -5 "$T/ev.jsonl" >"$T/a"
	tail -n +6 "$T/ev.jsonl" >"$T/b"
	bounce-stats --recovery --state "$T/st.jsonl" --now 2026-11-20T09:20:00Z "$T/a" >/dev/null
	# Open observations are kept in the state, oldest first.
	[ "$(jq -r 'select(.kind=="systemfull") | .waiting | keys_unsorted | join(" ")' "$T/st.jsonl")" = "a@full.example b@full.example" ]
	bounce-stats --recovery --state "$T/st.jsonl" --now 2026-12-20T00:00:00Z "$T/b" >"$T/two"
	[ "$(jq -c 'del(.until)' "$T/one")" = "$(jq -c 'del(.until)' "$T/two")" ]
	# The state is the records with the open observations.
	[ "$(jq -c 'del(.waiting)' "$T/st.jsonl")" = "$(jq -c . "$T/two")" ]
	# Nothing new: the figures stay.
	bounce-stats --recovery --state "$T/st.jsonl" --now 2026-12-20T00:00:00Z /dev/null >"$T/three"
	[ "$(cat "$T/two")" = "$(cat "$T/three")" ]
}

@test "recovery: a bad state line is reported, kept, and the rest goes on" {
	fixture
	bounce-stats --recovery --state "$T/st.jsonl" --now 2026-11-21T12:00:00Z "$T/ev.jsonl" >/dev/null
	printf '{"domain":"x.example","kind":"nonsense"}\n{"torn' >>"$T/st.jsonl"
	run bounce-stats --recovery --state "$T/st.jsonl" --now 2026-11-21T12:00:00Z /dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"st.jsonl:3: "*kind* ]]
	[[ "$output" == *"st.jsonl:4: "* ]]
	[ "$(grep -c '^{"domain":"x.example","kind":"nonsense"}$' "$T/st.jsonl")" -eq 1 ]
	[ "$(grep -c '^{"torn$' "$T/st.jsonl")" -eq 1 ]
	[ "$(jq -r 'select(.kind=="systemfull") | .recovered' "$T/st.jsonl" 2>/dev/null | head -1)" -eq 3 ]
}

@test "recovery: percentiles from the histogram are within 4.5% of the exact ones" {
	# 2000 recipients bounce a minute apart, one delivery after the last:
	# recovery times of 1 to 2000 minutes. Exact: median 1000 min, 90th
	# percentile 1800 min.
	awk 'BEGIN {
		for (i = 1; i <= 2000; i++)
			printf "{\"time\":%d,\"rcpt\":\"r%d@big.example\",\"action\":\"delayed\",\"reason\":\"systemfull\",\"class\":\"soft\"}\n", 1795766400 + 60 * i, i
		printf "{\"time\":%d,\"rcpt\":\"ok@big.example\",\"action\":\"delivered\"}\n", 1795766400 + 60 * 2001
	}' | jq -c '.time |= todate' >"$T/many.jsonl"
	bounce-stats --recovery --now 2026-12-30T00:00:00Z "$T/many.jsonl" >"$T/out"
	[ "$(jq -r '[.recovered, .episodes, .min, .max] | join(" ")' "$T/out")" = "2000 1 1m 1d9h20m" ]
	m=$(secs "$(jq -r .median "$T/out")")
	p=$(secs "$(jq -r .p90 "$T/out")")
	echo "median $m p90 $p"
	[ "$m" -ge 57300 ] && [ "$m" -le 62700 ]
	[ "$p" -ge 103140 ] && [ "$p" -le 112860 ]
	# The buckets are 2^(1/8) wide: at most 8 per doubling from 1 to 2000
	# minutes (fewer at the low end, where minutes are farther apart).
	n=$(jq -r '.hist | length' "$T/out")
	[ "$n" -ge 65 ] && [ "$n" -le 92 ]
}

@test "recovery: usage errors" {
	run bounce-stats --recovery --segment systemfull /dev/null
	[ "$status" -eq 2 ]
	run bounce-stats --recovery --by status /dev/null
	[ "$status" -eq 2 ]
	run bounce-stats --state "$T/st.jsonl" /dev/null
	[ "$status" -eq 2 ]
	run bounce-stats --recovery --recovery-window 0 /dev/null
	[ "$status" -eq 2 ]
	[ ! -e "$T/st.jsonl" ]
}
