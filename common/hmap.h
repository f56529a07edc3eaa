/* hmap: the hash table of the toolkit. Byte-string keys (no NUL inside) are
 * numbered 0, 1, 2, ... in the order they are added; callers keep what a key
 * maps to in arrays indexed by that number, or in the table's own entries
 * (hmap_put, hmap_get: a pointer and a number each).
 *
 * Built for large tables of hostile keys (recipient addresses come from
 * strangers): slots of 8 bytes (32 bits of a keyed hash, SipHash-1-3 with a
 * seed per process, and the key's number), at most 70% full, linear probing;
 * keys are copied once into chunks that never move, so a key's pointer stays
 * valid, and a table of records that hold their own keys (plans) can use
 * those instead (hmap_init_keyed): no second copy.
 *
 * Keys can be removed (hmap_remove: the slots behind are shifted back, no
 * tombstones, so a table with as many removals as additions stays the size
 * of the most it held at once); a removed key's number is handed out again
 * by a later add. A table that removes many keys should keep its own (a
 * copied key stays in the chunks until hmap_clear or hmap_free). What to
 * remove first (the oldest, say) is the caller's to keep, e.g. a list
 * through its records (as the log parsers' queue-id memory does). */
#ifndef BK_HMAP_H
#define BK_HMAP_H

#include <stddef.h>
#include <stdint.h>

#define HMAP_NONE SIZE_MAX

struct hmap_entry {
	const char *key;	/* NUL-terminated; NULL once removed */
	size_t len;
	void *val;		/* free for the user: NULL when added */
	long long num;		/* free for the user: 0 when added */
};

struct hmap_gone;

struct hmap {
	uint64_t *slots;	/* tag << 32 | number + 1; 0: empty */
	size_t nslots, count;	/* count: the keys in the table */
	const char **keys;	/* number -> key; unused when keyed by the caller */
	struct hmap_entry *ents;	/* number -> entry, once hmap_put is used */
	size_t cap;		/* of keys and ents */
	const char *(*key_of)(const void *ctx, size_t number);
	const void *ctx;
	char **chunks;		/* where keys are copied */
	uint32_t nchunks, left;	/* left: in the last chunk */
	char *pos;
	struct hmap_gone *gone;	/* numbers of removed keys, for reuse */
};

#define HMAP_INIT { 0 }

/* The table's keyed hash, for other uses of hostile keys. */
uint64_t hmap_hash(const void *key, size_t len);

/* A table whose keys the caller keeps: key_of(ctx, n) is the key of number n
 * (set before the next look-up after hmap_add made n). */
void hmap_init_keyed(struct hmap *m, const char *(*key_of)(const void *, size_t),
    const void *ctx);
/* The number of key, or HMAP_NONE. */
size_t hmap_find(const struct hmap *m, const char *key, size_t len);
/* The number of key, added if absent (the next number, or one a removed key
 * had); *added (may be NULL) says which. The key is copied, unless the
 * caller keeps the keys. */
size_t hmap_add(struct hmap *m, const char *key, size_t len, int *added);
/* The key of number n. */
const char *hmap_key(const struct hmap *m, size_t n);
/* A copy of s[0..n) (NUL-terminated) in the table's chunks: it never moves,
 * and is freed with the table. */
const char *hmap_keep(struct hmap *m, const char *s, size_t n);

/* The entry of key, or NULL. */
struct hmap_entry *hmap_get(const struct hmap *m, const void *key, size_t len);
/* The entry of key, added (val NULL, num 0) if absent; *added (may be NULL)
 * says which. The pointer is valid until the next hmap_put. */
struct hmap_entry *hmap_put(struct hmap *m, const void *key, size_t len, int *added);
/* Room for n keys in all without growing: one table of the final size, when
 * the caller knows how many are coming, instead of each size on the way. */
void hmap_reserve(struct hmap *m, size_t n);
/* Iteration: start with *iter = 0; NULL at the end. In the order of the
 * numbers: the order added, as long as nothing was removed. */
struct hmap_entry *hmap_next(const struct hmap *m, size_t *iter);
/* Numbers handed out: count and those of removed keys not yet given again;
 * an array indexed by number needs this many. */
size_t hmap_numbers(const struct hmap *m);
/* Removes key; its number, or HMAP_NONE if absent. Its entry, if any, is
 * emptied (key NULL): take what val holds first. The number is given to a
 * later hmap_add, so a caller keeping records by number can reuse the one
 * that was removed. */
size_t hmap_remove(struct hmap *m, const char *key, size_t len);
/* Empties the table for reuse, keeping its memory (the slots shrink when far
 * larger than what it held, so that one large use does not make every later
 * clear cost as much): numbers start again at 0. */
void hmap_clear(struct hmap *m);
/* Frees the table, its keys and entries; free_val (may be NULL) gets each val. */
void hmap_free(struct hmap *m, void (*free_val)(void *));

#endif
