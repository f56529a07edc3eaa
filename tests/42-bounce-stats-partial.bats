#!/usr/bin/env bats
# bounce-stats --partial / --merge: partial aggregates written by many runs
# (one per log, per MTA host) and merged give exactly the records of one run
# over all the events, distinct recipients included.

load helper
bats_require_minimum_version 1.5.0

setup() {
	T="$BATS_TEST_TMPDIR"
}

# The corpus logs (the Exim test suite's, the fixtures' of every MTA) and the
# corpus bounce emails, one event file each.
corpus_events() {
	i=0
	for f in "$CORPUS"/exim-testsuite/* "$FIXTURES"/logs/*.log; do
		i=$((i + 1))
		bounce-parse -d "$f" >"$T/ev-$(printf %03d $i).jsonl" 2>/dev/null || true
	done
	bounce-parse "$CORPUS"/email/*.eml >"$T/ev-email.jsonl" 2>/dev/null || true
	cat "$T"/ev-*.jsonl >"$T/all.jsonl"
	[ "$(grep -c . "$T/all.jsonl")" -gt 1000 ]
}

# Events with recipients full or rate limited at many times, some the same
# second, over 20 domains and 10 days: throttle windows, days and ties.
synthetic_events() {
	awk 'BEGIN {
		srand(7)
		split("systemfull 4.3.1 delayed soft|mailboxfull 5.2.2 failed soft|speeding 4.7.28 delayed soft|userunknown 5.1.1 failed hard|delivered 2.0.0 delivered none|toomanyconn 4.7.0 delayed soft", r, "|")
		for (k = 0; k < 6000; k++) {
			split(r[1 + int(rand() * 6)], f, " ")
			d = int(20 * rand() * rand())
			t = 1795000000 + int(rand() * 10 * 86400 / 600) * 600
			printf "{\"time\":\"%s\",\"rcpt\":\"u%d@d%d.example\",\"domain\":\"d%d.example\",\"action\":\"%s\",\"status\":\"%s\",\"code\":null,\"reason\":\"%s\",\"class\":\"%s\",\"rhost\":\"mx%d.d%d.example\",\"diag\":null,\"from\":null,\"msgid\":null,\"qid\":null,\"source\":\"postfix\",\"origin\":\"t:%d\"}\n",
			    strftime("%Y-%m-%dT%H:%M:%SZ", t, 1), int(rand() * 300), d, d, f[3], f[2], f[1], f[4], k % 3, d, k + 1
		}
	}' >"$T/syn.jsonl"
	split -n l/16 -d "$T/syn.jsonl" "$T/syn-part-"
}

# same ARGS...: one run over all.jsonl and the merge of one partial per
# event file give the same bytes.
same() {
	bounce-stats "$@" "$T/all.jsonl" >"$T/one"
	for f in "$T"/ev-*.jsonl; do
		bounce-stats --partial "$@" "$f" || return 1
	done >"$T/partials"
	bounce-stats --merge "$T/partials" >"$T/merged"
	cmp "$T/one" "$T/merged"
	[ -s "$T/one" ]
}

@test "partial: the merge of one partial per corpus log is one run over them all, per field" {
	corpus_events
	for by in domain rhost status reason day; do
		same --now 2026-12-01T00:00:00Z --by "$by"
	done
	# recipients are distinct over all the partials, not added up
	[ "$(jq -s 'map(.recipients) | add' "$T/one")" -lt "$(jq -s 'map(.recipients) | add' <(for f in "$T"/ev-*.jsonl; do bounce-stats -n 2026-12-01T00:00:00Z -b day "$f"; done))" ]
}

@test "partial: segments, --since and --until, the table" {
	corpus_events
	same --segment systemfull,mailboxfull,expired,hostunknown,networkerror,undefined
	same --now 2026-12-01T00:00:00Z --since 2004-01-01T00:00:00Z --until 2012-01-01T00:00:00Z
	bounce-stats --now 2026-12-01T00:00:00Z --format table -K 2 -W 30d -C 1 "$T/all.jsonl" >"$T/one"
	for f in "$T"/ev-*.jsonl; do bounce-stats --partial -n 2026-12-01T00:00:00Z "$f"; done >"$T/partials"
	bounce-stats --merge --format table -K 2 -W 30d -C 1 "$T/partials" >"$T/merged"
	cmp "$T/one" "$T/merged"
}

@test "partial: throttle advice, days and same-second events split 16 ways, merged in stages" {
	synthetic_events
	n=@1795500000	# mid-way: later events are counted, but in no window
	for by in domain rhost; do
		bounce-stats -n $n -b $by -W 2d -K 3 "$T/syn.jsonl" >"$T/one"
		for f in "$T"/syn-part-??; do
			bounce-stats --partial -n $n -b $by "$f" >"$f.p"
		done
		cat "$T"/syn-part-*.p >"$T/partials"
		bounce-stats --merge -W 2d -K 3 "$T/partials" >"$T/merged"
		cmp "$T/one" "$T/merged"
	done
	grep -q '"advice":"throttle"' "$T/one"
	grep -q '"advice":"ok"' "$T/one"
	# two stages: eight partials each into one, then those two
	bounce-stats --merge --partial "$T"/syn-part-0[0-7].p >"$T/stage1"
	bounce-stats --merge --partial "$T"/syn-part-0[89].p "$T"/syn-part-1?.p >"$T/stage2"
	bounce-stats --merge -W 2d -K 3 "$T/stage1" "$T/stage2" >"$T/merged"
	cmp "$T/one" "$T/merged"
	# the merge of one partial, written as a partial, is that partial (days
	# in the order first seen, as the partial has them)
	bounce-stats --merge --partial "$T/syn-part-03.p" >"$T/again"
	cmp "$T/syn-part-03.p" "$T/again"
	# a partial given twice: its events count twice, its recipients once
	bounce-stats --merge "$T/partials" "$T/partials" >"$T/twice"
	[ "$(jq -s 'map(.events) | add' "$T/twice")" -eq 12000 ]
	[ "$(jq -s 'map(.recipients) | add' "$T/twice")" -eq "$(jq -s 'map(.recipients) | add' "$T/one")" ]
	# one record per recipient (--segment): the latest status wins, ties
	# to the event read last
	g=systemfull,speeding,mailboxfull
	bounce-stats -G $g "$T/syn.jsonl" >"$T/one"
	for f in "$T"/syn-part-??; do bounce-stats --partial -G $g "$f"; done >"$T/partials"
	bounce-stats --merge "$T/partials" >"$T/merged"
	cmp "$T/one" "$T/merged"
}

@test "partial: bad partials are reported, skipped, exit 2" {
	synthetic_events
	for f in "$T"/syn-part-0[0-3]; do bounce-stats --partial -n @1795500000 "$f"; done >"$T/p4"
	# events are not partials
	run bounce-stats --merge "$T/syn.jsonl"
	[ "$status" -eq 2 ]
	[[ "$output" == *"syn.jsonl:1: not a partial"* ]]
	# partials of other options are not merged
	bounce-stats --partial -b rhost -n @1795500000 "$T/syn-part-05" >"$T/rhost"
	run --separate-stderr bounce-stats --merge "$T/p4" "$T/rhost"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"rhost:1: a partial of other options"* ]]
	[ "$(jq -s 'map(.events) | add' <<<"$output")" -eq "$(cat "$T"/syn-part-0[0-3] | wc -l)" ]
	# a partial cut short is reported
	head -n 5 "$T/p4" >"$T/short"
	run --separate-stderr bounce-stats --merge "$T/short" "$T/rhost"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"short:1: partial cut short"* ]]
	# a bad group line: the rest of its partial is skipped
	bounce-stats --partial -n @1795500000 "$T/syn-part-00" >"$T/one"
	sed '2s/"events":[0-9]*/"events":"many"/' "$T/one" >"$T/bad"
	run --separate-stderr bounce-stats --merge "$T/bad" "$T/p4"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"bad:2: a partial's group without its counts"*"skipped"* ]]
	# nothing to merge
	run bounce-stats --merge </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"no partial to merge"* ]]
	# not JSON
	printf 'garbage\n' >"$T/garbage"
	run bounce-stats --merge "$T/garbage"
	[ "$status" -eq 2 ]
	[[ "$output" == *"garbage:1:"* ]]
}

@test "partial: options that do not apply, and a write error" {
	printf '' >"$T/empty"
	for args in "--partial -f table" "--partial -t 3" "--partial -W 1d" "--merge -b rhost" \
	    "--merge -n @0" "--merge -G systemfull" "--merge --recovery" "--partial --recovery"; do
		# shellcheck disable=SC2086
		run bounce-stats $args "$T/empty"
		[ "$status" -eq 2 ]
		[[ "$output" == *"does not apply"* ]]
	done
	bounce-stats --partial -b status "$T/empty" >"$T/p"
	[ "$(jq -c '[.partial, .events, .groups]' "$T/p")" = '["bounce-stats",0,0]' ]
	run bounce-stats --merge -K 3 "$T/p"
	[ "$status" -eq 2 ]
	[[ "$output" == *"do not apply to partials by status"* ]]
	run bash -c "bounce-stats --partial '$FIXTURES/stats/events.jsonl' >/dev/full"
	[ "$status" -eq 2 ]
	[[ "$output" == *"write error"* ]]
}

@test "partial: recipients in byte order; partials from a pipe, a file of many and stdin at once" {
	synthetic_events
	n=@1795500000
	bounce-stats -n $n -W 2d "$T/syn.jsonl" >"$T/one"
	for f in "$T"/syn-part-??; do bounce-stats --partial -n $n "$f" >"$f.p"; done
	# each line's recipients, plain and throttled, in byte order
	[ "$(jq -s 'map(select(.rcpts) | (.rcpts == (.rcpts | sort)) and
	    ([.throttled | _nwise(3) | .[0]] as $t | $t == ($t | sort))) | all' \
	    "$T/syn-part-00.p")" = true ]
	[ "$(jq -s 'map(select(.rcpts) | .throttled | length) | add' "$T/syn-part-00.p")" -gt 0 ]
	# the header counts the lines after it
	[ "$(head -n 1 "$T/syn-part-00.p" | jq .lines)" -eq $(($(wc -l <"$T/syn-part-00.p") - 1)) ]
	# from standard input (a pipe), a file of many partials and a process
	# substitution, in one merge: the same records
	cat "$T"/syn-part-0?.p >"$T/first"
	cat "$T"/syn-part-1[0-3].p | bounce-stats --merge -W 2d "$T/first" - \
	    <(cat "$T"/syn-part-1[45].p) >"$T/merged"
	cmp "$T/one" "$T/merged"
	bounce-stats --merge -W 2d <"$T/first" >"$T/a"
	bounce-stats --merge -W 2d "$T/first" >"$T/b"
	cmp "$T/a" "$T/b"
}

@test "partial: an older version, recipients or groups out of order are reported" {
	synthetic_events
	bounce-stats --partial -n @1795500000 "$T/syn-part-00" >"$T/p"
	sed '1s/"version":2/"version":1/' "$T/p" >"$T/v1"
	run --separate-stderr bounce-stats --merge "$T/v1"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"v1:1: a partial of version 1: this bounce-stats reads version 2 (write the partial again with it)"* ]]
	# two recipients swapped in the first line of recipients
	{ sed -n 1,2p "$T/p"; sed -n 3p "$T/p" | jq -c '.rcpts |= ([.[1], .[0]] + .[2:])';
	    sed -n '4,$p' "$T/p"; } >"$T/swapped"
	! cmp -s "$T/p" "$T/swapped" || false
	run --separate-stderr bounce-stats --merge "$T/swapped"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"swapped:3: a partial's recipients out of order; the rest of this partial is skipped"* ]]
	# the lines of two groups swapped (a group and its recipients each)
	[ "$(sed -n 2p "$T/p" | jq .recipients)" -le 512 ]
	{ sed -n 1p "$T/p"; sed -n 4,5p "$T/p"; sed -n 2,3p "$T/p"; sed -n '6,$p' "$T/p"; } >"$T/groups"
	[ "$(sed -n 2p "$T/groups" | jq -r .key)" \> "$(sed -n 4p "$T/groups" | jq -r .key)" ]
	run --separate-stderr bounce-stats --merge "$T/groups"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"groups:4: a partial's groups out of order"* ]]
}
