/* flatjson: a fast reader for the common case of JSON lines: one object of
 * plain ASCII strings, integers, true/false/null and arrays of strings, read
 * without building a tree. Anything else (nesting, non-ASCII bytes, reals,
 * \u0000, bad syntax) is left to a full parser (jansson), whose values are
 * then copied into the same shape with flatjson_from_json, so that callers
 * have one code path and jansson's error messages. A line with a repeated key
 * (wanted or not) or many keys not wanted is left to jansson too, which
 * refuses repeated keys (JSON_REJECT_DUPLICATES): both agree on every line. */
#ifndef BK_FLATJSON_H
#define BK_FLATJSON_H

#include <stddef.h>
#include <jansson.h>

#include "util.h"

#define FLATJSON_MAX 32		/* wanted keys */

enum flatjson_type {
	FLATJSON_ABSENT, FLATJSON_NULL, FLATJSON_STR, FLATJSON_INT, FLATJSON_TRUE,
	FLATJSON_FALSE, FLATJSON_STRS, FLATJSON_ROWS, FLATJSON_OTHER
};

struct flatjson_val {
	enum flatjson_type type;
	size_t off;		/* STR, STRS, ROWS: offset of the (first) string in buf */
	long long num;		/* INT: the value; STRS: the count; ROWS: the rows */
	size_t width;		/* ROWS (arrays of strings, all as long, in an
				 * array: from jansson only): strings a row */
};

struct flatjson {
	const char *const *keys;	/* the keys the caller wants, in their usual order */
	size_t nkeys;
	size_t keylen[FLATJSON_MAX];
	struct flatjson_val v[FLATJSON_MAX];	/* by index into keys */
	struct util_buf buf;	/* decoded strings, NUL-terminated, back to back */
};

void flatjson_init(struct flatjson *fj, const char *const *keys, size_t nkeys);
void flatjson_free(struct flatjson *fj);
/* Reads line as a flat object. 0, or -1 when a full parser must do it. */
int flatjson_parse(struct flatjson *fj, const char *line, size_t len);
/* The wanted keys of an object parsed by jansson. */
void flatjson_from_json(struct flatjson *fj, const json_t *obj);
/* Value k as a string, NULL unless it is one. */
const char *flatjson_str(const struct flatjson *fj, size_t k);
/* The i-th string of an array of strings (STRS). */
const char *flatjson_strs(const struct flatjson *fj, size_t k, size_t i);

#endif
