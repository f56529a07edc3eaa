#!/bin/sh
# bounce-parse on bounce emails beside Sisimai (the Perl library users run to
# parse bounces), on the same folder of messages in one run: the corpus of
# real bounces (shared/corpus/email) copied BENCH_COPIES times (default 20)
# into one folder, read by both as a folder of messages. Prints emails per
# second, wall and CPU, and the ratios. Usage: bench-email.sh [OUTDIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-${TMPDIR:-/tmp}}
copies=${BENCH_COPIES:-20}
corpus=${BK_SHARED:-$here/../../shared}/corpus/email
mkdir -p "$out"
dir="$out/email-$copies"

if [ ! -d "$corpus" ]; then
	echo "bench-email: no corpus at $corpus (set BK_SHARED)" >&2
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

now() { date +%s.%N; }
# run NAME COMMAND...: sets $wall and $cpu (user+sys, where /usr/bin/time exists:
# the 2 cores of a test machine are often shared, so CPU time is the fairer one).
run() {
	name=$1; shift
	t0=$(now)
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%U %S' -o "$out/email-time.$name" "$@" >"$out/email-out.$name" 2>/dev/null || true
		cpu=$(awk '{ printf "%.3f", $1 + $2 }' "$out/email-time.$name")
	else
		"$@" >"$out/email-out.$name" 2>/dev/null || true
		cpu=-
	fi
	t1=$(now)
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
}

run bk bounce-parse --delivered "$dir"; bk=$wall bk_cpu=$cpu
bk_events=$(wc -l <"$out/email-out.bk")
sis=skipped sis_cpu=- sis_events=-
if perl -MSisimai -e 1 2>/dev/null; then
	# Sisimai 4.25's API: make() over a Maildir-like folder; each record is
	# turned into a hash (damn) as a user would to store it.
	run sis perl -MSisimai -e '
	    my $v = Sisimai->make($ARGV[0], delivered => 1, vacation => 1) || [];
	    for my $e (@$v) { my $d = $e->damn; print "$d->{recipient}\t$d->{reason}\n" }' "$dir"
	sis=$wall sis_cpu=$cpu
	sis_events=$(wc -l <"$out/email-out.sis")
fi

awk -v n="$n" -v bk="$bk" -v bkc="$bk_cpu" -v be="$bk_events" -v sis="$sis" -v sisc="$sis_cpu" \
    -v se="$sis_events" 'BEGIN {
	printf "%d emails (%s)\n", n, "corpus x '"$copies"'"
	printf "%-14s %8s %12s %8s %12s %8s\n", "", "wall s", "emails/s", "cpu s", "emails/cpu-s", "events"
	printf "%-14s %8.3f %12.0f %8s %12s %8s\n", "bounce-parse", bk, n / bk, bkc,
	    bkc == "-" || bkc == 0 ? "-" : sprintf("%.0f", n / bkc), be
	if (sis == "skipped") {
		printf "%-14s (not installed: libsisimai-perl)\n", "Sisimai"
		exit
	}
	printf "%-14s %8.3f %12.0f %8s %12s %8s\n", "Sisimai 4.25", sis, n / sis, sisc,
	    sisc == "-" || sisc == 0 ? "-" : sprintf("%.0f", n / sisc), se
	printf "ratio: bounce-parse is %.0fx Sisimai by wall time", sis / bk
	if (bkc != "-" && bkc > 0)
		printf ", %.0fx by CPU time", sisc / bkc
	printf "\n"
}'
