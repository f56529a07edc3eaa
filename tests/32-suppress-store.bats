#!/usr/bin/env bats
# suppress on a list in an SQLite database (a name ending in .db): the same
# output and entries as a JSON-lines list, byte for byte; a list moved into a
# database and back; concurrent runs; foreign, damaged or newer files refused
# without being touched.

load helper
load suppsteps

F="$FIXTURES"
T0=2026-12-01T00:00:00Z

setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T"
}

@test "a .db list: the same output, exit statuses and entries as a JSON-lines one, byte for byte" {
	steps l.jsonl l.jsonl.out
	steps l.db l.db.out
	grep -q '"address":"Hand@example.com"' l.jsonl.out
	grep -q '^rc=1$' l.jsonl.out
	[ "$(grep -c '^rc=' l.jsonl.out)" -eq 26 ]
	cmp l.jsonl.out l.db.out
	suppress -l l.db list | cmp - l.jsonl
}

@test "import -f bouncekit moves a list into a database and back, byte for byte" {
	suppress -l l.jsonl -n $T0 import "$F"/lists/* >/dev/null
	suppress -l l.jsonl -n $T0 add --for 2d @example.net Mixed@Case.example >/dev/null
	run suppress -l l.db import -f bouncekit l.jsonl
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq "$(wc -l <l.jsonl)" ]
	suppress -l l.db list | cmp - l.jsonl
	suppress -l back.jsonl import -f bouncekit l.db >/dev/null
	cmp back.jsonl l.jsonl
	# Addresses the list has are left as they are, and said so.
	run suppress -l l.db import -f bouncekit l.jsonl
	[ "$status" -eq 0 ]
	[[ "$output" == *"entries of addresses already listed left as they were"* ]]
	suppress -l l.db list | cmp - l.jsonl
	# A list with bad lines: the good entries, the bad lines reported, exit 2.
	{ head -2 l.jsonl; echo 'not json'; } >bad.jsonl
	run suppress -l b.db import -f bouncekit bad.jsonl
	[ "$status" -eq 2 ]
	[[ "$output" == *"bad.jsonl:3:"* ]]
	[ "$(suppress -l b.db list | wc -l)" -eq 2 ]
}

@test "a .db list: check and add are index look-ups; domains, folding and expiry as in a file" {
	for i in $(seq 1 2000); do echo "u$i@example.com"; done >many.txt
	suppress -l l.db -n $T0 add many.txt >/dev/null
	suppress -l l.db -n $T0 add --for 1d @paused.example Mixed@Case.example >/dev/null
	run suppress -l l.db -n $T0 check u1500@example.com x@paused.example y@paused.example
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 3 ]
	run suppress -l l.db -n 2026-12-03T00:00:00Z check x@paused.example
	[ "$status" -eq 0 ]
	run suppress -l l.db -n $T0 check mixed@case.example
	[ "$status" -eq 0 ]
	run suppress -l l.db -n $T0 -i check mixed@case.example
	[ "$status" -eq 1 ]
	[[ "$output" == *'"address":"Mixed@case.example"'* ]]
	run suppress -l l.db -n 2026-12-05T00:00:00Z expire
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(suppress -l l.db list | wc -l)" -eq 2000 ]
	# The query plans use the indexes (no scan of the entries).
	sqlite3 l.db "EXPLAIN QUERY PLAN SELECT id FROM entries WHERE address = 'a@b'" |
	    grep -q 'USING INDEX\|USING COVERING INDEX\|PRIMARY KEY'
	sqlite3 l.db "EXPLAIN QUERY PLAN SELECT id FROM entries WHERE until <= 5" |
	    grep -q 'entries_until'
	sqlite3 l.db "EXPLAIN QUERY PLAN SELECT id FROM entries WHERE address = 'a' OR folded = 'a'" |
	    grep -q 'entries_folded'
}

@test "a .db list: 8 adds at once with --wait lose nothing; without --wait a busy list fails fast" {
	suppress -l l.db -n $T0 add first@example.com >/dev/null
	for i in $(seq 1 8); do
		(for j in $(seq 1 25); do echo "r$i-$j@example.com"; done |
		    suppress -w -l l.db -n $T0 add >/dev/null) &
	done
	wait
	[ "$(suppress -l l.db list | wc -l)" -eq 201 ]
	# Another writer holds the database: a run without --wait fails at once.
	printf 'BEGIN IMMEDIATE;\n.shell sleep 3\nCOMMIT;\n' | sqlite3 l.db &
	sleep 1
	run suppress -l l.db -n $T0 add busy@example.com
	wait
	[ "$status" -eq 2 ]
	[[ "$output" == *"locked by another run"* ]]
	# Readers are not held up by a writer.
	run suppress -l l.db -n $T0 check first@example.com
	[ "$status" -eq 1 ]
}

@test "a foreign, damaged or newer .db list is refused: exit 2, a clear error, file untouched" {
	sqlite3 foreign.db 'CREATE TABLE t (a); INSERT INTO t VALUES (1);'
	printf 'SQLite format 3\0this is not a database at all%.0s' {1..200} >damaged.db
	echo '{"address":"a@b.example"}' >text.db
	suppress -l newer.db -n $T0 add a@example.com >/dev/null
	sqlite3 newer.db 'PRAGMA user_version = 99'
	retry-plan -S 1 -n $T0 -s plans.db "$FIXTURES/retry/events.jsonl" >/dev/null
	chmod 600 ./*.db
	for f in foreign damaged text newer plans; do
		cp "$f.db" "$f.before"
		for c in "list" "check a@example.com" "add b@example.com" "expire" \
		    "export -f ses" "remove a@example.com"; do
			run suppress -l "$f.db" -n $T0 $c
			[ "$status" -eq 2 ] || { echo "$f: $c: exit $status"; false; }
			[ -n "$output" ]
		done
		# filter fails closed: nobody goes through
		run suppress -l "$f.db" -n $T0 filter "$F/suppress/recipients.txt"
		[ "$status" -eq 2 ]
		[[ "$output" != *"@"*"@"* ]] || [[ "$output" == *"$f.db"* ]]
		cmp "$f.db" "$f.before"
	done
	run suppress -l foreign.db list
	[[ "$output" == *"another program"* ]]
	run suppress -l newer.db list
	[[ "$output" == *"version 99"* ]]
	run suppress -l text.db list
	[[ "$output" == *"not a bouncekit suppression list database"* ]]
	run suppress -l plans.db list
	[[ "$output" == *"another program"* ]]
}

@test "a .db list whose unique index was lost holds an address twice: a clear error naming the damage, exit 2" {
	suppress -l l.db -n $T0 add a@example.com b@example.com >/dev/null
	# The index dropped from the schema by hand (its pages left behind),
	# then a second row of a@example.com.
	sqlite3 l.db "PRAGMA writable_schema = ON;
	    DELETE FROM sqlite_master WHERE name = 'sqlite_autoindex_entries_1';
	    UPDATE sqlite_master SET sql = replace(sql, 'NOT NULL UNIQUE', 'NOT NULL') WHERE name = 'entries';"
	sqlite3 l.db "INSERT INTO entries (address, folded, reason, since, until, count, source,
	    status, last_added) SELECT address, folded, reason, since, until, count, source, status,
	    last_added FROM entries WHERE address = 'a@example.com'"
	for c in "list" "check a@example.com" "add a@example.com"; do
		run suppress -l l.db -n $T0 $c
		[ "$status" -eq 2 ] || { echo "$c: exit $status"; false; }
		[[ "$output" == *"l.db: row "*"(a second row of the address): the database is damaged"* ]]
		[[ "$output" != *"(null)"* ]]
	done
}

@test "a .db list: new files private; a missing one read is empty and not made; retry-due --list reads it" {
	umask 022
	suppress -l l.db -n $T0 add @example.com >/dev/null
	[ "$(stat -c %a l.db)" = 600 ]
	run suppress -l none.db -n $T0 check a@example.com
	[ "$status" -eq 0 ]
	run suppress -l none.db list
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ ! -e none.db ]
	retry-plan -S 1 -n 2026-11-20T12:00:00Z -s s.jsonl "$FIXTURES/retry/events.jsonl" >/dev/null
	retry-due -N -n 2026-12-30T00:00:00Z -s s.jsonl >all.out
	retry-due -N -n 2026-12-30T00:00:00Z -s s.jsonl -l l.db >held.out
	[ -s all.out ]
	grep -q '@example.com"' all.out
	! grep -q '@example.com"' held.out
}
