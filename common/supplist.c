#include "supplist.h"
#include "bktime.h"
#include "jsonl.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

/* ---- the hash set ---------------------------------------------------- */

struct supplist_slot {
	uint32_t tag;	/* the high half of the hash */
	uint32_t id;	/* key number + 1; 0: empty slot */
};

static uint64_t hash_seed;

static uint64_t
mix64(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

/* A per-process seed, so that the probe sequences of hostile addresses (the
 * list is fed from bounces) cannot be worked out in advance. */
static void
seed_once(void)
{
	struct timespec ts;
	FILE *fp;

	if (hash_seed != 0)
		return;
	if ((fp = fopen("/dev/urandom", "rb")) != NULL) {
		if (fread(&hash_seed, sizeof hash_seed, 1, fp) != 1)
			hash_seed = 0;
		fclose(fp);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	hash_seed ^= mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid());
	hash_seed |= 1;
}

static uint64_t
hash_key(const char *p, size_t n)
{
	uint64_t h = hash_seed ^ (n * 0x9e3779b97f4a7c15ULL), c;

	while (n >= 8) {
		memcpy(&c, p, 8);
		h = (h ^ c) * 0x9fb21c651e98df25ULL;
		h ^= h >> 29;
		p += 8;
		n -= 8;
	}
	c = 0;
	memcpy(&c, p, n);
	return mix64(h ^ c);
}

void
supplist_set_init(struct supplist_set *s)
{
	memset(s, 0, sizeof *s);
	seed_once();
}

void
supplist_set_free(struct supplist_set *s)
{
	free(s->slots);
	free(s->off);
	free(s->val);
	free(s->arena);
	memset(s, 0, sizeof *s);
}

/* The slot of key: its own, or the empty one where it would go. */
static size_t
set_probe(const struct supplist_set *s, uint64_t h, const char *key, size_t len)
{
	size_t mask = s->nslots - 1, i = (size_t)h & mask;
	uint32_t tag = (uint32_t)(h >> 32);

	for (;; i = (i + 1) & mask) {
		const struct supplist_slot *sl = &s->slots[i];
		const char *k;

		if (sl->id == 0)
			return i;
		if (sl->tag != tag)
			continue;
		k = s->arena + s->off[sl->id - 1];
		if (memcmp(k, key, len) == 0 && k[len] == '\0')
			return i;
	}
}

size_t
supplist_set_get(const struct supplist_set *s, const char *key, size_t len)
{
	size_t i;

	if (s->count == 0)
		return SUPPLIST_NONE;
	i = set_probe(s, hash_key(key, len), key, len);
	return s->slots[i].id == 0 ? SUPPLIST_NONE : s->val[s->slots[i].id - 1];
}

static void
set_grow(struct supplist_set *s)
{
	struct supplist_slot *old = s->slots;
	size_t oldn = s->nslots, n = oldn ? oldn * 2 : 64, mask = n - 1;

	s->slots = util_xcalloc(n, sizeof *s->slots);
	s->nslots = n;
	for (size_t i = 0; i < oldn; i++) {
		const char *k;
		uint64_t h;
		size_t j;

		if (old[i].id == 0)
			continue;
		/* The low bits of the hash are not kept: hash the key again. */
		k = s->arena + s->off[old[i].id - 1];
		h = hash_key(k, strlen(k));
		for (j = (size_t)h & mask; s->slots[j].id != 0; j = (j + 1) & mask)
			;
		s->slots[j] = old[i];
	}
	free(old);
	s->off = util_xreallocarray(s->off, n / 2, sizeof *s->off);
	s->val = util_xreallocarray(s->val, n / 2, sizeof *s->val);
}

void
supplist_set_put(struct supplist_set *s, const char *key, size_t len, size_t val)
{
	uint64_t h;
	size_t i;

	/* Load at most 1/2: short probe runs with linear probing. */
	if ((s->count + 1) * 2 > s->nslots) {
		if (s->count >= UINT32_MAX - 1)
			util_errx(BK_ERR, "more than 4 billion addresses");
		set_grow(s);
	}
	h = hash_key(key, len);
	i = set_probe(s, h, key, len);
	if (s->slots[i].id == 0) {
		if (s->arena_cap - s->arena_len < len + 1) {
			size_t cap = s->arena_cap ? s->arena_cap : 4096;

			while (cap - s->arena_len < len + 1)
				cap *= 2;
			s->arena = util_xrealloc(s->arena, cap);
			s->arena_cap = cap;
		}
		memcpy(s->arena + s->arena_len, key, len);
		s->arena[s->arena_len + len] = '\0';
		s->off[s->count] = s->arena_len;
		s->arena_len += len + 1;
		s->slots[i].tag = (uint32_t)(h >> 32);
		s->slots[i].id = (uint32_t)++s->count;
	}
	s->val[s->slots[i].id - 1] = val;
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
	json_t *obj;	/* owner of the strings on the slow path */
};

static int
parse_time(const char *p, size_t n, int64_t *out)
{
	time_t t;

	if (bktime_parse_rfc3339(p, n, &t) != n || n == 0)
		return -1;
	*out = (int64_t)t;
	return 0;
}

/* Fast path for the lines that supplist_write writes: the documented keys in
 * order, strings of printable ASCII without escapes. Anything else (0) goes
 * to the JSON parser, which accepts a superset and gives the same result. */
static const char *
fast_lit(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(end - p) < n || memcmp(p, lit, n) != 0)
		return NULL;
	return p + n;
}

static const char *
fast_str(const char *p, const char *end, struct field *f, int nullable)
{
	const char *q;

	if (nullable && (q = fast_lit(p, end, "null")) != NULL) {
		f->p = NULL;
		f->n = 0;
		return q;
	}
	if (p >= end || *p != '"')
		return NULL;
	for (q = ++p; q < end && *q != '"'; q++)
		if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7e || *q == '\\')
			return NULL;
	if (q >= end)
		return NULL;
	f->p = p;
	f->n = (size_t)(q - p);
	return q + 1;
}

static const char *
fast_time(const char *p, const char *end, int64_t *out, int64_t ifnull)
{
	struct field f;

	if ((p = fast_str(p, end, &f, 1)) == NULL)
		return NULL;
	if (f.p == NULL)
		*out = ifnull;
	else if (parse_time(f.p, f.n, out) != 0)
		return NULL;
	return p;
}

static int
parse_fast(const char *line, size_t len, struct parsed *e)
{
	const char *p = line, *end = line + len;
	long long count = 0;
	int digits = 0;

	if ((p = fast_lit(p, end, "{\"address\":")) == NULL ||
	    (p = fast_str(p, end, &e->address, 0)) == NULL ||
	    (p = fast_lit(p, end, ",\"reason\":")) == NULL ||
	    (p = fast_str(p, end, &e->reason, 1)) == NULL ||
	    (p = fast_lit(p, end, ",\"since\":")) == NULL ||
	    (p = fast_time(p, end, &e->since, SUPPLIST_NOTIME)) == NULL ||
	    (p = fast_lit(p, end, ",\"until\":")) == NULL ||
	    (p = fast_time(p, end, &e->until, SUPPLIST_FOREVER)) == NULL ||
	    (p = fast_lit(p, end, ",\"count\":")) == NULL)
		return 0;
	for (; p < end && *p >= '0' && *p <= '9' && digits < 18; p++, digits++)
		count = count * 10 + (*p - '0');
	if (digits == 0 || (digits > 1 && p[-digits] == '0'))
		return 0;
	e->count = count;
	if ((p = fast_lit(p, end, ",\"source\":")) == NULL ||
	    (p = fast_str(p, end, &e->source, 1)) == NULL ||
	    (p = fast_lit(p, end, ",\"status\":")) == NULL ||
	    (p = fast_str(p, end, &e->status, 1)) == NULL ||
	    (p = fast_lit(p, end, ",\"last_added\":")) == NULL ||
	    (p = fast_time(p, end, &e->last_added, SUPPLIST_NOTIME)) == NULL ||
	    (p = fast_lit(p, end, "}")) == NULL)
		return 0;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p == end;
}

static int
slow_str(json_t *obj, const char *key, struct field *f, char *why, size_t whylen)
{
	json_t *v = json_object_get(obj, key);

	f->p = NULL;
	f->n = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		snprintf(why, whylen, "%s: not a string", key);
		return -1;
	}
	f->p = json_string_value(v);
	f->n = strlen(f->p);
	return 0;
}

static int
slow_time(json_t *obj, const char *key, int64_t *out, int64_t ifnull, char *why, size_t whylen)
{
	struct field f;

	if (slow_str(obj, key, &f, why, whylen) != 0)
		return -1;
	if (f.p == NULL)
		*out = ifnull;
	else if (parse_time(f.p, f.n, out) != 0) {
		snprintf(why, whylen, "%s: not an RFC 3339 time", key);
		return -1;
	}
	return 0;
}

static int
parse_slow(const char *line, size_t len, struct parsed *e, char *why, size_t whylen)
{
	json_t *obj, *v;

	if ((obj = jsonl_parse_object(line, len, why, whylen)) == NULL)
		return -1;
	e->obj = obj;
	if (slow_str(obj, "address", &e->address, why, whylen) != 0)
		return -1;
	if (e->address.p == NULL) {
		snprintf(why, whylen, "no address");
		return -1;
	}
	if (slow_str(obj, "reason", &e->reason, why, whylen) != 0 ||
	    slow_str(obj, "source", &e->source, why, whylen) != 0 ||
	    slow_str(obj, "status", &e->status, why, whylen) != 0 ||
	    slow_time(obj, "since", &e->since, SUPPLIST_NOTIME, why, whylen) != 0 ||
	    slow_time(obj, "until", &e->until, SUPPLIST_FOREVER, why, whylen) != 0 ||
	    slow_time(obj, "last_added", &e->last_added, SUPPLIST_NOTIME, why, whylen) != 0)
		return -1;
	e->count = 1;
	if ((v = json_object_get(obj, "count")) != NULL && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			snprintf(why, whylen, "count: not a count");
			return -1;
		}
		e->count = json_integer_value(v);
	}
	return 0;
}

/* One line of the list: 1 an entry, 0 blank, -1 bad (why says). The key of
 * the entry (folded or not) goes to key, the stored form to addr. */
static int
parse_line(const char *line, size_t len, struct parsed *e, int fold_local, char *key,
    char *addr, char *why, size_t whylen)
{
	size_t i;

	memset(e, 0, sizeof *e);
	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'); i++)
		;
	if (i == len)
		return 0;
	if (!parse_fast(line, len, e) && parse_slow(line, len, e, why, whylen) != 0)
		return -1;
	if (memchr(e->address.p, '\0', e->address.n) != NULL ||
	    supplist_key(e->address.p, e->address.n, 0, addr) < 0 ||
	    (fold_local ? supplist_key(e->address.p, e->address.n, 1, key) < 0 :
	    !strcpy(key, addr))) {
		snprintf(why, whylen, "address: not an address or @domain");
		return -1;
	}
	return 1;
}

typedef int (*entry_fn)(void *ctx, const char *path, unsigned long lineno, const char *line,
    size_t len, const struct parsed *e, const char *key, const char *addr, const char *why);

/* Feeds each line of the list file to fn: e NULL for a bad line. */
static int
read_list(const char *path, int fold_local, entry_fn fn, void *ctx)
{
	char key[ADDR_MAX], addr[ADDR_MAX], why[200];
	static char iobuf[1 << 16];
	char *line = NULL;
	size_t cap = 0;
	unsigned long lineno = 0;
	ssize_t n;
	struct stat st;
	FILE *fp;
	int status = 0, rc;

	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		util_warn("%s", path);
		return -1;
	}
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		util_warnx("%s: is a directory", path);
		fclose(fp);
		return -1;
	}
	setvbuf(fp, iobuf, _IOFBF, sizeof iobuf);
	while ((n = getline(&line, &cap, fp)) != -1) {
		struct parsed e;

		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		rc = parse_line(line, (size_t)n, &e, fold_local, key, addr, why, sizeof why);
		if (rc != 0 &&
		    fn(ctx, path, lineno, line, (size_t)n, rc > 0 ? &e : NULL, key, addr, why) != 0)
			status = 2;
		json_decref(e.obj);
	}
	if (ferror(fp)) {
		util_warn("%s: read error", path);
		status = -1;
	}
	free(line);
	fclose(fp);
	return status;
}

/* ---- the full list ---------------------------------------------------- */

void
supplist_init(struct supplist *l, int fold_local)
{
	memset(l, 0, sizeof *l);
	supplist_set_init(&l->index);
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
	supplist_set_free(&l->index);
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

	if (p != NULL && (have = supplist_set_get(&l->index, key, strlen(key))) != SUPPLIST_NONE) {
		struct supplist_entry *o = &l->v[have];

		if (strcmp(o->address, addr) == 0) {
			p = NULL;
			why = "a second entry for the same address (the first counts)";
		} else if (p->until > o->until) {
			/* Folded together: the longer pause wins. */
			supplist_set_put(&l->index, key, strlen(key), l->len);
		}
	} else if (p != NULL) {
		supplist_set_put(&l->index, key, strlen(key), l->len);
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
supplist_find(struct supplist *l, const char *key, size_t len)
{
	size_t i = supplist_set_get(&l->index, key, len);

	return i == SUPPLIST_NONE ? NULL : &l->v[i];
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
		supplist_set_put(&l->index, key, strlen(key), l->len - 1);
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
put_str(struct util_buf *b, const char *s)
{
	const unsigned char *p;
	json_t *j;
	char *d;

	if (s == NULL) {
		util_buf_add(b, "null", 4);
		return;
	}
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\')
			break;
	if (*p == '\0') {
		util_buf_addc(b, '"');
		util_buf_add(b, s, (size_t)((const char *)p - s));
		util_buf_addc(b, '"');
		return;
	}
	/* Escapes and UTF-8: as jansson writes them everywhere else. */
	j = jsonl_string(s, strlen(s));
	d = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
	util_buf_adds(b, d ? d : "null");
	free(d);
	json_decref(j);
}

static void
put_time(struct util_buf *b, int64_t t, int64_t null)
{
	/* Most entries of a run share their few times: format each once. */
	static int64_t last[4] = { SUPPLIST_NOTIME, SUPPLIST_NOTIME, SUPPLIST_NOTIME,
		SUPPLIST_NOTIME };
	static char buf[4][BKTIME_BUFSZ];
	static unsigned next;
	unsigned i;

	if (t == null) {
		util_buf_add(b, "null", 4);
		return;
	}
	for (i = 0; i < 4 && (last[i] != t || t == SUPPLIST_NOTIME); i++)
		;
	if (i == 4) {
		i = next++ & 3;
		bktime_format((time_t)t, buf[i]);
		last[i] = t;
	}
	util_buf_addc(b, '"');
	util_buf_adds(b, buf[i]);
	util_buf_addc(b, '"');
}

int
supplist_write_entry(FILE *fp, const struct supplist_entry *e, const char *rcpt)
{
	static struct util_buf b;
	char num[32];

	util_buf_reset(&b);
	util_buf_addc(&b, '{');
	if (rcpt != NULL) {
		util_buf_adds(&b, "\"rcpt\":");
		put_str(&b, rcpt);
		util_buf_addc(&b, ',');
	}
	util_buf_adds(&b, "\"address\":");
	put_str(&b, e->address);
	util_buf_adds(&b, ",\"reason\":");
	put_str(&b, e->reason);
	util_buf_adds(&b, ",\"since\":");
	put_time(&b, e->since, SUPPLIST_NOTIME);
	util_buf_adds(&b, ",\"until\":");
	put_time(&b, e->until, SUPPLIST_FOREVER);
	util_buf_adds(&b, ",\"count\":");
	{
		/* Digits backwards: printf for a number costs more than the rest. */
		unsigned long long c = e->count < 0 ? 0 : (unsigned long long)e->count;
		size_t k = sizeof num;

		do
			num[--k] = (char)('0' + c % 10);
		while ((c /= 10) != 0);
		util_buf_add(&b, num + k, sizeof num - k);
	}
	util_buf_adds(&b, ",\"source\":");
	put_str(&b, e->source);
	util_buf_adds(&b, ",\"status\":");
	put_str(&b, e->status);
	util_buf_adds(&b, ",\"last_added\":");
	put_time(&b, e->last_added, SUPPLIST_NOTIME);
	util_buf_add(&b, "}\n", 2);
	return fwrite(b.p, 1, b.len, fp) == b.len ? 0 : -1;
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

static int
index_entry(void *ctx, const char *path, unsigned long lineno, const char *line, size_t len,
    const struct parsed *p, const char *key, const char *addr, const char *why)
{
	struct supplist_index *ix = ctx;
	size_t klen, have;

	(void)line;
	(void)len;
	(void)addr;
	if (p == NULL) {
		util_locwarn(path, lineno, "%s", why);
		return 2;
	}
	klen = strlen(key);
	if ((have = supplist_set_get(&ix->set, key, klen)) != SUPPLIST_NONE) {
		/* As supplist_load: a repeated address is a bad line, the first
		 * counts; addresses folded together count with the longer pause. */
		if (!ix->fold_local) {
			util_locwarn(path, lineno,
			    "a second entry for the same address (the first counts)");
			return 2;
		}
		if (p->until > ix->until[have])
			ix->until[have] = p->until;
		return 0;
	}
	if (ix->len == ix->cap) {
		ix->cap = ix->cap ? ix->cap * 2 : 1024;
		ix->until = util_xreallocarray(ix->until, ix->cap, sizeof *ix->until);
	}
	ix->until[ix->len] = p->until;
	supplist_set_put(&ix->set, key, klen, ix->len++);
	if (key[0] == '@')
		ix->domains++;
	return 0;
}

int
supplist_index_load(struct supplist_index *ix, const char *path, int fold_local)
{
	memset(ix, 0, sizeof *ix);
	supplist_set_init(&ix->set);
	ix->fold_local = fold_local;
	return read_list(path, fold_local, index_entry, ix);
}

int
supplist_index_match(const struct supplist_index *ix, const char *key, size_t len, int64_t now)
{
	size_t i = supplist_set_get(&ix->set, key, len);
	const char *at;

	if (i != SUPPLIST_NONE && (ix->until[i] == SUPPLIST_FOREVER || now < ix->until[i]))
		return 1;
	if (ix->domains > 0 && key[0] != '@' && (at = key_domain(key, len)) != NULL) {
		i = supplist_set_get(&ix->set, at, len - (size_t)(at - key));
		if (i != SUPPLIST_NONE && (ix->until[i] == SUPPLIST_FOREVER || now < ix->until[i]))
			return 1;
	}
	return 0;
}

void
supplist_index_free(struct supplist_index *ix)
{
	supplist_set_free(&ix->set);
	free(ix->until);
	memset(ix, 0, sizeof *ix);
}
