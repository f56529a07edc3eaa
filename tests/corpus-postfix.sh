#!/bin/sh
# Checks bounce-parse against the Postfix samples of postfix-grok-patterns:
# each YAML file holds one log message ("data:") and the fields that the grok
# pattern extracts ("results:"). For every sample that is a delivery outcome
# (a "to=" and a "status="), bounce-parse must report the queue id, the status
# mapped to an action, and the dsn= of the message.
# usage: corpus-postfix.sh DIR   (bounce-parse in PATH); prints one line per
# sample checked and a summary; exit 1 on any mismatch.
set -u
dir=${1:?usage: corpus-postfix.sh DIR}
checked=0 failed=0 skipped=0
tmp=${TMPDIR:-/tmp}/corpus-postfix.$$
trap 'rm -f "$tmp".*' EXIT

for y in "$dir"/*.yaml; do
	# data: "..." (YAML double-quoted: \" and \\ escapes) or data: plain
	awk '
	/^data: / {
		s = substr($0, 7)
		if (s ~ /^".*"$/) {
			s = substr(s, 2, length(s) - 2)
			gsub(/\\"/, "\"", s); gsub(/\\\\/, "\\", s)
		}
		print s; exit
	}' "$y" >"$tmp.data"
	field() {
		awk -v k="$1" '
		$1 == k":" { s = $0; sub(/^[^:]*: */, "", s); gsub(/^"|"$/, "", s); print s; exit }' "$y"
	}
	qid=$(field postfix_queueid)
	status=$(field postfix_status)
	# the message as syslog writes it; the agent name comes from the file name
	agent=$(basename "$y" .yaml | sed 's/_[0-9]*$//')
	{ printf 'Nov 27 10:00:00 mx postfix/%s[4242]: ' "$agent"; cat "$tmp.data"; } |
	    bounce-parse --delivered --year 2026 >"$tmp.out" 2>"$tmp.err"
	rc=$?
	if ! { grep -q 'status=' "$tmp.data" && grep -q '^[0-9A-Za-z]*: to=' "$tmp.data"; }; then
		# No outcome (smtpd rejects, qmgr, cleanup, ...; a qmgr "status=expired"
		# names no recipient): nothing written, nothing reported.
		if [ -s "$tmp.out" ] || [ "$rc" -ne 0 ]; then
			echo "FAIL $(basename "$y"): no outcome, but exit $rc and $(wc -l <"$tmp.out") events"
			failed=$((failed + 1))
		fi
		skipped=$((skipped + 1))
		continue
	fi
	dsn=$(sed -n 's/.*[ ,]dsn=\([0-9.]*\).*/\1/p' "$tmp.data")
	case $status in
	sent|deliverable) want=delivered ;;
	deferred) want=delayed ;;
	bounced|expired|undeliverable*) want=failed ;;
	'') want= ;;	# the sample does not name its status: not checked
	*) want=unknown ;;
	esac
	got=$(jq -r '[.qid, .action, (.status // "")] | @tsv' "$tmp.out")
	exp_qid=${qid:-$(sed 's/:.*//' "$tmp.data")}
	n=$(wc -l <"$tmp.out")
	checked=$((checked + 1))
	msg=
	[ "$rc" -eq 0 ] || msg="$msg exit $rc: $(cat "$tmp.err")"
	[ "$n" -eq 1 ] || msg="$msg events=$n"
	set -- $got
	[ "${1:-}" = "$exp_qid" ] || msg="$msg qid=${1:-} want $exp_qid"
	[ -z "$want" ] || [ "${2:-}" = "$want" ] || msg="$msg action=${2:-} want $want"
	[ "${3:-}" = "$dsn" ] || msg="$msg status=${3:-} want $dsn"
	# the bare message, as the grok pattern sees it, reads the same
	bare=$(bounce-parse --delivered --year 2026 -f postfix "$tmp.data" 2>&1 |
	    jq -r '[.qid, .action, (.status // "")] | @tsv' 2>&1)
	[ "$bare" = "$got" ] || msg="$msg bare message: $bare"
	if [ -n "$msg" ]; then
		echo "FAIL $(basename "$y"):$msg"
		failed=$((failed + 1))
	else
		echo "ok $(basename "$y") $exp_qid ${2:-} ${3:-}"
	fi
done
echo "checked $checked, failed $failed, $skipped without an outcome yield nothing"
[ "$failed" -eq 0 ] && [ "$checked" -gt 0 ]
