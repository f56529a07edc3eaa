# Shared set-up for the bats files: programs come first in PATH (make check).
# External samples carried by the repository (tests/corpus/README.md).
CORPUS="$BATS_TEST_DIRNAME/corpus"
FIXTURES="$BATS_TEST_DIRNAME/fixtures"

# A fixed clock for reproducible runs.
export TZ=UTC

# jq is the reference reader of our output in tests.
jqr() { jq -r "$@"; }
