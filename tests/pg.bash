# A throwaway PostgreSQL cluster for the tests of the PostgreSQL stores
# (tests/24, tests/33): initdb into a temporary folder, the server listening
# on a Unix socket there only (no TCP), password authentication (scram),
# stopped at the end. Where the server binaries are absent, PG_SKIP says why
# and pg_setup skips the test (CI installs postgresql: tools/deps.sh).
# Load it after helper; call pg_setup_file, pg_teardown_file and pg_setup
# from setup_file, teardown_file and setup. pg_setup sets DB (a database
# of the test's own) and PGHOST ... for it.

# As root, initdb and postgres refuse to run: they run as nobody then.
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		(cd "$PG_DIR" && runuser -u "$PG_USER" -- "$@")
	else
		"$@"
	fi
}

pg_start() {
	as_pg "$PGBIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 60 \
	    -o "-c listen_addresses='' -c unix_socket_directories='$PG_DIR' -c unix_socket_permissions=0700 -p 5432" \
	    start >/dev/null
}

pg_setup_file() {
	PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/pg_ctl" ]; then
		export PG_SKIP="no PostgreSQL server (/usr/lib/postgresql/*/bin/initdb: apt-get install postgresql)"
		return 0
	fi
	export PGBIN PG_USER=nobody
	if [ "$(id -u)" = 0 ]; then
		if ! command -v runuser >/dev/null || ! id nobody >/dev/null 2>&1; then
			export PG_SKIP="running as root without runuser(1) or a user nobody: PostgreSQL refuses root"
			return 0
		fi
		# A folder nobody may enter: the run's own tmp folder is root's.
		PG_DIR=$(mktemp -d /tmp/bouncekit-pg.XXXXXX)
		chmod 755 "$PG_DIR"
		chown "$PG_USER" "$PG_DIR"
	else
		PG_DIR="$BATS_FILE_TMPDIR/pg"
		mkdir -m 700 "$PG_DIR"
	fi
	export PG_DIR
	printf 'S3cret-pw\n' >"$PG_DIR/pw"
	chmod 600 "$PG_DIR/pw"
	[ "$(id -u)" != 0 ] || chown "$PG_USER" "$PG_DIR/pw"
	as_pg "$PGBIN/initdb" -D "$PG_DIR/data" -U bk --auth=scram-sha-256 \
	    --pwfile="$PG_DIR/pw" -E UTF8 --no-locale -N >"$BATS_FILE_TMPDIR/initdb.log" 2>&1 ||
	    { cat "$BATS_FILE_TMPDIR/initdb.log"; return 1; }
	rm -f "$PG_DIR/pw"
	pg_start || { cat "$PG_DIR/log"; return 1; }
	# The client's password comes from a password file, as the man pages
	# advise; the rest from the environment.
	printf '%s:5432:*:bk:S3cret-pw\n' "$PG_DIR" >"$BATS_FILE_TMPDIR/pgpass"
	chmod 600 "$BATS_FILE_TMPDIR/pgpass"
	export PGPASSFILE="$BATS_FILE_TMPDIR/pgpass"
}

pg_teardown_file() {
	if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
		as_pg "$PGBIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
		case $PG_DIR in /tmp/bouncekit-pg.*) rm -rf "$PG_DIR" ;; esac
	fi
}

pg_setup() {
	[ -z "${PG_SKIP:-}" ] || skip "$PG_SKIP"
	unset PGSERVICE PGSERVICEFILE PGPASSWORD PGHOSTADDR PGOPTIONS
	export PGHOST="$PG_DIR" PGPORT=5432 PGUSER=bk PGDATABASE=postgres
	# A database of its own for each test.
	DB="t$BATS_TEST_NUMBER"
	psqlc postgres "DROP DATABASE IF EXISTS $DB" "CREATE DATABASE $DB"
	PGURL="postgresql:///$DB?host=$PG_DIR"
}

# psqlc DB SQL...: runs each statement, quietly.
psqlc() {
	local db=$1
	shift
	for q in "$@"; do
		PGOPTIONS='-c client_min_messages=warning' "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -At -d "$db" -c "$q"
	done
}

