#!/usr/bin/env bats
# The shared conventions of every program: --help, --version, usage errors,
# and write errors on stdout.

load helper

# Every program of cmd/, so that a new one is held to the same rules.
PROGS=$(for f in "$BATS_TEST_DIRNAME"/../cmd/*.c; do basename "$f" .c; done)

@test "every program answers --help on stdout with exit 0" {
	for p in $PROGS; do
		run "$p" --help
		[ "$status" -eq 0 ]
		[[ "$output" == *usage:* ]]
	done
}

@test "every program answers --version" {
	for p in $PROGS; do
		run "$p" --version
		[ "$status" -eq 0 ]
		[[ "$output" == "$p (bouncekit) "* ]]
	done
}

@test "an unknown option is a usage error, exit 2" {
	for p in $PROGS; do
		run "$p" --no-such-option
		[ "$status" -eq 2 ]
		[[ "$output" == *usage:* ]]
	done
}

@test "bounce-parse --explain 4.3.1 says mail system full, soft" {
	run bounce-parse --explain 4.3.1
	[ "$status" -eq 0 ]
	[ "$(jq -r .detail_title <<<"$output")" = "Mail system full" ]
	[ "$(jq -r .reason <<<"$output")" = "systemfull" ]
	[ "$(jq -r .class <<<"$output")" = "soft" ]
}

@test "bounce-parse --explain rejects what is no status code" {
	run bounce-parse --explain 9.9.9
	[ "$status" -eq 2 ]
	[[ "$output" == *"not an enhanced status code"* ]]
}

@test "a write error on stdout is reported with exit 2" {
	run bash -c 'bounce-parse --explain 4.3.1 >/dev/full'
	[ "$status" -eq 2 ]
	[[ "$output" == *"write error"* ]]
}

@test "every program has a man page that mandoc finds clean" {
	for p in $PROGS; do
		[ -f "$BATS_TEST_DIRNAME/../man/$p.1" ]
		run mandoc -Tlint -W warning "$BATS_TEST_DIRNAME/../man/$p.1"
		[ "$status" -eq 0 ]
	done
}

@test "help lists every long option that the program accepts" {
	for p in $PROGS; do
		run "$p" --help
		[[ "$output" == *--help* ]]
		[[ "$output" == *--version* ]]
	done
}
