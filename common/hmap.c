/* hmap: the hash table of the toolkit (see hmap.h). */
#include "hmap.h"
#include "util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Keys are copied into chunks, each twice the size of the one before, from
 * CHUNK_MIN up to CHUNK_MAX (a longer key gets one of its own): small tables
 * stay small, large ones make few allocations. */
#define CHUNK_MIN 256
#define CHUNK_MAX (256 * 1024)

/* The numbers of removed keys, the last removed given first. */
struct hmap_gone {
	size_t n, cap;
	uint32_t v[];
};

static uint64_t seed0, seed1;
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

/* A per-process key: the output never depends on it (callers keep their own
 * order), only the layout of the table does, so an attacker cannot predict
 * collisions. */
static void
hmap_seed(void)
{
	unsigned char b[16];
	FILE *fp;
	size_t got = 0;

	if ((fp = fopen("/dev/urandom", "rb")) != NULL) {
		got = fread(b, 1, sizeof b, fp);
		fclose(fp);
	}
	if (got == sizeof b) {
		memcpy(&seed0, b, 8);
		memcpy(&seed1, b + 8, 8);
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed0 = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ULL ^ (uint64_t)ts.tv_sec;
		seed1 = (uint64_t)getpid() * 0xC2B2AE3D27D4EB4FULL ^ (uint64_t)clock();
	}
}

#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

/* SipHash-1-3 (as in Rust's and Python's hash tables). Words are loaded in
 * the machine's byte order: on a big-endian machine the values differ, which
 * nothing depends on. */
static uint64_t
siphash13(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t v0 = 0x736f6d6570736575ULL ^ seed0, v1 = 0x646f72616e646f6dULL ^ seed1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ seed0, v3 = 0x7465646279746573ULL ^ seed1;
	uint64_t m, b = (uint64_t)len << 56;
	size_t i, left = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&m, p + i, 8);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; j < left; j++)
		b |= (uint64_t)p[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t
hmap_hash(const void *key, size_t len)
{
	pthread_once(&seed_once, hmap_seed);
	return siphash13(key, len);
}

void
hmap_init_keyed(struct hmap *m, const char *(*key_of)(const void *, size_t), const void *ctx)
{
	memset(m, 0, sizeof *m);
	m->key_of = key_of;
	m->ctx = ctx;
}

const char *
hmap_key(const struct hmap *m, size_t n)
{
	return m->key_of ? m->key_of(m->ctx, n) : m->keys[n];
}

const char *
hmap_keep(struct hmap *m, const char *s, size_t n)
{
	char *p;
	size_t left = m->left;

	if (n + 1 > left) {
		size_t size = m->nchunks < 10 ? (size_t)CHUNK_MIN << m->nchunks : CHUNK_MAX;

		if (size < n + 1)
			size = n + 1;

		m->chunks = util_xreallocarray(m->chunks, (size_t)m->nchunks + 1, sizeof *m->chunks);
		m->chunks[m->nchunks++] = m->pos = util_xmalloc(size);
		left = size;
	}
	p = m->pos;
	memcpy(p, s, n);
	p[n] = '\0';
	m->pos += n + 1;
	m->left = (uint32_t)(left - (n + 1));	/* at most CHUNK_MAX */
	return p;
}

/* The slot of key: its own, or the empty one where it would go. The slot
 * comes from the tag (the hash's high half), so that growing the table needs
 * no key hashed again. */
static size_t
probe(const struct hmap *m, uint32_t tag, const char *key, size_t len)
{
	size_t mask = m->nslots - 1, i = tag & mask;

	for (;; i = (i + 1) & mask) {
		uint64_t s = m->slots[i];
		const char *k;

		if (s == 0)
			return i;
		if ((uint32_t)(s >> 32) != tag)
			continue;
		k = hmap_key(m, (size_t)(s & 0xffffffffU) - 1);
		if (memcmp(k, key, len) == 0 && k[len] == '\0')
			return i;
	}
}

size_t
hmap_find(const struct hmap *m, const char *key, size_t len)
{
	size_t i;

	if (m->count == 0)
		return HMAP_NONE;
	i = probe(m, (uint32_t)(hmap_hash(key, len) >> 32), key, len);
	return m->slots[i] ? (size_t)(m->slots[i] & 0xffffffffU) - 1 : HMAP_NONE;
}

/* To n slots (a power of two), the keys' slots moved over. */
static void
resize(struct hmap *m, size_t n)
{
	size_t mask = n - 1;
	uint64_t *ns = util_xcalloc(n, sizeof *ns);

	for (size_t j = 0; j < m->nslots; j++) {
		size_t i;

		if (m->slots[j] == 0)
			continue;
		for (i = (size_t)(m->slots[j] >> 32) & mask; ns[i]; i = (i + 1) & mask)
			;
		ns[i] = m->slots[j];
	}
	free(m->slots);
	m->slots = ns;
	m->nslots = n;
}

static void
grow(struct hmap *m)
{
	resize(m, m->nslots ? m->nslots * 2 : 16);
}

void
hmap_reserve(struct hmap *m, size_t n)
{
	size_t slots = m->nslots ? m->nslots : 16;

	while (n * 10 > slots * 7)
		slots *= 2;
	if (slots > m->nslots)
		resize(m, slots);
	if (n > m->cap) {
		m->cap = n;
		if (!m->key_of)
			m->keys = util_xreallocarray(m->keys, m->cap, sizeof *m->keys);
		if (m->ents)
			m->ents = util_xreallocarray(m->ents, m->cap, sizeof *m->ents);
	}
}

size_t
hmap_numbers(const struct hmap *m)
{
	return m->count + (m->gone ? m->gone->n : 0);
}

size_t
hmap_add(struct hmap *m, const char *key, size_t len, int *added)
{
	uint32_t tag;
	size_t i, n;

	/* At most 70% full: short probe runs, and memory. */
	if ((m->count + 1) * 10 > m->nslots * 7) {
		if (hmap_numbers(m) >= UINT32_MAX - 1)
			util_errx(BK_ERR, "more than 4 billion keys");
		grow(m);
	}
	tag = (uint32_t)(hmap_hash(key, len) >> 32);
	i = probe(m, tag, key, len);
	if (added)
		*added = m->slots[i] == 0;
	if (m->slots[i] != 0)
		return (size_t)(m->slots[i] & 0xffffffffU) - 1;
	if (m->gone && m->gone->n > 0) {
		n = m->gone->v[--m->gone->n];
	} else {
		n = m->count;
		if (n == m->cap) {
			/* From 16 on: a table reserved for 1 must grow too. */
			m->cap = m->cap >= 16 ? m->cap + m->cap / 2 : 16;
			if (!m->key_of)
				m->keys = util_xreallocarray(m->keys, m->cap, sizeof *m->keys);
			if (m->ents)
				m->ents = util_xreallocarray(m->ents, m->cap, sizeof *m->ents);
		}
	}
	if (!m->key_of)
		m->keys[n] = hmap_keep(m, key, len);
	if (m->ents)
		m->ents[n] = (struct hmap_entry){ hmap_key(m, n), len, NULL, 0 };
	m->slots[i] = (uint64_t)tag << 32 | (uint64_t)(n + 1);
	m->count++;
	return n;
}

/* Empties slot i: each key after it in the run moves back into the hole
 * unless its own slot lies after the hole (it would no longer be found), so
 * that probing needs no tombstones. */
static void
unslot(struct hmap *m, size_t i)
{
	size_t mask = m->nslots - 1;

	for (size_t j = (i + 1) & mask; m->slots[j] != 0; j = (j + 1) & mask) {
		size_t home = (size_t)(m->slots[j] >> 32) & mask;

		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i] = 0;
}

size_t
hmap_remove(struct hmap *m, const char *key, size_t len)
{
	size_t i, n;
	struct hmap_gone *g = m->gone;

	if (m->count == 0)
		return HMAP_NONE;
	i = probe(m, (uint32_t)(hmap_hash(key, len) >> 32), key, len);
	if (m->slots[i] == 0)
		return HMAP_NONE;
	n = (size_t)(m->slots[i] & 0xffffffffU) - 1;
	unslot(m, i);
	m->count--;
	if (m->ents)
		m->ents[n] = (struct hmap_entry){ NULL, 0, NULL, 0 };
	if (g == NULL || g->n == g->cap) {
		size_t cap = g ? g->cap * 2 : 16;

		g = util_xrealloc(g, sizeof *g + cap * sizeof g->v[0]);
		if (m->gone == NULL)
			g->n = 0;
		g->cap = cap;
		m->gone = g;
	}
	g->v[g->n++] = (uint32_t)n;
	return n;
}

void
hmap_clear(struct hmap *m)
{
	size_t fit = 16;

	while (m->count * 10 > fit * 7)
		fit *= 2;
	if (m->nslots > fit * 4) {
		free(m->slots);
		m->slots = util_xcalloc(fit, sizeof *m->slots);
		m->nslots = fit;
	} else if (m->nslots > 0) {
		memset(m->slots, 0, m->nslots * sizeof *m->slots);
	}
	m->count = 0;
	if (m->gone)
		m->gone->n = 0;
	/* The first chunk is kept (it holds CHUNK_MIN bytes at least). */
	for (size_t i = 1; i < m->nchunks; i++)
		free(m->chunks[i]);
	if (m->nchunks > 0) {
		m->nchunks = 1;
		m->pos = m->chunks[0];
		m->left = CHUNK_MIN;
	}
}

struct hmap_entry *
hmap_get(const struct hmap *m, const void *key, size_t len)
{
	size_t n = m->ents ? hmap_find(m, key, len) : HMAP_NONE;

	return n == HMAP_NONE ? NULL : &m->ents[n];
}

struct hmap_entry *
hmap_put(struct hmap *m, const void *key, size_t len, int *added)
{
	size_t n;

	if (m->ents == NULL) {
		/* Entries from the first hmap_put on, for the keys there are. */
		m->ents = util_xcalloc(m->cap ? m->cap : 1, sizeof *m->ents);
		/* Removed numbers marked first: their keys may be gone. */
		for (size_t i = 0; m->gone && i < m->gone->n; i++)
			m->ents[m->gone->v[i]].len = SIZE_MAX;
		for (size_t i = 0, nums = hmap_numbers(m); i < nums; i++)
			if (m->ents[i].len != SIZE_MAX)
				m->ents[i] = (struct hmap_entry){ hmap_key(m, i),
				    strlen(hmap_key(m, i)), NULL, 0 };
			else
				m->ents[i].len = 0;
	}
	n = hmap_add(m, key, len, added);
	return &m->ents[n];
}

struct hmap_entry *
hmap_next(const struct hmap *m, size_t *iter)
{
	size_t n = m->ents ? hmap_numbers(m) : 0;

	while (*iter < n)
		if (m->ents[(*iter)++].key != NULL)
			return &m->ents[*iter - 1];
	return NULL;
}

void
hmap_free(struct hmap *m, void (*free_val)(void *))
{
	/* A table that never held a key (most of those a parser sets up per
	 * message): nothing to free, and no free(NULL) calls. */
	if (m->slots == NULL && m->keys == NULL && m->ents == NULL && m->chunks == NULL &&
	    m->gone == NULL) {
		memset(m, 0, sizeof *m);
		return;
	}
	if (free_val && m->ents)
		for (size_t i = 0, n = hmap_numbers(m); i < n; i++)
			if (m->ents[i].key != NULL)
				free_val(m->ents[i].val);
	free(m->slots);
	free(m->keys);
	free(m->ents);
	for (size_t i = 0; i < m->nchunks; i++)
		free(m->chunks[i]);
	free(m->chunks);
	free(m->gone);
	memset(m, 0, sizeof *m);
}
