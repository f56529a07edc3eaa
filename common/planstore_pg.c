/* planstore_pg: retry plans in a PostgreSQL database (a state named
 * postgresql://..., postgres://... or postgresql:[keyword=value ...]), for
 * senders whose MTAs and cron hosts share one state.
 *
 * The table is the SQLite store's (planstore_sqlite.c): each plan kept as
 * its record beside the columns its indexes need, so that exports are the
 * records of the JSON-lines store byte for byte. One transaction a run.
 *
 * Concurrency, without the whole-store lock of the other stores:
 * - a retry-due run reads the due plans without locking them, chooses the
 *   ones to hand out, and locks those (FOR UPDATE SKIP LOCKED), keeping the
 *   ones no other run holds or changed since; it chooses more while it has
 *   fewer than its --limit, and never waits: concurrent runs (on any host)
 *   hand out disjoint plans, each up to its limit. Ageing locks the rows it
 *   reads in the same way;
 * - a retry-plan run reads each recipient's plan FOR UPDATE (it waits for a
 *   retry-due run holding it, then sees its claim), and takes a
 *   transaction-scoped advisory lock first, so that two runs that insert
 *   the same new recipient, or lock the same rows in other orders, queue
 *   instead of losing an event or deadlocking (--wait waits for it, else
 *   the run fails at once, as with the other stores).
 * A retry-due run never waits for a lock, so no cycle of waits can form.
 *
 * The schema is made by the first run that writes and versioned in
 * bouncekit_schema; connecting and credentials: pgconn.h. */
#include "planstore.h"
#include "planstore_int.h"
#include "hmap.h"
#include "pgconn.h"
#include "schema.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* pg_advisory_xact_lock keys (PGCONN_LOCK_CLASS): what is locked. */
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

enum { Q_GET, Q_PUT, Q_DEL, Q_QUIET, Q_ENDS, Q_DOMAIN, Q_ALL, Q_TAKE, Q_GET_MANY, NQ };

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
	[Q_TAKE] = "SELECT rcpt, xmin::text FROM bouncekit_plans WHERE rcpt = ANY ($1::text[])",
	/* in the order named: as one look-up after another would bring them */
	[Q_GET_MANY] = ("SELECT p.rec FROM bouncekit_plans p JOIN unnest($1::text[]) WITH"
	    " ORDINALITY AS u (rcpt, n) ON p.rcpt = u.rcpt ORDER BY u.n"),
};
static const char *const lock_sql[NQ] = {
	[Q_GET] = " FOR UPDATE", [Q_QUIET] = " FOR UPDATE SKIP LOCKED",
	[Q_ENDS] = " FOR UPDATE SKIP LOCKED", [Q_DOMAIN] = " FOR UPDATE SKIP LOCKED",
	[Q_TAKE] = " FOR UPDATE SKIP LOCKED", [Q_GET_MANY] = " FOR UPDATE OF p",
};

static const struct pgconn_schema plans_schema = {
	"plans", "bouncekit_plans", "plan", 1, schema_sql, LOCK_SCHEMA,
};

struct pg_store {
	struct pgconn c;
	struct rec_reader rd;
	int writes, wait;
	int empty;		/* read only, no schema yet: no plans */
	int in_txn;
	int writer;		/* holds the writer lock */
	int read;		/* rows were read (locked, in a writing run) */
	int prepared[NQ];
	/* Recipients looked up without a plan: under the writer lock nobody
	 * else adds one, so each costs one round trip a run (bounded). */
	struct hmap absent;
	struct hmap version;	/* due plans read: rcpt -> xmin */
};

#define ABSENT_MAX 200000

int
plan_store_is_pg(const char *path)
{
	return pgconn_is_pg(path);
}

static int
pg_open(struct plan_store *st, int flags)
{
	struct pg_store *d = util_xcalloc(1, sizeof *d);
	int v;

	st->impl = d;
	d->writes = (flags & PLAN_STORE_WRITE) != 0;
	d->wait = (flags & PLAN_STORE_WAIT) != 0;
	rec_reader_init(&d->rd, &schema_plan);
	if (pgconn_open(&d->c, st->path) != 0 ||
	    (v = pgconn_schema(&d->c, &plans_schema, d->writes)) < 0)
		return -1;
	d->empty = v == 0;
	if (pgconn_exec(&d->c, d->writes ? "BEGIN" : "BEGIN READ ONLY") != 0)
		return -1;
	d->in_txn = 1;
	return 0;
}

/* The writer lock of retry-plan runs (see the top). 0, or -1 reported. */
static int
take_writer(struct plan_store *st)
{
	struct pg_store *d = st->impl;
	int got;

	if (d->writer || !d->writes)
		return 0;
	if ((got = pgconn_lock(&d->c, LOCK_WRITER, d->wait)) < 0)
		return -1;
	if (!got) {
		util_warnx("%s: locked by another run (--wait waits for it)", st->path);
		return -1;
	}
	d->writer = 1;
	return 0;
}

/* Runs query q (locking rows when the run writes). 0, or -1 reported. */
static int
query(struct plan_store *st, int q, int n, const char *const *params, PGresult **res)
{
	struct pg_store *d = st->impl;
	char name[16], *sql;
	size_t len = strlen(query_sql[q]) + 32;

	snprintf(name, sizeof name, "q%d", q);
	sql = util_xmalloc(len);
	snprintf(sql, len, "%s%s", query_sql[q], d->writes && lock_sql[q] ? lock_sql[q] : "");
	*res = pgconn_run(&d->c, &d->prepared[q], name, sql, n, params,
	    q == Q_PUT || q == Q_DEL ? "write" : "read");
	free(sql);
	return *res == NULL ? -1 : 0;
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

/* Keeps in mind that the store has no plan of rcpt (under the writer lock,
 * no other run can add one), up to ABSENT_MAX of them. */
static void
absent_add(struct pg_store *d, const char *rcpt, size_t len)
{
	if (d->absent.count >= ABSENT_MAX) {
		hmap_free(&d->absent, NULL);
		memset(&d->absent, 0, sizeof d->absent);
	}
	hmap_add(&d->absent, rcpt, len, NULL);
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
	if (plan_find_any(s, rcpt) == NULL)
		absent_add(d, rcpt, strlen(rcpt));
	return 0;
}

/* The plans of many recipients in one round trip instead of one each: those
 * not yet in s nor known absent, each once. */
static int
pg_lookup_many(struct plan_store *st, struct plan_set *s, const char *const *rcpts, size_t n)
{
	struct pg_store *d = st->impl;
	struct util_buf a = {0};
	struct hmap asked = {0};
	const char *param;
	int rc = 0, added;

	if (d->empty)
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(rcpts[i]);

		if (plan_find_any(s, rcpts[i]) != NULL)
			continue;
		if (asked.count == 0 && take_writer(st) != 0)
			return -1;
		if (hmap_find(&d->absent, rcpts[i], len) != HMAP_NONE)
			continue;
		hmap_add(&asked, rcpts[i], len, &added);
		if (added)
			pgconn_array_text(&a, rcpts[i], len);
	}
	if (asked.count > 0) {
		util_buf_addc(&a, '}');
		param = util_buf_str(&a);
		if ((rc = bring(st, s, Q_GET_MANY, 1, &param)) == 0)
			for (size_t i = 0; i < asked.count; i++) {
				const char *k = hmap_key(&asked, i);

				if (plan_find_any(s, k) == NULL)
					absent_add(d, k, strlen(k));
			}
	}
	hmap_free(&asked, NULL);
	util_buf_free(&a);
	return rc;
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
 * cursor (64 rows at a time), without locking them: the run chooses among
 * them (pacing, probes, --limit) and takes those it hands out (pg_take), so
 * that concurrent runs share the due plans, each up to its limit. Each
 * row's version (xmin) is kept for pg_take to see whether another run
 * changed it since. */
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
	    " SELECT rec, xmin::text FROM bouncekit_plans WHERE due IS NOT NULL AND"
	    " ((state = %d AND due <= %lld) OR (state = %d AND due <= %lld))"
	    " ORDER BY CASE WHEN state = %d THEN due + %lld ELSE due END, rcpt",
	    PLAN_WAITING, now, PLAN_CLAIMED, now - ct, PLAN_CLAIMED, ct);
	if (pgconn_exec(&d->c, sql) != 0)
		return -1;
	while (more && rc == 0) {
		PGresult *r = PQexec(d->c.conn, "FETCH 64 FROM bouncekit_due");
		int n;

		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			rc = pgconn_fail(&d->c, "read", r);
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
			if (d->writes)
				hmap_put(&d->version, p->rcpt, strlen(p->rcpt), NULL)->num =
				    strtoll(PQgetvalue(r, i, 1), NULL, 10);
			/* As the run sees it now (ageing may have resolved a claim). */
			if (plan_is_due(p, o) && !fn(ctx, p)) {
				more = 0;
				break;
			}
		}
		PQclear(r);
	}
	if (rc == 0 && pgconn_exec(&d->c, "CLOSE bouncekit_due") != 0)
		rc = -1;
	return rc;
}

/* Locks the rows of v that no other run holds, and keeps those still as
 * pg_due read them. */
static long
pg_take(struct plan_store *st, struct plan **v, size_t n)
{
	struct pg_store *d = st->impl;
	struct util_buf a = {0};
	struct hmap got = {0};
	const char *param;
	PGresult *r;
	size_t kept = 0;

	if (!d->writes || n == 0)
		return (long)n;
	for (size_t i = 0; i < n; i++)
		pgconn_array_text(&a, v[i]->rcpt, strlen(v[i]->rcpt));
	util_buf_addc(&a, '}');
	param = util_buf_str(&a);
	if (query(st, Q_TAKE, 1, &param, &r) != 0) {
		util_buf_free(&a);
		return -1;
	}
	for (int i = 0; i < PQntuples(r); i++)
		hmap_put(&got, PQgetvalue(r, i, 0), (size_t)PQgetlength(r, i, 0), NULL)->num =
		    strtoll(PQgetvalue(r, i, 1), NULL, 10);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i]->rcpt);
		struct hmap_entry *now = hmap_get(&got, v[i]->rcpt, len);
		struct hmap_entry *read = hmap_get(&d->version, v[i]->rcpt, len);

		if (now != NULL && read != NULL && now->num == read->num)
			v[kept++] = v[i];
	}
	PQclear(r);
	hmap_free(&got, NULL);
	util_buf_free(&a);
	return (long)kept;
}

/* Plans go back in statements of up to PUT_BATCH, each column as an array
 * (unnest), so that a run's writes cost a few round trips, not one each. */
#define PUT_BATCH 1000

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
		int64_t due, quiet, ends;
		const char *dom = plan_domain(p);

		if (!(p->flags & (PLAN_F_CHANGED | PLAN_F_REMOVED)))
			continue;
		if (p->flags & PLAN_F_REMOVED) {
			pgconn_array_text(&del, p->rcpt, strlen(p->rcpt));
			if (++ndel == PUT_BATCH) {
				rc = put_batch(st, Q_DEL, &del, 1);
				ndel = 0;
			}
			continue;
		}
		plan_store_columns(p, o, &due, &quiet, &ends);
		b.len = 0;
		plan_format(&b, p, o);
		pgconn_array_text(&a[A_RCPT], p->rcpt, strlen(p->rcpt));
		pgconn_array_text(&a[A_DOMAIN], dom, strlen(dom));
		pgconn_array_int(&a[A_STATE], p->state, 0);
		pgconn_array_int(&a[A_DUE], due, due == PLAN_NOTIME);
		pgconn_array_int(&a[A_QUIET], quiet, quiet == PLAN_NOTIME);
		pgconn_array_int(&a[A_ENDS], ends, ends == PLAN_NOTIME);
		pgconn_array_text(&a[A_REC], b.p, b.len);
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
	return pgconn_exec(&d->c, "COMMIT");
}

static void
pg_close(struct plan_store *st)
{
	struct pg_store *d = st->impl;

	if (d == NULL)
		return;
	/* Closing the connection rolls back what was not committed. */
	pgconn_close(&d->c);
	hmap_free(&d->absent, NULL);
	hmap_free(&d->version, NULL);
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
	pg_open, plan_store_load_nothing, pg_lookup, pg_aging, pg_domain, pg_due,
	pg_put, pg_commit, pg_close, pg_load_all, pg_take, NULL, pg_lookup_many,
};
