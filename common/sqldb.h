/* sqldb: what the SQLite stores share (plans.db, suppressed.db): opening
 * with the lock a run needs, the checks that keep a foreign or damaged file
 * from being read or reset, the versioned schema and its forward migration,
 * and one way to report what went wrong.
 *
 * A writing run takes the write lock at once (BEGIN IMMEDIATE) and keeps one
 * transaction until sqldb_commit; a reading run reads one snapshot. WAL mode;
 * busy_timeout only with wait. */
#ifndef BK_SQLDB_H
#define BK_SQLDB_H

#include <sqlite3.h>

struct sqldb_schema {
	const char *what;		/* "plan", "suppression list": for messages */
	int application_id;		/* PRAGMA application_id: whose file it is */
	int version;			/* PRAGMA user_version of create */
	const char *create;		/* the schema, newest version */
	/* migrate[v - 1] takes version v to v + 1 (SQL), for v < version. */
	const char *const *migrate;
};

struct copier;

struct sqldb {
	sqlite3 *db;
	const char *path;
	const struct sqldb_schema *sc;
	int in_txn;
	int wal_frames;		/* pages in the log after the last commit */
	int restart;		/* the log was long at the open: copied at exit */
	struct copier *copier;	/* the thread that copies its older pages */
};

/* Opens path: 0 open (in a transaction), 1 no store yet and the run only
 * reads (d->db NULL: no entries), -1 refused or failed (reported; close d
 * all the same). A new database gets the schema, an older one is migrated
 * (when the run writes; a reading run of an older one is refused until a
 * writing run migrated it), a newer or foreign one refused. */
int sqldb_open(struct sqldb *d, const char *path, const struct sqldb_schema *sc, int writes,
    int wait);
/* Reads pages through a mapping from now on: for a run that reads many
 * pages many times (suppress filter), where a page fault once a page costs
 * less than a read(2) each time. */
void sqldb_map(struct sqldb *d);
/* Sets the page cache to kb KB, 0 to what sqldb_open set (256 MB): 0, or
 * -1 (reported). SQLite's sorter (CREATE INDEX) may take as much. */
int sqldb_cache(struct sqldb *d, long kb);
/* Reports the last error of d as done while doing what; returns -1. */
int sqldb_fail(struct sqldb *d, const char *what);
int sqldb_exec(struct sqldb *d, const char *sql);
/* A prepared statement, or NULL (reported). */
sqlite3_stmt *sqldb_prepare(struct sqldb *d, const char *sql);
/* Steps q (bound) to its end and resets it: 0, or -1 (reported). */
int sqldb_run(struct sqldb *d, sqlite3_stmt *q);
/* Makes the transaction's writes the store's, at once. 0, or -1. */
int sqldb_commit(struct sqldb *d);
/* Drops anything not committed and closes; after a commit that left the
 * log long, or in a run that found it long, copies it into the store and
 * starts it again (a checkpoint) at exit, once the output is out. */
void sqldb_close(struct sqldb *d);
/* Lets the sandbox (entered later) give the database of path what SQLite
 * needs: its folder, for the -wal and -shm files. sqldb_open does it too. */
void sqldb_allow(const char *path);
/* Whether path names an SQLite store: a name ending in ".db". */
int sqldb_is_db(const char *path);

#endif
