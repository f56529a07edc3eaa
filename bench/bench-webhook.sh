#!/bin/sh
# bounce-parse on ESP webhook JSON against jq doing the same extraction (the
# usual ad-hoc tool), and bounce-parse --offset-file on a grown log against
# parsing the whole log again; all measured in one run.
# BENCH_WEBHOOK_N events (default 500000) in a pretty-printed SendGrid batch;
# BENCH_OFFSET_MB (default 100) of Postfix log from gen-postfix-log.
# Usage: bench-webhook.sh [OUTDIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
out=${1:-${TMPDIR:-/tmp}}
n=${BENCH_WEBHOOK_N:-500000}
mb=${BENCH_OFFSET_MB:-100}
mkdir -p "$out"
batch="$out/wh-sendgrid-$n.json"

# A SendGrid batch as the webhook posts it, pretty-printed: one event in four
# a bounce, deferral or drop, the rest processed/delivered/open.
if [ ! -s "$batch" ]; then
	awk -v n="$n" 'BEGIN {
		srand(11); print "["
		split("processed delivered open deferred bounce dropped delivered open", ev, " ")
		for (i = 0; i < n; i++) {
			e = ev[int(rand() * 8) + 1]
			printf "  {\n    \"email\": \"user%d@d%d.example\",\n    \"timestamp\": %d,\n", i, i % 5000, 1795780800 + i
			printf "    \"smtp-id\": \"<%x.%d@ismtpd-1>\",\n    \"event\": \"%s\",\n", i * 7919, i, e
			printf "    \"sg_event_id\": \"ev%d\",\n    \"sg_message_id\": \"m%d.filter0001\",\n", i, i
			if (e == "bounce") printf "    \"type\": \"bounce\",\n    \"status\": \"5.1.1\",\n    \"reason\": \"550 5.1.1 user unknown\",\n"
			if (e == "dropped") printf "    \"reason\": \"Bounced Address\",\n    \"status\": \"5.0.0\",\n"
			if (e == "deferred" || e == "delivered") printf "    \"response\": \"%s\",\n", e == "deferred" ? "452 4.2.2 mailbox full" : "250 2.0.0 OK"
			printf "    \"category\": \"news\"\n  }%s\n", i + 1 < n ? "," : ""
		}
		print "]"
	}' >"$batch"
fi
size=$(wc -c <"$batch")
echo "data: SendGrid batch of $n events, pretty-printed ($size bytes)"

t0=$(now)
bounce-parse -f sendgrid "$batch" >"$out/wh-bk.jsonl"
t1=$(now)
jq -c '.[] | select(.event == "bounce" or .event == "deferred" or .event == "dropped")
    | {time: (.timestamp | todate), rcpt: .email, action: (if .event == "deferred" then "delayed" else "failed" end),
       status: .status, diag: (.reason // .response), msgid: ."smtp-id", qid: .sg_message_id}' \
    "$batch" >"$out/wh-jq.jsonl"
t2=$(now)
bk=$(secs "$t0" "$t1"); jqs=$(secs "$t1" "$t2")
echo "bounce-parse: $bk s ($(mbs "$size" "$bk") MB/s), $(wc -l <"$out/wh-bk.jsonl") events with reason and class"
echo "jq (fields only, no classification): $jqs s, $(wc -l <"$out/wh-jq.jsonl") events"
echo "ratio jq/bounce-parse: $(ratio "$jqs" "$bk")x"

# Growing log: the first run reads it all; a cron run after 1% more reads
# only the new part, against parsing the whole grown log again.
log="$out/wh-postfix-$mb.log"
[ -s "$log" ] || sh "$here/gen-postfix-log" "$mb" 7 >"$log"
lines=$(wc -l <"$log")
keep=$((lines * 99 / 100))
head -n "$keep" "$log" >"$out/wh-grow.log"
rm -f "$out/wh-offsets" "$out/wh-offsets.lock"
t0=$(now)
bounce-parse -y 2026 --offset-file "$out/wh-offsets" "$out/wh-grow.log" >/dev/null
t1=$(now)
tail -n +"$((keep + 1))" "$log" >>"$out/wh-grow.log"
t2=$(now)
bounce-parse -y 2026 --offset-file "$out/wh-offsets" "$out/wh-grow.log" >"$out/wh-incr.jsonl"
t3=$(now)
bounce-parse -y 2026 "$out/wh-grow.log" >/dev/null
t4=$(now)
first=$(secs "$t0" "$t1"); incr=$(secs "$t2" "$t3"); full=$(secs "$t3" "$t4")
echo "offset: first run over $(wc -c <"$out/wh-grow.log") bytes: $first s; after 1% more:" \
    "$incr s ($(wc -l <"$out/wh-incr.jsonl") new events); full re-parse: $full s;" \
    "ratio full/incremental: $(ratio "$full" "$incr")x"
