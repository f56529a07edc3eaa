/* input: the shared loop, every line of every operand to a handler. */
#include "input.h"
#include "util.h"

#include <errno.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *
input_display_name(const char *name)
{
	return strcmp(name, "-") == 0 ? "<stdin>" : name;
}

FILE *
input_open(const char *name)
{
	FILE *fp;
	struct stat st;

	if (strcmp(name, "-") == 0)
		return stdin;
	if ((fp = fopen(name, "r")) == NULL) {
		util_warn("%s", name);
		return NULL;
	}
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		util_warnx("%s: is a directory", name);
		fclose(fp);
		return NULL;
	}
	return fp;
}

/* Blocks of this size at first; a longer line grows the buffer. */
#define READ_BLOCK (128 * 1024)

void
input_reader_init(struct input_reader *r, int fd)
{
	memset(r, 0, sizeof *r);
	r->fd = fd;
	r->at = -1;
	r->block = READ_BLOCK;
}

void
input_reader_init_at(struct input_reader *r, int fd, long long at, size_t block)
{
	input_reader_init(r, fd);
	r->at = at;
	r->block = block > 0 ? block : READ_BLOCK;
}

void
input_reader_free(struct input_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* The last line end of p[0..n), or NULL (memrchr is not POSIX). */
static char *
last_nl(char *p, size_t n)
{
	while (n > 0)
		if (p[--n] == '\n')
			return p + n;
	return NULL;
}

/* The next piece of the input: up to the first line end (a line) or the last
 * one buffered (a block of lines); at the end of the input, what is left. */
static int
next_piece(struct input_reader *r, char **p, size_t *len, int block)
{
	size_t scanned = 0;

	for (;;) {
		/* No buffer before the first read: no offset added to a null
		 * pointer (undefined, even of 0). */
		char *start = r->buf != NULL ? r->buf + r->start : NULL, *nl = NULL;
		size_t have = r->end - r->start;
		ssize_t got;

		/* have > scanned: no memchr on the NULL buffer of the first call.
		 * Bytes scanned before hold no line end: not looked at again. */
		if (have > scanned)
			nl = block ? last_nl(start + scanned, have - scanned) :
			    memchr(start + scanned, '\n', have - scanned);
		if (nl != NULL) {
			*p = start;
			*len = (size_t)(nl - start) + 1;
			r->start += *len;
			return 1;
		}
		scanned = have;
		if (r->eof) {
			if (have == 0)
				return 0;
			*p = start;
			*len = have;
			r->start = r->end;
			return 1;
		}
		/* keep the partial line, room for more after it */
		if (r->start > 0) {
			memmove(r->buf, start, have);
			r->start = 0;
			r->end = have;
		}
		/* one byte spare: a NUL after the data, as getline leaves */
		if (r->end + 1 >= r->cap) {
			r->cap = r->cap ? r->cap * 2 : r->block;
			r->buf = util_xrealloc(r->buf, r->cap);
		}
		do
			got = r->at < 0 ? read(r->fd, r->buf + r->end, r->cap - r->end - 1) :
			    pread(r->fd, r->buf + r->end, r->cap - r->end - 1, (off_t)r->at);
		while (got < 0 && errno == EINTR);
		if (got > 0 && r->at >= 0)
			r->at += got;
		if (got < 0) {
			r->error = errno;
			r->eof = 1;
		} else if (got == 0) {
			r->eof = 1;
		} else {
			r->end += (size_t)got;
		}
		r->buf[r->end] = '\0';
	}
}

int
input_next_line(struct input_reader *r, char **line, size_t *len)
{
	return next_piece(r, line, len, 0);
}

int
input_next_lines(struct input_reader *r, char **lines, size_t *len)
{
	return next_piece(r, lines, len, 1);
}

void
input_chomp(char *line, size_t *len)
{
	if (*len > 0 && line[*len - 1] == '\n')
		line[--*len] = '\0';
	if (*len > 0 && line[*len - 1] == '\r')
		line[--*len] = '\0';
}

int
input_lines(FILE *fp, const char *name, input_line_fn fn, void *ctx)
{
	struct input_loc loc = { input_display_name(name), 0 };
	struct input_reader rd;
	char *line;
	size_t n;
	int status = 0;

	input_reader_init(&rd, fileno(fp));
	while (input_next_line(&rd, &line, &n)) {
		loc.line++;
		input_chomp(line, &n);
		status = input_worse(status, fn(ctx, &loc, line, n));
	}
	if (rd.error) {
		errno = rd.error;
		util_warn("%s: read error", loc.file);
		status = 2;
	}
	input_reader_free(&rd);
	return status;
}

int
input_run(int argc, char **argv, input_line_fn fn, void *ctx)
{
	int status = 0;
	char *dash[] = { "-" };

	if (argc == 0) {
		argc = 1;
		argv = dash;
	}
	for (int i = 0; i < argc; i++) {
		FILE *fp = input_open(argv[i]);

		if (fp == NULL) {
			status = 2;
			continue;
		}
		status = input_worse(status, input_lines(fp, argv[i], fn, ctx));
		if (fp != stdin)
			fclose(fp);
	}
	return status;
}
