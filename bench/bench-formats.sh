#!/bin/sh
# The CSV and JSON readers of bounce-parse against what users would use for
# an ad-hoc look: mlr (miller) on a PowerMTA accounting file, jq on KumoMTA
# log records and on a SparkPost webhook batch, each extracting the same
# fields of the same records (bounce-parse also classifies each one), all in
# one run. Ratios by CPU time (user+system) and by wall time.
# BENCH_FORMATS_N records per input (default 400000).
# Usage: bench-formats.sh [OUTDIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
out=${1:-${TMPDIR:-/tmp}}
n=${BENCH_FORMATS_N:-400000}
mkdir -p "$out"

# run NAME CMD...: time one command (stdout to $out/NAME.out); sets $cpu, $wall
run() {
	name=$1
	shift
	/usr/bin/time -f "%e %U %S" -o "$out/$name.time" "$@" >"$out/$name.out"
	read -r wall u s <"$out/$name.time"
	cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
}
report() {	# what, bytes, bk cpu, bk wall, other tool, its cpu, its wall, events
	echo "$1 ($2 bytes): bounce-parse $3 s CPU, $4 s wall; $5 $6 s CPU, $7 s wall;" \
	    "ratio $(ratio "$6" "$3")x by CPU, $(ratio "$7" "$4")x by wall ($8 events)"
}

# ---- PowerMTA accounting CSV against mlr ----
acct="$out/fmt-acct-$n.csv"
if [ ! -s "$acct" ]; then
	awk -v n="$n" 'BEGIN {
		srand(17)
		print "type,timeLogged,timeQueued,orig,rcpt,orcpt,dsnAction,dsnStatus,dsnDiag,dsnMta,bounceCat,srcType,srcMta,dlvType,dlvSourceIp,dlvDestinationIp,dlvEsmtpAvailable,dlvSize,vmta,jobId,envId,queue,vmtaPool"
		split("d d d d t b b d", ty, " ")
		for (i = 0; i < n; i++) {
			t = ty[int(rand() * 8) + 1]
			s = 1795773600 + i
			st = t == "d" ? "2.0.0 (success)" : t == "t" ? "4.2.2 (mailbox full)" : "5.1.1 (bad destination mailbox address)"
			dg = t == "d" ? "smtp;250 2.0.0 OK" : t == "t" ? "smtp;452 4.2.2 Mailbox full" : "\"smtp;550 5.1.1 <user" i "@d" i % 5000 ".example>: Recipient address rejected, user unknown\""
			cat = t == "b" ? "bad-mailbox" : t == "t" ? "quota-issues" : ""
			printf "%s,%d,%d,news@sender.example,user%d@d%d.example,,%s,%s,%s,mx.d%d.example (198.51.100.%d),%s,smtp,app1,smtp,192.0.2.%d,198.51.100.%d,,2048,vmta-%d,job-1,env-%d,d%d.example/vmta-%d,pool-a\n",
			    t, s, s - 60, i, i % 5000, t == "d" ? "relayed" : t == "t" ? "delayed" : "failed", st, dg,
			    i % 5000, i % 250, cat, i % 8, i % 250, i % 8, i, i % 5000, i % 8
		}
	}' >"$acct"
fi
run fmt-acct-bk bounce-parse -f powermta "$acct"
bk_cpu=$cpu bk_wall=$wall
if ! command -v mlr >/dev/null 2>&1; then
	echo "PowerMTA CSV: bounce-parse $bk_cpu s CPU; mlr not installed (apt-get install miller), no ratio"
else
run fmt-acct-mlr mlr --icsv --ojsonl filter '$type == "b" || $type == "t"' \
    then put '$action = $type == "b" ? "failed" : "delayed"' \
    then cut -o -f timeLogged,rcpt,action,dsnStatus,dsnDiag,dsnMta,orig,envId,vmta "$acct"
report "PowerMTA CSV" "$(wc -c <"$acct")" "$bk_cpu" "$bk_wall" mlr "$cpu" "$wall" \
    "$(wc -l <"$out/fmt-acct-bk.out")"
[ "$(wc -l <"$out/fmt-acct-bk.out")" -eq "$(wc -l <"$out/fmt-acct-mlr.out")" ] ||
    echo "  (event counts differ: $(wc -l <"$out/fmt-acct-mlr.out") from mlr)"
fi

# ---- KumoMTA JSON log records against jq ----
kumo="$out/fmt-kumo-$n.jsonl"
if [ ! -s "$kumo" ]; then
	awk -v n="$n" 'BEGIN {
		srand(19)
		split("Delivery Delivery Delivery Reception TransientFailure Bounce Delivery Reception", ty, " ")
		for (i = 0; i < n; i++) {
			t = ty[int(rand() * 8) + 1]
			c = t == "Bounce" ? 550 : t == "TransientFailure" ? 452 : 250
			cl = int(c / 100); su = t == "Bounce" ? 1 : t == "TransientFailure" ? 2 : 0; de = t == "Bounce" ? 1 : t == "TransientFailure" ? 2 : 0
			txt = t == "Bounce" ? "Recipient address rejected: User unknown" : t == "TransientFailure" ? "Mailbox full" : "OK"
			printf "{\"type\":\"%s\",\"id\":\"%032x\",\"sender\":\"news@sender.example\",\"recipient\":\"user%d@d%d.example\",\"queue\":\"news:acme@d%d.example\",\"site\":\"pool-a->mx.d%d.example\",\"size\":2048,\"response\":{\"code\":%d,\"enhanced_code\":{\"class\":%d,\"subject\":%d,\"detail\":%d},\"content\":\"%s\",\"command\":\"RCPT TO\"},\"peer_address\":{\"name\":\"mx.d%d.example.\",\"addr\":\"198.51.100.%d\"},\"timestamp\":%d,\"created\":%d,\"num_attempts\":1,\"bounce_classification\":\"Uncategorized\",\"egress_pool\":\"pool-%d\",\"egress_source\":\"ip-%d\",\"feedback_report\":null,\"meta\":{},\"headers\":{},\"delivery_protocol\":\"ESMTP\",\"reception_protocol\":\"ESMTP\",\"nodeid\":\"557f3ad4-2c8c-11ee-976e-782d7e12e173\"}\n",
			    t, i * 7919, i, i % 5000, i % 5000, i % 5000, c, cl, su, de, txt, i % 5000, i % 250, 1795773600 + i, 1795773000 + i, i % 4, i % 16
		}
	}' >"$kumo"
fi
run fmt-kumo-bk bounce-parse -f kumomta "$kumo"
bk_cpu=$cpu bk_wall=$wall
run fmt-kumo-jq jq -c 'select(.type == "Bounce" or .type == "TransientFailure")
    | {time: (.timestamp | todate), rcpt: .recipient,
       action: (if .type == "Bounce" then "failed" else "delayed" end),
       status: "\(.response.enhanced_code.class).\(.response.enhanced_code.subject).\(.response.enhanced_code.detail)",
       code: .response.code, diag: .response.content, rhost: .peer_address.name,
       from: .sender, qid: .id, pool: .egress_pool}' "$kumo"
report "KumoMTA JSON lines" "$(wc -c <"$kumo")" "$bk_cpu" "$bk_wall" jq "$cpu" "$wall" \
    "$(wc -l <"$out/fmt-kumo-bk.out")"

# ---- a SparkPost webhook batch (nested objects, one array) against jq ----
sp="$out/fmt-sparkpost-$n.json"
if [ ! -s "$sp" ]; then
	awk -v n="$n" 'BEGIN {
		srand(23)
		split("delivery delivery open delay bounce delivery click delivery", ty, " ")
		print "["
		for (i = 0; i < n; i++) {
			t = ty[int(rand() * 8) + 1]
			cls = t == "bounce" ? "10" : t == "delay" ? "22" : ""
			r = t == "bounce" ? "550 5.1.1 <user" i "@d" i % 5000 ".example>: Recipient address rejected: User unknown" : t == "delay" ? "452 4.2.2 Mailbox full" : ""
			printf "{\"msys\":{\"%s\":{\"type\":\"%s\",\"bounce_class\":\"%s\",\"campaign_id\":\"winter\",\"customer_id\":\"1\",\"delv_method\":\"esmtp\",\"error_code\":\"%s\",\"event_id\":\"%d\",\"friendly_from\":\"news@sender.example\",\"ip_address\":\"198.51.100.%d\",\"ip_pool\":\"pool-%d\",\"message_id\":\"%020x\",\"msg_from\":\"bounces@sender.example\",\"rcpt_to\":\"user%d@d%d.example\",\"raw_rcpt_to\":\"user%d@d%d.example\",\"raw_reason\":\"%s\",\"reason\":\"%s\",\"rcpt_tags\":[\"a\",\"b\"],\"rcpt_meta\":{\"k\":\"v\"},\"timestamp\":\"%d\"}}}%s\n",
			    t == "open" || t == "click" ? "track_event" : "message_event", t, cls, substr(r, 1, 3), i, i % 250, i % 4, i * 104729, i, i % 5000, i, i % 5000, r, r, 1795773600 + i, i + 1 < n ? "," : ""
		}
		print "]"
	}' >"$sp"
fi
run fmt-sp-bk bounce-parse -f sparkpost "$sp"
bk_cpu=$cpu bk_wall=$wall
run fmt-sp-jq jq -c '.[] | .msys.message_event // empty | select(.type == "bounce" or .type == "delay")
    | {time: (.timestamp | tonumber | todate), rcpt: .rcpt_to,
       action: (if .type == "bounce" then "failed" else "delayed" end),
       code: .error_code, diag: .raw_reason, rhost: .ip_address, from: .msg_from,
       msgid: .message_id, pool: .ip_pool}' "$sp"
report "SparkPost webhook batch" "$(wc -c <"$sp")" "$bk_cpu" "$bk_wall" jq "$cpu" "$wall" \
    "$(wc -l <"$out/fmt-sp-bk.out")"

# ---- an ESP's bounce list: SendGrid's CSV download against mlr, its v3 JSON against jq ----
sgc="$out/fmt-sendgrid-$n.csv"
sgj="$out/fmt-sendgrid-$n.json"
if [ ! -s "$sgc" ] || [ ! -s "$sgj" ]; then
	awk -v n="$n" -v csv="$sgc" -v json="$sgj" 'BEGIN {
		srand(29)
		print "email,created,status,reason" >csv
		print "[" >json
		for (i = 0; i < n; i++) {
			full = rand() < 0.2
			st = full ? "5.2.2" : "5.1.1"
			r = full ? "552 5.2.2 The email account that you tried to reach is over quota" : "550 5.1.1 <user" i "@d" i % 5000 ".example>: Recipient address rejected: User unknown"
			printf "user%d@d%d.example,%d,%s,\"%s\"\n", i, i % 5000, 1795773600 + i, st, r >csv
			printf "{\"created\":%d,\"email\":\"user%d@d%d.example\",\"reason\":\"%s\",\"status\":\"%s\"}%s\n", 1795773600 + i, i, i % 5000, r, st, i + 1 < n ? "," : "" >json
		}
		print "]" >json
	}'
fi
run fmt-sgc-bk bounce-parse -f sendgrid "$sgc"
bk_cpu=$cpu bk_wall=$wall
if command -v mlr >/dev/null 2>&1; then
run fmt-sgc-mlr mlr --icsv --ojsonl put '$action = "failed"; $time = sec2gmt($created)' \
    then cut -o -f time,email,action,status,reason "$sgc"
report "SendGrid bounce list CSV" "$(wc -c <"$sgc")" "$bk_cpu" "$bk_wall" mlr "$cpu" "$wall" \
    "$(wc -l <"$out/fmt-sgc-bk.out")"
fi
run fmt-sgj-bk bounce-parse -f sendgrid "$sgj"
bk_cpu=$cpu bk_wall=$wall
run fmt-sgj-jq jq -c '.[] | {time: (.created | todate), rcpt: .email, action: "failed",
       status: .status, diag: .reason}' "$sgj"
report "SendGrid bounce list JSON" "$(wc -c <"$sgj")" "$bk_cpu" "$bk_wall" jq "$cpu" "$wall" \
    "$(wc -l <"$out/fmt-sgj-bk.out")"
