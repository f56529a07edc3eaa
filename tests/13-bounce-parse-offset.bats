#!/usr/bin/env bats
# bounce-parse --offset-file: cron runs over a growing, rotating log read each
# line exactly once (at least once after a crash).

load helper

setup() {
	D="$BATS_TEST_TMPDIR"
	LOG="$D/mail.log"
	OFF="$D/offsets"
	ALL="$D/all.log"	# every line in the order written: the reference
	OUT="$D/out.jsonl"	# the outputs of all runs, concatenated
	: >"$ALL"
	: >"$OUT"
}

# A Postfix deferral for recipient rN.
logline() {
	printf 'Nov 27 10:%02d:%02d mx postfix/smtp[123]: 4bP2Fq%06d: to=<r%d@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=4.3.1, status=deferred (host mx.example.com[192.0.2.1] said: 452 4.3.1 Insufficient system storage (in reply to RCPT TO command))\n' \
	    $(($1 / 60 % 60)) $(($1 % 60)) "$1" "$1"
}

# Appends lines FROM..TO to the log and to the reference.
grow() {
	for ((i = $1; i <= $2; i++)); do logline "$i"; done | tee -a "$ALL" >>"$LOG"
}

# One cron run; its events are added to OUT.
cronrun() {
	bounce-parse --offset-file "$OFF" "$@" "$LOG" >>"$OUT"
}

# The concatenated outputs equal one parse of the whole log, in order.
same_as_one_parse() {
	bounce-parse "$ALL" | jq -c 'del(.origin)' >"$D/want"
	jq -c 'del(.origin)' "$OUT" >"$D/got"
	[ -s "$D/want" ]
	diff "$D/want" "$D/got"
}

@test "offset: a growing log is read once, in order, across runs" {
	grow 1 3
	run cronrun
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$OUT")" -eq 3 ]
	run cronrun
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$OUT")" -eq 3 ]	# nothing new, nothing out
	grow 4 10
	run cronrun
	[ "$status" -eq 0 ]
	# line numbers count from the file's start, across runs
	[ "$(sed -n 4p "$OUT" | jqr .origin)" = "$LOG:4" ]
	same_as_one_parse
	# the offset file: one JSON line per path, the offset at the end of the log
	[ "$(grep -c "\"path\"" "$OFF")" -eq 1 ]
	[ "$(jq -r "select(.path) | .path" "$OFF")" = "$LOG" ]
	[ "$(jq -r "select(.path) | .offset" "$OFF")" -eq "$(wc -c <"$LOG")" ]
	[ "$(jq -r "select(.path) | .ino" "$OFF")" -eq "$(stat -c %i "$LOG")" ]
	[ -z "$(find "$D" -name '.offsets.*')" ]	# no temporary file left
}

@test "offset: a partial last line waits for its newline" {
	grow 1 2
	logline 3 | tee -a "$ALL" | head -c 60 >>"$LOG"
	run cronrun
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$OUT")" -eq 2 ]
	[ "$(jq -r "select(.path) | .offset" "$OFF")" -eq "$(($(wc -c <"$LOG") - 60))" ]
	logline 3 | tail -c +61 >>"$LOG"
	grow 4 4
	run cronrun
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$OUT")" -eq 4 ]
	same_as_one_parse
}

@test "offset: rotation by rename, then with gzip compression, then twice between runs" {
	grow 1 3
	cronrun
	# rename rotation; the old file got more lines (and a partial one) after the run
	grow 4 5
	logline 6 | tee -a "$ALL" | head -c 50 >>"$LOG"
	cronrun
	logline 6 | tail -c +51 >>"$LOG"
	grow 7 7
	mv "$LOG" "$LOG.1"
	grow 8 9
	run cronrun
	[ "$status" -eq 0 ]
	# compression: logrotate renames, gzips the rotated file (a new inode), creates a new log
	grow 10 11
	mv "$LOG.1" "$LOG.2"
	mv "$LOG" "$LOG.1"
	gzip "$LOG.1"
	grow 12 13
	run cronrun
	[ "$status" -eq 0 ]
	[ -f "$LOG.1.gz" ]
	# two rotations between runs (dateext, compressed): both generations are read
	grow 14 15
	mv "$LOG" "$LOG-20261126"
	grow 16 17
	gzip "$LOG-20261126"
	mv "$LOG" "$LOG-20261127"
	grow 18 19
	run cronrun
	[ "$status" -eq 0 ]
	same_as_one_parse
	[ "$(wc -l <"$OUT")" -eq 19 ]
}

@test "offset: two rotations between runs with delaycompress: generations by number, not mtime" {
	grow 1 2
	cronrun
	grow 3 3
	mv "$LOG" "$LOG.1"		# first rotation
	grow 4 5
	mv "$LOG.1" "$LOG.2"		# second rotation; delaycompress gzips the older one now
	gzip "$LOG.2"
	mv "$LOG" "$LOG.1"
	grow 6 6
	# the compressed file looks newest by time: the numbers must decide
	touch -d '2026-11-27 12:00' "$LOG.2.gz"
	touch -d '2026-11-27 11:00' "$LOG.1"
	touch -d '2026-11-27 09:00' "$LOG"
	run cronrun
	[ "$status" -eq 0 ]
	same_as_one_parse
}

@test "offset: rotated and not yet recreated: the old file's tail, then the new file" {
	grow 1 2
	cronrun
	grow 3 4
	mv "$LOG" "$LOG.1"
	run cronrun
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$OUT")" -eq 4 ]
	# compressed meanwhile, and the new log appears
	gzip "$LOG.1"
	grow 5 5
	run cronrun
	[ "$status" -eq 0 ]
	same_as_one_parse
	# nothing at all under the path nor its rotated names: an error
	rm "$LOG" "$LOG.1.gz"
	run bounce-parse --offset-file "$OFF" "$LOG"
	[ "$status" -eq 2 ]
	[[ "$output" == *"mail.log: no such file"* ]]
}

@test "offset: a log empty at the last run, then filled, rotated and compressed" {
	: >"$LOG"
	run cronrun
	[ "$status" -eq 0 ]
	[ "$(jq -r "select(.path) | .head_len" "$OFF")" -eq 0 ]	# nothing to recognise it by later
	sleep 0.05
	grow 1 3
	mv "$LOG" "$LOG.1"
	gzip "$LOG.1"
	grow 4 4
	# an older generation, written before that run: not read again
	logline 999 >"$D/old"
	touch -d '2026-01-01' "$D/old"
	gzip -c "$D/old" >"$LOG.2.gz"
	touch -d '2026-01-01' "$LOG.2.gz"
	run cronrun
	[ "$status" -eq 0 ]
	same_as_one_parse
}

@test "offset: a truncated log is read from the start, with a warning" {
	grow 1 3
	cronrun
	# copytruncate: the copy keeps the lines written after the last run
	grow 4 5
	cp "$LOG" "$LOG.1"
	: >"$LOG"
	grow 6 6
	run cronrun
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$OUT")" -eq 6 ]
	# plain truncation to a shorter file, nothing copied
	: >"$LOG"
	rm "$LOG.1"
	grow 7 7
	run cronrun
	[ "$status" -eq 0 ]
	[[ "$output" == *"mail.log: truncated since the last run; reading it from the start"* ]]
	same_as_one_parse
}

@test "offset: a failed write leaves the offsets unchanged; the next run repeats" {
	grow 1 3
	cronrun
	cp "$OFF" "$D/before"
	grow 4 6
	run bash -c 'bounce-parse --offset-file "$1" "$2" >/dev/full' _ "$OFF" "$LOG"
	[ "$status" -eq 2 ]
	[[ "$output" == *"not updated"* || "$output" == *"write error"* ]]
	cmp "$OFF" "$D/before"
	# at least once: the lines of the failed run come out now
	run cronrun
	[ "$status" -eq 0 ]
	same_as_one_parse
	# a larger run fails while writing: still nothing skipped
	cp "$OFF" "$D/before"
	grow 7 400
	run bash -c 'bounce-parse --offset-file "$1" "$2" >/dev/full' _ "$OFF" "$LOG"
	[ "$status" -eq 2 ]
	cmp "$OFF" "$D/before"
	cronrun
	same_as_one_parse
}

@test "offset: --rotated finds the old file under another name" {
	grow 1 2
	cronrun
	grow 3 4
	mkdir "$D/archive"
	mv "$LOG" "$D/archive/mail-old.log"
	grow 5 5
	# without the glob the old file is not found: reported, exit 2
	cp "$OFF" "$D/saved"
	run bounce-parse --offset-file "$OFF" "$LOG"
	[ "$status" -eq 2 ]
	[[ "$output" == *"not found among its rotated names"* ]]
	cp "$D/saved" "$OFF"
	run cronrun --rotated "$D/archive/*.log"
	[ "$status" -eq 0 ]
	same_as_one_parse
}

@test "offset: several logs, one offset file; progress only on a terminal" {
	LOG2="$D/other.log"
	grow 1 2
	logline 50 >"$LOG2"
	run bounce-parse --progress --offset-file "$OFF" "$LOG" "$LOG2"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^{' <<<"$output")" -eq 3 ]
	[ "$(grep -vc '^{' <<<"$output")" -eq 0 ]	# stderr is no terminal: no progress line
	[ "$(grep -c "\"path\"" "$OFF")" -eq 2 ]
	logline 51 >>"$LOG2"
	run bounce-parse --offset-file "$OFF" "$LOG2"
	[ "$(jqr .rcpt <<<"$output")" = "r51@example.com" ]
	[ "$(grep -c "\"path\"" "$OFF")" -eq 2 ]	# the entry of the log not named is kept
}

@test "offset: --progress on a terminal shows bytes, rate and events, then clears the line" {
	command -v script >/dev/null || skip "script(1) is not installed"
	grow 1 20
	run script -qec "bounce-parse --progress --offset-file '$OFF' '$LOG' >'$D/p.out'" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"MB read"*"MB/s"*"events"* ]]
	[[ "$output" == *$'\r\033[K' ]]
	[ "$(wc -l <"$D/p.out")" -eq 20 ]
}

@test "offset: bad offset files, missing logs and wrong formats are errors" {
	grow 1 1
	echo 'not json' >"$OFF"
	run bounce-parse --offset-file "$OFF" "$LOG"
	[ "$status" -eq 2 ]
	[[ "$output" == *"offsets:1:"* ]]
	[[ "$output" != *'{"time"'* ]]	# nothing read
	[ "$(cat "$OFF")" = "not json" ]
	rm "$OFF"
	run bounce-parse --offset-file "$OFF" "$D/no-such.log"
	[ "$status" -eq 2 ]
	[[ "$output" == *"no-such.log"* ]]
	run bounce-parse --offset-file "$OFF"
	[ "$status" -eq 2 ]
	[[ "$output" == *usage:* ]]
	run bounce-parse -f ses --offset-file "$OFF" "$LOG"
	[ "$status" -eq 2 ]
}

# logrotate's ways, numbered: create or copytruncate; no compression,
# compression at once, or delaycompress. Random growth, half-written lines,
# rotations (several between runs at times) and runs, from a fixed seed.
simulate() {
	local mode=$1 comp=$2 partial=0 n=0 k r
	RANDOM=$3
	: >"$LOG"
	cronrun
	finish() { if [ "$partial" = 1 ]; then logline "$n" | tail -c +41 >>"$LOG"; partial=0; fi; }
	for step in $(seq 1 50); do
		r=$((RANDOM % 10))
		if [ "$r" -lt 5 ]; then
			finish
			grow $((n + 1)) $((n + RANDOM % 4))
			n=$(wc -l <"$ALL")
			if [ $((RANDOM % 3)) = 0 ]; then
				n=$((n + 1))
				logline "$n" | tee -a "$ALL" | head -c 40 >>"$LOG"
				partial=1
			fi
		elif [ "$r" -lt 7 ]; then
			finish
			for ((k = 49; k >= 1; k--)); do
				[ ! -e "$LOG.$k" ] || mv "$LOG.$k" "$LOG.$((k + 1))"
				[ ! -e "$LOG.$k.gz" ] || mv "$LOG.$k.gz" "$LOG.$((k + 1)).gz"
			done
			if [ "$mode" = copy ]; then cp "$LOG" "$LOG.1"; : >"$LOG"; else mv "$LOG" "$LOG.1"; : >"$LOG"; fi
			[ "$comp" != now ] || gzip "$LOG.1"
			[ "$comp" != delay ] || [ ! -e "$LOG.2" ] || gzip "$LOG.2"
		else
			cronrun
		fi
		sleep 0.01	# file times are coarse: runs apart from writes, as cron's are
	done
	finish
	cronrun
}

@test "offset: random growth and logrotate in all its ways: every line exactly once" {
	for cfg in "create none 1" "create now 2" "create delay 3" "copy now 4" "copy none 5"; do
		rm -f "$D"/mail.log* "$OFF"
		: >"$ALL"
		: >"$OUT"
		simulate $cfg
		[ "$(wc -l <"$ALL")" -gt 20 ]
		[ "$(ls "$D"/mail.log.* | wc -l)" -gt 3 ]	# rotated, more than once
		same_as_one_parse || { echo "config: $cfg"; false; }
	done
}
