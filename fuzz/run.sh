#!/bin/sh
# Real fuzzing with clang and libFuzzer: make fuzz FUZZ_SECONDS=N, or
#   sh fuzz/run.sh SECONDS [NAME ...]     (NAME: harness without "fuzz_")
# Builds every fuzz/fuzz_*.c (and common/*.c) with
# -fsanitize=fuzzer,address,undefined into fuzz/bin/, then runs each harness
# for SECONDS on a scratch copy of its corpus. The committed corpus
# fuzz/corpus/NAME/ is only read; with FUZZ_MERGE=1 the inputs that add
# coverage are merged into it afterwards (-merge=1 keeps it small). Crashes,
# leaks, timeouts and out-of-memory inputs land in fuzz/crashers/NAME/; once
# fixed, copy them into fuzz/corpus/NAME/ as regression inputs.
# Exit status: 0 when no harness found anything, 1 otherwise, 2 on errors.
set -u
cd "$(dirname "$0")/.." || exit 2

SECONDS_EACH=${1:-60}
[ $# -gt 0 ] && shift
CC=${FUZZ_CC:-clang}
BIN=fuzz/bin
OBJ=$BIN/obj
WORK=$BIN/work
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CPPFLAGS="-D_POSIX_C_SOURCE=200809L -DBK_VERSION=\"fuzz\" -DBK_FUZZ_POISON -Icommon -Ifuzz"
CFLAGS="-std=c11 -g -O1 -fno-omit-frame-pointer $(pkg-config --cflags jansson zlib sqlite3 libpq 2>/dev/null)"
LIBS="$(pkg-config --libs jansson zlib sqlite3 2>/dev/null || echo -ljansson -lz -lsqlite3) -lm"

if ! command -v "$CC" >/dev/null 2>&1; then
	echo "fuzz: $CC not found (clang with libFuzzer is needed)" >&2
	exit 2
fi
mkdir -p "$OBJ" "$WORK" || exit 2

# The library, instrumented for coverage (fuzzer-no-link) and sanitized;
# rebuilt before each harness, as common/ may change during a long run.
build_lib() {
	objs=
	for c in common/*.c; do
		o=$OBJ/$(basename "$c" .c).o
		if [ ! -f "$o" ] || [ "$c" -nt "$o" ] || [ -n "$(find common -name '*.h' -newer "$o")" ]; then
			$CC $CPPFLAGS $CFLAGS $SAN -fsanitize=fuzzer-no-link -c -o "$o" "$c" || return 1
		fi
		objs="$objs $o"
	done
}

if [ $# -gt 0 ]; then
	names="$*"
else
	names=$(for f in fuzz/fuzz_*.c; do n=${f#fuzz/fuzz_}; echo "${n%.c}"; done)
fi

found=0
for name in $names; do
	src=fuzz/fuzz_$name.c
	if [ ! -f "$src" ]; then
		echo "fuzz: no harness $src" >&2
		exit 2
	fi
	if ! build_lib || ! $CC $CPPFLAGS $CFLAGS $SAN -fsanitize=fuzzer -o "$BIN/fuzz_$name" \
	    "$src" $objs $LIBS; then
		echo "fuzz: $name: build failed" >&2
		found=2
		continue
	fi
	mkdir -p "fuzz/corpus/$name" "fuzz/crashers/$name" "$WORK/$name"
	dict=
	[ -f "fuzz/dict/$name.dict" ] && dict="-dict=fuzz/dict/$name.dict"
	echo "fuzz: $name for ${SECONDS_EACH}s"
	# New inputs go to the scratch folder (first); the committed corpus is read.
	# close_fd_mask=3: the code under test writes diagnostics; libFuzzer and the
	# sanitizers keep a descriptor of their own for reports.
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$BIN/fuzz_$name" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=65536 -close_fd_mask=3 -print_final_stats=1 $dict \
	    -artifact_prefix="fuzz/crashers/$name/" "$WORK/$name" "fuzz/corpus/$name" \
	    >"$WORK/$name.log" 2>&1
	rc=$?
	grep -E '^(stat::number_of_executed_units|stat::new_units_added|stat::peak_rss_mb)' \
	    "$WORK/$name.log" | sed "s/^/fuzz: $name: /"
	if [ $rc -ne 0 ]; then
		[ $found -eq 0 ] && found=1
		echo "fuzz: $name FOUND A PROBLEM (exit $rc); see $WORK/$name.log and fuzz/crashers/$name/"
		grep -E 'ERROR: |SUMMARY: |runtime error' "$WORK/$name.log" | head -5
	fi
	# Keep fuzz/crashers/ only while it holds findings.
	rmdir "fuzz/crashers/$name" fuzz/crashers 2>/dev/null
	if [ "${FUZZ_MERGE:-0}" = 1 ]; then
		"$BIN/fuzz_$name" -merge=1 -max_len=65536 -close_fd_mask=3 \
		    "fuzz/corpus/$name" "$WORK/$name" >>"$WORK/$name.log" 2>&1
		echo "fuzz: $name: corpus now $(ls "fuzz/corpus/$name" | wc -l) files"
	fi
done
exit $found
