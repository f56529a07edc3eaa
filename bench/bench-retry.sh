#!/bin/sh
# retry-plan against jq: N plans in the state file and N new events merged in
# one run, beside a jq program (bench/retry-plan.jq) that keeps the same state
# with a reduce over the same two files (a simpler model: first retry 24h
# after the bounce, hard -> failed, later delivery -> resolved). Then
# retry-due hands out everything due from that state.
# Prints wall and CPU seconds, throughput, the ratio, and retry-plan's peak
# memory per plan (max RSS from /usr/bin/time -f %M).
#   sh bench/bench-retry.sh OUTDIR      (BENCH_RETRY_N=1000000 by default)
set -eu
out=${1:-bench/out}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
gen="$here/../tests/fixtures/retry/gen-events.awk"
n=${BENCH_RETRY_N:-1000000}
bench_dir "$out" retry

# One event a second; 90% open plans, so about n plans from n/0.9 events,
# each recipient once (users much larger than n).
users=$((n * 8))
awk -v n=$((n * 10 / 9)) -v users=$users -v month=2026-10 -f "$gen" >"$d/old-events.jsonl"
rm -f "$d/state.jsonl" "$d/state.jsonl.lock"
retry-plan -S 1 -s "$d/state.jsonl" --now 2026-11-01T00:00:00Z "$d/old-events.jsonl" >/dev/null
# The measured run: n events of the next month, about the same recipients.
awk -v n=$n -v users=$users -v month=2026-11 -f "$gen" >"$d/events.jsonl"
plans=$(wc -l <"$d/state.jsonl")
bytes=$(($(wc -c <"$d/state.jsonl") + $(wc -c <"$d/events.jsonl")))
cp "$d/state.jsonl" "$d/state-before.jsonl"

measure() {
	# measure NAME command...: wall user sys maxrss-KB into $d/NAME.time
	name=$1
	shift
	/usr/bin/time -f "%e %U %S %M" -o "$d/$name.time" "$@"
}

measure retry-plan retry-plan -S 1 -s "$d/state.jsonl" --now 2026-12-01T00:00:00Z \
    "$d/events.jsonl" >"$d/retry-plan.out"
measure jq jq -n -c -f "$here/retry-plan.jq" "$d/state-before.jsonl" "$d/events.jsonl" \
    >"$d/jq.out"
measure retry-due retry-due -s "$d/state.jsonl" --now 2026-12-10T00:00:00Z >"$d/retry-due.out"

read rw ru rs rm <"$d/retry-plan.time"
read jw ju js jm <"$d/jq.time"
read dw du ds dm <"$d/retry-due.time"
awk -v plans="$plans" -v n="$n" -v bytes="$bytes" \
    -v rw="$rw" -v ru="$ru" -v rs="$rs" -v rm="$rm" \
    -v jw="$jw" -v ju="$ju" -v js="$js" -v jm="$jm" \
    -v dw="$dw" -v du="$du" -v ds="$ds" -v dm="$dm" \
    -v changed="$(wc -l <"$d/retry-plan.out")" -v jqout="$(wc -l <"$d/jq.out")" \
    -v due="$(wc -l <"$d/retry-due.out")" 'BEGIN {
	rc = ru + rs; jc = ju + js; dc = du + ds
	if (rw <= 0) rw = 0.01
	if (rc <= 0) rc = 0.01
	if (dw <= 0) dw = 0.01
	printf "state: %d plans, input: %d events (%.0f MB in all)\n", plans, n, bytes / 1e6
	printf "retry-plan  %7.2f s wall %7.2f s cpu  %8.0f records/s  %6.0f MB max RSS  %5.0f bytes/plan  (%d plans changed)\n",
	    rw, rc, (plans + n) / rw, rm / 1024, rm * 1024 / plans, changed
	printf "jq reduce   %7.2f s wall %7.2f s cpu  %8.0f records/s  %6.0f MB max RSS  (%d plans)\n",
	    jw, jc, (plans + n) / (jw > 0 ? jw : 0.01), jm / 1024, jqout
	printf "ratio       retry-plan is %.1fx faster than jq (wall), %.1fx (cpu), %.1fx less memory\n",
	    jw / rw, jc / rc, jm / rm
	printf "retry-due   %7.2f s wall %7.2f s cpu  %8.0f plans/s  %6.0f MB max RSS  (%d handed out)\n",
	    dw, dc, plans / dw, dm / 1024, due
}' | tee "$d/summary.txt"
rm -f "$d/old-events.jsonl" "$d/state-before.jsonl"
