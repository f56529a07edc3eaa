#!/bin/sh
# Refreshes tests/corpus/ (the external samples that the tests, benchmarks and
# fuzz/valgrind.sh read) from a corpus folder beside the repository, by
# default ../shared/corpus. The tests never read that folder themselves: a
# clone must pass `make check` with nothing beside it.
#
# Each source keeps its own folder and licence. Where the upstream folder
# carries no licence file, the LICENSE written here (tests/corpus/SOURCE/LICENSE)
# is kept. A new source is added by naming it in SOURCES below, giving it a
# LICENSE and a row in tests/corpus/README.md.
#
# Usage: tools/refresh-corpus.sh [FROM]      (then review `git status`)
set -eu
cd "$(dirname "$0")/.."
from=${1:-../shared/corpus}
to=tests/corpus
SOURCES="email not-bounce exim-testsuite postfix-grok-patterns noise-fail2ban"
FILES="email-expected.tsv"

if [ ! -d "$from" ]; then
	echo "refresh-corpus: no corpus at $from; tests/corpus stays as it is" >&2
	exit 0
fi
for s in $SOURCES; do
	[ -d "$from/$s" ] || { echo "refresh-corpus: $from/$s missing" >&2; exit 1; }
	mkdir -p "$to/$s"
	# Everything but a licence written here goes; the upstream copy comes back.
	find "$to/$s" -mindepth 1 -maxdepth 1 ! -name LICENSE -exec rm -rf {} +
	if [ -f "$from/$s/LICENSE" ]; then
		rm -f "$to/$s/LICENSE"
	elif [ ! -f "$to/$s/LICENSE" ]; then
		echo "refresh-corpus: $s has no licence: write $to/$s/LICENSE" >&2
		exit 1
	fi
	cp -R "$from/$s/." "$to/$s/"
done
for f in $FILES; do
	cp "$from/$f" "$to/$f"
done
echo "refresh-corpus: $to refreshed from $from ($(find "$to" -type f | wc -l) files)"
