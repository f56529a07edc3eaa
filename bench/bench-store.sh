#!/bin/sh
# The two plan stores side by side: N plans in a JSON-lines state and in an
# SQLite one (.db), then what a cron run does: 100 new events merged, and
# retry-due --limit 1000; first, the run that makes each from a month of
# events. Prints wall and CPU seconds, bytes written to disk (from
# /proc/PID/io of the run) and bytes per plan on disk.
#   sh bench/bench-store.sh OUTDIR      (BENCH_STORE_N=1000000 by default)
set -eu
out=${1:-bench/out}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
gen="$here/../tests/fixtures/retry/gen-events.awk"
n=${BENCH_STORE_N:-1000000}
bench_dir "$out" store

users=$((n * 8))
awk -v n=$((n * 10 / 9)) -v users=$users -v month=2026-10 -f "$gen" >"$d/old-events.jsonl"
awk -v n=100 -v users=$users -v month=2026-11 -f "$gen" >"$d/new-events.jsonl"
rm -f "$d"/state.*

# run NAME command...: wall and CPU seconds and bytes written to disk (from
# /proc/PID/io) of the command.
run() {
	name=$1
	shift
	bench_measure "$@" |
	    awk -v name="$name" '{ printf "%-36s %8.3f s (cpu %7.3f s) %12d bytes written\n",
		name, $2 - $1, $4, $3 }'
}

# The first run: every event of the month into a new state.
for s in state.jsonl state.db; do
	run "first run, $(($(wc -l <"$d/old-events.jsonl") / 1000))k events ($s)" \
	    retry-plan -S 1 -s "$d/$s" --now 2026-11-01T00:00:00Z "$d/old-events.jsonl"
done
plans=$(wc -l <"$d/state.jsonl")
echo "$plans plans"
for s in state.jsonl state.db; do
	cp "$d/$s" "$d/keep.$s"
	run "retry-plan, 100 events ($s)" retry-plan -S 1 -s "$d/$s" \
	    --now 2026-11-02T00:00:00Z "$d/new-events.jsonl"
	run "retry-due --limit 1000 ($s)" retry-due -L 1000 -s "$d/$s" \
	    --now 2026-11-20T00:00:00Z
	# The state as it was after the first run (in rollback-journal mode,
	# no log yet): the log the runs left goes with them.
	mv "$d/keep.$s" "$d/$s"
	rm -f "$d/$s-wal" "$d/$s-shm"
	printf '%-36s %8d bytes a plan on disk\n' "size ($s)" $(($(wc -c <"$d/$s") / plans))
done
echo "load average $(cut -d ' ' -f 1-3 /proc/loadavg)"
