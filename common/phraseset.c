/* phraseset: one pass over a text for a set of phrases (Wu and Manber, "A
 * fast algorithm for multi-pattern searching", 1994), for the lists of
 * words that say what kind of notice a bounce is.
 *
 * A window as long as the shortest phrase (m) moves over the text; the last
 * two bytes of the window say how far it may move on without passing a
 * place where a phrase could start (a table by those two bytes, built from
 * the phrases' first m bytes). Where it may not move, the phrases whose
 * first m bytes end in those two are compared. Phrases are words of a
 * notice, m is 6 to 20 bytes and most windows move several bytes: less work
 * than a memchr(3) or strstr(3) pass per phrase, and a text is read once
 * however many phrases there are. The work per byte is bounded by the
 * phrases of a block (compared where the window stops), a constant of the
 * set. */
#include "phraseset.h"
#include "ascii.h"

#include <stdlib.h>
#include <string.h>

/* The table index of two bytes: their low five bits, the same for both
 * cases of a letter (and for NUL and space), so that the text need not be
 * folded first. Other bytes share indices: that costs comparisons, never a
 * match. */
static unsigned
block(unsigned char a, unsigned char b)
{
	return (unsigned)(a & 31) << 5 | (unsigned)(b & 31);
}

static void
build(struct phraseset *s)
{
	size_t m = SIZE_MAX, fill[PHRASESET_HASH] = {0};

	/* The built-in sets are tested: a misfit is a bug. */
	if (s->n == 0 || s->n > PHRASESET_MAX)
		abort();
	for (unsigned c = 0; c < 256; c++)
		s->fold[c] = (unsigned char)(c == 0 && (s->flags & PHRASESET_NUL_SPACE) ? ' ' :
		    ascii_lower((unsigned char)c));
	for (size_t i = 0; i < s->n; i++) {
		s->len[i] = strlen(s->phrases[i]);
		if (s->len[i] < 2)
			abort();
		if (s->len[i] < m)
			m = s->len[i];
	}
	if (m > 255)
		m = 255;	/* a shift is a byte */
	s->m = m;
	memset(s->shift, (int)(m - 1), sizeof s->shift);
	for (size_t i = 0; i < s->n; i++) {
		const unsigned char *p = (const unsigned char *)s->phrases[i];

		for (size_t j = 1; j < m; j++) {
			unsigned h = block(p[j - 1], p[j]);

			if (s->shift[h] > m - 1 - j)
				s->shift[h] = (unsigned char)(m - 1 - j);
		}
	}
	/* The phrases by the block that ends their first m bytes (a counting
	 * sort, in table order within a block). */
	memset(s->first, 0, sizeof s->first);
	for (size_t i = 0; i < s->n; i++) {
		const unsigned char *p = (const unsigned char *)s->phrases[i];

		s->first[block(p[m - 2], p[m - 1]) + 1]++;
	}
	for (size_t h = 0; h < PHRASESET_HASH; h++)
		s->first[h + 1] = (unsigned char)(s->first[h + 1] + s->first[h]);
	for (size_t i = 0; i < s->n; i++) {
		const unsigned char *p = (const unsigned char *)s->phrases[i];
		unsigned h = block(p[m - 2], p[m - 1]);

		s->which[s->first[h] + fill[h]++] = (unsigned char)i;
	}
}

uint64_t
phraseset_find(struct phraseset *s, const char *t, size_t n, uint64_t stop)
{
	const unsigned char *u = (const unsigned char *)t;
	uint64_t found = 0;

	/* Built once, by whichever thread comes first; read only after. */
	if (!atomic_load_explicit(&s->built, memory_order_acquire)) {
		pthread_mutex_lock(&s->lock);
		if (!atomic_load_explicit(&s->built, memory_order_relaxed)) {
			build(s);
			atomic_store_explicit(&s->built, 1, memory_order_release);
		}
		pthread_mutex_unlock(&s->lock);
	}
	if (t == NULL || n < s->m)
		return 0;
	for (size_t end = s->m - 1; end < n;) {
		unsigned h = block(u[end - 1], u[end]);
		size_t start = end + 1 - s->m;

		if (s->shift[h] != 0) {
			end += s->shift[h];
			continue;
		}
		for (size_t k = s->first[h]; k < s->first[h + 1]; k++) {
			size_t i = s->which[k], j = 0;
			const unsigned char *p = (const unsigned char *)s->phrases[i];

			if (s->len[i] > n - start || (found & UINT64_C(1) << i))
				continue;
			while (j < s->len[i] && s->fold[u[start + j]] == p[j])
				j++;
			if (j == s->len[i]) {
				found |= UINT64_C(1) << i;
				if (found & stop)
					return found;
			}
		}
		end++;
	}
	return found;
}

int
phraseset_any(struct phraseset *s, const char *t, size_t n)
{
	return phraseset_find(s, t, n, ~UINT64_C(0)) != 0;
}
