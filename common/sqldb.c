/* sqldb: opening, checking, migrating and reporting for the SQLite stores. */
#include "sqldb.h"
#include "afile.h"
#include "sandbox.h"
#include "sqlmem.h"
#include "util.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
sqldb_is_db(const char *path)
{
	size_t n = strlen(path);

	return n > 3 && strcmp(path + n - 3, ".db") == 0;
}

int
sqldb_fail(struct sqldb *d, const char *what)
{
	int code = d->db ? sqlite3_extended_errcode(d->db) & 0xff : SQLITE_NOMEM;

	if (code == SQLITE_BUSY)
		util_warnx("%s: locked by another run (--wait waits for it)", d->path);
	else if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
		util_warnx("%s: not a bouncekit %s database, or a damaged one: %s", d->path,
		    d->sc->what, sqlite3_errmsg(d->db));
	else if (code == SQLITE_FULL)
		util_warnx("%s: disk full: left as it was", d->path);
	else
		util_warnx("%s: %s: %s", d->path, what, d->db ? sqlite3_errmsg(d->db) :
		    "out of memory");
	return -1;
}

void
sqldb_map(struct sqldb *d)
{
	if (d->db != NULL)
		sqlite3_exec(d->db, "PRAGMA mmap_size = 2147418112", NULL, NULL, NULL);
}

/* The page cache of a run: some 60,000 pages (see sqldb_open). */
#define CACHE_KB 262144L

/* Sets the page cache to kb KB (0: CACHE_KB): SQLITE_OK or an error. */
static int
set_cache(struct sqldb *d, long kb)
{
	char sql[48];

	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%ld", kb > 0 ? kb : CACHE_KB);
	return sqlite3_exec(d->db, sql, NULL, NULL, NULL);
}

int
sqldb_cache(struct sqldb *d, long kb)
{
	return set_cache(d, kb) == SQLITE_OK ? 0 : sqldb_fail(d, "PRAGMA cache_size");
}

int
sqldb_exec(struct sqldb *d, const char *sql)
{
	if (sqlite3_exec(d->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return sqldb_fail(d, sql);
	return 0;
}

sqlite3_stmt *
sqldb_prepare(struct sqldb *d, const char *sql)
{
	sqlite3_stmt *q = NULL;

	if (sqlite3_prepare_v2(d->db, sql, -1, &q, NULL) != SQLITE_OK) {
		sqldb_fail(d, "prepare");
		sqlite3_finalize(q);
		return NULL;
	}
	return q;
}

int
sqldb_run(struct sqldb *d, sqlite3_stmt *q)
{
	int rc;

	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		;
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc == SQLITE_DONE ? 0 : sqldb_fail(d, "write");
}

static int
pragma_int(struct sqldb *d, const char *sql, long long *v)
{
	sqlite3_stmt *q = sqldb_prepare(d, sql);
	int rc;

	if (q == NULL)
		return -1;
	*v = (rc = sqlite3_step(q)) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sqldb_fail(d, sql);
	return 0;
}

/* Sets the version (and owner) of the schema. */
static int
stamp(struct sqldb *d, int version)
{
	char sql[96];

	snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d;",
	    d->sc->application_id, version);
	return sqldb_exec(d, sql);
}

/* Whether a read-only connection cannot read for a journal to roll back. */
static int
hot_journal(struct sqldb *d)
{
	sqlite3_stmt *q = NULL;
	int hot;

	if (sqlite3_prepare_v2(d->db, "PRAGMA schema_version", -1, &q, NULL) != SQLITE_OK) {
		sqlite3_finalize(q);
		return sqlite3_extended_errcode(d->db) == SQLITE_READONLY_ROLLBACK;
	}
	hot = sqlite3_step(q) != SQLITE_ROW &&
	    sqlite3_extended_errcode(d->db) == SQLITE_READONLY_ROLLBACK;
	sqlite3_finalize(q);
	return hot;
}

/* Whether the database is in WAL mode. */
static int
wal_mode(struct sqldb *d)
{
	sqlite3_stmt *q = sqldb_prepare(d, "PRAGMA journal_mode");
	const char *mode = q != NULL && sqlite3_step(q) == SQLITE_ROW ?
	    (const char *)sqlite3_column_text(q, 0) : NULL;
	int wal = mode != NULL && strcmp(mode, "wal") == 0;

	sqlite3_finalize(q);
	return wal;
}

#define CHECKPOINT_FRAMES 4096
/* The log's file, cut to this size (24 MB) when it starts again
 * (log_restart) after a run that wrote more: a little over
 * CHECKPOINT_FRAMES pages. */
#define LOG_LIMIT "25165824"

/* After a commit in WAL mode (sqlite3_wal_hook): frames pages in the log;
 * the close copies them into the store past CHECKPOINT_FRAMES. */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct sqldb *d = arg;

	(void)db, (void)name;
	d->wal_frames = frames;
	return SQLITE_OK;
}

/* A writing run that finds the log this long copies it into the store and
 * starts it again (log_restart) as it exits, the pages already there on a
 * second thread (copy_log) while it works, so that only its own are left
 * to copy at the exit: a cron run of retry-due at 10 million plans writes
 * some 1,035 pages, so the fourth run after a restart does it. Where the
 * run that took the log past CHECKPOINT_FRAMES copied all of it at its
 * exit, that run's own time (CPU and blocked) was 0.220 s against 0.168
 * s now, the median of 20 interleaved rounds each at load 8-9 (0.09 s for
 * the runs that copy nothing), the most 0.317 s against 0.210 s. */
#define RESTART_FRAMES 3072

/* The pages in the log of d, from the header of its wal-index (SQLite's
 * documented format: version 3007000 at offset 0, mxFrame at 16, in the
 * machine's byte order), which the open of the run's transaction brought
 * up to date and the run's write lock keeps so; 0 if unknown. Read where
 * the connection has it mapped: opening the -shm file again and closing
 * it would drop the connection's locks on it (fcntl(2) locks are the
 * process's, per file). */
static uint32_t
log_frames(struct sqldb *d)
{
	sqlite3_file *f = NULL;
	volatile void *map = NULL;
	uint32_t h[5];

	if (sqlite3_file_control(d->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK ||
	    f == NULL || f->pMethods == NULL || f->pMethods->iVersion < 2 ||
	    f->pMethods->xShmMap(f, 0, 32768, 0, &map) != SQLITE_OK || map == NULL)
		return 0;
	memcpy(h, (const void *)map, sizeof h);
	return h[0] == 3007000 ? h[4] : 0;
}

/* The second thread of a run that copies the log: the pages committed
 * before the run began (PASSIVE: beside the run's own writes, which go
 * after them in the log), on a connection of its own. What it copied is
 * marked in the wal-index, so the checkpoint at exit copies only the rest;
 * whatever fails here is done there. */
static void *
copy_log(void *arg)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(arg, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) ==
	    SQLITE_OK) {
		sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
		/* A read opens the log, which a checkpoint needs. */
		if (sqlite3_exec(db, "PRAGMA schema_version", NULL, NULL, NULL) == SQLITE_OK)
			sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	}
	sqlite3_close(db);
	return NULL;
}

/* The copy_log threads of the process's stores: started once the sandbox
 * is in place (a thread started before would be outside Landlock's rules),
 * joined at the store's checkpoint, or at exit (a run that exits without
 * closing its store). Only the main thread looks at them. */
#define COPIERS_MAX 4
static struct copier {
	enum { C_FREE, C_WAITING, C_RUNNING } state;
	char *path;
	pthread_t thread;
} copiers[COPIERS_MAX];

static void
copier_end(struct copier *c)
{
	if (c->state == C_RUNNING)
		pthread_join(c->thread, NULL);
	free(c->path);
	c->path = NULL;
	c->state = C_FREE;
}

static void
copiers_end(void)
{
	for (size_t i = 0; i < COPIERS_MAX; i++)
		copier_end(&copiers[i]);
}

/* sandbox_after: the thread of a store not closed meanwhile. */
static void
copier_start(void *arg)
{
	static int registered;
	struct copier *c = arg;

	if (c->state != C_WAITING)
		return;
	if (!registered && atexit(copiers_end) != 0)
		return;
	registered = 1;
	if (pthread_create(&c->thread, NULL, copy_log, c->path) == 0)
		c->state = C_RUNNING;
}

/* A copy_log thread for d, once the sandbox is in place. */
static void
copier_add(struct sqldb *d)
{
	for (size_t i = 0; i < COPIERS_MAX; i++)
		if (copiers[i].state == C_FREE) {
			copiers[i].state = C_WAITING;
			copiers[i].path = util_xstrdup(d->path);
			d->copier = &copiers[i];
			sandbox_after(copier_start, &copiers[i]);
			return;
		}
}

enum { LOOK, READ, WRITE };

/* Whose database and which version. LOOK: refuses only what is not ours or
 * newer; READ: an older one too; WRITE (in the run's transaction): a new
 * database gets the schema, an older one is migrated forward. 0, 1 for an
 * empty database not written, -1 refused (reported). */
static int
check_schema(struct sqldb *d, int act)
{
	const struct sqldb_schema *sc = d->sc;
	long long app, version, tables;

	if (pragma_int(d, "PRAGMA application_id", &app) != 0 ||
	    pragma_int(d, "PRAGMA user_version", &version) != 0 ||
	    pragma_int(d, "SELECT count(*) FROM sqlite_master", &tables) != 0)
		return -1;
	if (app == 0 && version == 0 && tables == 0) {
		if (act != WRITE)
			return 1;
		return sqldb_exec(d, sc->create) != 0 || stamp(d, sc->version) != 0 ? -1 : 0;
	}
	if (app != sc->application_id) {
		util_warnx("%s: an SQLite database of another program (application_id %lld), "
		    "not a bouncekit %s", d->path, app, sc->what);
		return -1;
	}
	if (version > sc->version || version < 1) {
		util_warnx("%s: %s database version %lld; this bouncekit knows %d (upgrade it)",
		    d->path, sc->what, version, sc->version);
		return -1;
	}
	if (act == LOOK)
		return 0;
	if (version < sc->version && act == READ) {
		util_warnx("%s: %s database version %lld: a run that changes it (add, expire, "
		    "retry-plan) brings it to version %d first", d->path, sc->what, version,
		    sc->version);
		return -1;
	}
	for (; version < sc->version; version++)
		if (sqldb_exec(d, sc->migrate[version - 1]) != 0 || stamp(d, (int)version + 1) != 0)
			return -1;
	return 0;
}

void
sqldb_allow(const char *path)
{
	char *dir = util_xstrdup(path);

	/* The database makes -wal, -shm and -journal files beside it, and
	 * opens them to read as well as write: a run that found the store new
	 * and waited for the run making it writes with a journal it creates
	 * after sandbox_enter. */
	if (strrchr(dir, '/') != NULL)
		*strrchr(dir, '/') = '\0';
	else
		strcpy(dir, ".");
	sandbox_allow_path(dir, SANDBOX_READ | SANDBOX_WRITE);
	free(dir);
}

int
sqldb_open(struct sqldb *d, const char *path, const struct sqldb_schema *sc, int writes,
    int wait)
{
	struct stat st;
	int rc, wal;

	sqlmem_init();
	memset(d, 0, sizeof *d);
	d->path = path;
	d->sc = sc;
	if (writes && (afile_check(path) != 0 || afile_create(path) != 0))
		return -1;
	sqldb_allow(path);
	/* Only a store nobody wrote yet is empty: anything else that cannot be
	 * opened fails (closed, for suppress filter). */
	if (stat(path, &st) != 0) {
		if (errno != ENOENT) {
			util_warn("%s", path);
			return -1;
		}
		if (!writes)
			return 1;
	} else if (S_ISDIR(st.st_mode)) {
		util_warnx("%s: is a directory", path);
		return -1;
	}
	/* A connection is used by one thread: no mutex a call. */
	if (sqlite3_open_v2(path, &d->db, (writes ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE :
	    SQLITE_OPEN_READONLY) | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		util_warnx("%s: %s", path, d->db ? sqlite3_errmsg(d->db) : "out of memory");
		return -1;
	}
	/* A run that died while it made a new store (rollback-journal mode,
	 * below) left its journal, which only a connection that may write
	 * rolls back: a reader opens the file so once, as nothing of the
	 * store is lost by it (the file gets its old size back). */
	if (!writes && hot_journal(d)) {
		sqlite3_close(d->db);
		d->db = NULL;
		if (sqlite3_open_v2(path, &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
		    NULL) != SQLITE_OK) {
			util_warnx("%s: %s", path, d->db ? sqlite3_errmsg(d->db) : "out of memory");
			return -1;
		}
	}
	/* A reader waits only for the commit of a store not yet in WAL mode
	 * (below): in WAL mode nothing keeps it waiting. */
	sqlite3_busy_timeout(d->db, wait ? INT_MAX : writes ? 0 : 10000);
	/* A large run keeps the pages it changes in memory until its commit
	 * (spilled to the WAL, pages are written again and again). Pages are
	 * read with pread(2), not through a mapping: a run reads each page
	 * once, at random, and the first touch of a mapped page is a page
	 * fault that costs more than the read (retry-due --limit 1000 on 10
	 * million plans: 0.28 s CPU mapped, 0.15 s read). A run that reads
	 * pages again and again maps them (sqldb_map). */
	set_cache(d, 0);
	/* SQLite's temporary files (a statement's journal, the sort of an
	 * index made) in memory: the sandbox lets a run open no file it was
	 * not given, and they would go to /var/tmp. */
	sqlite3_exec(d->db, "PRAGMA temp_store = MEMORY", NULL, NULL, NULL);
	/* The log is copied into the store (a checkpoint: the pages written
	 * again, two more fsyncs, the store's the slowest) by the run that
	 * finds it past RESTART_FRAMES pages or whose commit takes it past
	 * CHECKPOINT_FRAMES (at its exit), not by every run that wrote
	 * more than 1000 pages (SQLite's default) nor at every close: a
	 * cron run of retry-due or suppress add commits with one fsync, and
	 * pages written by several runs are copied once. Between checkpoints the -wal file beside the
	 * store holds its latest changes (retry-plan(1) and suppress(1) say
	 * how to copy a store), which the first run that opens the store
	 * reads through (SQLite's recovery; some 2 ms a 1000 pages). */
	sqlite3_db_config(d->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_exec(d->db, "PRAGMA journal_size_limit = " LOG_LIMIT, NULL, NULL, NULL);
	sqlite3_wal_hook(d->db, wal_hook, d);
	/* Nothing is changed in a file that is not ours (WAL mode would). */
	if ((rc = check_schema(d, LOOK)) < 0)
		return -1;
	/* A new store is made in rollback-journal mode: the pages of a file
	 * that had none are written once, into it, where WAL mode writes each
	 * twice (the log, then the checkpoint), and the journal keeps only
	 * the file's old size (a run that dies leaves it empty again). The
	 * next run that writes puts it in WAL mode (its -wal file made before
	 * the sandbox); while a reader keeps it from switching, that run
	 * writes with a journal too. */
	if (writes && rc == 0 && sqlite3_exec(d->db, "PRAGMA journal_mode = WAL", NULL, NULL,
	    NULL) != SQLITE_OK && (sqlite3_errcode(d->db) & 0xff) != SQLITE_BUSY)
		return sqldb_fail(d, "PRAGMA journal_mode = WAL");
	/* The write lock at once: the run reads what no other run changes. */
	if (sqldb_exec(d, writes ? "BEGIN IMMEDIATE" : "BEGIN") != 0)
		return -1;
	d->in_txn = 1;
	wal = writes && wal_mode(d);
	/* Without a log, the commit waits for readers to finish (they read
	 * one snapshot, briefly); other writers are kept out by the lock. */
	if (writes && !wait && !wal)
		sqlite3_busy_timeout(d->db, 10000);
	if ((rc = check_schema(d, writes ? WRITE : READ)) < 0)
		return -1;
	if (wal && log_frames(d) >= RESTART_FRAMES) {
		d->restart = 1;
		copier_add(d);
	}
	return rc;
}

int
sqldb_commit(struct sqldb *d)
{
	if (d->db == NULL || !d->in_txn)
		return 0;
	if (sqldb_exec(d, "COMMIT") != 0)
		return -1;
	d->in_txn = 0;
	return 0;
}

/* The connections closed with a checkpoint to do (sqldb_close). */
static struct held {
	sqlite3 *db;
	struct copier *copier;	/* its copy_log, or NULL */
	struct held *next;
} *held;

/* Copies the log of db into the store and starts it again from its first
 * page, in the file it has: a write (page 1 as it is) after a checkpoint
 * that copied the whole log goes to its start (SQLite's walRestartLog),
 * and the next run's recovery reads that one page. The commits after it
 * write over blocks the log's file has, where after TRUNCATE (the file
 * emptied) each took new ones and its fsync wrote the file's new size too
 * (retry-due --limit 1000 at 10 million plans, 80 interleaved pairs at
 * load 4.5-6.7: CPU and blocked time 0.069 s against 0.079 s, median, for
 * the runs that do not copy the log; the same, 0.17 s, for the one in four
 * that does). The file stays at up to LOG_LIMIT bytes. */
static void
log_restart(sqlite3 *db)
{
	sqlite3_stmt *q = NULL;
	char sql[48];
	int log = -1, copied = -1, version = 0;

	if (sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_RESTART, &log, &copied) !=
	    SQLITE_OK || log <= 0 || copied != log)
		return;
	/* The version read and written back in one write transaction: a
	 * newer program may have migrated the store since this one opened it,
	 * and must not see its version set back. */
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		version = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version);
	if (version <= 0 || sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return;
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
}

/* At exit, after the program's output is out (main has returned, or exit
 * was called, and stdout closed): the log of each store into it, then
 * started again (each run that opens a store first reads its whole log).
 * A reader in the way (no waiting for it: the run is done), a writer or a
 * full disk leave it for a later run; the commit stands. */
static void
checkpoint_held(void)
{
	while (held != NULL) {
		struct held *h = held;

		held = h->next;
		if (h->copier != NULL)
			copier_end(h->copier);
		sqlite3_busy_timeout(h->db, 0);
		log_restart(h->db);
		sqlite3_close(h->db);
		free(h);
	}
}

void
sqldb_close(struct sqldb *d)
{
	if (d->db == NULL)
		return;
	if (d->in_txn) {
		sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
	/* The run that found the log long (RESTART_FRAMES), or whose commit
	 * took it past CHECKPOINT_FRAMES, copies it into the store, up to 16
	 * MB written and synced: not between its commit and its output
	 * (retry-due prints the plans it handed out after the close, a reader
	 * waits for them), but at exit, after its copy_log. */
	} else if (d->restart || d->wal_frames >= CHECKPOINT_FRAMES) {
		static int registered;
		struct held *h;

		if (!registered && atexit(checkpoint_held) == 0)
			registered = 1;
		/* Its hook writes to d, gone by then (log_restart commits). */
		sqlite3_wal_hook(d->db, NULL, NULL);
		h = util_xmalloc(sizeof *h);
		h->db = d->db;
		h->copier = d->copier;
		d->copier = NULL;
		h->next = held;
		held = h;
		d->db = NULL;
		d->in_txn = 0;
		if (!registered)
			checkpoint_held();
		return;
	}
	if (d->copier != NULL)
		copier_end(d->copier);
	d->copier = NULL;
	sqlite3_close(d->db);
	d->db = NULL;
	d->in_txn = 0;
}
