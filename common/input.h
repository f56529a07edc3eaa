/* input: the shared loop. Operands name files, "-" or none means stdin; each
 * line (any length, NUL bytes kept) goes to a handler with its location. */
#ifndef BK_INPUT_H
#define BK_INPUT_H

#include <stddef.h>
#include <stdio.h>

struct input_loc {
	const char *file;	/* "-" shown as "<stdin>" */
	unsigned long line;
};

/* Returns BK_OK, or BK_ERR for a bad record (already reported); the loop goes on. */
typedef int (*input_line_fn)(void *ctx, const struct input_loc *loc, char *line, size_t len);
/* Opens name ("-" for stdin). NULL with a message on failure. */
FILE *input_open(const char *name);
const char *input_display_name(const char *name);

/* Lines read with read(2) in large blocks and cut out with memchr where they
 * lie, rather than getline(3) a line at a time. read(2) returns what a pipe
 * has, so "tail -f log | prog" goes on line by line. */
struct input_reader {
	int fd;
	char *buf;
	size_t cap, start, end;	/* unread bytes: buf[start..end) */
	int eof, error;		/* error: the errno of a failed read */
	long long at;		/* >= 0: read with pread(2) from here on */
	size_t block;		/* the first block's size */
};
void input_reader_init(struct input_reader *r, int fd);
/* A reader of fd (a regular file) from offset at, in blocks of block bytes
 * at first: many such readers can share one descriptor (pread(2)), each
 * reading its own part of the file. */
void input_reader_init_at(struct input_reader *r, int fd, long long at, size_t block);
/* The next line, its line end included (none at the end of the input), with
 * a NUL after it; 0 at the end of the input. Memory: the block, or the
 * longest line. */
int input_next_line(struct input_reader *r, char **line, size_t *len);
/* line[0..*len) without its line end ("\n", "\r\n"): NULs written over it. */
void input_chomp(char *line, size_t *len);
/* As input_next_line, but every complete line buffered at once (one or more,
 * the last line end included), for readers that scan lines themselves; NUL
 * after them, as for a line. */
int input_next_lines(struct input_reader *r, char **lines, size_t *len);
void input_reader_free(struct input_reader *r);

/* Reads fp line by line, without the line end (LF, CRLF). fp must not have
 * been read from (its descriptor is read directly). */
int input_lines(FILE *fp, const char *name, input_line_fn fn, void *ctx);
/* input_lines over each operand (none: stdin). Unreadable files are reported. */
int input_run(int argc, char **argv, input_line_fn fn, void *ctx);

/* Worse of two exit statuses (0 < 1 < 2). */
static inline int input_worse(int a, int b) { return a > b ? a : b; }

#endif
