#!/bin/sh
# bounce-parse on bounce emails beside Sisimai (the Perl library users run to
# parse bounces), on the same folder of messages in one run: the corpus of
# real bounces (tests/corpus/email) copied BENCH_COPIES times (default 20)
# into one folder, read by both as a folder of messages. Prints emails per
# second, wall and CPU, and the ratios, with the load average beside them.
# On a shared machine one run of either varies by half from the next (a
# burst of another process in bounce-parse's tenth of a second; Sisimai's
# 7-11 s CPU at load 4-8): each runs several times, BENCH_RUNS (default 5)
# and BENCH_SIS_RUNS (default 3), its median run by CPU time counts and the
# spread is shown. Usage: bench-email.sh [OUTDIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
out=${1:-${TMPDIR:-/tmp}}
copies=${BENCH_COPIES:-20}
runs=${BENCH_RUNS:-5}
sis_runs=${BENCH_SIS_RUNS:-3}
corpus=$here/../tests/corpus/email
mkdir -p "$out"
dir="$out/email-$copies"

if [ ! -d "$corpus" ]; then
	echo "bench-email: no corpus at $corpus (see tools/refresh-corpus.sh)" >&2
	exit 2
fi
if [ ! -d "$dir" ]; then
	mkdir -p "$dir.tmp"
	i=1
	while [ "$i" -le "$copies" ]; do
		for f in "$corpus"/*.eml; do
			cp "$f" "$dir.tmp/$i-$(basename "$f")"
		done
		i=$((i + 1))
	done
	mv "$dir.tmp" "$dir"
fi
n=$(ls "$dir" | wc -l)
cat "$dir"/* >/dev/null	# the same page cache for both

# run NAME COMMAND...: sets $wall and $cpu (user+sys seconds of the command:
# the 2 cores of a test machine are often shared, so CPU time is the fairer
# one). python3's wait4(2) gives them to the microsecond; /usr/bin/time only
# to 10 ms, coarse beside bounce-parse's tenth of a second. The command is
# started by posix_spawn(3), not fork(2) and execvp: a forked python's child
# ran python's PATH search and tore down a copy of python's memory on the
# command's account, 9 ms of CPU time (measured: bounce-parse on an empty
# folder 13-14 ms forked, 4.5-5 ms spawned), 6% of bounce-parse's on the bench.
run() {
	name=$1; shift
	t0=$(now)
	if command -v python3 >/dev/null 2>&1; then
		python3 -c '
import os, sys, time
t0 = time.monotonic()
if hasattr(os, "posix_spawnp"):
    pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
else:    # python before 3.8
    pid = os.fork()
    if pid == 0:
        os.execvp(sys.argv[2], sys.argv[2:])
_, _, ru = os.wait4(pid, 0)
t1 = time.monotonic()
with open(sys.argv[1], "w") as f:
    f.write("%.6f %.6f %.6f\n" % (ru.ru_utime, ru.ru_stime, t1 - t0))
' "$out/email-time.$name" "$@" >"$out/email-out.$name" 2>/dev/null || true
	elif [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%U %S' -o "$out/email-time.$name" "$@" >"$out/email-out.$name" 2>/dev/null || true
	else
		"$@" >"$out/email-out.$name" 2>/dev/null || true
		echo "- -" >"$out/email-time.$name"
	fi
	t1=$(now)
	cpu=$(awk '$1 == "-" { print "-"; exit } { printf "%.3f", $1 + $2 }' "$out/email-time.$name")
	usr=$(awk '{ print $1 }' "$out/email-time.$name")
	sys=$(awk '{ print $2 }' "$out/email-time.$name")
	# The wall time of the command itself where known (not python's start).
	wall=$(awk -v a="$t0" -v b="$t1" 'NF >= 3 { w = $3 }
	    END { printf "%.3f", w != "" ? w : b - a }' "$out/email-time.$name")
}

# median N NAME COMMAND...: run NAME's command N times; sets what run sets
# to its median run by CPU time, and $spread to the least and most CPU time.
median() {
	mruns=$1 mname=$2
	shift
	: >"$out/email-runs.$mname"
	i=0
	while [ "$i" -lt "$mruns" ]; do
		run "$@"
		echo "$cpu $wall $usr $sys" >>"$out/email-runs.$mname"
		i=$((i + 1))
	done
	set -- $(sort -n "$out/email-runs.$mname" | sed -n "$(((mruns + 1) / 2))p")
	cpu=$1 wall=$2 usr=$3 sys=$4
	spread=$(sort -n "$out/email-runs.$mname" | awk 'NR == 1 { lo = $1 } { hi = $1 }
	    END { printf "%s-%s", lo, hi }')
}

load0=$(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || echo "?")
# Both read the same folder, each in one process: bounce-parse as it runs by
# default (a thread per processor, at most 8) and on one thread.
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
[ "$jobs" -le 8 ] || jobs=8
median "$runs" bk bounce-parse --delivered "$dir"
bk=$wall bk_cpu=$cpu bk_usr=$usr bk_sys=$sys bk_spread=$spread
bk_events=$(wc -l <"$out/email-out.bk")
median "$runs" bk1 bounce-parse -j 1 --delivered "$dir"
bk1=$wall bk1_cpu=$cpu bk1_usr=$usr bk1_sys=$sys bk1_spread=$spread
cmp -s "$out/email-out.bk" "$out/email-out.bk1" ||
	echo "bench-email: -j $jobs and -j 1 wrote different output" >&2
sis=skipped sis_cpu=- sis_events=- sis_usr=- sis_sys=- sis_spread=-
if perl -MSisimai -e 1 2>/dev/null; then
	# Sisimai 4.25's API: make() over a Maildir-like folder; each record is
	# turned into a hash (damn) as a user would to store it.
	median "$sis_runs" sis perl -MSisimai -e '
	    my $v = Sisimai->make($ARGV[0], delivered => 1, vacation => 1) || [];
	    for my $e (@$v) { my $d = $e->damn; print "$d->{recipient}\t$d->{reason}\n" }' "$dir"
	sis=$wall sis_cpu=$cpu sis_usr=$usr sis_sys=$sys sis_spread=$spread
	sis_events=$(wc -l <"$out/email-out.sis")
fi
load1=$(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || echo "?")

awk -v n="$n" -v bk="$bk" -v bkc="$bk_cpu" -v bku="$bk_usr" -v bks="$bk_sys" -v be="$bk_events" \
    -v bk1="$bk1" -v bk1c="$bk1_cpu" -v bk1u="$bk1_usr" -v bk1s="$bk1_sys" -v jobs="$jobs" \
    -v sis="$sis" -v sisc="$sis_cpu" -v sisu="$sis_usr" -v siss="$sis_sys" -v se="$sis_events" \
    -v runs="$runs" -v bksp="$bk_spread" -v bk1sp="$bk1_spread" -v load0="$load0" -v load1="$load1" \
    -v sruns="$sis_runs" -v sissp="$sis_spread" '
function row(name, w, c, u, s, e) {
	printf "%-14s %8.3f %10.0f %8s %8s %8s %12s %8s\n", name, w, n / w, u, s, c,
	    c == "-" || c == 0 ? "-" : sprintf("%.0f", n / c), e
}
BEGIN {
	printf "%d emails (%s), each tool over the folder in one process; load average %s before, %s after\n",
	    n, "corpus x '"$copies"'", load0, load1
	printf "the median run by CPU time of %d of bounce-parse (CPU %s s, on one thread %s s at the least and most) and of %d of Sisimai (%s s)\n",
	    runs, bksp, bk1sp, sruns, sissp
	printf "%-14s %8s %10s %8s %8s %8s %12s %8s\n", "", "wall s", "emails/s", "user s", "sys s",
	    "cpu s", "emails/cpu-s", "events"
	row("bounce-parse", bk, bkc, bku, bks, be)
	row("  -j 1", bk1, bk1c, bk1u, bk1s, be)
	if (sis == "skipped") {
		printf "%-14s (not installed: libsisimai-perl)\n", "Sisimai"
		exit
	}
	row("Sisimai 4.25", sis, sisc, sisu, siss, se)
	printf "ratio: bounce-parse (%d threads) is %.1fx Sisimai by wall time", jobs, sis / bk
	if (bkc != "-" && bkc > 0)
		printf ", %.1fx by CPU time (user+sys)", sisc / bkc
	printf "\nratio: bounce-parse -j 1 is %.1fx Sisimai by wall time", sis / bk1
	if (bk1c != "-" && bk1c > 0)
		printf ", %.1fx by CPU time (user+sys)", sisc / bk1c
	printf "\n"
}'
