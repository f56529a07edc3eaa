#!/bin/sh
# suppress filter against what users would write instead, awk with a hash of
# the list and grep -vxFf, on the same generated files in one run: BENCH_N
# recipients (default 10000000) against a list of BENCH_N/10 addresses.
# Also the peak memory of suppress (max RSS) against the size of its list.
# Usage: bench-suppress.sh [OUTDIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
out=${1:-${TMPDIR:-/tmp}}
n=${BENCH_N:-10000000}
nlist=$((n / 10))
mkdir -p "$out"
list="$out/supp-list-$nlist.txt"
rcpts="$out/supp-rcpts-$n.txt"
state="$out/supp-list-$nlist.jsonl"

# Addresses as on real lists: mixed-case local parts would make awk and grep
# disagree with suppress (which lower-cases domains), so all lower case here.
# The recipients are drawn from 10 times as many addresses as the list
# holds, so about one in ten is suppressed.
if [ ! -s "$list" ]; then
	awk -v n="$nlist" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "user%d.%d@d%d.example\n", i * 7919 % (n * 10), i % 97, i % 50000
	}' > "$list"
fi
if [ ! -s "$rcpts" ]; then
	awk -v n="$n" -v m="$nlist" 'BEGIN {
		srand(7);
		for (k = 0; k < n; k++) {
			i = int(rand() * m * 10);
			# Addresses i < m are on the list (same formula), the rest are not.
			if (i < m)
				printf "user%d.%d@d%d.example\n", i * 7919 % (m * 10), i % 97, i % 50000;
			else
				printf "user%d.%d@d%d.example\n", i, i % 89 + 100, i % 50000;
		}
	}' > "$rcpts"
fi
echo "data: $n recipients ($(wc -c < "$rcpts") bytes), list of $nlist addresses"

# Building the list (not part of the filter timing).
rm -f "$state"
t0=$(now)
suppress --list "$state" --now 2026-11-27T00:00:00Z add --for 30d "$list" > /dev/null
t1=$(now)
echo "suppress add (build the list): $(secs "$t0" "$t1") s, $(wc -c < "$state") bytes"

t0=$(now)
/usr/bin/time -f %M -o "$out/supp-rss" suppress --list "$state" \
    --now 2026-11-28T00:00:00Z filter "$rcpts" > "$out/supp-bk.txt"
t1=$(now)
awk 'NR==FNR{s[$0];next} !($0 in s)' "$list" "$rcpts" > "$out/supp-awk.txt"
t2=$(now)
grep -vxFf "$list" "$rcpts" > "$out/supp-grep.txt" || true
t3=$(now)

bk=$(secs "$t0" "$t1"); aw=$(secs "$t1" "$t2"); gr=$(secs "$t2" "$t3")
same=yes
cmp -s "$out/supp-bk.txt" "$out/supp-awk.txt" || same="NO (suppress and awk differ)"
cmp -s "$out/supp-bk.txt" "$out/supp-grep.txt" || same="$same; grep differs"
kept=$(wc -l < "$out/supp-bk.txt")
# The outputs are as big as the input: not worth keeping.
rm -f "$out/supp-bk.txt" "$out/supp-awk.txt" "$out/supp-grep.txt"
rss=$(cat "$out/supp-rss")
lsize=$(wc -c < "$state")
echo "kept: $kept of $n; same output: $same"
echo "suppress filter: $bk s ($(awk -v n="$n" -v s="$bk" 'BEGIN { printf "%.2f", (s > 0 ? n / s / 1e6 : 0) }') M lines/s)"
echo "awk ($(basename "$(readlink -f "$(command -v awk)")")): $aw s, suppress is $(ratio "$aw" "$bk")x faster"
echo "grep -vxFf: $gr s, suppress is $(ratio "$gr" "$bk")x faster"
echo "suppress max RSS: $((rss / 1024)) MB for a list file of $((lsize / 1048576)) MB" \
    "($(awk -v r="$rss" -v l="$lsize" 'BEGIN { printf "%.2f", r * 1024 / l }') x the list)"
