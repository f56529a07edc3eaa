/* suppstore: where the suppression list lives between runs, behind one
 * interface (supplist.h): the JSON-lines file here (read whole, replaced
 * atomically under a lock; filter reads only a compact view of it), an
 * SQLite database (suppdb.c), PostgreSQL (supppg.c). */
#include "supplist.h"
#include "afile.h"
#include "pgconn.h"
#include "sqldb.h"
#include "util.h"

#include <stdlib.h>

struct filestore {
	int lock;			/* afile_lock, or -1 */
	int match_only;
	struct supplist_index ix;	/* match_only: key -> until */
};

static int
file_open(struct supplist *l, int flags)
{
	struct filestore *f = util_xcalloc(1, sizeof *f);

	l->db = f;
	f->lock = -1;
	if ((flags & SUPPSTORE_WRITE) &&
	    (f->lock = afile_lock(l->path, (flags & SUPPSTORE_WAIT) != 0)) < 0)
		return -1;
	if ((f->match_only = (flags & SUPPSTORE_MATCH) != 0))
		return supplist_index_load(&f->ix, l->path, l->fold_local);
	return supplist_load(l, l->path);
}

/* The file was read whole: every entry is in. */
static int
file_loaded(struct supplist *l)
{
	(void)l;
	return 0;
}

static int
file_load_ended(struct supplist *l, int64_t cut)
{
	(void)l, (void)cut;
	return 0;
}

static int
file_match(struct supplist *l, const char *key, size_t len, int64_t now)
{
	struct filestore *f = l->db;

	if (f->match_only)
		return supplist_index_match(&f->ix, key, len, now);
	return supplist_match(l, key, len, now) != NULL;
}

static int
file_commit(struct supplist *l)
{
	struct afile af;

	if (afile_begin(&af, l->path) != 0)
		return -1;
	if (supplist_write(af.fp, l) != 0) {
		util_warn("%s: write error, left unchanged", l->path);
		afile_abort(&af);
		return -1;
	}
	return afile_commit(&af);
}

static void
file_close(struct supplist *l)
{
	struct filestore *f = l->db;

	afile_unlock(f->lock);
	supplist_index_free(&f->ix);
	free(f);
}

static const struct suppstore_ops file_ops = {
	file_open, NULL, NULL, file_loaded, file_load_ended, file_match, file_commit, file_close,
	supplist_index_load,
};

const struct suppstore_ops *
suppstore_db(const char *path)
{
	if (pgconn_is_pg(path))
		return &suppstore_pg_ops;
	return sqldb_is_db(path) ? &suppstore_sqlite_ops : NULL;
}

int
suppstore_open(struct supplist *l, const char *path, int flags)
{
	const struct suppstore_ops *db = suppstore_db(path);

	l->ops = db ? db : &file_ops;
	l->path = path;
	return l->ops->open(l, flags);
}

int
suppstore_load_all(struct supplist *l)
{
	return l->ops->load_all(l);
}

int
suppstore_load_ended(struct supplist *l, int64_t cut)
{
	return l->ops->load_ended(l, cut);
}

int
suppstore_match(struct supplist *l, const char *key, size_t len, int64_t now)
{
	return l->ops->match(l, key, len, now);
}

int
suppstore_commit(struct supplist *l)
{
	if (l->ops->commit(l) == 0)
		return 0;
	if (l->ops != &file_ops)
		util_warnx("%s: left unchanged", l->path);	/* afile said it for a file */
	return -1;
}

void
suppstore_close(struct supplist *l)
{
	if (l->ops != NULL && l->db != NULL)
		l->ops->close(l);
	l->db = NULL;
	l->ops = NULL;
}
