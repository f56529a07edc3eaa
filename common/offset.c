/* offset: read only what is new in growing, rotating log files.
 *
 * The offset file holds one JSON line per log path: the identity of the file
 * read last time (device, inode, and a hash of its first bytes, which survives
 * compression by logrotate) and the byte offset read up to. A run reads the
 * rotated predecessor's tail (found among the rotated names by identity), any
 * generations rotated after it, then the current file, and saves the new
 * offsets only after the caller has flushed the events: a crash repeats lines,
 * it never skips them. */
#include "offset.h"
#include "afile.h"
#include "bktime.h"
#include "input.h"
#include "jsonl.h"
#include "progress.h"
#include "recfile.h"
#include "rotated.h"
#include "sandbox.h"
#include "schema.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

/* Bytes of a file's start that identify it across renames and compression. */
#define HEAD_MAX 4096
#define CHUNK 65536

struct entry {
	char *path;
	unsigned long long dev, ino, offset;
	unsigned long long line;	/* lines before offset: origins name the line */
	size_t hlen;		/* bytes hashed, at most HEAD_MAX */
	uint64_t hash;		/* FNV-1a of the first hlen bytes */
	long long began;	/* when the run that read it began, ns; -1 unknown */
};

struct table {
	struct entry *v;
	size_t n;
};


struct run {
	const struct offset_opts *o;
	input_line_fn fn;
	void *ctx;
	struct progress prog;
	int status;
	long long began;	/* ns */
};

/* ---- identity ---- */

static uint64_t
fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Opens a candidate for reading: plain fd, or a gzFile over it. */
struct reader {
	int fd;
	gzFile gz;
};

static int
reader_open(struct reader *r, const char *name, int gz)
{
	r->gz = NULL;
	if ((r->fd = open(name, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (gz && (r->gz = gzdopen(r->fd, "rb")) == NULL) {
		close(r->fd);
		return -1;
	}
	if (r->gz)
		gzbuffer(r->gz, CHUNK);
	return 0;
}

static ssize_t
reader_read(struct reader *r, void *buf, size_t n)
{
	if (r->gz) {
		int got = gzread(r->gz, buf, (unsigned)n);

		return got < 0 ? -1 : got;
	}
	for (;;) {
		ssize_t got = read(r->fd, buf, n);

		if (got >= 0 || errno != EINTR)
			return got;
	}
}

static void
reader_close(struct reader *r)
{
	if (r->gz)
		gzclose(r->gz);	/* closes the fd too */
	else if (r->fd >= 0)
		close(r->fd);
}

/* The hash of the first want bytes, read from the start; -1 if shorter. */
static int
head_hash(const char *name, int gz, size_t want, uint64_t *out)
{
	unsigned char buf[HEAD_MAX];
	struct reader r;
	size_t have = 0;
	ssize_t got = 0;

	if (reader_open(&r, name, gz) != 0)
		return -1;
	while (have < want && (got = reader_read(&r, buf + have, want - have)) > 0)
		have += (size_t)got;
	reader_close(&r);
	if (have < want)
		return -1;
	*out = fnv1a(buf, want);
	return 0;
}

/* The head of an open plain file, for the entry saved after reading it. */
static void
head_of_fd(int fd, struct entry *e)
{
	unsigned char buf[HEAD_MAX];
	ssize_t got;
	size_t have = 0;

	while (have < sizeof buf && (got = pread(fd, buf + have, sizeof buf - have,
	    (off_t)have)) > 0)
		have += (size_t)got;
	e->hlen = have;
	e->hash = fnv1a(buf, have);
}

static int
same_head(const struct entry *e, const char *name, int gz)
{
	uint64_t h;

	if (e->hlen == 0)
		return 1;	/* an empty file has nothing to compare */
	return head_hash(name, gz, e->hlen, &h) == 0 && h == e->hash;
}

/* ---- the offset file ---- */

static struct entry *
table_find(struct table *t, const char *path)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].path, path) == 0)
			return &t->v[i];
	return NULL;
}

static struct entry *
table_put(struct table *t, const char *path)
{
	struct entry *e = table_find(t, path);

	if (e)
		return e;
	t->v = util_xreallocarray(t->v, t->n + 1, sizeof *t->v);
	e = &t->v[t->n++];
	memset(e, 0, sizeof *e);
	e->path = util_xstrdup(path);
	e->began = -1;
	return e;
}

static void
table_free(struct table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].path);
	free(t->v);
}

/* The entry of an offset record. dev and ino are unsigned 64-bit and may have
 * the top bit set: they are written as the signed integer of the same bits
 * and read back the same way. */
static int
entry_from_rec(const struct rec_val *v, struct entry *e)
{
	char *end;

	e->dev = (unsigned long long)v[OF_DEV].i;
	e->ino = (unsigned long long)v[OF_INO].i;
	if (v[OF_OFFSET].i < 0 || v[OF_HEAD_LEN].i < 0 || v[OF_HEAD_LEN].i > HEAD_MAX)
		return -1;
	e->offset = (unsigned long long)v[OF_OFFSET].i;
	e->hlen = (size_t)v[OF_HEAD_LEN].i;
	if (!isxdigit((unsigned char)v[OF_HEAD_HASH].s[0]))
		return -1;
	e->hash = strtoull(v[OF_HEAD_HASH].s, &end, 16);
	e->began = v[OF_BEGAN_NS].set ? v[OF_BEGAN_NS].i : -1;
	e->line = v[OF_LINE].i > 0 ? (unsigned long long)v[OF_LINE].i : 0;
	return 0;
}

/* A record that is not an offset record (no path) is the line handler's, if
 * it has saved state: 1 with its answer in *rc, else 0. */
static int
saved_state(const struct offset_opts *oo, void *ctx, const char *line, size_t n, int *rc)
{
	json_t *o = jsonl_parse_object(line, n, NULL, 0);
	int theirs = o != NULL && json_object_get(o, "path") == NULL;

	if (theirs)
		*rc = oo->state_load(ctx, o);
	json_decref(o);
	return theirs;
}

struct table_load {
	struct table *t;
	const struct offset_opts *oo;
	void *ctx;
};

static int
offset_line(void *arg, const struct recfile_line *l)
{
	struct table_load *c = arg;
	struct entry e = {0}, *slot;
	int rc;

	if (l->rc < 0 && c->oo->state_load && saved_state(c->oo, c->ctx, l->line, l->len, &rc)) {
		/* kept with the offsets by the line handler */
		if (rc == 0)
			return BK_OK;
		util_locwarn(l->path, l->lineno, "neither an offset record nor saved state");
		return BK_ERR;
	}
	if (l->rc < 0) {
		util_locwarn(l->path, l->lineno, "%s", l->why);
		return BK_ERR;
	}
	if (entry_from_rec(l->v, &e) != 0) {
		util_locwarn(l->path, l->lineno, "not an offset record (path, dev, ino, offset, "
		    "head_len, head_hash)");
		return BK_ERR;
	}
	slot = table_put(c->t, l->v[OF_PATH].s);
	e.path = slot->path;
	*slot = e;
	return BK_OK;
}

static int
table_load(struct table *t, const char *file, const struct offset_opts *oo, void *ctx)
{
	struct table_load c = { t, oo, ctx };

	return recfile_read(file, &schema_offset, offset_line, &c) == BK_OK ? BK_OK : BK_ERR;
}

static int
table_save(const struct table *t, const char *file, const struct offset_opts *oo, void *ctx)
{
	struct afile af;
	char hash[17];

	if (afile_begin(&af, file) != 0)
		return BK_ERR;
	for (size_t i = 0; i < t->n; i++) {
		const struct entry *e = &t->v[i];
		struct rec_val v[OF_NFIELDS] = {{0}};

		snprintf(hash, sizeof hash, "%016" PRIx64, e->hash);
		rec_str(&v[OF_PATH], e->path);
		rec_int(&v[OF_DEV], (long long)e->dev);
		rec_int(&v[OF_INO], (long long)e->ino);
		rec_int(&v[OF_OFFSET], (long long)e->offset);
		rec_int(&v[OF_LINE], (long long)e->line);
		rec_int(&v[OF_HEAD_LEN], (long long)e->hlen);
		rec_str(&v[OF_HEAD_HASH], hash);
		rec_int(&v[OF_BEGAN_NS], e->began);
		if (e->began >= 0)
			rec_int(&v[OF_SAVED], e->began / 1000000000);
		rec_write(af.fp, &schema_offset, v);
	}
	if (oo->state_save && oo->state_save(ctx, af.fp) != 0) {
		afile_abort(&af);
		return BK_ERR;
	}
	return afile_commit(&af) == 0 ? BK_OK : BK_ERR;
}

/* ---- reading ---- */

/* Reads name from byte start (line number line0 + 1), passing complete
 * lines to the handler. With final (a rotated file: no writer any more) a
 * last line without its newline is passed too; else it is left for the next
 * run. Returns the offset and the line number read up to in *end, *end_line. */
static int
read_from(struct run *r, const char *name, struct reader *rd, unsigned long long start,
    unsigned long long line0, int final, unsigned long long *end, unsigned long long *end_line)
{
	struct input_loc loc = { name, (unsigned long)line0 };
	char *buf = util_xmalloc(CHUNK + 1);
	size_t cap = CHUNK, have = 0, scan = 0, lstart = 0;
	unsigned long long pos = start;
	ssize_t got;
	int status = BK_OK;

	*end = start;
	if (rd->gz) {
		/* No index into a gzip stream: decompress and drop the part read before. */
		unsigned long long skip = start;

		while (skip > 0 && (got = reader_read(rd, buf, skip < cap ? (size_t)skip : cap)) > 0)
			skip -= (unsigned long long)got;
		if (skip > 0) {
			util_warnx("%s: shorter than the saved offset %llu; not read", name, start);
			free(buf);
			return BK_ERR;
		}
	} else if (lseek(rd->fd, (off_t)start, SEEK_SET) == (off_t)-1) {
		util_warn("%s: seek", name);
		free(buf);
		return BK_ERR;
	}
	for (;;) {
		char *nl;

		if (have == cap) {
			if (lstart > 0) {
				memmove(buf, buf + lstart, have - lstart);
				have -= lstart;
				scan -= lstart;
				lstart = 0;
			} else {
				cap *= 2;	/* a line longer than the buffer */
				buf = util_xrealloc(buf, cap + 1);
			}
		}
		if ((got = reader_read(rd, buf + have, cap - have)) < 0) {
			util_warn("%s: read error", name);
			status = BK_ERR;
			final = 0;	/* what is left may not be a whole line */
			break;
		}
		if (got == 0)
			break;
		have += (size_t)got;
		while ((nl = memchr(buf + scan, '\n', have - scan)) != NULL) {
			size_t len = (size_t)(nl - (buf + lstart));
			char *line = buf + lstart;

			if (len > 0 && line[len - 1] == '\r')
				len--;
			line[len] = '\0';
			loc.line++;
			status = input_worse(status, r->fn(r->ctx, &loc, line, len));
			pos += (unsigned long long)(nl + 1 - (buf + lstart));
			lstart = scan = (size_t)(nl + 1 - buf);
		}
		scan = have;
		progress_add(&r->prog, (unsigned long long)got);
	}
	if (final && have > lstart) {
		size_t len = have - lstart;

		buf[have] = '\0';
		if (buf[lstart + len - 1] == '\r')
			buf[lstart + --len] = '\0';
		loc.line++;
		status = input_worse(status, r->fn(r->ctx, &loc, buf + lstart, len));
		pos += have - lstart;
	}
	*end = pos;
	*end_line = loc.line;
	free(buf);
	return status;
}

/* Reads the tail of a rotated file from start to its end. */
static int
read_rotated(struct run *r, const struct rotated *c, unsigned long long start,
    unsigned long long line0, unsigned long long *endp, unsigned long long *end_linep)
{
	struct reader rd;
	unsigned long long end, end_line;
	int status;

	if (reader_open(&rd, c->name, c->gz) != 0) {
		util_warn("%s", c->name);
		return BK_ERR;
	}
	status = read_from(r, c->name, &rd, start, line0, 1, &end, &end_line);
	reader_close(&rd);
	if (endp)
		*endp = end;
	if (end_linep)
		*end_linep = end_line;
	return status;
}

/* Whether rotated file f is the live file cur, which is read on its own. */
static int
is_live(const struct rotated *f, const struct stat *cur)
{
	return cur != NULL && f->st.st_ino == cur->st_ino && f->st.st_dev == cur->st_dev;
}

/* Reads sel[0..nsel) from their starts in the order of cmp, then frees sel
 * and the collected v[0..n): the worse of status and theirs. */
static int
read_selected(struct run *r, struct rotated *sel, size_t nsel,
    int (*cmp)(const void *, const void *), struct rotated *v, size_t n, int status)
{
	qsort(sel, nsel, sizeof *sel, cmp);
	for (size_t i = 0; i < nsel; i++)
		status = input_worse(status, read_rotated(r, &sel[i], 0, 0, NULL, NULL));
	free(sel);
	rotated_free(v, n);
	return status;
}

/* The file read last time among the rotated names: by device and inode (a
 * rename), else by the hash of its head (a compressed or copied file). */
static struct rotated *
find_old(const struct entry *e, struct rotated *v, size_t n, const struct stat *cur)
{
	for (size_t i = 0; i < n; i++)
		if (!v[i].gz && v[i].st.st_dev == (dev_t)e->dev && v[i].st.st_ino == (ino_t)e->ino &&
		    !is_live(&v[i], cur) && same_head(e, v[i].name, 0))
			return &v[i];
	if (e->hlen == 0)
		return NULL;	/* nothing to recognise it by */
	for (size_t i = 0; i < n; i++)
		if (!is_live(&v[i], cur) && (v[i].gz || (unsigned long long)v[i].st.st_size >= e->offset) &&
		    same_head(e, v[i].name, v[i].gz))
			return &v[i];
	return NULL;
}

/* Reads the old file's tail and the generations rotated after it, oldest first. */
static int
read_predecessors(struct run *r, const char *path, const struct entry *e,
    const struct stat *cur, int same_inode)
{
	struct rotated *v = NULL, *old, *sel;
	size_t n = 0, nsel = 0;
	int status = BK_OK;

	rotated_collect(path, r->o->rotated_globs, &v, &n);
	for (size_t i = 0; i < n; i++)
		rotated_generation(&v[i], path);
	old = find_old(e, v, n, cur);
	if (old == NULL) {
		rotated_free(v, n);
		if (same_inode) {
			util_warnx("%s: truncated since the last run; reading it from the start",
			    path);
			return BK_OK;
		}
		if (e->offset == 0)
			return BK_OK;	/* nothing was read of it: nothing to look for */
		util_warnx("%s: rotated, and the file read last time is not found among its "
		    "rotated names: lines written to it after the last run are not read", path);
		return BK_ERR;
	}
	status = read_rotated(r, old, e->offset, e->line, NULL, NULL);
	/* Rotated more than once since: the generations after the old one, told
	 * by the naming scheme the old one has (numbers count down, dates up),
	 * else by modification time. */
	sel = util_xcalloc(n + 1, sizeof *sel);
	for (size_t i = 0; i < n; i++) {
		const struct rotated *c = &v[i];

		if (c == old || is_live(c, cur))
			continue;
		if (old->num >= 0 ? c->num >= 0 && c->num < old->num :
		    old->date ? c->date && strcmp(c->date, old->date) > 0 :
		    rotated_mtime_cmp(&c->st, &old->st) > 0)
			sel[nsel++] = *c;
	}
	return read_selected(r, sel, nsel, old->num >= 0 ? rotated_by_num : old->date ?
	    rotated_by_date : rotated_by_mtime, v, n, status);
}

/* A log that was empty when read last time has nothing to be recognised by:
 * every rotated file modified since that run began (logrotate keeps the
 * modification time when it compresses) holds lines not read yet. */
static int
read_since(struct run *r, const char *path, const struct entry *e, const struct stat *cur)
{
	/* A file written in the same clock tick as the run began is read again:
	 * at least once. */
	long long since = e->began;
	struct rotated *v = NULL, *sel;
	size_t n = 0, nsel = 0;

	if (e->began < 0)
		return BK_OK;
	rotated_collect(path, r->o->rotated_globs, &v, &n);
	sel = util_xcalloc(n + 1, sizeof *sel);
	for (size_t i = 0; i < n; i++) {
		long long m = (long long)v[i].st.st_mtim.tv_sec * 1000000000LL +
		    v[i].st.st_mtim.tv_nsec;

		rotated_generation(&v[i], path);
		if (m >= since && !is_live(&v[i], cur))
			sel[nsel++] = v[i];
	}
	return read_selected(r, sel, nsel, rotated_by_generation, v, n, BK_OK);
}

/* ---- one path ---- */

static int
run_path(struct run *r, struct table *t, const char *path)
{
	struct entry *e = table_find(t, path), saved;
	struct reader rd = { -1, NULL };
	struct stat st;
	unsigned long long start = 0, line0 = 0, end, end_line;
	int status = BK_OK;

	if (e)
		saved = *e;
	if ((rd.fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 || fstat(rd.fd, &st) != 0) {
		if (errno != ENOENT || e == NULL) {
			util_warn("%s", path);
			if (rd.fd != -1)
				close(rd.fd);
			return BK_ERR;
		}
		/* Rotated and not yet recreated: the old file's tail is all there is.
		 * The entry stays on the old file, now at its end. */
		{
			struct rotated *v = NULL, *old;
			size_t n = 0;

			if (saved.hlen == 0) {
				status = read_since(r, path, &saved, NULL);
				e->began = r->began;
				return status;
			}
			rotated_collect(path, r->o->rotated_globs, &v, &n);
			if ((old = find_old(&saved, v, n, NULL)) == NULL) {
				util_warnx("%s: no such file, and the file read last time is not "
				    "found among its rotated names", path);
				rotated_free(v, n);
				return BK_ERR;
			}
			status = read_rotated(r, old, saved.offset, saved.line, &end, &end_line);
			/* A compressed one has a new inode: the head still finds it. */
			e->offset = end;
			e->line = end_line;
			e->began = r->began;
			if (!old->gz) {
				e->dev = (unsigned long long)old->st.st_dev;
				e->ino = (unsigned long long)old->st.st_ino;
			}
			rotated_free(v, n);
			return status;
		}
	}
	if (!S_ISREG(st.st_mode)) {
		util_warnx("%s: not a regular file", path);
		close(rd.fd);
		return BK_ERR;
	}
	if (e && saved.hlen == 0) {
		/* Empty last time (so offset 0): the same file or a new one, it is
		 * read from the start, after what was rotated away since. */
		status = read_since(r, path, &saved, &st);
	} else if (e && saved.dev == (unsigned long long)st.st_dev &&
	    saved.ino == (unsigned long long)st.st_ino) {
		if ((unsigned long long)st.st_size >= saved.offset &&
		    same_head(&saved, path, 0)) {
			start = saved.offset;	/* the same file, grown or not */
			line0 = saved.line;
		} else {	/* truncated (maybe copied first), or the inode reused */
			status = read_predecessors(r, path, &saved, &st, 1);
		}
	} else if (e) {
		/* Another file under the path: the old one was rotated. */
		status = read_predecessors(r, path, &saved, &st, 0);
	}
	status = input_worse(status, read_from(r, path, &rd, start, line0, 0, &end, &end_line));
	e = table_put(t, path);
	e->dev = (unsigned long long)st.st_dev;
	e->ino = (unsigned long long)st.st_ino;
	e->offset = end;
	e->line = end_line;
	e->began = r->began;
	head_of_fd(rd.fd, e);
	close(rd.fd);
	return status;
}

/* What the sandbox leaves readable: the logs and the folders where their
 * rotated names are looked for (beside each, and those of --rotated). */
static void
allow_logs(const struct offset_opts *o, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		char *copy = util_xstrdup(argv[i]);

		sandbox_allow_path(dirname(copy), SANDBOX_READ);
		free(copy);
	}
	for (size_t i = 0; o->rotated_globs && o->rotated_globs[i]; i++) {
		/* The folder before the first wildcard: "/var/log/(*)/mail.log"
		 * is looked up in /var/log, "(*).gz" in ".". */
		const char *g = o->rotated_globs[i], *slash = g + strcspn(g, "*?[");
		char *dir;

		while (slash > g && *slash != '/')
			slash--;
		dir = *slash != '/' ? util_xstrdup(".") :
		    util_xstrndup(g, slash == g ? 1 : (size_t)(slash - g));
		sandbox_allow_path(dir, SANDBOX_READ);
		free(dir);
	}
}

int
offset_run(const struct offset_opts *o, int argc, char **argv, input_line_fn fn, void *ctx)
{
	struct run r = { o, fn, ctx, {0}, BK_OK, 0 };
	struct timespec now;
	struct table t = {0};
	int lock, status;

	if ((lock = afile_lock(o->offset_file, 1)) == -1)
		return BK_ERR;
	if ((status = table_load(&t, o->offset_file, o, ctx)) != BK_OK) {
		util_warnx("%s: not a usable offset file; nothing read (fix or remove it)",
		    o->offset_file);
		table_free(&t);
		afile_unlock(lock);
		return BK_ERR;
	}
	/* The offsets are read and the lock is held: from here on, the logs. */
	allow_logs(o, argc, argv);
	sandbox_enter();
	/* The clock that stamps file times, so that a file written after this
	 * point has a modification time not before began. */
#ifdef CLOCK_REALTIME_COARSE
	if (clock_gettime(CLOCK_REALTIME_COARSE, &now) != 0)
#endif
		clock_gettime(CLOCK_REALTIME, &now);
	r.began = (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
	progress_start(&r.prog, o->progress, o->events);
	for (int i = 0; i < argc; i++)
		status = input_worse(status, run_path(&r, &t, argv[i]));
	progress_end(&r.prog);
	/* The offsets move only once the events are safely out. */
	if (o->flush && o->flush(ctx) != 0) {
		util_warnx("%s: not updated: the events could not be written; the next run "
		    "reads the same lines again", o->offset_file);
		status = BK_ERR;
	} else if (table_save(&t, o->offset_file, o, ctx) != BK_OK) {
		status = BK_ERR;
	}
	table_free(&t);
	afile_unlock(lock);
	return status;
}
