/* phraseset: which of a fixed set of phrases a text holds, ASCII case
 * ignored, in one pass over the text instead of a substring search per
 * phrase. */
#ifndef BK_PHRASESET_H
#define BK_PHRASESET_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define PHRASESET_MAX 64	/* phrases in a set: the bits of the answer */
#define PHRASESET_HASH 1024	/* two bytes' low five bits each */

/* Flags: NUL in the text reads as a space (text that folds line breaks and
 * NULs to spaces before it is compared). */
#define PHRASESET_NUL_SPACE 1u

/* A set of phrases (lower case, each at least two bytes long), declared
 * with PHRASESET() next to its array of phrases; its tables are built on
 * its first search, by any thread. */
struct phraseset {
	const char *const *phrases;
	size_t n;
	unsigned flags;
	pthread_mutex_t lock;
	atomic_int built;
	/* The tables: Wu-Manber's, with blocks of two bytes. */
	size_t m;				/* the shortest phrase's length */
	unsigned char shift[PHRASESET_HASH];	/* how far a window may move on */
	unsigned char first[PHRASESET_HASH + 1]; /* the phrases of a last block: */
	unsigned char which[PHRASESET_MAX];	/* which[first[h] .. first[h + 1]) */
	size_t len[PHRASESET_MAX];
	unsigned char fold[256];		/* text bytes as phrases have them */
};

#define PHRASESET(phrases, flags) { (phrases), sizeof (phrases) / sizeof (phrases)[0], \
	(flags), PTHREAD_MUTEX_INITIALIZER, 0, 0, {0}, {0}, {0}, {0}, {0} }

/* The phrases that t[0..n) holds: bit i for phrases[i]. The search stops
 * once one of the phrases in stop is found (the answer has it, and those
 * found before). */
uint64_t phraseset_find(struct phraseset *s, const char *t, size_t n, uint64_t stop);

/* Whether t[0..n) holds any of the phrases. */
int phraseset_any(struct phraseset *s, const char *t, size_t n);

#endif
