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
 * ASCII, 0 where none starts. UTF-8 as RFC 3629 has it: at most four bytes,
 * none overlong, no surrogate, nothing past U+10FFFF. */
size_t charset_utf8_len(const unsigned char *s, size_t n);

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
