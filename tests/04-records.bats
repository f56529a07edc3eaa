#!/usr/bin/env bats
# bouncekit-records(5) and the record schemas of the code (common/schema.c)
# say the same about every field: its key, its place, and whether it is
# required, may be null or is left out when unknown.

load helper

MAN="$BATS_TEST_DIRNAME/../man/bouncekit-records.5"

# "key flags" for each field listed in section $1 (subsection $2, or before
# any subsection), in order. Flags from the text: R "Required", N "null",
# O "Optional"; "-" for none. An item naming alternatives ("a , b No or Cm c")
# is one field, the first; an item naming several ("a , b") is each of them.
man_fields() {
	awk -v sec="$1" -v subsec="${2:-}" '
	function flush(   i, f) {
		if (n == 0)
			return
		f = (desc ~ /Required/ ? "R" : "") (desc ~ /null/ ? "N" : "") \
		    (desc ~ /Optional/ ? "O" : "")
		for (i = 1; i <= n; i++)
			print keys[i], (f == "" ? "-" : f)
		n = 0
	}
	/^\.Sh / { flush(); insec = substr($0, 5) == sec; insub = subsec == ""; next }
	/^\.Ss / { flush(); insub = substr($0, 5) == subsec; next }
	!insec || !insub { next }
	/^\.Bl / { depth++; next }
	/^\.El/ { flush(); depth--; next }
	depth == 1 && /^\.It Cm / {
		flush()
		alt = $0 ~ / No or /
		for (i = 3; i <= NF; i++)
			if ($i ~ /^[a-z_]+$/ && $i != "or" && $i != "and") {
				keys[++n] = $i
				if (alt)
					break
			}
		desc = ""
		next
	}
	depth >= 1 { desc = desc " " $0 }
	END { flush() }' "$MAN"
}

# The fields of the first schema of kind $1 (the stats schemas differ only
# in their first key: the first, by domain, stands for them).
schema_fields() {
	"$BK_UNIT" --schemas | awk -v k="$1" '
	$2 == k && (first == "" || $1 == first) { first = $1; print $3, $5 }'
}

@test "bouncekit-records(5) lists each record's fields as the code's schemas do" {
	[ -n "${BK_UNIT:-}" ] || skip "BK_UNIT not set (run through make check)"
	while IFS='|' read -r kind sec sub; do
		schema_fields "$kind" >"$BATS_TEST_TMPDIR/code"
		man_fields "$sec" "$sub" >"$BATS_TEST_TMPDIR/man"
		[ -s "$BATS_TEST_TMPDIR/code" ]
		same_lines "$kind: the man page (<) and the schema (>)" "$BATS_TEST_TMPDIR/man" \
		    "$BATS_TEST_TMPDIR/code"
	done <<-'EOF2'
	event|EVENT RECORD|
	plan|PLAN RECORD|
	suppression|SUPPRESSION ENTRY|
	offset|OFFSET RECORD|
	qid|OFFSET RECORD|Queue-id records
	stats|STATISTICS RECORDS|
	segment|STATISTICS RECORDS|Segment records
	EOF2
}

@test "records: a required key missing, a repeated key, a wrong type are bad records" {
	T=$BATS_TEST_TMPDIR
	printf '%s\n' \
	    '{"time":"2026-11-20T10:00:00Z","rcpt":"a@example.com","action":"failed","status":"4.2.2"}' \
	    '{"rcpt":"b@example.com","action":"failed"}' \
	    '{"time":"2026-11-20T10:00:00Z","rcpt":"c@example.com","action":"failed","x":1,"x":2}' \
	    '{"time":"2026-11-20T10:00:00Z","rcpt":"d@example.com","action":"failed","code":"452"}' \
	    '{"time":null,"rcpt":"e@example.com","action":"failed","status":"4.2.2"}' >"$T/ev"
	run bounce-stats --by reason --now 2026-11-21T00:00:00Z "$T/ev"
	[ "$status" -eq 2 ]
	[[ "$output" == *"ev:2: no \"time\""* ]]
	[[ "$output" == *"ev:3: invalid JSON: duplicate object key"* ]]
	[[ "$output" == *"ev:4: \"code\" is not an integer"* ]]
	# the null time is counted (without a day), the bad ones are not
	[[ "$output" == *'"reason":"mailboxfull","events":2,'* ]]
	run retry-plan --now 2026-11-21T00:00:00Z "$T/ev"
	[ "$status" -eq 2 ]
	[[ "$output" == *"ev:5: \"time\" is null"* ]]
	[ "$(grep -c '"rcpt"' <<<"$output")" -eq 1 ]
}
