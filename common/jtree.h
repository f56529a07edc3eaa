/* jtree: one JSON value read into a reusable arena, for reading foreign JSON
 * fast (webhooks, ESP exports, JSON logs): strings are decoded into one
 * scratch buffer and nodes come from chunks kept between values, so a value
 * costs no malloc. What it declines (deep nesting, long numbers, anything
 * unusual or wrong) is parsed by jansson and copied in, so that callers have
 * one code path and jansson's verdicts and error messages. Duplicate keys are
 * an error, as with jansson's JSON_REJECT_DUPLICATES; the value must be an
 * object or an array. */
#ifndef BK_JTREE_H
#define BK_JTREE_H

#include <stddef.h>
#include <jansson.h>

#include "hmap.h"
#include "util.h"

enum jtree_type { JT_NULL, JT_FALSE, JT_TRUE, JT_INT, JT_REAL, JT_STR, JT_ARR, JT_OBJ };

struct jnode {
	const char *key;		/* member name in an object (NUL-terminated), else NULL */
	const struct jnode *next;	/* the next member of the parent */
	union {
		struct {
			const char *str;	/* JT_STR: NUL-terminated, no NUL inside */
			size_t len;		/* JT_STR: bytes; JT_ARR, JT_OBJ: members */
		};
		long long i;		/* JT_INT */
		double d;		/* JT_REAL */
	};
	const struct jnode *first, *last;	/* JT_ARR, JT_OBJ: first and last member */
	unsigned keylen;
	enum jtree_type type;
};

struct jtree_chunk;

struct jtree {
	struct jtree_chunk *chunks, *cur;
	size_t used;			/* nodes used in cur */
	struct util_buf scratch;	/* decoded strings */
	json_t *held;			/* jansson's tree behind a declined value */
	struct hmap dup;		/* the duplicate-key check of large objects (its
				 * keys are the members': a jtree is not moved) */
	const struct jnode **members;	/* their members by number in dup */
	size_t nmembers;
};

void jtree_init(struct jtree *t);
void jtree_free(struct jtree *t);
/* Reads the JSON object or array in buf[0..n), blanks around it allowed.
 * Returns its root, valid until the next parse or free; or NULL with
 * jansson's message and line (counted from 1 at buf) in err. */
const struct jnode *jtree_parse(struct jtree *t, const char *buf, size_t n, json_error_t *err);

/* The fast parser alone: the root, or NULL for whatever it declines (then
 * jtree_parse tells whether and why it is wrong). */
const struct jnode *jtree_try(struct jtree *t, const char *buf, size_t n);

/* Member key of object o, or NULL (also when o is NULL or no object). */
const struct jnode *jtree_get(const struct jnode *o, const char *key);
/* Element i of array a, or NULL. */
const struct jnode *jtree_at(const struct jnode *a, size_t i);

static inline int
jtree_is(const struct jnode *v, enum jtree_type type)
{
	return v != NULL && v->type == type;
}

/* The string of v, NULL unless it is one. */
static inline const char *
jtree_str(const struct jnode *v)
{
	return v != NULL && v->type == JT_STR ? v->str : NULL;
}

/* The number of elements of an array, 0 for anything else. */
static inline size_t
jtree_size(const struct jnode *a)
{
	return a != NULL && a->type == JT_ARR ? a->len : 0;
}

/* The elements of an array, in order; nothing for anything else. */
#define jtree_foreach(a, el) \
	for ((el) = ((a) != NULL && (a)->type == JT_ARR) ? (a)->first : NULL; (el) != NULL; \
	    (el) = (el)->next)

#endif
