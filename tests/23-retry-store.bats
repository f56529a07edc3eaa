#!/usr/bin/env bats
# retry-plan and retry-due on a state in an SQLite database (a name ending in
# .db): the same plans as a JSON-lines state, claims handed out once, and
# foreign, damaged or newer files refused without being touched.

load helper

R="$FIXTURES/retry"

setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T"
	awk -v n=3000 -v users=300 -f "$R/gen-events.awk" >ev.jsonl
}

# Runs the same retry-plan and retry-due steps on one state; $1 the state.
steps() {
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s "$1" ev.jsonl "$R/events.jsonl" | sort >"$1.plan1"
	retry-due -n 2026-11-05T00:00:00Z -L 25 -s "$1" >"$1.due1"
	retry-due -n 2026-11-09T00:00:00Z -s "$1" >"$1.due2"
	retry-plan -S 2 -n 2026-12-20T00:00:00Z -s "$1" "$R/events.jsonl" | sort >"$1.plan2"
	retry-due -n 2027-01-30T00:00:00Z -s "$1" >"$1.due3"
}

# The due table of database $1 holds each plan with a due time, as its
# columns say, and nothing else (the triggers and a bulk fill kept it).
due_whole() {
	[ "$(sqlite3 "$1" "SELECT (SELECT count(*) FROM due) = (SELECT count(*) FROM plans
	    WHERE due IS NOT NULL) AND (SELECT count(*) FROM due) = (SELECT count(*) FROM
	    due JOIN plans AS p USING (rcpt) WHERE p.state = due.state AND p.due = due.due)")" = 1 ]
}

@test "a .db state: the same plans, due lists and state as a JSON-lines one, byte for byte" {
	steps s.jsonl
	steps s.db
	[ -s s.jsonl.plan1 ] && [ -s s.jsonl.due1 ] && [ -s s.jsonl.due2 ]
	[ "$(wc -l <s.jsonl.due1)" -eq 25 ]
	for f in plan1 due1 due2 plan2 due3; do
		cmp "s.jsonl.$f" "s.db.$f" || { echo "$f differs"; false; }
	done
	retry-plan -s s.db --dump >dump.jsonl
	cmp s.jsonl dump.jsonl
	due_whole s.db
	# The order is the state's: first opened first.
	[ "$(head -1 dump.jsonl | jq -r .rcpt)" = "$(head -1 s.jsonl | jq -r .rcpt)" ]
}

@test "--import then --dump gives the JSON-lines state back byte for byte; a bad state imports nothing" {
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s s.jsonl ev.jsonl >/dev/null
	run retry-plan -s s.db --import s.jsonl
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	retry-plan -s s.db --dump >back.jsonl
	cmp s.jsonl back.jsonl
	# The database goes on from there as the file does.
	retry-due -n 2026-11-09T00:00:00Z -s s.jsonl >a
	retry-due -n 2026-11-09T00:00:00Z -s s.db >b
	cmp a b
	[ -s a ]
	{ head -3 s.jsonl; sed -n 4p s.jsonl | sed 's/"state":"[a-z]*"/"state":"sleeping"/'; } >bad.jsonl
	run retry-plan -s new.db --import bad.jsonl
	[ "$status" -eq 2 ]
	[[ "$output" == *'bad.jsonl:4: "state" is not a state: sleeping'* ]]
	[[ "$output" == *"nothing imported"* ]]
	[ -z "$(retry-plan -s new.db --dump)" ]
	run retry-plan -s s.db --dump ev.jsonl
	[ "$status" -eq 2 ]
	run retry-plan --dump
	[ "$status" -eq 2 ]
}

@test "a .db state: concurrent retry-due runs with --wait hand out each plan once; without, a busy one fails" {
	awk -v n=3000 -v users=2000 -f "$R/gen-events.awk" >ev.jsonl
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s s.db ev.jsonl >/dev/null
	due=$(retry-due -N -n 2026-11-09T00:00:00Z -s s.db | wc -l)
	[ "$due" -gt 100 ]
	for i in 1 2 3 4 5 6; do
		retry-due -w -L 30 -n 2026-11-09T00:00:00Z -s s.db >"out.$i" &
	done
	wait
	cat out.* | jq -r .rcpt | sort >all
	[ -z "$(uniq -d all)" ]
	[ "$(wc -l <all)" -eq $((due < 180 ? due : 180)) ]
	# Another writer holds the database: a run without --wait fails at once.
	printf 'BEGIN IMMEDIATE;\n.shell sleep 3\nCOMMIT;\n' | sqlite3 s.db &
	sleep 1
	run retry-due -n 2026-11-09T00:00:00Z -s s.db
	wait
	[ "$status" -eq 2 ]
	[[ "$output" == *"locked by another run"* ]]
}

@test "a new .db state: 4 writers started at once with --wait all commit, no event lost" {
	for i in 1 2 3 4; do
		awk -v n=2000 -v users=500 -f "$R/gen-events.awk" | sed "s/\"rcpt\":\"/&w$i-/" >"ev.$i"
	done
	for i in 1 2 3 4; do
		retry-plan -w -S 1 -n 2026-11-03T00:00:00Z -s s.db "ev.$i" >"out.$i" 2>"err.$i" &
	done
	wait
	for i in 1 2 3 4; do
		[ ! -s "err.$i" ] || { cat "err.$i"; false; }
	done
	cat ev.1 ev.2 ev.3 ev.4 | retry-plan -S 1 -n 2026-11-03T00:00:00Z -s s.jsonl >/dev/null
	retry-plan --dump -s s.db | sort >db.dump
	sort s.jsonl | cmp - db.dump
}

@test "a foreign SQLite database, a damaged one, a file that is not one, a newer version: exit 2, untouched" {
	sqlite3 foreign.db 'CREATE TABLE t (a); INSERT INTO t VALUES (1);'
	printf 'SQLite format 3\0this is not a database at all%.0s' {1..200} >damaged.db
	echo '{"rcpt":"a@b.example"}' >text.db
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s newer.db "$R/events.jsonl" >/dev/null
	sqlite3 newer.db 'PRAGMA user_version = 99'
	chmod 600 ./*.db
	for f in foreign damaged text newer; do
		cp "$f.db" "$f.before"
		for cmd in "retry-plan -s $f.db $R/events.jsonl" "retry-due -s $f.db" \
		    "retry-due -N -s $f.db" "retry-plan -s $f.db --dump"; do
			run $cmd
			[ "$status" -eq 2 ] || { echo "$cmd: exit $status"; false; }
			[ -n "$output" ]
		done
		cmp "$f.db" "$f.before"
	done
	run retry-due -s foreign.db
	[[ "$output" == *"another program"* ]]
	run retry-due -s newer.db
	[[ "$output" == *"version 99"* ]]
	run retry-due -s text.db
	[[ "$output" == *"not a bouncekit plan database"* ]]
}

@test "a .db state killed at random moments stays whole and consistent" {
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s s.db "$R/events.jsonl" >/dev/null
	awk -v n=20000 -v users=5000 -f "$R/gen-events.awk" >big.jsonl
	for t in 0.02 0.05 0.1 0.2 0.4; do
		timeout -s KILL "$t" retry-plan -n 2026-11-03T00:00:00Z -s s.db big.jsonl \
		    >/dev/null 2>&1 || true
		[ "$(sqlite3 s.db 'PRAGMA integrity_check')" = ok ]
		n=$(retry-plan -s s.db --dump | wc -l)
		# All of a run or none of it.
		[ "$n" -eq 4 ] || [ "$n" -ge 5000 ] || { echo "$n plans after a kill at ${t}s"; false; }
		due_whole s.db
	done
	run retry-plan -n 2026-11-03T00:00:00Z -s s.db big.jsonl
	[ "$status" -eq 0 ]
	[ "$(retry-plan -s s.db --dump | wc -l)" -ge 5000 ]
}

@test "a .db state: new files are private, a missing one read is empty and not made" {
	umask 022
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s s.db "$R/events.jsonl" >/dev/null
	[ "$(stat -c %a s.db)" = 600 ]
	run retry-due -N -s none.db
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ ! -e none.db ]
	run retry-plan -s none.db --dump
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "a .db state: retry-due stops at its limit in the due index; full servers get one probe as in a JSON-lines state" {
	printf '* systemfull adaptive min 1h max 1w name learn\n' >policy
	{
		recovery_ev 2026-11-20T10:00:00Z a1@big.example failed systemfull soft
		recovery_ev 2026-11-20T10:02:00Z a2@big.example failed systemfull soft
		recovery_ev 2026-11-20T10:03:00Z a3@big.example failed systemfull soft
		recovery_ev 2026-11-20T10:05:00Z o1@ok.example failed systemfull soft
	} >full.jsonl
	for s in s.jsonl s.db; do
		retry-plan -S 1 -s $s -p policy --now 2026-11-20T10:10:00Z full.jsonl >/dev/null
		retry-due -s $s --now 2026-11-21T11:00:00Z -v >$s.due1 2>$s.err1
		# While the probe is out, none of its domain.
		retry-due -s $s --now 2026-11-21T11:30:00Z >$s.due2
	done
	cmp s.jsonl.due1 s.db.due1
	cmp s.jsonl.err1 s.db.err1
	[ "$(jq -r .rcpt s.db.due1 | tr '\n' ' ')" = "a1@big.example o1@ok.example " ]
	[ ! -s s.db.due2 ] && [ ! -s s.jsonl.due2 ]
	# The limit: the first due in order, the rest stay due.
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s l.db ev.jsonl >/dev/null
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s l.jsonl ev.jsonl >/dev/null
	for s in l.jsonl l.db; do
		retry-due -L 7 -v -n 2026-11-09T00:00:00Z -s $s >$s.due 2>$s.err
		retry-due -n 2026-11-09T00:00:00Z -s $s >$s.rest
	done
	cmp l.jsonl.due l.db.due
	cmp l.jsonl.rest l.db.rest
	[ "$(wc -l <l.db.due)" -eq 7 ] && [ -s l.db.rest ]
	[[ "$(cat l.db.err)" == *"7 handed out"*", the rest by --limit"* ]]
}

@test "a .db state of version 1 is moved to version 3 by the first run that writes, the same plans" {
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s s.jsonl ev.jsonl >/dev/null
	# Version 1 (bouncekit 0.3): a rowid table, the record's text (read as well).
	{
		echo "CREATE TABLE plans (id INTEGER PRIMARY KEY, rcpt TEXT NOT NULL UNIQUE,"
		echo " domain TEXT NOT NULL, state INTEGER NOT NULL, due INTEGER, quiet INTEGER,"
		echo " ends INTEGER, rec BLOB NOT NULL);"
		echo "CREATE INDEX plans_due ON plans(state, due, rcpt) WHERE due IS NOT NULL;"
		echo "CREATE INDEX plans_quiet ON plans(quiet) WHERE quiet IS NOT NULL;"
		echo "CREATE INDEX plans_ends ON plans(state, ends) WHERE ends IS NOT NULL;"
		echo "CREATE INDEX plans_domain ON plans(domain, state);"
		echo "PRAGMA application_id = 1651208300; PRAGMA user_version = 1;"
		echo "BEGIN;"
		jq -r '"INSERT INTO plans (rcpt, domain, state, due, rec) VALUES (" +
		    ([.rcpt, .domain] | map("'"'"'" + . + "'"'"'") | join(", ")) + ", " +
		    ({"waiting": 0, "claimed": 1, "exhausted": 2, "resolved": 3, "failed": 4}[.state] | tostring) +
		    ", " + (if .state == "waiting" then (.next_retry | fromdate | tostring) else "NULL" end) +
		    ", '"'"'" + (tojson | gsub("'"'"'"; "'"'"''"'"'")) + "'"'"');"' s.jsonl
		echo "COMMIT;"
	} | sqlite3 v1.db
	chmod 600 v1.db
	run retry-due -N -s v1.db
	[ "$status" -eq 2 ]
	[[ "$output" == *"version 1"* ]]
	retry-due -n 2026-11-05T00:00:00Z -L 25 -s v1.db >v1.due
	retry-due -n 2026-11-05T00:00:00Z -L 25 -s s.jsonl >s.due
	cmp s.due v1.due
	[ "$(sqlite3 v1.db 'PRAGMA user_version')" = 3 ]
	due_whole v1.db
	retry-plan -s v1.db --dump >v1.dump
	cmp s.jsonl v1.dump
}

@test "a .db state of version 2 (a due index, no due table) is moved to version 3 by the first run that writes" {
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s s.jsonl ev.jsonl >/dev/null
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s v2.db ev.jsonl >/dev/null
	# Version 2: the same table, its due plans in an index.
	sqlite3 v2.db "DROP TRIGGER plans_due_add; DROP TRIGGER plans_due_move;
	    DROP TRIGGER plans_due_drop; DROP TABLE due;
	    CREATE INDEX plans_due ON plans(state, due) WHERE due IS NOT NULL;
	    PRAGMA user_version = 2;"
	run retry-due -N -s v2.db
	[ "$status" -eq 2 ]
	[[ "$output" == *"version 2"* ]]
	retry-due -n 2026-11-05T00:00:00Z -L 25 -s v2.db >v2.due
	retry-due -n 2026-11-05T00:00:00Z -L 25 -s s.jsonl >s.due
	[ "$(wc -l <s.due)" -eq 25 ]
	cmp s.due v2.due
	[ "$(sqlite3 v2.db 'PRAGMA user_version')" = 3 ]
	[ -z "$(sqlite3 v2.db "SELECT name FROM sqlite_master WHERE name = 'plans_due'")" ]
	due_whole v2.db
	retry-due -n 2026-11-09T00:00:00Z -s v2.db >v2.due2
	retry-due -n 2026-11-09T00:00:00Z -s s.jsonl >s.due2
	cmp s.due2 v2.due2
	retry-plan -s v2.db --dump | cmp - s.jsonl
	due_whole v2.db
}

@test "a .db state: the domain rules of adaptive plans (a delivery releases, a full server's plans retry together) as in a JSON-lines one" {
	printf '* systemfull adaptive min 1h max 1w name learn\n' >policy
	ev() { recovery_ev "$@"; }
	# The same events for both (the Message-IDs are random).
	{
		ev 2026-11-20T10:00:00Z ann@slow.example failed systemfull soft
		ev 2026-11-20T10:00:00Z box@slow.example failed mailboxfull soft
		ev 2026-11-20T10:20:00Z bob@slow.example delivered delivered none
	} >ev1
	{
		ev 2026-11-20T09:00:00Z cy@slow.example delivered delivered none
		ev 2026-11-20T11:00:00Z dan@slow.example failed systemfull soft
	} >ev2
	ev 2026-11-20T11:31:00Z ann@slow.example failed systemfull soft >ev3
	for s in s.jsonl s.db; do
		retry-plan -S 1 -s $s -p policy --now 2026-11-20T10:30:00Z ev1 >/dev/null
		retry-plan -S 1 -s $s -p policy --now 2026-11-20T11:30:00Z ev2 >/dev/null
		retry-due -s $s --now 2026-11-20T11:30:00Z >$s.due
		# A bounce of one moves the others of its full server on with it.
		retry-plan -S 1 -s $s -p policy --now 2026-11-20T12:00:00Z ev3 | sort >$s.changed
		retry-plan -s $s --dump | sort >$s.dump
	done
	cmp s.jsonl.due s.db.due
	cmp s.jsonl.changed s.db.changed
	cmp s.jsonl.dump s.db.dump
	[ "$(jq -r 'select(.rcpt == "dan@slow.example") | .next_retry' s.db.dump)" = 2026-11-21T10:00:00Z ]
}

@test "a .db state whose stored plan is damaged: reported, exit 2, nothing changed" {
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s s.db ev.jsonl >/dev/null
	# In WAL mode already (the next run that writes a new store switches
	# it, a change of its header).
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s s.db </dev/null >/dev/null
	[ "$(sqlite3 s.db 'PRAGMA journal_mode')" = wal ]
	for blob in "X'00'" "X'0041'" "substr(rec, 1, length(rec) - 3)" "rec || X'ff'" "X'ffffffffffffffffffffff'"; do
		cp s.db d.db
		sqlite3 d.db "UPDATE plans SET rec = $blob WHERE rcpt = (SELECT min(rcpt) FROM plans)"
		cp d.db d.before
		run retry-plan -s d.db --dump
		[ "$status" -eq 2 ]
		[[ "$output" == *"the database is damaged"* ]]
		run retry-due -n 2030-01-01T00:00:00Z -s d.db
		[ "$status" -eq 2 ]
		cmp d.db d.before
	done
}

@test "a .db state: a first run of many plans, and a commit past 4096 pages copied into the file, as a JSON-lines one" {
	awk -v n=90000 -v users=90000 -f "$R/gen-events.awk" >big.jsonl
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s b.jsonl big.jsonl | sort >j.out
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s b.db big.jsonl | sort >d.out
	# More plans than a put packs at a time (65,536): two parts.
	[ "$(wc -l <d.out)" -gt 65536 ]
	cmp j.out d.out
	# The indexes made after the plans, and those kept, hold what they should.
	[ "$(sqlite3 b.db 'PRAGMA integrity_check')" = ok ]
	due_whole b.db
	retry-plan -s b.db --dump | cmp - b.jsonl
	retry-due -n 2026-11-05T00:00:00Z -L 500 -s b.jsonl >j.due
	retry-due -n 2026-11-05T00:00:00Z -L 500 -s b.db >d.due
	cmp j.due d.due
	# A commit into the log (WAL mode from the second run) that takes it
	# past 4096 pages is copied into the database file by the run, and the
	# log started again (one page: the write that restarts it), its file
	# cut to 24 MB: the file alone then holds the state.
	awk -v n=150000 -v users=150000 -v month=2026-12 -f "$R/gen-events.awk" >more.jsonl
	retry-plan -S 1 -n 2027-01-01T00:00:00Z -s b.db more.jsonl >/dev/null
	[ "$(stat -c %s b.db-wal)" -le 25165824 ]
	cp b.db alone.db
	[ "$(sqlite3 b.db 'PRAGMA wal_checkpoint')" = "0|1|1" ]
	cmp b.db alone.db
	[ "$(sqlite3 b.db 'PRAGMA journal_mode')" = wal ]
	due_whole b.db
	cp b.db alone.db
	[ "$(sqlite3 alone.db 'PRAGMA integrity_check')" = ok ]
	retry-plan -s b.db --dump >b.dump
	retry-plan -s alone.db --dump | cmp - b.dump
	# The plans of the 60,000 recipients the first run did not have.
	[ "$(wc -l <b.dump)" -ge "$(($(wc -l <b.jsonl) + 40000))" ]
}

@test "a new .db state: a first run of many plans killed at any moment leaves no plans or all of them" {
	awk -v n=30000 -v users=20000 -f "$R/gen-events.awk" >big.jsonl
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s all.jsonl big.jsonl >/dev/null
	all=$(wc -l <all.jsonl)
	# Past 10000 plans into an empty table: the indexes made after them.
	[ "$all" -ge 10000 ]
	for t in 0.05 0.1 0.2 0.3 0.5 0.8; do
		rm -f k.db k.db-journal k.db-wal k.db-shm
		timeout -s KILL "$t" retry-plan -S 1 -n 2026-11-03T00:00:00Z -s k.db big.jsonl \
		    >/dev/null 2>&1 || true
		n=$(retry-plan -s k.db --dump | wc -l)
		[ "$n" -eq 0 ] || [ "$n" -eq "$all" ] || { echo "$n plans after a kill at ${t}s"; false; }
		[ ! -e k.db ] || [ "$(sqlite3 k.db 'PRAGMA integrity_check')" = ok ]
		# The next run makes it whole.
		retry-plan -S 1 -n 2026-11-03T00:00:00Z -s k.db big.jsonl >/dev/null
		retry-plan -s k.db --dump | cmp - all.jsonl
		due_whole k.db
	done
}

@test "a new .db state: two first runs of many plans at once with --wait both commit, nothing lost" {
	for i in 1 2; do
		awk -v n=30000 -v users=20000 -f "$R/gen-events.awk" |
		    sed "s/\"rcpt\":\"/&w$i-/" >"ev.$i"
	done
	for i in 1 2; do
		retry-plan -w -S 1 -n 2026-11-03T00:00:00Z -s s.db "ev.$i" >"out.$i" 2>"err.$i" &
	done
	wait
	for i in 1 2; do
		[ ! -s "err.$i" ] || { cat "err.$i"; false; }
	done
	cat ev.1 ev.2 | retry-plan -S 1 -n 2026-11-03T00:00:00Z -s s.jsonl >/dev/null
	[ "$(wc -l <s.jsonl)" -ge 20000 ]
	retry-plan --dump -s s.db | sort >db.dump
	sort s.jsonl | cmp - db.dump
	[ "$(sqlite3 s.db 'PRAGMA integrity_check')" = ok ]
}

@test "a .db state whose plans all went, names kept: a large run numbers new names after the old" {
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s s.db "$R/events.jsonl" >/dev/null
	sqlite3 s.db 'DELETE FROM plans'
	sqlite3 s.db 'SELECT id, name FROM names ORDER BY id' >names.before
	[ -s names.before ]
	awk -v n=30000 -v users=20000 -f "$R/gen-events.awk" >big.jsonl
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s s.db big.jsonl >/dev/null
	retry-plan -S 1 -n 2026-11-03T00:00:00Z -s s.jsonl big.jsonl >/dev/null
	retry-plan -s s.db --dump | cmp - s.jsonl
	# Each name once, the old ones under their old numbers.
	[ "$(sqlite3 s.db 'SELECT count(*) - count(DISTINCT name) FROM names')" -eq 0 ]
	sqlite3 s.db 'SELECT id, name FROM names ORDER BY id' | head -n "$(wc -l <names.before)" |
	    cmp - names.before
	[ "$(sqlite3 s.db 'SELECT count(*) FROM names')" -gt "$(wc -l <names.before)" ]
	[ "$(sqlite3 s.db 'PRAGMA integrity_check')" = ok ]
	retry-due -n 2026-11-05T00:00:00Z -L 500 -s s.jsonl >j.due
	retry-due -n 2026-11-05T00:00:00Z -L 500 -s s.db >d.due
	cmp j.due d.due
}
