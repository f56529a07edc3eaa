#!/usr/bin/env bats
# The command-line contract (common/opt.h): each program's --help lists the
# options of its man page; a letter means the same in every program; options
# that do not apply are refused with exit 2; bad values get one message each.

load helper

PROGS=$(for f in "$BATS_TEST_DIRNAME"/../cmd/*.c; do basename "$f" .c; done)
MAN="$BATS_TEST_DIRNAME/../man"

# "-x --long" (or "--long" alone) per option of a --help text.
help_options() {
	"$1" --help | sed -n -E \
	    -e 's/^  -([A-Za-z0-9]), --([a-z][a-z0-9-]*).*/-\1 --\2/p' \
	    -e 's/^      --([a-z][a-z0-9-]*).*/--\1/p' | sort
}

# The same from the option list of a man page (.It Fl x , Fl -long).
man_options() {
	sed -n -E \
	    -e 's/^\.It Fl ([A-Za-z0-9]) , Fl -([a-z][a-z0-9-]*).*/-\1 --\2/p' \
	    -e 's/^\.It Fl -([a-z][a-z0-9-]*).*/--\1/p' "$MAN/$1.1" | sort
}

@test "each program's --help lists the options of its man page, no more, no less" {
	for p in $PROGS; do
		help_options "$p" >"$BATS_TEST_TMPDIR/help"
		man_options "$p" >"$BATS_TEST_TMPDIR/man"
		[ -s "$BATS_TEST_TMPDIR/help" ]
		same_lines "$p: man page (<) and --help (>)" "$BATS_TEST_TMPDIR/man" \
		    "$BATS_TEST_TMPDIR/help"
	done
}

@test "a letter means the same in every program, and a long name has one letter" {
	for p in $PROGS; do
		help_options "$p" | awk -v p="$p" 'NF == 2 { print p, $1, $2 }'
	done >"$BATS_TEST_TMPDIR/all"
	run awk '
	{ if (($2 in long) && long[$2] != $3) { print "letter " $2 ": " long[$2] " (" by[$2] ") and " $3 " (" $1 ")"; bad = 1 }
	  if (($3 in short) && short[$3] != $2) { print $3 ": " short[$3] " and " $2 " (" $1 ")"; bad = 1 }
	  long[$2] = $3; by[$2] = $1; short[$3] = $2 }
	END { exit bad }' "$BATS_TEST_TMPDIR/all"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
}

@test "the table of letters of common/opt.c is the letters the programs use" {
	for p in $PROGS; do
		help_options "$p" | awk 'NF == 2'
	done | sort -u >"$BATS_TEST_TMPDIR/used"
	sed -n '/^static const struct option letter_table/,/^};/p' "$BATS_TEST_DIRNAME/../common/opt.c" |
	    sed -n -E "s/.*\{ \"([a-z][a-z0-9-]*)\", [a-z_]+, NULL, '([A-Za-z0-9])' \},/-\2 --\1/p" |
	    sort -u >"$BATS_TEST_TMPDIR/table"
	[ -s "$BATS_TEST_TMPDIR/table" ]
	run diff "$BATS_TEST_TMPDIR/table" "$BATS_TEST_TMPDIR/used"
	[ "$status" -eq 0 ] || { echo "opt.c (<) and the programs (>) differ:"; echo "$output"; return 1; }
}

# Each of these asks for an option where it does not apply: exit 2, the
# option named, nothing written, no file created.
@test "options that do not apply are refused with exit 2" {
	cd "$BATS_TEST_TMPDIR"
	: >log
	while IFS='|' read -r cmd what; do
		run bash -c "$cmd"
		if [ "$status" -ne 2 ] || [[ "$output" != *"$what does not apply"* ]] ||
		    [[ "$output" != *usage:* ]]; then
			echo "$cmd: status $status: $output"
			return 1
		fi
	done <<-'EOF'
	bounce-parse --progress log|--progress
	bounce-parse -g log|--progress
	bounce-parse -O 'log.*' log|--rotated
	bounce-parse -e 4.3.1 -d|--delivered
	bounce-parse --explain 4.3.1 --format exim|--format
	bounce-parse -j 2 -o off log|--jobs
	bounce-parse -f ses -y 2026 log|--year
	bounce-parse -f postfix -j 2 log|--jobs
	retry-plan -w </dev/null|--wait
	retry-plan --resolve-after 1d </dev/null|--resolve-after
	retry-plan -P -s state|--state
	retry-plan -P -n now|--now
	retry-due -N -w -s state|--wait
	suppress -l list list -i|--fold-local
	suppress -l list expire --fold-local|--fold-local
	suppress -l list filter -T 2d|--for
	suppress -l list check -w a@b.example|--wait
	suppress -l list add -I a@b.example|--invert
	bounce-stats -b status -W 2d|--window
	bounce-stats -b day -C 2|--recurring-days
	bounce-stats -G systemfull -K 3|--throttle-min
	bounce-stats -G systemfull -b domain|--by
	EOF
	[ ! -e state ] && [ ! -e list ] && [ ! -e off ]
}

@test "bad values: one message per kind, the same in every program" {
	while IFS='|' read -r cmd msg; do
		run bash -c "$cmd </dev/null"
		if [ "$status" -ne 2 ] || [[ "$output" != *"$msg"* ]] ||
		    [[ "$output" != *usage:* ]]; then
			echo "$cmd: status $status: $output"
			return 1
		fi
	done <<-'EOF'
	retry-plan --now yesterday|--now: not a time (RFC 3339, @EPOCH or now): yesterday
	retry-due -s s -n 2026-13-01|--now: not a time (RFC 3339, @EPOCH or now): 2026-13-01
	suppress -l l -n x list|--now: not a time (RFC 3339, @EPOCH or now): x
	bounce-stats -A 2026|--since: not a time (RFC 3339, @EPOCH or now): 2026
	suppress -l l add -u tomorrow a@b.example|--until: not a time (RFC 3339, @EPOCH or now): tomorrow
	retry-plan -k 3x|--keep: not a duration (e.g. 30m, 24h, 2d, 1w): 3x
	retry-due -s s -c 1y|--claim-timeout: not a duration (e.g. 30m, 24h, 2d, 1w): 1y
	suppress -l l add -T soon a@b.example|--for: not a duration (e.g. 30m, 24h, 2d, 1w): soon
	bounce-stats -W 0|--window: not a positive duration (e.g. 30m, 24h, 2d, 1w): 0
	bounce-parse -j 0|--jobs: out of range (1..64): 0
	bounce-parse -y 20x6|--year: not a number: 20x6
	bounce-parse -y ' 2026'|--year: not a number:  2026
	retry-due -s s -L -1|--limit: out of range (0..1000000000): -1
	bounce-stats -t many|--top: not a number: many
	retry-plan -S 1e3|--seed: not a number: 1e3
	bounce-stats -b sender|--by: domain, rhost, status, reason or day, not sender
	bounce-parse -f xml|--format: auto, postfix,
	EOF
}

@test "options may follow the operands; -- ends them" {
	cd "$BATS_TEST_TMPDIR"
	ev="$FIXTURES/stats/events.jsonl"
	a=$(bounce-stats --by reason --now 2026-11-28T00:00:00Z "$ev")
	b=$(bounce-stats "$ev" --now 2026-11-28T00:00:00Z -b reason)
	[ "$a" = "$b" ]
	# suppress: options before the command, after it and after its operands.
	suppress add --list l -n 2026-11-27T00:00:00Z a@b.example -T 2d >/dev/null
	run suppress -l l check -n 2026-11-28T00:00:00Z a@b.example
	[ "$status" -eq 1 ]
	run suppress -l l check -n 2026-11-30T00:00:00Z a@b.example
	[ "$status" -eq 0 ]
	# After --, a name that looks like an option is an operand.
	cp "$ev" ./-b
	run bounce-stats --now 2026-11-28T00:00:00Z -- -b
	[ "$status" -eq 0 ]
	[ "$output" = "$(bounce-stats --now 2026-11-28T00:00:00Z "$ev")" ]
}

@test "letters that moved: the old ones are refused, the long names still work" {
	cd "$BATS_TEST_TMPDIR"
	run bounce-parse -p /dev/null
	[ "$status" -eq 2 ]
	run bounce-stats -S systemfull </dev/null
	[ "$status" -eq 2 ]
	run bounce-stats --segment systemfull </dev/null
	[ "$status" -eq 0 ]
	run retry-due --dry-run -s s
	[ "$status" -eq 0 ]
	run suppress -l l filter -v /dev/null
	[ "$status" -eq 2 ]
	run suppress -l l filter --invert /dev/null
	[ "$status" -eq 0 ]
}
