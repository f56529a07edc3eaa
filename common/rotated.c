/* rotated: the files a log may have been rotated to (PATH.N[.gz],
 * PATH-DATE[.gz], names matched by the user's globs) and the order of their
 * generations. */
#include "rotated.h"
#include "util.h"

#include <ctype.h>
#include <fcntl.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
is_gzip(int fd)
{
	unsigned char m[2];

	return pread(fd, m, 2, 0) == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

static void
glob_escape(struct util_buf *b, const char *s)
{
	for (; *s; s++) {
		if (strchr("*?[\\", *s))
			util_buf_addc(b, '\\');
		util_buf_addc(b, *s);
	}
}

static void
cand_add(struct rotated **v, size_t *n, const char *name)
{
	struct stat st;
	int fd;

	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i].name, name) == 0)
			return;
	if (stat(name, &st) != 0 || !S_ISREG(st.st_mode))
		return;
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].st.st_dev == st.st_dev && (*v)[i].st.st_ino == st.st_ino)
			return;	/* the same file under two names */
	*v = util_xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[*n].name = util_xstrdup(name);
	(*v)[*n].st = st;
	(*v)[*n].gz = 0;
	if ((fd = open(name, O_RDONLY | O_CLOEXEC)) != -1) {
		(*v)[*n].gz = is_gzip(fd);
		close(fd);
	}
	(*n)++;
}

static void
cand_glob(struct rotated **v, size_t *n, const char *pattern)
{
	glob_t g;

	if (glob(pattern, 0, NULL, &g) == 0)
		for (size_t i = 0; i < g.gl_pathc; i++)
			cand_add(v, n, g.gl_pathv[i]);
	globfree(&g);
}

/* PATH.N[.gz], PATH-DATE[.gz] (logrotate's dateext) and the user's globs. */
void
rotated_collect(const char *path, const char *const *globs, struct rotated **v, size_t *n)
{
	static const char *const suffixes[] = { ".[0-9]*", "-[0-9]*" };
	struct util_buf b = {0};

	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		util_buf_reset(&b);
		glob_escape(&b, path);
		util_buf_adds(&b, suffixes[i]);
		cand_glob(v, n, util_buf_str(&b));
	}
	for (size_t i = 0; globs && globs[i]; i++)
		cand_glob(v, n, globs[i]);
	util_buf_free(&b);
}

void
rotated_free(struct rotated *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

int
rotated_mtime_cmp(const struct stat *a, const struct stat *b)
{
	if (a->st_mtim.tv_sec != b->st_mtim.tv_sec)
		return a->st_mtim.tv_sec < b->st_mtim.tv_sec ? -1 : 1;
	if (a->st_mtim.tv_nsec != b->st_mtim.tv_nsec)
		return a->st_mtim.tv_nsec < b->st_mtim.tv_nsec ? -1 : 1;
	return 0;
}

int
rotated_by_mtime(const void *a, const void *b)
{
	return rotated_mtime_cmp(&((const struct rotated *)a)->st, &((const struct rotated *)b)->st);
}

/* PATH.2 is older than PATH.1 */
int
rotated_by_num(const void *a, const void *b)
{
	long x = ((const struct rotated *)a)->num, y = ((const struct rotated *)b)->num;

	return x > y ? -1 : x < y;
}

int
rotated_by_date(const void *a, const void *b)
{
	return strcmp(((const struct rotated *)a)->date, ((const struct rotated *)b)->date);
}

/* Oldest first: by number or date when both names have one, else by time. */
int
rotated_by_generation(const void *a, const void *b)
{
	const struct rotated *x = a, *y = b;

	if (x->num >= 0 && y->num >= 0)
		return rotated_by_num(a, b);
	if (x->date && y->date)
		return rotated_by_date(a, b);
	return rotated_by_mtime(a, b);
}

/* Where a rotated name stands among the generations of path. */
void
rotated_generation(struct rotated *c, const char *path)
{
	size_t n = strlen(path);
	const char *rest = c->name + n;

	c->num = -1;
	c->date = NULL;
	if (strncmp(c->name, path, n) != 0 || !isdigit((unsigned char)rest[1]))
		return;
	if (rest[0] == '.') {
		char *end;
		long v = strtol(rest + 1, &end, 10);

		if (*end == '\0' || *end == '.')
			c->num = v;
	} else if (rest[0] == '-') {
		c->date = rest + 1;
	}
}
