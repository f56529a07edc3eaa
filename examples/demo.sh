#!/bin/sh
# make demo: the whole pipeline on the bundled sample data, step by step.
# $1 is the folder of the built programs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
PATH="${1:-$here/../bin}:$PATH"
work=$(mktemp -d "${TMPDIR:-/tmp}/bouncekit-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
# The sample log is of late November 2026; a fixed clock keeps the demo stable.
now=2026-11-27T12:00:00Z
export TZ=UTC

step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "$2" >&2; }

step "Parse the sample mail log (Postfix, Exim, Sendmail) into events" \
    "bounce-parse --delivered --year 2026 examples/mail.log"
bounce-parse --delivered --year 2026 "$here/mail.log" > "$work/events.jsonl"
head -n 5 "$work/events.jsonl"
echo "... $(wc -l < "$work/events.jsonl") events" >&2

step "Parse the sample bounce emails" "bounce-parse examples/bounces/"
bounce-parse "$here/bounces" | tee "$work/email-events.jsonl"

step "Which domains are in trouble" "bounce-stats --by domain --format table"
bounce-stats --by domain --now "$now" --format table "$work/events.jsonl" "$work/email-events.jsonl"

step "Who is affected by full mailboxes and systems (a segment)" \
    "bounce-stats --segment systemfull,mailboxfull"
bounce-stats --segment systemfull,mailboxfull --now "$now" "$work/events.jsonl" "$work/email-events.jsonl"

step "Merge the events into the retry state" "retry-plan --state plans.jsonl --now $now"
cat "$work/events.jsonl" "$work/email-events.jsonl" |
    retry-plan --state "$work/plans.jsonl" --now "$now" > "$work/changed.jsonl"
cat "$work/changed.jsonl"

step "Pause exhausted addresses, suppress hard bounces" \
    "jq -c 'select(.state==\"exhausted\" or .state==\"failed\")' | suppress --list suppressed.jsonl add"
jq -c 'select(.state=="exhausted" or .state=="failed")' "$work/changed.jsonl" |
    suppress --list "$work/suppressed.jsonl" --now "$now" add

step "A day later, cron hands out the retries that are due" \
    "retry-due --state plans.jsonl --now 2026-11-28T13:00:00Z"
retry-due --state "$work/plans.jsonl" --now 2026-11-28T13:00:00Z
step "... and the next run hands out nothing twice" \
    "retry-due --state plans.jsonl --now 2026-11-28T13:05:00Z"
retry-due --state "$work/plans.jsonl" --now 2026-11-28T13:05:00Z
echo "(nothing)" >&2

step "Filter the next send against the suppression list" \
    "suppress --list suppressed.jsonl filter < examples/recipients.txt"
suppress --list "$work/suppressed.jsonl" --now "$now" filter "$here/recipients.txt"
