/* suppdb: the suppression list in an SQLite database (a list named *.db).
 *
 * One row per entry, its fields as columns (times as seconds, a permanent
 * entry's until NULL), so that asking for an address, its domain or the
 * pauses that ended is an index look-up, and a run writes only the entries
 * it changed, in one transaction. Rows are listed in the order they were
 * added, as the lines of a JSON-lines list: list, export and a conversion
 * back give that list's records byte for byte. --fold-local finds mixed-case
 * addresses by their folded form, kept (and indexed) only where it differs. */
#include "supplist.h"
#include "schema.h"
#include "sqldb.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char schema_sql[] =
    "CREATE TABLE entries ("
    " id INTEGER PRIMARY KEY,"		/* the order added */
    " address TEXT NOT NULL UNIQUE,"	/* the stored form; "@domain" for a domain */
    " folded TEXT,"			/* address with its local part folded, if not the same */
    " reason TEXT, since INTEGER, until INTEGER, count INTEGER NOT NULL,"
    " source TEXT, status TEXT, last_added INTEGER);"
    "CREATE INDEX entries_folded ON entries(folded) WHERE folded IS NOT NULL;"
    "CREATE INDEX entries_until ON entries(until) WHERE until IS NOT NULL;";

static const struct sqldb_schema supp_db = {
	"suppression list", 0x626b7370 /* "bksp" */, 1, schema_sql, NULL,
};

#define COLUMNS "id, address, reason, since, until, count, source, status, last_added"

enum {
	Q_KEY, Q_FOLDED, Q_ALL, Q_ENDED, Q_INSERT, Q_UPDATE, Q_DELETE, Q_DOMAINS, Q_UNTIL,
	Q_UNTIL_FOLDED, NQ
};

static const char *const query_sql[NQ] = {
	[Q_KEY] = "SELECT " COLUMNS " FROM entries WHERE address = ?1",
	[Q_FOLDED] = "SELECT " COLUMNS " FROM entries WHERE address = ?1 OR folded = ?1"
	    " ORDER BY id",
	[Q_ALL] = "SELECT " COLUMNS " FROM entries ORDER BY id",
	[Q_ENDED] = "SELECT " COLUMNS " FROM entries WHERE until <= ?1 ORDER BY id",
	[Q_INSERT] = "INSERT INTO entries (address, folded, reason, since, until, count, source,"
	    " status, last_added) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[Q_UPDATE] = "UPDATE entries SET address = ?1, folded = ?2, reason = ?3, since = ?4,"
	    " until = ?5, count = ?6, source = ?7, status = ?8, last_added = ?9 WHERE id = ?10",
	[Q_DELETE] = "DELETE FROM entries WHERE id = ?1",
	/* '@' sorts before 'A': the domain entries are one range of the index. */
	[Q_DOMAINS] = "SELECT 1 FROM entries WHERE address >= '@' AND address < 'A' LIMIT 1",
	/* filter: the ends of pause of a key, NULL for permanent */
	[Q_UNTIL] = "SELECT until FROM entries WHERE address = ?1",
	[Q_UNTIL_FOLDED] = "SELECT until FROM entries WHERE address = ?1 OR folded = ?1",
};

struct suppdb {
	struct sqldb db;
	sqlite3_stmt *q[NQ];
	int writes;
	struct hmap domains;	/* filter: "@domain" -> num: 1 + its latest until, or 0 */
};

static int
suppdb_open(struct supplist *l, int flags)
{
	struct suppdb *d = util_xcalloc(1, sizeof *d);
	int rc;

	l->db = d;
	d->writes = (flags & SUPPSTORE_WRITE) != 0;
	if ((rc = sqldb_open(&d->db, l->path, &supp_db, d->writes,
	    (flags & SUPPSTORE_WAIT) != 0)) > 0)
		sqldb_close(&d->db);	/* no list yet, only read: empty */
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	/* filter: recipients by the million, each page of the list read
	 * again and again. */
	if (flags & SUPPSTORE_MATCH)
		sqldb_map(&d->db);
	for (int i = 0; i < NQ; i++)
		if ((d->q[i] = sqldb_prepare(&d->db, query_sql[i])) == NULL)
			return -1;
	if ((rc = sqlite3_step(d->q[Q_DOMAINS])) == SQLITE_ROW)
		l->domains = 1;	/* match looks for domain entries */
	sqlite3_reset(d->q[Q_DOMAINS]);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sqldb_fail(&d->db, "read");
}

static void
col_str(sqlite3_stmt *q, int col, struct rec_val *v)
{
	rec_str(v, (const char *)sqlite3_column_text(q, col));
}

static void
col_int(sqlite3_stmt *q, int col, struct rec_val *v)
{
	if (sqlite3_column_type(q, col) != SQLITE_NULL)
		rec_int(v, sqlite3_column_int64(q, col));
	else
		rec_null(v);
}

/* The record values of a row (columns in the order of COLUMNS). */
static void
row_vals(sqlite3_stmt *q, struct rec_val *v)
{
	memset(v, 0, SU_NFIELDS * sizeof *v);
	col_str(q, 1, &v[SU_ADDRESS]);
	col_str(q, 2, &v[SU_REASON]);
	col_int(q, 3, &v[SU_SINCE]);
	col_int(q, 4, &v[SU_UNTIL]);
	col_int(q, 5, &v[SU_COUNT]);
	col_str(q, 6, &v[SU_SOURCE]);
	col_str(q, 7, &v[SU_STATUS]);
	col_int(q, 8, &v[SU_LAST_ADDED]);
}

/* Runs q (bound) and brings in the entry of every row. */
static int
bring(struct supplist *l, sqlite3_stmt *q)
{
	struct suppdb *d = l->db;
	struct rec_val v[SU_NFIELDS];
	char why[200];
	int rc;

	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		row_vals(q, v);
		if (v[SU_ADDRESS].s == NULL ||
		    supplist_take(l, v, sqlite3_column_int64(q, 0), why, sizeof why) == NULL) {
			util_warnx("%s: row %lld is not a suppression entry (%s): the database is "
			    "damaged", d->db.path, (long long)sqlite3_column_int64(q, 0),
			    v[SU_ADDRESS].s ? why : "no address");
			sqlite3_reset(q);
			return -1;
		}
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc == SQLITE_DONE ? 0 : sqldb_fail(&d->db, "read");
}

static int
suppdb_fetch(struct supplist *l, const char *key, size_t len)
{
	struct suppdb *d = l->db;
	sqlite3_stmt *q;

	if (d->db.db == NULL)
		return 0;
	q = d->q[l->fold_local ? Q_FOLDED : Q_KEY];
	sqlite3_bind_text(q, 1, key, (int)len, SQLITE_STATIC);
	return bring(l, q);
}

static int
suppdb_load_all(struct supplist *l)
{
	struct suppdb *d = l->db;

	return d->db.db == NULL ? 0 : bring(l, d->q[Q_ALL]);
}

static int
suppdb_load_ended(struct supplist *l, int64_t cut)
{
	struct suppdb *d = l->db;

	if (d->db.db == NULL)
		return 0;
	sqlite3_bind_int64(d->q[Q_ENDED], 1, cut);
	return bring(l, d->q[Q_ENDED]);
}

static void
bind_str(sqlite3_stmt *q, int col, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(q, col);
	else
		sqlite3_bind_text(q, col, s, -1, SQLITE_STATIC);
}

static void
bind_time(sqlite3_stmt *q, int col, int64_t t, int64_t null)
{
	if (t == null)
		sqlite3_bind_null(q, col);
	else
		sqlite3_bind_int64(q, col, t);
}

/* Writes entry e (new, changed or dropped). */
static int
put(struct suppdb *d, struct supplist_entry *e)
{
	char folded[ADDR_MAX];
	sqlite3_stmt *q;
	int rc;

	if (e->dropped) {
		if (e->dbid == 0)
			return 0;
		q = d->q[Q_DELETE];
		sqlite3_bind_int64(q, 1, e->dbid);
		return sqldb_run(&d->db, q);
	}
	q = d->q[e->dbid ? Q_UPDATE : Q_INSERT];
	sqlite3_bind_text(q, 1, e->address, -1, SQLITE_STATIC);
	if (e->address[0] != '@' && supplist_key(e->address, strlen(e->address), 1, folded) > 0 &&
	    strcmp(folded, e->address) != 0)
		sqlite3_bind_text(q, 2, folded, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, 2);
	bind_str(q, 3, e->reason);
	bind_time(q, 4, e->since, SUPPLIST_NOTIME);
	bind_time(q, 5, e->until, SUPPLIST_FOREVER);
	sqlite3_bind_int64(q, 6, e->count < 0 ? 0 : e->count);
	bind_str(q, 7, e->source);
	bind_str(q, 8, e->status);
	bind_time(q, 9, e->last_added, SUPPLIST_NOTIME);
	if (e->dbid)
		sqlite3_bind_int64(q, 10, e->dbid);
	if ((rc = sqldb_run(&d->db, q)) == 0 && e->dbid == 0)
		e->dbid = sqlite3_last_insert_rowid(d->db.db);
	return rc;
}

static int
suppdb_commit(struct supplist *l)
{
	struct suppdb *d = l->db;

	if (l->failed)
		return -1;	/* what was read is incomplete: change nothing */
	for (size_t i = 0; i < l->len; i++)
		if (l->v[i].touched && put(d, &l->v[i]) != 0)
			return -1;
	return sqldb_commit(&d->db);
}

static void
suppdb_close(struct supplist *l)
{
	struct suppdb *d = l->db;

	if (d == NULL)
		return;
	for (int i = 0; i < NQ; i++)
		sqlite3_finalize(d->q[i]);
	sqldb_close(&d->db);
	hmap_free(&d->domains, NULL);
	free(d);
	l->db = NULL;
}

/* The latest end of pause of key's entries: 1 with it in *until
 * (SUPPLIST_FOREVER for a permanent one), 0 none, -1 (reported). */
static int
key_until(struct suppdb *d, int fold_local, const char *key, size_t len, int64_t *until)
{
	sqlite3_stmt *q = d->q[fold_local ? Q_UNTIL_FOLDED : Q_UNTIL];
	int rc, found = 0;

	sqlite3_bind_text(q, 1, key, (int)len, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t u = sqlite3_column_type(q, 0) == SQLITE_NULL ? SUPPLIST_FOREVER :
		    sqlite3_column_int64(q, 0);

		if (!found++ || u > *until)
			*until = u;
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return sqldb_fail(&d->db, "read");
	return found > 0;
}

static int
suppdb_match(struct supplist *l, const char *key, size_t len, int64_t now)
{
	struct suppdb *d = l->db;
	struct hmap_entry *he;
	const char *at;
	int64_t until;
	int rc, added;

	if (d->db.db == NULL)
		return 0;
	if ((rc = key_until(d, l->fold_local, key, len, &until)) != 0) {
		if (rc < 0)
			return -1;
		if (until == SUPPLIST_FOREVER || now < until)
			return 1;
	}
	if (l->domains == 0 || key[0] == '@' || (at = memchr(key, '@', len)) == NULL)
		return 0;
	/* Recipients come by the million, domains by the thousand: each
	 * domain is asked for once. */
	he = hmap_put(&d->domains, at, len - (size_t)(at - key), &added);
	if (added) {
		if ((rc = key_until(d, 0, at, len - (size_t)(at - key), &until)) < 0)
			return -1;
		he->num = rc == 0 ? 0 : until == SUPPLIST_FOREVER ? INT64_MAX : until;
	}
	return he->num != 0 && (he->num == INT64_MAX || now < he->num);
}

/* The compact view of the entries of db (open). 0, or -1 (reported). */
static int
index_from(struct sqldb *db, struct supplist_index *ix, int fold_local)
{
	static const char sql[] = "SELECT address, folded, until FROM entries";
	sqlite3_stmt *q;
	int rc;

	if (db->db == NULL)
		return 0;
	if ((q = sqldb_prepare(db, sql)) == NULL)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int col = fold_local && sqlite3_column_type(q, 1) != SQLITE_NULL;
		const char *key = (const char *)sqlite3_column_text(q, col);
		int len = sqlite3_column_bytes(q, col);

		if (key == NULL || len <= 0 || len >= ADDR_MAX)
			continue;	/* no key: never matches */
		supplist_index_put(ix, key, (size_t)len, sqlite3_column_type(q, 2) == SQLITE_NULL ?
		    SUPPLIST_FOREVER : sqlite3_column_int64(q, 2));
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : sqldb_fail(db, "read");
}

static int
suppdb_index_load(struct supplist_index *ix, const char *path, int fold_local)
{
	struct sqldb db;
	int rc;

	if ((rc = sqldb_open(&db, path, &supp_db, 0, 0)) == 0)
		rc = index_from(&db, ix, fold_local);
	sqldb_close(&db);
	return rc < 0 ? -1 : 0;
}

const struct suppstore_ops suppstore_sqlite_ops = {
	suppdb_open, suppdb_fetch, NULL, suppdb_load_all, suppdb_load_ended, suppdb_match,
	suppdb_commit, suppdb_close, suppdb_index_load,
};
