/* reason_match.c: the phrase search of the reason classifier: one pass over
 * a reply text finds every phrase rule and mark in it. */
#include "reason_int.h"

#include <pthread.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Marks are phrases[0 .. nmarks). */
static size_t nmarks;
#define NMARKS nmarks
#define NPHRASES reason_nphrases
/* The most phrase rules the search takes (indices are unsigned short). */
#define PHRASES_MAX 2048

static void
mark_found(struct match *m, size_t i, size_t start, size_t len)
{
	size_t end = start + len - 1;

	unsigned bit = reason_phrases[i].mark;
	int b = 0;

	while (bit >> (b + 1))
		b++;
	if (!(m->marks & bit))
		m->first[b] = (short)i;
	m->last[b] = (unsigned)end + 1;
	m->marks |= bit;
	if (bit & (MK_MAIL | MK_RCPT | MK_DATA | MK_CONN) && m->ncmd < CMD_MAX) {
		m->cmd[m->ncmd].start = (unsigned)start;
		m->cmd[m->ncmd].end = (unsigned)end + 1;
		m->cmd[m->ncmd].bit = (unsigned char)b;
		m->cmd[m->ncmd].follows = (reason_phrases[i].flags & F_FOLLOWS) != 0;
		m->ncmd++;
	}
}

/*
 * Phrase search. Each phrase has an anchor: three of its bytes, the ones
 * fewest other phrase positions share a hash bucket with. One pass over the
 * text keeps its last bytes (as matched) in an integer and looks the last
 * three up in a hash table of the anchors; where they are a phrase's anchor,
 * the phrase is compared at the place the anchor puts it. That finds every
 * occurrence of every phrase at about a dozen instructions a byte, instead of
 * a substring search per phrase, and a hit compares few phrases.
 */
#define ANCHOR_LEN 3		/* the shortest phrases ("spf", "rbl") */
#define ANCHOR_MASK 0xffffffu	/* the last ANCHOR_LEN bytes of a key */
#define ANCHOR_BITS 12
#define ANCHOR_BUCKETS (1u << ANCHOR_BITS)

struct anchor {
	uint32_t key;		/* the anchor's bytes, the first one highest */
	unsigned short phrase;	/* index in reason_phrases[] */
	unsigned short off;	/* where in the phrase the anchor starts */
};

/* The anchors of a bucket are anchors[first .. first + count), in table
 * order. */
static struct anchor anchors[PHRASES_MAX];
static struct bucket {
	unsigned short first, count;
} buckets[ANCHOR_BUCKETS];
static unsigned short phrase_len[PHRASES_MAX];
/* A bit per anchor, by another hash of its bytes (16 bits): most places in
 * a text hash to a bucket of no anchor, and most of the others to no bit of
 * this (an eighth of the buckets hold one, a hundredth of the bits). One
 * load of a table in the first-level cache rules them out. */
#define FILTER_BITS 16
static uint64_t anchor_filter[(1u << FILTER_BITS) / 64];
/* Bytes as matched: ASCII lower case, white space and NUL folded to a space
 * (so that "mailbox  full" and line breaks match). */
static unsigned char match_fold[256];
static pthread_once_t phrases_once = PTHREAD_ONCE_INIT;

/* The bucket of the last three bytes of key. Multiplicative hashing: the top
 * bits of the product depend on all the bits below; a factor that is a
 * multiple of 256 drops the top byte of the key, the one before the three,
 * so that the search need not mask it off. */
static unsigned
anchor_hash(uint32_t key)
{
	return (unsigned)((uint32_t)(key * (UINT32_C(0x9e3779b1) << 8)) >> (32 - ANCHOR_BITS));
}

static unsigned
filter_hash(uint32_t key)
{
	return (unsigned)((uint32_t)(key * (UINT32_C(0x85ebca6b) << 8)) >> (32 - FILTER_BITS));
}

static void
phrases_init(void)
{
	/* How many phrase positions hash to each bucket: an anchor in a
	 * crowded bucket would be looked at often for nothing. */
	unsigned short crowd[ANCHOR_BUCKETS] = {0};
	unsigned short fill[ANCHOR_BUCKETS] = {0};
	static struct anchor by_phrase[PHRASES_MAX];
	static unsigned short hash_of[PHRASES_MAX];

	if (NPHRASES > PHRASES_MAX)
		abort();

	while (reason_phrases[nmarks].reason == NULL)
		nmarks++;
	for (unsigned c = 0; c < 256; c++)
		match_fold[c] = (unsigned char)(c == '\t' || c == '\r' || c == '\n' || c == '\0' ?
		    ' ' : c >= 'A' && c <= 'Z' ? c + 32 : c);
	for (size_t i = 0; i < NPHRASES; i++) {
		const char *t = reason_phrases[i].rule.name;
		size_t len = strlen(t);
		uint32_t key = 0;

		/* The built-in phrases are tested: marks first, reasons known. */
		if (len < ANCHOR_LEN || len > USHRT_MAX || (reason_phrases[i].reason == NULL) !=
		    (i < NMARKS) || (reason_phrases[i].reason && reason_describe(reason_phrases[i].reason) == NULL))
			abort();
		phrase_len[i] = (unsigned short)len;
		for (size_t k = 0; k < len; k++) {
			key = key << 8 | (unsigned char)t[k];
			if (k + 1 >= ANCHOR_LEN)
				crowd[anchor_hash(key)]++;
		}
	}
	/* Each phrase's anchor: in the least crowded bucket, the first such. */
	for (size_t i = 0; i < NPHRASES; i++) {
		const char *t = reason_phrases[i].rule.name;
		unsigned best = UINT_MAX;
		uint32_t key = 0;

		for (size_t k = 0; k < phrase_len[i]; k++) {
			unsigned h;

			key = key << 8 | (unsigned char)t[k];
			if (k + 1 < ANCHOR_LEN || crowd[h = anchor_hash(key)] >= best)
				continue;
			best = crowd[h];
			hash_of[i] = (unsigned short)h;
			by_phrase[i].key = key & ANCHOR_MASK;
			by_phrase[i].phrase = (unsigned short)i;
			by_phrase[i].off = (unsigned short)(k + 1 - ANCHOR_LEN);
		}
		buckets[hash_of[i]].count++;
	}
	/* Into their buckets, in table order within each (a counting sort). */
	for (size_t h = 1; h < ANCHOR_BUCKETS; h++)
		buckets[h].first = buckets[h - 1].first + buckets[h - 1].count;
	for (size_t i = 0; i < NPHRASES; i++) {
		unsigned f = filter_hash(by_phrase[i].key);

		anchors[buckets[hash_of[i]].first + fill[hash_of[i]]++] = by_phrase[i];
		anchor_filter[f / 64] |= UINT64_C(1) << (f % 64);
	}
}

/* Whether phrase i is in text at s, bytes as matched. */
static int
phrase_at(const char *text, size_t s, size_t i)
{
	const unsigned char *p = (const unsigned char *)reason_phrases[i].rule.name;

	for (size_t k = 0; k < phrase_len[i]; k++)
		if (match_fold[(unsigned char)text[s + k]] != p[k])
			return 0;
	return 1;
}

/* The first reason phrase (in table order, before found) whose anchor in
 * bucket b is the one ending at text[j], key the bytes up to there; or found.
 * Marks found on the way are added to m. */
static size_t
bucket_match(const char *text, size_t n, size_t j, uint32_t key, const struct bucket *b,
    size_t found, struct match *m)
{
	for (const struct anchor *a = &anchors[b->first]; a < &anchors[b->first + b->count]; a++) {
		size_t at;	/* where the phrase would start */

		if (a->phrase >= found)
			break;	/* an earlier phrase is found already */
		if (a->key != (key & ANCHOR_MASK) || j + 1 < ANCHOR_LEN + (size_t)a->off)
			continue;
		at = j + 1 - ANCHOR_LEN - a->off;
		if (at + phrase_len[a->phrase] > n || !phrase_at(text, at, a->phrase))
			continue;
		if (a->phrase >= NMARKS)
			return a->phrase;
		mark_found(m, a->phrase, at, phrase_len[a->phrase]);
	}
	return found;
}

/* The first reason phrase (in table order) found in text, and the marks. */
void
reason_phrase_match(const char *text, size_t n, struct match *m)
{
	/* The last text and its answer: a reply text is often classified twice
	 * in a row (once for context, once for the record). */
	static _Thread_local char last[SCAN_MAX];
	static _Thread_local size_t last_n = (size_t)-1;
	static _Thread_local struct match last_m;
	size_t found = NPHRASES;
	uint32_t key = 0;

	m->i = -1;
	m->marks = 0;
	m->ncmd = 0;
	for (int k = 0; k < NMARKBITS; k++) {
		m->first[k] = -1;
		m->last[k] = 0;
	}
	if (text == NULL || n == 0)
		return;
	pthread_once(&phrases_once, phrases_init);
	if (n > SCAN_MAX)
		n = SCAN_MAX;
	if (n == last_n && memcmp(text, last, n) == 0) {
		*m = last_m;
		return;
	}
	for (const char *p = text; p < text + n; p++) {
		const struct bucket *b;

		unsigned f;

		/* The bytes up to *p, folded. Most are no anchor's. */
		key = key << 8 | match_fold[(unsigned char)*p];
		f = filter_hash(key);
		if (!(anchor_filter[f / 64] >> (f % 64) & 1))
			continue;
		b = &buckets[anchor_hash(key)];
		if (b->count != 0)
			found = bucket_match(text, n, (size_t)(p - text), key, b, found, m);
	}
	m->i = found < NPHRASES ? (long)found : -1;
	memcpy(last, text, n);
	last_n = n;
	last_m = *m;
}
