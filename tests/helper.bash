# Shared set-up for the bats files: programs come first in PATH (make check).
# External samples carried by the repository (tests/corpus/README.md).
CORPUS="$BATS_TEST_DIRNAME/corpus"
FIXTURES="$BATS_TEST_DIRNAME/fixtures"

# The build under test: plain, or made by make asan or make tsan. The time
# limits of the hostile cases (which catch work that grows faster than the
# input) are the plain build's: a sanitizer's build runs the same input
# several times slower (ThreadSanitizer 25-35x on a list of 200,000
# recipients), so limit N is N * SLOW seconds.
case $(ldd "$(command -v bounce-parse)" 2>/dev/null) in
*libtsan*) SANITIZER=tsan SLOW=10 ;;
*libasan* | *clang_rt.asan*) SANITIZER=asan SLOW=3 ;;
*) SANITIZER= SLOW=1 ;;
esac
limit() { echo $(($1 * SLOW)); }

# A fixed clock for reproducible runs.
export TZ=UTC

# jq is the reference reader of our output in tests.
jqr() { jq -r "$@"; }

# The fields of an event that most assertions look at, as one compact line.
pick() { jq -c '[.time, .rcpt, .action, .status, .code, .reason, .class, .source]'; }

# same_lines WHAT A B: files A and B hold the same lines; else the test fails
# saying "WHAT differ:" and how (lines of A marked <, of B >).
same_lines() {
	run diff "$2" "$3"
	[ "$status" -eq 0 ] && return 0
	echo "$1 differ:"
	echo "$output"
	return 1
}

# picks: each line "N EVENT" of stdin says that line N of $output, through
# pick, is EVENT ("# ..." lines are comments); the first that is not fails.
picks() {
	local n want got
	while read -r n want; do
		case $n in '' | '#'*) continue ;; esac
		got=$(sed -n "${n}p" <<<"$output" | pick)
		[ "$got" = "$want" ] || { echo "line $n: $got, expected $want"; return 1; }
	done
}

# picks_are FILE: the events in $output, each through pick, are FILE's lines.
picks_are() {
	pick <<<"$output" >"$BATS_TEST_TMPDIR/picks"
	same_lines "expected ($1, <) and bounce-parse's events (>)" "$1" "$BATS_TEST_TMPDIR/picks"
}

# An event record as bounce-parse writes it, for the tests of recovery times
# and adaptive retries (22, 41): recovery_ev TIME RCPT ACTION REASON CLASS
# [RHOST]. The Message-ID is random, so that two events differ.
recovery_ev() {
	printf '{"time":"%s","rcpt":"%s","domain":"%s","action":"%s","status":null,"code":null,"reason":"%s","class":"%s","rhost":%s,"diag":null,"from":"news@shop.example","msgid":"<%s@shop.example>","qid":null,"source":"postfix","origin":"t:1"}\n' \
	    "$1" "$2" "${2#*@}" "$3" "$4" "$5" "$([ -n "${6:-}" ] && echo "\"$6\"" || echo null)" "$RANDOM$RANDOM"
}
