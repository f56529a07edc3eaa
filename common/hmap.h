/* hmap: a hash map from byte strings to a pointer and a number. Open
 * addressing; keyed hashing (SipHash-1-3, seed per process) so that hostile
 * keys cannot force collisions. Keys are copied once, when first added:
 * looking up an existing key allocates nothing. */
#ifndef BK_HMAP_H
#define BK_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct hmap_entry {
	char *key;		/* NUL-terminated copy; NULL marks an empty slot */
	size_t len;
	uint64_t hash;
	void *val;		/* free for the user: NULL when added */
	long long num;		/* free for the user: 0 when added */
};

struct hmap {
	struct hmap_entry *tab;
	size_t cap, count;
};

#define HMAP_INIT { NULL, 0, 0 }

/* The entry of key, or NULL. */
/* The keyed hash of the map, for other tables of hostile keys. */
uint64_t hmap_hash(const void *key, size_t len);
struct hmap_entry *hmap_get(const struct hmap *m, const void *key, size_t len);
/* The entry of key, added (val NULL, num 0) if absent; *added (may be NULL)
 * says which. The pointer is valid until the next hmap_put. */
struct hmap_entry *hmap_put(struct hmap *m, const void *key, size_t len, int *added);
/* Room for n keys in all without growing: one table of the final size, when
 * the caller knows how many are coming, instead of each size on the way. */
void hmap_reserve(struct hmap *m, size_t n);
/* Iteration: start with *iter = 0; NULL at the end. Order is arbitrary. */
struct hmap_entry *hmap_next(const struct hmap *m, size_t *iter);
/* Frees the keys and the table; free_val (may be NULL) gets each val. */
void hmap_free(struct hmap *m, void (*free_val)(void *));

#endif
