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
