/* jsonl: JSON-lines output (one compact object a line, keys in insertion
 * order) and valid-UTF-8 strings from hostile bytes. */
#ifndef BK_JSONL_H
#define BK_JSONL_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

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

/* One flat object written straight from C values, without building jansson
 * objects: the same bytes as jsonl_write of the equivalent object (strings
 * cleaned to UTF-8 as jsonl_string does). For the records written by the
 * million, such as bounce-parse's events. */
enum jsonl_kind { JSONL_NULL, JSONL_STR, JSONL_INT };
struct jsonl_field {
	const char *key;
	enum jsonl_kind kind;
	const char *s;		/* JSONL_STR; NULL is written as null */
	long long i;		/* JSONL_INT */
};
int jsonl_write_fields(FILE *fp, const struct jsonl_field *f, size_t n);

#endif
