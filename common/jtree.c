/* jtree: a JSON value read into a reusable arena (see jtree.h). The fast
 * parser accepts a strict subset of what jansson accepts and declines the
 * rest, so that jansson alone decides what is wrong and how to say it. */
#include "jtree.h"
#include "ascii.h"
#include "charset.h"
#include "hmap.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_NODES 1024
#define DEPTH_MAX 64		/* deeper values go to jansson (its limit is 2048) */
#define SMALL_OBJECT 24		/* up to this many members: duplicates by pairs */

struct jtree_chunk {
	struct jtree_chunk *next;
	struct jnode n[CHUNK_NODES];
};

static const char *
member_key(const void *ctx, size_t n)
{
	const struct jtree *t = ctx;

	return t->members[n]->key;
}

void
jtree_init(struct jtree *t)
{
	memset(t, 0, sizeof *t);
	hmap_init_keyed(&t->dup, member_key, t);
}

static void
release(struct jtree *t)
{
	t->cur = t->chunks;
	t->used = 0;
	util_buf_reset(&t->scratch);
	if (t->held) {
		json_decref(t->held);
		t->held = NULL;
	}
}

void
jtree_free(struct jtree *t)
{
	struct jtree_chunk *c, *next;

	release(t);
	for (c = t->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	util_buf_free(&t->scratch);
	hmap_free(&t->dup, NULL);
	free((void *)t->members);
	memset(t, 0, sizeof *t);
}

static struct jnode *
node_new(struct jtree *t, enum jtree_type type)
{
	struct jnode *n;

	if (t->cur == NULL || t->used == CHUNK_NODES) {
		struct jtree_chunk *c = t->cur ? t->cur->next : t->chunks;

		if (c == NULL) {
			/* Not zeroed (a calloc(3) of its 1024 nodes was most of the
			 * cost of a small document): node_new sets each one. */
			c = util_xmalloc(sizeof *c);
			c->next = NULL;
			if (t->cur)
				t->cur->next = c;
			else
				t->chunks = c;
		}
		t->cur = c;
		t->used = 0;
	}
	n = &t->cur->n[t->used++];
	n->key = NULL;
	n->next = n->first = n->last = NULL;
	n->str = NULL;
	n->len = 0;
	n->keylen = 0;
	n->type = type;
	return n;
}

static void
add_member(struct jnode *parent, struct jnode *n)
{
	if (parent->last)
		((struct jnode *)parent->last)->next = n;
	else
		parent->first = n;
	parent->last = n;
	parent->len++;
}

/* ---- the fast parser: 0 done, -1 declined ---- */

/* The parser reads a copy of the value in scratch and decodes each string
 * in place there: a decoded string is never longer than its JSON text, and
 * its end (the closing quote) becomes its NUL. */
struct parser {
	struct jtree *t;
	char *p, *end;
	int depth;
};

static void
skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\t' ||
	    *ps->p == '\r'))
		ps->p++;
}

/* The string at ps->p (its opening quote), decoded in place. */
static int
string(struct parser *ps, const char **s, size_t *len)
{
	char *p = ps->p + 1, *end = ps->end;
	char *o = p;

	*s = o;
	for (;;) {
		char *run = p;

		/* the common bytes in one run, copied at once */
		p += ascii_json_plain_end(p, end) - p;
		/* moved down only after an escape made the text shorter */
		if (o != run)
			memmove(o, run, (size_t)(p - run));
		o += p - run;
		if (p >= end)
			return -1;
		if (*p == '"')
			break;
		if ((unsigned char)*p < 0x20)
			return -1;
		if ((unsigned char)*p >= 0x80) {
			size_t n = charset_utf8_len((const unsigned char *)p, (size_t)(end - p));

			if (n == 0)
				return -1;
			memmove(o, p, n);
			o += n;
			p += n;
			continue;
		}
		/* an escape */
		if (end - p < 2)
			return -1;
		switch (p[1]) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			unsigned long cp;
			size_t n = charset_json_escape(p, (size_t)(end - p), &cp);

			if (n == 0)
				return -1;
			o += charset_put_utf8(o, cp);
			p += n;
			continue;
		}
		default:
			return -1;
		}
		p += 2;
	}
	*len = (size_t)(o - *s);
	*o = '\0';
	ps->p = p + 1;
	return 0;
}

static int
number(struct parser *ps, struct jnode *n)
{
	char *p = ps->p, *end = ps->end;
	const char *digits;
	int is_real = 0;

	if (p < end && *p == '-')
		p++;
	digits = p;
	if (p >= end || *p < '0' || *p > '9')
		return -1;
	if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9')
		return -1;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	if (p < end && *p == '.') {
		is_real = 1;
		if (++p >= end || *p < '0' || *p > '9')
			return -1;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		is_real = 1;
		if (++p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			return -1;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (!is_real) {
		long long v = 0;

		if (p - digits > 18)
			return -1;	/* near the limits: jansson's range checks */
		for (const char *q = digits; q < p; q++)
			v = v * 10 + (*q - '0');
		n->type = JT_INT;
		n->i = ps->p[0] == '-' ? -v : v;
	} else {
		char buf[64];
		size_t len = (size_t)(p - ps->p);

		if (len >= sizeof buf)
			return -1;
		memcpy(buf, ps->p, len);
		buf[len] = '\0';
		n->type = JT_REAL;
		n->d = strtod(buf, NULL);
		if (isinf(n->d))
			return -1;
	}
	ps->p = p;
	return 0;
}

static int
literal(struct parser *ps, const char *word, size_t len)
{
	if ((size_t)(ps->end - ps->p) < len || memcmp(ps->p, word, len) != 0)
		return -1;
	ps->p += len;
	return 0;
}

static int
same_key(const struct jnode *a, const struct jnode *b)
{
	/* most keys differ in length or in their first or last byte */
	return a->keylen == b->keylen && (a->keylen == 0 || (a->key[0] == b->key[0] &&
	    a->key[a->keylen - 1] == b->key[b->keylen - 1] &&
	    memcmp(a->key, b->key, a->keylen) == 0));
}

/* -1 when two members of o have the same key. */
static int
no_duplicates(struct jtree *t, const struct jnode *o)
{
	const struct jnode *a, *b;
	size_t i;

	if (o->len <= SMALL_OBJECT) {
		/* A key is compared with the ones before it only when one of them
		 * has its length and first byte (a 64-bit sketch of those). */
		uint64_t seen = 0, bit;

		for (a = o->first; a; a = a->next) {
			bit = 1ULL << ((a->keylen * 7u + (a->keylen ? (unsigned char)a->key[0] : 0u)) &
			    63u);
			if (seen & bit)
				for (b = o->first; b != a; b = b->next)
					if (same_key(a, b))
						return -1;
			seen |= bit;
		}
		return 0;
	}
	/* larger ones (hostile input too): the toolkit's table, numbering the
	 * members in order, reused from object to object */
	if (o->len > t->nmembers) {
		t->nmembers = o->len;
		t->members = util_xreallocarray(t->members, t->nmembers, sizeof *t->members);
	}
	hmap_clear(&t->dup);
	hmap_reserve(&t->dup, o->len);
	for (a = o->first, i = 0; a; a = a->next, i++) {
		int added;

		t->members[i] = a;
		hmap_add(&t->dup, a->key, a->keylen, &added);
		if (!added)
			return -1;
	}
	return 0;
}

static int value(struct parser *ps, struct jnode *n);

static int
container(struct parser *ps, struct jnode *n, char close)
{
	if (++ps->depth > DEPTH_MAX)
		return -1;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return 0;
	}
	for (;;) {
		struct jnode *m;
		const char *key = NULL;
		size_t keylen = 0;

		if (close == '}') {
			if (ps->p >= ps->end || *ps->p != '"' || string(ps, &key, &keylen) != 0)
				return -1;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':')
				return -1;
			ps->p++;
			skip_ws(ps);
		}
		m = node_new(ps->t, JT_NULL);
		m->key = key;
		m->keylen = (unsigned)keylen;
		if (keylen > 0xffff || value(ps, m) != 0)
			return -1;
		add_member(n, m);
		skip_ws(ps);
		if (ps->p >= ps->end)
			return -1;
		if (*ps->p == close) {
			ps->p++;
			break;
		}
		if (*ps->p != ',')
			return -1;
		ps->p++;
		skip_ws(ps);
	}
	ps->depth--;
	return close == '}' ? no_duplicates(ps->t, n) : 0;
}

static int
value(struct parser *ps, struct jnode *n)
{
	if (ps->p >= ps->end)
		return -1;
	switch (*ps->p) {
	case '{':
		n->type = JT_OBJ;
		return container(ps, n, '}');
	case '[':
		n->type = JT_ARR;
		return container(ps, n, ']');
	case '"':
		n->type = JT_STR;
		return string(ps, &n->str, &n->len);
	case 't':
		n->type = JT_TRUE;
		return literal(ps, "true", 4);
	case 'f':
		n->type = JT_FALSE;
		return literal(ps, "false", 5);
	case 'n':
		n->type = JT_NULL;
		return literal(ps, "null", 4);
	default:
		return number(ps, n);
	}
}

/* ---- jansson's tree copied in ---- */

static void
copy_json(struct jtree *t, struct jnode *n, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *m;

		n->type = JT_OBJ;
		json_object_foreach((json_t *)v, k, m) {
			struct jnode *c = node_new(t, JT_NULL);

			c->key = k;
			c->keylen = (unsigned)strlen(k);
			copy_json(t, c, m);
			add_member(n, c);
		}
		break;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *m;

		n->type = JT_ARR;
		json_array_foreach(v, i, m) {
			struct jnode *c = node_new(t, JT_NULL);

			copy_json(t, c, m);
			add_member(n, c);
		}
		break;
	}
	case JSON_STRING:
		n->type = JT_STR;
		n->str = json_string_value(v);
		n->len = json_string_length(v);
		break;
	case JSON_INTEGER:
		n->type = JT_INT;
		n->i = (long long)json_integer_value(v);
		break;
	case JSON_REAL:
		n->type = JT_REAL;
		n->d = json_real_value(v);
		break;
	case JSON_TRUE:
		n->type = JT_TRUE;
		break;
	case JSON_FALSE:
		n->type = JT_FALSE;
		break;
	default:
		n->type = JT_NULL;
		break;
	}
}

const struct jnode *
jtree_try(struct jtree *t, const char *buf, size_t n)
{
	struct parser ps = { t, NULL, NULL, 0 };
	struct jnode *root;

	release(t);
	ps.p = util_buf_room(&t->scratch, n + 1);
	memcpy(ps.p, buf, n);
	ps.p[n] = '\0';
	ps.end = ps.p + n;
	skip_ws(&ps);
	root = node_new(t, JT_NULL);
	if (ps.p < ps.end && (*ps.p == '{' || *ps.p == '[') && value(&ps, root) == 0) {
		skip_ws(&ps);
		if (ps.p == ps.end)
			return root;
	}
	return NULL;
}

const struct jnode *
jtree_parse(struct jtree *t, const char *buf, size_t n, json_error_t *err)
{
	const struct jnode *root = jtree_try(t, buf, n);
	struct jnode *copy;

	if (root)
		return root;
	/* Declined: jansson decides, and names what is wrong. */
	release(t);
	if ((t->held = json_loadb(buf, n, JSON_REJECT_DUPLICATES, err)) == NULL)
		return NULL;
	copy = node_new(t, JT_NULL);
	copy_json(t, copy, t->held);
	return copy;
}

const struct jnode *
jtree_get(const struct jnode *o, const char *key)
{
	const struct jnode *m;
	size_t len;

	if (o == NULL || o->type != JT_OBJ)
		return NULL;
	len = strlen(key);
	for (m = o->first; m; m = m->next)
		if (m->keylen == len && (len == 0 || (m->key[0] == key[0] &&
		    memcmp(m->key, key, len) == 0)))
			return m;
	return NULL;
}

const struct jnode *
jtree_at(const struct jnode *a, size_t i)
{
	const struct jnode *m;

	if (a == NULL || a->type != JT_ARR || i >= a->len)
		return NULL;
	for (m = a->first; i > 0; i--)
		m = m->next;
	return m;
}
