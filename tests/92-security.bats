#!/usr/bin/env bats
# Private by default: the files the programs make hold recipients' addresses.
# New state, list, offset and lock files are 0600 (0660 in a set-group-ID
# folder) whatever the umask; a replaced file keeps its mode and owner; lock
# files are never opened through a planted symbolic link; a state file or
# folder others may write to is refused unless --no-strict-modes. And the
# sandbox: what a program was not given, it cannot open.

load helper

setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T"
	NOW=2026-11-28T00:00:00Z
	LATER=2026-12-30T00:00:00Z
	for i in 1 2 3 4; do
		printf '{"time":"2026-11-27T10:00:00Z","rcpt":"user%d@example.com","domain":"example.com","action":"failed","status":"5.2.2","code":552,"reason":"mailboxfull","class":"soft","rhost":null,"diag":"x","from":null,"msgid":null,"qid":null,"source":"postfix","origin":"mail.log:%d"}\n' "$i" "$i"
	done >events.jsonl
	printf 'Nov 27 10:00:01 mx postfix/smtp[1]: 4A1B2C3D4E: to=<user9@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=4.2.2, status=deferred (host mx.example.com[192.0.2.1] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))\n' >mail.log
}

mode() { stat -c %a "$1"; }

# Every program that makes files, each making them in folder $1: the
# commands, in the array WRITERS (words split at spaces).
writers() {
	WRITERS=("retry-plan -n $NOW -s $1/plans.jsonl events.jsonl"
	    "retry-due -n $LATER -s $1/plans.jsonl"
	    "suppress -l $1/list.jsonl -n $NOW add events.jsonl"
	    "bounce-parse -y 2026 -o $1/offsets mail.log"
	    "bounce-stats --recovery -s $1/recovery.jsonl events.jsonl")
}

make_files() {
	writers "$1"
	for cmd in "${WRITERS[@]}"; do
		$cmd >/dev/null
	done
}
MADE="plans.jsonl plans.jsonl.lock list.jsonl list.jsonl.lock offsets offsets.lock
    recovery.jsonl recovery.jsonl.lock"
SAVED="plans.jsonl list.jsonl offsets recovery.jsonl"

# ---------------------------------------------------------------- modes

@test "files made by every program are 0600 under umask 022, 000 and 077" {
	for u in 022 000 077; do
		mkdir "u$u"
		(umask "$u" && make_files "u$u")
		for f in $MADE; do
			[ "$(mode "u$u/$f")" = 600 ] || { echo "umask $u: $f is $(mode "u$u/$f")"; false; }
		done
		# No temporary file left behind.
		[ -z "$(find "u$u" -name '.*.??????')" ]
	done
}

@test "a replaced file keeps its mode (0640 stays 0640, 0600 stays 0600)" {
	mkdir d
	make_files d
	chmod 0640 d/plans.jsonl d/list.jsonl d/offsets d/recovery.jsonl
	umask 077
	make_files d
	for f in $SAVED; do
		[ "$(mode "d/$f")" = 640 ] || { echo "$f is $(mode "d/$f")"; false; }
	done
}

@test "in a group-shared folder, a replaced file keeps its owner and group" {
	[ "$(id -u)" -eq 0 ] || skip "only root may give a file to another user"
	id nobody >/dev/null 2>&1 || skip "no user nobody"
	getent group nogroup >/dev/null || skip "no group nogroup"
	mkdir shared
	chgrp nogroup shared
	chmod 2770 shared
	make_files shared
	# Made by another member of the group last time.
	chown nobody shared/plans.jsonl shared/list.jsonl shared/offsets shared/recovery.jsonl
	chmod 0640 shared/plans.jsonl
	make_files shared
	for f in $SAVED; do
		[ "$(stat -c %U:%G "shared/$f")" = nobody:nogroup ] ||
		    { echo "$f: $(stat -c %U:%G "shared/$f")"; false; }
	done
	[ "$(mode shared/plans.jsonl)" = 640 ]
	[ "$(mode shared/list.jsonl)" = 660 ]
}

@test "a set-group-ID folder is shared with its group: new files 0660, its group" {
	group=$(id -gn)
	if [ "$(id -u)" -eq 0 ] && getent group nogroup >/dev/null; then
		group=nogroup	# another group than the user's, to see it given
	fi
	mkdir shared
	chgrp "$group" shared
	chmod 2770 shared
	(umask 022 && make_files shared)
	for f in $MADE; do
		[ "$(mode "shared/$f")" = 660 ] || { echo "$f is $(mode "shared/$f")"; false; }
		[ "$(stat -c %G "shared/$f")" = "$group" ]
	done
}

# ---------------------------------------------------------------- links

@test "a symbolic link planted at the lock path is not followed, by any program" {
	mkdir shared elsewhere
	echo precious >elsewhere/file
	for f in $SAVED; do
		ln -s ../elsewhere/file "shared/$f.lock"
		ln -s ../elsewhere/none "shared/$f.lock2"
	done
	writers shared
	for cmd in "${WRITERS[@]}"; do
		run $cmd
		[ "$status" -eq 2 ] || { echo "$cmd: exit $status"; false; }
		[[ "$output" == *".lock: a symbolic link: not followed"* ]] || { echo "$output"; false; }
	done
	# A dangling link: nothing made where it points.
	for f in $SAVED; do
		mv -f "shared/$f.lock2" "shared/$f.lock"
	done
	run retry-plan -n "$NOW" -s shared/plans.jsonl events.jsonl
	[ "$status" -eq 2 ]
	[ ! -e elsewhere/none ]
	[ "$(cat elsewhere/file)" = precious ]
	[ "$(mode elsewhere/file)" = 644 ]
	[ ! -e shared/plans.jsonl ]
}

@test "a state file that is a symbolic link is refused (replacing it would replace the link)" {
	mkdir real
	retry-plan -n "$NOW" -s real/plans.jsonl events.jsonl >/dev/null
	ln -s real/plans.jsonl plans.jsonl
	cp real/plans.jsonl before
	run retry-plan -n "$NOW" -s plans.jsonl events.jsonl
	[ "$status" -eq 2 ]
	[[ "$output" == *"plans.jsonl: a symbolic link: refused"* ]]
	[ -L plans.jsonl ]
	cmp real/plans.jsonl before
}

# ---------------------------------------------------------------- strict modes

@test "a state file others may write to is refused, with the fix named" {
	mkdir d
	make_files d
	for f in $SAVED; do
		chmod 0666 "d/$f"
	done
	writers d
	for cmd in "${WRITERS[@]}"; do
		run $cmd
		[ "$status" -eq 2 ] || { echo "$cmd: exit $status"; false; }
		[[ "$output" == *": writable by others (mode 0666, owner "*"--no-strict-modes"* ]] ||
		    { echo "$cmd: $output"; false; }
	done
	# Group-writable outside a shared folder: refused too.
	chmod 0660 d/plans.jsonl
	run retry-plan -n "$NOW" -s d/plans.jsonl events.jsonl
	[ "$status" -eq 2 ]
	[[ "$output" == *"writable by its group outside a group-shared (set-group-ID) folder"* ]]
}

@test "a folder others may write to is refused; sticky above it (/tmp) is fine" {
	mkdir open sticky group shared
	chmod 0777 open
	chmod 1777 sticky
	mkdir sticky/mine
	chmod 0770 group
	chmod 2770 shared
	for dir in open sticky; do
		run retry-plan -n "$NOW" -s "$dir/plans.jsonl" events.jsonl
		[ "$status" -eq 2 ]
		[[ "$output" == *"$dir: folder writable by others, who could plant files"* ]]
		[ ! -e "$dir/plans.jsonl" ]
	done
	run retry-plan -n "$NOW" -s group/plans.jsonl events.jsonl
	[ "$status" -eq 2 ]
	[[ "$output" == *"group: folder writable by its group but not set-group-ID"* ]]
	# A folder inside a sticky one, and a group-shared folder: fine.
	retry-plan -n "$NOW" -s sticky/mine/plans.jsonl events.jsonl >/dev/null
	retry-plan -n "$NOW" -s shared/plans.jsonl events.jsonl >/dev/null
	# Above the folder: an open folder lets others rename ours away.
	mkdir -p open/sub
	chmod 0700 open/sub
	run retry-plan -n "$NOW" -s open/sub/plans.jsonl events.jsonl
	[ "$status" -eq 2 ]
	[[ "$output" == *"/open: folder writable by others"* ]]
}

@test "a state file owned by another user is refused (not as a member of a shared folder)" {
	[ "$(id -u)" -eq 0 ] || skip "only root may give a file to another user"
	id nobody >/dev/null 2>&1 || skip "no user nobody"
	# Root's own folder, a file of nobody's in it: nobody could have it point
	# anywhere next time.
	mkdir d
	suppress -l d/list.jsonl -n "$NOW" add events.jsonl >/dev/null
	chown nobody d/list.jsonl
	run suppress -l d/list.jsonl -n "$NOW" add events.jsonl
	[ "$status" -eq 2 ]
	[[ "$output" == *"list.jsonl: owned by another user"* ]]
}

# ---------------------------------------------------------------- sandbox

@test "sandbox: what was not declared cannot be opened, run, traced or connected" {
	[ -n "${BK_UNIT_SANDBOX:-}" ] || skip "BK_UNIT_SANDBOX not set (run through make check)"
	mkdir u
	run "$BK_UNIT_SANDBOX" "$T/u"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *", 0 failed" ]]
}

# Whether this kernel gives the programs Landlock (bouncekit(7) SECURITY).
landlock() { bounce-parse -v /dev/null 2>&1 >/dev/null | grep -q '^bounce-parse: sandbox: Landlock ABI'; }

dsn() {	# a bounce for recipient $1
	printf 'From: MAILER-DAEMON@example.com\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\nDate: Fri, 27 Nov 2026 10:00:00 +0000\n\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\nFinal-Recipient: rfc822; %s\nAction: failed\nStatus: 5.1.1\n\n--b--\n' "$1"
}

@test "sandbox: bounce-parse cannot read a file outside the Maildir it was given, through a link in it" {
	landlock || skip "no Landlock in this kernel"
	mkdir -p md/cur md/new md/tmp private
	dsn inside@example.com >md/new/1
	dsn secret@example.com >private/2
	ln -s ../../private/2 md/new/2
	run bounce-parse md
	[ "$status" -eq 2 ]
	[[ "$output" == *'"rcpt":"inside@example.com"'* ]]
	[[ "$output" != *secret@* ]]
	[[ "$output" == *"Permission denied"* ]]
	# The same run without the sandbox follows the link: the test means it.
	run env BOUNCEKIT_SANDBOX=off bounce-parse md
	[[ "$output" == *'"rcpt":"secret@example.com"'* ]]
}

@test "sandbox: --verbose says once what is in place, for every program" {
	mkdir d
	for cmd in "bounce-parse -v mail.log" "bounce-parse -v -y 2026 -o d/offsets mail.log" \
	    "bounce-stats -v events.jsonl" "bounce-stats -v --recovery -s d/recovery.jsonl events.jsonl" \
	    "retry-plan -v -n $NOW -s d/plans.jsonl events.jsonl" \
	    "retry-due -v -n $LATER -s d/plans.jsonl" "suppress --verbose -l d/list.jsonl -n $NOW add events.jsonl" \
	    "suppress --verbose -l d/list.jsonl filter events.jsonl"; do
		run bash -c "$cmd 2>&1 >/dev/null | grep 'sandbox: '"
		[ "$(grep -c 'sandbox: \(Landlock ABI\|files not limited\)' <<<"$output")" -eq 1 ] ||
		    { echo "$cmd: $output"; false; }
		[ "$(grep -c 'sandbox: \(seccomp filter\|system calls not limited\)' <<<"$output")" -eq 1 ]
		run bash -c "BOUNCEKIT_SANDBOX=off $cmd 2>&1 >/dev/null | grep 'sandbox: '"
		[ "$output" = "${cmd%% *}: sandbox: off (BOUNCEKIT_SANDBOX=off)" ] || { echo "$output"; false; }
	done
	# io_uring only for a folder of messages, through rings set up before
	# (where the kernel has it).
	run bash -c "bounce-parse -v mail.log 2>&1 >/dev/null"
	[[ "$output" != *io_uring* ]]
	mkdir md
	run bash -c "bounce-parse -v md 2>&1 >/dev/null"
	[[ "$output" != *io_uring* || "$output" == *"io_uring only through the rings set up before (restricted to opening and reading)"* ]]
}

@test "sandbox: the state is still replaced, and no temporary file is left by a failed run" {
	landlock || skip "no Landlock in this kernel"
	mkdir d
	make_files d
	# stdout closed: retry-plan and retry-due fail before they save.
	retry-plan -n "$NOW" -s d/plans.jsonl events.jsonl >&- 2>/dev/null || true
	retry-due -n "$LATER" -s d/plans.jsonl >&- 2>/dev/null || true
	suppress -l d/list.jsonl -n "$NOW" add events.jsonl >&- 2>/dev/null || true
	bounce-parse -y 2026 -o d/offsets mail.log >&- 2>/dev/null || true
	bounce-stats --recovery -s d/recovery.jsonl events.jsonl >&- 2>/dev/null || true
	[ -z "$(find d -name '.*.??????')" ] || { find d; false; }
	for f in $SAVED; do
		jq -e . "d/$f" >/dev/null
	done
}

@test "--no-strict-modes: a file others may write to is used, and keeps its mode" {
	mkdir d
	make_files d
	chmod 0666 d/plans.jsonl d/list.jsonl d/offsets d/recovery.jsonl
	retry-plan --no-strict-modes -n "$NOW" -s d/plans.jsonl events.jsonl >/dev/null
	retry-due --no-strict-modes -n "$LATER" -s d/plans.jsonl >/dev/null
	suppress --no-strict-modes -l d/list.jsonl -n "$NOW" add events.jsonl >/dev/null
	bounce-parse --no-strict-modes -y 2026 -o d/offsets mail.log >/dev/null
	bounce-stats --recovery --no-strict-modes -s d/recovery.jsonl events.jsonl >/dev/null
	for f in $SAVED; do
		[ "$(mode "d/$f")" = 666 ]
	done
	# Where nothing is written it does not apply.
	run bounce-parse --no-strict-modes mail.log
	[ "$status" -eq 2 ]
	run bounce-stats --no-strict-modes events.jsonl
	[ "$status" -eq 2 ]
	run bounce-stats --recovery --no-strict-modes events.jsonl
	[ "$status" -eq 2 ]
}
