#!/usr/bin/env bats
# suppress on a list in PostgreSQL (--list postgresql://... or postgresql:
# with the PG* environment), against a throwaway cluster made for this file
# (tests/pg.bash): the same output and entries as a JSON-lines list, byte for
# byte; a list moved in and out; concurrent runs; retry-due --list; a foreign
# or newer table refused; credentials never shown. Skipped, with a message,
# where the server binaries are absent (CI installs postgresql).

load helper
load pg
load suppsteps

F="$FIXTURES"
T0=2026-12-01T00:00:00Z

setup_file() {
	pg_setup_file
}

teardown_file() {
	pg_teardown_file
}

setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T"
	pg_setup
	L=$PGURL
}

@test "a postgresql: list: the same output, exit statuses and entries as a JSON-lines one, byte for byte" {
	steps l.jsonl l.jsonl.out
	steps "$L" pg.out
	grep -q '"address":"Hand@example.com"' l.jsonl.out
	[ "$(grep -c '^rc=' l.jsonl.out)" -eq 26 ]
	cmp l.jsonl.out pg.out
	suppress -l "$L" list | cmp - l.jsonl
	# The environment form names the same list.
	PGDATABASE=$DB suppress -l postgresql: list | cmp - l.jsonl
	# The schema is versioned and documented in the database.
	[ "$(psqlc "$DB" "SELECT version FROM bouncekit_schema WHERE part = 'suppressed'")" = 1 ]
	[ "$(psqlc "$DB" "SELECT count(*) FROM bouncekit_suppressed")" -eq "$(wc -l <l.jsonl)" ]
}

@test "a postgresql: list: import -f bouncekit moves a list in and out, byte for byte" {
	suppress -l l.jsonl -n $T0 import "$F"/lists/* >/dev/null
	suppress -l l.jsonl -n $T0 add --for 2d @example.net Mixed@Case.example >/dev/null
	run suppress -l "$L" import -f bouncekit l.jsonl
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq "$(wc -l <l.jsonl)" ]
	suppress -l "$L" list | cmp - l.jsonl
	suppress -l back.jsonl import -f bouncekit "$L" >/dev/null
	cmp back.jsonl l.jsonl
	suppress -l back.db import -f bouncekit "$L" >/dev/null
	suppress -l back.db list | cmp - l.jsonl
	run suppress -l "$L" import -f bouncekit l.jsonl
	[ "$status" -eq 0 ]
	[[ "$output" == *"entries of addresses already listed left as they were"* ]]
	suppress -l "$L" list | cmp - l.jsonl
}

@test "a postgresql: list: domains, folding, escalation and expiry as in a file; retry-due --list reads it" {
	for i in $(seq 1 2000); do echo "u$i@example.com"; done >many.txt
	suppress -l "$L" -n $T0 add many.txt >/dev/null
	suppress -l "$L" -n $T0 add --for 1d @paused.example Mixed@Case.example >/dev/null
	run suppress -l "$L" -n $T0 check u1500@example.com x@paused.example y@paused.example
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 3 ]
	run suppress -l "$L" -n 2026-12-03T00:00:00Z check x@paused.example
	[ "$status" -eq 0 ]
	run suppress -l "$L" -n $T0 check mixed@case.example
	[ "$status" -eq 0 ]
	run suppress -l "$L" -n $T0 -i check mixed@case.example
	[ "$status" -eq 1 ]
	[[ "$output" == *'"address":"Mixed@case.example"'* ]]
	printf 'u7@example.com\nnobody@example.com\nz@paused.example\nmixed@case.example\n' >r.txt
	[ "$(suppress -l "$L" -n $T0 filter r.txt)" = "$(printf 'nobody@example.com\nmixed@case.example')" ]
	[ "$(suppress -l "$L" -i -n $T0 filter r.txt)" = nobody@example.com ]
	# Many recipients: filter reads the list's keys once instead of asking
	# for each (a round trip each); the same answers as a file.
	suppress -l "$L" list >copy.jsonl
	{ cat many.txt r.txt; seq 1 3000 | sed 's/$/@elsewhere.example/'; } >big.txt
	for o in "" -i; do
		suppress -l copy.jsonl $o -n $T0 filter big.txt >want
		suppress -l "$L" $o -n $T0 filter big.txt | cmp - want
	done
	[ "$(wc -l <want)" -eq 3001 ]
	# A pause that ended: the next one is longer (escalation).
	suppress -l "$L" -n $T0 add --for 1d ann@example.com >/dev/null
	suppress -l "$L" -n 2026-12-10T00:00:00Z add --for 1d ann@example.com |
	    grep -q '"until":"2027-01-09T00:00:00Z"'
	run suppress -l "$L" -n 2026-12-05T00:00:00Z expire
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(suppress -l "$L" list | wc -l)" -eq 2001 ]
	# retry-due --list holds back the retries to the suppressed.
	retry-plan -S 1 -n 2026-11-20T12:00:00Z -s s.jsonl "$FIXTURES/retry/events.jsonl" >/dev/null
	suppress -l "$L" -n $T0 add @example.com >/dev/null
	retry-due -N -n 2026-12-30T00:00:00Z -s s.jsonl >all.out
	retry-due -N -n 2026-12-30T00:00:00Z -s s.jsonl -l "$L" >held.out
	grep -q '@example.com"' all.out
	! grep -q '@example.com"' held.out
}

@test "a postgresql: list: 8 adds at once with --wait lose nothing; without --wait a busy list fails fast" {
	suppress -l "$L" -n $T0 add first@example.com >/dev/null
	for i in $(seq 1 8); do
		(for j in $(seq 1 25); do echo "r$i-$j@example.com"; echo "same@example.com"; done |
		    suppress -w -l "$L" -n $T0 add >/dev/null) &
	done
	wait
	[ "$(suppress -l "$L" list | wc -l)" -eq 202 ]
	# Every add counted, none lost to a race.
	suppress -l "$L" list | grep -q '"address":"same@example.com".*"count":200'
	# Another writer holds the list: a run without --wait fails at once.
	"$PGBIN/psql" -X -q -d "$DB" -c "SELECT pg_advisory_lock($((0x626b706c)), 4), pg_sleep(3)" \
	    >/dev/null &
	sleep 1
	run suppress -l "$L" -n $T0 add busy@example.com
	[ "$status" -eq 2 ]
	[[ "$output" == *"locked by another run (--wait waits for it)"* ]]
	# Readers are not held up by a writer.
	run suppress -l "$L" -n $T0 check first@example.com
	[ "$status" -eq 1 ]
	run suppress -w -l "$L" -n $T0 add busy@example.com
	wait
	[ "$status" -eq 0 ]
	[ "$(suppress -l "$L" list | wc -l)" -eq 203 ]
}

@test "a postgresql: list read before any run: empty, nothing made" {
	run suppress -l "$L" -n $T0 check a@example.com
	[ "$status" -eq 0 ]
	run suppress -l "$L" list
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	echo a@example.com | suppress -l "$L" filter | grep -q a@example.com
	[ "$(psqlc "$DB" "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'bouncekit%'")" = 0 ]
	# Plans and the list share a database, each with its part of the schema.
	retry-plan -S 1 -n $T0 -s "$L" "$FIXTURES/retry/events.jsonl" >/dev/null
	suppress -l "$L" -n $T0 add a@example.com >/dev/null
	[ "$(psqlc "$DB" "SELECT string_agg(part || version, ',' ORDER BY part) FROM bouncekit_schema")" = plans1,suppressed1 ]
	retry-plan -s "$L" --dump | grep -q rcpt
	[ "$(suppress -l "$L" list | wc -l)" -eq 1 ]
}

@test "a postgresql: list: a foreign table or a newer schema is refused, exit 2, untouched; filter fails closed" {
	psqlc "$DB" "CREATE TABLE bouncekit_suppressed (a int)"
	run suppress -l "$L" -n $T0 add a@example.com
	[ "$status" -eq 2 ]
	[[ "$output" == *"bouncekit did not make"* ]]
	psqlc "$DB" "DROP TABLE bouncekit_suppressed"
	suppress -l "$L" -n $T0 add a@example.com b@example.com >/dev/null
	psqlc "$DB" "UPDATE bouncekit_schema SET version = 99"
	for c in "list" "check a@example.com" "add b@example.com" "expire" "export -f ses" \
	    "remove a@example.com" "import -f bouncekit /dev/null"; do
		run suppress -l "$L" -n $T0 $c
		[ "$status" -eq 2 ] || { echo "$c: exit $status"; false; }
		[[ "$output" == *"version 99"* ]]
	done
	run suppress -l "$L" -n $T0 filter "$F/suppress/recipients.txt"
	[ "$status" -eq 2 ]
	[[ "$output" != *"@"*"@"* ]] || [[ "$output" == *"version 99"* ]]
	[ "$(psqlc "$DB" "SELECT string_agg(address, ',' ORDER BY id) FROM bouncekit_suppressed")" = a@example.com,b@example.com ]
}

@test "a postgresql: list: a wrong password, no server, a password in the name: a clear error, exit 2" {
	printf '%s:5432:*:bk:wrong-pw\n' "$PG_DIR" >wrong
	chmod 600 wrong
	for c in "list" "check a@example.com" "add a@example.com" "filter /dev/null"; do
		PGPASSFILE=$PWD/wrong run suppress -l "$L" $c
		[ "$status" -eq 2 ] || { echo "$c: exit $status"; false; }
		[[ "$output" == *"cannot connect"*"password authentication failed"* ]]
		[[ "$output" != *wrong-pw* ]]
		run suppress -l "postgresql:///$DB?host=$PWD/nowhere" $c
		[ "$status" -eq 2 ]
		[[ "$output" == *"cannot connect"* ]]
	done
	for l in "postgresql://bk:S3cret-pw@/$DB?host=$PG_DIR" "postgresql:password=S3cret-pw"; do
		run suppress -l "$l" add a@example.com
		[ "$status" -eq 2 ]
		[[ "$output" == *"PGPASSFILE"* ]]
		[[ "$output" != *S3cret* ]]
	done
	run retry-due -N -s s.jsonl -l "postgresql:password=S3cret-pw"
	[ "$status" -eq 2 ]
	[[ "$output" != *S3cret* ]]
}
