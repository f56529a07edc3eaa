/* record: the JSON-lines records of bouncekit, written and read by schema.
 *
 * Each kind of record (event, plan, suppression entry, offset, statistics:
 * see schema.h and bouncekit-records(5)) is a table of fields: key, type,
 * flags. One writer (rec_write) and one reader (rec_read) work from that
 * table; modules only map their structs to and from an array of values, one
 * per field, in the table's order.
 *
 * The reader takes the common case (flat objects of ASCII strings, integers
 * and arrays of strings) without building a tree, and anything else through
 * jansson; both fill the same flat values (flatjson.h), which are then
 * checked against the schema in one place, so both paths give the same
 * answer by construction. */
#ifndef BK_RECORD_H
#define BK_RECORD_H

#include <stddef.h>
#include <stdio.h>

#include "flatjson.h"
#include "util.h"

enum rec_type {
	REC_STR,	/* a string */
	REC_INT,	/* an integer */
	REC_BOOL,	/* true or false */
	REC_TIME,	/* RFC 3339 UTC ("2026-11-27T10:00:00Z"); seconds since the epoch */
	REC_DURATION,	/* "30d", "36h": in one unit; seconds */
	REC_STRS,	/* an array of strings */
	REC_REAL,	/* a number with a fraction, written with digits significant digits */
	REC_COUNTS,	/* an object of integers: {"key":n,...} */
	REC_OBJECT,	/* an object of another schema (sub) */
	REC_ROWS,	/* an array of arrays of strings, each as long as the field's width */
};

enum {
	/* The key must be in every record; a reader refuses a record without. */
	REC_REQUIRED = 1 << 0,
	/* The value may be null: written as null when unknown. Readers take a
	 * null (or an absent key) as unknown for every field that is not
	 * required; a required field takes null only when it is nullable. */
	REC_NULLABLE = 1 << 1,
	/* Left out of the record when unknown, instead of written as null. */
	REC_OPTIONAL = 1 << 2,
};

struct rec_schema;

struct rec_field {
	const char *key;
	size_t keylen;
	enum rec_type type;
	unsigned flags;
	int digits;			/* REC_REAL: significant digits; REC_ROWS: width */
	const struct rec_schema *sub;	/* REC_OBJECT */
};

/* A field of a schema's table; keys are literals. */
#define REC_FIELD(key, type, flags) { (key), sizeof(key) - 1, (type), (flags), 0, NULL }
/* A REC_ROWS field whose rows have width strings. */
#define REC_ROWS_FIELD(key, width, flags) { (key), sizeof(key) - 1, REC_ROWS, (flags), (width), NULL }

struct rec_schema {
	const char *name;	/* "event", "plan", ...: as in bouncekit-records(5) */
	const struct rec_field *fields;
	size_t nfields;
};

struct rec_count {
	const char *key;
	unsigned long long n;
};

/* The value of one field. set 0: unknown (null, or left out if optional); an
 * optional string set with s NULL is there, as null. */
struct rec_val {
	int set;
	const char *s;		/* STR; STRS, ROWS: the strings back to back (row by
				 * row), each NUL-terminated */
	long long i;		/* INT; BOOL 0 or 1; TIME and DURATION seconds; STRS count;
				 * COUNTS count; ROWS rows */
	double d;		/* REAL */
	const struct rec_count *kv;	/* COUNTS */
	const struct rec_val *sub;	/* OBJECT: sub->nfields values */
};

/* Setters for the mapping code: a NULL string is unknown. */
static inline void
rec_str(struct rec_val *v, const char *s)
{
	v->set = s != NULL;
	v->s = s;
}

static inline void
rec_int(struct rec_val *v, long long i)
{
	v->set = 1;
	v->i = i;
}

static inline void
rec_null(struct rec_val *v)
{
	v->set = 0;
}

/* Appends the record (no line end) to b. Strings are made valid UTF-8. */
void rec_format(struct util_buf *b, const struct rec_schema *sc, const struct rec_val *v);
/* The record as one line to fp. 0, or -1 on a write error. */
int rec_write(FILE *fp, const struct rec_schema *sc, const struct rec_val *v);

struct rec_reader {
	const struct rec_schema *sc;
	const char *keys[FLATJSON_MAX];
	struct flatjson fj;
};

void rec_reader_init(struct rec_reader *r, const struct rec_schema *sc);
void rec_reader_free(struct rec_reader *r);
/* Reads line (len bytes, no line end) into v (sc->nfields values, valid until
 * the next call). 1: a record; 0: a blank line; -1: not a record of the
 * schema, with the reason in why (invalid JSON, a required key missing, a
 * value of the wrong type). Keys not in the schema are skipped, but must not
 * repeat, as no key may. */
int rec_read(struct rec_reader *r, const char *line, size_t len, struct rec_val *v, char *why,
    size_t whylen);
/* The same for an object jansson has parsed already: 1 or -1. */
int rec_read_json(struct rec_reader *r, const json_t *obj, struct rec_val *v, char *why,
    size_t whylen);

/* Packed records (the SQLite stores): the values of a record in a compact
 * binary form. The number of fields, then each field: its wire number
 * (wire[i] for field i of sc: numbers a store keeps for ever, a new field
 * taking a new one), its length and its value: a string with its NUL, a
 * number as a zigzag varint, an array of strings as its count and the
 * strings; or the number alone, with the null bit, for a string there as
 * null. Records packed by another version read the same: fields unknown to
 * the reader are skipped, missing ones are unknown. Strings, numbers and
 * arrays only. rec_pack appends to b: 0, or -1 for a field it cannot pack.
 * rec_unpack fills v (sc->nfields values) with pointers into data: 0, or -1
 * for bytes that are no such record (damaged, cut short; required fields
 * checked). */
int rec_pack(struct util_buf *b, const struct rec_schema *sc, const unsigned char *wire,
    const struct rec_val *v);
int rec_unpack(const void *data, size_t len, const struct rec_schema *sc,
    const unsigned char *wire, struct rec_val *v);
/* Their parts, for other packed forms (planpack.c): an unsigned varint
 * appended to b; read from *p (moved past it), 0 or -1 if cut short or
 * too long; a signed number as an unsigned one, small either side of 0. */
void rec_varint_put(struct util_buf *b, unsigned long long u);
int rec_varint_get(const unsigned char **p, const unsigned char *end, unsigned long long *u);
unsigned long long rec_zigzag(long long i);

#endif
