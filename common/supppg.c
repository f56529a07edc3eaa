/* supppg: the suppression list in PostgreSQL (a list named postgresql:...,
 * see pgconn.h), for senders whose MTAs and cron hosts share one list.
 *
 * The table is the SQLite list's (suppdb.c): one row per entry, its fields
 * as columns (times as seconds, a permanent entry's until NULL), rows in
 * the order added, the folded form of a mixed-case address beside it; so
 * list, export and a conversion back give a JSON-lines list's records byte
 * for byte. One transaction a run: a run that changes the list takes the
 * list's advisory lock first (--wait waits for it, else it fails at once,
 * as with the other stores), so that two runs adding the same address
 * count it twice and escalate as one after the other; runs that only read
 * (check, filter, list, export) read one snapshot and take no lock. */
#include "supplist.h"
#include "pgconn.h"
#include "schema.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pg_advisory_xact_lock keys (PGCONN_LOCK_CLASS); plans use 1 and 2. */
#define LOCK_SCHEMA 3
#define LOCK_WRITER 4

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS bouncekit_schema ("
    " part text PRIMARY KEY,"
    " version integer NOT NULL);"
    "CREATE TABLE bouncekit_suppressed ("
    " id bigserial PRIMARY KEY,"			/* the order added */
    " address text COLLATE \"C\" NOT NULL UNIQUE,"	/* stored form; "@domain" */
    " folded text COLLATE \"C\","		/* local part folded, if not the same */
    " reason text, since bigint, until bigint, count bigint NOT NULL,"
    " source text, status text, last_added bigint);"
    "CREATE INDEX bouncekit_suppressed_folded ON bouncekit_suppressed (folded)"
    " WHERE folded IS NOT NULL;"
    "CREATE INDEX bouncekit_suppressed_until ON bouncekit_suppressed (until)"
    " WHERE until IS NOT NULL;"
    "COMMENT ON TABLE bouncekit_suppressed IS 'suppression list of bouncekit: suppress(1),"
    " bouncekit-records(5)';"
    "INSERT INTO bouncekit_schema VALUES ('suppressed', 1);";

static const struct pgconn_schema supp_schema = {
	"suppressed", "bouncekit_suppressed", "suppression list", 1, schema_sql, LOCK_SCHEMA,
};

#define COLUMNS "id, address, reason, since, until, count, source, status, last_added"
#define TABLE " FROM bouncekit_suppressed"
/* An entry that suppresses at $2: permanent or ending later. */
#define ACTIVE " AND (until IS NULL OR until > $2::bigint) LIMIT 1"

enum { Q_KEY, Q_FOLDED, Q_KEYS, Q_KEYS_FOLDED, Q_ALL, Q_ENDED, Q_INSERT, Q_UPDATE, Q_DELETE, Q_MATCH, Q_MATCH_FOLDED,
	NQ };

static const char *const query_sql[NQ] = {
	[Q_KEY] = "SELECT " COLUMNS TABLE " WHERE address = $1",
	[Q_FOLDED] = "SELECT " COLUMNS TABLE " WHERE address = $1 OR folded = $1 ORDER BY id",
	[Q_KEYS] = "SELECT " COLUMNS TABLE " WHERE address = ANY ($1::text[]) ORDER BY id",
	[Q_KEYS_FOLDED] = "SELECT " COLUMNS TABLE " WHERE address = ANY ($1::text[]) OR"
	    " folded = ANY ($1::text[]) ORDER BY id",
	[Q_ALL] = "SELECT " COLUMNS TABLE " ORDER BY id",
	[Q_ENDED] = "SELECT " COLUMNS TABLE " WHERE until <= $1 ORDER BY id",
	/* Entries in batches, each column an array, in their order. */
	[Q_INSERT] = "INSERT INTO bouncekit_suppressed (address, folded, reason, since, until,"
	    " count, source, status, last_added) SELECT a, f, r, s, u, c, so, st, la FROM"
	    " unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[],"
	    " $6::bigint[], $7::text[], $8::text[], $9::bigint[]) WITH ORDINALITY AS"
	    " x (a, f, r, s, u, c, so, st, la, n) ORDER BY n RETURNING id",
	[Q_UPDATE] = "UPDATE bouncekit_suppressed AS t SET address = a, folded = f, reason = r,"
	    " since = s, until = u, count = c, source = so, status = st, last_added = la FROM"
	    " unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[],"
	    " $6::bigint[], $7::text[], $8::text[], $9::bigint[], $10::bigint[]) AS"
	    " x (a, f, r, s, u, c, so, st, la, i) WHERE t.id = x.i",
	[Q_DELETE] = "DELETE FROM bouncekit_suppressed WHERE id = ANY ($1::bigint[])",
	/* filter: the address's entries (folded too) or its domain's ($3). */
	[Q_MATCH] = "SELECT 1" TABLE " WHERE (address = $1 OR address = $3)" ACTIVE,
	[Q_MATCH_FOLDED] = "SELECT 1" TABLE " WHERE (address = $1 OR folded = $1 OR"
	    " address = $3)" ACTIVE,
};

struct supppg {
	struct pgconn c;
	int empty;		/* read only, no list yet: no entries */
	int prepared[NQ];
	/* filter asks the server per recipient until that would cost more
	 * than reading the list's keys once (a round trip is worth about 32
	 * rows read), then matches in a compact view of them. */
	long long asked, ask_max;
	int viewed;
	struct supplist_index ix;
};

static int view(struct pgconn *c, struct supplist_index *ix, int fold_local);

static int
pg_open(struct supplist *l, int flags)
{
	struct supppg *d = util_xcalloc(1, sizeof *d);
	int writes = (flags & SUPPSTORE_WRITE) != 0, v, got;
	PGresult *r;

	l->db = d;
	if (pgconn_open(&d->c, l->path) != 0 || (v = pgconn_schema(&d->c, &supp_schema, writes)) < 0)
		return -1;
	if ((d->empty = v == 0))
		return 0;
	/* One snapshot for a reading run, however many look-ups. */
	if (pgconn_exec(&d->c, writes ? "BEGIN" :
	    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") != 0)
		return -1;
	if (writes) {
		if ((got = pgconn_lock(&d->c, LOCK_WRITER, (flags & SUPPSTORE_WAIT) != 0)) < 0)
			return -1;
		if (!got) {
			util_warnx("%s: locked by another run (--wait waits for it)", l->path);
			return -1;
		}
	}
	/* '@' sorts before 'A': the domain entries are one range. */
	r = PQexec(d->c.conn, "SELECT 1" TABLE " WHERE address >= '@' AND address < 'A' LIMIT 1");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		pgconn_fail(&d->c, "read", r);
		PQclear(r);
		return -1;
	}
	l->domains = PQntuples(r) > 0;	/* match looks for domain entries */
	PQclear(r);
	if (flags & SUPPSTORE_MATCH) {
		char *size = pgconn_value(&d->c, "SELECT pg_relation_size('bouncekit_suppressed')");

		if (size == NULL)
			return -1;
		/* About 100 bytes a row. */
		d->ask_max = strtoll(size, NULL, 10) / 100 / 32 + 256;
		free(size);
	}
	return 0;
}

static PGresult *
run(struct supplist *l, int q, int n, const char *const *params)
{
	struct supppg *d = l->db;
	char name[16];

	snprintf(name, sizeof name, "s%d", q);
	return pgconn_run(&d->c, &d->prepared[q], name, query_sql[q], n, params,
	    q >= Q_INSERT && q <= Q_DELETE ? "write" : "read");
}

static void
col_str(const PGresult *r, int row, int col, struct rec_val *v)
{
	rec_str(v, PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col));
}

static void
col_int(const PGresult *r, int row, int col, struct rec_val *v)
{
	if (PQgetisnull(r, row, col))
		rec_null(v);
	else
		rec_int(v, strtoll(PQgetvalue(r, row, col), NULL, 10));
}

/* Runs q and brings in the entry of every row. */
static int
bring(struct supplist *l, int q, int n, const char *const *params)
{
	struct supppg *d = l->db;
	struct rec_val v[SU_NFIELDS];
	PGresult *r;
	char why[200];
	int rc = 0;

	if (d->empty)
		return 0;
	if ((r = run(l, q, n, params)) == NULL)
		return -1;
	for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
		long long id = strtoll(PQgetvalue(r, i, 0), NULL, 10);

		memset(v, 0, sizeof v);
		col_str(r, i, 1, &v[SU_ADDRESS]);
		col_str(r, i, 2, &v[SU_REASON]);
		col_int(r, i, 3, &v[SU_SINCE]);
		col_int(r, i, 4, &v[SU_UNTIL]);
		col_int(r, i, 5, &v[SU_COUNT]);
		col_str(r, i, 6, &v[SU_SOURCE]);
		col_str(r, i, 7, &v[SU_STATUS]);
		col_int(r, i, 8, &v[SU_LAST_ADDED]);
		if (supplist_take(l, v, id, why, sizeof why) == NULL) {
			util_warnx("%s: row %lld is not a suppression entry (%s): the table is damaged",
			    l->path, id, why);
			rc = -1;
		}
	}
	PQclear(r);
	return rc;
}

static int
pg_fetch(struct supplist *l, const char *key, size_t len)
{
	char *k = util_xstrndup(key, len);
	const char *p[1] = { k };
	int rc = bring(l, l->fold_local ? Q_FOLDED : Q_KEY, 1, p);

	free(k);
	return rc;
}

static int
pg_fetch_many(struct supplist *l, const char *const *keys, size_t n)
{
	struct util_buf a = {0};
	const char *p[1];
	int rc;

	for (size_t i = 0; i < n; i++)
		pgconn_array_text(&a, keys[i], strlen(keys[i]));
	util_buf_addc(&a, '}');
	p[0] = util_buf_str(&a);
	rc = bring(l, l->fold_local ? Q_KEYS_FOLDED : Q_KEYS, 1, p);
	util_buf_free(&a);
	return rc;
}

static int
pg_load_all(struct supplist *l)
{
	return bring(l, Q_ALL, 0, NULL);
}

static int
pg_load_ended(struct supplist *l, int64_t cut)
{
	char t[24];
	const char *p[1] = { t };

	snprintf(t, sizeof t, "%lld", (long long)cut);
	return bring(l, Q_ENDED, 1, p);
}

static int
pg_match(struct supplist *l, const char *key, size_t len, int64_t now)
{
	struct supppg *d = l->db;
	char *k, t[24];
	const char *at = memchr(key, '@', len), *p[3];
	PGresult *r;
	int found;

	if (d->empty)
		return 0;
	if (d->ask_max > 0 && ++d->asked > d->ask_max && !d->viewed) {
		d->viewed = 1;
		d->ix.fold_local = l->fold_local;
		if (view(&d->c, &d->ix, l->fold_local) != 0)
			return -1;
	}
	if (d->viewed)
		return supplist_index_match(&d->ix, key, len, now);
	k = util_xstrndup(key, len);
	snprintf(t, sizeof t, "%lld", (long long)now);
	p[0] = k;
	p[1] = t;
	/* Domain entries only where the list has some: no second key. */
	p[2] = l->domains && key[0] != '@' && at != NULL ? k + (at - key) : NULL;
	r = run(l, l->fold_local ? Q_MATCH_FOLDED : Q_MATCH, 3, p);
	free(k);
	if (r == NULL)
		return -1;
	found = PQntuples(r) > 0;
	PQclear(r);
	return found;
}

/* Batches of up to PUT_BATCH entries a statement. */
#define PUT_BATCH 1000

enum { A_ADDR, A_FOLDED, A_REASON, A_SINCE, A_UNTIL, A_COUNT, A_SOURCE, A_STATUS, A_LAST,
	A_ID, NA };

/* Writes the batch of q (arrays closed here), then empties it; the new rows'
 * ids go to the entries of ins, in order. */
static int
put_batch(struct supplist *l, int q, struct util_buf *a, int na, struct supplist_entry **ins)
{
	const char *v[NA];
	PGresult *r;

	for (int k = 0; k < na; k++) {
		util_buf_addc(&a[k], '}');
		v[k] = util_buf_str(&a[k]);
		a[k].len = 0;
	}
	if ((r = run(l, q, na, v)) == NULL)
		return -1;
	if (ins != NULL)
		for (int i = 0; i < PQntuples(r); i++)
			ins[i]->dbid = strtoll(PQgetvalue(r, i, 0), NULL, 10);
	PQclear(r);
	return 0;
}

/* Appends e to the batch of its statement. */
static void
add_row(struct util_buf *a, const struct supplist_entry *e)
{
	char folded[ADDR_MAX];
	int fold = e->address[0] != '@' &&
	    supplist_key(e->address, strlen(e->address), 1, folded) > 0 &&
	    strcmp(folded, e->address) != 0;

	pgconn_array_text(&a[A_ADDR], e->address, strlen(e->address));
	pgconn_array_text(&a[A_FOLDED], fold ? folded : NULL, fold ? strlen(folded) : 0);
	pgconn_array_text(&a[A_REASON], e->reason, e->reason ? strlen(e->reason) : 0);
	pgconn_array_int(&a[A_SINCE], e->since, e->since == SUPPLIST_NOTIME);
	pgconn_array_int(&a[A_UNTIL], e->until, e->until == SUPPLIST_FOREVER);
	pgconn_array_int(&a[A_COUNT], e->count < 0 ? 0 : e->count, 0);
	pgconn_array_text(&a[A_SOURCE], e->source, e->source ? strlen(e->source) : 0);
	pgconn_array_text(&a[A_STATUS], e->status, e->status ? strlen(e->status) : 0);
	pgconn_array_int(&a[A_LAST], e->last_added, e->last_added == SUPPLIST_NOTIME);
	if (e->dbid)
		pgconn_array_int(&a[A_ID], e->dbid, 0);
}

static int
pg_commit(struct supplist *l)
{
	struct supppg *d = l->db;
	struct util_buf ins[NA], upd[NA], del = {0};
	struct supplist_entry **inserted = util_xcalloc(PUT_BATCH, sizeof *inserted);
	size_t nins = 0, nupd = 0, ndel = 0;
	int rc = l->failed ? -1 : 0;	/* what was read is incomplete: change nothing */

	memset(ins, 0, sizeof ins);
	memset(upd, 0, sizeof upd);
	for (size_t i = 0; i < l->len && rc == 0; i++) {
		struct supplist_entry *e = &l->v[i];

		if (!e->touched)
			continue;
		if (e->dropped) {
			if (e->dbid != 0) {
				pgconn_array_int(&del, e->dbid, 0);
				if (++ndel == PUT_BATCH) {
					rc = put_batch(l, Q_DELETE, &del, 1, NULL);
					ndel = 0;
				}
			}
		} else if (e->dbid != 0) {
			add_row(upd, e);
			if (++nupd == PUT_BATCH) {
				rc = put_batch(l, Q_UPDATE, upd, NA, NULL);
				nupd = 0;
			}
		} else {
			add_row(ins, e);
			inserted[nins] = e;
			if (++nins == PUT_BATCH) {
				rc = put_batch(l, Q_INSERT, ins, A_ID, inserted);
				nins = 0;
			}
		}
	}
	if (rc == 0 && ndel > 0)
		rc = put_batch(l, Q_DELETE, &del, 1, NULL);
	if (rc == 0 && nupd > 0)
		rc = put_batch(l, Q_UPDATE, upd, NA, NULL);
	if (rc == 0 && nins > 0)
		rc = put_batch(l, Q_INSERT, ins, A_ID, inserted);
	for (int k = 0; k < NA; k++) {
		util_buf_free(&ins[k]);
		util_buf_free(&upd[k]);
	}
	util_buf_free(&del);
	free(inserted);
	if (rc == 0 && !d->empty)
		rc = pgconn_exec(&d->c, "COMMIT");
	return rc;
}

static void
pg_close(struct supplist *l)
{
	struct supppg *d = l->db;

	pgconn_close(&d->c);
	supplist_index_free(&d->ix);
	free(d);
	l->db = NULL;
}

/* The list's keys and ends of pause into ix, through a cursor (in a
 * transaction). 0, or -1 (reported). */
static int
view(struct pgconn *c, struct supplist_index *ix, int fold_local)
{
	int n = 1;

	if (pgconn_exec(c, "DECLARE bouncekit_view NO SCROLL CURSOR FOR SELECT address, folded,"
	    " until" TABLE) != 0)
		return -1;
	while (n > 0) {
		PGresult *r = PQexec(c->conn, "FETCH 10000 FROM bouncekit_view");

		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			pgconn_fail(c, "read", r);
			PQclear(r);
			return -1;
		}
		n = PQntuples(r);
		for (int i = 0; i < n; i++) {
			int col = fold_local && !PQgetisnull(r, i, 1);
			int len = PQgetlength(r, i, col);

			if (len > 0 && len < ADDR_MAX)
				supplist_index_put(ix, PQgetvalue(r, i, col), (size_t)len,
				    PQgetisnull(r, i, 2) ? SUPPLIST_FOREVER :
				    strtoll(PQgetvalue(r, i, 2), NULL, 10));
		}
		PQclear(r);
	}
	return pgconn_exec(c, "CLOSE bouncekit_view");
}

/* The compact view of the list (retry-due --list). */
static int
pg_index_load(struct supplist_index *ix, const char *path, int fold_local)
{
	struct pgconn c;
	int v, rc = -1;

	if (pgconn_open(&c, path) == 0 && (v = pgconn_schema(&c, &supp_schema, 0)) >= 0)
		rc = v == 0 ? 0 : pgconn_exec(&c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
		    != 0 ? -1 : view(&c, ix, fold_local);
	pgconn_close(&c);
	return rc;
}

const struct suppstore_ops suppstore_pg_ops = {
	pg_open, pg_fetch, pg_fetch_many, pg_load_all, pg_load_ended, pg_match, pg_commit, pg_close,
	pg_index_load,
};
