#!/usr/bin/env bats
# Unit tests of the shared modules (time, addresses, status codes, reasons,
# UTF-8 cleaning, event records), built by make check as $BK_UNIT, and of the
# hash table (common/hmap.c) as $BK_UNIT_HMAP.

load helper

# passes NAME: the unit test program in $NAME runs and reports no failure.
passes() {
	[ -n "${!1:-}" ] || skip "$1 not set (run through make check)"
	run "${!1}"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *", 0 failed" ]]
}

@test "common modules pass their unit tests" {
	passes BK_UNIT
}

@test "hmap: additions, removals against a model, keyed records with eviction, clear, hostile keys" {
	passes BK_UNIT_HMAP
}
