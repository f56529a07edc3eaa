/* supplist: the suppression list, its entries and their index. */
#include "supplist.h"
#include "hmap.h"
#include "bktime.h"
#include "jsonl.h"
#include "recfile.h"
#include "schema.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


/* ---- the index: key -> position ---------------------------------------- */

/* The position of key in the list (or the index's array), or SUPPLIST_NONE. */
static size_t
index_get(const struct hmap *m, const size_t *pos, const char *key, size_t len)
{
	size_t n = hmap_find(m, key, len);

	return n == HMAP_NONE ? SUPPLIST_NONE : pos[n];
}

/* Maps key to position, replacing any it had; *pos grows with the index. */
static void
index_set(struct hmap *m, size_t **pos, size_t *cap, const char *key, size_t len,
    size_t position)
{
	size_t n = hmap_add(m, key, len, NULL);

	if (n >= *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*pos = util_xreallocarray(*pos, *cap, sizeof **pos);
	}
	(*pos)[n] = position;
}

/* ---- keys -------------------------------------------------------------- */

int
supplist_simple(const char *s, size_t n)
{
	static unsigned char ok[256];
	size_t at = n;

	if (!ok['a']) {
		for (int c = 'a'; c <= 'z'; c++)
			ok[c] = 1;
		for (int c = '0'; c <= '9'; c++)
			ok[c] = 1;
		ok['.'] = ok['_'] = ok['+'] = ok['-'] = 1;
	}
	if (n == 0 || n >= ADDR_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '@') {
			if (at != n)
				return 0;
			at = i;
		} else if (!ok[c]) {
			return 0;
		}
	}
	if (at == 0 || at + 1 >= n || s[n - 1] == '.')
		return 0;
	return addr_is_domain(s + at + 1, n - at - 1);
}

int
supplist_key(const char *s, size_t n, int fold_local, char *out)
{
	int dom;

	if (supplist_simple(s, n)) {
		memcpy(out, s, n);
		out[n] = '\0';
		return (int)n;
	}

	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (n > 0 && s[0] == '@') {
		/* "@example.com": the whole domain */
		s++, n--;
		while (n > 0 && s[n - 1] == '.')
			n--;
		if (n + 2 > ADDR_MAX || !addr_is_domain(s, n))
			return -1;
		out[0] = '@';
		for (size_t i = 0; i < n; i++)
			out[i + 1] = (char)tolower((unsigned char)s[i]);
		out[n + 1] = '\0';
		return (int)n + 1;
	}
	if ((dom = addr_normalize(s, n, fold_local, out)) < 0)
		return -1;
	return (int)strlen(out);
}

/* The domain part of an address key, "@" included, or NULL. */
static const char *
key_domain(const char *key, size_t len)
{
	for (size_t i = len; i > 1; i--)
		if (key[i - 1] == '@')
			return key + i - 1;
	return NULL;
}

/* ---- reading an entry line ------------------------------------------- */

struct field {
	const char *p;	/* NULL: null */
	size_t n;
};

struct parsed {
	struct field address, reason, source, status;
	int64_t since, until, last_added;
	long long count;
};

static void
field_of(const struct rec_val *v, struct field *f)
{
	f->p = v->s;
	f->n = v->s ? strlen(v->s) : 0;
}

static int64_t
time_of(const struct rec_val *v, int64_t ifnull)
{
	return v->set ? (int64_t)v->i : ifnull;
}

/* The entry of a record's values: 1, or -1 bad (why says). The key of the
 * entry (folded or not) goes to key, the stored form to addr. */
static int
parse_vals(const struct rec_val *v, struct parsed *e, int fold_local, char *key, char *addr,
    char *why, size_t whylen)
{
	field_of(&v[SU_ADDRESS], &e->address);
	field_of(&v[SU_REASON], &e->reason);
	field_of(&v[SU_SOURCE], &e->source);
	field_of(&v[SU_STATUS], &e->status);
	e->since = time_of(&v[SU_SINCE], SUPPLIST_NOTIME);
	e->until = time_of(&v[SU_UNTIL], SUPPLIST_FOREVER);
	e->last_added = time_of(&v[SU_LAST_ADDED], SUPPLIST_NOTIME);
	e->count = v[SU_COUNT].set ? v[SU_COUNT].i : 1;
	if (e->count < 0) {
		snprintf(why, whylen, "\"count\" is not a count");
		return -1;
	}
	if (supplist_key(e->address.p, e->address.n, 0, addr) < 0 ||
	    (fold_local ? supplist_key(e->address.p, e->address.n, 1, key) < 0 :
	    !strcpy(key, addr))) {
		snprintf(why, whylen, "\"address\" is not an address or @domain");
		return -1;
	}
	return 1;
}

typedef int (*entry_fn)(void *ctx, const char *path, unsigned long lineno, const char *line,
    size_t len, const struct parsed *e, const char *key, const char *addr, const char *why);

struct list_reader {
	int fold_local;
	entry_fn fn;
	void *ctx;
};

/* A line of the list file as an entry for fn: e NULL for a bad line. */
static int
list_line(void *ctx, const struct recfile_line *l)
{
	struct list_reader *r = ctx;
	char key[ADDR_MAX], addr[ADDR_MAX], why[200];
	const char *whynot = l->why;
	struct parsed e;
	int rc = l->rc;

	if (rc > 0 && (rc = parse_vals(l->v, &e, r->fold_local, key, addr, why, sizeof why)) < 0)
		whynot = why;
	return r->fn(r->ctx, l->path, l->lineno, l->line, l->len, rc > 0 ? &e : NULL, key, addr,
	    whynot) != 0 ? BK_ERR : BK_OK;
}

/* Feeds each line of the list file to fn. BK_OK, BK_ERR when fn found a bad
 * line, or -1 when the file could not be read (reported). */
static int
read_list(const char *path, int fold_local, entry_fn fn, void *ctx)
{
	struct list_reader r = { fold_local, fn, ctx };

	return recfile_read(path, &schema_supp, list_line, &r);
}

/* ---- the full list ---------------------------------------------------- */

void
supplist_init(struct supplist *l, int fold_local)
{
	memset(l, 0, sizeof *l);
	l->fold_local = fold_local;
}

static void
entry_clear(struct supplist_entry *e)
{
	free(e->address);
	free(e->reason);
	free(e->source);
	free(e->status);
	free(e->raw);
	memset(e, 0, sizeof *e);
}

void
supplist_free(struct supplist *l)
{
	for (size_t i = 0; i < l->len; i++)
		entry_clear(&l->v[i]);
	free(l->v);
	hmap_free(&l->index, NULL);
	hmap_free(&l->asked, NULL);
	free(l->pos);
	memset(l, 0, sizeof *l);
}

static struct supplist_entry *
push(struct supplist *l)
{
	if (l->len == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = util_xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	memset(&l->v[l->len], 0, sizeof l->v[0]);
	return &l->v[l->len++];
}

static char *
dup_field(const struct field *f)
{
	return f->p ? jsonl_utf8_clean(f->p, f->n) : NULL;
}

static int
load_entry(void *ctx, const char *path, unsigned long lineno, const char *line, size_t len,
    const struct parsed *p, const char *key, const char *addr, const char *why)
{
	struct supplist *l = ctx;
	struct supplist_entry *e;
	size_t have;

	if (p != NULL &&
	    (have = index_get(&l->index, l->pos, key, strlen(key))) != SUPPLIST_NONE) {
		struct supplist_entry *o = &l->v[have];

		if (strcmp(o->address, addr) == 0) {
			p = NULL;
			why = "a second entry for the same address (the first counts)";
		} else if (p->until > o->until) {
			/* Folded together: the longer pause wins. */
			index_set(&l->index, &l->pos, &l->poscap, key, strlen(key), l->len);
		}
	} else if (p != NULL) {
		index_set(&l->index, &l->pos, &l->poscap, key, strlen(key), l->len);
	}
	e = push(l);
	if (p == NULL) {
		util_locwarn(path, lineno, "%s; line kept as it is", why);
		e->raw = util_xstrndup(line, len);
		return 2;
	}
	e->address = util_xstrdup(addr);
	e->reason = dup_field(&p->reason);
	e->source = dup_field(&p->source);
	e->status = dup_field(&p->status);
	e->since = p->since;
	e->until = p->until;
	e->last_added = p->last_added;
	e->count = p->count;
	if (addr[0] == '@')
		l->domains++;
	return 0;
}

int
supplist_load(struct supplist *l, const char *path)
{
	return read_list(path, l->fold_local, load_entry, l);
}

struct supplist_entry *
supplist_take(struct supplist *l, const struct rec_val *v, long long dbid, char *why,
    size_t whylen)
{
	char key[ADDR_MAX], addr[ADDR_MAX];
	struct parsed p;
	size_t have;

	if (parse_vals(v, &p, l->fold_local, key, addr, why, whylen) < 0)
		return NULL;
	/* A store holds an address once (its unique index): a second row of
	 * one comes only from a damaged store, not a line to keep. */
	if ((have = index_get(&l->index, l->pos, key, strlen(key))) != SUPPLIST_NONE &&
	    strcmp(l->v[have].address, addr) == 0) {
		snprintf(why, whylen, "a second row of the address");
		return NULL;
	}
	load_entry(l, NULL, 0, NULL, 0, &p, key, addr, NULL);
	l->v[l->len - 1].dbid = dbid;
	return &l->v[l->len - 1];
}

struct supplist_entry *
supplist_find(struct supplist *l, const char *key, size_t len)
{
	size_t i;
	int added;

	/* A database brings in each key's entries when first asked for. */
	if (l->ops != NULL && l->ops->fetch != NULL) {
		hmap_add(&l->asked, key, len, &added);
		if (added && l->ops->fetch(l, key, len) != 0)
			l->failed = 1;
	}
	i = index_get(&l->index, l->pos, key, len);

	return i == SUPPLIST_NONE ? NULL : &l->v[i];
}

void
supplist_prefetch(struct supplist *l, const char *const *keys, size_t n)
{
	const char **ask;
	size_t nask = 0;
	int added;

	if (l->ops == NULL || l->ops->fetch_many == NULL || n == 0)
		return;
	ask = util_xcalloc(n, sizeof *ask);
	for (size_t i = 0; i < n; i++) {
		hmap_add(&l->asked, keys[i], strlen(keys[i]), &added);
		if (added)
			ask[nask++] = keys[i];
	}
	if (nask > 0 && l->ops->fetch_many(l, ask, nask) != 0)
		l->failed = 1;
	free(ask);
}

struct supplist_entry *
supplist_add(struct supplist *l, const char *key)
{
	struct supplist_entry *e = supplist_find(l, key, strlen(key));
	/* The stored form is the key: it keeps the case of the local part,
	 * unless folded with fold_local, and then it is stored folded too. */
	const char *addr = key;

	if (e != NULL) {
		if (!e->dropped)
			return e;
		free(e->address);
		free(e->reason);
		free(e->source);
		free(e->status);
		memset(e, 0, sizeof *e);
	} else {
		e = push(l);
		index_set(&l->index, &l->pos, &l->poscap, key, strlen(key), l->len - 1);
	}
	e->address = util_xstrdup(addr);
	e->since = e->last_added = SUPPLIST_NOTIME;
	e->until = SUPPLIST_FOREVER;
	if (addr[0] == '@')
		l->domains++;
	return e;
}

int
supplist_active(const struct supplist_entry *e, int64_t now)
{
	return e != NULL && e->address != NULL && !e->dropped &&
	    (e->until == SUPPLIST_FOREVER || now < e->until);
}

const struct supplist_entry *
supplist_match(struct supplist *l, const char *key, size_t len, int64_t now)
{
	const struct supplist_entry *e = supplist_find(l, key, len);
	const char *at;

	if (supplist_active(e, now))
		return e;
	if (l->domains > 0 && key[0] != '@' && (at = key_domain(key, len)) != NULL) {
		e = supplist_find(l, at, len - (size_t)(at - key));
		if (supplist_active(e, now))
			return e;
	}
	return NULL;
}

/* ---- writing ------------------------------------------------------------ */

static void
time_val(struct rec_val *v, int64_t t, int64_t null)
{
	if (t != null)
		rec_int(v, t);
}

/* The record of e, in v (SU_NFIELDS values). */
static void
entry_to_rec(const struct supplist_entry *e, struct rec_val *v)
{
	memset(v, 0, SU_NFIELDS * sizeof *v);
	rec_str(&v[SU_ADDRESS], e->address);
	rec_str(&v[SU_REASON], e->reason);
	time_val(&v[SU_SINCE], e->since, SUPPLIST_NOTIME);
	time_val(&v[SU_UNTIL], e->until, SUPPLIST_FOREVER);
	rec_int(&v[SU_COUNT], e->count < 0 ? 0 : e->count);
	rec_str(&v[SU_SOURCE], e->source);
	rec_str(&v[SU_STATUS], e->status);
	time_val(&v[SU_LAST_ADDED], e->last_added, SUPPLIST_NOTIME);
}

int
supplist_write_entry(FILE *fp, const struct supplist_entry *e, const char *rcpt)
{
	struct rec_val v[SM_NFIELDS];

	if (rcpt == NULL) {
		entry_to_rec(e, v);
		return rec_write(fp, &schema_supp, v);
	}
	rec_str(&v[SM_RCPT], rcpt);
	entry_to_rec(e, v + SM_ENTRY);
	return rec_write(fp, &schema_supp_match, v);
}

int
supplist_write(FILE *fp, const struct supplist *l)
{
	for (size_t i = 0; i < l->len; i++) {
		const struct supplist_entry *e = &l->v[i];

		if (e->raw != NULL) {
			fputs(e->raw, fp);
			putc('\n', fp);
		} else if (!e->dropped && supplist_write_entry(fp, e, NULL) != 0)
			return -1;
	}
	return ferror(fp) ? -1 : 0;
}

/* ---- the compact index ------------------------------------------------- */

/* Adds key with until; 0, or -1 for a key already there (its until is the
 * longer of the two). */
static int
index_put(struct supplist_index *ix, const char *key, size_t klen, int64_t until)
{
	int added;
	size_t n = hmap_add(&ix->set, key, klen, &added);

	if (!added) {
		if (until > ix->until[n])
			ix->until[n] = until;
		return -1;
	}
	if (n == ix->cap) {
		ix->cap = ix->cap ? ix->cap * 2 : 1024;
		ix->until = util_xreallocarray(ix->until, ix->cap, sizeof *ix->until);
	}
	ix->until[n] = until;
	if (key[0] == '@')
		ix->domains++;
	return 0;
}

void
supplist_index_put(struct supplist_index *ix, const char *key, size_t len, int64_t until)
{
	index_put(ix, key, len, until);
}

static int
index_entry(void *ctx, const char *path, unsigned long lineno, const char *line, size_t len,
    const struct parsed *p, const char *key, const char *addr, const char *why)
{
	struct supplist_index *ix = ctx;

	(void)line;
	(void)len;
	(void)addr;
	if (p == NULL) {
		util_locwarn(path, lineno, "%s", why);
		return 2;
	}
	/* As supplist_load: a repeated address is a bad line, the first counts;
	 * addresses folded together count with the longer pause. */
	if (!ix->fold_local && hmap_find(&ix->set, key, strlen(key)) != HMAP_NONE) {
		util_locwarn(path, lineno, "a second entry for the same address (the first counts)");
		return 2;
	}
	index_put(ix, key, strlen(key), p->until);
	return 0;
}

int
supplist_index_load(struct supplist_index *ix, const char *path, int fold_local)
{
	const struct suppstore_ops *db = suppstore_db(path);

	memset(ix, 0, sizeof *ix);
	ix->fold_local = fold_local;
	if (db != NULL)
		return db->index_load(ix, path, fold_local);
	return read_list(path, fold_local, index_entry, ix);
}

static int
index_active(const struct supplist_index *ix, const char *key, size_t len, int64_t now)
{
	size_t n = hmap_find(&ix->set, key, len);

	return n != HMAP_NONE && (ix->until[n] == SUPPLIST_FOREVER || now < ix->until[n]);
}

int
supplist_index_match(const struct supplist_index *ix, const char *key, size_t len, int64_t now)
{
	const char *at;

	if (index_active(ix, key, len, now))
		return 1;
	return ix->domains > 0 && key[0] != '@' && (at = key_domain(key, len)) != NULL &&
	    index_active(ix, at, len - (size_t)(at - key), now);
}

void
supplist_index_free(struct supplist_index *ix)
{
	hmap_free(&ix->set, NULL);
	free(ix->until);
	memset(ix, 0, sizeof *ix);
}
