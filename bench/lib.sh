# bench/lib.sh: what the benchmarks share. Sourced, after here= is set:
#   . "$here/lib.sh"
# Plain POSIX sh.

# Seconds since the epoch, with nanoseconds.
now() { date +%s.%N; }
# b - a, two decimals.
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
# a / b, one decimal (0 when b is 0).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }
# Megabytes a second: size s bytes in t seconds.
mbs() { awk -v s="$1" -v t="$2" 'BEGIN { printf "%.1f", (t > 0 ? s / 1e6 / t : 0) }'; }

# bench_dir OUTDIR NAME: the folder $d = OUTDIR/NAME (made, private) for a
# benchmark's inputs and state; times are UTC.
bench_dir() {
	d=$1/$2
	mkdir -p "$d"
	chmod 700 "$d"
	TZ=UTC
	export TZ
}

# bench_measure command...: "wall-start wall-end bytes-written cpu-seconds" of
# the command (stdout dropped; exit status 1, a documented "no", is no
# failure). Bytes come from /proc/PID/io; CPU is user + system of the
# command, which says more than wall time on a shared machine. With
# BENCH_OUTPUT=1, a fifth: when the command closed its output (what a
# reader of it waits for; the command may go on, to a checkpoint), its
# output read by cat(1) (whose CPU is counted with the command's).
bench_measure() {
	BENCH_TIMES=${BENCH_TIMES:-${TMPDIR:-/tmp}/bench-times.$$}
	export BENCH_TIMES
	sh -c '
		t0=$(date +%s.%N)
		if [ "${BENCH_OUTPUT:-0}" = 1 ]; then
			# A FIFO opened by the command alone (exec), not a
			# pipe: the end of the output is the command closing
			# it, not also a shell that held it open (dash opens
			# a redirection before it forks).
			rm -f "$BENCH_TIMES.fifo"
			mkfifo "$BENCH_TIMES.fifo"
			{ cat "$BENCH_TIMES.fifo" >/dev/null; date +%s.%N >"$BENCH_TIMES.out"; } &
			sh -c "exec \"\$@\" >\"\$0\"" "$BENCH_TIMES.fifo" "$@" || [ $? -eq 1 ]
			wait
			rm -f "$BENCH_TIMES.fifo"
		else
			"$@" >/dev/null || [ $? -eq 1 ]
		fi
		t1=$(date +%s.%N)
		w=$(awk "/^write_bytes/ {print \$2}" /proc/$$/io)
		times >"$BENCH_TIMES"
		c=$(tail -1 "$BENCH_TIMES" | sed "s/m/ /g; s/s//g" | awk "{ print \$1 * 60 + \$2 + \$3 * 60 + \$4 }")
		rm -f "$BENCH_TIMES"
		if [ -e "$BENCH_TIMES.out" ]; then
			echo "$t0 $t1 $w $c $(cat "$BENCH_TIMES.out")"
			rm -f "$BENCH_TIMES.out"
		else
			echo "$t0 $t1 $w $c"
		fi' sh "$@"
}

# bench_run NAME command...: one line, "wall s (cpu s) bytes written NAME",
# the wall time first so that runs sort by it.
bench_run() {
	name=$1
	shift
	bench_measure "$@" |
	    awk -v name="$name" '{ printf "%9.4f s (cpu %7.4f s) %12.0f bytes written  %s%s\n",
		$2 - $1, $4, $3, name, (NF > 4 ? sprintf(" (output out after %.4f s)", $5 - $1) : "") }'
}

# The programs measured come from PATH (make bench puts bin/ first): without
# them every run would fail at once, quietly, and a ratio would look huge.
for bench_prog in bounce-parse bounce-stats retry-due retry-plan suppress; do
	if ! command -v "$bench_prog" >/dev/null 2>&1; then
		echo "$(basename "$0"): $bench_prog is not on PATH: run make bench, or make and PATH=\$PWD/bin:\$PATH" >&2
		exit 2
	fi
done
unset bench_prog
