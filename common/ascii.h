/* ascii: character classes and case of the C locale, which these programs
 * never leave, without a library call per byte. */
#ifndef BK_ASCII_H
#define BK_ASCII_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

#endif
