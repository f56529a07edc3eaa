#!/bin/sh
# bounce-parse on a Postfix log beside what users run instead, on the same
# file in one run: grep -c status= (the floor: one pass over the bytes) and
# pflogsumm (the usual log summary). Also the peak memory at a tenth of the
# size and at full size, to show that it does not grow with the log.
# BENCH_MB (default 200) sets the size. Usage: bench-logs.sh [OUTDIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-${TMPDIR:-/tmp}}
mb=${BENCH_MB:-200}
small_mb=$(( mb / 10 > 0 ? mb / 10 : 1 ))
mkdir -p "$out"
log="$out/postfix-$mb.log"
small="$out/postfix-$small_mb.log"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

[ -s "$log" ] || sh "$here/gen-postfix-log" "$mb" >"$log"
[ -s "$small" ] || sh "$here/gen-postfix-log" "$small_mb" >"$small"
size=$(wc -c <"$log")
mbs=$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1048576 }')
outcomes=$(grep -c 'status=' "$log" || true)
echo "log: $mbs MB, $(wc -l <"$log") lines, $outcomes delivery lines ($log)"
cat "$log" >/dev/null	# the same page cache for all

# Each command timed once: wall seconds, and CPU seconds (user+sys) where
# /usr/bin/time exists, as the 2 cores of a test machine are often shared.
run() {	# name command...: sets $wall and $cpu
	name=$1; shift
	if [ -x /usr/bin/time ]; then
		t0=$(now)
		/usr/bin/time -f '%U %S %M' -o "$out/logs-time.$name" "$@" >"$out/logs-out.$name" 2>/dev/null || true
		t1=$(now)
		cpu=$(awk '{ printf "%.3f", $1 + $2 }' "$out/logs-time.$name")
	else
		t0=$(now)
		"$@" >"$out/logs-out.$name" 2>/dev/null || true
		t1=$(now)
		cpu=-
	fi
	wall=$(secs "$t0" "$t1")
}
run bk bounce-parse "$log"; bk=$wall bk_cpu=$cpu
run bkall bounce-parse --delivered "$log"; bkall=$wall bkall_cpu=$cpu
run grep grep -c 'status=' "$log"; gr=$wall gr_cpu=$cpu
pf=skipped pf_cpu=-
if command -v pflogsumm >/dev/null 2>&1; then
	run pflogsumm pflogsumm "$log"; pf=$wall pf_cpu=$cpu
fi
events=$(wc -l <"$out/logs-out.bk")
all=$(wc -l <"$out/logs-out.bkall")
# bounce-parse --delivered must see every delivery line the generator wrote
[ "$all" -eq "$outcomes" ] && agree=yes || agree="NO ($all events)"

awk -v mb="$mbs" -v bk="$bk" -v bkall="$bkall" -v gr="$gr" -v pf="$pf" -v ev="$events" \
    -v all="$all" -v agree="$agree" -v bkc="$bk_cpu" -v bkallc="$bkall_cpu" -v grc="$gr_cpu" \
    -v pfc="$pf_cpu" 'BEGIN {
	printf "%-26s %8s %9s %8s\n", "", "wall s", "MB/s", "cpu s"
	printf "%-26s %8.3f %9.1f %8s  (%d bounce events)\n", "bounce-parse", bk, mb / bk, bkc, ev
	printf "%-26s %8.3f %9.1f %8s  (%d events, one per status= line: %s)\n", "bounce-parse --delivered", bkall, mb / bkall, bkallc, all, agree
	printf "%-26s %8.3f %9.1f %8s\n", "grep -c status=", gr, mb / gr, grc
	if (pf != "skipped")
		printf "%-26s %8.3f %9.1f %8s\n", "pflogsumm", pf, mb / pf, pfc
	printf "ratio (wall): bounce-parse at %.2fx the speed of grep -c status=", gr / bk
	if (pf != "skipped")
		printf ", %.0fx faster than pflogsumm", pf / bk
	printf "\n"
	if (bkc != "-" && bkc > 0) {
		printf "ratio (cpu):  bounce-parse at %.2fx the speed of grep -c status=", (grc > 0 ? grc : 0.001) / bkc
		if (pf != "skipped")
			printf ", %.0fx faster than pflogsumm", pfc / bkc
		printf "\n"
	}
}'

if [ -x /usr/bin/time ]; then
	rss_small=$( { /usr/bin/time -f %M bounce-parse "$small" >/dev/null; } 2>&1 | tail -1)
	rss_big=$(awk '{ print $3 }' "$out/logs-time.bk")
	echo "max RSS: $rss_small KB at $small_mb MB, $rss_big KB at $mb MB"
else
	echo "max RSS: skipped (no /usr/bin/time)"
fi
rm -f "$out"/logs-time.* "$out"/logs-out.*
