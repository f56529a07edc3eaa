/* email_folder: where messages come from: mbox files (split at "From "
 * lines), Maildirs (cur/ and new/) and folders of message files. */
/* d_type in struct dirent (glibc, BSD): saves a stat per message file;
 * memmem(3): glibc declares both for _GNU_SOURCE, the BSDs always. */
#define _GNU_SOURCE
#include "email_int.h"
#include "batchread.h"
#include "pool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* mbox: "From " lines after an empty line (or first) start messages; mboxrd
 * quoting (">From ", ">>From ") loses one ">". */
struct email_mbox {
	const struct email_opts *o;
	const char *name;
	struct util_buf msg;
	unsigned long count;
	int started, prev_empty;
	int first_plain;	/* the first message named as the file (a folder's) */
	int fd;			/* a folder's file, open, or -1 */
};

struct email_mbox *
email_mbox_new(const char *name, const struct email_opts *o)
{
	struct email_mbox *m = util_xcalloc(1, sizeof *m);

	m->o = o;
	m->name = name;
	m->fd = -1;
	m->prev_empty = 1;
	return m;
}

static void
mbox_flush(struct email_mbox *m)
{
	char *origin;
	size_t len;

	if (!m->started)
		return;
	len = strlen(m->name) + 24;
	origin = util_xmalloc(len);
	if (m->count == 1 && m->first_plain)
		snprintf(origin, len, "%s", m->name);
	else
		snprintf(origin, len, "%s#%lu", m->name, m->count);
	/* With the file, as a folder's message file: its time stands in for
	 * a missing Date (and email_message wants a NUL after the bytes). */
	email_message(util_buf_str(&m->msg), m->msg.len, origin, m->fd, m->o);
	free(origin);
	util_buf_reset(&m->msg);
}

static int mbox_line(struct email_mbox *m, const char *line, size_t len);

int
email_mbox_line(struct email_mbox *m, const char *line, size_t len)
{
	const char *cr;

	/* CR-only line ends (old Macs) reach here as one long line. */
	while ((cr = memchr(line, '\r', len)) != NULL) {
		mbox_line(m, line, (size_t)(cr - line));
		len -= (size_t)(cr - line) + 1;
		line = cr + 1;
	}
	return mbox_line(m, line, len);
}

static int
mbox_line(struct email_mbox *m, const char *line, size_t len)
{
	if (len >= 5 && memcmp(line, "From ", 5) == 0 && m->prev_empty) {
		mbox_flush(m);
		m->started = 1;
		m->count++;
		m->prev_empty = 0;
		return BK_OK;
	}
	m->prev_empty = len == 0;
	if (!m->started)
		return BK_OK;	/* text before the first "From " line */
	if (len > 0 && line[0] == '>') {
		size_t i = 0;

		while (i < len && line[i] == '>')
			i++;
		if (len - i >= 5 && memcmp(line + i, "From ", 5) == 0) {
			line++;
			len--;
		}
	}
	util_buf_add(&m->msg, line, len);
	util_buf_addc(&m->msg, '\n');
	return BK_OK;
}

int
email_mbox_end(struct email_mbox *m)
{
	mbox_flush(m);
	util_buf_free(&m->msg);
	free(m);
	return BK_OK;
}

/* Whether the message file p[n], which starts with an envelope line,
 * holds another one: a "From " line after an empty line (an mbox of
 * several messages, as mail clients keep a folder in one file). */
static int
more_envelopes(const char *p, size_t n)
{
	const char *end = p + n, *q = p;

	while ((q = memmem(q, (size_t)(end - q), "\nFrom ", 6)) != NULL) {
		if (q > p && (q[-1] == '\n' || (q[-1] == '\r' && q - 1 > p && q[-2] == '\n')))
			return 1;
		q++;
	}
	return 0;
}

/* One file of a folder, p[n] (a NUL after it), open as fd or -1: a message,
 * or an mbox of several read one by one (the first keeps the file's name
 * as its origin, the others get #2, #3, ... as in an mbox operand). */
static void
folder_message(const char *p, size_t n, const char *path, int fd, const struct email_opts *o)
{
	struct email_mbox *m;
	const char *end = p + n, *nl;

	if (n < 5 || memcmp(p, "From ", 5) != 0 || !more_envelopes(p, n)) {
		email_message(p, n, path, fd, o);
		return;
	}
	m = email_mbox_new(path, o);
	m->first_plain = 1;
	m->fd = fd;
	for (; p < end; p = nl + 1) {
		size_t len;

		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		len = (size_t)(nl - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		email_mbox_line(m, p, len);
	}
	email_mbox_end(m);
}

/* Reads the rest of the open regular file fd onto b's bytes. POSIX read(2) returns less than
 * asked of a regular file only at its end (or on a signal, which we do not
 * catch): a short read ends it, which saves the read(2) that would return 0,
 * and a buffer of 64 KiB or more takes most messages at once. */
static int
read_fd(int fd, struct util_buf *b)
{
	ssize_t k;

	for (;;) {
		size_t want;

		if (b->cap - b->len < 65536) {
			b->cap = b->cap ? b->cap * 2 : 65536;
			b->p = util_xrealloc(b->p, b->cap);
		}
		want = b->cap - b->len - 1;
		if ((k = read(fd, b->p + b->len, want)) <= 0)
			break;
		b->len += (size_t)k;
		if ((size_t)k < want)
			break;
	}
	return k < 0 ? -1 : 0;
}

/* The message file being read and its path, per thread, reused from one to
 * the next. */
static _Thread_local struct util_buf file_buf, path_buf;

/* Message files read and not closed yet, per thread, closed together: a
 * close(2) per message was a sixth of the kernel's work on a folder of small
 * ones. Each run of consecutive descriptors among them goes in one
 * close_range(2) (Linux 5.9, FreeBSD 12.2); open(2) gives the lowest free
 * ones, so that the next batch has the same few runs. Only the thread's own
 * are in a run. At most close_batch are held: CLOSE_BATCH_MAX (a batch of 16
 * took a close_range(2) per 5 messages, 64 one per 20), fewer where the
 * limit on open files is low, so that the most threads (64) cannot hold
 * them all. Set before the threads start. */
#define CLOSE_BATCH_MAX 64
static int close_batch = 16;
static _Thread_local struct {
	int fd[CLOSE_BATCH_MAX];
	int n;
} held;

static void
close_run(int lo, int hi)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lo, (unsigned)hi, 0) == 0)
		return;
#endif
	for (int k = lo; k <= hi; k++)
		close(k);
}

static void
close_held(void)
{
	int lo = 0;

	/* In order (insertion: they mostly come so), then run by run. */
	for (int i = 1; i < held.n; i++)
		for (int j = i; j > 0 && held.fd[j - 1] > held.fd[j]; j--) {
			int t = held.fd[j];

			held.fd[j] = held.fd[j - 1];
			held.fd[j - 1] = t;
		}
	for (int i = 0; i < held.n; i++) {
		if (i == 0 || held.fd[i] != held.fd[i - 1] + 1)
			lo = held.fd[i];
		if (i + 1 == held.n || held.fd[i + 1] != held.fd[i] + 1)
			close_run(lo, held.fd[i]);
	}
	held.n = 0;
}

/* fd, read: closed with the next batch. */
static void
close_later(int fd)
{
	held.fd[held.n++] = fd;
	if (held.n >= close_batch)
		close_held();
}

/* The message file open as fd, named path, its first bytes (if any) read
 * into file_buf; closes fd. */
static int
parse_fd(int fd, const char *path, const struct email_opts *o)
{
	if (read_fd(fd, &file_buf) != 0) {
		util_warn("%s: read error", path);
		close_later(fd);
		return BK_ERR;
	}
	file_buf.p[file_buf.len] = '\0';	/* read_fd leaves room for it */
	/* Open while parsing: its time stands in for a missing Date. */
	folder_message(file_buf.p, file_buf.len, path, fd, o);
	close_later(fd);
	if (file_buf.cap > KEEP_MAX)
		util_buf_free(&file_buf);
	return BK_OK;
}

/* The files of the thread's current run of items (pool.h: a run of
 * POOL_RUN items is parsed in one thread, in order), opened and read
 * together: items lo .. lo + n - 1. */
static _Thread_local struct {
	size_t lo, n;
	struct batchread_file f[BATCHREAD_MAX];
	int taken[BATCHREAD_MAX];
} ahead;

/* Closes the run's files not parsed (a run cut short). */
static void
ahead_drop(void)
{
	for (size_t k = 0; k < ahead.n; k++)
		if (!ahead.taken[k] && ahead.f[k].fd >= 0)
			close(ahead.f[k].fd);
	ahead.n = 0;
}

void
email_folder_thread_end(void)
{
	ahead_drop();
	batchread_thread_end();
	close_held();
	util_buf_free(&file_buf);
	util_buf_free(&path_buf);
}

/* A message file of a folder: its name, opened in its directory by the name
 * alone (by the whole path the kernel looks up every directory on it again,
 * a tenth of the time of reading a small message). The names are one
 * buffer's: a malloc(3) of each path was a third of the page faults of a
 * run over a folder of small messages (a page fault costs 15-20 us on a
 * virtual machine); the path, the origin of its events, is put together
 * when the message is parsed. */
struct folder_entry {
	union {
		size_t off;		/* while listing: in email_folder.names */
		const char *name;	/* once listed */
	} u;
	int dir;		/* index in email_folder.fd and .dirpath */
};

struct email_folder {
	struct folder_entry *e;
	size_t n, cap;
	struct util_buf names;	/* each name and its NUL */
	char *dirpath[2];
	int fd[2];		/* the folder, or a Maildir's cur/ and new/ */
	int ndirs;
};

/* In path order: a Maildir's cur/ (listed first) before its new/. */
static int
cmp_entries(const void *a, const void *b)
{
	const struct folder_entry *x = a, *y = b;

	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	return strcmp(x->u.name, y->u.name);
}

/* The path of item i, in a buffer of the thread's. */
static const char *
entry_path(const struct email_folder *f, size_t i)
{
	const struct folder_entry *e = &f->e[i];

	util_buf_reset(&path_buf);
	util_buf_adds(&path_buf, f->dirpath[e->dir]);
	util_buf_addc(&path_buf, '/');
	util_buf_adds(&path_buf, e->u.name);
	return util_buf_str(&path_buf);
}

/* Regular files of base/sub whose names do not start with a dot. */
static int
list_files(struct email_folder *f, const char *base, const char *sub)
{
	char *dirpath;
	size_t len = strlen(base) + strlen(sub) + 2;
	DIR *d;
	struct dirent *de;
	int dir;

	dirpath = util_xmalloc(len);
	snprintf(dirpath, len, "%s%s%s", base, *sub ? "/" : "", sub);
	if ((d = opendir(dirpath)) == NULL || (f->fd[f->ndirs] = dup(dirfd(d))) < 0) {
		util_warn("%s", dirpath);
		if (d)
			closedir(d);
		free(dirpath);
		return -1;
	}
	dir = f->ndirs++;
	f->dirpath[dir] = dirpath;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		struct folder_entry *e;

		if (de->d_name[0] == '.')
			continue;
#ifdef DT_REG
		/* The type from the directory saves a stat per file. */
		if (!(de->d_type == DT_REG || ((de->d_type == DT_UNKNOWN || de->d_type == DT_LNK) &&
		    fstatat(dirfd(d), de->d_name, &st, 0) == 0 && S_ISREG(st.st_mode))))
#else
		if (!(fstatat(dirfd(d), de->d_name, &st, 0) == 0 && S_ISREG(st.st_mode)))
#endif
			continue;
		if (f->n == f->cap) {
			f->cap = f->cap ? f->cap * 2 : 64;
			f->e = util_xreallocarray(f->e, f->cap, sizeof *f->e);
		}
		e = &f->e[f->n++];
		e->u.off = f->names.len;
		e->dir = dir;
		util_buf_add(&f->names, de->d_name, strlen(de->d_name) + 1);
	}
	closedir(d);
	return 0;
}

int
email_folder_open(const char *path, struct email_folder **out)
{
	struct email_folder *f = util_xcalloc(1, sizeof *f);
	struct rlimit rl;
	struct stat st;
	int status = BK_OK;
	char *base = util_xstrdup(path);
	size_t bl = strlen(base), l;
	char *cur, *nw;

	f->fd[0] = f->fd[1] = -1;
	close_batch = CLOSE_BATCH_MAX;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 64 < CLOSE_BATCH_MAX)
		close_batch = rl.rlim_cur >= 64 ? (int)(rl.rlim_cur / 64) : 1;
	while (bl > 1 && base[bl - 1] == '/')
		base[--bl] = '\0';
	l = bl + 8;
	cur = util_xmalloc(l);
	nw = util_xmalloc(l);
	snprintf(cur, l, "%s/cur", base);
	snprintf(nw, l, "%s/new", base);
	if ((stat(cur, &st) == 0 && S_ISDIR(st.st_mode)) ||
	    (stat(nw, &st) == 0 && S_ISDIR(st.st_mode))) {
		/* A Maildir may lack one of them. */
		if (stat(cur, &st) == 0 && list_files(f, base, "cur") != 0)
			status = BK_ERR;
		if (stat(nw, &st) == 0 && list_files(f, base, "new") != 0)
			status = BK_ERR;
	} else if (list_files(f, base, "") != 0) {
		status = BK_ERR;
	}
	free(cur);
	free(nw);
	free(base);
	for (size_t i = 0; i < f->n; i++)
		f->e[i].u.name = f->names.p + f->e[i].u.off;
	if (f->n > 1)
		qsort(f->e, f->n, sizeof *f->e, cmp_entries);
	*out = f;
	return status;
}

size_t
email_folder_count(const struct email_folder *f)
{
	return f->n;
}

/* Opens and reads items i .. the end of its run together, as many as the
 * thread may hold open (close_batch, with those held). */
static void
read_ahead(const struct email_folder *f, size_t i)
{
	size_t end = (i / POOL_RUN + 1) * POOL_RUN, n;

	ahead_drop();
	if (end > f->n)
		end = f->n;
	n = end - i;
	if (n > BATCHREAD_MAX)
		n = BATCHREAD_MAX;
	if (n > (size_t)close_batch)
		n = (size_t)close_batch;
	if (n < 2)
		return;		/* no gain */
	if (held.n + (int)n > close_batch)
		close_held();
	for (size_t k = 0; k < n; k++) {
		const struct folder_entry *e = &f->e[i + k];

		ahead.f[k].dir = f->fd[e->dir];
		ahead.f[k].name = e->u.name;
		ahead.taken[k] = 0;
	}
	if (batchread_run(ahead.f, n) == 0) {
		ahead.lo = i;
		ahead.n = n;
	}
}

/* Item i from the run read ahead: BK_OK or BK_ERR, or -1 if it was not
 * (or its open failed for want of descriptors: the caller tries again). */
static int
parse_ahead(const struct email_folder *f, size_t i, const struct email_opts *o)
{
	struct batchread_file *b;
	const char *path;

	if (ahead.n == 0 || i < ahead.lo || i - ahead.lo >= ahead.n)
		read_ahead(f, i);
	if (ahead.n == 0 || i < ahead.lo || i - ahead.lo >= ahead.n)
		return -1;
	b = &ahead.f[i - ahead.lo];
	ahead.taken[i - ahead.lo] = 1;
	/* Out of descriptors (those held count), or of what the ring needed:
	 * openat(2) tries again. */
	if (b->fd < 0 && (b->err == EMFILE || b->err == ENFILE || b->err == EAGAIN ||
	    b->err == EINTR))
		return -1;
	path = entry_path(f, i);
	if (b->fd < 0) {
		errno = b->err;
		util_warn("%s", path);
		return BK_ERR;
	}
	if (b->err != 0) {
		util_warn("%s: read error", path);
		close_later(b->fd);
		return BK_ERR;
	}
	if (b->more) {
		util_buf_reset(&file_buf);
		util_buf_add(&file_buf, b->p, b->len);
		return parse_fd(b->fd, path, o);
	}
	folder_message(b->p, b->len, path, b->fd, o);
	close_later(b->fd);
	return BK_OK;
}

int
email_folder_parse(const struct email_folder *f, size_t i, const struct email_opts *o)
{
	const struct folder_entry *e = &f->e[i];
	int fd, rc;

	if ((rc = parse_ahead(f, i, o)) >= 0)
		return rc;
	fd = openat(f->fd[e->dir], e->u.name, O_RDONLY);
	if (fd < 0 && errno == EMFILE && held.n > 0) {
		close_held();	/* those held count against the limit */
		fd = openat(f->fd[e->dir], e->u.name, O_RDONLY);
	}
	if (fd < 0) {
		rc = errno;
		entry_path(f, i);
		errno = rc;
		util_warn("%s", path_buf.p);
		return BK_ERR;
	}
	util_buf_reset(&file_buf);
	return parse_fd(fd, entry_path(f, i), o);
}

void
email_folder_close(struct email_folder *f)
{
	/* The calling thread's (workers close theirs as they end). */
	ahead_drop();
	batchread_thread_end();
	close_held();
	util_buf_free(&path_buf);
	for (int d = 0; d < f->ndirs; d++) {
		close(f->fd[d]);
		free(f->dirpath[d]);
	}
	util_buf_free(&f->names);
	free(f->e);
	free(f);
}
