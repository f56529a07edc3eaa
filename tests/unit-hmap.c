/* Unit tests of common/hmap.c (the hash table): run by tests/01-common.bats
 * through make check. Removal is checked against a plain array of what the
 * table should hold, over random additions and removals. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"

static int failures, checks;

#define CHECK(cond) do { checks++; if (!(cond)) { failures++; \
	fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)

/* The longest run of occupied slots: what a look-up may have to walk. */
static size_t
longest_run(const struct hmap *m)
{
	size_t best = 0, run = 0;

	/* twice round, for a run that wraps */
	for (size_t i = 0; i < 2 * m->nslots; i++) {
		run = m->slots[i % m->nslots] ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best < m->nslots ? best : m->nslots;
}

static void
test_add_find(void)
{
	struct hmap m = HMAP_INIT;
	char k[32];
	int added;

	CHECK(hmap_find(&m, "a", 1) == HMAP_NONE);
	CHECK(hmap_remove(&m, "a", 1) == HMAP_NONE);
	for (int i = 0; i < 1000; i++) {
		int n = snprintf(k, sizeof k, "key%d", i);

		CHECK(hmap_add(&m, k, (size_t)n, &added) == (size_t)i && added);
	}
	CHECK(hmap_add(&m, "key7", 4, &added) == 7 && !added);
	CHECK(hmap_find(&m, "key999", 6) == 999);
	CHECK(hmap_find(&m, "key99", 5) == 99);
	CHECK(hmap_find(&m, "key9999", 7) == HMAP_NONE);
	/* a key is compared whole: a prefix or a longer key is another one */
	CHECK(hmap_find(&m, "key1", 3) == HMAP_NONE);
	CHECK(strcmp(hmap_key(&m, 123), "key123") == 0);
	CHECK(m.count == 1000 && hmap_numbers(&m) == 1000);
	CHECK(m.count * 10 <= m.nslots * 7);
	hmap_free(&m, NULL);
	CHECK(m.slots == NULL && m.count == 0);
}

/* Random additions and removals of 3000 keys against what the table should
 * hold: every key is found exactly when it should be, with its number. */
static void
test_remove_random(void)
{
	enum { KEYS = 3000, OPS = 300000 };
	static size_t num[KEYS];	/* HMAP_NONE: absent */
	static int used[KEYS + 1];
	struct hmap m = HMAP_INIT;
	size_t live = 0, most = 0, bad = 0, nslots_at_most = 0;
	unsigned long long x = 88172645463325252ULL;
	char k[32];

	for (int i = 0; i < KEYS; i++)
		num[i] = HMAP_NONE;
	for (int op = 0; op < OPS; op++) {
		int i, n;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		i = (int)(x % KEYS);
		n = snprintf(k, sizeof k, "%d@example.com", i);
		if ((x >> 32) % 3 != 0 && num[i] == HMAP_NONE) {
			int added;

			num[i] = hmap_add(&m, k, (size_t)n, &added);
			bad += !added || num[i] > KEYS || used[num[i]];
			used[num[i]] = 1;
			live++;
		} else {
			size_t got = hmap_remove(&m, k, (size_t)n);

			bad += got != num[i];
			if (got != HMAP_NONE) {
				used[got] = 0;
				live--;
			}
			num[i] = HMAP_NONE;
		}
		if (live > most) {
			most = live;
			nslots_at_most = m.nslots;
		}
		if (op % 1000 == 0)
			for (int j = 0; j < KEYS; j++) {
				n = snprintf(k, sizeof k, "%d@example.com", j);
				bad += hmap_find(&m, k, (size_t)n) != num[j];
			}
	}
	CHECK(bad == 0);
	CHECK(m.count == live);
	/* removed numbers are handed out again: no more numbers than keys
	 * held at once, and the table no larger than for the most it held */
	CHECK(hmap_numbers(&m) <= most);
	CHECK(m.nslots == nslots_at_most);
	hmap_free(&m, NULL);
}

static void
test_reuse_and_iterate(void)
{
	struct hmap m = HMAP_INIT;
	struct hmap_entry *e;
	size_t it = 0, seen = 0;
	char k[32];

	for (int i = 0; i < 10; i++) {
		int n = snprintf(k, sizeof k, "k%d", i);

		hmap_put(&m, k, (size_t)n, NULL)->num = i;
	}
	CHECK(hmap_remove(&m, "k3", 2) == 3);
	CHECK(hmap_remove(&m, "k7", 2) == 7);
	CHECK(hmap_remove(&m, "k7", 2) == HMAP_NONE);
	CHECK(hmap_get(&m, "k3", 2) == NULL && hmap_get(&m, "k4", 2)->num == 4);
	CHECK(m.count == 8 && hmap_numbers(&m) == 10);
	/* the iteration skips what was removed, in number order */
	while ((e = hmap_next(&m, &it)) != NULL) {
		CHECK(e->key != NULL && e->num != 3 && e->num != 7);
		seen++;
	}
	CHECK(seen == 8);
	/* the last number removed is the first given again, its entry new */
	e = hmap_put(&m, "new", 3, NULL);
	CHECK(e == &m.ents[7] && e->num == 0 && e->val == NULL && strcmp(e->key, "new") == 0);
	CHECK(hmap_add(&m, "newer", 5, NULL) == 3);
	CHECK(hmap_add(&m, "newest", 6, NULL) == 10);
	CHECK(hmap_get(&m, "new", 3)->len == 3);
	hmap_free(&m, NULL);

	/* entries made after keys were removed leave the removed ones out */
	m = (struct hmap)HMAP_INIT;
	hmap_add(&m, "a", 1, NULL);
	hmap_add(&m, "b", 1, NULL);
	hmap_add(&m, "c", 1, NULL);
	hmap_remove(&m, "b", 1);
	hmap_put(&m, "d", 1, NULL)->num = 9;	/* takes b's number */
	it = seen = 0;
	while ((e = hmap_next(&m, &it)) != NULL)
		seen += e->key[0];
	CHECK(seen == 'a' + 'c' + 'd' && hmap_get(&m, "d", 1) == &m.ents[1]);
	hmap_free(&m, NULL);
}

/* Records that hold their own keys, an age list kept by the caller, the
 * oldest removed past a bound (as the log parsers' queue-id memory does). */
struct rec {
	char key[16];
	size_t older, newer;
};

static const char *
rec_key(const void *ctx, size_t n)
{
	const struct rec *r = ctx;

	return r[n].key;
}

static void
test_keyed_bounded(void)
{
	enum { CAP = 1000, ADDS = 100000 };
	static struct rec recs[CAP + 1];
	struct hmap m;
	size_t oldest = HMAP_NONE, newest = HMAP_NONE, bad = 0, nslots = 0;

	hmap_init_keyed(&m, rec_key, recs);
	for (int i = 0; i < ADDS; i++) {
		char k[16];
		int len = snprintf(k, sizeof k, "Q%08X", (unsigned)i * 2654435761u);
		int added;
		size_t n = hmap_add(&m, k, (size_t)len, &added);

		bad += !added || n > CAP;
		memcpy(recs[n].key, k, (size_t)len + 1);
		recs[n].older = newest;
		recs[n].newer = HMAP_NONE;
		if (newest != HMAP_NONE)
			recs[newest].newer = n;
		else
			oldest = n;
		newest = n;
		if (m.count > CAP) {
			size_t o = oldest;

			bad += hmap_remove(&m, recs[o].key, strlen(recs[o].key)) != o;
			oldest = recs[o].newer;
			recs[oldest].older = HMAP_NONE;
		}
		if (i == 2 * CAP)
			nslots = m.nslots;
	}
	CHECK(bad == 0);
	CHECK(m.count == CAP && hmap_numbers(&m) == CAP + 1);
	/* memory stays that of CAP keys however many went through */
	CHECK(m.nslots == nslots);
	/* the newest CAP are there, the ones before are gone */
	for (int i = ADDS - CAP - 5; i < ADDS; i++) {
		char k[16];
		int len = snprintf(k, sizeof k, "Q%08X", (unsigned)i * 2654435761u);
		size_t n = hmap_find(&m, k, (size_t)len);

		bad += (i >= ADDS - CAP) != (n != HMAP_NONE);
	}
	CHECK(bad == 0);
	hmap_free(&m, NULL);
}

static void
test_clear(void)
{
	struct hmap m = HMAP_INIT;
	char k[32];
	size_t big;

	for (int i = 0; i < 100000; i++)
		hmap_add(&m, k, (size_t)snprintf(k, sizeof k, "%d", i), NULL);
	big = m.nslots;
	hmap_clear(&m);
	CHECK(m.count == 0 && hmap_numbers(&m) == 0 && hmap_find(&m, "5", 1) == HMAP_NONE);
	/* numbers start again at 0 */
	CHECK(hmap_add(&m, "x", 1, NULL) == 0 && hmap_add(&m, "5", 1, NULL) == 1);
	CHECK(strcmp(hmap_key(&m, 1), "5") == 0);
	/* a clear after a small use shrinks a table made for a large one */
	hmap_clear(&m);
	CHECK(m.nslots < big && m.nslots <= 64);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 30; i++)
			hmap_put(&m, k, (size_t)snprintf(k, sizeof k, "r%d", i), NULL)->num = round;
		CHECK(m.count == 30 && hmap_get(&m, "r29", 3)->num == round);
		hmap_clear(&m);
	}
	hmap_free(&m, NULL);
}

/* Keys that differ only at their end, and keys that collide for a plain
 * (unkeyed) FNV-1a hash in its low 10 bits (the table the queue-id memory
 * had): no long runs of slots. */
static void
test_hostile(void)
{
	struct hmap m = HMAP_INIT;
	static char k[1100];
	size_t n = 0;

	memset(k, 'x', 1000);
	for (int i = 0; i < 100000; i++)
		hmap_add(&m, k, 1000 + (size_t)snprintf(k + 1000, 16, "%d", i), NULL);
	CHECK(m.count == 100000 && longest_run(&m) < 400);
	hmap_free(&m, NULL);
	for (uint32_t i = 0; n < 5000 && i < 100000000u; i++) {
		uint32_t h = 2166136261u;
		int len = snprintf(k, sizeof k, "%08X", i);

		for (int j = 0; j < len; j++)
			h = (h ^ (unsigned char)k[j]) * 16777619u;
		if ((h & 0x3ff) == 0x155) {
			hmap_add(&m, k, (size_t)len, NULL);
			n++;
		}
	}
	CHECK(n == 5000 && m.count == n && longest_run(&m) < 400);
	hmap_free(&m, NULL);
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_add_find, test_remove_random, test_reuse_and_iterate,
		test_keyed_bounded, test_clear, test_hostile,
	};

	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
		tests[i]();
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
