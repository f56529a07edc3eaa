#!/bin/sh
# Checks the build and test dependencies and installs the missing ones with
# apt-get when we are root on Debian/Ubuntu; otherwise names them in one line.
# Usage: tools/deps.sh build|test
need=""
have_pc() { pkg-config --exists "$1" 2>/dev/null; }
command -v cc >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || need="$need gcc"
command -v make >/dev/null 2>&1 || need="$need make"
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
have_pc jansson || need="$need libjansson-dev"
have_pc zlib || need="$need zlib1g-dev"
if [ "${1:-build}" = test ]; then
	command -v bats >/dev/null 2>&1 || need="$need bats"
	command -v mandoc >/dev/null 2>&1 || need="$need mandoc"
	command -v jq >/dev/null 2>&1 || need="$need jq"
fi
[ -z "$need" ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	echo "deps: installing:$need" >&2
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get update -qq && apt-get install -y -qq --no-install-recommends $need; } >&2 || {
		echo "deps: apt-get failed; install:$need" >&2; exit 1; }
	exit 0
fi
echo "deps: missing build dependencies; install them with: apt-get install$need" >&2
exit 1
