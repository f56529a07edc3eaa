#!/usr/bin/env bats
# The bash completion (completion/bouncekit.bash): options, the values that
# --format and --by take, suppress's commands, field names and file names,
# with bash-completion's helpers loaded (as users have them) and without.

load helper
bats_require_minimum_version 1.5.0

COMPLETION="$BATS_TEST_DIRNAME/../completion/bouncekit.bash"
BASH_COMPLETION=/usr/share/bash-completion/bash_completion

# complete [--plain] WORD...: what bash would offer for the last WORD.
complete_words() {
	local plain=0
	[ "$1" = --plain ] && { plain=1; shift; }
	bash -c '
	[ "$1" = 1 ] || . "$2" || exit 3
	. "$3" || exit 3
	shift 3
	# as bash splits the line: "--format=po" is three words, "--format" "=" "po"
	COMP_WORDS=()
	for w; do
		if [[ $w == --*=* ]]; then COMP_WORDS+=("${w%%=*}" = "${w#*=}")
		else COMP_WORDS+=("$w"); fi
	done
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_bouncekit
	printf "%s\n" "${COMPREPLY[@]}" | sort' bk "$plain" "$BASH_COMPLETION" "$COMPLETION" "$@"
}

setup() {
	[ -f "$BASH_COMPLETION" ] || fail "bash-completion is not installed (make deps)"
}

fail() { echo "$*" >&2; return 1; }

# long_options PROG PREFIX: the long options that PROG --help lists at the
# start of its lines, beginning with PREFIX, sorted as complete_words sorts.
long_options() {
	"$1" --help | sed -n 's/^ *\(-[A-Za-z0-9], \)\{0,1\}\(--[a-z0-9-]*\).*/\2/p' |
	    grep -- "^$2" | sort -u
}

@test "completion: the script is bash without errors, and registers every program" {
	run bash -n "$COMPLETION"
	[ "$status" -eq 0 ]
	run bash -c '. "$1"; complete -p' bk "$COMPLETION"
	for f in "$BATS_TEST_DIRNAME"/../cmd/*.c; do
		[[ "$output" == *"_bouncekit $(basename "$f" .c)"* ]]
	done
}

@test "completion: options of each program, short and long, as --help lists them" {
	run complete_words bounce-parse --
	[ "$status" -eq 0 ]
	[[ "$output" == *--format* && "$output" == *--offset-file* && "$output" == *--version* ]]
	[[ "$output" != *-f$'\n'* ]]
	# a prefix gives the long options of --help that start with it
	# (compared with --help, so that options added later keep this true)
	run complete_words retry-plan --st
	[ "$output" = "$(long_options retry-plan --st)" ]
	grep -qx -- --state <<<"$output"
	run complete_words bounce-stats --b
	[ "$output" = "$(long_options bounce-stats --b)" ]
	grep -qx -- --by <<<"$output"
	run complete_words retry-due -
	[[ "$output" == *$'\n'-s$'\n'* && "$output" == *--dry-run* ]]
	for f in "$BATS_TEST_DIRNAME"/../cmd/*.c; do
		p=$(basename "$f" .c)
		[ "$(complete_words "$p" -- | grep '^--')" = "$(long_options "$p" --)" ] ||
		    { echo "$p: completion and --help differ"; false; }
	done
}

@test "completion: --format values, each accepted by the program" {
	run complete_words bounce-parse -f ''
	for f in auto postfix exim sendmail email mbox maildir ses sendgrid mailgun postmark; do
		grep -qx "$f" <<<"$output"
	done
	for f in $output; do
		run --separate-stderr bounce-parse -f "$f" </dev/null
		[[ "$stderr" != *"unknown format"* && "$stderr" != *usage:* ]]
	done
	# a prefix: the formats that start with it (others may be added)
	run complete_words bounce-parse --format=ma
	grep -qx maildir <<<"$output" && grep -qx mailgun <<<"$output"
	[ -z "$(grep -v '^ma' <<<"$output")" ]
	run complete_words bounce-stats --format ''
	grep -qx jsonl <<<"$output" && grep -qx table <<<"$output"
	for f in $output; do
		run --separate-stderr bounce-stats --format "$f" </dev/null
		[ "$status" -eq 0 ] || { echo "bounce-stats --format $f: $stderr"; false; }
	done
}

@test "completion: --by offers the record fields bounce-stats groups by, each accepted" {
	run complete_words bounce-stats --by ''
	for f in domain rhost status reason day; do
		grep -qx "$f" <<<"$output"
	done
	for f in $output; do
		bounce-stats --by "$f" </dev/null
	done
	run complete_words bounce-stats -b re
	[ "$output" = reason ]
}

@test "completion: suppress commands first, then options; --field names record fields" {
	run complete_words suppress --list l.jsonl ''
	for c in add check expire filter list remove; do
		grep -qx "$c" <<<"$output" || { echo "no command $c: $output"; false; }
	done
	[ -z "$(grep -- '^-' <<<"$output")" ]
	run complete_words suppress -l l.jsonl a
	[ "$output" = add ]
	run complete_words suppress --field ''
	grep -qx rcpt <<<"$output"
	grep -qx orig_rcpt <<<"$output"
	run complete_words suppress --list l.jsonl add --fo
	[ "$output" = "$(long_options suppress --fo)" ]
	grep -qx -- --fold-local <<<"$output" && grep -qx -- --for <<<"$output"
}

@test "completion: file names for operands and FILE options, nothing for times" {
	cd "$BATS_TEST_TMPDIR"
	mkdir -p logs && : >logs/mail.log && : >plans.jsonl
	run complete_words retry-plan --state pl
	[ "$output" = plans.jsonl ]
	run complete_words bounce-parse logs/m
	[ "$output" = logs/mail.log ]
	run complete_words suppress --list l.jsonl filter pla
	[ "$output" = plans.jsonl ]
	run complete_words retry-due --now ''
	[ -z "$output" ]
	run complete_words bounce-stats --top ''
	[ -z "$output" ]
}

@test "completion: works without bash-completion's helpers too" {
	cd "$BATS_TEST_TMPDIR"
	: >plans.jsonl
	run complete_words --plain bounce-parse --format=exi
	[ "$output" = exim ]
	run complete_words --plain retry-plan --state pl
	[ "$output" = plans.jsonl ]
	run complete_words --plain suppress -l x ''
	[[ "$output" == *filter* ]]
}
