#!/usr/bin/env bats
# Faults around the programs rather than in their input: stdout on a full
# disk or a closed pipe, inputs that cannot be read, state folders that
# cannot be written, state files torn by a crash. Each must give a clear
# message on stderr and exit 2, and a state file must never lose good lines.
#
# The tests run as root in CI, where permission bits do not stop reads or
# writes: unreadable files are then skipped, and an unwritable folder is made
# with a path whose parent is a regular file (ENOTDIR for everyone).

load helper

have() { command -v "$1" >/dev/null 2>&1; }

# A Postfix log with n bounced recipients (soft and hard), enough to
# overflow any stdio buffer and pipe when n is large.
postfix_log() {
	awk -v n="$1" 'BEGIN {
		for (i = 1; i <= n; i++) {
			printf "Nov 27 10:%02d:%02d mx postfix/smtp[%d]: %05XA: to=<user%d@example%d.com>, relay=mx.example%d.com[192.0.2.1]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=%s, status=%s (host mx.example%d.com[192.0.2.1] said: %s (in reply to RCPT TO command))\n",
			    (i / 60) % 60, i % 60, 1000 + i, i, i, i % 50, i % 50,
			    (i % 2 ? "5.1.1" : "4.2.2"), (i % 2 ? "bounced" : "deferred"), i % 50,
			    (i % 2 ? "550 5.1.1 <user> User unknown" : "452 4.2.2 Mailbox full")
		}
	}'
}

# A file of n event records, as bounce-parse writes them: half hard bounces,
# half full mailboxes (soft: each opens a retry plan).
events_file() {
	awk -v n="$1" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "{\"time\":\"2026-11-27T10:00:00Z\",\"rcpt\":\"user%d@example%d.com\",\"domain\":\"example%d.com\",\"action\":\"%s\",\"status\":\"%s\",\"code\":%d,\"reason\":\"%s\",\"class\":\"%s\",\"rhost\":\"mx.example.com\",\"diag\":\"x\",\"from\":null,\"msgid\":null,\"qid\":null,\"source\":\"postfix\",\"origin\":\"mail.log:%d\"}\n",
			    i, i % 50, i % 50, "failed", (i % 2 ? "5.1.1" : "5.2.2"),
			    (i % 2 ? 550 : 552), (i % 2 ? "userunknown" : "mailboxfull"),
			    (i % 2 ? "hard" : "soft"), i
	}'
}

# Runs a command line with stdout on a pipe whose reader is already gone:
# deterministic, unlike "prog | head -c0", where the reader may still be there.
closed_pipe() {
	perl -e 'pipe(R, W) or die; close R; open(STDOUT, ">&", \*W) or die; close W;
	    exec @ARGV or die' "$@"
}

setup() {
	T="$BATS_TEST_TMPDIR"
	NOW=2026-11-28T00:00:00Z
	LATER=2026-12-30T00:00:00Z
	postfix_log 20000 >"$T/mail.log"
	events_file 20000 >"$T/events.jsonl"
}

# The error-reporting contract: exit 2, the program's name and the problem.
assert_write_error() {	# prog
	[ "$status" -eq 2 ] || { echo "$1: exit $status, want 2"; return 1; }
	[[ "$output" == *"$1: "*"write error"* ]] || { echo "$1: no 'write error' in: $output"; return 1; }
}

# One command line per program whose output is large (megabytes), run in $T.
big_output_cmds() {
	echo "bounce-parse -y 2026 mail.log"
	echo "bounce-parse -j 2 maildir"
	echo "retry-plan -n $NOW events.jsonl"
	echo "retry-due -n $LATER -s due.jsonl"
	echo "suppress -l list.jsonl list"
	echo "suppress -l list.jsonl filter rcpts.txt"
	echo "bounce-stats -G mailboxfull,userunknown events.jsonl"
}
big_output_setup() {
	# 3000 messages of 2 events each, for the threads of bounce-parse -j.
	mkdir -p "$T/maildir/new"
	awk -v src="$FIXTURES/email/dsn-postfix.eml" -v dir="$T/maildir/new" '
	    BEGIN { while ((getline l < src) > 0) msg = msg l "\n"
	        for (i = 0; i < 3000; i++) { f = dir "/" i ".host"; printf "%s", msg > f; close(f) } }'
	retry-plan -n "$NOW" -s "$T/due.jsonl" "$T/events.jsonl" >/dev/null
	suppress -l "$T/list.jsonl" -n "$NOW" add "$T/events.jsonl" >/dev/null
	awk 'BEGIN { for (i = 0; i < 100000; i++) print "someone" i "@example.org" }' >"$T/rcpts.txt"
}

# ---------------------------------------------------------------- stdout

@test "every program: a large output to a full disk: 'write error' once, exit 2" {
	big_output_setup
	cd "$T"
	while read -r cmd; do
		prog=${cmd%% *}
		run bash -c "$cmd >/dev/full"
		assert_write_error "$prog"
		# Reported once, not once per record.
		[ "$(grep -c 'write error' <<<"$output")" -eq 1 ] || { echo "$cmd: $output"; false; }
	done < <(big_output_cmds)
}

@test "every program: a small output to a full disk is caught at close" {
	events_file 3 >"$T/three.jsonl"
	cd "$T"
	for cmd in "bounce-parse --explain 5.1.1" "retry-plan -n $NOW three.jsonl" \
	    "retry-plan --print-policy" "bounce-stats three.jsonl" \
	    "suppress -l small.jsonl -n $NOW add three.jsonl" "suppress -l small.jsonl list" \
	    "retry-due -n $LATER -s small-state.jsonl" "bounce-parse --version" "suppress --help"; do
		[ "${cmd#retry-due}" = "$cmd" ] ||
		    retry-plan -n "$NOW" -s small-state.jsonl three.jsonl >/dev/null
		run bash -c "$cmd >/dev/full"
		assert_write_error "${cmd%% *}"
	done
}

@test "every program: stdout on a pipe without reader: 'write error', exit 2" {
	big_output_setup
	cd "$T"
	while read -r cmd; do
		run closed_pipe $cmd
		assert_write_error "${cmd%% *}"
	done < <(big_output_cmds)
}

@test "every program: a reader that leaves early (head): exit 2 via PIPESTATUS" {
	big_output_setup
	cd "$T"
	while read -r cmd; do
		run bash -c "$cmd 2>err | head -c 100 >/dev/null; echo \${PIPESTATUS[0]}"
		[ "$output" = 2 ] || { echo "$cmd: exit $output, want 2"; false; }
		grep -q "^${cmd%% *}: .*write error" err || { echo "$cmd: $(cat err)"; false; }
	done < <(big_output_cmds)
}

@test "every program: stdout closed (>&-): exit 2, no crash" {
	events_file 3 >"$T/three.jsonl"
	cd "$T"
	for cmd in "bounce-parse --explain 4.3.1" "bounce-parse -y 2026 mail.log" \
	    "retry-plan -n $NOW three.jsonl" "bounce-stats three.jsonl" \
	    "suppress -l l.jsonl -n $NOW add three.jsonl"; do
		run bash -c "$cmd >&-"
		[ "$status" -eq 2 ] || { echo "$cmd: exit $status"; false; }
		[[ "$output" == *"${cmd%% *}: "* ]]
	done
}

@test "retry-due: when stdout fails, the claimed plans are due again after the claim timeout" {
	retry-plan -n "$NOW" -s "$T/s.jsonl" "$T/events.jsonl" >/dev/null
	retry-due -n "$LATER" -s "$T/s.jsonl" --dry-run >"$T/due"
	[ "$(wc -l <"$T/due")" -gt 1000 ]
	run bash -c 'retry-due -n "$1" -s "$2" >/dev/full' _ "$LATER" "$T/s.jsonl"
	assert_write_error retry-due
	# Nothing is lost: after the claim timeout the same recipients come back.
	run retry-due -n 2026-12-30T07:00:00Z -c 6h -s "$T/s.jsonl"
	[ "$status" -eq 0 ]
	[ "$(jq -r .rcpt <<<"$output" | sort)" = "$(jq -r .rcpt "$T/due" | sort)" ]
}

# ---------------------------------------------------------------- inputs

@test "every reader: a missing operand is reported, the others are read, exit 2" {
	events_file 5 >"$T/five.jsonl"
	cd "$T"
	for cmd in "bounce-parse -y 2026" "retry-plan -n $NOW" "bounce-stats -n $NOW" \
	    "suppress -l l.jsonl -n $NOW filter"; do
		src=five.jsonl
		[ "${cmd#bounce-parse}" = "$cmd" ] || { postfix_log 5 >five.log; src=five.log; }
		[ "${cmd#suppress}" = "$cmd" ] || { jq -r .rcpt five.jsonl >five.txt; src=five.txt; }
		$cmd "$src" >all
		run bash -c "$cmd nonexistent $src 2>err >out"
		[ "$status" -eq 2 ] || { echo "$cmd: exit $status"; false; }
		grep -q "^${cmd%% *}: nonexistent: No such file or directory" err
		cmp all out
		[ -s out ]
	done
}

@test "every reader: an operand below a regular file (ENOTDIR) or a folder: exit 2" {
	cd "$T"
	mkdir folder
	for cmd in "bounce-parse -f postfix" "retry-plan -n $NOW" "bounce-stats" \
	    "suppress -l l.jsonl filter" "suppress -l l.jsonl -n $NOW add"; do
		run $cmd mail.log/x
		[ "$status" -eq 2 ] || { echo "$cmd: exit $status"; false; }
		[[ "$output" == *"${cmd%% *}: mail.log/x: Not a directory"* ]]
		run $cmd folder
		[ "$status" -eq 2 ] || { echo "$cmd folder: exit $status"; false; }
		[[ "$output" == *"folder"*"directory"* ]]
	done
}

@test "every reader: an unreadable file (not as root): exit 2" {
	[ "$(id -u)" -ne 0 ] || skip "root reads files whatever their mode"
	cp "$T/events.jsonl" "$T/secret.jsonl"
	chmod 000 "$T/secret.jsonl"
	for cmd in "bounce-parse" "retry-plan -n $NOW" "bounce-stats" "suppress -l $T/l filter"; do
		run $cmd "$T/secret.jsonl"
		[ "$status" -eq 2 ]
		[[ "$output" == *"$T/secret.jsonl: Permission denied"* ]]
	done
}

# ---------------------------------------------------------------- state files

# A folder that cannot be written: a path whose parent is a regular file,
# which stops root too (ENOTDIR), unlike a read-only mode.
@test "state files in a folder that cannot be written: clear error, exit 2, nothing printed" {
	cd "$T"
	for cmd in "retry-plan -n $NOW -s mail.log/state.jsonl events.jsonl" \
	    "retry-due -n $NOW -s mail.log/state.jsonl" \
	    "suppress -l mail.log/list.jsonl -n $NOW add events.jsonl" \
	    "retry-plan -n $NOW -s mail.log/state.db events.jsonl" \
	    "retry-due -n $NOW -s mail.log/state.db" \
	    "suppress -l mail.log/list.db -n $NOW add events.jsonl" \
	    "bounce-parse -o mail.log/offsets mail.log"; do
		run bash -c "$cmd 2>err >out"
		[ "$status" -eq 2 ] || { echo "$cmd: exit $status"; false; }
		grep -q "^${cmd%% *}: mail.log/.*Not a directory" err
		# No record printed for a change that was not saved.
		[ ! -s out ] || { echo "$cmd printed: $(head -c 300 out)"; false; }
	done
}

@test "suppress filter fails closed: an unreadable list lets no recipient through" {
	cd "$T"
	jq -r .rcpt events.jsonl >rcpts.txt
	mkdir listdir listdir.db
	for list in mail.log/list.jsonl listdir mail.log/list.db listdir.db; do
		run bash -c 'suppress -l "$1" filter rcpts.txt 2>err >out' _ "$list"
		[ "$status" -eq 2 ]
		[ ! -s out ]
		[ -s err ]
	done
}

@test "a state file that is a folder is not replaced: exit 2, folder untouched" {
	cd "$T"
	for x in d db; do
		mkdir state.$x list.$x
		touch state.$x/keep list.$x/keep
		run retry-plan -n "$NOW" -s state.$x events.jsonl
		[ "$status" -eq 2 ]
		run retry-due -n "$NOW" -s state.$x
		[ "$status" -eq 2 ]
		run suppress -l list.$x -n "$NOW" add events.jsonl
		[ "$status" -eq 2 ]
		[ -d state.$x ] && [ -f state.$x/keep ] && [ -d list.$x ] && [ -f list.$x/keep ]
	done
}

# Cuts the last line of a file in half (a crash while writing it, without
# the atomic replace: an editor, a full disk, a copy).
tear() {
	local size
	size=$(wc -c <"$1")
	head -c $((size - $(tail -n 1 "$1" | wc -c) / 2)) "$1" >"$1.torn"
	mv "$1.torn" "$1"
}

@test "retry-plan and retry-due: a torn last state line is reported, kept, good lines intact" {
	cd "$T"
	events_file 40 >forty.jsonl
	retry-plan -n "$NOW" -s s.jsonl forty.jsonl >/dev/null
	tear s.jsonl
	cp s.jsonl before
	good=$(wc -l <before)	# the good ones (the torn one has no newline)
	run retry-plan -n "$NOW" -s s.jsonl /dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"retry-plan: s.jsonl:$((good + 1)): "* ]]
	# Good lines byte for byte, the torn one verbatim.
	[ "$(head -n "$good" s.jsonl)" = "$(head -n "$good" before)" ]
	[ "$(tail -n 1 s.jsonl)" = "$(tail -n 1 before)" ]
	run retry-due -n "$LATER" -s s.jsonl
	[ "$status" -eq 2 ]
	[[ "$output" == *"retry-due: s.jsonl:"*": "* ]]
	# The plans that were due are handed out nonetheless, and the torn line stays.
	[ "$(grep -c '"state":"claimed"' <<<"$output")" -gt 0 ]
	[ "$(tail -n 1 s.jsonl)" = "$(tail -n 1 before)" ]
}

@test "suppress: a torn last list line is reported and kept; adds and checks go on" {
	cd "$T"
	events_file 40 >forty.jsonl
	suppress -l l.jsonl -n "$NOW" add forty.jsonl >/dev/null
	tear l.jsonl
	cp l.jsonl before
	good=$(wc -l <before)
	run bash -c 'echo new@example.com | suppress -l l.jsonl -n "$1" add' _ "$NOW"
	[ "$status" -eq 2 ]
	[[ "$output" == *"suppress: l.jsonl:$((good + 1)): "* ]]
	[ "$(head -n "$good" l.jsonl)" = "$(head -n "$good" before)" ]
	grep -qxF "$(tail -n 1 before)" l.jsonl
	grep -q '"address":"new@example.com"' l.jsonl
	# The entry is found whatever the torn line; the exit status says both
	# "suppressed" (1) and "the list has a bad line" (2): the worse, 2, so a
	# script that sends only on 0 fails closed.
	run suppress -l l.jsonl -n "$NOW" check user1@example1.com
	[ "$status" -eq 2 ]
	[[ "$output" == *'"rcpt":"user1@example1.com"'* ]]
}

@test "bounce-parse: a torn offset file is an error, and the log is not read twice" {
	cd "$T"
	postfix_log 10 >small.log
	run bounce-parse -y 2026 -o offsets small.log
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 10 ]
	[ -s offsets ]
	tear offsets
	cp offsets before
	run bash -c 'bounce-parse -y 2026 -o offsets small.log 2>err >out'
	[ "$status" -eq 2 ]
	grep -q '^bounce-parse: offsets:[0-9]*: ' err
	# Nothing read (no duplicates downstream), the file left for a human.
	[ ! -s out ]
	cmp offsets before
}

# A run killed at any moment (cron timeout, OOM killer, reboot) leaves the
# old state or the new one: every line whole, nothing half-written.
@test "retry-plan and suppress killed at random moments: the state is old or new, whole" {
	cd "$T"
	events_file 2000 >small.jsonl
	retry-plan -n "$NOW" -s s.jsonl small.jsonl >/dev/null
	suppress -l l.jsonl -n "$NOW" add small.jsonl >/dev/null
	for t in 0.01 0.03 0.05 0.08 0.1 0.15 0.2 0.3 0.5; do
		timeout -s KILL "$t" retry-plan -n "$NOW" -s s.jsonl events.jsonl >/dev/null 2>&1 || true
		timeout -s KILL "$t" suppress -l l.jsonl -n "$NOW" add events.jsonl >/dev/null 2>&1 || true
		for f in s.jsonl l.jsonl; do
			jq -e . "$f" >/dev/null || { echo "$f torn after a kill at ${t}s"; false; }
			n=$(wc -l <"$f")
			[ "$n" -eq 2000 ] || [ "$n" -eq 20000 ] || { echo "$f has $n lines"; false; }
			[ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ]
		done
	done
	# And the next run works (the lock died with the process).
	run retry-plan -n "$NOW" -s s.jsonl events.jsonl
	[ "$status" -eq 0 ]
	[ "$(wc -l <s.jsonl)" -eq 20000 ]
}

@test "retry-plan and suppress on .db stores killed at random moments: all of a run or none" {
	cd "$T"
	events_file 2000 >small.jsonl
	retry-plan -n "$NOW" -s s.db small.jsonl >/dev/null
	suppress -l l.db -n "$NOW" add small.jsonl >/dev/null
	for t in 0.01 0.03 0.05 0.1 0.2 0.3 0.5; do
		timeout -s KILL "$t" retry-plan -n "$NOW" -s s.db events.jsonl >/dev/null 2>&1 || true
		timeout -s KILL "$t" suppress -l l.db -n "$NOW" add events.jsonl >/dev/null 2>&1 || true
		for f in s.db l.db; do
			[ "$(sqlite3 "$f" 'PRAGMA integrity_check')" = ok ]
		done
		n=$(retry-plan -s s.db --dump | wc -l)
		[ "$n" -eq 2000 ] || [ "$n" -eq 20000 ] || { echo "s.db has $n plans"; false; }
		n=$(suppress -l l.db list | wc -l)
		[ "$n" -eq 2000 ] || [ "$n" -eq 20000 ] || { echo "l.db has $n entries"; false; }
	done
	run retry-plan -n "$NOW" -s s.db events.jsonl
	[ "$status" -eq 0 ]
	[ "$(retry-plan -s s.db --dump | wc -l)" -eq 20000 ]
	run suppress -l l.db -n "$NOW" add events.jsonl
	[ "$status" -eq 0 ]
	[ "$(suppress -l l.db list | wc -l)" -eq 20000 ]
}

# long_log DB N: N commits in the log of DB (page 1 written as it is),
# copied into it by no one: a log of N pages, whose next commit past 4096
# pages copies it into the store at its exit.
long_log() {
	local v
	v=$(sqlite3 "$1" 'PRAGMA user_version')
	{
		echo '.dbconfig no_ckpt_on_close on'
		echo 'PRAGMA synchronous = OFF;'
		echo 'PRAGMA wal_autocheckpoint = 0;'
		awk -v v="$v" -v n="$2" 'BEGIN { for (i = 0; i < n; i++) print "PRAGMA user_version = " v ";" }'
	} | sqlite3 "$1" >/dev/null
}

# small_stores: s.db and l.db in WAL mode (a second run), three plans and
# entries each; three.jsonl and six.jsonl the events of 3 and 6 recipients.
small_stores() {
	events_file 3 >three.jsonl
	events_file 6 >six.jsonl
	for i in 1 2; do
		retry-plan -n "$NOW" -s s.db three.jsonl >/dev/null
		suppress -l l.db -n "$NOW" add three.jsonl >/dev/null
	done
}

# fault_points CMD...: runs CMD under strace and prints, a line each, the
# writes and syncs it makes after it closed its stdout (which it does before
# its exit, where a run whose commit took a store's log past 4096 pages
# copies it into the store and starts it again: sqldb.c, log_restart), as
# "SYSCALL N": the Nth call of SYSCALL in the run (of a row of writes, as
# the copy's, the first and the last).
fault_points() {
	strace -o calls -e trace=close,pwrite64,write,fdatasync,fsync,ftruncate "$@" >/dev/null
	awk '$1 ~ /^(pwrite64|write|fdatasync|fsync|ftruncate)\(/ {
		name = substr($1, 1, index($1, "(") - 1)
		n[name]++
		if (out) p[++np] = name " " n[name]
	}
	$0 ~ /^close\(1\)/ { out = 1 }
	END {
		for (i = 1; i <= np; i++)
			if (!(p[i - 1] ~ /^pwrite/ && p[i] ~ /^pwrite/ && p[i + 1] ~ /^pwrite/))
				print p[i]
	}' calls
}

# A run killed, or the disk full (ENOSPC on a write, or a failed sync), at
# each write and sync of the checkpoint at its exit: its output is out and
# its commit stands, the store whole, the next run works.
@test ".db stores: a run killed or a full disk at each write of the checkpoint at exit: the commit stands, the store whole" {
	# Where ptrace is not allowed (some containers), strace cannot run a program.
	strace -o /dev/null true 2>/dev/null || skip "strace is not installed or cannot trace here"
	# LeakSanitizer cannot run under ptrace (make asan): it would end each
	# traced run with a fatal error of its own.
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	cd "$T"
	small_stores
	# The first log past its 24 MB limit (the restart cuts it).
	pages=6200
	for cmd in "retry-plan -n $NOW -s s.db six.jsonl" "suppress -l l.db -n $NOW add six.jsonl" \
	    "retry-due -n $LATER -L 2 -s s.db"; do
		case $cmd in suppress*) db=l.db ;; *) db=s.db ;; esac
		version=$(sqlite3 $db 'PRAGMA user_version')
		long_log $db $pages
		pages=4500
		rm -f pre.*
		for f in $db*; do cp "$f" "pre.$f"; done
		# A run not failed: what it prints and leaves, and its writes and
		# syncs after its output (the copy, the store's truncation and
		# sync, the write that starts the log again and its syncs).
		$cmd >want.out
		retry-plan -s s.db --dump >want.plans
		suppress -l l.db list >want.list
		[ "$(sqlite3 $db 'PRAGMA wal_checkpoint')" = "0|1|1" ]
		rm -f $db*
		for f in pre.*; do cp "$f" "${f#pre.}"; done
		fault_points $cmd >points
		[ "$(grep -c 'write' points)" -ge 4 ]
		[ "$(grep -c 'sync' points)" -ge 3 ]
		while read -r name k; do
			for fault in error=ENOSPC signal=KILL; do
				rm -f $db*
				for f in pre.*; do cp "$f" "${f#pre.}"; done
				strace -o /dev/null -e trace="$name" -e inject="$name:$fault:when=$k" \
				    $cmd >out 2>err && rc=0 || rc=$?
				case $fault in
				error=*) want=0 ;;
				*) want=137 ;;
				esac
				[ "$rc" -eq "$want" ] || { echo "$cmd: $fault at $name #$k: exit $rc"; false; }
				cmp out want.out
				retry-plan -s s.db --dump | cmp - want.plans
				suppress -l l.db list | cmp - want.list
				[ "$(sqlite3 $db 'PRAGMA user_version')" = "$version" ]
				[ "$(sqlite3 $db 'PRAGMA integrity_check')" = ok ]
				case $db in
				s.db) retry-plan -n "$NOW" -s s.db events.jsonl >/dev/null ;;
				l.db) suppress -l l.db -n "$NOW" add three.jsonl >/dev/null ;;
				esac
			done
		done <points
		# The next command on the state the run left.
		rm -f $db*
		for f in pre.*; do cp "$f" "${f#pre.}"; done
		$cmd >/dev/null
	done
}

# A run that finds the log past 3072 pages copies it into the store as it
# exits, the pages already there on a second thread while it works (sqldb.c,
# copy_log), even when its own commit leaves the log short of 4096.
@test ".db stores: a run that finds the log long copies it, in part on a second thread; killed at any moment: its commit all or nothing" {
	cd "$T"
	small_stores
	for cmd in "retry-due -n $LATER -L 2 -s s.db" "suppress -l l.db -n $NOW add six.jsonl"; do
		case $cmd in suppress*) db=l.db ;; *) db=s.db ;; esac
		long_log $db 3500
		rm -f pre.*
		for f in $db*; do cp "$f" "pre.$f"; done
		retry-plan -s s.db --dump >pre.plans
		suppress -l l.db list >pre.list
		$cmd >want.out
		# Copied and started again: one page in the log.
		[ "$(sqlite3 $db 'PRAGMA wal_checkpoint')" = "0|1|1" ]
		[ "$(sqlite3 $db 'PRAGMA integrity_check')" = ok ]
		retry-plan -s s.db --dump >want.plans
		suppress -l l.db list >want.list
		! cmp -s want.plans pre.plans || ! cmp -s want.list pre.list || false
		for t in 0.005 0.01 0.02 0.03 0.05 0.08 0.12 0.2; do
			rm -f $db*
			for f in pre.*; do cp "$f" "${f#pre.}"; done
			timeout -s KILL "$t" $cmd >/dev/null 2>&1 || true
			[ "$(sqlite3 $db 'PRAGMA integrity_check')" = ok ]
			retry-plan -s s.db --dump >got.plans
			suppress -l l.db list >got.list
			{ cmp -s got.plans pre.plans && cmp -s got.list pre.list; } ||
			    { cmp -s got.plans want.plans && cmp -s got.list want.list; } ||
			    { echo "$cmd killed after $t s: neither before nor after"; false; }
		done
	done
}

@test "new .db stores killed at random moments in their first run: empty or whole; WAL mode from the next run" {
	cd "$T"
	for t in 0.05 0.1 0.2 0.3 0.5 0.8; do
		rm -f n.db* m.db*
		timeout -s KILL "$t" retry-plan -n "$NOW" -s n.db events.jsonl >/dev/null 2>&1 || true
		timeout -s KILL "$t" suppress -l m.db -n "$NOW" add events.jsonl >/dev/null 2>&1 || true
		n=$(retry-plan -s n.db --dump | wc -l)
		[ "$n" -eq 0 ] || [ "$n" -eq 20000 ] || { echo "n.db has $n plans"; false; }
		n=$(suppress -l m.db list | wc -l)
		[ "$n" -eq 0 ] || [ "$n" -eq 20000 ] || { echo "m.db has $n entries"; false; }
		for f in n.db m.db; do
			[ "$(sqlite3 "$f" 'PRAGMA integrity_check')" = ok ]
		done
	done
	# A new store is written without a log; the next run that writes puts
	# it in WAL mode.
	rm -f n.db*
	events_file 3 >three.jsonl
	retry-plan -n "$NOW" -s n.db events.jsonl >/dev/null
	[ "$(sqlite3 n.db 'PRAGMA journal_mode')" = delete ]
	retry-plan -n "$NOW" -s n.db three.jsonl >/dev/null
	[ "$(sqlite3 n.db 'PRAGMA journal_mode')" = wal ]
	[ "$(retry-plan -s n.db --dump | wc -l)" -eq 20000 ]
}

@test "a new .db store whose first run died after writing part of it: readers roll it back, see it empty" {
	cd "$T"
	for f in p.db l.db; do
		: >"$f"
		chmod 600 "$f"
		# The pages written beyond the empty file, its journal left hot.
		sqlite3 "$f" <<-EOF >/dev/null 2>&1 || true
		PRAGMA cache_size = 10;
		BEGIN IMMEDIATE;
		CREATE TABLE t(x);
		WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 20000)
		INSERT INTO t SELECT randomblob(100) FROM c;
		.system kill -9 \$PPID
		EOF
		[ -s "$f" ] && [ -s "$f-journal" ]
	done
	run retry-plan -s p.db --dump
	[ "$status" -eq 0 ] && [ -z "$output" ]
	[ ! -s p.db ]
	run suppress -l l.db -n "$NOW" check a@example.com
	[ "$status" -eq 0 ] && [ -z "$output" ]
	[ ! -s l.db ]
	events_file 3 >three.jsonl
	run retry-plan -n "$NOW" -s p.db three.jsonl
	[ "$status" -eq 0 ]
	[ "$(retry-plan -s p.db --dump | wc -l)" -eq 3 ]
}

@test "retry-plan: a missing or bad policy file changes nothing (no half-applied rules)" {
	cd "$T"
	events_file 40 >forty.jsonl
	retry-plan -n "$NOW" -s s.jsonl forty.jsonl >/dev/null
	cp s.jsonl before
	printf '*\t*\tschedule 1h\n*\tnosuchreason\tschedule 2h\n' >bad.policy
	for p in nonexistent bad.policy mail.log/x; do
		run bash -c 'retry-plan -p "$1" -n "$2" -s s.jsonl events.jsonl 2>err >out' _ "$p" "$NOW"
		[ "$status" -eq 2 ] || { echo "$p: exit $status"; false; }
		grep -q "^retry-plan: $p" err
		[ ! -s out ]
		cmp s.jsonl before
	done
}

@test "a writer killed while it holds the lock does not block the next run" {
	cd "$T"
	events_file 40 >forty.jsonl
	# A writer killed while it holds the lock (SIGKILL: no clean-up at all).
	mkfifo slow
	retry-plan -n "$NOW" -s s.jsonl slow >/dev/null 2>&1 &
	pid=$!
	exec 5>slow	# opened once the writer reads its input: the lock is held
	run retry-plan -n "$NOW" -s s.jsonl forty.jsonl
	[ "$status" -eq 2 ]
	[[ "$output" == *"locked by another run"* ]]
	kill -KILL "$pid"
	exec 5>&-
	wait "$pid" || true
	run retry-plan -n "$NOW" -s s.jsonl forty.jsonl
	[ "$status" -eq 0 ]
	[ "$(wc -l <s.jsonl)" -eq 40 ]
}

@test "temporary files a killed writer left are removed by the next writer, for every state kind" {
	cd "$T"
	events_file 4 >four.jsonl
	postfix_log 4 >mail.log
	# What afile_begin leaves when the run dies before its rename, and a
	# name that only looks alike (kept).
	for f in s.jsonl l.jsonl off; do
		: >".$f.AbC123"
		: >".$f.keep"
	done
	retry-plan -n "$NOW" -s s.jsonl four.jsonl >/dev/null
	suppress -l l.jsonl -n "$NOW" add four.jsonl >/dev/null
	bounce-parse -y 2026 -o off mail.log >/dev/null
	[ -z "$(find . -name '.*.AbC123')" ]
	[ "$(find . -name '.*.keep' | wc -l)" -eq 3 ]
	# A reader without the lock (retry-due --dry-run) leaves them alone.
	: >.s.jsonl.XyZ789
	retry-due -N -n "$NOW" -s s.jsonl >/dev/null
	[ -e .s.jsonl.XyZ789 ]
}

@test "bounce-parse: a Maildir with a FIFO, a dangling link and a folder in it neither hangs nor stops" {
	cd "$T"
	mkdir -p md/cur md/new md/tmp
	for m in new/1 cur/2; do
		printf 'From: MAILER-DAEMON@example.com\nContent-Type: multipart/report; boundary=b\nDate: Fri, 27 Nov 2026 10:00:00 +0000\n\n--b\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; u%s@example.com\nAction: failed\nStatus: 5.1.1\n\n--b--\n' \
		    "${m#*/}" >"md/$m"
	done
	mkfifo md/new/3
	ln -s /nonexistent md/new/4
	mkdir md/cur/5
	run timeout "$(limit 20)" bounce-parse md
	[ "$status" -ne 124 ] || { echo "hung on the FIFO"; false; }
	[ "$status" -le 2 ]
	[ "$(grep -c '"rcpt"' <<<"$output")" -eq 2 ]
}

# bounce-parse --offset-file saves the offsets only after the events are out:
# a run killed at any moment may repeat events next time, never lose one.
@test "bounce-parse -o killed at random moments: no event lost, the offset file whole" {
	cd "$T"
	postfix_log 5000 >grow.log
	: >all
	i=0
	for t in 0.02 0.05 0.1 0.15 0.2 0.3 0.5; do
		i=$((i + 1))
		postfix_log 3000 | sed "s/: to=<user/: to=<r${i}user/" >>grow.log
		timeout -s KILL "$t" bounce-parse -y 2026 -o offsets grow.log >>all 2>/dev/null || true
		[ ! -e offsets ] || jq -e . offsets >/dev/null
	done
	bounce-parse -y 2026 -o offsets grow.log >>all
	# Every recipient of the log came out at least once (killed runs may cut
	# their last line short: only whole lines count).
	want=$(grep -o 'to=<[^>]*>' grow.log | sed 's/^to=<//; s/>$//' | sort -u | wc -l)
	got=$(jq -rR 'fromjson? | .rcpt' all | sort -u | wc -l)
	[ "$got" -eq "$want" ] || { echo "want $want recipients, got $got"; false; }
	# And a run with nothing new writes nothing.
	run bounce-parse -y 2026 -o offsets grow.log
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}
