/* flatjson: the fast reader of flat JSON-lines objects, no tree built. */
#include "flatjson.h"
#include "ascii.h"
#include "charset.h"

#include <stdint.h>
#include <string.h>

void
flatjson_init(struct flatjson *fj, const char *const *keys, size_t nkeys)
{
	memset(fj, 0, sizeof *fj);
	fj->keys = keys;
	fj->nkeys = nkeys < FLATJSON_MAX ? nkeys : FLATJSON_MAX;
	for (size_t k = 0; k < fj->nkeys; k++)
		fj->keylen[k] = strlen(keys[k]);
}

void
flatjson_free(struct flatjson *fj)
{
	util_buf_free(&fj->buf);
}

static void
reset(struct flatjson *fj)
{
	for (size_t k = 0; k < fj->nkeys; k++)
		fj->v[k].type = FLATJSON_ABSENT;
	util_buf_reset(&fj->buf);
}

struct scan {
	const char *p, *end;
};

static inline void
skip_ws(struct scan *s)
{
	/* Most often there is none: one look. */
	while (s->p < s->end && (unsigned char)*s->p <= ' ' && (*s->p == ' ' || *s->p == '\t' ||
	    *s->p == '\r' || *s->p == '\n'))
		s->p++;
}

/* A string at s->p (just past the quote), decoded and NUL-terminated into b
 * (if b is not NULL). */
static int
string(struct scan *s, struct util_buf *b)
{
	const char *run = s->p;

	for (;;) {
		unsigned char c;
		unsigned long cp;
		size_t n;

		/* The plain bytes at once: the scan is most of the cost of
		 * reading records. */
		s->p = ascii_json_plain_end(s->p, s->end);
		if (s->p >= s->end)
			return -1;
		c = (unsigned char)*s->p;
		if (c == '"') {
			if (b) {
				util_buf_add(b, run, (size_t)(s->p - run));
				util_buf_addc(b, '\0');
			}
			s->p++;
			return 0;
		}
		if (c < 0x20 || c >= 0x80)
			return -1;	/* invalid, or UTF-8 to be checked by jansson */
		/* an escape */
		if (b)
			util_buf_add(b, run, (size_t)(s->p - run));
		if (s->end - s->p < 2)
			return -1;
		switch (s->p[1]) {
		case '"': case '\\': case '/':
			if (b)
				util_buf_addc(b, s->p[1]);
			s->p += 2;
			break;
		case 'b': if (b) util_buf_addc(b, '\b'); s->p += 2; break;
		case 'f': if (b) util_buf_addc(b, '\f'); s->p += 2; break;
		case 'n': if (b) util_buf_addc(b, '\n'); s->p += 2; break;
		case 'r': if (b) util_buf_addc(b, '\r'); s->p += 2; break;
		case 't': if (b) util_buf_addc(b, '\t'); s->p += 2; break;
		case 'u':
			if ((n = charset_json_escape(s->p, (size_t)(s->end - s->p), &cp)) == 0)
				return -1;
			s->p += n;
			if (b)
				b->len += charset_put_utf8(util_buf_room(b, 4), cp);
			break;
		default:
			return -1;
		}
		run = s->p;
	}
}

static int
literal(struct scan *s, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return -1;
	s->p += n;
	return 0;
}

/* An integer; reals and exponents go to the full parser. */
static int
integer(struct scan *s, long long *out)
{
	int neg = 0;
	long long v = 0;
	const char *start;

	if (*s->p == '-') {
		neg = 1;
		s->p++;
	}
	start = s->p;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
		if (v > 99999999999999999LL)
			return -1;
		v = v * 10 + (*s->p++ - '0');
	}
	if (s->p == start || (*start == '0' && s->p - start > 1))
		return -1;
	if (s->p < s->end && (*s->p == '.' || *s->p == 'e' || *s->p == 'E'))
		return -1;
	*out = neg ? -v : v;
	return 0;
}

static int
value(struct scan *s, struct flatjson *fj, struct flatjson_val *v)
{
	struct util_buf *b = v ? &fj->buf : NULL;
	struct flatjson_val dummy;
	long long count = 0;

	if (v == NULL)
		v = &dummy;
	if (s->p >= s->end)
		return -1;
	switch (*s->p) {
	case '"':
		s->p++;
		v->type = FLATJSON_STR;
		v->off = fj->buf.len;
		return string(s, b);
	case 'n':
		v->type = FLATJSON_NULL;
		return literal(s, "null");
	case 't':
		v->type = FLATJSON_TRUE;
		return literal(s, "true");
	case 'f':
		v->type = FLATJSON_FALSE;
		return literal(s, "false");
	case '[':
		s->p++;
		v->type = FLATJSON_STRS;
		v->off = fj->buf.len;
		skip_ws(s);
		if (s->p < s->end && *s->p == ']') {
			s->p++;
			v->num = 0;
			return 0;
		}
		for (;;) {
			skip_ws(s);
			if (s->p >= s->end || *s->p != '"')
				return -1;
			s->p++;
			if (string(s, b) != 0)
				return -1;
			count++;
			skip_ws(s);
			if (s->p < s->end && *s->p == ',') {
				s->p++;
				continue;
			}
			if (s->p < s->end && *s->p == ']') {
				s->p++;
				v->num = count;
				return 0;
			}
			return -1;
		}
	default:
		v->type = FLATJSON_INT;
		return integer(s, &v->num);
	}
}

/* The wanted key named by s[0..n), or -1. Keys usually come in the order
 * of fj->keys, so the one after the last match is tried first. */
static long
lookup(const struct flatjson *fj, const char *s, size_t n, size_t *cursor)
{
	size_t k = *cursor;

	if (k < fj->nkeys && fj->keylen[k] == n && memcmp(fj->keys[k], s, n) == 0) {
		*cursor = k + 1;
		return (long)k;
	}
	for (k = 0; k < fj->nkeys; k++)
		if (fj->keylen[k] == n && memcmp(fj->keys[k], s, n) == 0) {
			*cursor = k + 1;
			return (long)k;
		}
	return -1;
}

/* Keys not wanted that a line may have before the full parser takes it: each
 * is compared with those before it, as a repeated key makes the line bad. */
#define OTHER_KEYS 8

int
flatjson_parse(struct flatjson *fj, const char *line, size_t len)
{
	struct scan s = { line, line + len };
	struct { const char *p; size_t n; } other[OTHER_KEYS];
	size_t cursor = 0, nother = 0;

	reset(fj);
	skip_ws(&s);
	if (s.p >= s.end || *s.p != '{')
		return -1;
	s.p++;
	skip_ws(&s);
	if (s.p < s.end && *s.p == '}') {
		s.p++;
		goto end;
	}
	for (;;) {
		const char *key;
		long k;

		skip_ws(&s);
		if (s.p >= s.end || *s.p != '"')
			return -1;
		key = ++s.p;
		k = -1;
		/* Keys usually come in the order of fj->keys: the one after the
		 * last match, compared whole, before the key is scanned. */
		if (cursor < fj->nkeys && (size_t)(s.end - s.p) > fj->keylen[cursor] &&
		    s.p[fj->keylen[cursor]] == '"' &&
		    memcmp(s.p, fj->keys[cursor], fj->keylen[cursor]) == 0) {
			s.p += fj->keylen[cursor];
			k = (long)cursor++;
		} else {
			/* Escaped keys are rare: the full parser takes them. */
			while (s.p < s.end && *s.p != '"' && *s.p != '\\' &&
			    (unsigned char)*s.p >= 0x20 && (unsigned char)*s.p < 0x80)
				s.p++;
			if (s.p >= s.end || *s.p != '"' || s.p == key)
				return -1;
			k = lookup(fj, key, (size_t)(s.p - key), &cursor);
		}
		if (k < 0) {
			size_t n = (size_t)(s.p - key);

			if (nother == OTHER_KEYS)
				return -1;
			for (size_t i = 0; i < nother; i++)
				if (other[i].n == n && memcmp(other[i].p, key, n) == 0)
					return -1;	/* a duplicate: as below */
			other[nother].p = key;
			other[nother++].n = n;
		}
		s.p++;
		skip_ws(&s);
		if (s.p >= s.end || *s.p != ':')
			return -1;
		s.p++;
		skip_ws(&s);
		if (k >= 0 && fj->v[k].type != FLATJSON_ABSENT)
			return -1;	/* a duplicate: let the full parser say so */
		if (value(&s, fj, k >= 0 ? &fj->v[k] : NULL) != 0)
			return -1;
		skip_ws(&s);
		if (s.p < s.end && *s.p == ',') {
			s.p++;
			continue;
		}
		if (s.p < s.end && *s.p == '}') {
			s.p++;
			break;
		}
		return -1;
	}
end:
	skip_ws(&s);
	return s.p == s.end ? 0 : -1;
}

/* An array of strings (or any other array: OTHER). */
static void
from_json_strs(struct flatjson *fj, struct flatjson_val *v, const json_t *j)
{
	size_t i;
	json_t *e;

	v->type = FLATJSON_STRS;
	v->off = fj->buf.len;
	v->num = 0;
	json_array_foreach(j, i, e) {
		if (!json_is_string(e)) {
			v->type = FLATJSON_OTHER;
			return;
		}
		util_buf_add(&fj->buf, json_string_value(e), strlen(json_string_value(e)) + 1);
		v->num++;
	}
}

/* An array of arrays of strings, all as long as the first (else OTHER). */
static void
from_json_rows(struct flatjson *fj, struct flatjson_val *v, const json_t *j)
{
	struct flatjson_val row;
	size_t i, off = fj->buf.len;
	json_t *e;

	v->width = json_array_size(json_array_get(j, 0));
	json_array_foreach(j, i, e) {
		if (!json_is_array(e) || json_array_size(e) != v->width) {
			v->type = FLATJSON_OTHER;
			return;
		}
		from_json_strs(fj, &row, e);
		if (row.type != FLATJSON_STRS) {
			v->type = FLATJSON_OTHER;
			return;
		}
	}
	v->type = FLATJSON_ROWS;
	v->off = off;
	v->num = (long long)json_array_size(j);
}

void
flatjson_from_json(struct flatjson *fj, const json_t *obj)
{
	reset(fj);
	for (size_t k = 0; k < fj->nkeys; k++) {
		json_t *j = json_object_get(obj, fj->keys[k]);
		struct flatjson_val *v = &fj->v[k];

		if (j == NULL)
			continue;
		switch (json_typeof(j)) {
		case JSON_NULL:
			v->type = FLATJSON_NULL;
			break;
		case JSON_TRUE:
			v->type = FLATJSON_TRUE;
			break;
		case JSON_FALSE:
			v->type = FLATJSON_FALSE;
			break;
		case JSON_INTEGER:
			v->type = FLATJSON_INT;
			v->num = json_integer_value(j);
			break;
		case JSON_STRING:
			v->type = FLATJSON_STR;
			v->off = fj->buf.len;
			util_buf_add(&fj->buf, json_string_value(j), strlen(json_string_value(j)) + 1);
			break;
		case JSON_ARRAY:
			if (json_is_array(json_array_get(j, 0)))
				from_json_rows(fj, v, j);
			else
				from_json_strs(fj, v, j);
			break;
		default:
			v->type = FLATJSON_OTHER;
			break;
		}
	}
}

const char *
flatjson_str(const struct flatjson *fj, size_t k)
{
	return k < fj->nkeys && fj->v[k].type == FLATJSON_STR ? fj->buf.p + fj->v[k].off : NULL;
}

const char *
flatjson_strs(const struct flatjson *fj, size_t k, size_t i)
{
	const char *s;

	if (k >= fj->nkeys || fj->v[k].type != FLATJSON_STRS || (long long)i >= fj->v[k].num)
		return NULL;
	s = fj->buf.p + fj->v[k].off;
	while (i-- > 0)
		s += strlen(s) + 1;
	return s;
}
