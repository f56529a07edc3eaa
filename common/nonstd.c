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
 *   Name (user@example.org)                   Exchange 2013 and later
 *
 * The text is scanned once, line by line, up to the copy of the original
 * message; each recipient line ("anchor") takes the lines up to the next one
 * as its reply text. The shapes other than an address at the start of the
 * line are in nonstd_named.c. */
/* memmem(3): glibc declares it for _GNU_SOURCE; the BSDs always. */
#define _GNU_SOURCE
#include "nonstd.h"
#include "nonstd_int.h"
#include "phraseset.h"
#include "reason.h"
#include "ascii.h"
#include "util.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* An anchor that names the same recipient as the next one. */
#define NONSTD_DROP 0x100u

/* Byte classes, from the ctype(3) of the C locale. */
enum {
	CL_LOCAL = 1 << 0,	/* local part of an address */
	CL_DOMAIN = 1 << 1,	/* domain of an address */
};

/* Built once (pthread_once), read only after. */
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
static unsigned char byte_class[256];

static void
tables_init(void)
{
	for (unsigned c = 0; c < 256; c++) {
		unsigned char k = 0;

		if (isalnum(c) || ascii_in_set("!#$%&'*+/=?^_`{|}~.-", (unsigned char)c) || c >= 0x80)
			k |= CL_LOCAL;
		if (isalnum(c) || c == '.' || c == '-' || c == '_')
			k |= CL_DOMAIN;
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
size_t
nonstd_addr_at(const char *p, size_t n)
{
	size_t i = 0, at, dots = 0;

	if (n > 0 && p[0] == '"') {
		/* A quoted local part (RFC 5321 4.1.2): "john..doe"@example.org. */
		for (i = 1; i < n && i <= 64 && p[i] != '"' && p[i] != '\n'; i++)
			if (p[i] == '\\' && i + 1 < n)
				i++;
		if (i >= n || i > 64 || p[i] != '"' || i == 1)
			return 0;
		i++;
	}
	while (i < n && local_char((unsigned char)p[i]))
		i++;
	if (i == 0 || i >= n || p[i] != '@')
		return 0;
	at = i++;
	for (;;) {
		if (i < n && domain_char((unsigned char)p[i])) {
			dots += p[i] == '.';
			i++;
		} else if (i + 1 < n && (unsigned char)p[i] >= 0xc3 &&
		    (unsigned char)p[i] <= 0xdf && ((unsigned char)p[i + 1] & 0xc0) == 0x80) {
			/* A letter of an internationalized domain (RFC 6531
			 * SMTPUTF8) in a two-byte UTF-8 sequence: Latin,
			 * Greek, Cyrillic ("a@bücher.example"). Not U+0080 to
			 * U+00BF (spaces and marks such as "»") nor the
			 * three-byte punctuation of CJK text that may follow an
			 * address without a space. */
			i += 2;
		} else
			break;
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
		if (s == at && s > p && s[-1] == '"') {
			/* A quoted local part: back to its opening quote. */
			const char *q = s - 1;

			while (q > p && s - q <= 64 && q[-1] != '"')
				q--;
			if (q > p && q[-1] == '"')
				s = q - 1;
		}
		if ((len = nonstd_addr_at(s, n - (size_t)(s - p))) > 0) {
			*off = (size_t)(s - p);
			return len;
		}
		at++;
		left = n - (size_t)(at - p);
	}
	return 0;
}

/* Whether a label (lower case, low[0..n)) names someone else than a
 * recipient: "Sender address:", "Reply-To:", "Your address:", "Contact
 * address:", "List owner address:". */
static int
others_label(const char *low, size_t n)
{
	static const char *const others[] = { "sender", "from", "reply", "return", "your ",
		"contact", "postmaster", "owner", "admin", "help", "support", "abuse" };
	static struct phraseset set = PHRASESET(others, 0);

	return phraseset_any(&set, low, n);
}

/* A label before the address that says it is the recipient: its length
 * with the colon (':', or the fullwidth one of CJK text), 0 if none. Labels
 * in English must hold one of words; one with letters of other scripts (a
 * byte above 0x7f) is taken as such, and *weak is set: it may also name the
 * sender, which the caller checks. */
static size_t
recipient_label(const char *p, size_t n, int *weak)
{
	static const char *const words[] = { "recipient", "rcpt to", "rcpt", "envelope-to",
		"final-recipient", "original-recipient", "failed address", "addressee",
		"unknown user", "invalid user", "bad address", "failed to", "undeliverable to",
		"delivery to", "delivering to", "delivery failed", "mailbox", "user",
		/* the same in other words: "Invalid receiver address:" */
		"receiver",
		/* what failed, said of the address: "Invalid address:",
		 * "Unknown address:", "Failed:", "Undeliverable:", "E-mail
		 * address:" (unless others' words say whose: below) */
		"email address", "e-mail address", "invalid", "unknown", "undeliverable", "failed",
		"nonexistent",
		/* and in the languages of localized notices, in Latin script
		 * (German Empfänger, French destinataire, Spanish, Italian and
		 * Portuguese destinatario/destinatário, Dutch ontvanger,
		 * Swedish mottagare, Danish modtager, Polish odbiorca) */
		"empf\xc3\xa4nger", "empfaenger", "destinat", "ontvanger", "mottagare", "modtager", "odbiorca" };
	static struct phraseset set = PHRASESET(words, 0);
	size_t i = 0, colon = 0;
	int high = 0;
	char low[81];

	*weak = 0;
	while (i < n && i < 80 && p[i] != ':' && p[i] != '@') {
		if (p[i] == '\xef' && i + 2 < n && memcmp(p + i, "\xef\xbc\x9a", 3) == 0) {
			colon = 3;	/* U+FF1A FULLWIDTH COLON */
			break;
		}
		high |= (unsigned char)p[i] >= 0x80;
		i++;
	}
	if (colon == 0 && i < n && p[i] == ':')
		colon = 1;
	if (colon == 0 || i == 0)
		return 0;
	ascii_lower_copy(low, p, i);
	/* "Your message to:" (Barracuda's notice) names the recipient though
	 * it says "your": the message's, not the sender's address. */
	if ((memmem(low, i, "message to", 10) != NULL || memmem(low, i, "mail to", 7) != NULL) &&
	    i >= 7 && memcmp(low + i - 2, "to", 2) == 0 &&
	    memmem(low, i, "reply", 5) == NULL && memmem(low, i, "contact", 7) == NULL)
		return i + colon;
	if (phraseset_any(&set, low, i))
		return others_label(low, i) ? 0 : i + colon;
	if (high) {
		size_t letters_ascii = 0;

		/* In another script, and short: "宛先:", "Адрес получателя:". A
		 * line that mixes in English ("MAIL FROM:", "Message-ID:") is not
		 * one of these. */
		for (size_t k = 0; k < i; k++)
			letters_ascii += isalpha((unsigned char)p[k]) != 0;
		if (letters_ascii > 6 || i > 48)
			return 0;
		*weak = 1;
		return i + colon;
	}
	return 0;
}

/* The length of a bracket or quote of CJK text at p[0..n) that opens
 * (open set) or closes an address: fullwidth "＜＞" and "（）", and the
 * corner brackets "「」" and "『』"; 0 if none. */
static size_t
cjk_bracket(const char *p, size_t n, int open)
{
	static const char *const opens[] = { "\xef\xbc\x9c", "\xef\xbc\x88", "\xe3\x80\x8c",
		"\xe3\x80\x8e" };
	static const char *const closes[] = { "\xef\xbc\x9e", "\xef\xbc\x89", "\xe3\x80\x8d",
		"\xe3\x80\x8f" };
	const char *const *set = open ? opens : closes;

	if (n < 3 || (unsigned char)p[0] < 0xe0)
		return 0;
	for (size_t k = 0; k < 4; k++)
		if (memcmp(p, set[k], 3) == 0)
			return 3;
	return 0;
}

/* The next address of a list p[0..n) of them ("<a@b>, c@d; <e@f>"), from *i
 * on: its offset in *off and its length, 0 at the list's end or where
 * anything else than an address, its angle brackets and the separators
 * (white space, ',' and ';') comes. */
static size_t
list_next(const char *p, size_t n, size_t *i, size_t *off)
{
	size_t len;

	while (*i < n && (p[*i] == ' ' || p[*i] == '\t' || p[*i] == ',' || p[*i] == ';'))
		(*i)++;
	if (*i < n && p[*i] == '<')
		(*i)++;
	if (*i >= n || (len = nonstd_addr_at(p + *i, n - *i)) == 0)
		return 0;
	*off = *i;
	*i += len;
	if (*i < n && p[*i] == '>')
		(*i)++;
	return len;
}

/* Whether p[0..n) is a list of addresses and nothing else. */
static int
is_addr_list(const char *p, size_t n)
{
	size_t i = 0, off;

	while (list_next(p, n, &i, &off) > 0)
		;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == ',' || p[i] == ';'))
		i++;
	return i == n && n > 0;
}

/* Whether line p[0..n) names a recipient; fills a. */
static int
anchor_of(const char *p, size_t n, struct anchor *a)
{
	size_t lab, len, i = 0, j;
	int labelled = 0, quoted = 0, weak, coded = 0;
	char sep;

	a->label = NULL;
	a->labellen = 0;
	a->list = NULL;
	a->listlen = 0;
	a->kind = 0;
	a->code = NULL;
	nonstd_trim(&p, &n);
	while (n > 0 && (*p == '>' || *p == '*' || *p == '-' || *p == '#' ||
	    (n >= 3 && memcmp(p, "\xe2\x80\xa2", 3) == 0))) {
		/* U+2022 BULLET: a list item as HTML-to-text converters write it */
		if ((unsigned char)*p == 0xe2) {
			p += 2;
			n -= 2;
		}
		p++;
		n--;
	}
	nonstd_trim(&p, &n);
	/* Sendmail's transcript: "554 <user@example.org>... 550 Host unknown". */
	if (n > 4 && p[0] >= '4' && p[0] <= '5' && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && (p[3] == ' ' || p[3] == '-')) {
		a->code = p;
		p += 4;
		n -= 4;
		nonstd_trim(&p, &n);
		coded = 1;
	}
	if (n == 0)
		return 0;
	if ((lab = recipient_label(p, n, &weak)) > 0) {
		a->label = p;
		a->labellen = lab - (p[lab - 1] == ':' ? 1 : 3);
		a->kind = weak ? NONSTD_WEAK : 0;
		p += lab;
		n -= lab;
		nonstd_trim(&p, &n);
		if (n >= 7 && strncasecmp(p, "rfc822;", 7) == 0) {
			p += 7;
			n -= 7;
			nonstd_trim(&p, &n);
		}
		labelled = 1;
	}
	/* A link's target as text of its own, as converters of HTML to text
	 * write it: "mailto:a@b". */
	if (n >= 8 && strncasecmp(p, "mailto:", 7) == 0)
		i = 7;
	for (size_t b; i < n; i += b) {
		if (p[i] == '"' && nonstd_addr_at(p + i, n - i) > 0)
			break;	/* a quoted local part, not a quoted address */
		if (p[i] == '<' || p[i] == '"' || p[i] == '\'' || p[i] == '(' || p[i] == '[')
			b = 1;
		else if ((b = cjk_bracket(p + i, n - i, 1)) == 0)
			break;
		quoted = 1;
	}
	if ((len = nonstd_addr_at(p + i, n - i)) == 0)
		return !labelled && !coded && (nonstd_named_anchor(p, n, a) ||
		    nonstd_dda_anchor(p, n, a));
	a->addr = p + i;
	a->addrlen = len;
	j = i + len;
	for (size_t b; j < n; j += b) {
		if (p[j] == '>' || p[j] == '"' || p[j] == '\'' || p[j] == ')' || p[j] == ']')
			b = 1;
		else if ((b = cjk_bracket(p + j, n - j, 0)) == 0)
			break;
	}
	a->rest = p + j;
	a->restlen = n - j;
	/* After a label in another language, only the address. */
	if ((a->kind & NONSTD_WEAK) && a->restlen > 1)
		return 0;
	if (a->restlen == 0 || labelled)
		goto ok;
	/* What may follow the address on a recipient line. */
	if (*a->rest == ':' || *a->rest == ',' || *a->rest == ';')
		goto ok;
	if ((a->restlen >= 3 && memcmp(a->rest, "...", 3) == 0) ||
	    (a->restlen >= 4 && memcmp(a->rest, " ...", 4) == 0))
		goto ok;
	if (nonstd_date_after(a->rest, a->restlen)) {
		a->restlen = 0;	/* Exchange: the date of the attempt */
		goto ok;
	}
	{
		/* Outlook's text of a link whose text is the address, as after
		 * a display name (nonstd_named.c): "a@b<mailto:a@b>". */
		size_t w = a->rest[0] == ' ';

		if (a->restlen - w >= 8 && strncasecmp(a->rest + w, "<mailto:", 8) == 0) {
			a->restlen = 0;
			goto ok;
		}
	}
	{
		/* White space, then a comment, a bracketed reply or a dash:
		 * "a@b (user unknown)", "a@b\t<550 ...>", "a@b - mailbox full". */
		size_t w = 0;

		while (w < a->restlen && (a->rest[w] == ' ' || a->rest[w] == '\t'))
			w++;
		if (w > 0 && w < a->restlen && (a->rest[w] == '(' || a->rest[w] == '<' ||
		    a->rest[w] == '['))
			goto ok;
		/* A column: a tab or a wider gap, then words ("a@b\tUser
		 * unknown", "a@b    Mailbox full"), as prose does not. */
		if (i == 0 && w < a->restlen && (a->rest[0] == '\t' || w >= 2) &&
		    isalpha((unsigned char)a->rest[w]))
			goto ok;
		if (w > 0 && w + 1 < a->restlen && a->rest[w] == '-' && (a->rest[w + 1] == ' ' ||
		    (a->rest[w + 1] == '-' && w + 2 < a->restlen && a->rest[w + 2] == ' '))) {
			size_t skip = w + 1 + (a->rest[w + 1] == '-');

			a->rest += skip;
			a->restlen -= skip;
			goto ok;
		}
	}
	if (quoted && a->restlen >= 2 && a->rest[0] == ' ' && isdigit((unsigned char)a->rest[1]))
		goto ok;
	/* "user@example.org Invalid Address, ERROR_CODE :550": a reply code follows. */
	if (i == 0 && nonstd_has_code(a->rest, a->restlen))
		goto ok;
	return 0;
ok:
	sep = a->restlen > 0 ? *a->rest : '\0';
	while (a->restlen > 0 && (*a->rest == ':' || *a->rest == ',' || *a->rest == ';' ||
	    *a->rest == '.' || *a->rest == ' ')) {
		a->rest++;
		a->restlen--;
	}
	/* A list, after a label or alone on its line: each address of it is
	 * a recipient; the reply is on the lines after it ("Intended
	 * Recipients: <a@b>, <c@d>", Haraka; "a@b, c@d" under "... to the
	 * following recipients:"). */
	if (((labelled && !(a->kind & NONSTD_WEAK)) || sep == ',' || sep == ';') &&
	    is_addr_list(a->rest, a->restlen)) {
		a->list = a->rest;
		a->listlen = a->restlen;
		a->restlen = 0;
	}
	return 1;
}

/* Whether p[0..n) after an address is the date of Exchange's list of
 * recipients that could not be reached ("a@b on 12/7/2026 9:00 AM"), in
 * the languages of its NDR text too: a short word (German "am", French
 * "le", Spanish "el", Italian "il", Dutch "op", Portuguese "em"), then a
 * date. */
int
nonstd_date_after(const char *p, size_t n)
{
	size_t i = 1;

	if (n >= 4 && strncasecmp(p, " on ", 4) == 0)
		return 1;
	if (n < 4 || p[0] != ' ')
		return 0;
	while (i < n && i <= 3 && isalpha((unsigned char)p[i]))
		i++;
	if (i < 3 || i >= n - 1 || p[i] != ' ')
		return 0;
	/* A date: digits, then '.', '/' or '-' and a digit ("07.12.2026",
	 * "7/12/2026"), not a count ("retried for 2 more days"). */
	for (i++; i < n && isdigit((unsigned char)p[i]); i++)
		;
	return i + 1 < n && isdigit((unsigned char)p[i - 1]) && (p[i] == '.' || p[i] == '/' ||
	    p[i] == '-') && isdigit((unsigned char)p[i + 1]);
}

static int
same_addr(const char *a, size_t an, const char *b, size_t bn)
{
	return an == bn && strncasecmp(a, b, an) == 0;
}

/* A local part named alone where another line of the notice names the
 * whole address (Sendmail's transcript: "RCPT To:<kijitora@example.com>"):
 * that address. For the first 32 of them: the work stays linear. */
static void
complete_local_parts(struct anchor *an, size_t na, const struct line *lines)
{
	for (size_t k = 0, looked = 0; k < na && looked < 32; k++) {
		if (!(an[k].kind & NONSTD_LOCAL))
			continue;
		looked++;
		for (size_t j = 0; j < na; j++)
			if (an[j].kind == 0 && an[j].addrlen > an[k].addrlen &&
			    an[j].addr[an[k].addrlen] == '@' &&
			    strncasecmp(an[j].addr, an[k].addr, an[k].addrlen) == 0) {
				/* Right after it, the same recipient: a transcript or
				 * a reply that names it in full ("RCPT TO:<a@b>:"). The
				 * transcript may come a few lines on (Sendmail
				 * savemail.c: "----- Transcript of session follows
				 * -----", "... while talking to"): its reply is the one. */
				if (j == k + 1 && (an[j].line - an[k].line <= 3 ||
				    (an[j].line - an[k].line <= 8 && util_memcasemem(lines[an[j].line].p,
				    lines[an[j].line].n, "rcpt to") != NULL)))
					an[k].kind = NONSTD_DROP;
				else {
					an[k].addr = an[j].addr;
					an[k].addrlen = an[j].addrlen;
					an[k].kind = 0;
				}
				break;
			}
	}
}

/* Whether p[0..n) holds a failure's SMTP reply code ("550", "452-"), a
 * word of three digits. Its first digit is sought 16 bytes at a time: the
 * lines of a notice hold few. */
static int
has_reply_code(const char *p, size_t n)
{
	for (size_t i = 0; (i += ascii_find2(p + i, n - i, '4', '5')) + 3 <= n; i++)
		if ((i == 0 || (!isalnum((unsigned char)p[i - 1]) &&
		    p[i - 1] != '.')) && isdigit((unsigned char)p[i + 1]) &&
		    isdigit((unsigned char)p[i + 2]) && (i + 3 == n || (!isalnum((unsigned char)p[i + 3]) &&
		    p[i + 3] != '.')))
			return 1;
	return 0;
}

/* Whether a later anchor of the next 16 names an[k]'s address again with
 * a reply code before it or on its line or the two after it (and before
 * the next anchor). */
static int
later_reply(const struct anchor *an, size_t na, size_t k, const struct line *lines, size_t nl)
{
	for (size_t d = k + 1; d < na && d <= k + 16; d++) {
		size_t end;

		if (!same_addr(an[d].addr, an[d].addrlen, an[k].addr, an[k].addrlen))
			continue;
		end = d + 1 < na ? an[d + 1].line : nl;
		if (end > an[d].line + 3)
			end = an[d].line + 3;
		/* Sendmail's transcript: "550 <a@b>... User unknown". */
		if (an[d].code != NULL || (an[d].restlen > 0 && has_reply_code(an[d].rest,
		    an[d].restlen)))
			return 1;
		for (size_t l = an[d].line + 1; l < end; l++)
			if (has_reply_code(lines[l].p, lines[l].n))
				return 1;
		return 0;
	}
	return 0;
}

/* Lines first..last of the notice put into diag at off, each trimmed, at
 * most NONSTD_TEXT_MAX bytes of each, a space after each. */
static void
insert_lines(struct util_buf *diag, size_t off, const struct line *lines, size_t first,
    size_t last)
{
	size_t tail = diag->len - off, add;
	char *o;

	/* Added at the end, each trimmed once; then the text that was at
	 * off, copied after them, and all of it moved down to off. */
	for (size_t i = first; i < last; i++) {
		const char *p = lines[i].p;
		size_t n = lines[i].n;

		nonstd_trim(&p, &n);
		util_buf_add(diag, p,
		    n < NONSTD_TEXT_MAX ? n : NONSTD_TEXT_MAX);
		util_buf_addc(diag, ' ');
	}
	add = diag->len - off - tail;
	o = util_buf_room(diag, tail);
	memcpy(o, diag->p + off, tail);
	memmove(diag->p + off, diag->p + off + tail, add + tail);
}

/* Exim's output of delivery programs (deliver.c, return_output): after
 * "The following text was generated during the delivery attempt(s):", a
 * group for each output file: the headings of the addresses it is about
 * (print_address_information: "------ <address> ------", or over more lines
 * "------ pipe to |cmd", "       generated by <address> ------"), a blank
 * line, the output. Addresses with the same output share one group: each of
 * them has that output, not only the one whose heading comes last. */
#define EXIM_HEADINGS 64

struct exim_output {
	size_t intro;		/* the line that introduces the groups */
	size_t n;		/* headings (at most EXIM_HEADINGS are kept) */
	struct {
		const char *addr;	/* the first address the heading names */
		size_t addrlen;
		size_t first, last;	/* its group's output: lines [first, last) */
	} h[EXIM_HEADINGS];
};

static int
blank_line(const struct line *l)
{
	return l->n == l->indent || (l->n == l->indent + 1u && l->p[l->n - 1] == '\r');
}

/* Whether line l starts with "------ ": a heading, or the line over the
 * copy of the message ("------ This is a copy of the message"), which
 * *copy tells. */
static int
exim_rule(const struct line *l, int *copy)
{
	const char *p = l->p + l->indent;
	size_t n = l->n - l->indent;

	if (n <= 7 || memcmp(p, "------ ", 7) != 0)
		return 0;
	*copy = n >= 21 && strncasecmp(p + 7, "this is a copy", 14) == 0;
	return 1;
}

/* The groups of Exim's output in lines[from..nl), into *eo (eo->n 0: none). */
static void
exim_output_find(const struct line *lines, size_t from, size_t nl, struct exim_output *eo)
{
	static const char intro[] = "generated during the delivery attempt";
	size_t i;
	int copy = 0;

	eo->n = 0;
	for (i = from; i < nl; i++) {
		const char *p = lines[i].p;
		size_t n = lines[i].n;

		nonstd_trim(&p, &n);
		if (n > sizeof intro && p[n - 1] == ':' && util_memcasemem(p, n, intro) != NULL)
			break;
	}
	if (i == nl)
		return;
	eo->intro = i++;
	while (eo->n < EXIM_HEADINGS) {
		size_t group = eo->n, first;

		while (i < nl && blank_line(&lines[i]))
			i++;
		if (i == nl || !exim_rule(&lines[i], &copy) || copy)
			return;
		/* The headings of the group: each ends in " ------", on its
		 * first line or one of the few after it. */
		while (i < nl && exim_rule(&lines[i], &copy) && !copy) {
			const char *addr = NULL;
			size_t addrlen = 0, j;

			for (j = i; j < nl && j < i + 4; j++) {
				const char *p = lines[j].p;
				size_t n = lines[j].n, off;

				nonstd_trim(&p, &n);
				if (addr == NULL && (addrlen = find_addr(p, n, &off)) > 0)
					addr = p + off;
				if (n > 7 && memcmp(p + n - 7, " ------", 7) == 0)
					break;
			}
			if (j == nl || j == i + 4)
				return;	/* a heading without its end: not Exim's */
			if (addr != NULL && eo->n < EXIM_HEADINGS) {
				eo->h[eo->n].addr = addr;
				eo->h[eo->n++].addrlen = addrlen;
			}
			i = j + 1;
		}
		while (i < nl && blank_line(&lines[i]))
			i++;
		first = i;
		/* The output: to blank lines before the next "------ " (or
		 * none, that line at once). */
		while (i < nl) {
			size_t j = i;

			while (j < nl && blank_line(&lines[j]))
				j++;
			if (j == nl || ((j > i || i == first) && exim_rule(&lines[j], &copy)))
				break;
			i = j + 1;
		}
		for (size_t k = group; k < eo->n; k++) {
			eo->h[k].first = first;
			eo->h[k].last = i;
		}
	}
}

/* Line l, trimmed, appended to diag after a space. */
static void
add_trimmed(struct util_buf *diag, const struct line *l)
{
	const char *p = l->p;
	size_t n = l->n;

	nonstd_trim(&p, &n);
	if (diag->len > 0)
		util_buf_addc(diag, ' ');
	util_buf_add(diag, p, n < NONSTD_TEXT_MAX ? n : NONSTD_TEXT_MAX);
}

/* The output of Exim's groups that is addr's, after the line that
 * introduces them, appended to diag (as nonstd_take_after would take it: at
 * most NONSTD_REPLY_LINES lines, NONSTD_TEXT_MAX bytes), if a heading names
 * addr. */
static void
exim_output_add(const struct exim_output *eo, const struct line *lines, const char *addr,
    size_t addrlen, struct util_buf *diag)
{
	size_t k, taken = 1;

	for (k = 0; k < eo->n && !same_addr(eo->h[k].addr, eo->h[k].addrlen, addr, addrlen); k++)
		;
	if (k == eo->n)
		return;
	add_trimmed(diag, &lines[eo->intro]);
	for (size_t i = eo->h[k].first; i < eo->h[k].last && taken < NONSTD_REPLY_LINES &&
	    diag->len < NONSTD_TEXT_MAX; i++)
		if (!blank_line(&lines[i])) {
			add_trimmed(diag, &lines[i]);
			taken++;
		}
}

static void scan_notice(const char *text, size_t end, int *delayed, nonstd_fn fn, void *arg);

size_t
nonstd_scan(const char *text, size_t n, nonstd_fn fn, void *arg)
{
	size_t end = nonstd_original_start(text, n);
	int delayed = -1;

	scan_notice(text, end, &delayed, fn, arg);
	return end;
}

void
nonstd_scan_notice(const char *text, size_t n, int *delayed, nonstd_fn fn, void *arg)
{
	scan_notice(text, n, delayed, fn, arg);
}

/* The array *v of *cap elements of size sz made twice as large; *v starts
 * as the caller's array on the stack (here), then is on the heap. */
static void *
grow_array(void *v, const void *here, size_t *cap, size_t sz)
{
	void *w;

	if (v != here)
		return util_xreallocarray(v, *cap *= 2, sz);
	w = util_xreallocarray(NULL, *cap * 2, sz);
	memcpy(w, v, *cap * sz);
	*cap *= 2;
	return w;
}

/* The lines of the paragraph around lines[first..last], at most
 * PARA_LINES each side (bounded work a line): [*b, *e) of the text. */
#define PARA_LINES 2

static void
paragraph_around(const struct line *lines, size_t nl, size_t first, size_t last,
    const char **b, const char **e)
{
	size_t lo = first, hi = last;

	while (lo > 0 && first - lo < PARA_LINES && !blank_line(&lines[lo - 1]))
		lo--;
	while (hi + 1 < nl && hi - last < PARA_LINES && !blank_line(&lines[hi + 1]))
		hi++;
	*b = lines[lo].p;
	*e = lines[hi].p + lines[hi].n;
}

/* Whether line i is the address of a sentence wrapped after "to" on the
 * line above, with an indent or flush left ("Please post event notices
 * to\n    a@b,"): the sentence reader's, which asks whether it speaks of a
 * delivery, not a line that names a recipient. */
static int
sentence_wrapped_to(const struct line *lines, size_t i)
{
	const char *up;
	size_t n;

	if (i == 0 || !(lines[i].indent > 0 ?
	    nonstd_wrapped_line(lines[i - 1].p, lines[i - 1].n, 0, lines[i].p, lines[i].n) :
	    nonstd_flush_wrapped(lines[i - 1].p, lines[i - 1].n, lines[i].p, lines[i].n)))
		return 0;
	up = lines[i - 1].p;
	n = lines[i - 1].n;
	while (n > 0 && ascii_space((unsigned char)up[n - 1]))
		n--;
	return n >= 3 && ascii_space((unsigned char)up[n - 3]) && strncasecmp(up + n - 2, "to", 2) == 0;
}

/* The most entries a run of blank lines keeps: more than any distance in
 * lines that a rule measures (nonstd_take_before's 12, the 8 of
 * complete_local_parts), so that none comes out otherwise. */
#define BLANK_RUN_MAX 16

/* text[0..end) split into lines, noting those with an '@', into here[0..
 * *cap) or, past it, an array of the heap (the caller frees it if it is not
 * here); their count in *nl. */
static struct line *
split_lines(const char *text, size_t end, struct line *here, size_t *cap, size_t *nl)
{
	struct line *lines = here;
	struct ascii_seek eol, ats;
	size_t at;

	*nl = 0;
	ascii_seek_init(&eol, text, end, '\n');
	ascii_seek_init(&ats, text, end, '@');
	at = ascii_seek_next(&ats, 0);	/* the next '@' */
	for (size_t pos = 0, blanks = 0; pos < end;) {
		size_t le = ascii_seek_next(&eol, pos), ind;

		for (ind = pos; ind < le && (text[ind] == ' ' || text[ind] == '\t'); ind++)
			;
		if (at < pos)
			at = ascii_seek_next(&ats, pos);
		/* A run of more than BLANK_RUN_MAX blank lines keeps its first
		 * ones and its last: no rule looks further than 12 lines over
		 * blank ones, and a notice of empty lines would otherwise cost
		 * an entry (16 bytes) for every byte or two. */
		blanks = ind == le || (ind + 1 == le && text[ind] == '\r') ? blanks + 1 : 0;
		if (blanks > BLANK_RUN_MAX)
			(*nl)--;	/* the run's last entry stands for the lines it skips */
		if (*nl == *cap)
			lines = grow_array(lines, here, cap, sizeof *lines);
		/* Whole, not field by field: the bit fields are one word. */
		lines[(*nl)++] = (struct line){ text + pos, (uint32_t)(le - pos),
		    (uint32_t)(ind - pos) & INT32_MAX, at < le };
		pos = le + 1;
	}
	return lines;
}

void
nonstd_exim_output(const char *text, size_t end, const char *addr, size_t addrlen,
    struct util_buf *diag)
{
	struct line lines_here[128], *lines;
	size_t nl, cap = sizeof lines_here / sizeof lines_here[0];
	struct exim_output eo;

	if (end > NOTICE_SCAN_MAX)
		end = NOTICE_SCAN_MAX;
	pthread_once(&tables_once, tables_init);
	lines = split_lines(text, end, lines_here, &cap, &nl);
	exim_output_find(lines, 0, nl, &eo);
	exim_output_add(&eo, lines, addr, addrlen, diag);
	if (lines != lines_here)
		free(lines);
}

static void
scan_notice(const char *text, size_t end, int *delayed, nonstd_fn fn, void *arg)
{
	/* Most notices have fewer lines and recipients: no allocation. */
	struct line lines_here[128];
	struct anchor an_here[16];
	size_t nl = 0, cap = sizeof lines_here / sizeof lines_here[0], na = 0,
	    acap = sizeof an_here / sizeof an_here[0];
	struct line *lines = lines_here;
	struct anchor *an = an_here;
	struct util_buf diag = {0}, addr = {0};
	struct exim_output eo = { 0 };

	if (end > NOTICE_SCAN_MAX)
		end = NOTICE_SCAN_MAX;
	pthread_once(&tables_once, tables_init);
	lines = split_lines(text, end, lines_here, &cap, &nl);
	/* Find the recipient lines. */
	for (size_t i = 0, prev = (size_t)-1; i < nl; i++) {
		struct anchor a;

		if (lines[i].n == 0 || (lines[i].n == 1 && lines[i].p[0] == '\r'))
			continue;
		a.code = NULL;
		a.list = NULL;
		a.listlen = 0;
		/* An address needs an '@'; a local part or an X.400 address do not. */
		if ((lines[i].has_at && anchor_of(lines[i].p, lines[i].n, &a)) ||
		    (!lines[i].has_at && (nonstd_local_anchor(&lines[i], prev == (size_t)-1 ? NULL :
		    &lines[prev], &a) || (memchr(lines[i].p, '=', lines[i].n) != NULL &&
		    nonstd_x400_anchor(lines[i].p, lines[i].n, &a)) ||
		    nonstd_name_anchor(&lines[i], prev == (size_t)-1 ? NULL : &lines[prev], &a)))) {
			a.line = i;
			if (nonstd_contact_intro(lines, i) || (lines[i].has_at &&
			    sentence_wrapped_to(lines, i))) {
				prev = i;
				continue;
			}
			/* The same recipient again (a transcript after its label). */
			if (na > 0 && same_addr(an[na - 1].addr, an[na - 1].addrlen, a.addr,
			    a.addrlen) && i - an[na - 1].line <= 3) {
				prev = i;
				continue;
			}
			if (na == acap)
				an = grow_array(an, an_here, &acap, sizeof *an);
			an[na++] = a;
		}
		prev = i;
	}
	/* No recipient lines: a sentence may name the recipient. */
	for (size_t i = 0; na == 0 && i < nl; i++) {
		struct anchor a;
		const char *pb, *pe;
		int wrapped;

		if (!lines[i].has_at)
			continue;
		a.code = NULL;
		a.list = NULL;
		a.listlen = 0;
		wrapped = i > 0 && (lines[i].indent > 0 ?
		    nonstd_wrapped_line(lines[i - 1].p, lines[i - 1].n, 0, lines[i].p, lines[i].n) :
		    nonstd_flush_wrapped(lines[i - 1].p, lines[i - 1].n, lines[i].p, lines[i].n));
		paragraph_around(lines, nl, i - (size_t)wrapped, i, &pb, &pe);
		if (lines[i].n < 1000 &&
		    nonstd_sentence_anchor(lines[i].p, lines[i].n, pb, pe, &a)) {
			a.line = i;
			an[na++] = a;	/* na was 0: the first of acap */
		} else if (wrapped &&
		    nonstd_sentence_anchor(lines[i - 1].p, (size_t)(lines[i].p - lines[i - 1].p) +
		    lines[i].n, pb, pe, &a)) {
			/* The sentence wrapped before its address ("... delivering
			 * your message to\n    a@b. Gmail will retry ..."), with an
			 * indent or flush left (a relay that hard-wraps at 78,
			 * RFC 5322 2.1.1): read with the line above, as it was
			 * written. */
			a.line = i;
			an[na++] = a;
		}
	}
	complete_local_parts(an, na, lines);
	/* Room for a reply of the usual size at once, not grown from 64 bytes
	 * a doubling at a time as its lines are added. */
	if (na > 0) {
		util_buf_room(&diag, 512);
		exim_output_find(lines, an[0].line, nl, &eo);
	}
	for (size_t k = 0, replied = 0; k < na; k++) {
		size_t stop = k + 1 < na ? an[k + 1].line : nl, own, lo, up;
		struct nonstd_hit h;
		int intro = k + 1 < na && !same_addr(an[k].addr, an[k].addrlen, an[k + 1].addr,
		    an[k + 1].addrlen);

		util_buf_reset(&diag);
		/* A transcript line ">>> RCPT TO:<...>" tells the command answered. */
		if (util_memcasemem(lines[an[k].line].p, lines[an[k].line].n, "rcpt to")) {
			const char *p = lines[an[k].line].p;
			size_t len = lines[an[k].line].n;

			nonstd_trim(&p, &len);
			util_buf_add(&diag, p, len);
			util_buf_addc(&diag, ' ');
		}
		own = diag.len;
		if (an[k].restlen)
			util_buf_add(&diag, an[k].rest,
			    an[k].restlen < NONSTD_TEXT_MAX ? an[k].restlen :
			    NONSTD_TEXT_MAX);
		lo = k > 0 ? an[k - 1].line + 1 : 0;
		if (replied > lo)
			lo = replied;	/* the previous recipient's reply is not this one's */
		/* The recipient's line continues a reply line wrapped above it
		 * ("Remote host said: 554 delivery error: dd This user doesn't
		 * have a yahoo.com\n    account (a@b) [-5]": a long line folded
		 * at 76 with an indent): the reply starts up there. */
		if (an[k].restlen > 0 && an[k].line > lo) {
			up = an[k].line;
			for (const char *w = nonstd_wrapped_from(lines[lo].p, lines[up].p, text + end);
			    up > lo && lines[up].p > w; up--)
				;
			if (up < an[k].line)
				insert_lines(&diag, own, lines, up, an[k].line);
		}
		/* Exim's program output after the list is read by its groups. */
		if (eo.n > 0 && an[k].line < eo.intro && stop > eo.intro)
			stop = eo.intro;
		replied = nonstd_take_after(lines, an[k].line, stop, intro, an[k].code != NULL, &diag);
		if (eo.n > 0)
			exim_output_add(&eo, lines, an[k].addr, an[k].addrlen, &diag);
		h.context = 0;
		/* "User's mailbox is full: <a@b>" and a line after it: a label
		 * that names a reason says what went wrong, before what
		 * follows ("Unable to deliver mail."). */
		if (diag.len > own && an[k].labellen > 0 && an[k].restlen == 0 &&
		    reason_from_text(an[k].label, an[k].labellen) != NULL) {
			size_t n = an[k].labellen;

			util_buf_room(&diag, n + 1);
			memmove(diag.p + own + n + 1, diag.p + own, diag.len - own);
			memcpy(diag.p + own, an[k].label, n);
			diag.p[own + n] = ' ';
			diag.len += n + 1;
		}
		/* Nothing of its own: the label of its line, if it says what went
		 * wrong, else what was said before the list. */
		if (diag.len == own && an[k].labellen > 0 && nonstd_meaningful_label(an[k].label,
		    an[k].labellen)) {
			util_buf_add(&diag, an[k].label, an[k].labellen);
			h.context = 1;
		}
		if (diag.len == own) {
			nonstd_take_before(lines, lo, an[k].line, &diag);
			h.context = 1;
		}
		if (diag.len == own && an[k].labellen > 0)
			util_buf_add(&diag, an[k].label, an[k].labellen);
		/* "550 a@b... User unknown" (Sendmail's transcript): where its
		 * text quotes no reply of its own, the code is the reply's. */
		if (an[k].code != NULL && (diag.len == own ||
		    !nonstd_has_code(diag.p + own, diag.len - own))) {
			size_t first, last;

			util_buf_room(&diag, 4);
			memmove(diag.p + own + 4, diag.p + own, diag.len - own);
			memcpy(diag.p + own, an[k].code, 3);
			diag.p[own + 3] = ' ';
			diag.len += 4;
			/* And where the session's MAIL FROM was refused before
			 * it, that refusal is what failed ("554 <a@b>... Remote
			 * protocol error" after "<<< 501 <s>... no access"). */
			if ((first = nonstd_mail_refusal(lines, an[k].line, &last)) < an[k].line)
				insert_lines(&diag, own, lines, first, last);
		}
		util_buf_str(&diag);
		if (an[k].kind == NONSTD_DROP)
			continue;
		h.addr = an[k].addr;
		h.addrlen = an[k].addrlen;
		h.kind = an[k].kind;
		/* 'user@example.org' in single quotes: the apostrophe is a
		 * local part byte (RFC 5322 atext) but here it quotes. */
		if (h.addrlen > 1 && h.addr[0] == '\'' && h.addr + h.addrlen < text + end &&
		    h.addr[h.addrlen] == '\'') {
			h.addr++;
			h.addrlen--;
		}
		if (h.kind & NONSTD_LOCAL) {
			/* A lone local part: the full address may be in the reply text;
			 * else the caller completes it. */
			size_t off, len = find_addr(diag.p, diag.len, &off);

			if (len > h.addrlen && strncasecmp(diag.p + off, h.addr, h.addrlen) == 0 &&
			    diag.p[off + h.addrlen] == '@') {
				util_buf_reset(&addr);
				util_buf_add(&addr, diag.p + off, len);
				h.addr = util_buf_str(&addr);
				h.addrlen = len;
				h.kind &= ~(unsigned)NONSTD_LOCAL;
			}
		}
		/* One report per recipient: notices in two languages repeat them.
		 * The first, unless it quotes no reply and a later one, near its
		 * line, does (Exchange's "Diagnostic information for
		 * administrators": the address, then "Remote Server returned
		 * '550 5.1.1 ...'"). */
		{
			size_t d;

			for (d = k > 16 ? k - 16 : 0; d < k; d++)
				if (an[d].kind != NONSTD_DROP &&
				    same_addr(an[d].addr, an[d].addrlen, h.addr, h.addrlen))
					break;
			if (d < k)
				continue;
			if (!has_reply_code(diag.p + own, diag.len - own) &&
			    later_reply(an, na, k, lines, nl)) {
				an[k].kind = NONSTD_DROP;
				continue;
			}
		}
		h.diag = diag.p;
		if (delayed != NULL && *delayed == -1)	/* once a recipient is found */
			*delayed = nonstd_says_delayed(text, end);
		h.delayed = delayed != NULL ? *delayed : 0;
		fn(arg, &h);
		/* The others of its line's list, with the same reply. */
		for (size_t i = 0, off, len; an[k].list != NULL &&
		    (len = list_next(an[k].list, an[k].listlen, &i, &off)) > 0;) {
			if (same_addr(an[k].list + off, len, h.addr, h.addrlen))
				continue;
			h.addr = an[k].list + off;
			h.addrlen = len;
			fn(arg, &h);
		}
	}
	if (lines != lines_here)
		free(lines);
	if (an != an_here)
		free(an);
	util_buf_free(&diag);
	util_buf_free(&addr);
}
