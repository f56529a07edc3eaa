#!/bin/sh
# The whole bouncekit pipeline, for cron or a systemd timer (see crontab,
# bouncekit.service, bouncekit.timer). Each run:
#  1. new mail log lines -> events, appended to a spool (bounce-parse saves its
#     offsets only after the events are written, so nothing is skipped);
#  2. the spool -> retry plans (retry-plan); the spool is emptied only when
#     that worked: feeding events twice changes nothing, so a failed run is
#     simply repeated by the next one;
#  3. exhausted plans (pause suggested by the policy) and hard failures
#     (permanent) -> the suppression list; ended pauses expire;
#  4. the retries due -> outbox.jsonl (or the command in RESEND), minus the
#     addresses that are suppressed; retry-due claims them first, and a claim
#     that is never confirmed in the log is handed out again after 6h;
#  5. per-domain statistics for the volume advice.
# Settings (environment): BOUNCEKIT_DIR, MAIL_LOG, POLICY, RESEND, DUE_LIMIT.
# Exit status: 0, or that of the first step that failed (cron mails the output).
set -u
dir=${BOUNCEKIT_DIR:-/var/lib/bouncekit}
log=${MAIL_LOG:-/var/log/mail.log}
policy=${POLICY:-/etc/bouncekit/policy}
limit=${DUE_LIMIT:-1000}
umask 027
mkdir -p "$dir" || exit 2
cd "$dir" || exit 2
status=0
fail() {
	echo "bouncekit-pipeline: $1 failed (exit $2)" >&2
	[ "$status" -ne 0 ] || status=$2
}

policy_opt=
[ -r "$policy" ] && policy_opt="--policy $policy"

# 1. New log lines to events (deliveries too: they close plans and confirm claims).
bounce-parse --delivered --offset-file mail.offsets "$log" >>events.spool ||
    fail bounce-parse $?

# 2. Events to plans; the plans that changed are kept for the next steps.
if [ -s events.spool ]; then
	# shellcheck disable=SC2086
	if retry-plan --wait --state plans.jsonl $policy_opt events.spool >changed.jsonl; then
		cat events.spool >>events.log && : >events.spool
	else
		fail retry-plan $?	# the spool stays and is fed again next time
	fi
else
	: >changed.jsonl
fi

# 3. Pause exhausted addresses for the pause their rule suggests; hard
# failures are suppressed for good. Then drop the pauses that ended.
jq -c 'select(.state=="exhausted" or .state=="failed")' changed.jsonl |
    suppress --list suppressed.jsonl add --wait >/dev/null || fail "suppress add" $?
suppress --list suppressed.jsonl expire --wait >/dev/null || fail "suppress expire" $?

# 4. The retries due, claimed in the state before they are written out.
if retry-due --wait --state plans.jsonl --limit "$limit" >due.jsonl; then
	if [ -s due.jsonl ]; then
		if [ -n "${RESEND:-}" ]; then
			suppress --list suppressed.jsonl filter due.jsonl | sh -c "$RESEND" ||
			    fail resend $?
		else
			suppress --list suppressed.jsonl filter due.jsonl >>outbox.jsonl ||
			    fail "suppress filter" $?
		fi
	fi
else
	fail retry-due $?
fi

# 5. Which domains are often full or failing, from the events read so far
# (events.log: rotate it with logrotate(8) to bound the window).
if [ -s events.log ]; then
	if bounce-stats --by domain events.log >stats.jsonl.new; then
		mv stats.jsonl.new stats.jsonl
	else
		fail bounce-stats $?
	fi
fi
exit "$status"
