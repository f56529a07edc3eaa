#!/usr/bin/env bats
# retry-plan and retry-due on a state in PostgreSQL (--state postgresql://...
# or postgresql: with the PG* environment), against a throwaway cluster made
# for this file (tests/pg.bash). Skipped, with a message, where the server
# binaries are absent (CI installs postgresql: tools/deps.sh).

load helper
load pg

R="$FIXTURES/retry"

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
	S=$PGURL
	awk -v n=3000 -v users=300 -f "$R/gen-events.awk" >ev.jsonl
}

# Runs the same retry-plan and retry-due steps on one state; $1 the state,
# $2 the name of the output files.
steps() {
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s "$1" ev.jsonl "$R/events.jsonl" | sort >"$2.plan1"
	retry-due -N -n 2026-11-05T00:00:00Z -s "$1" >"$2.dry"
	retry-due -n 2026-11-05T00:00:00Z -L 25 -s "$1" >"$2.due1"
	retry-due -n 2026-11-09T00:00:00Z -s "$1" >"$2.due2"
	retry-plan -S 2 -n 2026-12-20T00:00:00Z -s "$1" "$R/events.jsonl" | sort >"$2.plan2"
	retry-due -n 2027-01-30T00:00:00Z -s "$1" >"$2.due3"
}

@test "a postgresql: state: the same plans, due lists and --dump as a JSON-lines one, byte for byte" {
	# Quotes, backslashes, braces, commas and non-ASCII in what a plan keeps.
	head -1 ev.jsonl | jq -c '.rcpt = "r\u00e9n\u00e9+{x}@d1.example" |
	    .msgid = "<a\"b\\\\c,{NULL}@x>" | .from = "\"Ren\u00e9\" <r@x>"' >>ev.jsonl
	tail -1 ev.jsonl | grep -q 'NULL'
	steps s.jsonl f
	steps "$S" p
	[ -s f.plan1 ] && [ -s f.due1 ] && [ -s f.due2 ] && [ -s f.dry ]
	[ "$(wc -l <f.due1)" -eq 25 ]
	for f in plan1 dry due1 due2 plan2 due3; do
		cmp "f.$f" "p.$f" || { echo "$f differs"; false; }
	done
	retry-plan -s "$S" --dump >dump.jsonl
	cmp s.jsonl dump.jsonl
	# (read back from the database by retry-due)
	grep -q 'NULL' p.due2
	# The environment form names the same database.
	PGDATABASE=$DB retry-plan -s postgresql: --dump | cmp - s.jsonl
	# --import into another database, then --dump: the file again.
	psqlc postgres "DROP DATABASE IF EXISTS ${DB}b" "CREATE DATABASE ${DB}b"
	run retry-plan -s "postgres:///${DB}b?host=$PG_DIR" --import s.jsonl
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	retry-plan -s "postgresql:dbname=${DB}b" --dump | cmp - s.jsonl
	# The schema is versioned and documented in the database.
	[ "$(psqlc "$DB" "SELECT version FROM bouncekit_schema WHERE part = 'plans'")" = 1 ]
	[ "$(psqlc "$DB" "SELECT count(*) FROM bouncekit_plans")" -eq "$(wc -l <s.jsonl)" ]
}

@test "a postgresql: state read before any run: no plans, nothing made" {
	run retry-due -N -s "$S"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run retry-plan -s "$S" --dump
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(psqlc "$DB" "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'bouncekit%'")" = 0 ]
}

@test "two retry-due runs at once share the due plans: each its --limit, disjoint, every due plan once" {
	awk -v n=6000 -v users=3000 -f "$R/gen-events.awk" >ev.jsonl
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s "$S" ev.jsonl >/dev/null
	retry-due -N -n 2026-11-09T00:00:00Z -s "$S" | jq -r .rcpt | sort >due
	[ "$(wc -l <due)" -gt 500 ]
	# With --limit on more than twice as many due plans: the runs share
	# them, each its limit, none twice (a run reads the due plans without
	# locking them and takes those it hands out, passing over the others').
	for round in 1 2 3; do
		retry-due -L 40 -n 2026-11-09T00:00:00Z -s "$S" >"c$round" &
		retry-due -L 40 -n 2026-11-09T00:00:00Z -s "$S" >"d$round" &
		wait %1 && wait %2
		echo "round $round: $(wc -l <"c$round") and $(wc -l <"d$round") handed out with --limit 40"
		[ "$(wc -l <"c$round")" -eq 40 ] && [ "$(wc -l <"d$round")" -eq 40 ]
	done
	cat c? d? | jq -r .rcpt | sort >limited
	[ "$(wc -l <limited)" -eq 240 ]
	[ -z "$(uniq -d limited)" ]
	# Without: between them, every plan still due.
	retry-due -n 2026-11-09T00:00:00Z -s "$S" >a &
	retry-due -n 2026-11-09T00:00:00Z -s "$S" >b &
	wait %1 && wait %2
	echo "$(wc -l <a) and $(wc -l <b) handed out at once"
	[ -z "$(retry-due -n 2026-11-09T00:00:00Z -s "$S")" ]
	cat a b c? d? | jq -r .rcpt | sort >all
	[ -z "$(uniq -d all)" ]
	cmp due all
}

@test "8 concurrent retry-plan writers lose no event" {
	awk -v n=8000 -v users=800 -f "$R/gen-events.awk" >ev.jsonl
	# Recipients split 8 ways: the state is that of the 8 runs one after
	# the other, byte for byte (sorted: the order of commits varies).
	for i in 0 1 2 3 4 5 6 7; do
		jq -c --argjson i "$i" 'select((.rcpt | explode | add) % 8 == $i)' ev.jsonl >"r.$i"
		retry-plan -S 1 -n 2026-11-03T00:00:00Z -s ref.jsonl "r.$i" >/dev/null
	done
	for i in 0 1 2 3 4 5 6 7; do
		retry-plan -w -S 1 -n 2026-11-03T00:00:00Z -s "$S" "r.$i" >"out.$i" 2>"err.$i" &
	done
	wait
	cat err.*
	[ -z "$(cat err.*)" ]
	retry-plan -s "$S" --dump | sort >got
	sort ref.jsonl | cmp - got
	# Lines dealt round-robin: every recipient in every run. The newest
	# event of each plan is in one run only: none may be lost.
	psqlc postgres "DROP DATABASE IF EXISTS ${DB}b" "CREATE DATABASE ${DB}b"
	for i in 0 1 2 3 4 5 6 7; do
		awk -v i=$i 'NR % 8 == i' ev.jsonl >"l.$i"
		retry-plan -w -S 1 -n 2026-11-03T00:00:00Z -s "postgresql:dbname=${DB}b" "l.$i" \
		    >/dev/null 2>"err.$i" &
	done
	wait
	[ -z "$(cat err.*)" ]
	retry-plan -s "postgresql:dbname=${DB}b" --dump | jq -c '[.rcpt, .last_event, .last_bounce]' |
	    sort >got
	jq -c '[.rcpt, .last_event, .last_bounce]' ref.jsonl | sort | cmp - got
	# The same events again, 8 at once: nothing changes (idempotent).
	retry-plan -s "postgresql:dbname=${DB}b" --dump | sort >before
	for i in 0 1 2 3 4 5 6 7; do
		retry-plan -w -S 1 -n 2026-11-03T00:00:00Z -s "postgresql:dbname=${DB}b" "l.$i" \
		    >"again.$i" &
	done
	wait
	[ -z "$(cat again.*)" ]
	retry-plan -s "postgresql:dbname=${DB}b" --dump | sort | cmp - before
}

@test "retry-plan runs with and without events and retry-due runs at once: all go through" {
	awk -v n=6000 -v users=1500 -f "$R/gen-events.awk" >ev.jsonl
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s "$S" ev.jsonl >/dev/null
	retry-due -n 2026-11-09T00:00:00Z -s "$S" >claimed
	[ -s claimed ]
	# Later, the claims have been quiet for a week: every run ages them,
	# and the runs with events look up the same recipients.
	awk -v n=2000 -v users=1500 -v month=2026-11 -f "$R/gen-events.awk" |
	    sed 's/2026-11-0/2026-11-1/' >late.jsonl
	pids=""
	for i in 1 2 3; do
		retry-plan -w -S 1 -n 2026-11-20T00:00:00Z -s "$S" </dev/null >"e.$i" 2>"err.e$i" &
		pids="$pids $!"
		retry-plan -w -S 1 -n 2026-11-20T00:00:00Z -s "$S" late.jsonl >"p.$i" 2>"err.p$i" &
		pids="$pids $!"
		retry-due -n 2026-11-20T00:00:00Z -s "$S" >"d.$i" 2>"err.d$i" &
		pids="$pids $!"
	done
	for p in $pids; do
		wait "$p" || { cat err.*; false; }
	done
	[ -z "$(cat err.*)" ]
	[ -z "$(cat d.* | jq -r .rcpt | sort | uniq -d)" ]
}

@test "a retry-plan run holding the store: another fails without --wait, waits with it" {
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s "$S" "$R/events.jsonl" >/dev/null
	"$PGBIN/psql" -X -q -d "$DB" -c "SELECT pg_advisory_lock($((0x626b706c)), 2), pg_sleep(3)" \
	    >/dev/null &
	sleep 1
	run retry-plan -S 1 -n 2026-11-03T00:00:00Z -s "$S" ev.jsonl
	[ "$status" -eq 2 ]
	[[ "$output" == *"locked by another run (--wait waits for it)"* ]]
	run retry-plan -w -S 1 -n 2026-11-03T00:00:00Z -s "$S" ev.jsonl
	wait
	[ "$status" -eq 0 ]
	[ -n "$output" ]
}

@test "the server stopped mid-run (immediate): nothing committed is lost, the next run goes on" {
	awk -v n=4000 -v users=400 -f "$R/gen-events.awk" >ev.jsonl
	head -2000 ev.jsonl >a.jsonl
	tail -n +2001 ev.jsonl >b.jsonl
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s ref.jsonl a.jsonl >/dev/null
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s "$S" a.jsonl >/dev/null
	retry-plan -s "$S" --dump | cmp - ref.jsonl
	# The second run reads half its events, then the server goes.
	mkfifo fifo
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s "$S" fifo >out 2>err &
	pid=$!
	exec 7>fifo
	head -1000 b.jsonl >&7
	sleep 1
	as_pg "$PGBIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null
	tail -n +1001 b.jsonl >&7
	exec 7>&-
	status=0
	wait "$pid" || status=$?
	cat err
	[ "$status" -eq 2 ]
	[[ "$(cat err)" == *"lost the connection"* || "$(cat err)" == *"server closed"* ]]
	[ ! -s out ]
	pg_start
	# What was committed is there, whole; the run that failed left nothing.
	retry-plan -s "$S" --dump | cmp - ref.jsonl
	# The next run goes on from there, as the file does.
	# (Changed plans print in the order the store brings them in: sorted.)
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s ref.jsonl b.jsonl | sort >ref.out
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s "$S" b.jsonl | sort >got.out
	[ -s ref.out ]
	cmp ref.out got.out
	retry-plan -s "$S" --dump | cmp - ref.jsonl
	retry-due -n 2026-11-09T00:00:00Z -s ref.jsonl >ref.due
	retry-due -n 2026-11-09T00:00:00Z -s "$S" | cmp - ref.due
}

@test "a wrong password, an unreachable server, a password in the name: a clear error, exit 2" {
	printf '%s:5432:*:bk:wrong-pw\n' "$PG_DIR" >wrong
	chmod 600 wrong
	for cmd in "retry-plan -s $S ev.jsonl" "retry-due -s $S" "retry-due -N -s $S" \
	    "retry-plan -s $S --dump"; do
		PGPASSFILE=$PWD/wrong run $cmd
		[ "$status" -eq 2 ] || { echo "$cmd: exit $status"; false; }
		[[ "$output" == *"cannot connect"*"password authentication failed"* ]]
		[[ "$output" != *wrong-pw* ]]
		PGHOST=$PWD/nowhere run ${cmd//?host=$PG_DIR/?host=$PWD/nowhere}
		[ "$status" -eq 2 ] || { echo "$cmd (no server): exit $status"; false; }
		[[ "$output" == *"cannot connect"* ]]
	done
	run retry-due -s "postgresql://bk@localhost:1/$DB?connect_timeout=5"
	[ "$status" -eq 2 ]
	[[ "$output" == *"postgresql://bk@localhost:1/$DB"*"cannot connect"* ]]
	# A password in --state shows in ps(1): refused, and not repeated.
	for s in "postgresql://bk:S3cret-pw@/$DB?host=$PG_DIR" \
	    "postgresql:///$DB?host=$PG_DIR&password=S3cret-pw" "postgresql:password=S3cret-pw"; do
		run retry-plan -s "$s" ev.jsonl
		[ "$status" -eq 2 ]
		[[ "$output" == *"PGPASSFILE"* ]]
		[[ "$output" != *S3cret* ]]
	done
	run retry-due -s "postgresql://%zz@x/"
	[ "$status" -eq 2 ]
	[[ "$output" == *"not a PostgreSQL connection URI"* ]]
	[ "$(psqlc "$DB" "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'bouncekit%'")" = 0 ]
}

@test "a foreign bouncekit_plans table or a newer schema: exit 2, untouched" {
	psqlc "$DB" "CREATE TABLE bouncekit_plans (a int)"
	run retry-plan -s "$S" ev.jsonl
	[ "$status" -eq 2 ]
	[[ "$output" == *"bouncekit did not make"* ]]
	psqlc "$DB" "DROP TABLE bouncekit_plans"
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s "$S" "$R/events.jsonl" >/dev/null
	psqlc "$DB" "UPDATE bouncekit_schema SET version = 99"
	before=$(psqlc "$DB" "SELECT string_agg(rec, E'\n' ORDER BY id) FROM bouncekit_plans")
	for cmd in "retry-plan -s $S ev.jsonl" "retry-due -s $S" "retry-plan -s $S --dump"; do
		run $cmd
		[ "$status" -eq 2 ]
		[[ "$output" == *"version 99"* ]]
	done
	[ "$(psqlc "$DB" "SELECT string_agg(rec, E'\n' ORDER BY id) FROM bouncekit_plans")" = "$before" ]
}

@test "a postgresql: state runs in the sandbox (the socket allowed, files still not)" {
	run retry-due -v -N -s "$S"
	[ "$status" -eq 0 ]
	[[ "$output" == *"sandbox: "* ]]
	[[ "$output" != *"seccomp filter"* || "$output" == *"sockets declared allowed"* ]]
}
