/* supplist: the suppression list of suppress(1). Entries (JSON lines, see
 * bouncekit-records(5)) in file order, an index from address to entry, and a
 * compact read-only index for filtering large recipient lists. Lines of the
 * file that are not entries are kept verbatim, so a rewrite loses nothing.
 *
 * Where the list lives between runs is its store (suppstore_*): the file,
 * read whole and replaced atomically under a lock (suppstore.c); an SQLite
 * database for a name ending in .db (suppdb.c) or PostgreSQL for a name
 * starting postgresql: (supppg.c), of which a run brings in only the entries
 * it asks for (supplist_find does), or all of them for list and export, and
 * writes back only those it changed. */
#ifndef BK_SUPPLIST_H
#define BK_SUPPLIST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "hmap.h"
#include "record.h"

/* until of a permanent entry; since / last_added when unknown (null). */
#define SUPPLIST_FOREVER INT64_MAX
#define SUPPLIST_NOTIME INT64_MIN
#define SUPPLIST_NONE SIZE_MAX

struct supplist_entry {
	char *address;		/* key form: "local@domain" or "@domain"; NULL for a kept bad line */
	char *reason, *source, *status;	/* NULL: null */
	int64_t since, until, last_added;
	long long count;
	char *raw;		/* a line that is not an entry, written back as it was */
	int dropped;		/* removed or expired: not written back */
	int touched;		/* changed in this run */
	long long dbid;		/* a database's row, 0 for none (yet) */
};

struct suppstore_ops;
struct supplist_index;

struct supplist {
	struct supplist_entry *v;
	size_t len, cap;
	struct hmap index;	/* key (folded with fold_local) -> number */
	size_t *pos;		/* number -> position in v */
	size_t poscap;
	int fold_local;
	size_t domains;		/* "@domain" entries */
	const struct suppstore_ops *ops;	/* its store, once opened */
	void *db;		/* the store's own */
	const char *path;	/* the store's name */
	struct hmap asked;	/* the keys brought in from a database */
	int failed;		/* the store could not be read: the run fails */
};

/* Whether s[0..n) is an address that supplist_key (and addr_normalize)
 * would return unchanged whatever fold_local: lower-case letters, digits and
 * ". _ + -" around one '@', a sane domain. Most addresses on lists are. */
int supplist_simple(const char *s, size_t n);
/* The lookup key of an address or "@domain" in s[0..n): normalised as by
 * addr_normalize (fold_local folds the local part). Writes a NUL-terminated
 * key to out (ADDR_MAX bytes); returns its length, or -1. */
int supplist_key(const char *s, size_t n, int fold_local, char *out);

void supplist_init(struct supplist *l, int fold_local);
void supplist_free(struct supplist *l);
/* Reads the list file path; a missing file is an empty list. Lines that are
 * not entries (or repeat an address) are reported as "path:line: ..." and
 * kept. Returns 0, 2 when such lines were found, -1 when the file cannot be
 * read (reported). */
int supplist_load(struct supplist *l, const char *path);
/* The entry whose key is key (already in key form), or NULL (dropped ones
 * included: check e->dropped). */
struct supplist_entry *supplist_find(struct supplist *l, const char *key, size_t len);
/* Brings in at once the entries of keys (key form) that supplist_find will
 * ask for: a database that a round trip each would slow down. */
void supplist_prefetch(struct supplist *l, const char *const *keys, size_t n);
/* A new entry for key, with count 0 and no times; or the dropped entry of the
 * same key, cleared for reuse. */
struct supplist_entry *supplist_add(struct supplist *l, const char *key);
/* Whether e suppresses at time now. */
int supplist_active(const struct supplist_entry *e, int64_t now);
/* The entry that suppresses the address key (key form, from supplist_key) at
 * now: the address itself, else its domain. NULL if none. */
const struct supplist_entry *supplist_match(struct supplist *l, const char *key, size_t len,
    int64_t now);
/* Writes e as one JSON line; with rcpt, a match record ("rcpt" first). 0 or -1. */
int supplist_write_entry(FILE *fp, const struct supplist_entry *e, const char *rcpt);
/* Writes every entry not dropped and every kept line, in order. 0 or -1. */
int supplist_write(FILE *fp, const struct supplist *l);

/* The entry of a record's values (SU_NFIELDS) brought in from a store,
 * with its row; NULL with why for values that are no entry. Each row once. */
struct supplist_entry *supplist_take(struct supplist *l, const struct rec_val *v,
    long long dbid, char *why, size_t whylen);

enum {
	SUPPSTORE_WRITE = 1 << 0,	/* take the lock: the run changes entries */
	SUPPSTORE_WAIT = 1 << 1,	/* wait for a run holding the lock */
	SUPPSTORE_MATCH = 1 << 2,	/* only suppstore_match is asked (filter) */
};

/* What each store does; a database's fetch brings in entries as asked. */
struct suppstore_ops {
	int (*open)(struct supplist *l, int flags);
	int (*fetch)(struct supplist *l, const char *key, size_t len);
	/* The entries of n keys at once (NULL: fetch each). */
	int (*fetch_many)(struct supplist *l, const char *const *keys, size_t n);
	int (*load_all)(struct supplist *l);
	int (*load_ended)(struct supplist *l, int64_t cut);
	int (*match)(struct supplist *l, const char *key, size_t len, int64_t now);
	int (*commit)(struct supplist *l);
	void (*close)(struct supplist *l);
	int (*index_load)(struct supplist_index *ix, const char *path, int fold_local);
};
extern const struct suppstore_ops suppstore_sqlite_ops, suppstore_pg_ops;

/* The store of a database named path (SQLite or PostgreSQL), or NULL: a
 * file. */
const struct suppstore_ops *suppstore_db(const char *path);
/* Opens the list of path into l (supplist_init'ed) as flags say: a file is
 * locked (SUPPSTORE_WRITE) and read whole, unless SUPPSTORE_MATCH. 0, 2
 * when bad lines were found (reported, kept), -1 (reported; close l all
 * the same). */
int suppstore_open(struct supplist *l, const char *path, int flags);
/* Brings in every entry, in the order added (list, export). 0 or -1. */
int suppstore_load_all(struct supplist *l);
/* Brings in the entries whose pause ended at cut (expire). 0 or -1. */
int suppstore_load_ended(struct supplist *l, int64_t cut);
/* Whether the address key (key form) is suppressed at now, by its entry or
 * its domain's (filter): 1, 0, or -1 (reported). */
int suppstore_match(struct supplist *l, const char *key, size_t len, int64_t now);
/* Writes the entries changed (all of a file) and makes them the list, at
 * once. 0, or -1 (reported; nothing changed). */
int suppstore_commit(struct supplist *l);
/* Drops anything not committed, unlocks, closes (not supplist_free). */
void suppstore_close(struct supplist *l);

/* A compact read-only view for filter: key -> until only. */
struct supplist_index {
	struct hmap set;	/* key -> number */
	int64_t *until;		/* number -> until */
	size_t cap;
	size_t domains;
	int fold_local;
};

/* Like supplist_load, into the compact view (a database too). */
int supplist_index_load(struct supplist_index *ix, const char *path, int fold_local);
/* For index loaders: key (key form) with its until into ix. */
void supplist_index_put(struct supplist_index *ix, const char *key, size_t len, int64_t until);
/* Whether the address key is suppressed at now (itself or its domain). */
int supplist_index_match(const struct supplist_index *ix, const char *key, size_t len,
    int64_t now);
void supplist_index_free(struct supplist_index *ix);

#endif
