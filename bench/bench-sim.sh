#!/bin/sh
# The three retry schedules in the simulated world of bench/bouncesim.c:
# the seed's fixed schedule, plain exponential backoff and the adaptive
# schedule, each over the same world (same seed), the real pipeline run by a
# simulated hourly cron. Prints a table (the one in bouncekit(7)) and each
# scenario's wall and CPU time: the target is under a minute for 30 days and
# 100,000 recipients.
#   sh bench/bench-sim.sh [OUTDIR]
# SIM_DAYS (30), SIM_RECIPIENTS (100000), SIM_SEED (1), SIM_EVERY (1: every
# recipient gets a message every day), SIM_PER_DOMAIN (0: no pacing; N retries a domain
# an hour) and SIM_SCHEDULES ("fixed backoff adaptive") change
# the scenario.
set -eu
out=${1:-bench/out}
here=$(cd "$(dirname "$0")" && pwd)
bin=$(dirname "$(command -v retry-plan)")
days=${SIM_DAYS:-30}
n=${SIM_RECIPIENTS:-100000}
seed=${SIM_SEED:-1}
every=${SIM_EVERY:-1}
per=${SIM_PER_DOMAIN:-0}
mkdir -p "$out/sim"
sim="$out/sim/bouncesim"
${CC:-cc} -O2 -std=c11 -D_DEFAULT_SOURCE -o "$sim" "$here/bouncesim.c" -lm
# State files on a memory file system where there is one: the simulation
# fsyncs thousands of times, which a shared disk makes a benchmark of itself.
work=${SIM_WORK:-}
if [ -z "$work" ]; then
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then
		work=$(mktemp -d /dev/shm/bouncesim.XXXXXX)
	else
		work=$(mktemp -d "${TMPDIR:-/tmp}/bouncesim.XXXXXX")
	fi
fi
trap 'rm -rf "$work"' EXIT INT TERM
pacing=
[ "$per" -gt 0 ] && pacing="--per-domain $per"
: >"$out/sim/results.jsonl"
for s in ${SIM_SCHEDULES:-fixed backoff adaptive}; do
	# shellcheck disable=SC2086
	"$sim" --bin "$bin" --dir "$work/$s" --schedule "$s" --seed "$seed" --days "$days" \
	    --recipients "$n" --every "$every" $pacing >>"$out/sim/results.jsonl"
done
awk -v days="$days" -v n="$n" -v every="$every" '
function num(key,   m) {
	if (match($0, "\"" key "\":[0-9.]+")) return substr($0, RSTART + length(key) + 3, RLENGTH - length(key) - 3)
	return 0
}
{
	match($0, /"schedule":"[a-z]+"/); s = substr($0, RSTART + 12, RLENGTH - 13)
	if (NR == 1) printf "%d days, %d recipients over %d domains, a message every %d day(s), %d episodes (%s)\n\n", days, n, num("domains"), every, num("episodes"), s
	if (NR == 1) {
		printf "%-9s %8s %8s %8s %8s %8s %9s %9s %8s %7s %7s\n", "schedule", "mean", "p90", "retries", "wasted", "given", "given up,", "sent to", "open", "wall", "cpu"
		printf "%-9s %8s %8s %8s %8s %8s %9s %9s %8s %7s %7s\n", "", "hours", "hours", "", "", "up", "recovered", "full", "at end", "s", "s"
	}
	printf "%-9s %8.1f %8.1f %8d %8d %8d %9d %9d %8d %7.1f %7.1f\n", s, num("mean_hours"), num("p90_hours"), num("retries"), num("wasted"), num("given_up"), num("given_up_recovered"), num("sent_full"), num("open"), num("secs"), num("cpu_secs")
}' "$out/sim/results.jsonl" | tee "$out/sim/summary.txt"
