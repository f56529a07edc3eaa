#!/bin/sh
# Records real MTAs from Debian packages on 127.0.0.1 against the scripted
# sink (sink.py), with queue lifetimes of minutes, and saves their logs, the
# bounce and delay DSNs they write and the sink's transcript as fixtures.
#
# usage: record.sh [-o OUTDIR] [postfix] [exim] [sendmail] [opensmtpd]
#        (default: all, at once)
#
# Needs root, python3, the postfix package installed, and Exim unpacked from
# its packages (exim4-base, exim4-config, exim4-daemon-light; they conflict
# with postfix as packages) into $EXIM_ROOT (default /tmp/bk-exim-root):
# record.sh unpacks them there with apt-get download when missing; Sendmail
# the same way (sendmail-bin, sendmail-base, sendmail-cf) into
# $SENDMAIL_ROOT and OpenSMTPD (opensmtpd) into $OPENSMTPD_ROOT, both
# logging through a recording's own rsyslogd. No traffic
# leaves the machine: every daemon binds 127.0.0.1 only, DNS is off, test
# domains are routed to the sink's ports and every other domain fails.
# A round takes about 10 minutes (the queue lifetimes of 4 minutes, then the
# late messages' own).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../fixtures/mta"
if [ "${1:-}" = "-o" ]; then out=$2; shift 2; fi
mtas=${*:-postfix exim sendmail opensmtpd}
EXIM_ROOT=${EXIM_ROOT:-/tmp/bk-exim-root}
SENDMAIL_ROOT=${SENDMAIL_ROOT:-/tmp/bk-sendmail-root}
OPENSMTPD_ROOT=${OPENSMTPD_ROOT:-/tmp/bk-opensmtpd-root}
LATE_AFTER=${LATE_AFTER:-210}	# seconds: past Exim's retry limit of 3 minutes
MAX_WAIT=${MAX_WAIT:-1200}	# seconds: a round that has not drained by then is cut

[ "$(id -u)" -eq 0 ] || { echo "record.sh: needs root (the MTAs' own users)" >&2; exit 2; }
work=$(mktemp -d /tmp/bk-record.XXXXXX)
chmod 755 "$work"
pids=""
cleanup() {
	set +e
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for f in "$work"/*/sink.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
	[ -f "$work/postfix/etc/main.cf" ] && postfix -c "$work/postfix/etc" stop >/dev/null 2>&1 || true
	[ -f "$work/exim/exim.pid" ] && kill "$(cat "$work/exim/exim.pid")" 2>/dev/null || true
	[ -f "$work/sendmail/sendmail.pid" ] && kill "$(head -1 "$work/sendmail/sendmail.pid")" 2>/dev/null || true
	[ -f "$work/opensmtpd/smtpd.pid" ] && kill "$(cat "$work/opensmtpd/smtpd.pid")" 2>/dev/null
	[ -f "$work/rsyslog.pid" ] && kill "$(cat "$work/rsyslog.pid")" 2>/dev/null || true
	[ -f /etc/exim4/trusted_configs ] && sed -i "\\|^$work/|d" /etc/exim4/trusted_configs
	true
}
trap cleanup EXIT INT TERM

render() {	# template destination key=value...
	src=$1 dst=$2; shift 2
	cp "$src" "$dst"
	for kv in "$@"; do
		sed -i "s|@${kv%%=*}@|${kv#*=}|g" "$dst"
	done
}

start_sink() {	# name base
	mkdir -p "$work/$1/sink"
	python3 "$here/sink.py" --base-port "$2" --out "$work/$1/sink" --lifetime "$MAX_WAIT" &
	echo $! >"$work/$1/sink.pid"
	sleep 1
}

# Waits until the queue is empty (no message left to retry or bounce), then
# a little more for the last DSNs to reach the sink.
drain() {	# name count-command...
	name=$1; shift
	t=0
	while [ "$t" -lt "$MAX_WAIT" ]; do
		n=$("$@" 2>/dev/null || echo 1)
		[ "$n" = 0 ] && break
		sleep 10; t=$((t + 10))
	done
	sleep 15
	echo "$name: queue drained after ${t}s"
}

record_postfix() {
	base=12525 submit=12025 d="$work/postfix"
	mkdir -p "$d/etc" "$d/spool" "$d/data"
	chown postfix "$d/data"
	vars="WORK=$d BASE=$base DROP=$((base + 1)) REFUSED=$((base + 2)) SUBMIT=$submit"
	# shellcheck disable=SC2086 # word splitting of vars is wanted
	for f in main.cf master.cf transport; do render "$here/postfix/$f" "$d/etc/$f" $vars; done
	start_sink postfix "$base"
	postfix -c "$d/etc" start
	python3 "$here/submit.py" "$submit" postfix first
	sleep "$LATE_AFTER"
	python3 "$here/submit.py" "$submit" postfix late
	drain postfix sh -c "postqueue -c '$d/etc' -j | wc -l"
	postfix -c "$d/etc" stop
	kill "$(cat "$d/sink.pid")" 2>/dev/null || true
	save postfix "$d/mail.log" mail.log
	postconf -c "$d/etc" -h mail_version >"$out/postfix/version"
}

record_exim() {
	base=13525 submit=13025 d="$work/exim"
	exim_bin="$EXIM_ROOT/usr/sbin/exim4"
	if [ ! -x "$exim_bin" ]; then
		mkdir -p "$EXIM_ROOT/deb"
		(cd "$EXIM_ROOT/deb" && apt-get download exim4-base exim4-config exim4-daemon-light)
		for p in "$EXIM_ROOT"/deb/*.deb; do dpkg-deb -x "$p" "$EXIM_ROOT"; done
	fi
	getent passwd Debian-exim >/dev/null || {
		groupadd --system Debian-exim
		useradd --system -g Debian-exim -d /nonexistent -s /usr/sbin/nologin Debian-exim
	}
	mkdir -p "$d/spool"
	chown Debian-exim:Debian-exim "$d" "$d/spool"
	render "$here/exim/exim.conf" "$d/exim.conf" "WORK=$d" "BASE=$base" \
	    "DROP=$((base + 1))" "REFUSED=$((base + 2))" "SUBMIT=$submit" "EXIM=$exim_bin"
	chmod 644 "$d/exim.conf"
	# A -C configuration not listed there makes Exim drop root and log it on
	# every delivery; the line goes again when the recording ends.
	mkdir -p /etc/exim4
	echo "$d/exim.conf" >>/etc/exim4/trusted_configs
	start_sink exim "$base"
	"$exim_bin" -C "$d/exim.conf" -bd -q30s -oP "$d/exim.pid"
	sleep 1
	python3 "$here/submit.py" "$submit" exim first
	sleep "$LATE_AFTER"
	python3 "$here/submit.py" "$submit" exim late
	drain exim "$exim_bin" -C "$d/exim.conf" -bpc
	kill "$(cat "$d/exim.pid")"
	kill "$(cat "$d/sink.pid")" 2>/dev/null || true
	save exim "$d/mainlog" mainlog
	"$exim_bin" -C "$d/exim.conf" -bV | sed -n '1s/^Exim version \([^ ]*\).*/\1/p' >"$out/exim/version"
}

record_sendmail() {
	base=14525 submit=14025 d="$work/sendmail"
	sm_bin="$SENDMAIL_ROOT/usr/libexec/sendmail/sendmail"
	if [ ! -x "$sm_bin" ]; then
		mkdir -p "$SENDMAIL_ROOT/deb"
		(cd "$SENDMAIL_ROOT/deb" && apt-get download sendmail-bin sendmail-base sendmail-cf)
		for p in "$SENDMAIL_ROOT"/deb/*.deb; do dpkg-deb -x "$p" "$SENDMAIL_ROOT"; done
	fi
	mkdir -p "$d/mqueue"
	chmod 700 "$d/mqueue"
	vars="WORK=$d BASE=$base DROP=$((base + 1)) REFUSED=$((base + 2)) SUBMIT=$submit"
	# shellcheck disable=SC2086 # word splitting of vars is wanted
	render "$here/sendmail/sendmail.mc" "$d/sendmail.mc" $vars
	cf="$SENDMAIL_ROOT/usr/share/sendmail/cf"
	m4 -D_CF_DIR_="$cf/" "$cf/m4/cf.m4" "$d/sendmail.mc" >"$d/sendmail.cf"
	printf 'hosts files\naliases files\n' >"$d/service.switch"
	printf '127.0.0.1 mta-sendmail.test %s localhost\n' "$(hostname)" >"$d/hosts"
	printf 'postmaster: double-bounce@sender.test\nMAILER-DAEMON: postmaster\nroot: postmaster\n' >"$d/aliases"
	: >"$d/helpfile"
	"$sm_bin" -C "$d/sendmail.cf" -bi
	start_sink sendmail "$base"
	"$sm_bin" -C "$d/sendmail.cf" -bd -q30s
	sleep 2
	python3 "$here/submit.py" "$submit" sendmail first
	sleep "$LATE_AFTER"
	python3 "$here/submit.py" "$submit" sendmail late
	drain sendmail sh -c "find '$d/mqueue' -name 'qf*' | wc -l"
	kill "$(head -1 "$d/sendmail.pid")"
	kill "$(cat "$d/sink.pid")" 2>/dev/null || true
	sleep 1
	save sendmail "$d/maillog" maillog
	"$sm_bin" -C "$d/sendmail.cf" -d0.1 -bt </dev/null | sed -n '1s/^Version //p' >"$out/sendmail/version"
}

record_opensmtpd() {
	base=15525 submit=15025 d="$work/opensmtpd"
	smtpd_bin="$OPENSMTPD_ROOT/usr/sbin/smtpd"
	if [ ! -x "$smtpd_bin" ]; then
		mkdir -p "$OPENSMTPD_ROOT/deb"
		(cd "$OPENSMTPD_ROOT/deb" && apt-get download opensmtpd)
		for p in "$OPENSMTPD_ROOT"/deb/*.deb; do dpkg-deb -x "$p" "$OPENSMTPD_ROOT"; done
	fi
	# Debian's build runs as opensmtpd and opensmtpq (not _smtpd, _smtpq),
	# chrooted to their home, as the package's postinst makes them.
	mkdir -p /var/lib/opensmtpd/empty
	for u in opensmtpd opensmtpq; do
		getent passwd "$u" >/dev/null || useradd --system --user-group \
		    -d /var/lib/opensmtpd/empty -s /usr/sbin/nologin "$u"
	done
	# The spool (/var/spool/smtpd) and control socket are built in; the
	# recording's messages are the only ones there.
	if [ -d /var/spool/smtpd ] && [ -n "$(find /var/spool/smtpd -type f 2>/dev/null | head -1)" ]; then
		echo "record.sh: /var/spool/smtpd holds messages: not touching them" >&2
		return 1
	fi
	mkdir -p "$d"
	render "$here/opensmtpd/smtpd.conf" "$d/smtpd.conf" "BASE=$base" "DROP=$((base + 1))" \
	    "REFUSED=$((base + 2))" "SUBMIT=$submit"
	# smtpctl talks to the daemon only when setgid opensmtpq (the package's
	# postinst sets it so with dpkg-statoverride)
	ctl="$OPENSMTPD_ROOT/usr/sbin/smtpctl"
	chgrp opensmtpq "$ctl"
	chmod 2755 "$ctl"
	start_sink opensmtpd "$base"
	# -F: in the foreground (its pid known), logging to syslog as usual
	"$smtpd_bin" -F -f "$d/smtpd.conf" &
	echo $! >"$d/smtpd.pid"
	sleep 2
	python3 "$here/submit.py" "$submit" opensmtpd first
	# OpenSMTPD's first retry of a relay comes minutes later
	# (scheduler_ramqueue.c): ask for one every 30 s, as the others retry.
	t=0
	while [ "$t" -lt "$LATE_AFTER" ]; do
		sleep 30; t=$((t + 30))
		"$ctl" schedule all >/dev/null
	done
	python3 "$here/submit.py" "$submit" opensmtpd late
	drain opensmtpd sh -c "'$ctl' schedule all >/dev/null; '$ctl' show queue >'$d/queue' &&
	    wc -l <'$d/queue'"
	kill "$(cat "$d/smtpd.pid")"
	kill "$(cat "$d/sink.pid")" 2>/dev/null || true
	sleep 1
	save opensmtpd "$d/maillog" maillog
	"$smtpd_bin" -h 2>&1 | sed -n 's/^version: OpenSMTPD \([^ ]*\).*/\1/p' >"$out/opensmtpd/version"
}

save() {	# name log-file log-name
	rm -rf "${out:?}/$1"
	mkdir -p "$out/$1/dsn"
	cp "$2" "$out/$1/$3"
	cp "$work/$1/sink/sink.log" "$out/$1/sink.log"
	if ls "$work/$1/sink/dsn/"*.eml >/dev/null 2>&1; then
		cp "$work/$1/sink/dsn/"*.eml "$out/$1/dsn/"
	fi
	echo "$1: $(wc -l <"$out/$1/$3") log lines, $(ls "$out/$1/dsn" | wc -l) DSNs -> $out/$1"
}

mkdir -p "$out"
# Sendmail and OpenSMTPD log through syslog(3) only: the recording's own
# rsyslogd (Debian's rsyslog package) owns /dev/log while it runs.
case " $mtas " in
*" sendmail "*|*" opensmtpd "*)
	command -v rsyslogd >/dev/null || apt-get install -y --no-install-recommends rsyslog
	[ -e /dev/log ] && { echo "record.sh: /dev/log exists: a syslog daemon runs already" >&2; exit 2; }
	mkdir -p "$work/sendmail" "$work/opensmtpd"
	render "$here/rsyslog.conf" "$work/rsyslog.conf" "WORK=$work"
	rsyslogd -f "$work/rsyslog.conf" -i "$work/rsyslog.pid"
	sleep 1
	;;
esac
for m in $mtas; do
	case $m in
	postfix) record_postfix >"$work/postfix.out" 2>&1 & ;;
	exim) record_exim >"$work/exim.out" 2>&1 & ;;
	sendmail) record_sendmail >"$work/sendmail.out" 2>&1 & ;;
	opensmtpd) record_opensmtpd >"$work/opensmtpd.out" 2>&1 & ;;
	*) echo "record.sh: unknown MTA: $m (postfix, exim, sendmail, opensmtpd)" >&2; exit 2 ;;
	esac
	pids="$pids $!"
done
status=0
for p in $pids; do wait "$p" || status=1; done
cat "$work"/*.out
exit $status
