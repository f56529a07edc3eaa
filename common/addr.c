#include "addr.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

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
		unsigned char c = (unsigned char)s[i];

		/* Letters, digits, '-', '.', '_' and UTF-8 (internationalised names); an
		 * address literal "[192.0.2.1]" too. */
		if (!(isalnum(c) || c == '-' || c == '.' || c == '_' || c >= 0x80 ||
		    c == '[' || c == ']' || c == ':'))
			return 0;
		if (c == '.' && i + 1 < n && s[i + 1] == '.')
			return 0;
	}
	return 1;
}

int
addr_normalize(const char *s, size_t n, int fold_local, char *out)
{
	size_t at, i, len, dom;
	int inquote = 0;

	while (n > 0 && is_space(*s))
		s++, n--;
	while (n > 0 && is_space(s[n - 1]))
		n--;
	/* "rfc822; user@example.com" as in DSN fields */
	if (n > 7 && strncasecmp(s, "rfc822;", 7) == 0) {
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
	at = n;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"')
			inquote = !inquote;
		else if (c == '@' && !inquote)
			at = i;
		else if (!inquote && (c < 0x21 || c == 0x7f || c == '<' || c == '>' || c == ',' ||
		    c == ';'))
			return -1;
		else if (inquote && (c < 0x20 || c == 0x7f))
			return -1;
	}
	if (at == n || at == 0 || at + 1 >= n)
		return -1;
	if (!addr_is_domain(s + at + 1, n - at - 1))
		return -1;
	len = n;
	memcpy(out, s, len);
	out[len] = '\0';
	dom = at + 1;
	for (i = fold_local ? 0 : dom; i < len; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	return (int)dom;
}

const char *
addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at && at[1] ? at + 1 : NULL;
}
