#include "hmap.h"
#include "util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t seed0, seed1;
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

/* A per-process key: the output never depends on it (callers sort), only the
 * layout of the table does, so an attacker cannot predict collisions. */
static uint64_t siphash13(const void *key, size_t len);

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
		seed0 = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ULL;
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

/* SipHash-1-3 (as in Rust's and Python's hash tables). */
static uint64_t
siphash13(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t v0 = 0x736f6d6570736575ULL ^ seed0, v1 = 0x646f72616e646f6dULL ^ seed1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ seed0, v3 = 0x7465646279746573ULL ^ seed1;
	uint64_t m, b = (uint64_t)len << 56;
	size_t i, left = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		m = (uint64_t)p[i] | (uint64_t)p[i + 1] << 8 | (uint64_t)p[i + 2] << 16 |
		    (uint64_t)p[i + 3] << 24 | (uint64_t)p[i + 4] << 32 |
		    (uint64_t)p[i + 5] << 40 | (uint64_t)p[i + 6] << 48 |
		    (uint64_t)p[i + 7] << 56;
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

static struct hmap_entry *
hmap_slot(const struct hmap *m, const void *key, size_t len, uint64_t h)
{
	size_t mask = m->cap - 1, i = (size_t)h & mask;

	for (;;) {
		struct hmap_entry *e = &m->tab[i];

		if (e->key == NULL || (e->hash == h && e->len == len &&
		    memcmp(e->key, key, len) == 0))
			return e;
		i = (i + 1) & mask;
	}
}

struct hmap_entry *
hmap_get(const struct hmap *m, const void *key, size_t len)
{
	struct hmap_entry *e;

	if (m->count == 0)
		return NULL;
	e = hmap_slot(m, key, len, hmap_hash(key, len));
	return e->key ? e : NULL;
}

/* To cap slots (a power of two), the entries moved over. */
static void
hmap_resize(struct hmap *m, size_t cap)
{
	struct hmap old = *m;

	m->cap = cap;
	m->tab = util_xcalloc(m->cap, sizeof *m->tab);
	for (size_t i = 0; i < old.cap; i++)
		if (old.tab[i].key)
			*hmap_slot(m, old.tab[i].key, old.tab[i].len, old.tab[i].hash) =
			    old.tab[i];
	free(old.tab);
}

static void
hmap_grow(struct hmap *m)
{
	hmap_resize(m, m->cap ? m->cap * 2 : 8);
}

void
hmap_reserve(struct hmap *m, size_t n)
{
	size_t cap = m->cap ? m->cap : 8;

	while ((n + 1) * 2 > cap)
		cap *= 2;
	if (cap > m->cap)
		hmap_resize(m, cap);
}

struct hmap_entry *
hmap_put(struct hmap *m, const void *key, size_t len, int *added)
{
	struct hmap_entry *e;
	uint64_t h;

	pthread_once(&seed_once, hmap_seed);
	/* Load at most 1/2: short probes with linear probing. */
	if ((m->count + 1) * 2 > m->cap)
		hmap_grow(m);
	h = hmap_hash(key, len);
	e = hmap_slot(m, key, len, h);
	if (added)
		*added = e->key == NULL;
	if (e->key == NULL) {
		e->key = util_xmalloc(len + 1);
		memcpy(e->key, key, len);
		e->key[len] = '\0';
		e->len = len;
		e->hash = h;
		e->val = NULL;
		e->num = 0;
		m->count++;
	}
	return e;
}

struct hmap_entry *
hmap_next(const struct hmap *m, size_t *iter)
{
	while (*iter < m->cap) {
		struct hmap_entry *e = &m->tab[(*iter)++];

		if (e->key)
			return e;
	}
	return NULL;
}

void
hmap_free(struct hmap *m, void (*free_val)(void *))
{
	for (size_t i = 0; i < m->cap; i++) {
		if (m->tab[i].key == NULL)
			continue;
		if (free_val)
			free_val(m->tab[i].val);
		free(m->tab[i].key);
	}
	free(m->tab);
	m->tab = NULL;
	m->cap = m->count = 0;
}

uint64_t
hmap_hash(const void *key, size_t len)
{
	pthread_once(&seed_once, hmap_seed);
	return siphash13(key, len);
}
