#!/usr/bin/env bats
# Unit tests of the shared modules (time, addresses, status codes, reasons,
# UTF-8 cleaning, event records), built by make check as $BK_UNIT.

load helper

@test "common modules pass their unit tests" {
	[ -n "${BK_UNIT:-}" ] || skip "BK_UNIT not set (run through make check)"
	run "$BK_UNIT"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *", 0 failed" ]]
}
