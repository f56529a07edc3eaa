/* ascii: character classes and case of the C locale, which these programs
 * never leave, without a library call per byte. */
#ifndef BK_ASCII_H
#define BK_ASCII_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* A-Z to a-z, as tolower(3). */
static inline unsigned char
ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* src[0..n) into dst with A-Z made a-z: eight bytes at a time (SWAR), for
 * texts that are searched folded. In each byte (high bit cleared, so that
 * no sum carries into the next), adding 0x3f sets the high bit from 'A'
 * on, adding 0x25 from '[' on; a byte of 'A'..'Z' gains 0x20. */
static inline void
ascii_lower_copy(char *dst, const char *src, size_t n)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), high = ones * 0x80;
	size_t i = 0;

	for (; n - i >= 8; i += 8) {
		uint64_t w, low7, upper;

		memcpy(&w, src + i, 8);
		low7 = w & ~high;
		upper = (low7 + ones * (0x80 - 'A')) & ~(low7 + ones * (0x7f - 'Z')) & ~w & high;
		w |= upper >> 2;
		memcpy(dst + i, &w, 8);
	}
	for (; i < n; i++)
		dst[i] = (char)ascii_lower((unsigned char)src[i]);
}

/* a-z to A-Z, as toupper(3). */
static inline unsigned char
ascii_upper(unsigned char c)
{
	return c >= 'a' && c <= 'z' ? (unsigned char)(c - ('a' - 'A')) : c;
}

/* isspace(3): space, \t, \n, \v, \f, \r. */
static inline int
ascii_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static inline int
ascii_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int
ascii_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Whether byte c is one of those of set: strchr(3), but that the NUL ending
 * set is none of them (else a NUL byte of the input would be). */
static inline int
ascii_in_set(const char *set, unsigned char c)
{
	/* A loop, not strchr(3): the sets are a few bytes, and a call was
	 * most of the cost where a byte of each word is tested. */
	for (; *set != '\0'; set++)
		if ((unsigned char)*set == c)
			return 1;
	return 0;
}

/* The end of the run of bytes from p (before end) that a JSON string holds
 * as they are: ASCII from ' ' on, but '"' and '\\'. Eight at a time (SWAR),
 * where readers of JSON spend most of their time: the has-zero-byte trick
 * flags the quotes, backslashes, control bytes and bytes of UTF-8 in a word;
 * a byte may be flagged wrongly only above one rightly flagged, so that the
 * lowest flag is right. */
static inline const char *
ascii_json_plain_end(const char *p, const char *end)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), high = ones * 0x80;

	while (end - p >= 8) {
		uint64_t w, q, b, m;

		memcpy(&w, p, 8);
		q = w ^ (ones * '"');
		b = w ^ (ones * '\\');
		m = (((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w) | w) & high;
		if (m != 0) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			return p + __builtin_ctzll(m) / 8;
#else
			break;	/* memory order unknown: the bytes one by one */
#endif
		}
		p += 8;
	}
	while (p < end && (unsigned char)*p >= ' ' && (unsigned char)*p < 0x80 && *p != '"' &&
	    *p != '\\')
		p++;
	return p;
}

/* The value of a hexadecimal digit of either case, -1 for any other byte. */
static inline int
ascii_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The places of one byte in a text in memory (line ends mostly), found a
 * block of 64 bytes at a time: a bit per place in the block, so that each
 * costs a bit scan where a memchr(3) call each cost more in the call than
 * in the bytes looked at (header and notice lines run 30-80 bytes: a
 * fifth fewer cycles in the header parse). Each byte is looked at once
 * while the offsets asked for go forward. */
struct ascii_seek {
	const char *p;
	size_t n;
	size_t at;		/* where the block starts */
	size_t none;		/* none from here on */
	uint64_t bits;		/* its places not passed yet, bit k for p[at + k] */
	unsigned char c, fold;	/* the byte, and 0x20 to take either case of a letter */
};

#ifdef __SSE2__
/* The bytes b of b[0..16) with b | fold equal to c, a bit each. */
static inline uint64_t
ascii_seek16(const char *b, __m128i c, __m128i fold)
{
	return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(c, _mm_or_si128(fold,
	    _mm_loadu_si128((const __m128i *)(const void *)b))));
}
#endif

/* e's places in p[at .. at + 64), bounded by p's end. */
static inline uint64_t
ascii_seek_block(const struct ascii_seek *e, size_t at)
{
	const char *p = e->p;
	size_t n = e->n;
	uint64_t m = 0;
#ifdef __SSE2__
	const __m128i cc = _mm_set1_epi8((char)e->c), fold = _mm_set1_epi8((char)e->fold);
	char tail[64];
	const char *b = p + at;

	if (n - at < 64) {
		/* The last bytes: a copy, so that no load passes the end. */
		memset(tail, e->c == 0, sizeof tail);
		memcpy(tail, b, n - at);
		b = tail;
	}
	m = ascii_seek16(b, cc, fold) | ascii_seek16(b + 16, cc, fold) << 16 |
	    ascii_seek16(b + 32, cc, fold) << 32 | ascii_seek16(b + 48, cc, fold) << 48;
#else
	for (size_t k = 0; k < 64 && at + k < n; k++)
		m |= (uint64_t)(((unsigned char)p[at + k] | e->fold) == e->c) << k;
#endif
	return m;
}

/* The offset of the first byte of p[0..n) that is c1 or c2, or n: 16 bytes
 * at a time, the last 16 overlapping those before (a value of a header
 * field, a line: too short for two memchr(3) calls to pay). */
static inline size_t
ascii_find2(const char *p, size_t n, unsigned char c1, unsigned char c2)
{
	size_t i = 0;
#if defined(__SSE2__) && defined(__GNUC__)
	const __m128i a = _mm_set1_epi8((char)c1), b = _mm_set1_epi8((char)c2);

	if (n >= 16) {
		for (;; i += 16) {
			__m128i v;
			unsigned bits;

			if (n - i < 16)
				i = n - 16;	/* the last 16, again in part */
			v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
			bits = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, a),
			    _mm_cmpeq_epi8(v, b)));
			if (bits != 0)
				return i + (size_t)__builtin_ctz(bits);
			if (n - i == 16)
				return n;
		}
	}
#endif
	for (; i < n; i++)
		if ((unsigned char)p[i] == c1 || (unsigned char)p[i] == c2)
			return i;
	return n;
}

/* e set to find byte c in p[0..n); with fold 0x20, a letter c (lower
 * case) in either case. */
static inline void
ascii_seek_start(struct ascii_seek *e, const char *p, size_t n, unsigned char c,
    unsigned char fold)
{
	e->p = p;
	e->n = n;
	e->c = c;
	e->fold = fold;
	e->at = 0;
	e->none = n;
	e->bits = n > 0 ? ascii_seek_block(e, 0) : 0;
}

static inline void
ascii_seek_init(struct ascii_seek *e, const char *p, size_t n, unsigned char c)
{
	ascii_seek_start(e, p, n, c, 0);
}

/* As ascii_seek_init, for c in either case (ASCII). */
static inline void
ascii_seek_init_fold(struct ascii_seek *e, const char *p, size_t n, unsigned char c)
{
	ascii_seek_start(e, p, n, ascii_lower(c), ascii_alpha(c) ? 0x20 : 0);
}

/* The offset of the first c at or after from, or e->n if none. */
static inline size_t
ascii_seek_next(struct ascii_seek *e, size_t from)
{
	if (from >= e->none)
		return e->n;
	if (from < e->at || from - e->at >= 64) {
		/* Outside the block (a jump): a new one from there. */
		e->at = from;
		e->bits = ascii_seek_block(e, from);
	} else {
		e->bits &= ~(uint64_t)0 << (from - e->at);
	}
	while (e->bits == 0) {
		if (e->n - e->at <= 64) {
			e->none = from;	/* not looked for again */
			return e->n;
		}
		e->at += 64;
		e->bits = ascii_seek_block(e, e->at);
	}
#if defined(__GNUC__)
	return e->at + (size_t)__builtin_ctzll(e->bits);
#else
	{
		size_t k = 0;

		while (!(e->bits >> k & 1))
			k++;
		return e->at + k;
	}
#endif
}

#endif
