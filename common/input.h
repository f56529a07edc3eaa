/* input: the shared loop. Operands name files, "-" or none means stdin; each
 * line (any length, NUL bytes kept) goes to a handler with its location. */
#ifndef BK_INPUT_H
#define BK_INPUT_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

struct input_loc {
	const char *file;	/* "-" shown as "<stdin>" */
	unsigned long line;
};

/* Returns BK_OK, or BK_ERR for a bad record (already reported); the loop goes on. */
typedef int (*input_line_fn)(void *ctx, const struct input_loc *loc, char *line, size_t len);
typedef int (*input_json_fn)(void *ctx, const struct input_loc *loc, json_t *obj);
/* Called with a stream before its lines, for handlers that read whole files. */

/* Opens name ("-" for stdin). NULL with a message on failure. */
FILE *input_open(const char *name);
const char *input_display_name(const char *name);

/* Reads fp line by line, without the line end (LF, CRLF). */
int input_lines(FILE *fp, const char *name, input_line_fn fn, void *ctx);
/* input_lines over each operand (none: stdin). Unreadable files are reported. */
int input_run(int argc, char **argv, input_line_fn fn, void *ctx);

/* Like input_run, each non-blank line parsed as a JSON object; lines that are
 * not are reported as "file:line: ..." and counted as errors. */
int input_run_json(int argc, char **argv, input_json_fn fn, void *ctx);
int input_lines_json(FILE *fp, const char *name, input_json_fn fn, void *ctx);

/* Worse of two exit statuses (0 < 1 < 2). */
static inline int input_worse(int a, int b) { return a > b ? a : b; }

#endif
