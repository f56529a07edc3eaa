/* nonstd: the recipients of a bounce without an RFC 3464 report, each with
 * its reply text, from the lines of its notice.
 *
 * Non-standard bounces name each failed recipient on a line of its own, in
 * one of a few shapes, with the server's reply on the lines that follow:
 *
 *   <user@example.org>:                       qmail, Yahoo, ...
 *     user@example.org                        Exim, Gmail, Mail.ru, ...
 *   "user@example.org":                       GMX
 *   user@example.org on Thu, 29 Apr 2010 ...  Exchange 2003
 *   Recipient: <user@example.org>             ezweb, Notes, ...
 *   >>> RCPT TO:<user@example.org>            SMTP transcripts
 *   <user@example.org>... User unknown        Sendmail
 *   user@example.org: 550 ...                 inline replies
 *
 * The text is scanned once, line by line, up to the copy of the original
 * message; each recipient line ("anchor") takes the lines up to the next one
 * as its reply text. */
/* memmem(3): glibc declares it for _GNU_SOURCE; the BSDs always. */
#define _GNU_SOURCE
#include "nonstd.h"
#include "util.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DIAG_LINES 10

/* tolower(3) of the C locale, without a call per byte. */
#define FOLD(c) ((unsigned char)(c) + ((unsigned)((unsigned char)(c) - 'A') < 26u ? 32 : 0))

#define DIAG_MAX 2000

/* Byte classes, from the ctype(3) of the C locale. */
enum {
	CL_LOCAL = 1 << 0,	/* local part of an address */
	CL_DOMAIN = 1 << 1,	/* domain of an address */
	CL_SPACE = 1 << 2,	/* isspace(3) */
};

/* Built once (pthread_once), read only after. */
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
static unsigned char byte_class[256];

static void
tables_init(void)
{
	for (unsigned c = 0; c < 256; c++) {
		unsigned char k = 0;

		/* strchr(3) finds the NUL too: NUL is a local part byte. */
		if (isalnum(c) || strchr("!#$%&'*+/=?^_`{|}~.-", (int)c) != NULL || c >= 0x80)
			k |= CL_LOCAL;
		if (isalnum(c) || c == '.' || c == '-' || c == '_')
			k |= CL_DOMAIN;
		if (isspace(c))
			k |= CL_SPACE;
		byte_class[c] = k;
	}
}


static int
local_char(unsigned char c)
{
	return byte_class[c] & CL_LOCAL;
}

static int
domain_char(unsigned char c)
{
	return byte_class[c] & CL_DOMAIN;
}

/* An address starting exactly at p (n bytes left); returns its length, 0 if none. */
static size_t
addr_at(const char *p, size_t n)
{
	size_t i = 0, at, dots = 0;

	while (i < n && local_char((unsigned char)p[i]))
		i++;
	if (i == 0 || i >= n || p[i] != '@')
		return 0;
	at = i++;
	while (i < n && domain_char((unsigned char)p[i])) {
		if (p[i] == '.')
			dots++;
		i++;
	}
	while (i > at + 1 && p[i - 1] == '.') {
		i--;
		dots--;
	}
	/* "user@[192.0.2.1]" is rare in bounces; a domain needs a dot. */
	if (i == at + 1 || dots == 0)
		return 0;
	return i;
}

/* The first address in p[0..n): offset in *off, length returned (0 if none). */
static size_t
find_addr(const char *p, size_t n, size_t *off)
{
	const char *at = p;
	size_t left = n;

	while ((at = memchr(at, '@', left)) != NULL) {
		const char *s = at;
		size_t len;

		while (s > p && local_char((unsigned char)s[-1]))
			s--;
		if ((len = addr_at(s, n - (size_t)(s - p))) > 0) {
			*off = (size_t)(s - p);
			return len;
		}
		at++;
		left = n - (size_t)(at - p);
	}
	return 0;
}

struct anchor {
	size_t line;		/* index of its line */
	const char *addr;
	size_t addrlen;
	const char *rest;	/* reply text on the same line */
	size_t restlen;
};

struct line {
	const char *p;
	size_t n;
	int indent;
	int has_at;		/* holds an '@', as an address does */
};

/* Skips white space and transcript arrows. */
static void
trim(const char **p, size_t *n)
{
	while (*n > 0 && (byte_class[(unsigned char)**p] & CL_SPACE)) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && (byte_class[(unsigned char)(*p)[*n - 1]] & CL_SPACE))
		(*n)--;
}

/* A label before the address that says it is the recipient. */
static size_t
recipient_label(const char *p, size_t n)
{
	static const char *const words[] = { "recipient", "rcpt to", "rcpt", "envelope-to",
		"final-recipient", "original-recipient", "failed address", "addressee",
		"unknown user", "invalid user", "bad address", "failed to", "undeliverable to",
		"delivery to", "delivering to", "delivery failed", "mailbox", "user" };
	size_t i = 0;

	while (i < n && i < 80 && p[i] != ':' && p[i] != '@')
		i++;
	char low[81];
	unsigned long letters = 0;
	static _Thread_local unsigned long need[sizeof words / sizeof words[0]];
	static _Thread_local int ready;

	if (!ready) {
		for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
			for (const char *w = words[k]; *w; w++)
				if (*w >= 'a' && *w <= 'z')
					need[k] |= 1ul << (*w - 'a');
		ready = 1;
	}

	if (i >= n || p[i] != ':' || i == 0)
		return 0;
	/* One lower-case copy of the label, then the C library's search for
	 * the words whose letters all occur in it. */
	for (size_t k = 0; k < i; k++) {
		low[k] = (char)FOLD(p[k]);
		if (low[k] >= 'a' && low[k] <= 'z')
			letters |= 1ul << (low[k] - 'a');
	}
	for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
		if ((need[k] & letters) == need[k] && memmem(low, i, words[k], strlen(words[k])))
			return i + 1;
	return 0;
}

/* Whether text holds an SMTP reply code or an enhanced status code. */
static int
has_code(const char *p, size_t n)
{
	for (size_t i = 0; i + 3 <= n; i++) {
		if (p[i] < '2' || p[i] > '5' || (i > 0 && isalnum((unsigned char)p[i - 1])))
			continue;
		if (isdigit((unsigned char)p[i + 1]) && isdigit((unsigned char)p[i + 2]) &&
		    (i + 3 == n || !isalnum((unsigned char)p[i + 3])))
			return 1;
		if (p[i + 1] == '.' && isdigit((unsigned char)p[i + 2]))
			return 1;
	}
	return 0;
}

/* A sentence that names the recipient in angle brackets: "There was an error
 * delivering your mail to <user@example.org>." Not after "from". */
static int
sentence_anchor(const char *p, size_t n, struct anchor *a)
{
	for (size_t i = 0; i + 1 < n; i++) {
		size_t len, k;

		if (p[i] != '<' || (len = addr_at(p + i + 1, n - i - 1)) == 0 ||
		    i + 1 + len >= n || p[i + 1 + len] != '>')
			continue;
		k = i > 12 ? i - 12 : 0;
		if (util_memcasemem(p + k, i - k, "from") || util_memcasemem(p + k, i - k, "sender"))
			continue;
		a->addr = p + i + 1;
		a->addrlen = len;
		/* The sentence itself says what happened. */
		a->rest = p;
		a->restlen = n;
		return 1;
	}
	/* "Your message wasn't delivered to user@example.org because ..." */
	for (size_t i = 3; i < n; i++) {
		size_t len;

		if (p[i] == '@' || p[i - 1] != ' ' || FOLD(p[i - 2]) != 'o' || FOLD(p[i - 3]) != 't' ||
		    (i > 3 && isalnum((unsigned char)p[i - 4])))
			continue;
		if ((len = addr_at(p + i, n - i)) == 0)
			continue;
		a->addr = p + i;
		a->addrlen = len;
		a->rest = p + i + len;
		a->restlen = n - i - len;
		return 1;
	}
	return 0;
}

/* Whether line p[0..n) names a recipient; fills a. */
static int
anchor_of(const char *p, size_t n, struct anchor *a)
{
	size_t lab, len, i = 0, j;
	int labelled = 0, quoted = 0;

	trim(&p, &n);
	while (n > 0 && (*p == '>' || *p == '*' || *p == '-' || *p == '#')) {
		p++;
		n--;
	}
	trim(&p, &n);
	/* Sendmail's transcript: "554 <user@example.org>... 550 Host unknown". */
	if (n > 4 && p[0] >= '4' && p[0] <= '5' && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && (p[3] == ' ' || p[3] == '-')) {
		p += 4;
		n -= 4;
		trim(&p, &n);
	}
	if (n == 0)
		return 0;
	if ((lab = recipient_label(p, n)) > 0) {
		p += lab;
		n -= lab;
		trim(&p, &n);
		if (n >= 7 && strncasecmp(p, "rfc822;", 7) == 0) {
			p += 7;
			n -= 7;
			trim(&p, &n);
		}
		labelled = 1;
	}
	while (i < n && (p[i] == '<' || p[i] == '"' || p[i] == '\'' || p[i] == '(' ||
	    p[i] == '[')) {
		quoted = 1;
		i++;
	}
	if ((len = addr_at(p + i, n - i)) == 0)
		return 0;
	a->addr = p + i;
	a->addrlen = len;
	j = i + len;
	while (j < n && (p[j] == '>' || p[j] == '"' || p[j] == '\'' || p[j] == ')' ||
	    p[j] == ']'))
		j++;
	a->rest = p + j;
	a->restlen = n - j;
	if (a->restlen == 0 || labelled)
		goto ok;
	/* What may follow the address on a recipient line. */
	if (*a->rest == ':' || *a->rest == ',' || *a->rest == ';')
		goto ok;
	if ((a->restlen >= 3 && memcmp(a->rest, "...", 3) == 0) ||
	    (a->restlen >= 4 && memcmp(a->rest, " ...", 4) == 0))
		goto ok;
	if (a->restlen >= 4 && strncasecmp(a->rest, " on ", 4) == 0) {
		a->restlen = 0;	/* Exchange: the date of the attempt */
		goto ok;
	}
	if (a->restlen >= 2 && a->rest[0] == ' ' && (a->rest[1] == '(' || a->rest[1] == '<' ||
	    a->rest[1] == '['))
		goto ok;
	if (quoted && a->restlen >= 2 && a->rest[0] == ' ' && isdigit((unsigned char)a->rest[1]))
		goto ok;
	/* "user@example.org Invalid Address, ERROR_CODE :550": a reply code follows. */
	if (i == 0 && has_code(a->rest, a->restlen))
		goto ok;
	return 0;
ok:
	while (a->restlen > 0 && (*a->rest == ':' || *a->rest == ',' || *a->rest == ';' ||
	    *a->rest == '.' || *a->rest == ' ')) {
		a->rest++;
		a->restlen--;
	}
	return 1;
}

/* A lone local part ("  kijitora") right after a line ending in ':' (Exim). */
static int
bare_local_anchor(const struct line *l, const struct line *prev, struct anchor *a)
{
	const char *p = l->p;
	size_t n = l->n, i = 0;

	if (prev == NULL || prev->n == 0 || prev->p[prev->n - 1] != ':' || l->indent == 0)
		return 0;
	trim(&p, &n);
	while (i < n && (isalnum((unsigned char)p[i]) || strchr("._+-", p[i])))
		i++;
	if (i == 0 || i != n || i > 64)
		return 0;
	a->addr = p;
	a->addrlen = n;
	a->rest = p + n;
	a->restlen = 0;
	return 1;
}

static int
is_separator(const char *p, size_t n)
{
	size_t k = 0;

	trim(&p, &n);
	if (n < 5)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] == '*' || p[i] == '=' || p[i] == '-' || p[i] == '_' || p[i] == '#')
			k++;
	return k * 10 >= n * 6;
}


static int
same_addr(const char *a, size_t an, const char *b, size_t bn)
{
	return an == bn && strncasecmp(a, b, an) == 0;
}

static void scan_notice(const char *text, size_t end, nonstd_fn fn, void *arg);

size_t
nonstd_scan(const char *text, size_t n, nonstd_fn fn, void *arg)
{
	size_t end = nonstd_original_start(text, n);

	scan_notice(text, end, fn, arg);
	return end;
}

void
nonstd_scan_notice(const char *text, size_t n, nonstd_fn fn, void *arg)
{
	scan_notice(text, n, fn, arg);
}

static void
scan_notice(const char *text, size_t end, nonstd_fn fn, void *arg)
{
	size_t nl = 0, cap = 0, na = 0, acap = 0;
	struct line *lines = NULL;
	struct anchor *an = NULL;
	struct util_buf diag = {0}, addr = {0};
	int delayed = -1;	/* says_delayed, once a recipient is found */
	const char *at = end > 0 ? memchr(text, '@', end) : NULL;

	pthread_once(&tables_once, tables_init);
	/* Split into lines, noting those with an '@' (the next one: at). */
	for (size_t pos = 0; pos < end;) {
		const char *e = memchr(text + pos, '\n', end - pos);
		size_t le = e ? (size_t)(e - text) : end;

		if (nl == cap) {
			cap = cap ? cap * 2 : 128;
			lines = util_xreallocarray(lines, cap, sizeof *lines);
		}
		lines[nl].p = text + pos;
		lines[nl].n = le - pos;
		lines[nl].indent = pos < le && (text[pos] == ' ' || text[pos] == '\t');
		if (at != NULL && at < text + pos)
			at = memchr(text + pos, '@', end - pos);
		lines[nl].has_at = at != NULL && at < text + le;
		nl++;
		pos = le + 1;
	}
	/* Find the recipient lines. */
	for (size_t i = 0, prev = (size_t)-1; i < nl; i++) {
		struct anchor a;

		if (lines[i].n == 0 || (lines[i].n == 1 && lines[i].p[0] == '\r'))
			continue;
		/* An address needs an '@'. */
		if ((lines[i].has_at && anchor_of(lines[i].p, lines[i].n, &a)) ||
		    bare_local_anchor(&lines[i], prev == (size_t)-1 ? NULL : &lines[prev], &a)) {
			a.line = i;
			/* The same recipient again (a transcript after its label). */
			if (na > 0 && same_addr(an[na - 1].addr, an[na - 1].addrlen, a.addr,
			    a.addrlen) && i - an[na - 1].line <= 3) {
				prev = i;
				continue;
			}
			if (na == acap) {
				acap = acap ? acap * 2 : 16;
				an = util_xreallocarray(an, acap, sizeof *an);
			}
			an[na++] = a;
		}
		prev = i;
	}
	/* No recipient lines: a sentence may name the recipient. */
	for (size_t i = 0; na == 0 && i < nl; i++) {
		struct anchor a;

		if (lines[i].has_at && lines[i].n < 1000 &&
		    sentence_anchor(lines[i].p, lines[i].n, &a)) {
			a.line = i;
			an = util_xreallocarray(an, 1, sizeof *an);
			acap = 1;
			an[na++] = a;
		}
	}
	for (size_t k = 0; k < na; k++) {
		size_t stop = k + 1 < na ? an[k + 1].line : nl, taken = 0;
		struct nonstd_hit h;

		util_buf_reset(&diag);
		/* A transcript line ">>> RCPT TO:<...>" tells the command answered. */
		if (util_memcasemem(lines[an[k].line].p, lines[an[k].line].n, "rcpt to")) {
			const char *p = lines[an[k].line].p;
			size_t len = lines[an[k].line].n;

			trim(&p, &len);
			util_buf_add(&diag, p, len);
			util_buf_addc(&diag, ' ');
		}
		if (an[k].restlen)
			util_buf_add(&diag, an[k].rest, an[k].restlen < DIAG_MAX ? an[k].restlen :
			    DIAG_MAX);
		for (size_t i = an[k].line + 1; i < stop && taken < DIAG_LINES &&
		    diag.len < DIAG_MAX; i++) {
			const char *p = lines[i].p;
			size_t len = lines[i].n;

			trim(&p, &len);
			if (len == 0)
				continue;
			if (is_separator(p, len)) {
				if (diag.len == 0)
					continue;
				break;
			}
			if (diag.len)
				util_buf_addc(&diag, ' ');
			util_buf_add(&diag, p, len);
			taken++;
		}
		/* Nothing after it: the reason was given before the list. */
		if (diag.len == 0) {
			size_t first = an[k].line, i;

			/* Up to three lines of the paragraph(s) before, in order. */
			for (i = an[k].line; i > 0 && an[k].line - i < 6 && (k == 0 ||
			    i - 1 > an[k - 1].line); i--) {
				const char *p = lines[i - 1].p;
				size_t len = lines[i - 1].n;

				trim(&p, &len);
				if (is_separator(p, len))
					break;
				if (len > 0)
					first = i - 1;
			}
			for (i = first; i < an[k].line && diag.len < DIAG_MAX; i++) {
				const char *p = lines[i].p;
				size_t len = lines[i].n;

				trim(&p, &len);
				if (len == 0)
					continue;
				if (diag.len)
					util_buf_addc(&diag, ' ');
				util_buf_add(&diag, p, len);
			}
		}
		util_buf_str(&diag);
		h.addr = an[k].addr;
		h.addrlen = an[k].addrlen;
		if (memchr(h.addr, '@', h.addrlen) == NULL) {
			/* A lone local part: the full address is in the reply text. */
			size_t off, len = find_addr(diag.p, diag.len, &off);

			if (len == 0 || len <= h.addrlen || strncasecmp(diag.p + off, h.addr,
			    h.addrlen) != 0 || diag.p[off + h.addrlen] != '@')
				continue;
			util_buf_reset(&addr);
			util_buf_add(&addr, diag.p + off, len);
			h.addr = util_buf_str(&addr);
			h.addrlen = len;
		}
		/* One report per recipient: notices in two languages repeat them. */
		{
			size_t d;

			for (d = k > 16 ? k - 16 : 0; d < k; d++)
				if (same_addr(an[d].addr, an[d].addrlen, h.addr, h.addrlen))
					break;
			if (d < k)
				continue;
		}
		h.diag = diag.p;
		if (delayed == -1)
			delayed = nonstd_says_delayed(text, end);
		h.delayed = delayed;
		fn(arg, &h);
	}
	free(lines);
	free(an);
	util_buf_free(&diag);
	util_buf_free(&addr);
}
