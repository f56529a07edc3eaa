#!/usr/bin/env bats
# bounce-stats: groups, time window, recurring full servers, throttle advice,
# segments, the table for people, bad input.

load helper

bats_require_minimum_version 1.5.0

EV="$FIXTURES/stats/events.jsonl"

# One domain's record, compact.
rec() { jq -c --arg k "$2" "select(.$1 == \$k)"; }

@test "bounce-stats: --help, --version, usage errors" {
	run bounce-stats --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--segment"* ]]
	run bounce-stats --version
	[ "$status" -eq 0 ]
	[[ "$output" == "bounce-stats (bouncekit) "* ]]
	for bad in "--by nope" "--format csv" "--top 0" "--window 0" "--window soon" \
	    "--since yesterday" "--segment nosuchreason" "--segment systemfull --by domain" \
	    "--throttle-min -1" "--recurring-days x"; do
		run bounce-stats $bad </dev/null
		echo "$bad: $output"
		[ "$status" -eq 2 ]
		[[ "$output" == "bounce-stats: "* ]]
	done
}

@test "bounce-stats --by domain: one record per domain, counts as jq counts them" {
	run --separate-stderr bounce-stats "$EV"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	got=$(jq -c '[.domain, .events, .recipients, .deferrals, .failures, .deliveries, .days]' <<<"$output" | sort)
	want=$(jq -s -c 'group_by(.domain)[] | [.[0].domain, length, (map(.rcpt) | unique | length),
	    (map(select(.action == "delayed")) | length), (map(select(.action == "failed")) | length),
	    (map(select(.action == "delivered")) | length), (map(.time[0:10]) | unique | length)]' "$EV" | sort)
	[ "$got" = "$want" ]
	# sorted by events descending, then by key
	[ "$(jq -r .domain <<<"$output" | paste -sd,)" = \
	    "full.example,gone.example,fast.example,ok.example,quota.example" ]
	# reasons and statuses per group, share rounded to 4 digits
	r=$(rec domain full.example <<<"$output")
	[ "$(jq -c .reasons <<<"$r")" = '{"systemfull":10}' ]
	[ "$(jq -c .statuses <<<"$r")" = '{"4.3.1":10}' ]
	[ "$(jq -r .share <<<"$r")" = 0.3333 ]
	[ "$(jq -r '.first_seen + " " + .last_seen' <<<"$r")" = "2026-11-20T08:00:00Z 2026-11-27T08:00:00Z" ]
	[ "$(jq -c .reasons <<<"$(rec domain fast.example <<<"$output")")" = '{"speeding":3,"toomanyconn":2}' ]
	[ "$(jq -s 'map(.share) | add | . * 1000 | round' <<<"$output")" = 1000 ]
}

@test "bounce-stats --by rhost: servers, with null for events that name none" {
	run bounce-stats --by rhost "$EV"
	[ "$status" -eq 0 ]
	got=$(jq -c '[.rhost, .events]' <<<"$output" | sort)
	want=$(jq -s -c 'group_by(.rhost)[] | [.[0].rhost, length]' "$EV" | sort)
	[ "$got" = "$want" ]
	[ "$(jq -r 'select(.rhost == null) | .reasons.networkerror' <<<"$output")" = 1 ]
	[ "$(jq -r 'select(.rhost == "mx1.full.example") | .advice' <<<"$output")" = throttle ]
}

@test "bounce-stats --by status, --by reason, --by day: grouped as jq groups them" {
	run bounce-stats --by status "$EV"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.status, .events]' <<<"$output" | sort)" = \
	    "$(jq -s -c 'group_by(.status)[] | [.[0].status, length]' "$EV" | sort)" ]
	# records of other groups carry no advice: it is about where to send
	[ "$(jq -s 'map(has("advice")) | any' <<<"$output")" = false ]
	run bounce-stats --by reason "$EV"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.reason, .events, .recipients]' <<<"$output" | sort)" = \
	    "$(jq -s -c 'group_by(.reason)[] | [.[0].reason, length, (map(.rcpt) | unique | length)]' "$EV" | sort)" ]
	run bounce-stats --by day "$EV"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.day, .events, .days]' <<<"$output" | sort)" = \
	    "$(jq -s -c 'group_by(.time[0:10])[] | [.[0].time[0:10], length, 1]' "$EV" | sort)" ]
}

@test "bounce-stats --since/--until: half-open window [since, until)" {
	run bounce-stats --by day --since 2026-11-26T00:00:00Z --until 2026-11-27T10:00:00Z "$EV"
	[ "$status" -eq 0 ]
	want=$(jq -s '[.[] | select(.time >= "2026-11-26T00:00:00Z" and .time < "2026-11-27T10:00:00Z")] | length' "$EV")
	[ "$(jq -s 'map(.events) | add' <<<"$output")" = "$want" ]
	[ "$(jq -r .day <<<"$output" | sort | paste -sd,)" = "2026-11-26,2026-11-27" ]
	# the delivery at exactly --until is left out
	[ "$(jq -s 'map(.deliveries) | add' <<<"$output")" = 0 ]
	run bounce-stats --since 2026-11-28T00:00:00Z "$EV"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "bounce-stats --top N keeps the N largest groups" {
	run bounce-stats --top 2 "$EV"
	[ "$status" -eq 0 ]
	[ "$(jq -r .domain <<<"$output" | paste -sd,)" = "full.example,gone.example" ]
	run bounce-stats --top 2 --format table "$EV"
	[ "${#lines[@]}" -eq 3 ]
}

@test "bounce-stats: a domain full on N distinct days is recurring" {
	run bounce-stats "$EV"
	[ "$(rec domain full.example <<<"$output" | jq -c '[.full_days, .recurring_full]')" = "[4,true]" ]
	[ "$(rec domain quota.example <<<"$output" | jq -c '[.full_days, .recurring_full, .advice]')" = '[4,true,"watch"]' ]
	[ "$(rec domain gone.example <<<"$output" | jq -c '[.full_days, .recurring_full]')" = "[0,false]" ]
	run bounce-stats --recurring-days 5 "$EV"
	[ "$(rec domain quota.example <<<"$output" | jq -c '[.recurring_full, .advice]')" = '[false,"ok"]' ]
	# full days only count inside the window
	run bounce-stats --since 2026-11-22T00:00:00Z "$EV"
	[ "$(rec domain full.example <<<"$output" | jq -c '[.full_days, .recurring_full]')" = "[3,true]" ]
	[ "$(rec domain quota.example <<<"$output" | jq -c '[.full_days, .recurring_full]')" = "[2,false]" ]
}

@test "bounce-stats: throttle when K recipients are full or rate limited within the window" {
	run bounce-stats "$EV"
	r=$(rec domain full.example <<<"$output")
	[ "$(jq -r .advice <<<"$r")" = throttle ]
	# a, c..h within the 24 hours before the latest event (b only on the 22nd)
	[ "$(jq -c .throttle <<<"$r")" = \
	    '{"recipients":7,"window":"1d","until":"2026-11-27T10:00:00Z","reasons":{"systemfull":7}}' ]
	r=$(rec domain fast.example <<<"$output")
	[ "$(jq -c '[.advice, .throttle.recipients, .throttle.reasons]' <<<"$r")" = \
	    '["throttle",5,{"speeding":3,"toomanyconn":2}]' ]
	# the threshold is an option; under it a recurring domain is watched
	run bounce-stats --throttle-min 8 "$EV"
	[ "$(rec domain full.example <<<"$output" | jq -r .advice)" = watch ]
	[ "$(rec domain fast.example <<<"$output" | jq -r .advice)" = ok ]
	# a shorter window sees fewer recipients
	run bounce-stats --window 6h "$EV"
	[ "$(rec domain full.example <<<"$output" | jq -c '[.throttle.recipients, .throttle.window]')" = '[2,"6h"]' ]
	[ "$(rec domain fast.example <<<"$output" | jq -r .advice)" = ok ]
}

@test "bounce-stats: hard bounces are no reason to throttle" {
	run bounce-stats "$EV"
	# seven distinct unknown users in a few hours
	r=$(rec domain gone.example <<<"$output")
	[ "$(jq -c '[.recipients, .advice, .throttle.recipients]' <<<"$r")" = '[7,"ok",0]' ]
	# and a flood of them, with a 5xx code and class hard, still is not
	for i in $(seq 1 40); do
		printf '{"time":"2026-11-27T10:%02d:00Z","rcpt":"n%d@hard.example","action":"failed","status":"5.1.1","code":550,"reason":"userunknown","class":"hard"}\n' "$i" "$i"
		printf '{"time":"2026-11-27T10:%02d:30Z","rcpt":"m%d@hard.example","action":"failed","status":"5.4.4","reason":"hostunknown","class":"hard"}\n' "$i" "$i"
	done >"$BATS_TEST_TMPDIR/hard.jsonl"
	run bounce-stats "$BATS_TEST_TMPDIR/hard.jsonl"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.events, .recipients, .advice, .throttle.recipients]' <<<"$output")" = '[80,80,"ok",0]' ]
}

@test "bounce-stats --now sets the reference time of the throttle window" {
	run bounce-stats --now 2026-11-22T12:00:00Z "$EV"
	[ "$status" -eq 0 ]
	r=$(rec domain full.example <<<"$output")
	[ "$(jq -c '[.throttle.recipients, .throttle.until]' <<<"$r")" = '[2,"2026-11-22T12:00:00Z"]' ]
	# --until is the reference when --now is not given
	run bounce-stats --until 2026-11-27T04:30:00Z "$EV"
	r=$(rec domain full.example <<<"$output")
	[ "$(jq -c '[.throttle.recipients, .throttle.until]' <<<"$r")" = '[5,"2026-11-27T04:30:00Z"]' ]
}

@test "bounce-stats: an event stamped in the future does not move the window" {
	{ cat "$EV"; echo '{"time":"2099-01-01T00:00:00Z","rcpt":"z@later.example","action":"delayed","status":"4.3.1"}'; } |
	    bounce-stats >"$BATS_TEST_TMPDIR/out"
	until=$(jq -r 'select(.domain == "full.example") | .throttle.until' "$BATS_TEST_TMPDIR/out")
	[[ "$until" < "2099" ]]
	[[ "$until" > "2026-11-27T09:59:59Z" ]]
}

@test "bounce-stats --segment: one record per affected recipient" {
	run bounce-stats --segment systemfull,mailboxfull "$EV"
	[ "$status" -eq 0 ]
	got=$(jq -r .rcpt <<<"$output" | sort | paste -sd,)
	want=$(jq -r 'select(.reason == "systemfull" or .reason == "mailboxfull") | .rcpt' "$EV" | sort -u | paste -sd,)
	[ "$got" = "$want" ]
	r=$(rec rcpt a@full.example <<<"$output")
	[ "$(jq -c '[.domain, .events, .deferrals, .failures, .first_seen, .last_seen, .last_status, .last_reason]' <<<"$r")" = \
	    '["full.example",3,3,0,"2026-11-20T08:00:00Z","2026-11-27T06:00:00Z","4.3.1","systemfull"]' ]
	[ "$(head -1 <<<"$output" | jq -r .rcpt)" = a@full.example ]
	run bounce-stats --segment speeding --top 2 "$EV"
	[ "$(jq -r .rcpt <<<"$output" | paste -sd,)" = "s1@fast.example,s2@fast.example" ]
	run bounce-stats --segment userunknown --since 2026-11-27T06:00:00Z "$EV"
	[ "$(jq -r .rcpt <<<"$output" | paste -sd,)" = "u4@gone.example,u5@gone.example,u6@gone.example" ]
}

@test "bounce-stats --format table: aligned columns and a sparkline per group" {
	run bounce-stats --format table "$EV"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 6 ]
	head=${lines[0]}
	[[ "$head" == DOMAIN*EVENTS*RCPTS*DEFER*FAIL*SHARE*DAYS*FULL*ADVICE*"TOP REASON"*"14 DAYS TO 2026-11-27" ]]
	# every column ends where its header ends: the text before the sparkline
	# has the same length on every line, numbers end under their header
	pre=${head%%14 DAYS*}
	ev_end=${head%%EVENTS*}EVENTS
	for l in "${lines[@]:1}"; do
		p=${l:0:${#pre}}
		[ "${p:${#pre}-2}" = "  " ]
		[[ "${l:${#ev_end}-1:2}" =~ ^[0-9]\ $ ]]
	done
	full=$(grep '^full.example ' <<<"$output")
	[[ "$full" == *" 10 "*" throttle "*systemfull* ]]
	# full.example: 1 event on the 20th, 2 on the 22nd, 1 on the 26th, 6 on the 27th
	spark=${full:${#pre}}
	[ "$spark" = "      ▂ ▃   ▂█" ]
	[[ "$(grep '^gone.example ' <<<"$output")" == *"█" ]]
	# the segment table too
	run bounce-stats --segment mailboxfull -f table "$EV"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == RCPT*EVENTS*STATUS*REASON*"14 DAYS"* ]]
	[[ "${lines[1]}" == "p@quota.example "*" 2 "*"5.2.2"*mailboxfull*"█"* ]]
}

@test "bounce-stats --format table: control characters in keys do not reach the terminal" {
	printf '{"time":"2026-11-27T10:00:00Z","rcpt":"a@x.example","action":"delayed","status":"4.3.1","rhost":"evil\\u001b[2J\\u0007host"}\n' |
	    bounce-stats --by rhost -f table >"$BATS_TEST_TMPDIR/t"
	! grep -q $'\e' "$BATS_TEST_TMPDIR/t" || false
	grep -q 'evil?\[2J?host' "$BATS_TEST_TMPDIR/t"
}

@test "bounce-stats: bad records are reported with file:line, the rest is counted, exit 2" {
	f="$BATS_TEST_TMPDIR/mixed.jsonl"
	{
		head -3 "$EV"
		echo 'this is not json'
		echo '{"time":"2026-11-27T10:00:00Z","action":"failed"}'
		echo '{"time":"yesterday","rcpt":"a@b.example","action":"failed"}'
		echo '["an","array"]'
		echo
		tail -2 "$EV"
	} >"$f"
	run --separate-stderr bounce-stats "$f"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"mixed.jsonl:4: invalid JSON"* ]]
	[[ "$stderr" == *"mixed.jsonl:5: "*rcpt* ]]
	[[ "$stderr" == *"mixed.jsonl:6: "*time* ]]
	[[ "$stderr" == *"mixed.jsonl:7: not a JSON object"* ]]
	[ "$(jq -s 'map(.events) | add' <<<"$output")" = 5 ]
	# an unreadable file is an error too, the others are read
	run --separate-stderr bounce-stats /nonexistent "$EV"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"/nonexistent"* ]]
	[ "$(jq -s 'map(.events) | add' <<<"$output")" = 30 ]
}

@test "bounce-stats: an event of unknown time (null) is counted, on no day" {
	f="$BATS_TEST_TMPDIR/notime.jsonl"
	{
		cat "$EV"
		echo '{"time":null,"rcpt":"x@nodate.example","domain":"nodate.example","action":"failed","status":"5.2.2","reason":"mailboxfull","class":"soft"}'
		echo '{"time":null,"rcpt":"b@full.example","domain":"full.example","action":"delayed","status":"4.3.1","reason":"systemfull","class":"soft"}'
	} >"$f"
	run --separate-stderr bounce-stats "$f"
	[ "$status" -eq 0 ]
	[ "$(rec domain nodate.example <<<"$output" | jq -c '[.events, .days, .first_seen, .full_days, .throttle.recipients]')" = '[1,0,null,0,0]' ]
	[ "$(rec domain full.example <<<"$output" | jq -c '[.events, .days, .full_days, .throttle.recipients]')" = '[11,4,4,7]' ]
	run bounce-stats --by day "$f"
	[ "$(jq -c 'select(.day == null) | .events' <<<"$output")" = 2 ]
	# a time window cannot tell: left out
	run bounce-stats --since 2026-01-01T00:00:00Z "$f"
	[ -z "$(rec domain nodate.example <<<"$output")" ]
}

@test "bounce-stats: empty input writes nothing and succeeds" {
	run bounce-stats </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run bounce-stats -f table </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run bounce-stats --segment systemfull - <"$EV" --since 2030-01-01T00:00:00Z
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "bounce-stats: stdin, several files, and a write error on stdout" {
	run bounce-stats - <"$EV"
	[ "$(jq -s 'map(.events) | add' <<<"$output")" = 30 ]
	run bounce-stats "$EV" "$EV"
	[ "$(rec domain full.example <<<"$output" | jq -c '[.events, .recipients]')" = "[20,8]" ]
	run bash -c "bounce-stats '$EV' >/dev/full"
	[ "$status" -eq 2 ]
	[[ "$output" == *"write error"* ]]
}

@test "bounce-stats counts every event that bounce-parse writes from the corpus" {
	bounce-parse "$CORPUS"/email/*.eml >"$BATS_TEST_TMPDIR/ev.jsonl" 2>/dev/null || true
	n=$(grep -c . "$BATS_TEST_TMPDIR/ev.jsonl" || true)
	[ "$n" -gt 100 ]
	run --separate-stderr bounce-stats --by reason "$BATS_TEST_TMPDIR/ev.jsonl"
	[ "$status" -eq 0 ]
	[ "$(jq -s 'map(.events) | add' <<<"$output")" = "$n" ]
	run bounce-stats --by domain --format table "$BATS_TEST_TMPDIR/ev.jsonl"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq "$(($(jq -r .domain "$BATS_TEST_TMPDIR/ev.jsonl" | sort -u | wc -l) + 1))" ]
}
