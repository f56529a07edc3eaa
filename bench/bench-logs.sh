#!/bin/sh
# bounce-parse on a Postfix log beside what users run instead, on the same
# file in one run: grep -c status= (the floor: one pass over the bytes) and
# pflogsumm (the usual log summary). Also the peak memory at a tenth of the
# size and at full size, to show that it does not grow with the log.
# BENCH_MB (default 200) sets the size. Usage: bench-logs.sh [OUTDIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
out=${1:-${TMPDIR:-/tmp}}
mb=${BENCH_MB:-200}
small_mb=$(( mb / 10 > 0 ? mb / 10 : 1 ))
mkdir -p "$out"
log="$out/postfix-$mb.log"
small="$out/postfix-$small_mb.log"

[ -s "$log" ] || sh "$here/gen-postfix-log" "$mb" >"$log"
[ -s "$small" ] || sh "$here/gen-postfix-log" "$small_mb" >"$small"
size=$(wc -c <"$log")
mbs=$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1048576 }')
outcomes=$(grep -c 'status=' "$log" || true)
echo "log: $mbs MB, $(wc -l <"$log") lines, $outcomes delivery lines ($log)"
cat "$log" >/dev/null	# the same page cache for all

# CPU seconds (user+sys, from /usr/bin/time) beside wall seconds for every
# tool: the 2 cores of a test machine are often shared, so wall time says how
# busy the machine was as much as how fast the tool is; ratios from both.
# The fast tools run BENCH_REPEAT times (default 5) under one timer and the
# times are divided: /usr/bin/time counts in hundredths, too coarse for one
# 0.1 s run. pflogsumm runs once (seconds). grep's output goes to a file:
# GNU grep stops at the first match when it writes to /dev/null.
reps=${BENCH_REPEAT:-5}
run() {	# name repeat command...: sets $wall $user $sys $cpu $rss (per run)
	name=$1 n=$2; shift 2
	t0=$(now)
	if [ -x /usr/bin/time ]; then
		# shellcheck disable=SC2016 # the loop's variables are the inner shell's
		/usr/bin/time -f '%U %S %M' -o "$out/logs-time.$name" sh -c '
			n=$1; o=$2; shift 2; i=0
			while [ "$i" -lt "$n" ]; do "$@" >"$o" 2>/dev/null; i=$((i + 1)); done
		' sh "$n" "$out/logs-out.$name" "$@" || true
	else
		i=0
		while [ "$i" -lt "$n" ]; do "$@" >"$out/logs-out.$name" 2>/dev/null || true; i=$((i + 1)); done
	fi
	t1=$(now)
	wall=$(awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%.3f", (b - a) / n }')
	if [ -s "$out/logs-time.$name" ]; then
		read -r user sys cpu rss <<-EOF
		$(awk -v n="$n" '{ printf "%.3f %.3f %.3f %d", $1 / n, $2 / n, ($1 + $2) / n, $3 }' "$out/logs-time.$name")
		EOF
	else
		user=- sys=- cpu=- rss=-
	fi
}
run bk "$reps" bounce-parse "$log"
bk=$wall bk_u=$user bk_s=$sys bk_cpu=$cpu bk_rss=$rss
run bkall "$reps" bounce-parse --delivered "$log"
bkall=$wall bkall_u=$user bkall_s=$sys bkall_cpu=$cpu
run grep "$reps" grep -c 'status=' "$log"
gr=$wall gr_u=$user gr_s=$sys gr_cpu=$cpu
pf=skipped pf_u=- pf_s=- pf_cpu=-
if command -v pflogsumm >/dev/null 2>&1; then
	run pflogsumm 1 pflogsumm "$log"
	pf=$wall pf_u=$user pf_s=$sys pf_cpu=$cpu
fi
events=$(wc -l <"$out/logs-out.bk")
all=$(wc -l <"$out/logs-out.bkall")
# bounce-parse --delivered must see every delivery line the generator wrote
[ "$all" -eq "$outcomes" ] && agree=yes || agree="NO ($all events)"

echo "times per run (fast tools: mean of $reps runs)"
awk -v mb="$mbs" -v ev="$events" -v all="$all" -v agree="$agree" \
    -v bk="$bk" -v bku="$bk_u" -v bks="$bk_s" -v bkc="$bk_cpu" \
    -v bkall="$bkall" -v bkallu="$bkall_u" -v bkalls="$bkall_s" -v bkallc="$bkall_cpu" \
    -v gr="$gr" -v gru="$gr_u" -v grs="$gr_s" -v grc="$gr_cpu" \
    -v pf="$pf" -v pfu="$pf_u" -v pfs="$pf_s" -v pfc="$pf_cpu" '
function row(name, w, u, s, c, note,   cm) {
	cm = "-"
	if (c != "-" && c > 0)
		cm = sprintf("%.1f", mb / c)
	printf "%-26s %8.3f %8s %8s %8s %9.1f %9s  %s\n", name, w, u, s, c, mb / w, cm, note
}
function ratio(a, b) {	# how many times faster a is than b (times a, b)
	if (a == "-" || b == "-" || a <= 0 || b <= 0)
		return "-"
	return sprintf("%.2fx", b / a)
}
BEGIN {
	printf "%-26s %8s %8s %8s %8s %9s %9s\n", "", "wall s", "user s", "sys s", "cpu s", "MB/s wall", "MB/s cpu"
	row("bounce-parse", bk, bku, bks, bkc, sprintf("(%d bounce events)", ev))
	row("bounce-parse --delivered", bkall, bkallu, bkalls, bkallc,
	    sprintf("(%d events, one per status= line: %s)", all, agree))
	row("grep -c status=", gr, gru, grs, grc, "")
	if (pf != "skipped")
		row("pflogsumm", pf, pfu, pfs, pfc, "")
	printf "bounce-parse vs grep -c status= (speed of grep, target >= 0.5x): wall %s, cpu %s\n",
	    ratio(bk, gr), ratio(bkc, grc)
	printf "bounce-parse --delivered vs grep:                              wall %s, cpu %s\n",
	    ratio(bkall, gr), ratio(bkallc, grc)
	if (pf != "skipped") {
		printf "bounce-parse vs pflogsumm (target > 100x):                    wall %s, cpu %s\n",
		    ratio(bk, pf), ratio(bkc, pfc)
		printf "bounce-parse --delivered vs pflogsumm:                        wall %s, cpu %s\n",
		    ratio(bkall, pf), ratio(bkallc, pfc)
		printf "bound: grep -c itself is %s faster than pflogsumm (cpu), %s (wall)\n",
		    ratio(grc, pfc), ratio(gr, pf)
	}
}'

if [ -x /usr/bin/time ]; then
	rss_small=$( { /usr/bin/time -f %M bounce-parse "$small" >/dev/null; } 2>&1 | tail -1)
	rss_big=$bk_rss
	echo "max RSS: $rss_small KB at $small_mb MB, $rss_big KB at $mb MB"
else
	echo "max RSS: skipped (no /usr/bin/time)"
fi
rm -f "$out"/logs-time.* "$out"/logs-out.*
