#!/bin/sh
# Runs every benchmark (bench/bench-*.sh) with the programs of $1 first in PATH.
# Each prints its own throughput and ratios against the tools users would use
# instead, measured in the same run.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../bin}
PATH="$bin:$PATH"
export PATH
mkdir -p "$here/out"
for b in "$here"/bench-*.sh; do
	[ -e "$b" ] || continue
	echo "== $(basename "$b" .sh)"
	sh "$b" "$here/out" || echo "(failed: $b)"
done
