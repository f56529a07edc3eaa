/* planstore_sqlite: retry plans in an SQLite database (a state named *.db).
 *
 * A run costs what it touches, not what the store holds: a recipient's plan
 * is one index look-up, the due plans come in order from an index, and only
 * the plans the run brought in are written back, in one transaction. Each
 * plan is kept as its record (bouncekit-records(5)), so that exports are the
 * records of the JSON-lines store byte for byte, beside the columns the
 * indexes need, which put derives from the plan every time it writes one.
 *
 * WAL mode; a writing run takes the write lock at once (BEGIN IMMEDIATE), so
 * two retry-due runs never hand out the same plan; busy_timeout waits only
 * with --wait. The schema carries PRAGMA application_id (a foreign database
 * is refused) and user_version (migrated forward here, refused if newer). */
#include "planstore.h"
#include "planstore_int.h"
#include "schema.h"
#include "sqldb.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char schema_sql[] =
    "CREATE TABLE plans ("
    " id INTEGER PRIMARY KEY,"		/* the order of export: first put first */
    " rcpt TEXT NOT NULL UNIQUE,"
    " domain TEXT NOT NULL,"
    " state INTEGER NOT NULL,"		/* PLAN_WAITING ... PLAN_FAILED */
    " due INTEGER,"			/* waiting: next_retry; an unconfirmed claim: claimed_at */
    " quiet INTEGER,"			/* claimed: since when nothing was heard */
    " ends INTEGER,"			/* exhausted: end of its pause; resolved, failed: since */
    " rec BLOB NOT NULL);"		/* the plan record, packed (rec_pack); text before 0.3 */
    "CREATE INDEX plans_due ON plans(state, due, rcpt) WHERE due IS NOT NULL;"
    "CREATE INDEX plans_quiet ON plans(quiet) WHERE quiet IS NOT NULL;"
    "CREATE INDEX plans_ends ON plans(state, ends) WHERE ends IS NOT NULL;"
    "CREATE INDEX plans_domain ON plans(domain, state);";

static const struct sqldb_schema plan_db = {
	"plan", 0x626b706c /* "bkpl" */, 1, schema_sql, NULL,
};

enum { Q_GET, Q_PUT, Q_DEL, Q_DUE, Q_QUIET, Q_ENDS, Q_DOMAIN, Q_ALL, NQ };

static const char *const query_sql[NQ] = {
	[Q_GET] = "SELECT rec FROM plans WHERE rcpt = ?1",
	[Q_PUT] = "INSERT INTO plans (rcpt, domain, state, due, quiet, ends, rec)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (rcpt) DO UPDATE SET"
	    " domain = ?2, state = ?3, due = ?4, quiet = ?5, ends = ?6, rec = ?7",
	[Q_DEL] = "DELETE FROM plans WHERE rcpt = ?1",
	[Q_DUE] = "SELECT due, rcpt, rec FROM plans WHERE state = ?1 AND due IS NOT NULL"
	    " AND due <= ?2 ORDER BY due, rcpt",
	[Q_QUIET] = "SELECT rec FROM plans WHERE quiet IS NOT NULL AND quiet <= ?1",
	[Q_ENDS] = "SELECT rec FROM plans WHERE state = ?1 AND ends IS NOT NULL AND ends <= ?2",
	[Q_DOMAIN] = "SELECT rec FROM plans WHERE domain = ?1 AND state = ?2",
	[Q_ALL] = "SELECT rec FROM plans ORDER BY id",
};

struct sqlite_store {
	struct sqldb db;
	sqlite3_stmt *q[NQ];
	struct rec_reader rd;
};

static int
db_fail(struct plan_store *st, const char *what)
{
	return sqldb_fail(&((struct sqlite_store *)st->impl)->db, what);
}

static int
sqlite_open(struct plan_store *st, int flags)
{
	struct sqlite_store *d = util_xcalloc(1, sizeof *d);
	int empty;

	st->impl = d;
	rec_reader_init(&d->rd, &schema_plan);
	if ((empty = sqldb_open(&d->db, st->path, &plan_db, (flags & PLAN_STORE_WRITE) != 0,
	    (flags & PLAN_STORE_WAIT) != 0)) < 0)
		return -1;
	/* An empty database read: nothing to ask, no plans. */
	for (int i = 0; i < NQ && !empty; i++)
		if ((d->q[i] = sqldb_prepare(&d->db, query_sql[i])) == NULL)
			return -1;
	return 0;
}

/* The plan of a row's record into s, unless s has it already (then as it
 * is in s). NULL with a message for a record that is not a plan. */
static struct plan *
row_plan(struct plan_store *st, struct plan_set *s, sqlite3_stmt *q, int col)
{
	struct sqlite_store *d = st->impl;
	int packed = sqlite3_column_type(q, col) == SQLITE_BLOB;
	const char *rec = packed ? sqlite3_column_blob(q, col) :
	    (const char *)sqlite3_column_text(q, col);
	int len = sqlite3_column_bytes(q, col);
	struct rec_val v[PL_NFIELDS];
	char why[200];
	struct plan *p;

	if (rec == NULL)
		goto bad;
	/* Packed since bouncekit 0.3; the record's text before. */
	if (packed ? rec_unpack(rec, (size_t)len, &schema_plan, plan_wire(), v) != 0 :
	    rec_read(&d->rd, rec, (size_t)len, v, why, sizeof why) <= 0)
		goto bad;
	if ((p = plan_find_any(s, v[PL_RCPT].s)) != NULL)
		return p;
	if (plan_from_rec(s, v, why, sizeof why) != 0)
		goto bad;
	return plan_find_any(s, v[PL_RCPT].s);
bad:
	util_warnx("%s: a stored plan is not a plan record (%.60s): the database is damaged",
	    st->path, rec == NULL ? "NULL" : packed ? "packed" : rec);
	return NULL;
}

/* Runs q (bound) and brings in the plan of every row. */
static int
bring(struct plan_store *st, struct plan_set *s, sqlite3_stmt *q)
{
	int rc;

	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (row_plan(st, s, q, 0) == NULL) {
			sqlite3_reset(q);
			return -1;
		}
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 0 : db_fail(st, "read");
}

/* Nothing is read up front. */
static int
sqlite_load(struct plan_store *st, struct plan_set *s)
{
	(void)st, (void)s;
	return BK_OK;
}

static int
sqlite_lookup(struct plan_store *st, struct plan_set *s, const char *rcpt)
{
	struct sqlite_store *d = st->impl;
	sqlite3_stmt *q = d->q[Q_GET];

	if (q == NULL || plan_find_any(s, rcpt) != NULL)
		return 0;
	sqlite3_bind_text(q, 1, rcpt, -1, SQLITE_STATIC);
	return bring(st, s, q);
}

static int
sqlite_aging(struct plan_store *st, struct plan_set *s, const struct plan_opts *o)
{
	struct sqlite_store *d = st->impl;
	int64_t now = o->now;

	if (d->q[Q_QUIET] == NULL)
		return 0;
	sqlite3_bind_int64(d->q[Q_QUIET], 1, now - o->resolve_after);
	if (bring(st, s, d->q[Q_QUIET]) != 0)
		return -1;
	sqlite3_bind_int(d->q[Q_ENDS], 1, PLAN_EXHAUSTED);
	sqlite3_bind_int64(d->q[Q_ENDS], 2, now);
	if (bring(st, s, d->q[Q_ENDS]) != 0)
		return -1;
	for (int state = PLAN_RESOLVED; state <= PLAN_FAILED; state++) {
		sqlite3_bind_int(d->q[Q_ENDS], 1, state);
		sqlite3_bind_int64(d->q[Q_ENDS], 2, now - o->keep);
		if (bring(st, s, d->q[Q_ENDS]) != 0)
			return -1;
	}
	return 0;
}

static int
sqlite_domain(struct plan_store *st, struct plan_set *s, const char *domain)
{
	struct sqlite_store *d = st->impl;
	sqlite3_stmt *q = d->q[Q_DOMAIN];

	if (q == NULL)
		return 0;
	sqlite3_bind_text(q, 1, domain, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, PLAN_WAITING);
	return bring(st, s, q);
}

/* The due plans of the two states merged in the order of their due time:
 * waiting ones at next_retry, unconfirmed claims claim_timeout after. */
static int
sqlite_due(struct plan_store *st, struct plan_set *s, const struct plan_opts *o,
    int (*fn)(void *ctx, struct plan *p), void *ctx)
{
	struct sqlite_store *d = st->impl;
	sqlite3_stmt *q[2];
	int64_t shift[2] = { 0, o->claim_timeout }, when[2];
	int live[2], rc = 0;

	if (d->q[Q_DUE] == NULL)
		return 0;
	/* Two cursors on one statement would share it: prepare the second. */
	q[0] = d->q[Q_DUE];
	if ((q[1] = sqldb_prepare(&d->db, query_sql[Q_DUE])) == NULL)
		return -1;
	for (int k = 0; k < 2; k++) {
		sqlite3_bind_int(q[k], 1, k == 0 ? PLAN_WAITING : PLAN_CLAIMED);
		sqlite3_bind_int64(q[k], 2, (int64_t)o->now - shift[k]);
		if ((live[k] = sqlite3_step(q[k])) == SQLITE_ROW)
			when[k] = sqlite3_column_int64(q[k], 0) + shift[k];
	}
	while (live[0] == SQLITE_ROW || live[1] == SQLITE_ROW) {
		int k = live[0] != SQLITE_ROW ? 1 : live[1] != SQLITE_ROW ? 0 :
		    when[0] != when[1] ? when[1] < when[0] :
		    strcmp((const char *)sqlite3_column_text(q[1], 1),
		    (const char *)sqlite3_column_text(q[0], 1)) < 0;
		struct plan *p = row_plan(st, s, q[k], 2);

		if (p == NULL) {
			rc = -1;
			break;
		}
		/* As the run sees it now (ageing may have resolved a claim). */
		if (plan_is_due(p, o) && !fn(ctx, p))
			break;
		if ((live[k] = sqlite3_step(q[k])) == SQLITE_ROW)
			when[k] = sqlite3_column_int64(q[k], 0) + shift[k];
	}
	for (int k = 0; k < 2; k++)
		if (live[k] != SQLITE_ROW && live[k] != SQLITE_DONE && rc == 0)
			rc = db_fail(st, "read");
	sqlite3_reset(q[0]);
	sqlite3_finalize(q[1]);
	return rc;
}

static void
bind_time(sqlite3_stmt *q, int col, int64_t t)
{
	if (t == PLAN_NOTIME)
		sqlite3_bind_null(q, col);
	else
		sqlite3_bind_int64(q, col, t);
}

/* The plans of the run that changed go back, the removed ones go: the
 * others were only read (a domain's plans, candidates that stayed). */
static int
sqlite_put(struct plan_store *st, struct plan_set *s, const struct plan_opts *o)
{
	struct sqlite_store *d = st->impl;
	struct util_buf b = {0};
	int rc = 0;

	for (size_t i = 0; i < plan_count(s) && rc == 0; i++) {
		const struct plan *p = plan_at(s, i);
		sqlite3_stmt *q;
		int64_t due = PLAN_NOTIME, quiet = PLAN_NOTIME, ends = PLAN_NOTIME;

		if (!(p->flags & (PLAN_F_CHANGED | PLAN_F_REMOVED)))
			continue;
		if (p->flags & PLAN_F_REMOVED) {
			q = d->q[Q_DEL];
			sqlite3_bind_text(q, 1, p->rcpt, -1, SQLITE_STATIC);
		} else {
			q = d->q[Q_PUT];
			if (p->state == PLAN_WAITING)
				due = p->next_retry;
			else if (p->state == PLAN_CLAIMED &&
			    plan_due_time(p, o) != PLAN_NOTIME)
				due = p->claimed_at;
			if (p->state == PLAN_CLAIMED)
				quiet = p->claimed_at > p->last_event ? p->claimed_at : p->last_event;
			if (p->state == PLAN_EXHAUSTED)
				ends = p->since + p->pause;
			else if (p->state == PLAN_RESOLVED || p->state == PLAN_FAILED)
				ends = p->since;
			b.len = 0;
			plan_pack(&b, p, o);
			sqlite3_bind_text(q, 1, p->rcpt, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 2, plan_domain(p), -1, SQLITE_STATIC);
			sqlite3_bind_int(q, 3, p->state);
			bind_time(q, 4, due);
			bind_time(q, 5, quiet);
			bind_time(q, 6, ends);
			sqlite3_bind_blob(q, 7, b.p, (int)b.len, SQLITE_STATIC);
		}
		if (sqlite3_step(q) != SQLITE_DONE)
			rc = db_fail(st, "write");
		sqlite3_reset(q);
		sqlite3_clear_bindings(q);
	}
	util_buf_free(&b);
	return rc;
}

static int
sqlite_commit(struct plan_store *st)
{
	return sqldb_commit(&((struct sqlite_store *)st->impl)->db);
}

static void
sqlite_close(struct plan_store *st)
{
	struct sqlite_store *d = st->impl;

	if (d == NULL)
		return;
	for (int i = 0; i < NQ; i++)
		sqlite3_finalize(d->q[i]);
	sqldb_close(&d->db);
	rec_reader_free(&d->rd);
	free(d);
	st->impl = NULL;
}

/* Every plan, in the order first put (export, --dump). */
static int
sqlite_load_all(struct plan_store *st, struct plan_set *s)
{
	struct sqlite_store *d = st->impl;

	return d->q[Q_ALL] == NULL ? 0 : bring(st, s, d->q[Q_ALL]);
}

const struct plan_store_ops plan_store_sqlite_ops = {
	sqlite_open, sqlite_load, sqlite_lookup, sqlite_aging, sqlite_domain, sqlite_due,
	sqlite_put, sqlite_commit, sqlite_close, sqlite_load_all, NULL,
};
