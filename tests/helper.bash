# Shared set-up for the bats files: programs come first in PATH (make check).
SHARED="${BK_SHARED:-$BATS_TEST_DIRNAME/../../shared}"
CORPUS="$SHARED/corpus"
FIXTURES="$BATS_TEST_DIRNAME/fixtures"

# A fixed clock for reproducible runs.
export TZ=UTC

# jq is the reference reader of our output in tests.
jqr() { jq -r "$@"; }
