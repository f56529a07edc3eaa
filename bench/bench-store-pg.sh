#!/bin/sh
# Plans from several hosts at once: the same work on an SQLite state (.db,
# where runs queue on the database's lock) and on a PostgreSQL one (a
# throwaway cluster on a Unix socket, started and stopped here):
# - plans merged per second from 4 concurrent retry-plan -w writers, each
#   with its own events (BENCH_PG_EVENTS in all, 40,000 by default);
# - claims per second from 2 concurrent retry-due runs over the plans due,
#   each with --limit half of them (as workers that share the work do);
# - the suppression list (BENCH_PG_SUPP entries, 100,000 by default): one
#   add run of them all, 4 concurrent add runs of a quarter more each, 200
#   check runs of one address (a run each: the cost a caller sees), and a
#   filter of twice as many recipients as entries, half of them listed.
# Wall seconds of the whole round, so the figures include the waiting.
#   sh bench/bench-store-pg.sh OUTDIR
set -eu
out=${1:-bench/out}
here=$(cd "$(dirname "$0")" && pwd)
gen="$here/../tests/fixtures/retry/gen-events.awk"
n=${BENCH_PG_EVENTS:-40000}
k=${BENCH_PG_SUPP:-100000}
export TZ=UTC

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
	echo "skipped: no PostgreSQL server (apt-get install postgresql)"
	exit 0
fi
d="$out/store-pg"
rm -rf "$d"
mkdir -p "$d"
chmod 700 "$d"
# The cluster: as nobody when we are root (the server refuses root).
pgdir=$(mktemp -d /tmp/bouncekit-bench-pg.XXXXXX)
chmod 755 "$pgdir"
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		(cd "$pgdir" && runuser -u nobody -- "$@")
	else
		"$@"
	fi
}
[ "$(id -u)" != 0 ] || chown nobody "$pgdir"
cleanup() {
	as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -m fast -w stop >/dev/null 2>&1 || true
	rm -rf "$pgdir"
}
trap cleanup EXIT
as_pg "$pgbin/initdb" -D "$pgdir/data" -U bk --auth=trust -E UTF8 --no-locale -N \
    >"$d/initdb.log" 2>&1
as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
    -o "-c listen_addresses='' -c unix_socket_directories='$pgdir' -c unix_socket_permissions=0700" start >/dev/null
export PGHOST="$pgdir" PGUSER=bk PGDATABASE=postgres

users=$((n / 4))
awk -v n="$n" -v users=$users -v month=2026-10 -f "$gen" >"$d/events.jsonl"
# quarters NAME: events on stdin into $d/NAME.0 .. NAME.3, each writer its
# own quarter of the recipients (its MTA's).
quarters() {
	awk -v f="$d/$1" '{ match($0, /"rcpt":"[^"]*"/); h = 0
	for (i = RSTART; i < RSTART + RLENGTH; i++) h = (h * 31 + index("abcdefghijklmnopqrstuvwxyz0123456789@.", substr($0, i, 1))) % 4
	print > (f "." h) }'
}
quarters part <"$d/events.jsonl"
# A month later, the same recipients again: every event's plan is there to
# be looked up (the first round's writers mostly open new plans).
awk -v n="$n" -v users=$users -v month=2026-11 -f "$gen" | quarters again

# now SECONDS: wall clock with fractions.
now() { date +%s.%N; }

# writers NAME NOW LABEL: 4 retry-plan -w at once into $store, each its
# $d/NAME.i; the plans merged per second.
writers() {
	t0=$(now)
	for i in 0 1 2 3; do
		nice retry-plan -w -S 1 -n "$2" -s "$store" "$d/$1.$i" >"$d/$1-merged.$i" &
	done
	wait
	t1=$(now)
	plans=$(cat "$d/$1"-merged.* | wc -l)
	awk -v name="$name" -v what="$3" -v p="$plans" -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN {
		printf "%-10s %s: %d events, %d plans merged in %.2f s: %.0f plans/s\n",
		    name, what, n, p, b - a, p / (b - a) }'
}

for store in "$d/state.db" "postgresql:"; do
	name=$(case $store in postgresql:*) echo PostgreSQL ;; *) echo SQLite ;; esac)
	writers part 2026-11-01T00:00:00Z "4 writers"
	due=$(retry-due -N -n 2026-11-20T00:00:00Z -s "$store" | wc -l)
	half=$(((due + 1) / 2))
	t0=$(now)
	nice retry-due -w -L $half -n 2026-11-20T00:00:00Z -s "$store" >"$d/due.a" &
	nice retry-due -w -L $half -n 2026-11-20T00:00:00Z -s "$store" >"$d/due.b" &
	wait
	t1=$(now)
	a=$(wc -l <"$d/due.a")
	b=$(wc -l <"$d/due.b")
	# Each run takes the plans it chose, passing over the other's: both
	# get their limit.
	[ $((a + b)) -eq "$due" ] || echo "$name: $due due, $((due - a - b)) left due for the next run"
	[ -z "$(cat "$d/due.a" "$d/due.b" | sed 's/.*"rcpt":"\([^"]*\)".*/\1/' | sort | uniq -d)" ] ||
	    echo "$name: a plan handed out twice!"
	awk -v name="$name" -v a="$t0" -v b="$t1" -v x="$a" -v y="$b" 'BEGIN {
		printf "%-10s 2 retry-due runs: %d + %d claims in %.2f s: %.0f claims/s\n",
		    name, x, y, b - a, (x + y) / (b - a) }'
	writers again 2026-12-01T00:00:00Z "4 writers, plans there"
done

# The suppression list.
awk -v k="$k" 'BEGIN { for (i = 1; i <= k; i++) print "u" i "@d" (i % 1000) ".example" }' \
    >"$d/supp.txt"
for q in 0 1 2 3; do
	awk -v k="$k" -v q="$q" 'BEGIN { for (i = 1; i <= k / 4; i++) print "w" q "-" i "@d" (i % 1000) ".example" }' \
	    >"$d/supp.$q"
done
awk -v k="$k" 'BEGIN { for (i = 1; i <= 2 * k; i++) { j = int((i + 1) / 2)
	print (i % 2 ? "u" : "x") j "@d" (j % 1000) ".example" } }' \
    >"$d/rcpts.txt"
rate() {
	awk -v name="$1" -v what="$2" -v n="$3" -v a="$4" -v b="$5" -v unit="$6" 'BEGIN {
		printf "%-10s %s: %d in %.2f s: %.0f %s/s\n", name, what, n, b - a, n / (b - a), unit }'
}
psql=$pgbin/psql
"$psql" -X -q -c "CREATE DATABASE supp" >/dev/null
for store in "$d/supp.db" "postgresql:dbname=supp"; do
	name=$(case $store in postgresql:*) echo PostgreSQL ;; *) echo SQLite ;; esac)
	t0=$(now)
	nice suppress -l "$store" -n 2026-11-01T00:00:00Z add --for 30d "$d/supp.txt" >/dev/null
	t1=$(now)
	rate "$name" "suppress add, one run" "$k" "$t0" "$t1" entries
	t0=$(now)
	for q in 0 1 2 3; do
		nice suppress -w -l "$store" -n 2026-11-01T00:00:00Z add "$d/supp.$q" >/dev/null &
	done
	wait
	t1=$(now)
	rate "$name" "suppress add, 4 runs at once" "$k" "$t0" "$t1" entries
	t0=$(now)
	i=0
	while [ $i -lt 200 ]; do
		nice suppress -l "$store" -n 2026-11-02T00:00:00Z check "u$((i * 97 + 1))@d1.example" >/dev/null || true
		i=$((i + 1))
	done
	t1=$(now)
	rate "$name" "suppress check runs" 200 "$t0" "$t1" runs
	t0=$(now)
	nice suppress -l "$store" -n 2026-11-02T00:00:00Z filter "$d/rcpts.txt" >"$d/kept.txt"
	t1=$(now)
	rate "$name" "suppress filter ($(wc -l <"$d/kept.txt") kept)" $((2 * k)) "$t0" "$t1" recipients
done
