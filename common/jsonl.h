/* jsonl: JSON-lines output (one compact object a line, keys in insertion
 * order) and valid-UTF-8 strings from hostile bytes. */
#ifndef BK_JSONL_H
#define BK_JSONL_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

#include "util.h"

/* Writes obj as one line to fp. Returns 0, or -1 on a write error. */
int jsonl_write(FILE *fp, const json_t *obj);
/* jsonl_write to stdout; exits 2 with a message on a write error. */
void jsonl_print(const json_t *obj);
/* A large buffer for stdout unless it is a terminal; the writers above do it
 * on their first line to stdout, others writing there may call it first. */
void jsonl_buffer_stdout(void);
/* Frees the calling thread's line buffer: for threads that wrote lines and
 * end before the program does. */
void jsonl_thread_end(void);

/* A new string of n bytes made valid UTF-8: invalid sequences become U+FFFD,
 * NUL bytes are dropped. Never NULL. */
char *jsonl_utf8_clean(const char *s, size_t n);
/* json string from bytes, cleaned as above. */
json_t *jsonl_string(const char *s, size_t n);
/* json string, or json null for NULL. */
json_t *jsonl_string_or_null(const char *s);
/* obj[key] = cleaned string of s, or null when s is NULL. */
void jsonl_set_str(json_t *obj, const char *key, const char *s);

/* Accessors that tolerate absent keys and wrong types: NULL / def. */
const char *jsonl_get_str(const json_t *obj, const char *key);
long long jsonl_get_int(const json_t *obj, const char *key, long long def);

/* Parses one line as a JSON object. On failure returns NULL and writes a short
 * reason into why (size whylen). */
json_t *jsonl_parse_object(const char *line, size_t len, char *why, size_t whylen);

/* The pieces of a line, as jsonl_write writes them: a quoted string (made
 * valid UTF-8 first if it is not), an integer, a real with that many
 * significant digits (0: jansson's default). */
void jsonl_add_string(struct util_buf *b, const char *s, size_t n);
void jsonl_add_integer(struct util_buf *b, long long v);
void jsonl_add_real(struct util_buf *b, double d, int digits);
/* The calling thread's line buffer, emptied: where a line is built. */
struct util_buf *jsonl_line(void);

#endif
