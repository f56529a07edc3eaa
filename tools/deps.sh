#!/bin/sh
# The one list of bouncekit's build and test dependencies (Debian/Ubuntu
# package names), and the one script that checks and installs them.
#
#   tools/deps.sh [--install|--check|--list] GROUP...
#
# --check (the default) names what is missing and exits 1 if anything is;
# --install runs apt-get for what is missing when we are root on a system
# with apt-get, and otherwise does what --check does; --list prints the
# packages of the groups, one a line (debian/control and .ci/run agree with it).
#
# Groups: build (compile the programs), test (make check, make demo, make
# lint, make asan, make tsan), dev (make valgrind; CI), fuzz (make fuzz),
# bench (make bench), package (dpkg-buildpackage, lintian, autopkgtest).
#
# To add a dependency, add ONE line to the table below: its group, the
# Debian package, and how to tell it is there without dpkg (cmd:NAME for a
# command in PATH, pc:NAME for a pkg-config module, perl:MODULE, file:PATH,
# or dpkg to ask dpkg-query). If it is a build dependency of the package,
# also add it to Build-Depends in debian/control (tests/05-release.bats
# checks that the two agree).
set -u

TABLE='
build	gcc	cmd:cc
build	libc6-dev	file:/usr/include/stdio.h
build	make	cmd:make
build	pkgconf	cmd:pkg-config
build	libjansson-dev	pc:jansson
build	zlib1g-dev	pc:zlib
build	libsqlite3-dev	pc:sqlite3
build	libpq-dev	pc:libpq
test	bats	cmd:bats
test	jq	cmd:jq
test	mandoc	cmd:mandoc
test	perl	perl:Digest::MD5
test	gzip	cmd:gzip
test	bsdutils	cmd:script
test	man-db	cmd:man
test	bash-completion	file:/usr/share/bash-completion/bash_completion
test	sqlite3	cmd:sqlite3
test	postgresql	dpkg
fuzz	clang	cmd:clang
dev	valgrind	cmd:valgrind
dev	strace	cmd:strace
bench	libsisimai-perl	perl:Sisimai
bench	pflogsumm	cmd:pflogsumm
bench	python3	cmd:python3
package	debhelper	cmd:dh
package	devscripts	cmd:debuild
package	lintian	cmd:lintian
package	autopkgtest	cmd:autopkgtest
package	fakeroot	cmd:fakeroot
package	dpkg-dev	cmd:dpkg-buildpackage
'

mode=check
case ${1:-} in
--install|--check|--list) mode=${1#--}; shift ;;
-*) echo "usage: deps.sh [--install|--check|--list] GROUP..." >&2; exit 2 ;;
esac
[ $# -gt 0 ] || set -- build test
for g in "$@"; do
	case $g in
	build|test|dev|fuzz|bench|package) ;;
	*) echo "deps: unknown group '$g' (build, test, dev, fuzz, bench, package)" >&2; exit 2 ;;
	esac
done

present() {
	case $1 in
	cmd:*) command -v "${1#cmd:}" >/dev/null 2>&1 ;;
	pc:*) pkg-config --exists "${1#pc:}" 2>/dev/null ;;
	perl:*) perl -M"${1#perl:}" -e 1 >/dev/null 2>&1 ;;
	file:*) [ -e "${1#file:}" ] ;;
	dpkg) dpkg-query -W -f '${Status}\n' "$2" 2>/dev/null | grep -q 'ok installed' ;;
	*) return 1 ;;
	esac
}

need=""
all=""
tab=$(printf '\t')
while IFS="$tab" read -r group pkg probe; do
	[ -n "$group" ] || continue
	for g in "$@"; do
		[ "$g" = "$group" ] || continue
		case " $all " in *" $pkg "*) continue ;; esac
		all="$all $pkg"
		present "$probe" "$pkg" || need="$need $pkg"
	done
done <<END
$TABLE
END

if [ "$mode" = list ]; then
	for p in $all; do echo "$p"; done
	exit 0
fi
[ -z "$need" ] && exit 0
if [ "$mode" = install ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	echo "deps: installing:$need" >&2
	export DEBIAN_FRONTEND=noninteractive
	log=$(mktemp "${TMPDIR:-/tmp}/bouncekit-deps.XXXXXX") || exit 1
	# apt's own output only when it fails
	if { apt-get update -q && apt-get install -y -q --no-install-recommends $need; } >"$log" 2>&1; then
		rm -f "$log"
		exit 0
	fi
	cat "$log" >&2
	rm -f "$log"
	echo "deps: apt-get failed; install:$need" >&2
	exit 1
fi
echo "deps: missing:$need" >&2
echo "deps: install them with: apt-get install$need" >&2
exit 1
