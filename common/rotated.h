/* rotated: the files a log may have been rotated to and the order of their
 * generations (for offset.c). */
#ifndef BK_ROTATED_H
#define BK_ROTATED_H

#include <stddef.h>
#include <sys/stat.h>

/* A file that may be read: a rotated name, or the path itself. */
struct rotated {
	char *name;
	struct stat st;
	int gz;			/* gzip-compressed */
	long num;		/* N of PATH.N[.gz], else -1 (rotated_generation) */
	const char *date;	/* DATE of PATH-DATE[.gz], else NULL */
};

/* Appends the regular files named PATH.N[.gz], PATH-DATE[.gz] (logrotate's
 * dateext) and those matched by globs (NULL-terminated, may be NULL) to
 * v[0..n), each file once. */
void rotated_collect(const char *path, const char *const *globs, struct rotated **v, size_t *n);
void rotated_free(struct rotated *v, size_t n);
/* Sets num and date of a rotated name of path. */
void rotated_generation(struct rotated *c, const char *path);
/* Modification times compared; qsort orders, oldest first: by time, by N
 * (PATH.2 is older than PATH.1), by DATE, by generation (number or date
 * when both names have one, else time). */
int rotated_mtime_cmp(const struct stat *a, const struct stat *b);
int rotated_by_mtime(const void *a, const void *b);
int rotated_by_num(const void *a, const void *b);
int rotated_by_date(const void *a, const void *b);
int rotated_by_generation(const void *a, const void *b);

#endif
