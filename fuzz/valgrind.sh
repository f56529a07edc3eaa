#!/bin/sh
# make valgrind: every program on a representative set of inputs (the test
# fixtures, samples of tests/corpus, hostile inputs made here), and every
# fuzz corpus through the replay harnesses, under valgrind's memcheck. Any
# memory error or definite/indirect leak fails the run.
#   sh fuzz/valgrind.sh BIN-FOLDER REPLAY-FOLDER     (VG_VERBOSE=1: each exit status)
# The programs exit 1 and 2 on purpose, so valgrind reports with its own exit
# status (99) and its log is checked as well.
set -u
cd "$(dirname "$0")/.." || exit 2
BIN=${1:?usage: valgrind.sh bin-folder replay-folder}
REPLAY=${2:?usage: valgrind.sh bin-folder replay-folder}
CORPUS=$(pwd)/tests/corpus
FIX=$(pwd)/tests/fixtures
VGCODE=99

if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind: not installed (apt-get install valgrind)" >&2
	exit 2
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/bk-valgrind.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT INT TERM
export TZ=UTC
PATH="$BIN:$PATH"

runs=0
failed=0
# vg CMD ARGS...: stdin and stdout are the caller's; stderr goes to a log.
vg() {
	runs=$((runs + 1))
	log="$T/vg.$runs"
	valgrind -q --error-exitcode=$VGCODE --suppressions="$(pwd)/fuzz/valgrind.supp" --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
	    --track-origins=yes --log-file="$log" "$@" 2>"$T/stderr.$runs"
	rc=$?
	[ -n "${VG_VERBOSE:-}" ] && echo "valgrind: exit $rc: $*" >&2
	if [ $rc -eq $VGCODE ] || [ $rc -gt 128 ] || [ -s "$log" ]; then
		failed=$((failed + 1))
		echo "valgrind: FAILED (exit $rc): $*" >&2
		head -60 "$log" >&2
	fi
	return 0
}

corpus_sample() {	# a few files of a folder of tests/corpus
	[ -d "$CORPUS/$1" ] && ls "$CORPUS/$1" | grep -v LICENSE | awk -v n="$2" 'NR % n == 1' |
	    sed "s|^|$CORPUS/$1/|"
}

# ---- hostile inputs, small enough for valgrind's speed
head -c 65536 /dev/urandom >"$T/random"
awk 'BEGIN {
	print "From: MAILER-DAEMON@example.com\nMIME-Version: 1.0"
	print "Content-Type: multipart/mixed; boundary=\"b0\"\n"
	for (i = 0; i < 200; i++) print "--b" i "\nContent-Type: multipart/mixed; boundary=\"b" (i + 1) "\"\n"
	print "--b200\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; deep@example.com\nAction: failed\nStatus: 5.1.1\n"
}' >"$T/nested.eml"
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "["; print "" }' >"$T/deep.json"
printf '{"eventType":"Bounce","bounce":{"bouncedRecipients":[{"emailAddress":"' >"$T/open.json"

# ---- bounce-parse
vg bounce-parse --explain 4.2.2 >/dev/null
for f in "$FIX"/logs/*.log examples/mail.log; do
	[ -f "$f" ] && vg bounce-parse -y 2026 "$f" >/dev/null
done
for f in "$FIX"/webhook/*; do vg bounce-parse "$f" >/dev/null; done
for f in $(corpus_sample email 15) $(corpus_sample not-bounce 3); do
	vg bounce-parse -f email "$f" >/dev/null
done
for f in $(corpus_sample exim-testsuite 30) $(corpus_sample noise-fail2ban 2); do
	vg bounce-parse -y 2026 "$f" >/dev/null
done
for f in $(corpus_sample email 40); do
	printf 'From MAILER-DAEMON Fri Nov 27 10:00:00 2026\n'
	sed 's/^From />From /' "$f"
	echo
done >"$T/sample.mbox"
vg bounce-parse -f mbox "$T/sample.mbox" >/dev/null
mkdir -p "$T/maildir/cur" "$T/maildir/new" "$T/maildir/tmp"
for f in $(corpus_sample email 60); do cp "$f" "$T/maildir/new/"; done
vg bounce-parse -j 1 "$T/maildir" >/dev/null
vg bounce-parse -j 3 "$T/maildir" >/dev/null	# threads: their buffers freed as they end
for f in "$T/random" "$T/nested.eml" "$T/deep.json" "$T/open.json"; do
	vg bounce-parse "$f" >/dev/null
	vg bounce-parse -f email "$f" >/dev/null
done
cp "$FIX/logs/postfix.log" "$T/grow.log"
vg bounce-parse -y 2026 -o "$T/offsets" "$T/grow.log" >/dev/null
cat "$FIX/logs/postfix.log" >>"$T/grow.log"
vg bounce-parse -y 2026 -o "$T/offsets" "$T/grow.log" >/dev/null

# ---- events for the others
{
	cat "$FIX"/retry/events.jsonl "$FIX"/stats/events.jsonl "$FIX"/suppress/events.jsonl
	for f in $(corpus_sample email 10); do bounce-parse -f email "$f" 2>/dev/null; done
} >"$T/events.jsonl" 2>/dev/null
# Records that parse as JSON but are no events are where leaks hide.
printf '{"a":\n%s\n{"rcpt":"\\ud800@x.example"}\n{"action":"failed"}\n{"rcpt":"no-address","action":"failed"}\n{"rcpt":["x"]}\n' \
    "$(head -c 200 "$T/deep.json")" >"$T/bad.jsonl"
cat "$T/events.jsonl" "$T/bad.jsonl" >"$T/mixed.jsonl"

# ---- retry-plan and retry-due
vg retry-plan --print-policy >/dev/null
[ -f "$FIX/retry/policy" ] && vg retry-plan -p "$FIX/retry/policy" --print-policy >/dev/null
[ -f "$FIX/retry/policy-bad" ] && vg retry-plan -p "$FIX/retry/policy-bad" --print-policy >/dev/null
vg retry-plan -n 2026-11-28T00:00:00Z -s "$T/state.jsonl" "$T/events.jsonl" >/dev/null
vg retry-plan -n 2026-11-28T00:00:00Z -s "$T/state.jsonl" "$T/mixed.jsonl" >/dev/null
vg retry-plan -n 2026-11-28T00:00:00Z -D -v "$T/mixed.jsonl" >/dev/null
vg retry-due -n 2026-12-30T00:00:00Z -s "$T/state.jsonl" --dry-run >/dev/null
vg retry-due -n 2026-12-30T00:00:00Z -s "$T/state.jsonl" -L 2 >/dev/null
vg retry-due -n 2026-12-30T00:00:00Z -s "$T/state.jsonl" >/dev/null
[ -f "$FIX/retry/state-bad.jsonl" ] && cp "$FIX/retry/state-bad.jsonl" "$T/state-bad.jsonl" &&
    vg retry-due -n 2026-12-30T00:00:00Z -s "$T/state-bad.jsonl" >/dev/null

# .db stores (SQLite): a new store (made without a log), the second run that
# puts it in WAL mode, claims, a read-only run, and a commit past 4096 pages
# that copies the log into the store at exit and starts it again (sqldb.c).
vg retry-plan -n 2026-11-28T00:00:00Z -s "$T/state.db" "$T/events.jsonl" >/dev/null
vg retry-plan -n 2026-11-28T00:00:00Z -s "$T/state.db" "$T/mixed.jsonl" >/dev/null
vg retry-due -n 2026-12-30T00:00:00Z -s "$T/state.db" -L 2 >/dev/null
vg retry-due -n 2026-12-30T00:00:00Z -s "$T/state.db" --dry-run >/dev/null
vg retry-plan -s "$T/state.db" --dump >/dev/null
# long_log DB: 6,200 commits in DB's log, copied into it by no one (more than
# 4096 pages, past its 24 MB limit): the next run that commits copies the log
# into the store at its exit and starts it again (sqldb.c, log_restart).
long_log() {
	command -v sqlite3 >/dev/null 2>&1 || return 0
	v=$(sqlite3 "$1" 'PRAGMA user_version')
	{
		echo '.dbconfig no_ckpt_on_close on'
		echo 'PRAGMA synchronous = OFF;'
		echo 'PRAGMA wal_autocheckpoint = 0;'
		awk -v v="$v" 'BEGIN { for (i = 0; i < 6200; i++) print "PRAGMA user_version = " v ";" }'
	} | sqlite3 "$1" >/dev/null
}
# restarted DB: the run before did start its log again (one page in it).
restarted() {
	command -v sqlite3 >/dev/null 2>&1 || return 0
	if [ "$(sqlite3 "$1" 'PRAGMA wal_checkpoint')" != "0|1|1" ]; then
		failed=$((failed + 1))
		echo "valgrind: $1: the log was not started again at the run's exit" >&2
	fi
}
long_log "$T/state.db"
printf '%s\n' '{"time":"2026-11-28T10:00:00Z","rcpt":"log@restart.example","action":"failed","status":"4.2.2","reason":"mailboxfull","class":"soft","source":"postfix"}' >"$T/one.jsonl"
vg retry-plan -n 2026-11-28T00:00:00Z -s "$T/state.db" "$T/one.jsonl" >/dev/null
restarted "$T/state.db"
long_log "$T/state.db"
vg retry-due -n 2026-12-30T00:00:00Z -s "$T/state.db" -L 1 >/dev/null
restarted "$T/state.db"

# ---- suppress
L="$T/list.jsonl"
vg suppress -l "$L" -n 2026-11-28T00:00:00Z add "$T/mixed.jsonl" >/dev/null
vg suppress -l "$L" -n 2026-11-28T00:00:00Z add "$T/state.jsonl" >/dev/null
echo '@example.org' | vg suppress -l "$L" -n 2026-11-28T00:00:00Z -T 2d add >/dev/null
vg suppress -l "$L" list >/dev/null
vg suppress -l "$L" -a list >/dev/null
vg suppress -l "$L" -i filter "$FIX/suppress/recipients.txt" "$T/random" >/dev/null
vg suppress -l "$L" -I filter "$FIX/suppress/recipients.txt" >/dev/null
vg suppress -l "$L" check nobody@example.net someone@example.org >/dev/null
vg suppress -l "$L" remove nobody@example.net >/dev/null
vg suppress -l "$L" remove <"$T/bad.jsonl" >/dev/null
vg suppress -l "$L" -n 2027-06-01T00:00:00Z expire >/dev/null
D="$T/list.db"
vg suppress -l "$D" -n 2026-11-28T00:00:00Z add "$T/mixed.jsonl" >/dev/null
vg suppress -l "$D" -n 2026-11-28T00:00:00Z add "$T/state.jsonl" >/dev/null
vg suppress -l "$D" list >/dev/null
vg suppress -l "$D" -i filter "$FIX/suppress/recipients.txt" >/dev/null
vg suppress -l "$D" check nobody@example.net someone@example.org >/dev/null
vg suppress -l "$D" remove nobody@example.net >/dev/null
vg suppress -l "$D" -n 2027-06-01T00:00:00Z expire >/dev/null
vg retry-due -n 2026-12-30T00:00:00Z -s "$T/state.db" -l "$D" >/dev/null
long_log "$D"
vg suppress -l "$D" -n 2026-11-28T00:00:00Z add "$T/one.jsonl" >/dev/null
restarted "$D"
[ -f "$FIX/suppress/list-bad.jsonl" ] && cp "$FIX/suppress/list-bad.jsonl" "$T/list-bad.jsonl" &&
    vg suppress -l "$T/list-bad.jsonl" list >/dev/null

# ---- bounce-stats
vg bounce-stats "$T/mixed.jsonl" >/dev/null
vg bounce-stats -f table "$T/events.jsonl" >/dev/null
vg bounce-stats -b rhost -t 3 "$T/events.jsonl" >/dev/null
vg bounce-stats -b day -A 2026-01-01T00:00:00Z -u 2027-01-01T00:00:00Z "$T/events.jsonl" >/dev/null
vg bounce-stats -G systemfull,mailboxfull "$T/events.jsonl" >/dev/null

# ---- every fuzz corpus through its harness (the replay forks; valgrind
# follows the children, and the replay finds and shows a failing input)
for h in "$REPLAY"/fuzz_*; do
	[ -x "$h" ] || continue
	name=$(basename "$h")
	vg "$h" "fuzz/corpus/${name#fuzz_}"
done

if [ $failed -gt 0 ]; then
	echo "valgrind: $failed of $runs runs had memory errors or leaks" >&2
	exit 1
fi
echo "valgrind: $runs runs, no memory errors, no leaks"
