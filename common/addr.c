/* addr: recipient addresses, normalised (local part as given, domain lower-cased). */
#include "addr.h"

#include <string.h>
#include <strings.h>

/* What a byte can be in an address (outside a quoted local part). The
 * programs keep the C locale, so the ASCII tables of <ctype.h> and these
 * agree; one load per byte instead of a chain of tests. */
enum {
	ADDR_WORD,	/* anywhere: letters, digits, '-', '_', "[]:" and UTF-8 */
	ADDR_DOT,	/* anywhere, but never two in a row in a domain */
	ADDR_LOCAL,	/* in a local part only: the rest of the punctuation */
	ADDR_AT,	/* from here on, the bytes that need a look in a local part */
	ADDR_QUOTE,	/* opens or closes a quoted local part */
	ADDR_BAD	/* controls, space, DEL and "<>,;": not an address */
};

static const unsigned char addr_kind[256] = {
	ADDR_BAD, ADDR_BAD, ADDR_BAD, ADDR_BAD, ADDR_BAD, ADDR_BAD, ADDR_BAD, ADDR_BAD,
	ADDR_BAD, ADDR_BAD, ADDR_BAD, ADDR_BAD, ADDR_BAD, ADDR_BAD, ADDR_BAD, ADDR_BAD,
	ADDR_BAD, ADDR_BAD, ADDR_BAD, ADDR_BAD, ADDR_BAD, ADDR_BAD, ADDR_BAD, ADDR_BAD,
	ADDR_BAD, ADDR_BAD, ADDR_BAD, ADDR_BAD, ADDR_BAD, ADDR_BAD, ADDR_BAD, ADDR_BAD,
	[' '] = ADDR_BAD,
	['!'] = ADDR_LOCAL,
	['"'] = ADDR_QUOTE,
	['#'] = ADDR_LOCAL,
	['$'] = ADDR_LOCAL,
	['%'] = ADDR_LOCAL,
	['&'] = ADDR_LOCAL,
	['\''] = ADDR_LOCAL,
	['('] = ADDR_LOCAL,
	[')'] = ADDR_LOCAL,
	['*'] = ADDR_LOCAL,
	['+'] = ADDR_LOCAL,
	[','] = ADDR_BAD,
	['.'] = ADDR_DOT,
	['/'] = ADDR_LOCAL,
	[';'] = ADDR_BAD,
	['<'] = ADDR_BAD,
	['='] = ADDR_LOCAL,
	['>'] = ADDR_BAD,
	['?'] = ADDR_LOCAL,
	['@'] = ADDR_AT,
	['\\'] = ADDR_LOCAL,
	['^'] = ADDR_LOCAL,
	['`'] = ADDR_LOCAL,
	['{'] = ADDR_LOCAL,
	['|'] = ADDR_LOCAL,
	['}'] = ADDR_LOCAL,
	['~'] = ADDR_LOCAL,
	[0x7f] = ADDR_BAD,
};

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
addr_is_domain(const char *s, size_t n)
{
	if (n == 0 || n > 255 || s[0] == '.' || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		/* Letters, digits, '-', '.', '_' and UTF-8 (internationalised names); an
		 * address literal "[192.0.2.1]" too. */
		unsigned char kind = addr_kind[(unsigned char)s[i]];

		if (kind == ADDR_WORD)
			continue;
		if (kind != ADDR_DOT || (i + 1 < n && s[i + 1] == '.'))
			return 0;
	}
	return 1;
}

int
addr_normalize(const char *s, size_t n, int fold_local, char *out)
{
	size_t at, i, dom;

	while (n > 0 && is_space(*s))
		s++, n--;
	while (n > 0 && is_space(s[n - 1]))
		n--;
	/* "rfc822; user@example.com" as in DSN fields */
	if (n > 7 && (*s == 'r' || *s == 'R') && strncasecmp(s, "rfc822;", 7) == 0) {
		s += 7, n -= 7;
		while (n > 0 && is_space(*s))
			s++, n--;
	}
	/* n >= 2: a lone quote is its own closing quote, and n would wrap. */
	while (n >= 2 && (*s == '<' || *s == '"' || *s == '\'') && s[n - 1] == (*s == '<' ? '>' : *s))
		s++, n -= 2;
	if (n > 0 && *s == '<')
		s++, n--;
	if (n > 0 && s[n - 1] == '>')
		n--;
	while (n > 0 && is_space(*s))
		s++, n--;
	/* An RFC 5321 source route ("@relay1,@relay2:user@domain") is obsolete
	 * routing, not part of the address; left in, its '@' would make a
	 * "local part" that no other reader accepts. */
	while (n > 0 && *s == '@') {
		const char *colon = memchr(s, ':', n);

		if (colon == NULL)
			break;
		n -= (size_t)(colon + 1 - s);
		s = colon + 1;
	}
	while (n > 0 && (is_space(s[n - 1]) || s[n - 1] == '.'))
		n--;
	if (n == 0 || n >= ADDR_MAX)
		return -1;
	/* The last '@' outside quotes ends the local part. */
	at = n;
	for (i = 0; i < n; i++) {
		unsigned char kind = addr_kind[(unsigned char)s[i]];

		if (kind < ADDR_AT)
			continue;
		switch (kind) {
		case ADDR_AT:
			at = i;
			break;
		case ADDR_QUOTE:
			/* Quoted: anything but controls and DEL, '@' too. An
			 * unclosed quote runs to the end. */
			while (++i < n && s[i] != '"')
				if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
					return -1;
			break;
		case ADDR_BAD:
			return -1;
		default:
			break;
		}
	}
	if (at == n || at == 0 || at + 1 >= n)
		return -1;
	dom = at + 1;
	if (!addr_is_domain(s + dom, n - dom))
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	/* ASCII only: the C locale's tolower() */
	for (i = fold_local ? 0 : dom; i < n; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
	return (int)dom;
}

const char *
addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at && at[1] ? at + 1 : NULL;
}
