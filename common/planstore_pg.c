/* planstore_pg: retry plans in a PostgreSQL database (a state named
 * postgresql://..., postgres://... or postgresql:[keyword=value ...]), for
 * senders whose MTAs and cron hosts share one state.
 *
 * The table is the SQLite store's (planstore_sqlite.c): each plan kept as
 * its record beside the columns its indexes need, so that exports are the
 * records of the JSON-lines store byte for byte. One transaction a run.
 *
 * Concurrency, without the whole-store lock of the other stores:
 * - a retry-due run locks only the rows it reads to change, each with
 *   FOR UPDATE SKIP LOCKED, and never waits: concurrent runs (on any host)
 *   hand out disjoint plans, and one that finds a plan locked leaves it to
 *   the run that holds it;
 * - a retry-plan run reads each recipient's plan FOR UPDATE (it waits for a
 *   retry-due run holding it, then sees its claim), and takes a
 *   transaction-scoped advisory lock first, so that two runs that insert
 *   the same new recipient, or lock the same rows in other orders, queue
 *   instead of losing an event or deadlocking (--wait waits for it, else
 *   the run fails at once, as with the other stores).
 * A retry-due run never waits for a lock, so no cycle of waits can form.
 *
 * The schema is made by the first run that writes (under an advisory lock
 * of its own) and versioned in bouncekit_schema; a newer version is refused,
 * older ones are migrated forward here.
 *
 * Credentials: a password in the state's name would be seen by every user
 * in ps(1) and in the diagnostics that name the state, so it is refused;
 * libpq reads it from PGPASSFILE (~/.pgpass) or a service file instead. */
#include "planstore.h"
#include "planstore_int.h"
#include "hmap.h"
#include "sandbox.h"
#include "schema.h"
#include "util.h"

#if defined(__has_include)
#if !__has_include(<libpq-fe.h>)
#error "libpq-fe.h not found: the PostgreSQL store needs libpq (Debian: libpq-dev; sh tools/deps.sh --install build)"
#endif
#endif
#include <libpq-fe.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

/* libpq is loaded when a run opens a PostgreSQL store, not linked: its
 * libraries (TLS, Kerberos, LDAP) would cost every start of retry-plan and
 * retry-due several times what the program does on a small state. The
 * calls below go through this table (the macros after it). */
#define PQ_FUNCS(X) X(PQclear) X(PQconnectdbParams) X(PQconninfoFree) \
	X(PQconninfoParse) X(PQerrorMessage) X(PQexec) X(PQexecPrepared) X(PQfinish) \
	X(PQfreemem) X(PQgetisnull) X(PQgetlength) X(PQgetvalue) X(PQntuples) X(PQprepare) \
	X(PQresultErrorMessage) X(PQresultStatus) X(PQserverVersion) \
	X(PQsetNoticeProcessor) X(PQstatus)
#define PQ_MEMBER(f) __typeof__(f) *f;
static struct {
	PQ_FUNCS(PQ_MEMBER)
} pq;
#define PQclear pq.PQclear
#define PQconnectdbParams pq.PQconnectdbParams
#define PQconninfoFree pq.PQconninfoFree
#define PQconninfoParse pq.PQconninfoParse
#define PQerrorMessage pq.PQerrorMessage
#define PQexec pq.PQexec
#define PQexecPrepared pq.PQexecPrepared
#define PQfinish pq.PQfinish
#define PQfreemem pq.PQfreemem
#define PQgetisnull pq.PQgetisnull
#define PQgetlength pq.PQgetlength
#define PQgetvalue pq.PQgetvalue
#define PQntuples pq.PQntuples
#define PQprepare pq.PQprepare
#define PQresultErrorMessage pq.PQresultErrorMessage
#define PQresultStatus pq.PQresultStatus
#define PQserverVersion pq.PQserverVersion
#define PQsetNoticeProcessor pq.PQsetNoticeProcessor
#define PQstatus pq.PQstatus

/* Loads libpq once. 0, or -1 with a message. */
static int
load_libpq(const char *name)
{
	static int loaded;
	void *h, *sym;

	if (loaded)
		return 0;
	if ((h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL)) == NULL) {
		util_warnx("%s: a PostgreSQL state needs libpq (Debian: libpq5): %s", name,
		    dlerror());
		return -1;
	}
#define PQ_LOAD(f) \
	if ((sym = dlsym(h, #f)) == NULL) { \
		util_warnx("%s: libpq without %s: too old (9.5 or later needed)", name, #f); \
		return -1; \
	} \
	memcpy(&(f), &sym, sizeof sym);	/* ISO C has no object -> function cast */
	PQ_FUNCS(PQ_LOAD)
#undef PQ_LOAD
	loaded = 1;
	return 0;
}

#define SCHEMA_VERSION 1
/* pg_advisory_xact_lock(int, int) keys: "bkpl" and what is locked. */
#define LOCK_CLASS 0x626b706c
#define LOCK_SCHEMA 1
#define LOCK_WRITER 2

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS bouncekit_schema ("
    " part text PRIMARY KEY,"
    " version integer NOT NULL);"
    "CREATE TABLE bouncekit_plans ("
    " id bigserial PRIMARY KEY,"		/* the order of export: first put first */
    " rcpt text COLLATE \"C\" NOT NULL UNIQUE,"
    " domain text COLLATE \"C\" NOT NULL,"
    " state smallint NOT NULL,"		/* 0 waiting, 1 claimed, 2 exhausted, ... */
    " due bigint,"			/* waiting: next_retry; an unconfirmed claim: claimed_at */
    " quiet bigint,"			/* claimed: since when nothing was heard */
    " ends bigint,"			/* exhausted: end of its pause; resolved, failed: since */
    " rec text NOT NULL);"		/* the plan record */
    "CREATE INDEX bouncekit_plans_due ON bouncekit_plans (state, due, rcpt)"
    " WHERE due IS NOT NULL;"
    "CREATE INDEX bouncekit_plans_quiet ON bouncekit_plans (quiet) WHERE quiet IS NOT NULL;"
    "CREATE INDEX bouncekit_plans_ends ON bouncekit_plans (state, ends)"
    " WHERE ends IS NOT NULL;"
    "CREATE INDEX bouncekit_plans_domain ON bouncekit_plans (domain, state);"
    "COMMENT ON TABLE bouncekit_plans IS 'retry plans of bouncekit: retry-plan(1), "
    "retry-due(1), bouncekit-records(5)';"
    "INSERT INTO bouncekit_schema VALUES ('plans', 1);";

enum { Q_GET, Q_PUT, Q_DEL, Q_QUIET, Q_ENDS, Q_DOMAIN, Q_ALL, NQ };

/* Rows read to be changed are locked: a retry-plan run waits for the plan
 * of its recipient, the rest skip what another run holds. */
static const char *const query_sql[NQ] = {
	[Q_GET] = "SELECT rec FROM bouncekit_plans WHERE rcpt = $1",
	/* Arrays of the plans of a batch, in their order (ids follow it). */
	[Q_PUT] = "INSERT INTO bouncekit_plans (rcpt, domain, state, due, quiet, ends, rec)"
	    " SELECT rcpt, domain, state, due, quiet, ends, rec FROM unnest($1::text[],"
	    " $2::text[], $3::smallint[], $4::bigint[], $5::bigint[], $6::bigint[],"
	    " $7::text[]) WITH ORDINALITY AS t (rcpt, domain,"
	    " state, due, quiet, ends, rec, n) ORDER BY n ON CONFLICT (rcpt) DO UPDATE SET"
	    " domain = excluded.domain, state = excluded.state, due = excluded.due,"
	    " quiet = excluded.quiet, ends = excluded.ends, rec = excluded.rec",
	[Q_DEL] = "DELETE FROM bouncekit_plans WHERE rcpt = ANY ($1::text[])",
	[Q_QUIET] = "SELECT rec FROM bouncekit_plans WHERE quiet IS NOT NULL AND quiet <= $1",
	[Q_ENDS] = ("SELECT rec FROM bouncekit_plans WHERE state = $1 AND ends IS NOT NULL"
	    " AND ends <= $2"),
	[Q_DOMAIN] = "SELECT rec FROM bouncekit_plans WHERE domain = $1 AND state = $2",
	[Q_ALL] = "SELECT rec FROM bouncekit_plans ORDER BY id",
};
static const char *const lock_sql[NQ] = {
	[Q_GET] = " FOR UPDATE", [Q_QUIET] = " FOR UPDATE SKIP LOCKED",
	[Q_ENDS] = " FOR UPDATE SKIP LOCKED", [Q_DOMAIN] = " FOR UPDATE SKIP LOCKED",
};

struct pg_store {
	PGconn *conn;
	struct rec_reader rd;
	int writes, wait;
	int empty;		/* read only, no schema yet: no plans */
	int in_txn;
	int writer;		/* holds the writer lock */
	int read;		/* rows were read (locked, in a writing run) */
	int prepared[NQ];
	int failed;		/* a failure was reported: the run is over */
	/* Recipients looked up without a plan: under the writer lock nobody
	 * else adds one, so each costs one round trip a run (bounded). */
	struct hmap absent;
};

#define ABSENT_MAX 200000

int
plan_store_is_pg(const char *path)
{
	return strncmp(path, "postgresql:", 11) == 0 || strncmp(path, "postgres:", 9) == 0;
}

/* libpq's message on one line, without its line end. */
static const char *
one_line(char *msg)
{
	char *w = msg;

	for (const char *p = msg; *p; p++) {
		int space = *p == '\n' || *p == '\t' || *p == ' ';

		if (!space)
			*w++ = *p;
		else if (w > msg && w[-1] != ' ')
			*w++ = ' ';
	}
	while (w > msg && w[-1] == ' ')
		w--;
	*w = '\0';
	return msg;
}

static int
pg_fail(struct plan_store *st, const char *what, const PGresult *r)
{
	struct pg_store *d = st->impl;
	char *msg;

	/* The calls after a lost connection fail too: one message is enough. */
	if (d->failed++)
		return -1;
	msg = util_xstrdup(r && PQresultErrorMessage(r)[0] ? PQresultErrorMessage(r) :
	    PQerrorMessage(d->conn));
	if (PQstatus(d->conn) == CONNECTION_BAD)
		util_warnx("%s: %s: lost the connection to the server: %s", st->path, what,
		    one_line(msg));
	else
		util_warnx("%s: %s: %s", st->path, what, one_line(msg));
	free(msg);
	return -1;
}

/* The server's warnings (a shutdown under way ...) as diagnostics. */
static void
notice(void *arg, const char *message)
{
	const struct plan_store *st = arg;
	char *msg = util_xstrdup(message);

	util_warnx("%s: server says: %s", st->path, one_line(msg));
	free(msg);
}

/* Runs sql (no parameters); 0, or -1 reported. */
static int
exec(struct plan_store *st, const char *sql)
{
	struct pg_store *d = st->impl;
	PGresult *r = PQexec(d->conn, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		pg_fail(st, sql, r);
	PQclear(r);
	return ok ? 0 : -1;
}

/* The one value of a one-row query, or NULL (reported). Free it. */
static char *
exec_value(struct plan_store *st, const char *sql)
{
	struct pg_store *d = st->impl;
	PGresult *r = PQexec(d->conn, sql);
	char *v = NULL;

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		pg_fail(st, sql, r);
	else
		v = util_xstrdup(PQgetisnull(r, 0, 0) ? "" : PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

/* The version of the plans' schema: 0 none yet, -1 foreign or failed
 * (reported), else the version. */
static int
schema_version(struct plan_store *st)
{
	/* "tf": plans there, schema table not. */
	char *v = exec_value(st, "SELECT CASE WHEN to_regclass('bouncekit_plans') IS NULL"
	    " THEN 'f' ELSE 't' END || CASE WHEN to_regclass('bouncekit_schema') IS NULL"
	    " THEN 'f' ELSE 't' END");
	char *ver;
	int n;

	if (v == NULL)
		return -1;
	if (strcmp(v, "ff") != 0 && strcmp(v, "ft") != 0 && strcmp(v, "tt") != 0) {
		if (strcmp(v, "tf") == 0)
			util_warnx("%s: a table bouncekit_plans that bouncekit did not make "
			    "(no bouncekit_schema): not used", st->path);
		else
			util_warnx("%s: unexpected answer of the server: %s", st->path, v);
		free(v);
		return -1;
	}
	n = strcmp(v, "tt") == 0;
	free(v);
	if (!n)
		return 0;
	if ((ver = exec_value(st, "SELECT coalesce(max(version), 0) FROM bouncekit_schema"
	    " WHERE part = 'plans'")) == NULL)
		return -1;
	n = atoi(ver);
	free(ver);
	if (n > SCHEMA_VERSION || n < 1) {
		util_warnx("%s: plan schema version %d; this %s knows %d (upgrade bouncekit)",
		    st->path, n, util_progname, SCHEMA_VERSION);
		return -1;
	}
	return n;
}

/* Makes the schema if no run did yet; runs racing here queue on a session
 * lock taken before the transaction, so that the transaction that looks
 * again starts after the winner's commit and sees its tables (a lock taken
 * inside it would leave the server's cache of names as it was). Before the
 * run's own transaction. 0, or -1 reported (the lock goes with the
 * connection). */
static int
make_schema(struct plan_store *st)
{
	char sql[96];
	int v;

	snprintf(sql, sizeof sql, "SELECT pg_advisory_lock(%d, %d)", LOCK_CLASS, LOCK_SCHEMA);
	if (exec(st, sql) != 0 || exec(st, "BEGIN") != 0)
		return -1;
	if ((v = schema_version(st)) < 0 || (v == 0 && exec(st, schema_sql) != 0))
		return -1;
	/* Version 1 is the first: later versions migrate forward here. */
	if (exec(st, "COMMIT") != 0)
		return -1;
	snprintf(sql, sizeof sql, "SELECT pg_advisory_unlock(%d, %d)", LOCK_CLASS, LOCK_SCHEMA);
	return exec(st, sql);
}

/* A password in the name would show in ps(1) and in diagnostics (which
 * name the state only by its scheme then). */
static int
check_conninfo(struct plan_store *st, const char *conninfo)
{
	int scheme = (int)(strchr(st->path, ':') - st->path);
	char *err = NULL;
	PQconninfoOption *opts;
	int rc = 0;

	if (load_libpq(st->path) != 0)
		return -1;
	if ((opts = PQconninfoParse(conninfo, &err)) == NULL) {
		/* libpq quotes the part it could not read: it may be a secret. */
		util_warnx("%.*s:...: not a PostgreSQL connection URI (postgresql://[user@][host]"
		    "[:port][/dbname][?param=value...]) or keyword=value list", scheme, st->path);
		PQfreemem(err);
		return -1;
	}
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL) {
			util_warnx("%.*s:...: a password in the name of the state is visible to "
			    "every user in ps(1): put it in ~/.pgpass (PGPASSFILE) or a service "
			    "file (PGSERVICEFILE) instead", scheme, st->path);
			rc = -1;
		}
	PQconninfoFree(opts);
	return rc;
}

static int
pg_open(struct plan_store *st, int flags)
{
	struct pg_store *d = util_xcalloc(1, sizeof *d);
	/* postgresql:// and postgres:// are URIs for libpq; after a bare
	 * "postgresql:" comes a keyword=value list, empty: the environment. */
	const char *conninfo = strstr(st->path, "://") ? st->path : strchr(st->path, ':') + 1;
	const char *keys[] = { "dbname", "fallback_application_name", NULL };
	const char *vals[] = { conninfo, util_progname, NULL };
	int v;

	st->impl = d;
	d->writes = (flags & PLAN_STORE_WRITE) != 0;
	d->wait = (flags & PLAN_STORE_WAIT) != 0;
	rec_reader_init(&d->rd, &schema_plan);
	if (check_conninfo(st, conninfo) != 0)
		return -1;
	/* The connection is made now, but libpq may make another (a second
	 * host of a list) while it connects: sockets stay allowed. */
	sandbox_allow_network(SANDBOX_NET_UNIX | SANDBOX_NET_TCP);
	/* An empty dbname is no dbname: the environment's (PGDATABASE ...). */
	d->conn = PQconnectdbParams(keys, vals, 1);
	if (d->conn == NULL) {
		util_warnx("%s: out of memory", st->path);
		return -1;
	}
	if (PQstatus(d->conn) != CONNECTION_OK) {
		char *msg = util_xstrdup(PQerrorMessage(d->conn));

		util_warnx("%s: cannot connect: %s", st->path, one_line(msg));
		free(msg);
		return -1;
	}
	PQsetNoticeProcessor(d->conn, notice, st);
	if (PQserverVersion(d->conn) < 90500) {
		util_warnx("%s: PostgreSQL %d.%d is too old: SKIP LOCKED needs 9.5 or later",
		    st->path, PQserverVersion(d->conn) / 10000, PQserverVersion(d->conn) / 100 % 100);
		return -1;
	}
	/* The server's notices (IF NOT EXISTS ...) are not the user's. */
	if (exec(st, "SET client_min_messages = warning") != 0)
		return -1;
	if ((v = schema_version(st)) < 0)
		return -1;
	if (v == 0 && d->writes && make_schema(st) != 0)
		return -1;
	d->empty = v == 0 && !d->writes;
	if (exec(st, d->writes ? "BEGIN" : "BEGIN READ ONLY") != 0)
		return -1;
	d->in_txn = 1;
	return 0;
}

/* The writer lock of retry-plan runs (see the top). 0, or -1 reported. */
static int
take_writer(struct plan_store *st)
{
	struct pg_store *d = st->impl;
	char sql[96], *v;
	int got;

	if (d->writer || !d->writes)
		return 0;
	snprintf(sql, sizeof sql, "SELECT pg_%sadvisory_xact_lock(%d, %d)",
	    d->wait ? "" : "try_", LOCK_CLASS, LOCK_WRITER);
	if (d->wait) {
		if (exec(st, sql) != 0)
			return -1;
		got = 1;
	} else {
		if ((v = exec_value(st, sql)) == NULL)
			return -1;
		got = strcmp(v, "t") == 0;
		free(v);
	}
	if (!got) {
		util_warnx("%s: locked by another run (--wait waits for it)", st->path);
		return -1;
	}
	d->writer = 1;
	return 0;
}

/* The text of query q as this run asks it (locking when it writes). */
static int
query(struct plan_store *st, int q, int n, const char *const *params, PGresult **res)
{
	struct pg_store *d = st->impl;
	char name[16];
	PGresult *r;

	snprintf(name, sizeof name, "q%d", q);
	if (!d->prepared[q]) {
		size_t len = strlen(query_sql[q]) + 32;
		char *sql = util_xmalloc(len);

		snprintf(sql, len, "%s%s", query_sql[q], d->writes && lock_sql[q] ? lock_sql[q] : "");
		r = PQprepare(d->conn, name, sql, n, NULL);
		free(sql);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			pg_fail(st, "prepare", r);
			PQclear(r);
			return -1;
		}
		PQclear(r);
		d->prepared[q] = 1;
	}
	r = PQexecPrepared(d->conn, name, n, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
		pg_fail(st, q == Q_PUT || q == Q_DEL ? "write" : "read", r);
		PQclear(r);
		return -1;
	}
	*res = r;
	return 0;
}

/* The plan of a row's record into s, unless s has it already (then as it
 * is in s). NULL with a message for a record that is not a plan. */
static struct plan *
row_plan(struct plan_store *st, struct plan_set *s, const PGresult *r, int row, int col)
{
	struct pg_store *d = st->impl;
	const char *rec = PQgetvalue(r, row, col);
	struct rec_val v[PL_NFIELDS];
	char why[200];
	struct plan *p;

	if (rec_read(&d->rd, rec, (size_t)PQgetlength(r, row, col), v, why, sizeof why) <= 0)
		goto bad;
	if ((p = plan_find_any(s, v[PL_RCPT].s)) != NULL)
		return p;
	if (plan_from_rec(s, v, why, sizeof why) != 0)
		goto bad;
	return plan_find_any(s, v[PL_RCPT].s);
bad:
	util_warnx("%s: a stored plan is not a plan record (%.60s): the table is damaged",
	    st->path, rec);
	return NULL;
}

/* Runs query q and brings in the plan of every row. */
static int
bring(struct plan_store *st, struct plan_set *s, int q, int n, const char *const *params)
{
	struct pg_store *d = st->impl;
	PGresult *r;
	int rc = 0;

	d->read = 1;
	if (query(st, q, n, params, &r) != 0)
		return -1;
	for (int i = 0; i < PQntuples(r) && rc == 0; i++)
		if (row_plan(st, s, r, i, 0) == NULL)
			rc = -1;
	PQclear(r);
	return rc;
}

/* Nothing is read up front. */
static int
pg_load(struct plan_store *st, struct plan_set *s)
{
	(void)st, (void)s;
	return BK_OK;
}

static int
pg_lookup(struct plan_store *st, struct plan_set *s, const char *rcpt)
{
	struct pg_store *d = st->impl;

	if (d->empty || plan_find_any(s, rcpt) != NULL)
		return 0;
	if (take_writer(st) != 0)
		return -1;
	if (hmap_find(&d->absent, rcpt, strlen(rcpt)) != HMAP_NONE)
		return 0;
	if (bring(st, s, Q_GET, 1, &rcpt) != 0)
		return -1;
	if (plan_find_any(s, rcpt) == NULL) {
		if (d->absent.count >= ABSENT_MAX) {
			hmap_free(&d->absent, NULL);
			memset(&d->absent, 0, sizeof d->absent);
		}
		hmap_add(&d->absent, rcpt, strlen(rcpt), NULL);
	}
	return 0;
}

static int
pg_aging(struct plan_store *st, struct plan_set *s, const struct plan_opts *o)
{
	struct pg_store *d = st->impl;
	char t[24], k[12];
	const char *p[2] = { k, t };

	if (d->empty)
		return 0;
	snprintf(t, sizeof t, "%lld", (long long)o->now - o->resolve_after);
	if (bring(st, s, Q_QUIET, 1, p + 1) != 0)
		return -1;
	snprintf(k, sizeof k, "%d", PLAN_EXHAUSTED);
	snprintf(t, sizeof t, "%lld", (long long)o->now);
	if (bring(st, s, Q_ENDS, 2, p) != 0)
		return -1;
	snprintf(t, sizeof t, "%lld", (long long)o->now - o->keep);
	for (int state = PLAN_RESOLVED; state <= PLAN_FAILED; state++) {
		snprintf(k, sizeof k, "%d", state);
		if (bring(st, s, Q_ENDS, 2, p) != 0)
			return -1;
	}
	return 0;
}

static int
pg_domain(struct plan_store *st, struct plan_set *s, const char *domain)
{
	struct pg_store *d = st->impl;
	char k[12];
	const char *p[2] = { domain, k };

	if (d->empty)
		return 0;
	snprintf(k, sizeof k, "%d", PLAN_WAITING);
	return bring(st, s, Q_DOMAIN, 2, p);
}

/* The due plans in the order of their due time (waiting ones at next_retry,
 * unconfirmed claims claim_timeout after), ties by recipient, through a
 * cursor: a run that writes locks each row as it fetches it, skipping those
 * another run holds, so that it locks no more than it reads (64 at a time):
 * the rows a run read and did not hand out (--limit, pacing) are free again
 * at its commit, and stay due for the next run. */
static int
pg_due(struct plan_store *st, struct plan_set *s, const struct plan_opts *o,
    int (*fn)(void *ctx, struct plan *p), void *ctx)
{
	struct pg_store *d = st->impl;
	long long now = (long long)o->now, ct = o->claim_timeout;
	char sql[512];
	int rc = 0, more = 1;

	if (d->empty)
		return 0;
	d->read = 1;
	/* Numbers only: written into the text. */
	snprintf(sql, sizeof sql, "DECLARE bouncekit_due NO SCROLL CURSOR FOR"
	    " SELECT rec FROM bouncekit_plans WHERE due IS NOT NULL AND"
	    " ((state = %d AND due <= %lld) OR (state = %d AND due <= %lld))"
	    " ORDER BY CASE WHEN state = %d THEN due + %lld ELSE due END, rcpt%s",
	    PLAN_WAITING, now, PLAN_CLAIMED, now - ct, PLAN_CLAIMED, ct,
	    d->writes ? " FOR UPDATE SKIP LOCKED" : "");
	if (exec(st, sql) != 0)
		return -1;
	while (more && rc == 0) {
		PGresult *r = PQexec(d->conn, "FETCH 64 FROM bouncekit_due");
		int n;

		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			rc = pg_fail(st, "read", r);
			PQclear(r);
			break;
		}
		n = PQntuples(r);
		more = n == 64;
		for (int i = 0; i < n; i++) {
			struct plan *p = row_plan(st, s, r, i, 0);

			if (p == NULL) {
				rc = -1;
				break;
			}
			/* As the run sees it now (ageing may have resolved a claim). */
			if (plan_is_due(p, o) && !fn(ctx, p)) {
				more = 0;
				break;
			}
		}
		PQclear(r);
	}
	if (rc == 0 && exec(st, "CLOSE bouncekit_due") != 0)
		rc = -1;
	return rc;
}

/* Plans go back in statements of up to PUT_BATCH, each column as an array
 * (unnest), so that a run's writes cost a few round trips, not one each. */
#define PUT_BATCH 1000

/* An element of a text[] literal: quoted, " and \\ escaped. */
static void
array_text(struct util_buf *a, const char *v, size_t n)
{
	util_buf_addc(a, a->len == 0 ? '{' : ',');
	util_buf_addc(a, '"');
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '"' || v[i] == '\\')
			util_buf_addc(a, '\\');
		util_buf_addc(a, v[i]);
	}
	util_buf_addc(a, '"');
}

/* An element of a bigint[] literal, NULL for no time. */
static void
array_time(struct util_buf *a, int64_t t)
{
	char num[24];

	util_buf_addc(a, a->len == 0 ? '{' : ',');
	if (t == PLAN_NOTIME)
		util_buf_adds(a, "NULL");
	else {
		snprintf(num, sizeof num, "%lld", (long long)t);
		util_buf_adds(a, num);
	}
}

enum { A_RCPT, A_DOMAIN, A_STATE, A_DUE, A_QUIET, A_ENDS, A_REC, NA };

/* Runs query q with the arrays (closed here) and empties them. */
static int
put_batch(struct plan_store *st, int q, struct util_buf *a, int na)
{
	const char *v[NA] = { NULL };
	PGresult *r;

	for (int k = 0; k < na; k++) {
		util_buf_addc(&a[k], '}');
		v[k] = util_buf_str(&a[k]);
	}
	if (query(st, q, na, v, &r) != 0)
		return -1;
	PQclear(r);
	for (int k = 0; k < na; k++)
		a[k].len = 0;
	return 0;
}

/* The plans of the run that changed go back, the removed ones go: the
 * others were only read (a domain's plans, candidates that stayed). */
static int
pg_put(struct plan_store *st, struct plan_set *s, const struct plan_opts *o)
{
	struct pg_store *d = st->impl;
	struct util_buf b = {0}, a[NA], del = {0};
	size_t nput = 0, ndel = 0;
	int rc = 0;

	/* A run that read rows writes only those it locked as it read them,
	 * and new plans only after a look-up took the writer lock; a run that
	 * writes plans it did not read here (--import) takes it now. A run
	 * that holds rows never waits for the writer lock: that could close a
	 * cycle with a writer waiting for one of its rows. */
	if (!d->read && take_writer(st) != 0)
		return -1;
	memset(a, 0, sizeof a);
	for (size_t i = 0; i < plan_count(s) && rc == 0; i++) {
		const struct plan *p = plan_at(s, i);
		int64_t due = PLAN_NOTIME, quiet = PLAN_NOTIME, ends = PLAN_NOTIME;
		const char *dom = plan_domain(p);

		if (!(p->flags & (PLAN_F_CHANGED | PLAN_F_REMOVED)))
			continue;
		if (p->flags & PLAN_F_REMOVED) {
			array_text(&del, p->rcpt, strlen(p->rcpt));
			if (++ndel == PUT_BATCH) {
				rc = put_batch(st, Q_DEL, &del, 1);
				ndel = 0;
			}
			continue;
		}
		if (p->state == PLAN_WAITING)
			due = p->next_retry;
		else if (p->state == PLAN_CLAIMED && plan_due_time(p, o) != PLAN_NOTIME)
			due = p->claimed_at;
		if (p->state == PLAN_CLAIMED)
			quiet = p->claimed_at > p->last_event ? p->claimed_at : p->last_event;
		if (p->state == PLAN_EXHAUSTED)
			ends = p->since + p->pause;
		else if (p->state == PLAN_RESOLVED || p->state == PLAN_FAILED)
			ends = p->since;
		b.len = 0;
		plan_format(&b, p, o);
		array_text(&a[A_RCPT], p->rcpt, strlen(p->rcpt));
		array_text(&a[A_DOMAIN], dom, strlen(dom));
		array_time(&a[A_STATE], p->state);
		array_time(&a[A_DUE], due);
		array_time(&a[A_QUIET], quiet);
		array_time(&a[A_ENDS], ends);
		array_text(&a[A_REC], b.p, b.len);
		if (++nput == PUT_BATCH) {
			rc = put_batch(st, Q_PUT, a, NA);
			nput = 0;
		}
	}
	if (rc == 0 && nput > 0)
		rc = put_batch(st, Q_PUT, a, NA);
	if (rc == 0 && ndel > 0)
		rc = put_batch(st, Q_DEL, &del, 1);
	for (int k = 0; k < NA; k++)
		util_buf_free(&a[k]);
	util_buf_free(&del);
	util_buf_free(&b);
	return rc;
}

static int
pg_commit(struct plan_store *st)
{
	struct pg_store *d = st->impl;

	if (!d->in_txn)
		return 0;
	d->in_txn = 0;
	return exec(st, "COMMIT");
}

static void
pg_close(struct plan_store *st)
{
	struct pg_store *d = st->impl;

	if (d == NULL)
		return;
	/* Closing the connection rolls back what was not committed. */
	if (d->conn)
		PQfinish(d->conn);
	hmap_free(&d->absent, NULL);
	rec_reader_free(&d->rd);
	free(d);
	st->impl = NULL;
}

/* Every plan, in the order first put (export, --dump). */
static int
pg_load_all(struct plan_store *st, struct plan_set *s)
{
	struct pg_store *d = st->impl;

	return d->empty ? BK_OK : bring(st, s, Q_ALL, 0, NULL) == 0 ? BK_OK : -1;
}

const struct plan_store_ops plan_store_pg_ops = {
	pg_open, pg_load, pg_lookup, pg_aging, pg_domain, pg_due,
	pg_put, pg_commit, pg_close, pg_load_all,
};
