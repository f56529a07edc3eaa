/* charset: text in the character sets of mail (any that iconv(3) knows)
 * into UTF-8; bytes that do not decode become U+FFFD, never dropped. */
#ifndef BK_CHARSET_H
#define BK_CHARSET_H

#include <stddef.h>

#include "util.h"

/* s[0..n) in charset cs (a MIME charset name, case ignored) appended to out
 * in UTF-8. cs NULL, empty, "us-ascii" or unknown: UTF-8 if s is valid
 * UTF-8, ISO-2022-JP if it holds its escape sequences, Shift_JIS or EUC-JP
 * if it reads as Japanese, KOI8-R or windows-1251 if as Russian, else
 * windows-1252.
 * Safe in threads: each thread has its own conversion descriptors. */
void charset_to_utf8(const char *s, size_t n, const char *cs, struct util_buf *out);

/* The same for cs[0..csn), not NUL-terminated. */
void charset_to_utf8n(const char *s, size_t n, const char *cs, size_t csn,
    struct util_buf *out);

/* The length of the UTF-8 sequence that s[0..n) starts with, n > 0: 1 for
 * ASCII, 0 where none starts. UTF-8 as RFC 3629 has it (its table of
 * well-formed sequences): at most four bytes, none overlong, no surrogate,
 * nothing past U+10FFFF.
 * glibc's iconv(3) (2.36) also passes the five- and six-byte forms of RFC
 * 2279 and four-byte ones past U+10FFFF, which are no UTF-8 and which a
 * JSON reader refuses: this check is the one that decides, for the
 * charset conversions and the JSON readers and writers. Inline: it is
 * called for each non-ASCII character of a text, and a call was most of
 * its cost. */
static inline size_t
charset_utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c < 0xc2 || c > 0xf4)
		return 0;	/* a continuation byte, an overlong lead, past U+10FFFF */
	if (c < 0xe0)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c < 0xf0) {
		/* Not overlong (E0 A0..BF), no surrogate (ED 80..9F). */
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
			return 0;
		return 3;
	}
	/* Not overlong (F0 90..BF), not past U+10FFFF (F4 80..8F). */
	if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80 ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
		return 0;
	return 4;
}

/* Code point c (at most U+10FFFF, no surrogate) in UTF-8 at o, which has
 * room for 4 bytes; its length. */
size_t charset_put_utf8(char *o, unsigned long c);

/* The JSON escape \uXXXX at s[0..n), or the two of a UTF-16 surrogate pair,
 * as code point *cp; its length (6 or 12), 0 where there is none: too short,
 * not four hexadecimal digits, a lone surrogate, or U+0000 (which the
 * NUL-terminated strings decoded here cannot hold). */
size_t charset_json_escape(const char *s, size_t n, unsigned long *cp);

/* Whether s[0..n) is ASCII without escape (ESC) bytes: text that is the
 * same in UTF-8 whatever its charset says (but UTF-7, UTF-16/32, EBCDIC). */
int charset_is_plain(const char *s, size_t n);

/* Frees the calling thread's conversion descriptors. */
void charset_thread_end(void);

#endif
