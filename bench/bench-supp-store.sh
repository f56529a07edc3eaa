#!/bin/sh
# The suppression list in an SQLite database (suppressed.db) at N entries:
# check and add of one address, expire, filter of M recipients (against mawk
# on the plain address list), bytes per entry; with BENCH_SUPP_JSONL=1 the
# same on a JSON-lines list (slow at millions). Wall seconds from date, bytes
# written from /proc/PID/io of each run.
#   sh bench/bench-supp-store.sh OUTDIR   (BENCH_SUPP_N=1000000, BENCH_SUPP_M=1000000)
# The entries are made once by sqlite3 in bulk (a generator in SQL), niced.
set -eu
out=${1:-bench/out}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
n=${BENCH_SUPP_N:-1000000}
m=${BENCH_SUPP_M:-1000000}
bench_dir "$out" supp-store
now=2026-12-01T00:00:00Z
db="$d/s$n.db"

# Entries: u<i>@d<i mod 100000>.example; one in ten a pause (ending at
# various times), the others permanent; 1000 domain entries.
if [ ! -s "$db" ]; then
	rm -f "$db" "$db-wal" "$db-shm"
	suppress -l "$db" -n $now add --for 1d @seed.example >/dev/null
	nice sqlite3 "$db" <<EOF
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $n)
INSERT INTO entries (address, reason, since, until, count, source, status, last_added)
SELECT 'u' || x || '@d' || (x % 100000) || '.example',
    CASE x % 10 WHEN 0 THEN 'mailboxfull' ELSE 'userunknown' END,
    1764547200 - x % 86400,
    CASE x % 10 WHEN 0 THEN 1764547200 + (x % 60) * 86400 - 30 * 86400 ELSE NULL END,
    1, 'postfix', CASE x % 10 WHEN 0 THEN '4.2.2' ELSE '5.1.1' END, 1764547200 - x % 86400
FROM c;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000)
INSERT INTO entries (address, reason, since, until, count, source, last_added)
SELECT '@full' || x || '.example', 'manual', 1764547200, 1764547200 + 86400 * 7, 1, 'manual',
    1764547200 FROM c;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
EOF
fi
entries=$(sqlite3 "$db" 'SELECT count(*) FROM entries')
# M recipients: half listed, half not, in random order.
if [ ! -s "$d/rcpts$m.txt" ]; then
	awk -v m="$m" -v n="$n" 'BEGIN { srand(1); for (i = 0; i < m; i++) {
		x = int(rand() * n) + 1
		if (i % 2) print "u" x "@d" (x % 100000) ".example"
		else print "new" x "@d" (x % 100000) ".example" } }' >"$d/rcpts$m.txt"
fi
if [ ! -s "$d/plain$n.txt" ]; then
	sqlite3 "$db" 'SELECT address FROM entries' >"$d/plain$n.txt"
fi

run() { bench_run "$@"; }

# best of 5 runs of a short command (first a warm-up)
best() {
	name=$1
	shift
	"$@" >/dev/null 2>&1 || true
	for i in 1 2 3 4 5; do run "$name" "$@"; done | sort -n | head -1
}

echo "$entries entries in $db ($(($(stat -c %s "$db") / entries)) bytes an entry on disk)"
best "suppress check, one address (.db)" suppress -l "$db" -n $now check u12345@d12345.example
best "suppress check, unknown address (.db)" suppress -l "$db" -n $now check x@nowhere.example
best "suppress check, address of a domain entry" suppress -l "$db" -n $now check a@full7.example
i=0
for k in 1 2 3 4 5; do
	i=$((i + 1))
	run "suppress add, one address (.db)" suppress -l "$db" -n $now add "added$i@x.example"
done | sort -n | head -1
run "suppress filter, $m recipients (.db)" suppress -l "$db" -n $now filter "$d/rcpts$m.txt"
run "mawk, $m recipients, plain list" \
    mawk 'NR == FNR { s[$0]; next } !($0 in s)' "$d/plain$n.txt" "$d/rcpts$m.txt"
# The list with its log (the latest adds are there until a checkpoint).
cp "$db" "$d/expire.db"
if [ -e "$db-wal" ]; then cp "$db-wal" "$d/expire.db-wal"; fi
run "suppress expire (.db)" suppress -l "$d/expire.db" -n 2026-12-15T00:00:00Z expire
rm -f "$d/expire.db"*
if [ "${BENCH_SUPP_JSONL:-0}" = 1 ]; then
	suppress -l "$db" list >"$d/s$n.jsonl"
	echo "JSON lines: $(($(stat -c %s "$d/s$n.jsonl") / entries)) bytes an entry"
	run "suppress check, one address (.jsonl)" suppress -l "$d/s$n.jsonl" -n $now \
	    check u12345@d12345.example
	run "suppress add, one address (.jsonl)" suppress -l "$d/s$n.jsonl" -n $now \
	    add jsonl@x.example
	run "suppress filter, $m recipients (.jsonl)" suppress -l "$d/s$n.jsonl" -n $now \
	    filter "$d/rcpts$m.txt"
fi
