#!/bin/sh
# bounce-stats against the jq group-by that users would write instead, on the
# same generated events, in one run, and the cost of merging partial
# aggregates. BENCH_MB (default 200) sets the size.
# Usage: bench-stats.sh [OUTDIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
out=${1:-${TMPDIR:-/tmp}}
mb=${BENCH_MB:-200}
mkdir -p "$out"
data="$out/stats-events-$mb.jsonl"

# Realistic event records: a skewed spread over 3000 domains (a few big
# providers, a long tail), 200000 recipients, 30 days, the reasons and reply
# texts seen in practice.
if [ ! -s "$data" ]; then
	awk -v mb="$mb" 'BEGIN {
		srand(42);
		n = split("systemfull 4.3.1 452 452_4.3.1_Insufficient_system_storage delayed soft|" \
		    "mailboxfull 4.2.2 452 452_4.2.2_Mailbox_full,_try_again_later delayed soft|" \
		    "mailboxfull 5.2.2 552 552_5.2.2_Quota_exceeded_(mailbox_for_user_is_full) failed soft|" \
		    "userunknown 5.1.1 550 550_5.1.1_The_email_account_that_you_tried_to_reach_does_not_exist failed hard|" \
		    "speeding 4.7.28 421 421_4.7.28_Our_system_has_detected_an_unusual_rate_of_unsolicited_mail delayed soft|" \
		    "toomanyconn 4.7.0 421 421_4.7.0_Too_many_concurrent_SMTP_connections delayed soft|" \
		    "blocked 5.7.1 554 554_5.7.1_Service_unavailable;_Client_host_blocked_using_zen.spamhaus.org failed soft|" \
		    "networkerror 4.4.1 0 connect_to_mx:_Connection_timed_out delayed soft|" \
		    "delivered 2.0.0 250 250_2.0.0_Ok:_queued_as_4XyZ delivered none|" \
		    "hostunknown 5.1.2 0 Host_or_domain_name_not_found._Name_service_error failed hard", r, "|");
		for (i = 1; i <= n; i++) {
			split(r[i], f, " ");
			reason[i] = f[1]; st[i] = f[2]; code[i] = f[3]; diag[i] = f[4];
			act[i] = f[5]; cls[i] = f[6];
			gsub(/_/, " ", diag[i]);
		}
		# weights: mostly deferrals for full systems and deliveries
		split("18 10 6 14 6 5 6 8 22 5", w, " ");
		tot = 0; for (i = 1; i <= n; i++) { tot += w[i]; cw[i] = tot }
		limit = mb * 1048576; bytes = 0; k = 0;
		base = 1793232000;	# 2026-10-29: 30 days up to today
		while (bytes < limit) {
			u = rand();
			d = int(3000 * u * u * u);
			dom = (d < 5) ? sprintf("bigmail%d.example", d) : sprintf("d%d.example", d);
			rc = sprintf("user%d@%s", int(rand() * 200000), dom);
			x = rand() * tot;
			for (i = 1; i < n && cw[i] < x; i++) ;
			t = base + int(rand() * 30 * 86400);
			tm = strftime("%Y-%m-%dT%H:%M:%SZ", t, 1);
			codej = code[i] == 0 ? "null" : code[i];
			line = sprintf("{\"time\":\"%s\",\"rcpt\":\"%s\",\"domain\":\"%s\",\"action\":\"%s\",\"status\":\"%s\",\"code\":%s,\"reason\":\"%s\",\"class\":\"%s\",\"rhost\":\"mx%d.%s\",\"diag\":\"%s\",\"from\":\"news@sender.example\",\"msgid\":\"<%d.%d@sender.example>\",\"qid\":\"%X\",\"source\":\"postfix\",\"origin\":\"/var/log/mail.log:%d\"}",
			    tm, rc, dom, act[i], st[i], codej, reason[i], cls[i], d % 3, dom, diag[i], k, t, k + 65536, k + 1);
			print line;
			bytes += length(line) + 1;
			k++;
		}
	}' > "$data"
fi
size=$(wc -c < "$data")
lines=$(wc -l < "$data")
mbs=$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1048576 }')
echo "data: $mbs MB, $lines events ($data)"

# BENCH_JQ=0 skips jq (minutes on a busy machine): the partials only.
if [ "${BENCH_JQ:-1}" != 0 ]; then
t0=$(now)
rc=0
bounce-stats --by domain "$data" > "$out/stats-bk.jsonl" 2> "$out/stats-bk.err" || rc=$?
t1=$(now)
if [ "$rc" -ne 0 ]; then
	echo "bounce-stats failed (exit $rc):"; head -5 "$out/stats-bk.err"; exit 1
fi
# The same figures with jq: events, distinct recipients, deferrals, failures,
# reasons, statuses, first/last seen, distinct days, sorted by events.
jq -n -c 'reduce inputs as $e ({};
	.[$e.domain] |= (.events += 1
	  | .rcpts[$e.rcpt] = true
	  | .reasons[$e.reason] += 1
	  | (if $e.status then .statuses[$e.status] += 1 else . end)
	  | (if $e.action == "delayed" then .deferrals += 1
	     elif $e.action == "failed" then .failures += 1 else . end)
	  | .first = ([.first // $e.time, $e.time] | min)
	  | .last = ([.last // $e.time, $e.time] | max)
	  | .days[$e.time[0:10]] = true))
	| to_entries
	| map({domain: .key, events: .value.events, recipients: (.value.rcpts | length),
	    deferrals: (.value.deferrals // 0), failures: (.value.failures // 0),
	    reasons: .value.reasons, statuses: .value.statuses,
	    first_seen: .value.first, last_seen: .value.last, days: (.value.days | length)})
	| sort_by(-.events, .domain) | .[]' "$data" > "$out/stats-jq.jsonl"
t2=$(now)

bk=$(secs "$t0" "$t1")
jqs=$(secs "$t1" "$t2")
# Same groups and counts from both.
if [ "$(jq -c '[.domain, .events, .recipients, .deferrals, .failures, .days]' "$out/stats-bk.jsonl" | md5sum)" = \
    "$(jq -c '[.domain, .events, .recipients, .deferrals, .failures, .days]' "$out/stats-jq.jsonl" | md5sum)" ]; then
	agree=yes
else
	agree=NO
fi
awk -v mb="$mbs" -v bk="$bk" -v jq="$jqs" -v agree="$agree" 'BEGIN {
	printf "bounce-stats --by domain: %6.2f s  %7.1f MB/s\n", bk, (bk > 0 ? mb / bk : 0);
	printf "jq reduce group-by:       %6.2f s  %7.1f MB/s\n", jq, (jq > 0 ? mb / jq : 0);
	printf "ratio: bounce-stats is %.1fx faster than jq; same groups and counts: %s\n",
	    (bk > 0 ? jq / bk : 0), agree;
}'
fi

# Partial aggregates: the events in 16 parts (as 16 MTA hosts or archived
# logs would give them), a partial of each, then their merge, which must give
# the records of one run over them all. CPU time (user+sys of the programs),
# the fairer measure on shared cores, and wall time; the target is a merge
# under 10% of computing the partials.
if command -v python3 >/dev/null 2>&1; then
	# cpu COMMAND: "CPU-seconds wall-seconds" of COMMAND run by sh. The
	# children's time before it is taken off: a python3 started through a
	# wrapper (pyenv's shim) has children of its own, 0.4 s of them.
	cpu() {
		python3 -c 'import resource, subprocess, sys, time
def used():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
c = used()
t = time.monotonic()
subprocess.run(sys.argv[1], shell=True, check=True)
w = time.monotonic() - t
print("%.3f %.3f" % (used() - c, w))' "$1"
	}
	ref=2026-11-28T00:00:00Z
	rm -f "$out"/stats-part-*
	split -n l/16 -d "$data" "$out/stats-part-"
	part=$(cpu "for f in '$out'/stats-part-??; do bounce-stats --partial -n $ref \"\$f\" >\"\$f.p\"; done")
	merge=$(cpu "bounce-stats --merge '$out'/stats-part-??.p >'$out/stats-merged.jsonl'")
	one=$(cpu "bounce-stats -n $ref '$data' >'$out/stats-one.jsonl'")
	if cmp -s "$out/stats-one.jsonl" "$out/stats-merged.jsonl"; then same=yes; else same=NO; fi
	psize=$(cat "$out"/stats-part-??.p | wc -c)
	load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")
	awk -v p="$part" -v m="$merge" -v o="$one" -v same="$same" -v ps="$psize" -v load="$load" 'BEGIN {
		split(p, pp, " "); split(m, mm, " "); split(o, oo, " ");
		printf "16 partials: %.2f s CPU, %.2f s wall (%.1f MB of partials); merging them: %.2f s CPU, %.2f s wall = %.1f%% of computing them by CPU, %.1f%% by wall (target < 10%%); one run over all: %.2f s CPU; merged = one run: %s; load %s\n",
		    pp[1], pp[2], ps / 1048576, mm[1], mm[2], (pp[1] > 0 ? 100 * mm[1] / pp[1] : 0),
		    (pp[2] > 0 ? 100 * mm[2] / pp[2] : 0), oo[1], same, load;
	}'
	rm -f "$out"/stats-part-*
fi
