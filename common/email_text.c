/* email_text: the readable text of a bounce: its text parts decoded into
 * UTF-8 (HTML stripped of its tags), the notice before the returned copy, and
 * the reply text the notice gives each recipient. */
#include "email_int.h"
#include "ascii.h"
#include "charset.h"
#include "nonstd.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A text part of the message, decoded only when its text is read
 * (email_text): decoding is most of the work for a small message, and a
 * report whose fields say it all never reads it. Its field values are
 * copied, as the walk reuses the header. */
struct text_part {
	const char *body;	/* in the message, which outlives the parse */
	size_t bodylen;
	size_t cte, charset;	/* NUL-terminated, in kept.part_fields */
	int html;
};

/* The buffers of email_text, kept per thread as those of email_message. */
static _Thread_local struct {
	struct util_buf ct, cs, dec, u;
	struct text_part *text_parts;	/* of email_text_add and email_text */
	size_t text_parts_cap;
	struct util_buf part_fields;
} kept;

/* The length of the notice: the text before the returned copy of the
 * message. Found when first needed: a report whose fields say it all never
 * reads the text. */
size_t
email_notice_len(struct msg *m)
{
	if (!m->notice_done) {
		m->notice_done = 1;
		email_text(m);
		m->notice = m->text.len ? nonstd_original_start(m->text.p, m->text.len) : 0;
	}
	return m->notice;
}

int
email_notice_delayed(struct msg *m)
{
	if (m->notice_delayed == -1)
		m->notice_delayed = email_text(m)->len ?
		    nonstd_says_delayed(m->text.p, email_notice_len(m)) : 0;
	return m->notice_delayed;
}

/* Searches of the notice for one recipient each are bounded per message, so
 * that 100000 recipients and a large notice stay linear. */
#define NOTICE_LOOKUPS_MAX 64

#define TEXTDIAG_MAX 4096

static void
textdiag_hit(void *arg, const struct nonstd_hit *h)
{
	struct msg *m = arg;
	struct hmap_entry *e;
	char key[ADDR_MAX];
	size_t n = h->addrlen < ADDR_MAX - 1 ? h->addrlen : ADDR_MAX - 1;
	const char *diag = h->diag ? h->diag : "";
	int added;

	/* Reports name whole addresses. */
	if (m->textdiag.count >= TEXTDIAG_MAX || h->kind != 0)
		return;
	/* What the notice says of the whole list may only introduce it ("The
	 * address to which the message has not yet been delivered is:"): no
	 * reason, unless it holds a reply code. The recipient is still known to
	 * be named, so that no other line is taken for its reply. */
	if (h->context && diag[0] && diag[strlen(diag) - 1] == ':' &&
	    email_reply_code(diag, strlen(diag)) == 0)
		diag = "";
	for (size_t i = 0; i < n; i++)
		key[i] = (char)tolower((unsigned char)h->addr[i]);
	key[n] = '\0';
	e = hmap_put(&m->textdiag, key, n, &added);
	if (added)
		e->val = util_xstrdup(diag);
}

const char *
email_text_diag(struct msg *m, const char *addr)
{
	struct hmap_entry *e;
	char key[ADDR_MAX];
	size_t n = 0;

	if (!m->textdiag_done) {
		/* The addresses the scan finds are the notice's own bytes: one
		 * that it does not hold (any case) is none of them, and the
		 * scan waits for one that it does; for a few only, so that a
		 * report of thousands stays linear. */
		if (email_text(m)->len == 0)
			return NULL;
		if (m->textdiag_misses < 8 &&
		    util_memcasemem(m->text.p, email_notice_len(m), addr) == NULL) {
			m->textdiag_misses++;
			return NULL;
		}
		m->textdiag_done = 1;
		nonstd_scan_notice(m->text.p, email_notice_len(m), NULL, textdiag_hit, m);
	}
	while (addr[n] && n < ADDR_MAX - 1) {
		key[n] = (char)tolower((unsigned char)addr[n]);
		n++;
	}
	key[n] = '\0';
	e = hmap_get(&m->textdiag, key, n);
	return e ? e->val : NULL;
}

/* Whether the 8 bytes at p stay as they are when white space is collapsed
 * after a byte that is not white space: no tab, CR, LF or other control
 * byte, no two spaces together and no space last. SWAR on uint64_t: the
 * high bit of a byte in ctl or sp marks it, exactly, as no sum carries into
 * the next byte. */
static int
collapsed8(const char *p)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u,
	    low7 = 0x7f7f7f7f7f7f7f7fu;
	uint64_t w, x, ctl, sp;

	if (p[7] == ' ')
		return 0;
	memcpy(&w, p, sizeof w);
	ctl = ~(((w & low7) + 0x60 * ones) | w) & high;	/* bytes below 0x20 */
	x = w ^ 0x20 * ones;
	sp = ~(((x & low7) + low7) | x) & high;		/* spaces */
	return (ctl | (sp & sp << 8)) == 0;
}

/* Copies src[0..n) to dst with each run of white space (space, tab, CR, LF)
 * made one space and none at either end, and stops once limit bytes are out
 * (the first limit bytes of the whole result). dst may be src: the copy
 * never gets ahead of what it reads. Returns the length out. */
size_t
email_collapse_ws(char *dst, const char *src, size_t n, size_t limit)
{
	size_t i = 0, o = 0;
	int space = 0;		/* white space since the last byte out */

	while (i < n && o < limit) {
		char c = src[i++];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = 1;
			continue;
		}
		if (space && o > 0) {
			dst[o++] = ' ';
			if (o == limit)
				break;
		}
		space = 0;
		dst[o++] = c;
		/* Most reply texts have single spaces only: 8 bytes at a time. */
		for (size_t k = (n - i < limit - o ? n - i : limit - o) / 8; k > 0 &&
		    collapsed8(src + i); k--) {
			memmove(dst + o, src + i, 8);
			i += 8;
			o += 8;
		}
	}
	return o;
}

/* Whether a tag whose name starts at s ends a block of text: "</...>"
 * other than the end of an inline element ("<b><a href=...>addr</a></b>:"
 * is one line), <br>, <p...>, <div>, <tr>, <li>. The tag's '>' follows:
 * each test stops at the first byte that differs, so no byte past it is
 * read. */
static int
tag_ends_block(const char *s)
{
	switch (ascii_lower((unsigned char)s[0])) {
	case '/': {
		/* The name runs to the '>' at the latest (no letter). */
		/* With their lengths: a strlen(3) call each was most of the
		 * work of an HTML notice's end tags. */
		static const struct { const char *name; size_t len; } inline_names[] = {
			{ "a", 1 }, { "b", 1 }, { "i", 1 }, { "u", 1 }, { "em", 2 }, { "tt", 2 },
			{ "big", 3 }, { "span", 4 }, { "font", 4 }, { "code", 4 }, { "small", 5 },
			{ "strong", 6 } };
		size_t j = 1;

		while (j < 8 && ascii_alpha((unsigned char)s[j]))
			j++;
		if (j == 1 || j > 7 || (s[j] != '>' && !ascii_space((unsigned char)s[j])))
			return 1;
		for (size_t k = 0; k < sizeof inline_names / sizeof inline_names[0]; k++)
			if (inline_names[k].len == j - 1 &&
			    strncasecmp(s + 1, inline_names[k].name, j - 1) == 0)
				return 0;
		return 1;
	}
	case 'p':
		return 1;
	case 'b':
	case 't':
		return ascii_lower((unsigned char)s[1]) == 'r';
	case 'd':
		return ascii_lower((unsigned char)s[1]) == 'i' &&
		    ascii_lower((unsigned char)s[2]) == 'v';
	case 'l':
		return ascii_lower((unsigned char)s[1]) == 'i';
	}
	return 0;
}

/* Offset of the first c in s[from..n), or n. */
static size_t
next_byte(const char *s, size_t from, size_t n, char c)
{
	const char *p = from < n ? memchr(s + from, c, n - from) : NULL;

	return p ? (size_t)(p - s) : n;
}

/* Where the element whose start tag begins at s[i] ('<') ends, for those
 * whose content is no text (style sheets, scripts, the head, comments):
 * past its end tag; i itself for others, and for those never closed. */
static size_t
skip_element(const char *s, size_t i, size_t n)
{
	static const struct { const char *open, *close; } skip[] = {
		{ "<!--", "-->" }, { "<style", "</style>" }, { "<script", "</script>" },
		{ "<head", "</head>" },
	};
	unsigned char c = i + 1 < n ? ascii_lower((unsigned char)s[i + 1]) : 0;

	/* Most tags start otherwise: they are not compared with each. */
	if (c != '!' && c != 's' && c != 'h')
		return i;
	for (size_t k = 0; k < sizeof skip / sizeof skip[0]; k++) {
		size_t l = strlen(skip[k].open);
		const char *end;

		if (n - i < l || strncasecmp(s + i, skip[k].open, l) != 0 ||
		    (k > 0 && i + l < n && ascii_lower((unsigned char)s[i + l]) >= 'a' &&
		    ascii_lower((unsigned char)s[i + l]) <= 'z'))
			continue;
		/* Unclosed: only the tag goes, not the rest of the text. */
		end = util_memcasemem(s + i + l, n - i - l, skip[k].close);
		return end ? (size_t)(end - s) + strlen(skip[k].close) : i;
	}
	return i;
}

/* A character reference at s[i] ('&'): "&lt;", "&#64;", "&#x40;", ... into
 * out; its length, 0 if it is none. */
static size_t
html_entity(const char *s, size_t i, size_t n, struct util_buf *out)
{
	static const struct { const char *ent; size_t len; char c; } ents[] = {
		{ "&lt;", 4, '<' }, { "&gt;", 4, '>' }, { "&amp;", 5, '&' }, { "&nbsp;", 6, ' ' },
		{ "&quot;", 6, '"' }, { "&apos;", 6, '\'' },
	};
	unsigned long cp = 0;
	size_t k;

	for (k = 0; k < sizeof ents / sizeof ents[0]; k++)
		if (n - i >= ents[k].len && strncasecmp(s + i, ents[k].ent, ents[k].len) == 0) {
			util_buf_addc(out, ents[k].c);
			return ents[k].len;
		}
	if (n - i < 4 || s[i + 1] != '#')
		return 0;
	k = i + 2;
	if (s[k] == 'x' || s[k] == 'X') {
		int d;

		for (k++; k < n && k < i + 12 && (d = ascii_hexval((unsigned char)s[k])) >= 0; k++)
			cp = cp * 16 + (unsigned long)d;
	} else {
		for (; k < n && k < i + 10 && isdigit((unsigned char)s[k]); k++)
			cp = cp * 10 + (unsigned long)(s[k] - '0');
	}
	if (k >= n || s[k] != ';' || k == i + 2 || cp == 0 || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	{
		char u[4];
		size_t l = charset_put_utf8(u, cp);

		/* A no-break space is a space to the line patterns. */
		if (cp == 0xa0)
			util_buf_addc(out, ' ');
		else
			util_buf_add(out, u, l);
	}
	return k + 1 - i;
}

static void
strip_html(const char *s, size_t n, struct util_buf *out)
{
	/* The next '<' and '&', each found by memchr(3) once: the text between
	 * them is copied in one piece, not looked at byte by byte. */
	size_t lt = next_byte(s, 0, n, '<'), amp = next_byte(s, 0, n, '&'), i = 0;

	while (i < n) {
		size_t run = lt < amp ? lt : amp, k;

		if (run > i) {
			util_buf_add(out, s + i, run - i);
			i = run;
		} else if (s[i] == '<') {
			const char *gt;

			if ((k = skip_element(s, i, n)) > i) {
				i = k;
			} else if ((gt = memchr(s + i, '>', n - i)) == NULL) {
				break;
			} else {
				/* Block ends become line ends, so that line patterns
				 * still work. */
				if (i + 1 < n && tag_ends_block(s + i + 1))
					util_buf_addc(out, '\n');
				i = (size_t)(gt - s) + 1;
			}
		} else if ((k = html_entity(s, i, n, out)) > 0) {
			i += k;
		} else {
			util_buf_addc(out, '&');
			i++;
		}
		if (lt < i)
			lt = next_byte(s, i, n, '<');
		if (amp < i)
			amp = next_byte(s, i, n, '&');
	}
	util_buf_addc(out, '\n');
}

/* A text part noted for email_text, with the values of its fields that
 * decoding reads. */
void
email_text_add(struct msg *m, const struct mime_part *p, const struct util_buf *cte)
{
	struct util_buf ct = reuse(&kept.ct), cs = reuse(&kept.cs);
	struct text_part *t;

	if (m->ntext_parts == kept.text_parts_cap) {
		kept.text_parts_cap = kept.text_parts_cap ? kept.text_parts_cap * 2 : 8;
		kept.text_parts = util_xreallocarray(kept.text_parts, kept.text_parts_cap,
		    sizeof *kept.text_parts);
	}
	t = &kept.text_parts[m->ntext_parts++];
	t->body = p->body;
	t->bodylen = p->bodylen;
	t->html = strcmp(p->ctype, "text/html") == 0;
	mime_header_get(p->header, "content-type", &ct);
	mime_param(ct.p, ct.len, "charset", &cs);
	t->cte = kept.part_fields.len;
	util_buf_add(&kept.part_fields, cte->p, cte->len + 1);
	t->charset = kept.part_fields.len;
	util_buf_add(&kept.part_fields, cs.len ? cs.p : "", cs.len + 1);
	keep(&kept.ct, &ct);
	keep(&kept.cs, &cs);
}

/* The text of the message: its text/plain parts, decoded, in UTF-8, or
 * failing them its text/html ones stripped of their tags. Decoded the first
 * time it is asked for. */
struct util_buf *
email_text(struct msg *m)
{
	struct util_buf dec;

	if (m->text_loaded)
		return &m->text;
	m->text_loaded = 1;
	dec = reuse(&kept.dec);
	for (size_t i = 0; i < m->ntext_parts; i++) {
		const struct text_part *t = &kept.text_parts[i];
		const char *cs = kept.part_fields.p + t->charset, *cte = kept.part_fields.p + t->cte;
		const char *p = t->body;
		size_t len = t->bodylen;

		/* Most text parts are 7bit or 8bit: read where they are, not
		 * from a copy. */
		if (!mime_cte_identity(cte)) {
			util_buf_reset(&dec);
			mime_decode_body(t->body, t->bodylen, cte, &dec);
			p = dec.p;
			len = dec.len;
		}
		if (t->html) {
			struct util_buf u = reuse(&kept.u);

			charset_to_utf8(p, len, *cs ? cs : NULL, &u);
			strip_html(u.p, u.len, &m->html);
			keep(&kept.u, &u);
		} else {
			charset_to_utf8(p, len, *cs ? cs : NULL, &m->text);
			util_buf_addc(&m->text, '\n');
		}
	}
	keep(&kept.dec, &dec);
	if (m->text.len == 0 && m->html.len > 0)
		util_buf_add(&m->text, m->html.p, m->html.len);
	return &m->text;
}

static int expanded_failed(const char *t, const char *p, const char **s, const char **e);
static int failed_kind(const char *s, const char *e);
static int smrsh_line(const char *t, size_t end, const char *s, const char *e, const char **ls,
    const char **le);

/* The reply text for a recipient named only in X-Failed-Recipients: the
 * lines of the notice from where it (or its local part) is mentioned. */
void
email_notice_diag(struct msg *m, const char *addr, size_t n, struct util_buf *out)
{
	size_t end, lines = 0;
	const char *t = email_text(m)->p, *hit = NULL, *p;
	int wrapped = 0;
	int entry = 0;	/* only the parenthesized lines of Sendmail's entry */

	util_buf_reset(out);
	util_buf_str(out);
	if (t == NULL || m->notice_lookups >= NOTICE_LOOKUPS_MAX)
		return;
	m->notice_lookups++;
	end = email_notice_len(m);
	{
		char *a = util_xstrndup(addr, n);

		hit = util_memcasemem(t, end, a);
		if (hit == NULL) {
			char *at = strchr(a, '@');

			*at = '\0';
			/* An indented line holding only the local part (Exim). */
			for (p = t; p && p < t + end && hit == NULL;) {
				const char *q = util_memcasemem(p, (size_t)(t + end - p), a);
				size_t al = strlen(a);

				if (q == NULL)
					break;
				if (q > t && (q[-1] == ' ' || q[-1] == '\t') && q + al <= t + end &&
				    (q + al == t + end || q[al] == '\n'))
					hit = q;
				p = q + 1;
			}
		}
		free(a);
	}
	if (hit == NULL) {
		/* Not named in the notice: its first lines say what went wrong. */
		hit = t;
		while (hit < t + end && (*hit == '\n' || *hit == ' ' || *hit == '\t'))
			hit++;
	}
	while (hit > t && hit[-1] != '\n')
		hit--;
	/* First named in a heading of Exim's output of delivery programs
	 * ("------ <addr> ------", no list of failed addresses before it):
	 * its group's output, which several addresses may share (the first
	 * of them is not followed by its output, the lines after another's
	 * heading are not its own). */
	for (p = hit; p < t + end && (*p == ' ' || *p == '\t'); p++)
		;
	if ((size_t)(t + end - p) > 7 && memcmp(p, "------ ", 7) == 0) {
		nonstd_exim_output(t, end, addr, n, out);
		if (out->len > 0) {
			out->len = email_collapse_ws(out->p, out->p, out->len, SIZE_MAX);
			util_buf_str(out);
			return;
		}
	}
	/* Its line continues one wrapped above it mid-sentence (a long reply
	 * line folded at 76 with an indent: "Remote host said: 554 ... This
	 * user doesn't have a yahoo.com\n    account (a@b) [-5]"): the reply
	 * starts there. */
	hit = nonstd_wrapped_from(t, hit, t + end);
	{
		/* Named in Sendmail's list only as what a failed address was
		 * "(expanded from: <rcpt>)" (savemail.c errbody()): that
		 * entry's parenthesized lines are its text, not the failed
		 * address (a program's command line says nothing of what went
		 * wrong) nor the entries and transcript after. */
		const char *q = hit, *s, *e, *ls, *le;

		while (q < t + end && (*q == ' ' || *q == '\t'))
			q++;
		if ((size_t)(t + end - q) >= 15 && strncasecmp(q, "(expanded from:", 15) == 0 &&
		    expanded_failed(t, q, &s, &e)) {
			/* A program that smrsh refused: its line in the
			 * transcript says so, where the entry's "(reason:" has
			 * only the vague words of its exit status. First, so
			 * that it decides. */
			if (failed_kind(s, e) == '|' && smrsh_line(t, end, s, e, &ls, &le)) {
				util_buf_add(out, ls, (size_t)(le - ls));
				util_buf_addc(out, ' ');
			}
			entry = 1;
			hit = (q = memchr(s, '\n', (size_t)(t + end - s))) != NULL ? q + 1 : t + end;
			lines = 1;	/* the failed address's line, passed over */
		}
	}
	/* NONSTD_REPLY_LINES lines, a line wrapped onto the next counted once. */
	p = hit;
	for (const char *up = NULL, *upe = NULL; p < t + end;) {
		const char *nl = memchr(p, '\n', (size_t)(t + end - p)), *q;
		size_t len = nl ? (size_t)(nl - p) : (size_t)(t + end - p);

		if (entry) {
			for (q = p; q < p + len && (*q == ' ' || *q == '\t'); q++)
				;
			if (q == p + len || *q != '(')
				break;	/* the entry's parenthesized lines end */
		}
		wrapped = up != NULL && nonstd_wrapped_line(up, (size_t)(upe - up), wrapped, p, len);
		if (!wrapped && ++lines > NONSTD_REPLY_LINES)
			break;
		util_buf_add(out, p, len);
		util_buf_addc(out, ' ');
		up = p;
		upe = p + len;
		p = nl ? nl + 1 : t + end;
	}
	out->len = email_collapse_ws(out->p, out->p, out->len, SIZE_MAX);
	util_buf_str(out);
}

/* Sendmail's notice (savemail.c errbody()) lists each failed address with
 * "(reason: ...)" and, for one reached through an alias or .forward,
 * "(expanded from: <rcpt>)" after it. For the "(expanded from:" at p (in
 * t[0..end)), the line of that failed address, trimmed, into [*s, *e): back
 * over the parenthesized lines before it, at most a few. 0 if it opens no
 * line of such a list. Each line is walked by at most as many of these as
 * follow it closely: linear. */
static int
expanded_failed(const char *t, const char *p, const char **s, const char **e)
{
	const char *ls = p;

	/* It opens its line: the lines before it are the report's. */
	while (ls > t && (ls[-1] == ' ' || ls[-1] == '\t'))
		ls--;
	if (ls > t && ls[-1] != '\n')
		return 0;
	for (int lines = 0; lines < 4 && ls > t; lines++) {
		const char *le = ls - 1;

		for (ls = le; ls > t && ls[-1] != '\n'; ls--)
			;
		for (*s = ls; *s < le && (**s == ' ' || **s == '\t'); (*s)++)
			;
		if (*s == le || **s != '(') {
			while (le > *s && (le[-1] == ' ' || le[-1] == '\t' || le[-1] == '\r'))
				le--;
			*e = le;
			return *s < le;
		}
	}
	return 0;
}

/* Whether the "generated by" at p, on the line that starts at ls (t is the
 * notice's start), follows Exim's name of a delivery to a program or a file
 * on its line or the line before (deliver.c print_address_information():
 * "pipe to |cmd", "save to /file", then "generated by <parent>"; in the
 * heading of a program's output, after "------ "). The caller finds ls
 * going forward, so that many on one line cost one pass over it. */
static int
exim_generated_by_delivery(const char *t, const char *ls, const char *p)
{
	for (int lines = 0; lines < 2; lines++) {
		const char *s;

		for (s = ls; s < p && (*s == ' ' || *s == '\t'); s++)
			;
		if (s != p) {
			if (strncmp(s, "------ ", 7) == 0)
				s += 7;
			return (size_t)(p - s) > 9 && (strncmp(s, "pipe to |", 9) == 0 ||
			    strncmp(s, "save to /", 9) == 0);
		}
		/* Only blanks before it: the line before, once for its line. */
		if (ls == t)
			return 0;
		p = ls - 1;
		for (ls = p; ls > t && ls[-1] != '\n'; ls--)
			;
	}
	return 0;
}

/* The recipient that the "(expanded from:" at p (in t[0..end)) names, its
 * angle brackets and white space aside: its length, *q where it starts. */
static size_t
expanded_rcpt(const char *t, size_t end, const char *p, const char **q)
{
	const char *c;

	for (*q = p + 15; *q < t + end && (**q == ' ' || **q == '\t' || **q == '<'); (*q)++)
		;
	for (c = *q; c < t + end && *c != '>' && *c != ')' && *c != '\n' && *c != ' '; c++)
		;
	return (size_t)(c - *q);
}

/* What the failed address [s, e) of Sendmail's list is: '|' a program
 * ("|command", quoted or not), '/' a file ("/path"), the addresses of its
 * prog and file mailers (recipient.c), which are no recipient's; else 0. */
static int
failed_kind(const char *s, const char *e)
{
	if (s < e && *s == '"')
		s++;
	return s + 1 < e && (*s == '|' || *s == '/') ? *s : 0;
}

/* smrsh's line in Sendmail's transcript about the program [s, e) of its
 * list: smrsh/smrsh.c writes '%s: "%s" not available for sendmail
 * programs' with the name of a command of it (its directory stripped) and
 * exits EX_UNAVAILABLE, which the list gives only as exitstat()'s "(reason:
 * Service unavailable)" (libsm/strexit.c). Its bounds in t[0..end) into
 * [*ls, *le); 0 if there is none. */
static int
smrsh_line(const char *t, size_t end, const char *s, const char *e, const char **ls,
    const char **le)
{
	static const char phrase[] = "\" not available for sendmail programs";
	const char *p, *name;

	for (p = t; p < t + end && (p = util_memcasemem(p, (size_t)(t + end - p), phrase)) != NULL;
	    p++) {
		size_t n;

		for (name = p; name > t && name[-1] != '"' && name[-1] != '\n' && p - name < 256; name--)
			;
		if (name == t || name[-1] != '"' || name == p)
			continue;
		n = (size_t)(p - name);
		/* A word of the command of that name, its directory aside. */
		for (const char *w = s, *we, *b; w < e; w = we) {
			while (w < e && (*w == ' ' || *w == '\t' || *w == '"' || *w == '|'))
				w++;
			for (we = w; we < e && *we != ' ' && *we != '\t' && *we != '"'; we++)
				;
			for (b = we; b > w && b[-1] != '/'; b--)
				;
			if ((size_t)(we - b) != n || memcmp(b, name, n) != 0)
				continue;
			for (*ls = name; *ls > t && (*ls)[-1] != '\n'; (*ls)--)
				;
			if ((*le = memchr(p, '\n', (size_t)(t + end - p))) == NULL)
				*le = t + end;
			while (*le > *ls && ((*le)[-1] == ' ' || (*le)[-1] == '\t'))
				(*le)--;
			return 1;
		}
	}
	return 0;
}

/* Whether the recipient addr is one that the notice shows delivered to a
 * program: Sendmail's prog mailer's address is the command
 * ("|/usr/bin/procmail", cf/mailer/local.m4), so the failed line before the
 * recipient's "(expanded from:" is one; Exim names a delivery to a program
 * or a file "pipe to |cmd" or "save to /file", "generated by" the
 * recipient. */
int
email_notice_program(struct msg *m, const char *addr)
{
	const char *t = email_text(m)->p, *p, *s, *e, *ls, *seen;
	size_t end, n = strlen(addr);

	if (t == NULL || n == 0 || m->notice_lookups >= NOTICE_LOOKUPS_MAX)
		return 0;
	m->notice_lookups++;
	end = email_notice_len(m);
	for (p = t; p < t + end && (p = util_memcasemem(p, (size_t)(t + end - p), "(expanded from:")) != NULL;
	    p++) {
		const char *q = p + 15;

		while (q < t + end && (*q == ' ' || *q == '\t' || *q == '<'))
			q++;
		if ((size_t)(t + end - q) < n || strncasecmp(q, addr, n) != 0)
			continue;
		if (expanded_failed(t, p, &s, &e) && failed_kind(s, e) == '|')
			return 1;
	}
	for (ls = seen = t, p = t; p < t + end &&
	    (p = util_memcasemem(p, (size_t)(t + end - p), "generated by ")) != NULL; p++) {
		const char *q = p + 13, *nl;

		if ((size_t)(t + end - q) < n || strncasecmp(q, addr, n) != 0 ||
		    (q + n < t + end && (ascii_alpha((unsigned char)q[n]) ||
		    ascii_digit((unsigned char)q[n]) || ascii_in_set(".-_@", (unsigned char)q[n]))))
			continue;
		while ((nl = memchr(seen, '\n', (size_t)(p - seen))) != NULL)
			seen = ls = nl + 1;
		seen = p;
		if (exim_generated_by_delivery(t, ls, p))
			return 1;
	}
	return 0;
}

/* The alias that Sendmail's notice lists a failed local part name[0..n)
 * "(expanded from: <rcpt>)" (an alias of its aliases file whose member is
 * a user of the same host), into out (ADDR_MAX bytes), angle brackets
 * and white space removed. -1 if the notice shows none. */
int
email_notice_alias_of(struct msg *m, const char *name, size_t n, char *out)
{
	const char *t = email_text(m)->p, *p, *s, *e, *q;
	size_t end, k;

	if (t == NULL || n == 0 || m->notice_lookups >= NOTICE_LOOKUPS_MAX)
		return -1;
	m->notice_lookups++;
	end = email_notice_len(m);
	for (p = t; p < t + end && (p = util_memcasemem(p, (size_t)(t + end - p), "(expanded from:")) != NULL;
	    p++) {
		if (!expanded_failed(t, p, &s, &e))
			continue;
		if (e - s == (ptrdiff_t)n + 2 && *s == '<' && e[-1] == '>')
			s++, e--;
		if (e - s != (ptrdiff_t)n || strncasecmp(s, name, n) != 0)
			continue;
		if ((k = expanded_rcpt(t, end, p, &q)) == 0 || k >= ADDR_MAX)
			return -1;
		memcpy(out, q, k);
		out[k] = '\0';
		return 0;
	}
	return -1;
}

const char *
email_notice_expanded(struct msg *m, size_t *at, size_t *len)
{
	const char *t = email_text(m)->p, *p, *s, *e, *q;
	size_t end;

	if (t == NULL)
		return NULL;
	end = email_notice_len(m);
	while (*at < end && (p = util_memcasemem(t + *at, end - *at, "(expanded from:")) != NULL) {
		*at = (size_t)(p - t) + 15;
		if (expanded_failed(t, p, &s, &e) && failed_kind(s, e) != 0 &&
		    (*len = expanded_rcpt(t, end, p, &q)) > 0 && memchr(q, '@', *len) != NULL)
			return q;
	}
	return NULL;
}

void
email_text_begin(void)
{
	util_buf_reset(&kept.part_fields);
}

void
email_text_done(void)
{
	if (kept.part_fields.cap > KEEP_MAX)
		util_buf_free(&kept.part_fields);
	if (kept.text_parts_cap * sizeof *kept.text_parts > KEEP_MAX) {
		free(kept.text_parts);
		kept.text_parts = NULL;
		kept.text_parts_cap = 0;
	}
}

void
email_text_thread_end(void)
{
	struct util_buf *all[] = { &kept.ct, &kept.cs, &kept.dec, &kept.u, &kept.part_fields };

	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		util_buf_free(all[i]);
	free(kept.text_parts);
	kept.text_parts = NULL;
	kept.text_parts_cap = 0;
}
