#!/bin/sh
# The SQLite plan store (plans.db) at millions of plans, made once from
# generated plan records (retry-plan --import), then what a
# cron run does: 100 new events merged (wall and CPU seconds,
# bytes written from /proc/PID/io) and retry-due --limit 1000 five times in a
# row (the checkpoint in one of them); bytes a plan. Under each run, where
# its wall time went (bench/runstat.c): CPU, waiting for a processor (the
# run queue: other programs' load), blocked (the disk, fsync).
#   sh bench/bench-store-big.sh OUTDIR    (BENCH_STORE_N=2000000)
# Plans: user<i>@d<i mod 1000>.example, two in three waiting (due over the
# month), one in six exhausted, one in six failed.
set -eu
out=${1:-bench/out}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
n=${BENCH_STORE_N:-2000000}
# Plans a run of --import: all in one by default (into an empty store the
# indexes are made once, sorted); the run holds them, ~300 bytes each.
chunk=${BENCH_STORE_CHUNK:-$n}
bench_dir "$out" store-big
db="$d/plans$n.db"

if [ ! -s "$db" ]; then
	rm -f "$db" "$db-wal" "$db-shm"
	i=0
	while [ "$i" -lt "$n" ]; do
		c=$((n - i < chunk ? n - i : chunk))
		awk -v from=$((i + 1)) -v to=$((i + c)) 'BEGIN {
		for (x = from; x <= to; x++) {
			dom = "d" (x % 1000) ".example"; rcpt = "user" x "@" dom
			st = x % 6 < 4 ? "waiting" : x % 6 == 4 ? "exhausted" : "failed"
			due = 1793491200 + (x * 7919) % (30 * 86400)
			printf "{\"rcpt\":\"%s\",\"domain\":\"%s\",\"state\":\"%s\",\"status\":\"4.2.2\",\"reason\":\"mailboxfull\",\"attempts\":%d,\"max_attempts\":4,\"first_bounce\":\"2026-10-01T00:00:00Z\",\"last_bounce\":\"2026-10-01T00:00:00Z\",\"last_attempt\":\"2026-10-01T00:00:00Z\",\"next_retry\":%s,\"claimed_at\":null,\"resolved_at\":null,\"msgids\":[\"<m%d@shop.example>\"],\"from\":\"news@shop.example\",\"rule\":\"builtin-backoff\",\"pause\":\"30d\",\"expires\":null,\"delays\":0,\"last_event\":\"2026-10-01T00:00:00Z\",\"since\":\"2026-11-01T00:00:00Z\",\"seen_upto\":null,\"seen\":\"687282a66abda280\"}\n",
			    rcpt, dom, st, x % 3,
			    st == "waiting" ? "\"" strftime("%Y-%m-%dT%H:%M:%SZ", due, 1) "\"" : "null", x
		} }' >"$d/chunk.jsonl"
		nice retry-plan -s "$db" --import "$d/chunk.jsonl"
		i=$((i + c))
	done
	rm -f "$d/chunk.jsonl"
fi
plans=$n
# 100 new events for plans the store has.
awk -v n="$n" 'BEGIN { srand(2); for (i = 0; i < 100; i++) { x = int(rand() * n) + 1
	printf "{\"time\":\"2026-11-02T00:00:%02dZ\",\"rcpt\":\"user%d@d%d.example\",\"domain\":\"d%d.example\",\"action\":\"failed\",\"status\":\"4.2.2\",\"code\":452,\"reason\":\"mailboxfull\",\"class\":\"soft\",\"rhost\":null,\"diag\":\"452 4.2.2 full\",\"from\":\"news@shop.example\",\"msgid\":\"<n%d@shop.example>\",\"qid\":null,\"source\":\"postfix\",\"origin\":\"mail.log:%d\"}\n", i % 60, x, x % 1000, x % 1000, i, i + 1 } }' >"$d/new-events.jsonl"

runstat="$d/runstat"
${CC:-cc} -O2 -std=c11 -o "$runstat" "$here/runstat.c"
run() {
	name=$1
	shift
	bench_run "$name" "$runstat" "$d/runstat.out" "$@"
	if [ -s "$d/runstat.out" ]; then
		echo "          $(cat "$d/runstat.out")"
	fi
	rm -f "$d/runstat.out"
}
# When each run's output was out, too (the runs print little).
BENCH_OUTPUT=1
export BENCH_OUTPUT

echo "$plans plans in $db ($(($(stat -c %s "$db") / plans)) bytes a plan on disk)"
# The runs change a copy, written in 4 KB blocks as SQLite writes a store
# and synced: a copy cp(1) just made leaves gigabytes to write back (its
# fsync would wait for them) and large page-cache folios, of which the
# kernel writes back (and counts in write_bytes) the whole for each page
# changed in one. Three rounds, each on a fresh copy: the spread shows.
for round in 1 2 3; do
	rm -f "$d/work.db-wal" "$d/work.db-shm"
	dd if="$db" of="$d/work.db" bs=4096 status=none
	sync "$d/work.db"
	run "retry-plan, 100 events (.db)" retry-plan -S 1 -s "$d/work.db" \
	    --now 2026-11-02T00:01:00Z "$d/new-events.jsonl"
	# Five cron runs in a row, ten minutes apart as cron would start
	# them (at one clock, each run's claims would go in among those of
	# the runs before, in the due table and plans_quiet: some 700 pages
	# more a run after twenty runs): a run commits into the log, and the
	# one whose commit takes it past 4096 pages copies it into the
	# database, at its exit: when its output was out is said too.
	for k in 1 2 3 4 5; do
		run "retry-due --limit 1000, run $k (.db)" retry-due -L 1000 -s "$d/work.db" \
		    --now "2026-11-20T00:$((k - 1))0:00Z"
	done
	echo "load average $(cut -d ' ' -f 1-3 /proc/loadavg)"
done
rm -f "$d/work.db" "$d/work.db-wal" "$d/work.db-shm" "$runstat"
