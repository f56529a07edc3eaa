#!/usr/bin/env bats
# What a release needs beyond the programs: one version everywhere, the
# dependency list and the package's build dependencies in agreement, the
# licences, and a test suite that reads nothing outside the repository.

load helper

ROOT="$BATS_TEST_DIRNAME/.."

makefile_version() { sed -n 's/^VERSION = //p' "$ROOT/Makefile"; }

@test "release: one version: Makefile, every --version, debian/changelog, NEWS" {
	v=$(makefile_version)
	[[ "$v" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]
	for f in "$ROOT"/cmd/*.c; do
		p=$(basename "$f" .c)
		[ "$("$p" --version)" = "$p (bouncekit) $v" ]
	done
	# the Debian version is the upstream one, with or without a revision
	d=$(sed -n '1s/^bouncekit (\([^)]*\)).*/\1/p' "$ROOT/debian/changelog")
	[ "${d%-*}" = "$v" ]
	# NEWS names it as its newest release
	[ "$(grep -m1 -E '^[0-9]+\.[0-9]+\.[0-9]+' "$ROOT/NEWS" | cut -d' ' -f1)" = "$v" ]
}

@test "release: the installed man pages carry the version" {
	d="$BATS_TEST_TMPDIR/dest"
	make -s -C "$ROOT" ${BK_MAKEARGS:-} install DESTDIR="$d" PREFIX=/usr >/dev/null
	for m in "$ROOT"/man/*.[1-8]; do
		s=${m##*.}
		grep -qx ".Os bouncekit $(makefile_version)" "$d/usr/share/man/man$s/$(basename "$m")"
	done
	run mandoc -Tlint -W warning "$d"/usr/share/man/man*/*
	[ "$status" -eq 0 ]
	# groff as man(1) runs it, the way lintian checks pages: no warning
	for m in "$d"/usr/share/man/man*/*; do
		run env LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
		    man --warnings -E UTF-8 -l -Tutf8 -Z "$m"
		[ "$status" -eq 0 ]
		run sh -c 'LC_ALL=C.UTF-8 MANROFFSEQ="" MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$1" 2>&1 >/dev/null' sh "$m"
		[ -z "$output" ] || { echo "$m: $output"; false; }
	done
}

@test "release: every build dependency of tools/deps.sh is a Build-Depends of debian/control" {
	bd=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' "$ROOT/debian/control" |
	    sed 's/^Build-Depends://; s/<[^>]*>//g; s/([^)]*)//g' | tr ',' '\n' | tr -d ' \t' | grep .)
	# build-essential brings the compiler, libc headers and make
	for p in $(sh "$ROOT/tools/deps.sh" --list build test); do
		case $p in gcc|libc6-dev|make|gzip|bsdutils) continue ;; esac
		grep -qx "$p" <<<"$bd" || { echo "not in Build-Depends: $p"; false; }
	done
}

@test "release: tools/deps.sh names what is missing and installs nothing with --check" {
	run sh "$ROOT/tools/deps.sh" --check build
	[ "$status" -eq 0 ]
	run sh "$ROOT/tools/deps.sh" --check no-such-group
	[ "$status" -eq 2 ]
	# a PATH without the tools: each is named, nothing is installed
	mkdir "$BATS_TEST_TMPDIR/empty"
	run env PATH="$BATS_TEST_TMPDIR/empty" /bin/sh "$ROOT/tools/deps.sh" --check test
	[ "$status" -eq 1 ]
	[[ "$output" == *"deps: missing: bats jq mandoc"* ]]
	[[ "$output" == *"apt-get install "* ]]
}

@test "release: licence, notice, and a licence in every folder of tests/corpus" {
	grep -q '^ISC License' "$ROOT/LICENSE"
	[ -s "$ROOT/NOTICE" ]
	for d in "$ROOT"/tests/corpus/*/; do
		[ -s "$d/LICENSE" ] || { echo "no licence: $d"; false; }
		grep -q "^| $(basename "$d")/ |" "$ROOT/tests/corpus/README.md"
	done
}

@test "release: the build and the tests read nothing outside the repository" {
	cd "$ROOT"
	# (the pattern is cut in two so that this file does not match itself)
	run grep -rlE '\.\./sha''red|BK_SHA''RED' Makefile tests/*.bats tests/*.bash tests/*.sh bench fuzz/*.sh .ci
	[ "$status" -eq 1 ]
}
