/* Replays a corpus through a fuzz harness without libFuzzer (make check,
 * make asan): every regular file under the folder given as argv[1], at any
 * depth, is passed to LLVMFuzzerTestOneInput.
 *
 * The inputs run in a child whose stderr goes to /dev/null, because the
 * parsers rightly complain about hostile input. When the child fails (a
 * crash, a sanitizer report, a leak), each input is replayed alone to find the
 * culprit, which is then run once more with stderr shown. Exit 0 when every
 * input passed, 1 otherwise. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

struct list {
	char **v;
	size_t n, cap;
};

static void
list_add(struct list *l, const char *path)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		if ((l->v = realloc(l->v, l->cap * sizeof *l->v)) == NULL)
			abort();
	}
	if ((l->v[l->n++] = strdup(path)) == NULL)
		abort();
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Regular files under path; 0, or -1 if path cannot be read. */
static int
collect(const char *path, struct list *l)
{
	struct stat st;
	DIR *d;
	struct dirent *de;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISREG(st.st_mode)) {
		list_add(l, path);
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	if ((d = opendir(path)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char *sub;
		size_t n;

		/* Skip ".", ".." and dot files (README and the like are no inputs). */
		if (de->d_name[0] == '.')
			continue;
		n = strlen(path) + strlen(de->d_name) + 2;
		if ((sub = malloc(n)) == NULL)
			abort();
		snprintf(sub, n, "%s/%s", path, de->d_name);
		if (strcmp(de->d_name, "README") != 0 && collect(sub, l) != 0) {
			free(sub);
			closedir(d);
			return -1;
		}
		free(sub);
	}
	closedir(d);
	return 0;
}

/* 0, or -1 on a read error. */
static int
run_one(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (fp == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	do {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			if ((buf = realloc(buf, cap)) == NULL)
				abort();
		}
		got = fread(buf + len, 1, cap - len, fp);
		len += got;
	} while (got > 0);
	if (ferror(fp)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		fclose(fp);
		free(buf);
		return -1;
	}
	fclose(fp);
	/* An exact-size copy, so that reads past the end are caught. */
	{
		uint8_t *exact = malloc(len ? len : 1);

		if (exact == NULL)
			abort();
		memcpy(exact, buf, len);
		free(buf);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	return 0;
}

/* Runs inputs [from, to) in a child; quiet: stderr to /dev/null. Returns
 * whether the child succeeded. */
static int
run_child(struct list *l, size_t from, size_t to, int quiet)
{
	pid_t pid;
	int st;

	fflush(NULL);
	if ((pid = fork()) == -1) {
		perror("replay: fork");
		exit(1);
	}
	if (pid == 0) {
		if (quiet) {
			int fd = open("/dev/null", O_WRONLY);

			if (fd != -1) {
				dup2(fd, 2);
				close(fd);
			}
		}
		for (size_t i = from; i < to; i++)
			if (run_one(l->v[i]) != 0)
				_exit(1);
		exit(0);	/* exit, not _exit: leak checkers run at exit */
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR) {
			perror("replay: waitpid");
			exit(1);
		}
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int
main(int argc, char *argv[])
{
	struct list l = { NULL, 0, 0 };
	int failed = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s corpus-folder\n", argv[0]);
		return 2;
	}
	if (collect(argv[1], &l) != 0)
		return 1;
	qsort(l.v, l.n, sizeof *l.v, by_name);
	if (!run_child(&l, 0, l.n, 1)) {
		for (size_t i = 0; i < l.n; i++) {
			if (run_child(&l, i, i + 1, 1))
				continue;
			fprintf(stderr, "replay: %s: FAILED; its output follows\n", l.v[i]);
			run_child(&l, i, i + 1, 0);
			failed++;
		}
		/* Failing only together (state kept across inputs): say so. */
		if (failed == 0) {
			fprintf(stderr, "replay: %s: failed as a whole; no single input fails\n",
			    argv[1]);
			failed = 1;
		}
	}
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	return failed ? 1 : 0;
}
