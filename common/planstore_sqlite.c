/* planstore_sqlite: retry plans in an SQLite database (a state named *.db).
 *
 * A run costs what it touches, not what the store holds: a recipient's plan
 * is one look-up of the table's key, the due plans come in order from the
 * due table (retry-due stops at its limit, and asks plans_probe once a domain
 * for the probe of a full server), and only the plans the run brought in
 * and changed are written back, in one transaction, in key order. Each plan
 * is the columns the indexes need and the rest of its record packed
 * (planpack.c), so that exports are the records of the JSON-lines store
 * byte for byte; put derives the columns from the plan every time.
 *
 * WAL mode; a writing run takes the write lock at once (BEGIN IMMEDIATE), so
 * two retry-due runs never hand out the same plan; busy_timeout waits only
 * with --wait. The schema carries PRAGMA application_id (a foreign database
 * is refused) and user_version (migrated forward here, refused if newer). */
#include "planstore.h"
#include "planstore_int.h"
#include "planpack.h"
#include "schema.h"
#include "sqldb.h"
#include "sqlmem.h"
#include "util.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Version 2: keyed by recipient (no rowid, no second index on it), only
 * the plans a query needs in each index, repeated strings by number.
 * Version 3: the due plans in a table of their own (due), kept in step by
 * triggers, in place of an index: a first run fills it in its order from
 * the plans it sorted itself, where CREATE INDEX read the whole table back
 * and sorted its entries with SQLite's record comparisons (1.1M events,
 * load 5-6: 0.48-0.58 s CPU against 0.9-1.2 s). */
#define PLAN_TABLE(name) \
    "CREATE TABLE " name " (" \
    " rcpt TEXT PRIMARY KEY," \
    " id INTEGER NOT NULL,"		/* the order of export: first put first */ \
    " state INTEGER NOT NULL,"		/* PLAN_WAITING ... PLAN_FAILED */ \
    " dom INTEGER NOT NULL,"		/* the domain: a name's number */ \
    " due INTEGER,"			/* waiting: next_retry; an unconfirmed claim: claimed_at */ \
    " quiet INTEGER,"			/* claimed: since when nothing was heard */ \
    " ends INTEGER,"			/* exhausted: end of its pause; resolved, failed: since */ \
    " probe INTEGER,"			/* its domain's rules look at it: attempts */ \
    " rec BLOB NOT NULL"		/* the rest of the plan record (planpack.c) */ \
    ") WITHOUT ROWID;"
#define IX_DUE_V2 "CREATE INDEX plans_due ON plans(state, due) WHERE due IS NOT NULL;"
/* The plans with a due time, in the order retry-due walks them. */
#define DUE_TABLE \
    "CREATE TABLE due (state INTEGER NOT NULL, due INTEGER NOT NULL, rcpt TEXT NOT NULL," \
    " PRIMARY KEY (state, due, rcpt)) WITHOUT ROWID;"
#define DUE_OUT(who) \
    "DELETE FROM due WHERE state = " who ".state AND due = " who ".due AND rcpt = " who ".rcpt;"
/* The trigger of a new plan: dropped by a bulk put, which fills the table
 * after the plans (bulk_indexes). */
#define TR_DUE_ADD \
    "CREATE TRIGGER plans_due_add AFTER INSERT ON plans WHEN new.due IS NOT NULL BEGIN" \
    " INSERT INTO due VALUES (new.state, new.due, new.rcpt); END;"
#define DUE_TRIGGERS TR_DUE_ADD \
    "CREATE TRIGGER plans_due_move AFTER UPDATE OF state, due ON plans" \
    " WHEN old.state IS NOT new.state OR old.due IS NOT new.due BEGIN " DUE_OUT("old") \
    " INSERT INTO due SELECT new.state, new.due, new.rcpt WHERE new.due IS NOT NULL; END;" \
    "CREATE TRIGGER plans_due_drop AFTER DELETE ON plans WHEN old.due IS NOT NULL BEGIN " \
    DUE_OUT("old") " END;"
#define IX_QUIET "CREATE INDEX plans_quiet ON plans(quiet) WHERE quiet IS NOT NULL;"
#define IX_ENDS "CREATE INDEX plans_ends ON plans(state, ends) WHERE ends IS NOT NULL;"
#define IX_PROBE "CREATE INDEX plans_probe ON plans(dom, state, probe, due) WHERE probe IS NOT NULL;"
#define PLAN_INDEXES IX_QUIET IX_ENDS IX_PROBE
#define PLAN_AUX \
    "CREATE TABLE names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);" \
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER) WITHOUT ROWID;"

static const char schema_sql[] = PLAN_TABLE("plans") PLAN_INDEXES PLAN_AUX DUE_TABLE
    DUE_TRIGGERS;

static const char *const migrate_sql[] = {
	/* Version 1 (bouncekit 0.3) to 2: the old table is kept aside and its
	 * plans moved over by upgrade() in the same transaction (once the
	 * schema is the latest). */
	"DROP INDEX plans_due; DROP INDEX plans_quiet; DROP INDEX plans_ends;"
	"DROP INDEX plans_domain; ALTER TABLE plans RENAME TO plans_v1;"
	PLAN_TABLE("plans") IX_DUE_V2 PLAN_INDEXES PLAN_AUX,
	/* 2 to 3: the due index becomes the due table. */
	DUE_TABLE "INSERT INTO due SELECT state, due, rcpt FROM plans WHERE due IS NOT NULL"
	" ORDER BY state, due, rcpt; DROP INDEX plans_due;" DUE_TRIGGERS,
};

static const struct sqldb_schema plan_db = {
	"plan", 0x626b706c /* "bkpl" */, 3, schema_sql, migrate_sql,
};

/* Each plan query's first columns: rcpt, dom, state, rec. */
#define ROW "SELECT rcpt, dom, state, rec"

enum { Q_GET, Q_PUT, Q_ADD, Q_DEL, Q_DUE, Q_QUIET, Q_ENDS, Q_DOMAIN, Q_ALL, Q_PROBE_OUT, Q_PROBE,
	Q_NAME_ID, Q_NAME_ADD, Q_NAME, Q_NEXT_ID, Q_SET_NEXT_ID, Q_EMPTY, NQ };

static const char *const query_sql[NQ] = {
	[Q_GET] = ROW " FROM plans WHERE rcpt = ?1",
	[Q_PUT] = "INSERT INTO plans (rcpt, id, state, dom, due, quiet, ends, probe, rec)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (rcpt) DO UPDATE SET"
	    " state = ?3, dom = ?4, due = ?5, quiet = ?6, ends = ?7, probe = ?8, rec = ?9",
	/* Into a table that had no plans: no row to look for first. */
	[Q_ADD] = "INSERT INTO plans (rcpt, id, state, dom, due, quiet, ends, probe, rec)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[Q_DEL] = "DELETE FROM plans WHERE rcpt = ?1",
	/* The due table first, each of its rows' plan by its key. */
	[Q_DUE] = "SELECT p.rcpt, p.dom, p.state, p.rec, x.due FROM due AS x CROSS JOIN plans AS p"
	    " ON p.rcpt = x.rcpt WHERE x.state = ?1 AND x.due <= ?2 ORDER BY x.due, x.rcpt",
	[Q_QUIET] = ROW " FROM plans WHERE quiet IS NOT NULL AND quiet <= ?1",
	[Q_ENDS] = ROW " FROM plans WHERE state = ?1 AND ends IS NOT NULL AND ends <= ?2",
	[Q_DOMAIN] = ROW " FROM plans WHERE dom = ?1 AND probe IS NOT NULL",
	[Q_ALL] = ROW " FROM plans ORDER BY id",
	[Q_PROBE_OUT] = ROW " FROM plans WHERE dom = ?1 AND state = 1 AND probe IS NOT NULL",
	/* Named: without statistics the planner might take another index and
	 * read many plans of the store, then sort them. */
	[Q_PROBE] = ROW " FROM plans INDEXED BY plans_probe WHERE dom = ?1 AND state = ?2"
	    " AND probe IS NOT NULL AND due <= ?3 ORDER BY probe, due, rcpt",
	[Q_NAME_ID] = "SELECT id FROM names WHERE name = ?1",
	[Q_NAME_ADD] = "INSERT INTO names (name) VALUES (?1)",
	[Q_NAME] = "SELECT name FROM names WHERE id = ?1",
	[Q_NEXT_ID] = "SELECT value FROM meta WHERE key = 'next_id'",
	[Q_SET_NEXT_ID] = "INSERT OR REPLACE INTO meta (key, value) VALUES ('next_id', ?1)",
	[Q_EMPTY] = "SELECT NOT EXISTS (SELECT 1 FROM plans)",
};

/* Plans an INSERT into an empty table puts at once. */
#define ROWS 64

struct sqlite_store {
	struct sqldb db;
	sqlite3_stmt *q[NQ];
	sqlite3_stmt *add_many;	/* ROWS plans into an empty table, made when needed */
	struct rec_reader rd;
	struct hmap names;	/* name -> num: its number */
	struct hmap ids;	/* number (decimal) -> val: its name (a key of names) */
	int64_t next_id;	/* 0: not read yet */
	int empty;		/* a writing run found no plans: none to look up */
	/* The numbers of the names put lately, by the address of the string:
	 * a plan's strings are shared (plan_intern), so that most plans find
	 * theirs here, without hashing. Valid for one put (the set's strings
	 * stay where they are until it returns). */
	struct recent_name {
		const char *s;
		long long id;
	} recent[64];
};

static int
db_fail(struct plan_store *st, const char *what)
{
	return sqldb_fail(&((struct sqlite_store *)st->impl)->db, what);
}

/* --- the names: strings that repeat from plan to plan, by number --- */

static void
name_keep(struct sqlite_store *d, const char *name, long long id)
{
	struct hmap_entry *he = hmap_put(&d->names, name, strlen(name), NULL);
	char key[24];

	he->num = id;
	name = he->key;
	snprintf(key, sizeof key, "%lld", id);
	hmap_put(&d->ids, key, strlen(key), NULL)->val = (void *)(uintptr_t)name;
}

/* The number of name; if the table has none, a new one (add) or -1. -2
 * when the table cannot be read or written (reported). */
static long long
name_find(struct plan_store *st, const char *name, int add)
{
	struct sqlite_store *d = st->impl;
	struct hmap_entry *he = hmap_get(&d->names, name, strlen(name));
	sqlite3_stmt *q = d->q[Q_NAME_ID];
	long long id = -1;
	int rc;

	if (he != NULL)
		return he->num;
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(q)) == SQLITE_ROW)
		id = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, "read") - 1;
	if (id < 0) {
		if (!add)
			return -1;
		q = d->q[Q_NAME_ADD];
		sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
		if (sqldb_run(&d->db, q) != 0)
			return -2;
		id = sqlite3_last_insert_rowid(d->db.db);
	}
	name_keep(d, name, id);
	return id;
}

static long long
name_id(void *ctx, const char *name)
{
	return name_find(ctx, name, 1);
}

/* The name of a number, or NULL (a damaged store: reported by the caller;
 * or a failed read, reported here). */
static const char *
name_of(void *ctx, long long id)
{
	struct plan_store *st = ctx;
	struct sqlite_store *d = st->impl;
	sqlite3_stmt *q = d->q[Q_NAME];
	struct hmap_entry *he;
	const char *name = NULL;
	char key[24];
	int rc;

	snprintf(key, sizeof key, "%lld", id);
	if ((he = hmap_get(&d->ids, key, strlen(key))) != NULL)
		return he->val;
	sqlite3_bind_int64(q, 1, id);
	if ((rc = sqlite3_step(q)) == SQLITE_ROW &&
	    (name = (const char *)sqlite3_column_text(q, 0)) != NULL) {
		name_keep(d, name, id);
		name = hmap_get(&d->names, name, strlen(name))->key;
	}
	sqlite3_reset(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		db_fail(st, "read");
	return name;
}

static int upgrade(struct plan_store *st);

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
	if (empty || upgrade(st) != 0)
		return empty ? 0 : -1;
	if (flags & PLAN_STORE_WRITE) {
		sqlite3_stmt *q = d->q[Q_EMPTY];

		d->empty = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0);
		sqlite3_reset(q);
	}
	return 0;
}

/* The plan of a row (ROW's columns) into s, unless s has it already (then
 * as it is in s). NULL with a message for a row that is not a plan. */
static struct plan *
row_plan(struct plan_store *st, struct plan_set *s, sqlite3_stmt *q)
{
	const char *rcpt = (const char *)sqlite3_column_text(q, 0), *dom;
	const void *rec = sqlite3_column_blob(q, 3);
	int len = sqlite3_column_bytes(q, 3), state = sqlite3_column_int(q, 2);
	struct rec_val v[PL_NFIELDS];
	char seen[16 * PLAN_SEEN + 1], why[200] = "";
	struct plan *p;

	if (rcpt == NULL)
		goto bad;
	if ((p = plan_find_any(s, rcpt)) != NULL)
		return p;
	if (rec == NULL || state < PLAN_WAITING || state > PLAN_FAILED ||
	    planpack_get(rec, (size_t)len, v, seen, sizeof seen, name_of, st) != 0 ||
	    (dom = name_of(st, sqlite3_column_int64(q, 1))) == NULL)
		goto bad;
	rec_str(&v[PL_RCPT], rcpt);
	rec_str(&v[PL_DOMAIN], dom);
	rec_str(&v[PL_STATE], plan_state_name(state));
	if (plan_from_rec(s, v, why, sizeof why) != 0)
		goto bad;
	return plan_find_any(s, rcpt);
bad:
	util_warnx("%s: the stored plan of %.80s is not a plan record%s%s: the database is "
	    "damaged", st->path, rcpt ? rcpt : "NULL", *why ? ": " : "", why);
	return NULL;
}

/* Runs q (bound) and brings in the plan of every row. */
static int
bring(struct plan_store *st, struct plan_set *s, sqlite3_stmt *q)
{
	int rc;

	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (row_plan(st, s, q) == NULL) {
			sqlite3_reset(q);
			return -1;
		}
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 0 : db_fail(st, "read");
}
static int
sqlite_lookup(struct plan_store *st, struct plan_set *s, const char *rcpt)
{
	struct sqlite_store *d = st->impl;
	sqlite3_stmt *q = d->q[Q_GET];

	if (q == NULL || d->empty || plan_find_any(s, rcpt) != NULL)
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
	long long dom;

	if (q == NULL || (dom = name_find(st, domain, 0)) == -1)
		return 0;
	if (dom < 0)
		return -1;
	sqlite3_bind_int64(q, 1, dom);
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
			when[k] = sqlite3_column_int64(q[k], 4) + shift[k];
	}
	while (live[0] == SQLITE_ROW || live[1] == SQLITE_ROW) {
		int k = live[0] != SQLITE_ROW ? 1 : live[1] != SQLITE_ROW ? 0 :
		    when[0] != when[1] ? when[1] < when[0] :
		    strcmp((const char *)sqlite3_column_text(q[1], 0),
		    (const char *)sqlite3_column_text(q[0], 0)) < 0;
		struct plan *p = row_plan(st, s, q[k]);

		if (p == NULL) {
			rc = -1;
			break;
		}
		/* As the run sees it now (ageing may have resolved a claim). */
		if (plan_is_due(p, o) && !fn(ctx, p))
			break;
		if ((live[k] = sqlite3_step(q[k])) == SQLITE_ROW)
			when[k] = sqlite3_column_int64(q[k], 4) + shift[k];
	}
	for (int k = 0; k < 2; k++)
		if (live[k] != SQLITE_ROW && live[k] != SQLITE_DONE && rc == 0)
			rc = db_fail(st, "read");
	sqlite3_reset(q[0]);
	sqlite3_finalize(q[1]);
	return rc;
}

/* Whether a probe to the domain is out; else its next probe: from the
 * domain's plans that wait on its server (plans_probe), a few rows. */
static int
sqlite_probe(struct plan_store *st, struct plan_set *s, const struct plan_opts *o,
    const char *domain, struct plan **probe)
{
	struct sqlite_store *d = st->impl;
	sqlite3_stmt *q = d->q[Q_PROBE_OUT];
	int64_t shift[2] = { 0, o->claim_timeout };
	long long dom;
	int rc;

	*probe = NULL;
	if (q == NULL || (dom = name_find(st, domain, 0)) == -1)
		return 0;
	if (dom < 0)
		return -1;
	sqlite3_bind_int64(q, 1, dom);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct plan *p = row_plan(st, s, q);

		if (p == NULL) {
			sqlite3_reset(q);
			return -1;
		}
		if (p->state == PLAN_CLAIMED && plan_waits_on_server(p) && !plan_is_due(p, o) &&
		    p->last_event < p->claimed_at) {
			sqlite3_reset(q);
			return 1;
		}
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return db_fail(st, "read");
	/* The first in the order of (attempts, due time, recipient) of the
	 * waiting ones and of the unconfirmed claims. */
	q = d->q[Q_PROBE];
	for (int k = 0; k < 2; k++) {
		struct plan *p = NULL;

		sqlite3_bind_int64(q, 1, dom);
		sqlite3_bind_int(q, 2, k == 0 ? PLAN_WAITING : PLAN_CLAIMED);
		sqlite3_bind_int64(q, 3, (int64_t)o->now - shift[k]);
		while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
			if ((p = row_plan(st, s, q)) == NULL)
				break;
			if (plan_is_due(p, o) && plan_waits_on_server(p))
				break;
			p = NULL;
		}
		sqlite3_reset(q);
		if (rc == SQLITE_ROW && p == NULL)
			return -1;	/* reported by row_plan */
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return db_fail(st, "read");
		if (p != NULL && (*probe == NULL || p->attempts < (*probe)->attempts ||
		    (p->attempts == (*probe)->attempts &&
		    (plan_due_time(p, o) < plan_due_time(*probe, o) ||
		    (plan_due_time(p, o) == plan_due_time(*probe, o) &&
		    strcmp(p->rcpt, (*probe)->rcpt) < 0)))))
			*probe = p;
	}
	return 0;
}

static void
bind_time(sqlite3_stmt *q, int col, int64_t t)
{
	if (t == PLAN_NOTIME)
		sqlite3_bind_null(q, col);
	else
		sqlite3_bind_int64(q, col, t);
}

/* name_id through the names put lately (sqlite_store.recent). */
static long long
name_id_recent(void *ctx, const char *name)
{
	struct plan_store *st = ctx;
	struct sqlite_store *d = st->impl;
	struct recent_name *r = &d->recent[((uintptr_t)name >> 3) % 64];

	if (r->s != name) {
		long long id = name_find(st, name, 1);

		if (id < 0)
			return id;
		r->s = name;
		r->id = id;
	}
	return r->id;
}

static int
pack_rec(const struct rec_val *v, void *arg)
{
	void **a = arg;

	return planpack_put(a[0], v, name_id_recent, a[1]);
}

/* The columns of a plan kept for the indexes (PLAN_NOTIME: null). */
enum { C_DUE, C_QUIET, C_ENDS, C_PROBE, NCOL };

static void
plan_columns(const struct plan *p, const struct plan_opts *o, int64_t *col)
{
	plan_store_columns(p, o, &col[C_DUE], &col[C_QUIET], &col[C_ENDS]);
	/* The plans the rules of the domain look at (plan_domains_back): those
	 * that wait on its server, and those released to it at a rate. */
	col[C_PROBE] = (plan_waits_on_server(p) && (p->state == PLAN_WAITING ||
	    p->state == PLAN_CLAIMED)) || (p->state == PLAN_WAITING &&
	    p->sched == PLAN_SCHED_RECOVERED) ? p->attempts : PLAN_NOTIME;
}

/* A plan packed for its row: its columns, its domain's number, then its
 * record (len bytes) and its recipient (NUL-terminated) right after it in
 * the memory of the put (struct arena). */
struct row {
	int64_t col[NCOL];
	long long dom;
	uint32_t len;
	int state;
};
/* How many plans ahead a put asks for the memory of those to come. */
#define AHEAD 8

#define ROW_REC(r) ((const char *)((r) + 1))
#define ROW_RCPT(r) (ROW_REC(r) + (r)->len)

/* Where a put packs its rows one after another: blocks (sqlmem_map: huge
 * pages from 2 MB on), each twice the one before up to ARENA_BLOCK, none
 * freed before the put ends; used again from the first (arena_reset) for
 * each part of the put's plans (PUT_PART). */
struct arena {
	struct block {
		char *p;
		size_t size;
	} *v;
	size_t n;
	size_t cur;		/* the block in use (n: none yet) */
	size_t used;		/* of that block */
};

#define ARENA_BLOCK ((size_t)4 << 20)

/* Room for size bytes (a multiple of 8), 8-aligned. */
static void *
arena_take(struct arena *a, size_t size)
{
	struct block *b;

	/* The next block kept, or a new one. */
	while (a->cur < a->n && a->v[a->cur].size - a->used < size) {
		a->cur++;
		a->used = 0;
	}
	if (a->cur == a->n) {
		a->v = util_xreallocarray(a->v, a->n + 1, sizeof *a->v);
		b = &a->v[a->n++];
		b->size = a->n == 1 ? 65536 : b[-1].size < ARENA_BLOCK ? b[-1].size * 2 :
		    ARENA_BLOCK;
		if (b->size < size)
			b->size = size;
		b->p = sqlmem_map(b->size, 1);
		a->used = 0;
	}
	b = &a->v[a->cur];
	a->used += size;
	return b->p + a->used - size;
}

/* Its blocks used again from the first. */
static void
arena_reset(struct arena *a)
{
	a->cur = 0;
	a->used = 0;
}

static void
arena_free(struct arena *a)
{
	for (size_t i = 0; i < a->n; i++)
		sqlmem_unmap(a->v[i].p, a->v[i].size, 1);
	free(a->v);
	memset(a, 0, sizeof *a);
}

/* A changed plan, the number it takes if it is new, and its key's first
 * 16 bytes as two numbers (compared as strcmp compares): changes sort by
 * key with few looks at the plans themselves; its key itself at hand (a
 * look at the plan less, one memory access that need not wait for it). */
struct change {
	uint64_t k[2];
	const struct plan *p;
	const char *rcpt;
	int64_t id;
};

static void
change_init(struct change *c, const struct plan *p, int64_t id)
{
	size_t n = strnlen(p->rcpt, 16);

	c->k[0] = c->k[1] = 0;
	for (size_t j = 0; j < n; j++)
		c->k[j / 8] |= (uint64_t)(unsigned char)p->rcpt[j] << (56 - j % 8 * 8);
	c->p = p;
	c->rcpt = p->rcpt;
	c->id = id;
}

static int
change_cmp(const struct change *x, const struct change *y)
{
	if (x->k[0] != y->k[0])
		return x->k[0] < y->k[0] ? -1 : 1;
	if (x->k[1] != y->k[1])
		return x->k[1] < y->k[1] ? -1 : 1;
	return strcmp(x->rcpt, y->rcpt);
}

static void
change_swap(struct change *a, struct change *b)
{
	struct change t = *a;

	*a = *b;
	*b = t;
}

/* Heap sort of c[0..n): where change_sort's partitions go badly. */
static void
change_heapsort(struct change *c, size_t n)
{
	for (size_t end = n, i = n / 2; end > 1; ) {
		size_t at, kid;

		if (i > 0)
			i--;
		else
			change_swap(&c[0], &c[--end]);
		for (at = i; (kid = 2 * at + 1) < end; at = kid) {
			if (kid + 1 < end && change_cmp(&c[kid], &c[kid + 1]) < 0)
				kid++;
			if (change_cmp(&c[at], &c[kid]) >= 0)
				break;
			change_swap(&c[at], &c[kid]);
		}
	}
}

/* Sorts c[0..n) by key in place (introsort): qsort(3) here is a merge sort
 * with a buffer as large as the array, fresh memory a large import pays a
 * page fault for each 4 KB of, and a call for each comparison. depth: the
 * partitions left before a heap sort takes over (n log n at worst, whatever
 * the keys). */
static void
change_sort(struct change *c, size_t n, int depth)
{
	while (n > 16) {
		size_t mid = n / 2, i = 0, j = n - 1;

		if (depth-- == 0) {
			change_heapsort(c, n);
			return;
		}
		/* The median of three at c[mid]; then Hoare's partition. */
		if (change_cmp(&c[mid], &c[0]) < 0)
			change_swap(&c[mid], &c[0]);
		if (change_cmp(&c[n - 1], &c[mid]) < 0) {
			change_swap(&c[n - 1], &c[mid]);
			if (change_cmp(&c[mid], &c[0]) < 0)
				change_swap(&c[mid], &c[0]);
		}
		{
			struct change pivot = c[mid];

			for (;;) {
				while (change_cmp(&c[i], &pivot) < 0)
					i++;
				while (change_cmp(&pivot, &c[j]) < 0)
					j--;
				if (i >= j)
					break;
				change_swap(&c[i++], &c[j--]);
			}
		}
		/* c[0..j] <= pivot <= c[j+1..n): the smaller part by recursion. */
		if (j + 1 < n - j - 1) {
			change_sort(c, j + 1, depth);
			c += j + 1;
			n -= j + 1;
		} else {
			change_sort(c + j + 1, n - j - 1, depth);
			n = j + 1;
		}
	}
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && change_cmp(&c[k], &c[k - 1]) < 0; k--)
			change_swap(&c[k], &c[k - 1]);
}

/* Packs plan p as its row (*out), in arena; b: memory to
 * use. Plans are packed in the order of the set, where their memory is
 * read in the order it was written; the rows go into the table in the
 * order of the key, each read at random, but one block (record and
 * recipient together): in the order of the key, the plans' memory, a few
 * cache lines here and there each, was most of a first run's packing
 * (1.1M events, load 5-6: 0.7-0.9 s CPU). */
static int
pack_row(struct plan_store *st, const struct plan *p, const struct plan_opts *o,
    struct arena *arena, struct util_buf *b, const struct row **out)
{
	void *arg[2] = { b, st };
	size_t rcptlen = strlen(p->rcpt) + 1, size;
	long long dom;
	struct row *r;

	b->len = 0;
	if ((dom = name_id(st, plan_domain(p))) < 0 || plan_with_rec(p, o, pack_rec, arg) != 0)
		return -1;
	size = (sizeof *r + b->len + rcptlen + 7) & ~(size_t)7;
	r = arena_take(arena, size);
	plan_columns(p, o, r->col);
	r->dom = dom;
	r->len = (uint32_t)b->len;
	r->state = p->state;
	memcpy((char *)ROW_REC(r), b->p, b->len);
	memcpy((char *)ROW_RCPT(r), p->rcpt, rcptlen);
	*out = r;
	return 0;
}

/* Puts the rows of n changes with q (Q_PUT, Q_ADD: one; add_many: ROWS),
 * the nine values of each after those of the one before; the row of c[j]
 * is row[j]; left: the rows from row on (n and those that follow). */
static int
put_rows(struct plan_store *st, sqlite3_stmt *q, const struct change *c, size_t n,
    size_t left, const struct row *const *row)
{
	struct sqlite_store *d = st->impl;

	for (size_t j = 0; j < n; j++) {
		const struct row *r = row[j];
		int at = (int)j * 9;

		/* The rows to come, where the processor has them by then: in
		 * the order of the key, each is anywhere in the arena. */
		if (left - j > AHEAD && row[j + AHEAD] != NULL) {
			const char *x = (const char *)row[j + AHEAD];

			__builtin_prefetch(x);
			__builtin_prefetch(x + 64);
			__builtin_prefetch(x + 128);
		}
		sqlite3_bind_text(q, at + 1, ROW_RCPT(r), -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, at + 2, c[j].id);
		sqlite3_bind_int(q, at + 3, r->state);
		sqlite3_bind_int64(q, at + 4, r->dom);
		for (int k = 0; k < NCOL; k++)
			bind_time(q, at + 5 + k, r->col[k]);
		sqlite3_bind_blob(q, at + 9, ROW_REC(r), (int)r->len, SQLITE_STATIC);
	}
	return sqldb_run(&d->db, q);
}

/* The indexes, each by the column that puts a plan in it: how a bulk put
 * drops it, and how it is made again after the plans (the due table: by
 * due_fill, then its trigger). */
static const struct {
	const char *drop, *create;
} plan_index[NCOL] = {
	[C_DUE] = { "DROP TRIGGER plans_due_add", TR_DUE_ADD },
	[C_QUIET] = { "DROP INDEX plans_quiet", IX_QUIET },
	[C_ENDS] = { "DROP INDEX plans_ends", IX_ENDS },
	[C_PROBE] = { "DROP INDEX plans_probe", IX_PROBE },
};

/* How an index dropped for a bulk put is made again: its entries sorted by
 * SQLite's sorter in one buffer, side by side (temp_store FILE), where they
 * surely fit in the memory the sorter may take (the cache's size); else
 * each in a block of its own (temp_store MEMORY, which the sorter takes as
 * no limit: a malloc a record, a list scattered over the heap; 25-30% more
 * time at a million plans), as a sort past that memory would go to a file
 * of /var/tmp, which the sandbox keeps closed. */
enum { KEPT, SORT_BLOCKS, SORT_BUFFER };

/* The page cache of a bulk put, in KB: the pages it changes again and
 * again (the last of each B-tree, and those above it) and, at half of it,
 * the memory of SQLite's sorter for the indexes made after (bulk_indexes). */
#define BULK_CACHE_KB 32768

/* What an index's entry takes in the sorter at most, besides its recipient:
 * the record's header and numbers, the list's link, alignment. */
#define SORT_ENTRY 48

/* What a bulk put learns of its plans in the order of the set, where their
 * memory is read in the order it was written (in the order of the key, it
 * is read at random): of each index, the plans that go into it and the
 * bytes of their entries. The rows of the due table (due_add), from the
 * plans' rows as they go into their table. */
struct bulk {
	size_t count[NCOL], bytes[NCOL];
	struct change *due;	/* count[C_DUE] */
	size_t ndue;		/* in due so far */
	int sorted;		/* due is in the table's order */
};

static void
due_sort(struct bulk *bk)
{
	int depth = 2;

	for (size_t k = bk->ndue; k > 1; k >>= 1)
		depth += 2;
	change_sort(bk->due, bk->ndue, depth);
	bk->sorted = 1;
}

static void
bulk_add(struct bulk *bk, const struct plan *p, const struct plan_opts *o)
{
	int64_t col[NCOL];
	size_t len = strlen(p->rcpt) + SORT_ENTRY;

	if (p->flags & PLAN_F_REMOVED)
		return;
	plan_columns(p, o, col);
	for (int k = 0; k < NCOL; k++)
		if (col[k] != PLAN_NOTIME) {
			bk->count[k]++;
			bk->bytes[k] += len;
		}
}

/* The due table's row of a plan's row r (its recipient rcpt), if it has
 * one, at the end of bk->due. Its order: state and due time as numbers
 * (the due time's sign bit flipped, so that it compares unsigned), then
 * the recipient as SQLite compares text (change_cmp). */
static void
due_add(struct bulk *bk, const struct row *r, const char *rcpt)
{
	struct change *e;

	if (r == NULL || r->col[C_DUE] == PLAN_NOTIME)
		return;
	e = &bk->due[bk->ndue++];
	e->k[0] = (uint64_t)r->state;
	e->k[1] = (uint64_t)r->col[C_DUE] ^ (uint64_t)1 << 63;
	e->p = NULL;
	e->rcpt = rcpt;
}

/* Before n plans go into an empty table: drops the indexes that more than
 * one in eight of them go into, to be made after them (how: dense[k]). */
static int
bulk_indexes(struct plan_store *st, const struct bulk *bk, size_t n, int *dense)
{
	struct sqlite_store *d = st->impl;
	const size_t *count = bk->count, *bytes = bk->bytes;
	long long cache = 0;
	sqlite3_stmt *q;

	/* The sorter's memory: the cache's size (set in KB, negative). */
	if ((q = sqldb_prepare(&d->db, "PRAGMA cache_size")) == NULL)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int64(q, 0) < 0)
		cache = -sqlite3_column_int64(q, 0) * 1024;
	sqlite3_finalize(q);
	for (int k = 0; k < NCOL; k++) {
		dense[k] = count[k] <= n / 8 ? KEPT :
		    bytes[k] <= (unsigned long long)cache / 2 ? SORT_BUFFER : SORT_BLOCKS;
		if (dense[k] != KEPT && sqldb_exec(&d->db, plan_index[k].drop) != 0)
			return -1;
	}
	return 0;
}

/* INSERT of ROWS rows of head's table, each row "(?,...)" (NULL: reported). */
static sqlite3_stmt *
many_stmt(struct sqldb *db, const char *head, const char *row)
{
	struct util_buf sql = {0};
	sqlite3_stmt *q;

	util_buf_adds(&sql, head);
	for (int j = 0; j < ROWS; j++) {
		util_buf_adds(&sql, j == 0 ? " VALUES " : ",");
		util_buf_adds(&sql, row);
	}
	util_buf_addc(&sql, '\0');
	q = sqldb_prepare(db, sql.p);
	util_buf_free(&sql);
	return q;
}

/* The rows of the due table of a bulk put (due_add) into it, in its order
 * (appended to its pages). */
static int
due_fill(struct plan_store *st, struct bulk *bk)
{
	struct sqlite_store *d = st->impl;
	struct change *e = bk->due;
	sqlite3_stmt *q[2];
	size_t m = bk->ndue;
	int rc = 0;

	if (!bk->sorted)
		due_sort(bk);
	q[0] = many_stmt(&d->db, "INSERT INTO due", "(?,?,?)");
	q[1] = sqldb_prepare(&d->db, "INSERT INTO due VALUES (?,?,?)");
	for (size_t i = 0, k; i < m && rc == 0; i += k) {
		sqlite3_stmt *w = m - i >= ROWS ? q[0] : q[1];

		if (w == NULL) {
			rc = -1;
			break;
		}
		k = w == q[0] ? ROWS : 1;
		for (size_t j = 0; j < k; j++) {
			const struct change *x = &e[i + j];

			if (m - i - j > 8)
				__builtin_prefetch(x[8].rcpt);
			sqlite3_bind_int(w, (int)j * 3 + 1, (int)x->k[0]);
			sqlite3_bind_int64(w, (int)j * 3 + 2, (int64_t)(x->k[1] ^ (uint64_t)1 << 63));
			sqlite3_bind_text(w, (int)j * 3 + 3, x->rcpt, -1, SQLITE_STATIC);
		}
		rc = sqldb_run(&d->db, w);
	}
	sqlite3_finalize(q[0]);
	sqlite3_finalize(q[1]);
	return rc;
}

/* Makes again index k, dropped by bulk_indexes (how: dense). */
static int
bulk_index(struct plan_store *st, int k, int dense)
{
	struct sqlite_store *d = st->impl;
	int rc;

	if (k == C_DUE)
		return sqldb_exec(&d->db, plan_index[k].create);
	/* Left as it is if SQLite will not change it (a temporary table
	 * open): a sort in blocks. */
	if (dense == SORT_BUFFER &&
	    sqlite3_exec(d->db.db, "PRAGMA temp_store = FILE", NULL, NULL, NULL) != SQLITE_OK)
		dense = SORT_BLOCKS;
	rc = sqldb_exec(&d->db, plan_index[k].create);
	/* Back, or a statement's journal could go to a file later. */
	if (dense == SORT_BUFFER && sqldb_exec(&d->db, "PRAGMA temp_store = MEMORY") != 0)
		rc = -1;
	return rc;
}

/* A bulk put's due rows sorted on a thread of their own, while the other
 * indexes are made. */
static void *
due_run(void *arg)
{
	due_sort(arg);
	return NULL;
}

/* The plans a put packs at a time: their rows (some 150 bytes each) in the
 * same memory part after part, where the rows of a million plans at once
 * took 150 MB of fresh memory, each page zeroed by the kernel at its first
 * touch (1.1M events: 0.3 s CPU of the put, clear_page_erms). */
#define PUT_PART 65536

/* The plans of the run that changed go back, the removed ones go: the
 * others were only read (a domain's plans, candidates that stayed). In
 * the order of the key: a large import appends to the table's pages. */
static int
sqlite_put(struct plan_store *st, struct plan_set *s, const struct plan_opts *o)
{
	struct sqlite_store *d = st->impl;
	struct util_buf b = {0};
	struct arena arena = { NULL, 0, 0, 0 };
	struct change *c;
	const struct row **row;
	uint32_t *pos, *order;
	size_t *at, parts, depth = 2;
	pthread_t sorter;
	int64_t first;
	int sorting = 0;
	struct bulk bk = { {0}, {0}, NULL, 0, 0 };
	size_t n = 0;
	int rc = 0, bulk, dense[NCOL] = {KEPT};

	for (size_t i = 0; i < plan_count(s); i++)
		if (plan_at(s, i)->flags & (PLAN_F_CHANGED | PLAN_F_REMOVED))
			n++;
	if (n == 0)
		return 0;
	if (n > UINT32_MAX)
		util_errx(BK_ERR, "%s: too many plans for one put", st->path);
	if (d->next_id == 0) {
		sqlite3_stmt *q = d->q[Q_NEXT_ID];

		d->next_id = (rc = sqlite3_step(q)) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 1;
		sqlite3_reset(q);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return db_fail(st, "read");
		rc = 0;
	}
	/* Many plans into an empty table: the indexes are made after, each
	 * sorted once, not grown one random entry at a time; but one that
	 * few of them go into (plans_quiet and plans_probe, in a first run)
	 * stays, where making it would read the whole table. */
	bulk = d->empty && n >= 10000;
	/* New plans take the next numbers in the order of the set. The
	 * arrays from huge pages: 40 MB at a million plans, some 10,000 page
	 * faults in 4 KB pages. */
	c = sqlmem_map(n, sizeof *c);
	memset(d->recent, 0, sizeof d->recent);
	first = d->next_id;
	n = 0;
	for (size_t i = 0; i < plan_count(s); i++) {
		const struct plan *p = plan_at(s, i);

		if (!(p->flags & (PLAN_F_CHANGED | PLAN_F_REMOVED)))
			continue;
		change_init(&c[n++], p, d->next_id++);
		if (bulk)
			bulk_add(&bk, p, o);
	}
	/* A bulk put writes its pages out as the cache fills (new pages of a
	 * new file: no journal to write first) and uses its buffers again,
	 * where a cache that held them all took fresh memory for each (a page
	 * fault each, and 160 MB more at a million plans: 0.3-0.4 s CPU). The
	 * index made after the plans reads them back. */
	if (bulk && (rc = sqldb_cache(&d->db, BULK_CACHE_KB)) == 0)
		rc = bulk_indexes(st, &bk, n, dense);
	for (size_t m = n; m > 1; m >>= 1)
		depth += 2;
	change_sort(c, n, (int)depth);
	/* The plans are packed part by part in the order of the key, each
	 * part in the order of the set (where their memory is read in the
	 * order it was written: in the order of the key, the plans' memory,
	 * a few cache lines here and there each, was most of a first run's
	 * packing), then put in the order of the key. pos: a change's place
	 * in the order of the key, by its place in the set (its number less
	 * first); order: those places, part by part, each part in the order
	 * of the set. */
	parts = (n + PUT_PART - 1) / PUT_PART;
	pos = sqlmem_map(n, sizeof *pos);
	order = sqlmem_map(n, sizeof *order);
	at = util_xcalloc(parts + 1, sizeof *at);
	for (size_t r = 0; r < n; r++)
		pos[c[r].id - first] = (uint32_t)r;
	for (size_t k = 0; k < n; k++)
		at[pos[k] / PUT_PART + 1]++;
	for (size_t j = 0; j < parts; j++)
		at[j + 1] += at[j];
	for (size_t k = 0; k < n; k++)
		order[at[pos[k] / PUT_PART]++] = pos[k];
	/* at[j] is now where part j ends, where part j + 1 starts. */
	row = sqlmem_map(n < PUT_PART ? n : PUT_PART, sizeof *row);
	/* Into an empty table, ROWS plans a statement: SQLite keeps its place
	 * at the end of the table from one to the next, where a statement
	 * each looks for it from the top. */
	if (d->empty && n >= ROWS && d->add_many == NULL)
		d->add_many = many_stmt(&d->db, "INSERT INTO plans (rcpt, id, state, dom, due, "
		    "quiet, ends, probe, rec)", "(?,?,?,?,?,?,?,?,?)");
	/* A bulk put's due rows go where the changes put before them were
	 * (each change gives one at most): no memory of their own. */
	if (bulk && dense[C_DUE] != KEPT)
		bk.due = c;
	for (size_t j = 0; j < parts && rc == 0; j++) {
		size_t start = j * PUT_PART, end = start + PUT_PART < n ? start + PUT_PART : n;
		size_t from = j == 0 ? 0 : at[j - 1];

		arena_reset(&arena);
		for (size_t x = from; x < at[j] && rc == 0; x++) {
			size_t r = order[x];
			const struct plan *p = c[r].p;

			/* A part's plans are a few in each stretch of the set's
			 * memory: the processor is told of those to come. */
			if (at[j] - x > 2 * AHEAD)
				__builtin_prefetch(&c[order[x + 2 * AHEAD]]);
			if (at[j] - x > AHEAD) {
				const char *y = (const char *)c[order[x + AHEAD]].p;

				for (size_t l = 0; l < sizeof *p; l += 64)
					__builtin_prefetch(y + l);
			}
			if (at[j] - x > AHEAD / 2) {
				const struct plan *q = c[order[x + AHEAD / 2]].p;

				__builtin_prefetch(q->rcpt);
				__builtin_prefetch(q->msgids);
			}
			row[r - start] = NULL;
			if (!(p->flags & PLAN_F_REMOVED))
				rc = pack_row(st, p, o, &arena, &b, &row[r - start]);
		}
		for (size_t i = start, k; i < end && rc == 0; i += k) {
			const struct row *const *w = &row[i - start];

			/* A removed plan has no row. */
			for (k = 0; d->add_many != NULL && i + k < end && k < ROWS &&
			    w[k] != NULL; k++)
				;
			if (k == ROWS) {
				rc = put_rows(st, d->add_many, &c[i], k, end - i, w);
			} else if (w[0] == NULL) {
				sqlite3_bind_text(d->q[Q_DEL], 1, c[i].rcpt, -1, SQLITE_STATIC);
				rc = sqldb_run(&d->db, d->q[Q_DEL]);
				k = 1;
			} else {
				rc = put_rows(st, d->q[d->empty ? Q_ADD : Q_PUT], &c[i], 1, end - i,
				    w);
				k = 1;
			}
			for (size_t y = 0; bk.due != NULL && y < k; y++)
				due_add(&bk, w[y], c[i + y].rcpt);
		}
	}
	/* The due rows sorted on a thread while the other indexes are made;
	 * then into their table, and its trigger made again. */
	if (rc == 0 && bk.due != NULL && bk.ndue >= 10000)
		sorting = pthread_create(&sorter, NULL, due_run, &bk) == 0;
	for (int k = 0; k < NCOL && rc == 0 && bulk; k++)
		if (k != C_DUE && dense[k] != KEPT)
			rc = bulk_index(st, k, dense[k]);
	if (sorting)
		pthread_join(sorter, NULL);
	if (rc == 0 && bk.due != NULL)
		rc = due_fill(st, &bk);
	if (rc == 0 && bk.due != NULL)
		rc = bulk_index(st, C_DUE, dense[C_DUE]);
	if (rc == 0 && bulk)
		rc = sqldb_cache(&d->db, 0);
	d->empty = 0;
	if (rc == 0) {
		sqlite3_bind_int64(d->q[Q_SET_NEXT_ID], 1, d->next_id);
		rc = sqldb_run(&d->db, d->q[Q_SET_NEXT_ID]);
	}
	memset(d->recent, 0, sizeof d->recent);
	sqlmem_unmap(c, n, sizeof *c);
	sqlmem_unmap(pos, n, sizeof *pos);
	sqlmem_unmap(order, n, sizeof *order);
	sqlmem_unmap(row, n < PUT_PART ? n : PUT_PART, sizeof *row);
	free(at);
	arena_free(&arena);
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
	sqlite3_finalize(d->add_many);
	sqldb_close(&d->db);
	rec_reader_free(&d->rd);
	hmap_free(&d->names, NULL);
	hmap_free(&d->ids, NULL);
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

/* A plan of version 1 (rec_pack, or the record's text before 0.3). */
static int
v1_plan(struct plan_store *st, struct plan_set *s, sqlite3_stmt *q)
{
	struct sqlite_store *d = st->impl;
	int packed = sqlite3_column_type(q, 0) == SQLITE_BLOB;
	const char *rec = packed ? sqlite3_column_blob(q, 0) :
	    (const char *)sqlite3_column_text(q, 0);
	int len = sqlite3_column_bytes(q, 0);
	struct rec_val v[PL_NFIELDS];
	char why[200] = "";

	if (rec == NULL ||
	    (packed ? rec_unpack(rec, (size_t)len, &schema_plan, plan_wire(), v) != 0 :
	    rec_read(&d->rd, rec, (size_t)len, v, why, sizeof why) <= 0) ||
	    plan_from_rec(s, v, why, sizeof why) != 0) {
		util_warnx("%s: a stored plan is not a plan record (%.60s): the database is "
		    "damaged", st->path, rec == NULL ? "NULL" : packed ? "packed" : rec);
		return -1;
	}
	return 0;
}

/* A database of version 1 just migrated (sqldb): its plans move from the
 * old table to the new one, a batch at a time, in their order. */
static int
upgrade(struct plan_store *st)
{
	struct sqlite_store *d = st->impl;
	struct plan_opts o;
	struct plan_set s;
	sqlite3_stmt *q;
	int rc = 0, step;

	if (!(st->flags & PLAN_STORE_WRITE) || sqlite3_table_column_metadata(d->db.db, NULL,
	    "plans_v1", "rec", NULL, NULL, NULL, NULL, NULL) != SQLITE_OK)
		return 0;
	if ((q = sqldb_prepare(&d->db, "SELECT rec FROM plans_v1 ORDER BY id")) == NULL)
		return -1;
	plan_opts_init(&o, 0);
	plan_set_init(&s);
	while (rc == 0) {
		if ((step = sqlite3_step(q)) == SQLITE_ROW) {
			if ((rc = v1_plan(st, &s, q)) == 0)
				plan_at(&s, plan_count(&s) - 1)->flags |= PLAN_F_CHANGED;
		} else if (step != SQLITE_DONE) {
			rc = db_fail(st, "read");
		}
		if (rc == 0 && (step != SQLITE_ROW || plan_count(&s) == 100000)) {
			rc = sqlite_put(st, &s, &o);
			plan_set_free(&s);
			plan_set_init(&s);
		}
		if (step != SQLITE_ROW)
			break;
	}
	sqlite3_finalize(q);
	plan_set_free(&s);
	return rc != 0 ? -1 : sqldb_exec(&d->db, "DROP TABLE plans_v1");
}

const struct plan_store_ops plan_store_sqlite_ops = {
	sqlite_open, plan_store_load_nothing, sqlite_lookup, sqlite_aging, sqlite_domain,
	sqlite_due, sqlite_put, sqlite_commit, sqlite_close, sqlite_load_all, NULL, sqlite_probe,
	NULL,
};
