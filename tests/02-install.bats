#!/usr/bin/env bats
# make install and uninstall honour DESTDIR, PREFIX, BINDIR and MANDIR.

load helper

ROOT="$BATS_TEST_DIRNAME/.."

@test "install puts programs (0755) and pages (0644) under DESTDIR/PREFIX" {
	d="$BATS_TEST_TMPDIR/dest"
	run make -s -C "$ROOT" ${BK_MAKEARGS:-} install DESTDIR="$d" PREFIX=/opt/bk
	[ "$status" -eq 0 ]
	for f in "$ROOT"/cmd/*.c; do
		p=$(basename "$f" .c)
		[ "$(stat -c %a "$d/opt/bk/bin/$p")" = 755 ]
		[ "$(stat -c %a "$d/opt/bk/share/man/man1/$p.1")" = 644 ]
	done
	[ "$(stat -c %a "$d/opt/bk/share/man/man5/bouncekit-records.5")" = 644 ]
	[ "$(stat -c %a "$d/opt/bk/share/man/man7/bouncekit.7")" = 644 ]
	"$d/opt/bk/bin/bounce-parse" --version
}

@test "BINDIR and MANDIR override PREFIX; uninstall removes what install put" {
	d="$BATS_TEST_TMPDIR/dest2"
	run make -s -C "$ROOT" ${BK_MAKEARGS:-} install DESTDIR="$d" BINDIR=/b MANDIR=/m
	[ "$status" -eq 0 ]
	[ -x "$d/b/bounce-parse" ]
	[ -f "$d/m/man7/bouncekit.7" ]
	run make -s -C "$ROOT" ${BK_MAKEARGS:-} uninstall DESTDIR="$d" BINDIR=/b MANDIR=/m
	[ "$status" -eq 0 ]
	[ -z "$(find "$d" -type f)" ]
}

@test "install: bash completion, pipeline script, docs, examples and systemd units under the doc folder" {
	d="$BATS_TEST_TMPDIR/dest3"
	run make -s -C "$ROOT" ${BK_MAKEARGS:-} install DESTDIR="$d" PREFIX=/opt/bk
	[ "$status" -eq 0 ]
	c="$d/opt/bk/share/bash-completion/completions"
	[ "$(stat -c %a "$c/bouncekit")" = 644 ]
	for f in "$ROOT"/cmd/*.c; do
		[ "$(readlink "$c/$(basename "$f" .c)")" = bouncekit ]
	done
	[ "$(stat -c %a "$d/opt/bk/share/bouncekit/bouncekit-pipeline.sh")" = 755 ]
	doc="$d/opt/bk/share/doc/bouncekit"
	for f in README.md NEWS LICENSE NOTICE examples/bouncekit.service examples/bouncekit.timer \
	    examples/crontab examples/policy examples/mail.log examples/bounces/01-mailbox-full.eml; do
		[ "$(stat -c %a "$doc/$f")" = 644 ]
	done
	# the units and the crontab point at where this install put things
	grep -qx 'ExecStart=/opt/bk/share/bouncekit/bouncekit-pipeline.sh' "$doc/examples/bouncekit.service"
	grep -q '^Environment=PATH=/opt/bk/bin:' "$doc/examples/bouncekit.service"
	grep -q ' /opt/bk/share/bouncekit/bouncekit-pipeline.sh$' "$doc/examples/crontab"
	! grep -rq /usr/local "$doc/examples/bouncekit.service" "$doc/examples/crontab" || false
	# the installed demo runs from the doc folder
	run sh "$doc/examples/demo.sh" "$d/opt/bk/bin"
	[ "$status" -eq 0 ]
	run make -s -C "$ROOT" ${BK_MAKEARGS:-} uninstall DESTDIR="$d" PREFIX=/opt/bk
	[ "$status" -eq 0 ]
	[ -z "$(find "$d" ! -type d)" ]
}
