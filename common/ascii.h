/* ascii: character classes and case of the C locale, which these programs
 * never leave, without a library call per byte. */
#ifndef BK_ASCII_H
#define BK_ASCII_H

/* A-Z to a-z, as tolower(3). */
static inline unsigned char
ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
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
