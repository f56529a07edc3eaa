/* pgconn: the connection, schema and locks of the PostgreSQL stores (see
 * pgconn.h). */
#include "pgconn.h"
#include "sandbox.h"
#include "util.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pgconn_pq pgconn_pq;

/* Loads libpq once: the runtime package's soname first, then the name the
 * development package links (another build of libpq, a newer soname). 0, or
 * -1 with a message. */
static int
load_libpq(const char *name)
{
	static const char *const sonames[] = { "libpq.so.5", "libpq.so" };
	static int loaded;
	void *h = NULL, *sym;
	char first[256] = "";

	if (loaded)
		return 0;
	for (size_t i = 0; i < sizeof sonames / sizeof sonames[0] && h == NULL; i++)
		if ((h = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL)) == NULL && i == 0)
			snprintf(first, sizeof first, "%s", dlerror());
	if (h == NULL) {
		util_warnx("%s: a PostgreSQL store needs libpq (libpq.so.5 or libpq.so; Debian: "
		    "libpq5): %s", name, first);
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

int
pgconn_is_pg(const char *path)
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

int
pgconn_fail(struct pgconn *c, const char *what, const PGresult *r)
{
	char *msg;

	/* The calls after a lost connection fail too: one message is enough. */
	if (c->failed++)
		return -1;
	msg = util_xstrdup(r && PQresultErrorMessage(r)[0] ? PQresultErrorMessage(r) :
	    PQerrorMessage(c->conn));
	if (PQstatus(c->conn) == CONNECTION_BAD)
		util_warnx("%s: %s: lost the connection to the server: %s", c->path, what,
		    one_line(msg));
	else
		util_warnx("%s: %s: %s", c->path, what, one_line(msg));
	free(msg);
	return -1;
}

/* The server's warnings (a shutdown under way ...) as diagnostics. */
static void
notice(void *arg, const char *message)
{
	const struct pgconn *c = arg;
	char *msg = util_xstrdup(message);

	util_warnx("%s: server says: %s", c->path, one_line(msg));
	free(msg);
}

int
pgconn_exec(struct pgconn *c, const char *sql)
{
	PGresult *r = PQexec(c->conn, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		pgconn_fail(c, sql, r);
	PQclear(r);
	return ok ? 0 : -1;
}

char *
pgconn_value(struct pgconn *c, const char *sql)
{
	PGresult *r = PQexec(c->conn, sql);
	char *v = NULL;

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		pgconn_fail(c, sql, r);
	else
		v = util_xstrdup(PQgetisnull(r, 0, 0) ? "" : PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

/* The version of sc: 0 none yet, -1 foreign or failed (reported). */
static int
version(struct pgconn *c, const struct pgconn_schema *sc)
{
	const char *const p[2] = { sc->table, sc->part };
	PGresult *r;
	int n, there;

	/* Its table, and the schema table with its row. */
	r = PQexecParams(c->conn, "SELECT to_regclass($1) IS NOT NULL,"
	    " to_regclass('bouncekit_schema') IS NOT NULL", 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		pgconn_fail(c, "read", r);
		PQclear(r);
		return -1;
	}
	there = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	n = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	PQclear(r);
	if (there && !n) {
		util_warnx("%s: a table %s that bouncekit did not make (no bouncekit_schema): not "
		    "used", c->path, sc->table);
		return -1;
	}
	if (!there)
		return 0;
	r = PQexecParams(c->conn, "SELECT coalesce(max(version), 0) FROM bouncekit_schema"
	    " WHERE part = $1", 1, NULL, p + 1, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		pgconn_fail(c, "read", r);
		PQclear(r);
		return -1;
	}
	n = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (n > sc->version || n < 1) {
		util_warnx("%s: %s schema version %d; this %s knows %d (upgrade bouncekit)", c->path,
		    sc->what, n, util_progname, sc->version);
		return -1;
	}
	return n;
}

/* Makes the part if no run did yet; runs racing here queue on a session
 * lock taken before the transaction, so that the transaction that looks
 * again starts after the winner's commit and sees its tables (a lock taken
 * inside it would leave the server's cache of names as it was). */
static int
make(struct pgconn *c, const struct pgconn_schema *sc)
{
	char sql[128];
	int v;

	/* The server's notices (IF NOT EXISTS ...) are not the user's. */
	snprintf(sql, sizeof sql, "SET client_min_messages = warning;"
	    " SELECT pg_advisory_lock(%d, %d)", PGCONN_LOCK_CLASS, sc->lock);
	if (pgconn_exec(c, sql) != 0 || pgconn_exec(c, "BEGIN") != 0)
		return -1;
	if ((v = version(c, sc)) < 0 || (v == 0 && pgconn_exec(c, sc->create) != 0))
		return -1;
	/* Version 1 is the first: later versions migrate forward here. */
	if (pgconn_exec(c, "COMMIT") != 0)
		return -1;
	snprintf(sql, sizeof sql, "SELECT pg_advisory_unlock(%d, %d)", PGCONN_LOCK_CLASS,
	    sc->lock);
	return pgconn_exec(c, sql) != 0 ? -1 : sc->version;
}

int
pgconn_schema(struct pgconn *c, const struct pgconn_schema *sc, int writes)
{
	int v = version(c, sc);

	return v == 0 && writes ? make(c, sc) : v;
}

/* A password in the name would show in ps(1) and in diagnostics (which
 * name the store only by its scheme then). */
static int
check_conninfo(struct pgconn *c, const char *conninfo)
{
	int scheme = (int)(strchr(c->path, ':') - c->path);
	char *err = NULL;
	PQconninfoOption *opts;
	int rc = 0;

	if ((opts = PQconninfoParse(conninfo, &err)) == NULL) {
		/* libpq quotes the part it could not read: it may be a secret. */
		util_warnx("%.*s:...: not a PostgreSQL connection URI (postgresql://[user@][host]"
		    "[:port][/dbname][?param=value...]) or keyword=value list", scheme, c->path);
		PQfreemem(err);
		return -1;
	}
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL) {
			util_warnx("%.*s:...: a password in the name of the store is visible to "
			    "every user in ps(1): put it in ~/.pgpass (PGPASSFILE) or a service "
			    "file (PGSERVICEFILE) instead", scheme, c->path);
			rc = -1;
		}
	PQconninfoFree(opts);
	return rc;
}

int
pgconn_open(struct pgconn *c, const char *path)
{
	/* postgresql:// and postgres:// are URIs for libpq; after a bare
	 * "postgresql:" comes a keyword=value list, empty: the environment. */
	const char *conninfo = strstr(path, "://") ? path : strchr(path, ':') + 1;
	const char *keys[] = { "dbname", "fallback_application_name", NULL };
	const char *vals[] = { conninfo, util_progname, NULL };

	memset(c, 0, sizeof *c);
	c->path = path;
	if (load_libpq(path) != 0 || check_conninfo(c, conninfo) != 0)
		return -1;
	/* The connection is made now, but libpq may make another (a second
	 * host of a list) while it connects: sockets stay allowed. */
	sandbox_allow_network(SANDBOX_NET_UNIX | SANDBOX_NET_TCP);
	/* An empty dbname is no dbname: the environment's (PGDATABASE ...). */
	if ((c->conn = PQconnectdbParams(keys, vals, 1)) == NULL) {
		util_warnx("%s: out of memory", path);
		return -1;
	}
	if (PQstatus(c->conn) != CONNECTION_OK) {
		char *msg = util_xstrdup(PQerrorMessage(c->conn));

		util_warnx("%s: cannot connect: %s", path, one_line(msg));
		free(msg);
		return -1;
	}
	PQsetNoticeProcessor(c->conn, notice, c);
	if (PQserverVersion(c->conn) < 90500) {
		util_warnx("%s: PostgreSQL %d.%d is too old: SKIP LOCKED needs 9.5 or later",
		    path, PQserverVersion(c->conn) / 10000, PQserverVersion(c->conn) / 100 % 100);
		return -1;
	}
	return 0;
}

int
pgconn_lock(struct pgconn *c, int key, int wait)
{
	char sql[96], *v;
	int got;

	snprintf(sql, sizeof sql, "SELECT pg_%sadvisory_xact_lock(%d, %d)", wait ? "" : "try_",
	    PGCONN_LOCK_CLASS, key);
	if (wait)
		return pgconn_exec(c, sql) != 0 ? -1 : 1;
	if ((v = pgconn_value(c, sql)) == NULL)
		return -1;
	got = strcmp(v, "t") == 0;
	free(v);
	return got;
}

PGresult *
pgconn_run(struct pgconn *c, int *prepared, const char *name, const char *sql, int n,
    const char *const *params, const char *what)
{
	PGresult *r;

	if (!*prepared) {
		r = PQprepare(c->conn, name, sql, n, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			pgconn_fail(c, "prepare", r);
			PQclear(r);
			return NULL;
		}
		PQclear(r);
		*prepared = 1;
	}
	r = PQexecPrepared(c->conn, name, n, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
		pgconn_fail(c, what, r);
		PQclear(r);
		return NULL;
	}
	return r;
}

/* An element of a text[] literal: quoted, " and \\ escaped. */
void
pgconn_array_text(struct util_buf *a, const char *v, size_t n)
{
	util_buf_addc(a, a->len == 0 ? '{' : ',');
	if (v == NULL) {
		util_buf_adds(a, "NULL");
		return;
	}
	util_buf_addc(a, '"');
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '"' || v[i] == '\\')
			util_buf_addc(a, '\\');
		util_buf_addc(a, v[i]);
	}
	util_buf_addc(a, '"');
}

void
pgconn_array_int(struct util_buf *a, long long v, int null)
{
	char num[24];

	util_buf_addc(a, a->len == 0 ? '{' : ',');
	if (null) {
		util_buf_adds(a, "NULL");
		return;
	}
	snprintf(num, sizeof num, "%lld", v);
	util_buf_adds(a, num);
}

void
pgconn_close(struct pgconn *c)
{
	if (c->conn)
		PQfinish(c->conn);
	c->conn = NULL;
}
