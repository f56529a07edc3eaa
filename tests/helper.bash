# Shared set-up for the bats files: programs come first in PATH (make check).
# External samples carried by the repository (tests/corpus/README.md).
CORPUS="$BATS_TEST_DIRNAME/corpus"
FIXTURES="$BATS_TEST_DIRNAME/fixtures"

# A fixed clock for reproducible runs.
export TZ=UTC

# jq is the reference reader of our output in tests.
jqr() { jq -r "$@"; }

# An event record as bounce-parse writes it, for the tests of recovery times
# and adaptive retries (22, 41): recovery_ev TIME RCPT ACTION REASON CLASS
# [RHOST]. The Message-ID is random, so that two events differ.
recovery_ev() {
	printf '{"time":"%s","rcpt":"%s","domain":"%s","action":"%s","status":null,"code":null,"reason":"%s","class":"%s","rhost":%s,"diag":null,"from":"news@shop.example","msgid":"<%s@shop.example>","qid":null,"source":"postfix","origin":"t:1"}\n' \
	    "$1" "$2" "${2#*@}" "$3" "$4" "$5" "$([ -n "${6:-}" ] && echo "\"$6\"" || echo null)" "$RANDOM$RANDOM"
}
