#!/usr/bin/env bats
# bench/bouncesim.c: the simulated world that runs the real pipeline. The
# fixed schedule's retries, read from the simulator's trace, must follow the
# seed's arithmetic exactly: 24h after the bounce (at the next hourly cron
# run), then 48h, 72h and a week after each retry, then given up.

load helper

setup_file() {
	export SIM="$BATS_FILE_TMPDIR/bouncesim"
	${CC:-cc} -O2 -std=c11 -D_DEFAULT_SOURCE -o "$SIM" "$BATS_TEST_DIRNAME/../bench/bouncesim.c" -lm
}

# One send on the first day, no rate limits: every retry comes from the plan.
sim() {
	"$SIM" --bin "$(dirname "$(command -v retry-plan)")" --dir "$BATS_TEST_TMPDIR/w" \
	    --recipients 2000 --domains 400 --days 15 --send-days 1 --no-rate-limit "$@"
}

@test "simulator: the fixed schedule's retries follow 24h, +48h, +72h, +1w, then give up" {
	sim --schedule fixed --seed 5 --trace "$BATS_TEST_TMPDIR/trace" >"$BATS_TEST_TMPDIR/out"
	run awk -F '\t' '
	function tick(t) { return int((t - 1) / 3600) * 3600 }	# the cron run that sent it
	function full(d, t,   i) {
		for (i = 1; i <= nout[d]; i++)
			if (os[d, i] <= t && t < oe[d, i]) return 1
		return 0
	}
	$1 == "outage" { nout[$2]++; os[$2, nout[$2]] = $3; oe[$2, nout[$2]] = $4; next }
	$1 == "bounce" && $5 == "daily" { first[$2] = $4; dom[$2] = $3; next }
	$1 == "deliver" && $5 == "daily" { next }
	$1 == "bounce" || $1 == "deliver" {
		# A retry: the kth of its recipient, due at the seed arithmetic.
		k = ++n[$2]
		if (!($2 in first)) { print "retry without a bounce: " $0; bad++ }
		if (k == 1) want = int((first[$2] + 86400 + 3599) / 3600) * 3600
		else want = at[$2] + gap[k]
		at[$2] = want
		if (tick($4) != want) { printf "%s retry %d at %d, want %d\n", $2, k, tick($4), want; bad++ }
		if (k > 4) { print "a fifth retry: " $0; bad++ }
		if (done[$2]) { print "retry after delivery: " $0; bad++ }
		if ($1 == "deliver") { done[$2] = 1; delivered++ }
		if (($1 == "bounce") != full($3, $4)) { print "outcome not the truth: " $0; bad++ }
		retries++
		next
	}
	$1 == "giveup" {
		if (n[$2] != 4 || done[$2] || $4 != at[$2] + 3600) {
			print "given up wrongly: " $0 " after " n[$2] " retries"; bad++
		}
		gaveup[$2] = 1; given++
		next
	}
	BEGIN { gap[2] = 172800; gap[3] = 259200; gap[4] = 604800 }
	END {
		for (r in first) {
			nb++
			if (!done[r] && !gaveup[r] && at[r] + 3600 < end) {
				# Still waiting for a retry that the run was long enough for.
				if (n[r] < 4 && at[r] + gap[n[r] + 1] < end) { print r ": a retry missing"; bad++ }
			}
		}
		printf "%d bounced, %d retries, %d delivered by a retry, %d given up\n", nb, retries, delivered, given
		if (nb < 30 || retries < nb || given < 1) { print "too little happened to check"; bad++ }
		exit bad > 0
	}' end=$((1775433600 + 15 * 86400)) "$BATS_TEST_TMPDIR/trace"
	echo "$output"
	[ "$status" -eq 0 ]
	# The figures are the trace's.
	[ "$(jq .given_up "$BATS_TEST_TMPDIR/out")" -eq "$(grep -c '^giveup' "$BATS_TEST_TMPDIR/trace")" ]
	[ "$(jq .retries "$BATS_TEST_TMPDIR/out")" -eq "$(awk -F '\t' '$5 == "retry"' "$BATS_TEST_TMPDIR/trace" | wc -l)" ]
}

@test "simulator: the same seed gives the same figures" {
	sim --schedule backoff --seed 3 --days 6 >"$BATS_TEST_TMPDIR/a"
	sim --schedule backoff --seed 3 --days 6 >"$BATS_TEST_TMPDIR/b"
	[ "$(jq -c 'del(.secs, .pipeline_secs, .cpu_secs, .history_secs)' "$BATS_TEST_TMPDIR/a")" = \
	    "$(jq -c 'del(.secs, .pipeline_secs, .cpu_secs, .history_secs)' "$BATS_TEST_TMPDIR/b")" ]
	[ "$(jq .episodes "$BATS_TEST_TMPDIR/a")" -gt 0 ]
	[ ! -e "$BATS_TEST_TMPDIR/w" ]
}

@test "simulator: the adaptive schedule delivers sooner, wastes fewer retries and gives up no more than the fixed one" {
	# A small world with the daily send and the rate limits (issue 18's
	# targets; bench/bench-sim.sh measures the large one).
	for s in fixed adaptive; do
		"$SIM" --bin "$(dirname "$(command -v retry-plan)")" --dir "$BATS_TEST_TMPDIR/$s" \
		    --recipients 2000 --days 15 --seed 3 --schedule "$s" >"$BATS_TEST_TMPDIR/$s.json"
	done
	f="$BATS_TEST_TMPDIR/fixed.json" a="$BATS_TEST_TMPDIR/adaptive.json"
	jq -c '[.schedule, .mean_hours, .p90_hours, .retries, .wasted, .given_up]' "$f" "$a"
	[ "$(jq -s '.[0].mean_hours > .[1].mean_hours and .[0].wasted > .[1].wasted and
	    .[0].given_up >= .[1].given_up and .[0].p90_hours >= .[1].p90_hours' "$f" "$a")" = true ]
	# Something happened worth comparing.
	[ "$(jq .retries "$f")" -ge 50 ] && [ "$(jq .episodes "$a")" -ge 200 ]
}
