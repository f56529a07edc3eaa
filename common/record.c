/* record: one writer and one reader of JSON-lines records, driven by schema. */
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bktime.h"
#include "jsonl.h"

/* ---- writing ---- */

static void
put_lit(struct util_buf *b, const char *s, size_t n)
{
	memcpy(util_buf_room(b, n), s, n);
	b->len += n;
}

static void
put_key(struct util_buf *b, const char *key, size_t n, int first)
{
	char *w = util_buf_room(b, n + 4);

	if (!first)
		*w++ = ',';
	*w++ = '"';
	memcpy(w, key, n);
	w += n;
	*w++ = '"';
	*w++ = ':';
	b->len = (size_t)(w - b->p);
}

static void
put_time(struct util_buf *b, long long t)
{
	char *w = util_buf_room(b, BKTIME_BUFSZ + 2);

	w[0] = '"';
	bktime_format((time_t)t, w + 1);
	b->len += 1 + strlen(w + 1);
	b->p[b->len++] = '"';
}

static void
put_value(struct util_buf *b, const struct rec_field *f, const struct rec_val *v)
{
	char dur[32];

	if (!v->set) {
		put_lit(b, "null", 4);
		return;
	}
	switch (f->type) {
	case REC_STR:
		if (v->s == NULL)
			put_lit(b, "null", 4);	/* an optional field there as null */
		else
			jsonl_add_string(b, v->s, strlen(v->s));
		break;
	case REC_INT:
		jsonl_add_integer(b, v->i);
		break;
	case REC_BOOL:
		if (v->i)
			put_lit(b, "true", 4);
		else
			put_lit(b, "false", 5);
		break;
	case REC_TIME:
		put_time(b, v->i);
		break;
	case REC_DURATION:
		bktime_format_duration(v->i, dur, sizeof dur);
		jsonl_add_string(b, dur, strlen(dur));
		break;
	case REC_STRS: {
		const char *s = v->s;

		put_lit(b, "[", 1);
		for (long long i = 0; i < v->i; i++, s += strlen(s) + 1) {
			if (i > 0)
				put_lit(b, ",", 1);
			jsonl_add_string(b, s, strlen(s));
		}
		put_lit(b, "]", 1);
		break;
	}
	case REC_REAL:
		jsonl_add_real(b, v->d, f->digits);
		break;
	case REC_COUNTS:
		put_lit(b, "{", 1);
		for (long long i = 0; i < v->i; i++) {
			if (i > 0)
				put_lit(b, ",", 1);
			jsonl_add_string(b, v->kv[i].key, strlen(v->kv[i].key));
			put_lit(b, ":", 1);
			jsonl_add_integer(b, (long long)v->kv[i].n);
		}
		put_lit(b, "}", 1);
		break;
	case REC_OBJECT:
		rec_format(b, f->sub, v->sub);
		break;
	case REC_ROWS: {
		const char *s = v->s;

		put_lit(b, "[", 1);
		for (long long i = 0; i < v->i; i++) {
			put_lit(b, i > 0 ? ",[" : "[", i > 0 ? 2 : 1);
			for (int k = 0; k < f->digits; k++, s += strlen(s) + 1) {
				if (k > 0)
					put_lit(b, ",", 1);
				jsonl_add_string(b, s, strlen(s));
			}
			put_lit(b, "]", 1);
		}
		put_lit(b, "]", 1);
		break;
	}
	}
}

void
rec_format(struct util_buf *b, const struct rec_schema *sc, const struct rec_val *v)
{
	int first = 1;

	put_lit(b, "{", 1);
	for (size_t k = 0; k < sc->nfields; k++) {
		const struct rec_field *f = &sc->fields[k];

		if (!v[k].set && (f->flags & REC_OPTIONAL))
			continue;
		put_key(b, f->key, f->keylen, first);
		put_value(b, f, &v[k]);
		first = 0;
	}
	put_lit(b, "}", 1);
}

int
rec_write(FILE *fp, const struct rec_schema *sc, const struct rec_val *v)
{
	struct util_buf *b = jsonl_line();

	if (fp == stdout)
		jsonl_buffer_stdout();
	rec_format(b, sc, v);
	put_lit(b, "\n", 1);
	if (fwrite(b->p, 1, b->len, fp) != b->len)
		return -1;
	return ferror(fp) ? -1 : 0;
}

/* ---- reading ---- */

void
rec_reader_init(struct rec_reader *r, const struct rec_schema *sc)
{
	memset(r, 0, sizeof *r);
	r->sc = sc;
	if (sc->nfields > FLATJSON_MAX)
		util_errx(BK_ERR, "record %s: more than %d fields", sc->name, FLATJSON_MAX);
	for (size_t k = 0; k < sc->nfields; k++)
		r->keys[k] = sc->fields[k].key;
	flatjson_init(&r->fj, r->keys, sc->nfields);
}

void
rec_reader_free(struct rec_reader *r)
{
	flatjson_free(&r->fj);
}

static const char *
type_name(enum rec_type t)
{
	switch (t) {
	case REC_STR: return "a string";
	case REC_INT: return "an integer";
	case REC_BOOL: return "true or false";
	case REC_TIME: return "an RFC 3339 time";
	case REC_DURATION: return "a duration";
	case REC_STRS: return "an array of strings";
	case REC_REAL: return "a number";
	case REC_COUNTS: return "an object of counts";
	case REC_OBJECT: return "an object";
	case REC_ROWS: return "an array of arrays of strings";
	}
	return "a value";
}

/* One flat value to the field's type. 0, or -1 for a value of another type. */
static int
convert(const struct flatjson *fj, size_t k, const struct rec_field *f, struct rec_val *v)
{
	const struct flatjson_val *fv = &fj->v[k];
	const char *s = fv->type == FLATJSON_STR || fv->type == FLATJSON_STRS ||
	    fv->type == FLATJSON_ROWS ? fj->buf.p + fv->off : NULL;
	time_t t;

	switch (f->type) {
	case REC_STR:
		if (fv->type != FLATJSON_STR)
			return -1;
		v->s = s;
		break;
	case REC_INT:
		if (fv->type != FLATJSON_INT)
			return -1;
		v->i = fv->num;
		break;
	case REC_BOOL:
		if (fv->type != FLATJSON_TRUE && fv->type != FLATJSON_FALSE)
			return -1;
		v->i = fv->type == FLATJSON_TRUE;
		break;
	case REC_TIME:
		if (fv->type != FLATJSON_STR || bktime_parse_time(s, &t) != 0)
			return -1;
		v->i = (long long)t;
		break;
	case REC_DURATION:
		if (fv->type != FLATJSON_STR || bktime_parse_duration(s, &v->i) != 0)
			return -1;
		break;
	case REC_STRS:
		if (fv->type != FLATJSON_STRS)
			return -1;
		v->s = s;
		v->i = fv->num;
		break;
	case REC_ROWS:
		/* [] is read as an empty array of strings */
		if (fv->type == FLATJSON_STRS && fv->num == 0)
			v->i = 0;
		else if (fv->type != FLATJSON_ROWS || fv->width != (size_t)f->digits)
			return -1;
		else
			v->i = fv->num;
		v->s = s;
		break;
	default:
		/* Objects and reals are written, not read (yet): skipped. */
		return 0;
	}
	v->set = 1;
	return 0;
}

static int
check(const struct rec_schema *sc, const struct flatjson *fj, struct rec_val *v, char *why,
    size_t whylen)
{
	for (size_t k = 0; k < sc->nfields; k++) {
		const struct rec_field *f = &sc->fields[k];
		enum flatjson_type t = fj->v[k].type;

		memset(&v[k], 0, sizeof v[k]);
		if (t == FLATJSON_ABSENT || t == FLATJSON_NULL) {
			if ((f->flags & REC_REQUIRED) &&
			    (t == FLATJSON_ABSENT || !(f->flags & REC_NULLABLE))) {
				snprintf(why, whylen, "no \"%s\"", f->key);
				return -1;
			}
			continue;
		}
		if (convert(fj, k, f, &v[k]) != 0) {
			snprintf(why, whylen, "\"%s\" is not %s", f->key, type_name(f->type));
			return -1;
		}
	}
	return 0;
}

int
rec_read(struct rec_reader *r, const char *line, size_t len, struct rec_val *v, char *why,
    size_t whylen)
{
	json_t *obj;
	size_t i;

	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'); i++)
		;
	if (i == len)
		return 0;
	if (flatjson_parse(&r->fj, line, len) != 0) {
		/* The same flat values from jansson's tree (strings copied). */
		int rc;

		if ((obj = jsonl_parse_object(line, len, why, whylen)) == NULL)
			return -1;
		rc = rec_read_json(r, obj, v, why, whylen);
		json_decref(obj);
		return rc;
	}
	return check(r->sc, &r->fj, v, why, whylen) == 0 ? 1 : -1;
}

int
rec_read_json(struct rec_reader *r, const json_t *obj, struct rec_val *v, char *why,
    size_t whylen)
{
	flatjson_from_json(&r->fj, obj);
	return check(r->sc, &r->fj, v, why, whylen) == 0 ? 1 : -1;
}

/* ---- packed records: the values in a compact binary form (databases) ---- */

void
rec_varint_put(struct util_buf *b, unsigned long long u)
{
	do {
		util_buf_addc(b, (char)((u & 0x7f) | (u > 0x7f ? 0x80 : 0)));
		u >>= 7;
	} while (u > 0);
}

static size_t
varint_len(unsigned long long u)
{
	size_t n = 1;

	while (u > 0x7f)
		u >>= 7, n++;
	return n;
}

unsigned long long
rec_zigzag(long long i)
{
	return ((unsigned long long)i << 1) ^ (unsigned long long)(i >> 63);
}

int
rec_pack(struct util_buf *b, const struct rec_schema *sc, const unsigned char *wire,
    const struct rec_val *v)
{
	size_t count = 0;

	/* How many fields follow: a record cut short is told. */
	for (size_t i = 0; i < sc->nfields; i++)
		count += v[i].set != 0;
	rec_varint_put(b, count);
	for (size_t i = 0; i < sc->nfields; i++) {
		const struct rec_field *f = &sc->fields[i];
		size_t n = 0;

		if (!v[i].set)
			continue;	/* unknown: not there */
		if (wire[i] == 0)
			return -1;
		if (v[i].s == NULL && (f->type == REC_STR || f->type == REC_STRS)) {
			rec_varint_put(b, (unsigned long long)wire[i] << 1 | 1);	/* null */
			continue;
		}
		rec_varint_put(b, (unsigned long long)wire[i] << 1);
		switch (f->type) {
		case REC_STR:
			n = strlen(v[i].s) + 1;
			rec_varint_put(b, n);
			util_buf_add(b, v[i].s, n);
			break;
		case REC_INT: case REC_BOOL: case REC_TIME: case REC_DURATION:
			rec_varint_put(b, varint_len(rec_zigzag(v[i].i)));
			rec_varint_put(b, rec_zigzag(v[i].i));
			break;
		case REC_STRS:
			for (long long k = 0; k < v[i].i; k++)
				n += strlen(v[i].s + n) + 1;
			rec_varint_put(b, varint_len((unsigned long long)v[i].i) + n);
			rec_varint_put(b, (unsigned long long)v[i].i);
			util_buf_add(b, v[i].s, n);
			break;
		default:
			return -1;	/* not in records kept packed */
		}
	}
	return 0;
}

int
rec_varint_get(const unsigned char **p, const unsigned char *end, unsigned long long *u)
{
	*u = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (*p >= end)
			return -1;
		*u |= (unsigned long long)(**p & 0x7f) << shift;
		if (!(*(*p)++ & 0x80))
			return 0;
	}
	return -1;
}

/* The value of field f from its n bytes at p into val. 0, or -1. */
static int
unpack_value(const struct rec_field *f, const unsigned char *p, size_t n, struct rec_val *val)
{
	const unsigned char *end = p + n;
	unsigned long long u;

	switch (f->type) {
	case REC_STR:
		if (n == 0 || p[n - 1] != '\0' || memchr(p, '\0', n) != p + n - 1)
			return -1;
		val->s = (const char *)p;
		return 0;
	case REC_INT: case REC_BOOL: case REC_TIME: case REC_DURATION:
		if (rec_varint_get(&p, end, &u) != 0 || p != end)
			return -1;
		val->i = (long long)(u >> 1) ^ -(long long)(u & 1);
		return 0;
	case REC_STRS:
		if (rec_varint_get(&p, end, &u) != 0 || u > (size_t)(end - p) ||
		    (end > p && end[-1] != '\0'))
			return -1;
		n = 0;
		for (const unsigned char *q = p; q < end; q++)
			n += *q == '\0';
		if (n != u)
			return -1;
		val->i = (long long)u;
		val->s = (const char *)p;
		return 0;
	default:
		return -1;
	}
}

int
rec_unpack(const void *data, size_t len, const struct rec_schema *sc, const unsigned char *wire,
    struct rec_val *v)
{
	const unsigned char *p = data, *end = p + len;
	unsigned long long key, n, count;

	memset(v, 0, sc->nfields * sizeof *v);
	if (rec_varint_get(&p, end, &count) != 0)
		return -1;
	for (; count > 0; count--) {
		size_t i;

		if (rec_varint_get(&p, end, &key) != 0 || (key >> 1) == 0 || key >> 1 > 255)
			return -1;
		for (i = 0; i < sc->nfields && wire[i] != key >> 1; i++)
			;
		if (key & 1) {
			/* null: a string that is there as null */
			if (i < sc->nfields)
				v[i].set = 1;
			continue;
		}
		if (rec_varint_get(&p, end, &n) != 0 || n > (size_t)(end - p))
			return -1;
		/* A field of another version's schema: skipped. */
		if (i < sc->nfields) {
			if (v[i].set || unpack_value(&sc->fields[i], p, (size_t)n, &v[i]) != 0)
				return -1;
			v[i].set = 1;
		}
		p += n;
	}
	if (p != end)
		return -1;
	for (size_t i = 0; i < sc->nfields; i++)
		if ((sc->fields[i].flags & REC_REQUIRED) && !v[i].set)
			return -1;
	return 0;
}
