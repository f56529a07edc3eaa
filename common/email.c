/* email: bounce messages -> events. Order of trust: an RFC 3464 report, an
 * RFC 5965 feedback report, the human-readable text of non-standard bounces
 * (nonstd.c), and last an RFC 3834 auto-reply. */
/* d_type in struct dirent (glibc, BSD): saves a stat per message file. */
#define _DEFAULT_SOURCE
#include "email.h"
#include "ascii.h"
#include "hmap.h"
#include "mime.h"
#include "nonstd.h"
#include "reason.h"
#include "webhook.h"
#include "status.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

/* What one message yields, gathered while walking its parts. */
struct msg {
	const char *origin;
	int fd;			/* the message's file, or -1 */
	const struct email_opts *o;
	struct mime_header top;
	time_t date;
	struct util_buf dsn;	/* delivery-status parts, decoded */
	struct util_buf arf;	/* feedback-report parts */
	struct util_buf text;	/* text/plain parts, UTF-8 (load_text) */
	struct util_buf html;	/* text/html parts, tags stripped */
	size_t ntext_parts;	/* in kept.text_parts, decoded by load_text */
	int text_loaded;
	struct util_buf orig;	/* header of the returned message */
	struct util_buf subject;	/* decoded, by message_subject */
	int subject_done;
	int has_orig;
	struct mime_header orig_header;	/* parsed, in orig or text */
	int orig_to_done;	/* orig_to looked up (original_recipient) */
	char from[ADDR_MAX], msgid[ADDR_MAX], orig_to[ADDR_MAX];
	unsigned long events;
	/* Reply texts that the human-readable part gives per recipient, for
	 * reports that lack a Diagnostic-Code; filled when first needed. */
	struct hmap textdiag;
	int textdiag_done;
	size_t notice;		/* the length of the notice, by notice_len */
	int notice_done;
	unsigned notice_lookups;	/* failed_rcpt_diag calls: each scans the notice */
};

/* A text part of the message, decoded only when its text is read
 * (load_text): decoding is most of the work for a small message, and a
 * report whose fields say it all never reads it. Its field values are
 * copied, as the walk reuses the header. */
struct text_part {
	const char *body;	/* in the message, which outlives the parse */
	size_t bodylen;
	size_t cte, charset;	/* NUL-terminated, in kept.part_fields */
	int html;
};

/* The buffers of parse_message (and of the functions it calls), kept per
 * thread from one message to the next: parse_message does not nest, and
 * fresh allocations per message cost more than the parsing of a small one.
 * lf is the LF copy of the message. */
static _Thread_local struct kept {
	struct util_buf lf, dsn, arf, text, html, orig, v, w;
	struct util_buf cte, ct, cs, dec, u, diag;	/* of leaf and emit */
	struct util_buf orig_value;	/* of read_original and original_recipient */
	struct util_buf subject, raw_subject;	/* of message_subject */
	struct text_part *text_parts;	/* of leaf and load_text */
	size_t text_parts_cap;
	struct util_buf part_fields;
	struct mime_header top, orig_header;
} kept;

/* Above this, a buffer goes back to the system: one huge message does not
 * hold its memory for the rest of the run. */
#define KEEP_MAX (1u << 20)

static struct util_buf
reuse(struct util_buf *k)
{
	struct util_buf b = *k;

	*k = (struct util_buf){ NULL, 0, 0 };
	b.len = 0;
	if (b.p)
		b.p[0] = '\0';
	return b;
}

static void
keep(struct util_buf *k, struct util_buf *b)
{
	if (b->cap > KEEP_MAX)
		util_buf_free(b);
	*k = *b;
}

/* The same for the field arrays of parsed headers. */
static struct mime_header
reuse_header(struct mime_header *k)
{
	struct mime_header h = { NULL, k->f, 0, k->cap };

	*k = (struct mime_header){ NULL, NULL, 0, 0 };
	return h;
}

static void
keep_header(struct mime_header *k, struct mime_header *h)
{
	if (h->cap * sizeof *h->f > KEEP_MAX)
		mime_header_free(h);
	*k = *h;
}

static struct util_buf *load_text(struct msg *m);

/* The length of the notice: the text before the returned copy of the
 * message. Found when first needed: a report whose fields say it all never
 * reads the text. */
static size_t
notice_len(struct msg *m)
{
	if (!m->notice_done) {
		m->notice_done = 1;
		load_text(m);
		m->notice = m->text.len ? nonstd_original_start(m->text.p, m->text.len) : 0;
	}
	return m->notice;
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
	int added;

	if (m->textdiag.count >= TEXTDIAG_MAX || h->diag == NULL || *h->diag == '\0')
		return;
	for (size_t i = 0; i < n; i++)
		key[i] = (char)tolower((unsigned char)h->addr[i]);
	key[n] = '\0';
	e = hmap_put(&m->textdiag, key, n, &added);
	if (added)
		e->val = util_xstrdup(h->diag);
}

static const char *
textdiag_get(struct msg *m, const char *addr)
{
	struct hmap_entry *e;
	char key[ADDR_MAX];
	size_t n = 0;

	if (!m->textdiag_done) {
		m->textdiag_done = 1;
		if (load_text(m)->len)
			nonstd_scan_notice(m->text.p, notice_len(m), textdiag_hit, m);
	}
	while (addr[n] && n < ADDR_MAX - 1) {
		key[n] = (char)tolower((unsigned char)addr[n]);
		n++;
	}
	key[n] = '\0';
	e = hmap_get(&m->textdiag, key, n);
	return e ? e->val : NULL;
}

/* Longest reply text kept in an event. */
#define DIAG_MAX 4000

/* Scratch buffers. */
struct bufs {
	struct util_buf v, w;
};

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
static size_t
collapse_ws(char *dst, const char *src, size_t n, size_t limit)
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

/* Whether s[0..n) holds "=?", which starts every RFC 2047 encoded word. */
static int
has_encoded_word(const char *s, size_t n)
{
	const char *end = s + n;

	for (const char *p = s; (p = memchr(p, '=', (size_t)(end - p))) != NULL; p++)
		if (p + 1 < end && p[1] == '?')
			return 1;
	return 0;
}

/* The Subject of the message, encoded words decoded; "" if none. Looked
 * up once: several checks read it. */
static const char *
message_subject(struct msg *m)
{
	struct util_buf raw;

	if (m->subject_done)
		return m->subject.p;
	m->subject_done = 1;
	raw = reuse(&kept.raw_subject);
	if (mime_header_get(&m->top, "subject", &raw)) {
		/* Without an encoded word a value is its own text. */
		if (has_encoded_word(raw.p, raw.len))
			mime_decode_words(raw.p, raw.len, &m->subject);
		else
			util_buf_add(&m->subject, raw.p, raw.len);
	}
	util_buf_str(&m->subject);
	keep(&kept.raw_subject, &raw);
	return m->subject.p;
}

/* Bytes that end an address found by its '@' (NUL too, as strchr(3)
 * finds it): a table, not a strchr(3) call per byte. */
static const unsigned char addr_stop[256] = {
	[0] = 1, [' '] = 1, ['\t'] = 1, ['\n'] = 1, ['<'] = 1, ['>'] = 1, ['"'] = 1,
	['\''] = 1, ['('] = 1, [')'] = 1, [','] = 1, [';'] = 1, [':'] = 1, ['['] = 1,
	[']'] = 1,
};

/* The addr-spec in an address header value ("Name <a@b>", "a@b (c)"). */
static int
extract_addr(const char *v, size_t n, char *out)
{
	const char *lt = memchr(v, '<', n), *gt, *at;

	if (lt && (gt = memchr(lt, '>', n - (size_t)(lt - v))) != NULL && memchr(lt, '@',
	    (size_t)(gt - lt)))
		return addr_normalize(lt + 1, (size_t)(gt - lt - 1), 0, out) >= 0 ? 0 : -1;
	if ((at = memchr(v, '@', n)) != NULL) {
		const char *a = at, *b = at;

		while (a > v && !addr_stop[(unsigned char)a[-1]])
			a--;
		while (b < v + n && !addr_stop[(unsigned char)*b])
			b++;
		return addr_normalize(a, (size_t)(b - a), 0, out) >= 0 ? 0 : -1;
	}
	return -1;
}

/* Bytes left out of a Message-ID: white space (isspace(3) of the C locale)
 * and angle brackets. A table: one test per byte. */
static const unsigned char msgid_drop[256] = {
	[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, ['<'] = 1,
	['>'] = 1,
};

static void
msgid_copy(const char *v, size_t n, char *out)
{
	size_t a = 0, k = 0;

	while (a < n && (ascii_space((unsigned char)v[a]) || v[a] == '<'))
		a++;
	while (n > a && (ascii_space((unsigned char)v[n - 1]) || v[n - 1] == '>'))
		n--;
	for (size_t i = a; i < n && k + 1 < ADDR_MAX; i++)
		if (!msgid_drop[(unsigned char)v[i]])
			out[k++] = v[i];
	out[k] = '\0';
}

static int
field_is(const struct mime_header *g, size_t i, const char *name)
{
	size_t len = strlen(name);

	return g->f[i].namelen == len && strncasecmp(g->base + g->f[i].name, name, len) == 0;
}

/* The returned message's header (read once per message): author and
 * Message-ID, from the first field of each name, found in one pass. Its
 * recipient waits until it is asked for (original_recipient): few messages
 * need it. */
static void
read_original(struct msg *m, const char *s, size_t n)
{
	struct mime_header *h = &m->orig_header;
	struct util_buf v = reuse(&kept.orig_value);
	size_t from = SIZE_MAX, return_path = SIZE_MAX, msgid = SIZE_MAX;

	mime_header_parse(s, n, h);
	for (size_t i = 0; i < h->n; i++) {
		if (from == SIZE_MAX && field_is(h, i, "from"))
			from = i;
		else if (return_path == SIZE_MAX && field_is(h, i, "return-path"))
			return_path = i;
		else if (msgid == SIZE_MAX && field_is(h, i, "message-id"))
			msgid = i;
	}
	if (from != SIZE_MAX) {
		mime_field_value(h, from, &v);
		extract_addr(v.p, v.len, m->from);
	}
	if (m->from[0] == '\0' && return_path != SIZE_MAX) {
		mime_field_value(h, return_path, &v);
		extract_addr(v.p, v.len, m->from);
	}
	if (msgid != SIZE_MAX) {
		mime_field_value(h, msgid, &v);
		msgid_copy(v.p, v.len, m->msgid);
	}
	keep(&kept.orig_value, &v);
}

/* The recipient of the returned message, "" if none. */
static const char *
original_recipient(struct msg *m)
{
	struct util_buf v;

	if (m->orig_to_done)
		return m->orig_to;
	m->orig_to_done = 1;
	v = reuse(&kept.orig_value);
	/* Microsoft's complaint reports name the recipient here. */
	if (mime_header_get(&m->orig_header, "x-hmxmroriginalrecipient", &v))
		extract_addr(v.p, v.len, m->orig_to);
	if (m->orig_to[0] == '\0' && mime_header_get(&m->orig_header, "to", &v))
		extract_addr(v.p, v.len, m->orig_to);
	keep(&kept.orig_value, &v);
	return m->orig_to;
}

/* Whether a tag whose name starts at s ends a block of text: "</...>",
 * <br>, <p...>, <div>, <tr>, <li>. The tag's '>' follows: each test stops at
 * the first byte that differs, so no byte past it is read. */
static int
tag_ends_block(const char *s)
{
	switch (ascii_lower((unsigned char)s[0])) {
	case '/':
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

static void
strip_html(const char *s, size_t n, struct util_buf *out)
{
	static const struct { const char *ent; size_t len; char c; } ents[] = {
		{ "&lt;", 4, '<' }, { "&gt;", 4, '>' }, { "&amp;", 5, '&' }, { "&nbsp;", 6, ' ' },
		{ "&quot;", 6, '"' }, { "&#64;", 5, '@' },
	};
	/* The next '<' and '&', each found by memchr(3) once: the text between
	 * them is copied in one piece, not looked at byte by byte. */
	size_t lt = next_byte(s, 0, n, '<'), amp = next_byte(s, 0, n, '&'), i = 0;

	while (i < n) {
		size_t run = lt < amp ? lt : amp, k;

		if (run > i) {
			util_buf_add(out, s + i, run - i);
			i = run;
		} else if (s[i] == '<') {
			const char *gt = memchr(s + i, '>', n - i);

			if (gt == NULL)
				break;
			/* Block ends become line ends, so that line patterns still work. */
			if (i + 1 < n && tag_ends_block(s + i + 1))
				util_buf_addc(out, '\n');
			i = (size_t)(gt - s) + 1;
		} else {
			for (k = 0; k < sizeof ents / sizeof ents[0]; k++)
				if (n - i >= ents[k].len && strncasecmp(s + i, ents[k].ent,
				    ents[k].len) == 0)
					break;
			if (k < sizeof ents / sizeof ents[0]) {
				util_buf_addc(out, ents[k].c);
				i += ents[k].len;
			} else {
				util_buf_addc(out, '&');
				i++;
			}
		}
		if (lt < i)
			lt = next_byte(s, i, n, '<');
		if (amp < i)
			amp = next_byte(s, i, n, '&');
	}
	util_buf_addc(out, '\n');
}

/* What a leaf part holds for a bounce, by its content type. */
enum part_kind { PART_OTHER, PART_REPORT, PART_FEEDBACK, PART_ORIGINAL, PART_TEXT };

static enum part_kind
part_kind(const char *t)
{
	/* The top-level type first: it tells most parts apart at once. */
	if (strncmp(t, "text/", 5) == 0) {
		t += 5;
		if (strcmp(t, "delivery-status") == 0)
			return PART_REPORT;
		if (strcmp(t, "rfc822-headers") == 0)
			return PART_ORIGINAL;
		return PART_TEXT;
	}
	if (strncmp(t, "message/", 8) == 0) {
		t += 8;
		if (strcmp(t, "delivery-status") == 0 || strcmp(t, "global-delivery-status") == 0)
			return PART_REPORT;
		if (strcmp(t, "feedback-report") == 0)
			return PART_FEEDBACK;
		if (strcmp(t, "rfc822") == 0 || strcmp(t, "global") == 0 ||
		    strcmp(t, "global-headers") == 0 || strcmp(t, "partial") == 0)
			return PART_ORIGINAL;
	}
	return PART_OTHER;
}

/* A text part noted for load_text, with the values of its fields that
 * decoding reads. */
static void
add_text_part(struct msg *m, const struct mime_part *p, const struct util_buf *cte)
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
static struct util_buf *
load_text(struct msg *m)
{
	struct util_buf dec;

	if (m->text_loaded)
		return &m->text;
	m->text_loaded = 1;
	dec = reuse(&kept.dec);
	for (size_t i = 0; i < m->ntext_parts; i++) {
		const struct text_part *t = &kept.text_parts[i];
		const char *cs = kept.part_fields.p + t->charset;

		util_buf_reset(&dec);
		mime_decode_body(t->body, t->bodylen, kept.part_fields.p + t->cte, &dec);
		if (t->html) {
			struct util_buf u = reuse(&kept.u);

			mime_charset_to_utf8(dec.p, dec.len, *cs ? cs : NULL, &u);
			strip_html(u.p, u.len, &m->html);
			keep(&kept.u, &u);
		} else {
			mime_charset_to_utf8(dec.p, dec.len, *cs ? cs : NULL, &m->text);
			util_buf_addc(&m->text, '\n');
		}
	}
	keep(&kept.dec, &dec);
	if (m->text.len == 0 && m->html.len > 0)
		util_buf_add(&m->text, m->html.p, m->html.len);
	return &m->text;
}

static void
leaf(void *arg, const struct mime_part *p)
{
	struct msg *m = arg;
	enum part_kind kind = part_kind(p->ctype);
	struct util_buf cte;

	/* Only the first returned message counts, and only text near the top
	 * (Google nests it in related/alternative): deeper parts are attachments
	 * of some other kind. Their fields are not looked up. */
	if (kind == PART_OTHER || (kind == PART_ORIGINAL && m->has_orig) ||
	    (kind == PART_TEXT && p->depth > 4))
		return;
	cte = reuse(&kept.cte);
	mime_header_get(p->header, "content-transfer-encoding", &cte);
	switch (kind) {
	case PART_REPORT:
		mime_decode_body(p->body, p->bodylen, cte.p, &m->dsn);
		util_buf_add(&m->dsn, "\n\n", 2);
		break;
	case PART_FEEDBACK:
		mime_decode_body(p->body, p->bodylen, cte.p, &m->arf);
		util_buf_add(&m->arf, "\n\n", 2);
		break;
	case PART_ORIGINAL:
		mime_decode_body(p->body, p->bodylen, cte.p, &m->orig);
		m->has_orig = 1;
		break;
	case PART_TEXT:
		add_text_part(m, p, &cte);
		break;
	case PART_OTHER:
		break;
	}
	keep(&kept.cte, &cte);
}

/* The first SMTP reply code in a reply text: a word of three digits
 * ("550 ", "550-", "550 5.1.1") not part of an address, number or time. */
static int
find_reply_code(const char *s, size_t n)
{
	for (size_t i = 0; i + 3 <= n; i++) {
		char c = s[i];
		int code;

		if (c < '2' || c > '5' || (c == '3'))
			continue;
		if (i > 0 && (isalnum((unsigned char)s[i - 1]) || strchr(".:-/#=_[<@", s[i - 1])))
			continue;
		if (!isdigit((unsigned char)s[i + 1]) || !isdigit((unsigned char)s[i + 2]))
			continue;
		if (i + 3 < n && s[i + 3] != ' ' && s[i + 3] != '-' && s[i + 3] != ')' &&
		    s[i + 3] != ',')
			continue;
		if (i + 4 < n && s[i + 3] == '-' && !isalnum((unsigned char)s[i + 4]) &&
		    s[i + 4] != ' ')
			continue;
		code = (c - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
		if (s[i + 1] > '5')
			continue;
		return code;
	}
	return 0;
}

/* Strips a "type;" prefix (rfc822;, smtp;, dns;, X-Unix;). */
static const char *
skip_type(const char *v)
{
	const char *semi = strchr(v, ';');

	if (semi && semi - v < 24) {
		const char *p = v;

		while (p < semi && (isalnum((unsigned char)*p) || *p == '-' || *p == '_'))
			p++;
		if (p == semi) {
			v = semi + 1;
			while (*v == ' ' || *v == '\t')
				v++;
		}
	}
	return v;
}

struct rcpt {
	const char *addr;
	size_t addrlen;
	const char *orig_rcpt;
	const char *action;
	const char *status;
	const char *diag;
	const char *rhost;
	const char *reason;
	const char *class;
	const char *qid;
	const char *hint;	/* more text about it, for the reason only */
	time_t time;
};

static void
emit(struct msg *m, const struct rcpt *r)
{
	struct event e;
	struct util_buf diag;
	char st[STATUS_MAX];

	event_init(&e);
	if (event_set_rcpt(&e, r->addr, r->addrlen) != 0) {
		char tmp[ADDR_MAX];
		size_t n = r->addrlen < ADDR_MAX - 1 ? r->addrlen : ADDR_MAX - 1;

		memcpy(tmp, r->addr, n);
		tmp[n] = '\0';
		/* "Name <a@b>" or a comment after the address. */
		if (extract_addr(tmp, n, e.rcpt) != 0 || event_set_rcpt(&e, e.rcpt,
		    strlen(e.rcpt)) != 0)
			return;
	}
	diag = reuse(&kept.diag);
	if (r->diag && *r->diag) {
		size_t n = strlen(r->diag), k = DIAG_MAX;

		/* A reply text is a few lines: the rest of a hostile one is cut, at
		 * a character boundary. One byte more than kept tells if it is. */
		diag.len = collapse_ws(util_buf_room(&diag, n < DIAG_MAX + 1 ? n : DIAG_MAX + 1),
		    r->diag, n, DIAG_MAX + 1);
		if (diag.len > DIAG_MAX) {
			while (k > 0 && ((unsigned char)diag.p[k] & 0xc0) == 0x80)
				k--;
			diag.len = k;
		}
		util_buf_str(&diag);
		e.diag = diag.p;
		e.code = find_reply_code(diag.p, diag.len < 400 ? diag.len : 400);
	}
	if (r->status && status_parse(r->status, strcspn(r->status, " \t(;"), st) == 0)
		memcpy(e.status, st, sizeof st);
	/* A generic code ("5.0.0") next to a specific one in the reply text. A
	 * transcript may also hold the 2.x.x replies before the failure. */
	if (e.diag && (e.status[0] == '\0' || strcmp(e.status + 1, ".0.0") == 0)) {
		const char *p = e.diag, *end = e.diag + (diag.len < 400 ? diag.len : 400);

		while (p < end && (p = status_find(p, (size_t)(end - p), st)) != NULL) {
			if (st[0] != '2' && (e.status[0] == '\0' || (st[0] == e.status[0] &&
			    strcmp(st + 1, ".0.0") != 0))) {
				memcpy(e.status, st, sizeof st);
				break;
			}
		}
	}
	e.action = r->action;
	if (e.action == NULL) {
		if (e.status[0] == '2')
			e.action = "delivered";
		else if (e.status[0] == '4' || (e.status[0] == '\0' && e.code >= 400 &&
		    e.code < 500))
			e.action = "delayed";
		else
			e.action = "failed";
	}
	e.reason = r->reason;
	e.class = r->class;
	/* The notice may tell which SMTP command the reply answered. */
	e.context = r->hint && *r->hint ? r->hint : NULL;
	e.time = r->time != (time_t)-1 ? r->time : m->date;
	if (e.time == (time_t)-1 && m->fd >= 0) {
		/* No date in the message: a Maildir's file time is its arrival. */
		struct stat fst;

		if (fstat(m->fd, &fst) == 0)
			e.time = fst.st_mtime;
	}
	e.rhost = r->rhost && *r->rhost ? r->rhost : NULL;
	e.from = m->from[0] ? m->from : NULL;
	e.msgid = m->msgid[0] ? m->msgid : NULL;
	e.qid = r->qid && *r->qid ? r->qid : NULL;
	e.orig_rcpt = r->orig_rcpt;
	e.source = "email";
	e.origin = m->origin;
	m->o->sink(m->o->sink_arg, &e);
	m->events++;
	keep(&kept.diag, &diag);
}

static time_t
date_of(const char *v)
{
	time_t t;

	return v && *v && mime_parse_date(v, strlen(v), &t) == 0 ? t : (time_t)-1;
}

/* One recipient's fields in a delivery-status block: field indices. */
struct dsn_rcpt {
	long fr, orr, act, st, rm, dc, lad;
};

static void
dsn_clear(struct dsn_rcpt *d)
{
	d->fr = d->orr = d->act = d->st = d->rm = d->dc = d->lad = -1;
}

struct dsn_msg {
	time_t arrival;
	struct util_buf qid, notice;
	struct util_buf fr, orr, act, st, rm, dc, lad;
};

/* The header and buffers of parse_dsn, kept per thread as those of
 * parse_message are: parse_dsn does not nest (nothing it calls comes back). */
static _Thread_local struct {
	struct mime_header group;
	struct util_buf value;
	struct dsn_msg msg;
} dsn_kept;

/* Frees the buffers of dsn_kept that hold more than max bytes. */
static void
dsn_kept_trim(size_t max)
{
	struct dsn_msg *dm = &dsn_kept.msg;
	struct util_buf *all[] = { &dsn_kept.value, &dm->qid, &dm->notice, &dm->fr, &dm->orr,
	    &dm->act, &dm->st, &dm->rm, &dm->dc, &dm->lad };

	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (all[i]->cap > max)
			util_buf_free(all[i]);
	if (dsn_kept.group.cap * sizeof *dsn_kept.group.f > max)
		mime_header_free(&dsn_kept.group);
}

static void failed_rcpt_diag(struct msg *m, const char *addr, size_t n, struct util_buf *out);

/* Whether the reason of a reply text may depend on the SMTP command it
 * answered (the classifier says: reason_needs_command). */
static int
need_context(const char *diag, const char *status)
{
	return reason_needs_command(diag, status);
}

static const char *
dsn_value(const struct mime_header *g, long i, struct util_buf *b)
{
	if (i < 0)
		return NULL;
	mime_field_value(g, (size_t)i, b);
	return b->p;
}

static void
dsn_flush(struct msg *m, const struct mime_header *g, struct dsn_rcpt *d, struct dsn_msg *dm)
{
	struct rcpt r = {0};
	char orig[ADDR_MAX];
	const char *fr, *orr, *v;

	if (d->fr < 0 && d->orr < 0)
		return;
	fr = dsn_value(g, d->fr, &dm->fr);
	orr = dsn_value(g, d->orr, &dm->orr);
	r.addr = skip_type(fr ? fr : orr);
	/* "rfc822; <>", junk or a source route: the original recipient may be
	 * the better name. */
	if (fr && orr && strchr(skip_type(orr), '@') && (strchr(r.addr, '@') == NULL ||
	    r.addr[0] == '@'))
		r.addr = skip_type(orr);
	r.addrlen = strlen(r.addr);
	if (fr && orr && addr_normalize(skip_type(orr), strlen(skip_type(orr)), 0, orig) >= 0)
		r.orig_rcpt = orig;
	if ((v = dsn_value(g, d->act, &dm->act)) != NULL)
		r.action = event_action_name(v, strcspn(v, " \t(;"));
	r.status = dsn_value(g, d->st, &dm->st);
	if ((v = dsn_value(g, d->rm, &dm->rm)) != NULL)
		r.rhost = skip_type(v);
	if ((v = dsn_value(g, d->dc, &dm->dc)) != NULL) {
		r.diag = skip_type(v);
		/* "X-Unix; 75": a local delivery program's exit status. */
		if (strncasecmp(v, "x-unix", 6) == 0)
			r.reason = "mailererror";
	}
	/* The readable part is read only when it may help: no reply text, a
	 * generic code, or a "user unknown" that needs to know which command
	 * it answered. */
	if (r.diag == NULL || strlen(r.diag) < 8 || need_context(r.diag, r.status)) {
		char a[ADDR_MAX];
		const char *t;

		if (addr_normalize(r.addr, r.addrlen, 0, a) < 0) {
			;	/* emit() reports nothing for it either */
		} else if ((t = textdiag_get(m, a)) != NULL) {
			if (r.diag == NULL || strlen(r.diag) < 8)
				r.diag = t;
			else
				r.hint = t;	/* often names the SMTP command */
		} else if (r.diag == NULL || *r.diag == '\0') {
			/* Named somewhere in the notice, if not on a line of its own. */
			failed_rcpt_diag(m, a, strlen(a), &dm->notice);
			r.diag = dm->notice.len ? dm->notice.p : NULL;
		}
	}
	r.time = (time_t)-1;
	if ((v = dsn_value(g, d->lad, &dm->lad)) != NULL)
		r.time = date_of(v);
	if (r.time == (time_t)-1)
		r.time = m->date != (time_t)-1 ? m->date : dm->arrival;
	r.qid = dm->qid.len ? dm->qid.p : NULL;
	emit(m, &r);
	dsn_clear(d);
}

/* RFC 3464: per-message fields, then one group per recipient. Groups that
 * lack the empty line between them are split where a recipient field repeats. */
static void
parse_dsn(struct msg *m, const char *s, size_t n)
{
	struct mime_header g = reuse_header(&dsn_kept.group);
	struct dsn_msg *dm = &dsn_kept.msg;
	struct util_buf v = reuse(&dsn_kept.value);
	size_t pos = 0;

	dm->arrival = (time_t)-1;
	util_buf_reset(&dm->qid);	/* the others are set before they are read */
	while (pos < n) {
		struct dsn_rcpt d;
		size_t used;

		if (s[pos] == '\n' || s[pos] == ' ' || s[pos] == '\t') {
			pos++;
			continue;
		}
		used = mime_header_parse(s + pos, n - pos, &g);
		if (g.n == 0) {
			const char *nl = memchr(s + pos, '\n', n - pos);

			pos = nl ? (size_t)(nl - s) + 1 : n;
			continue;
		}
		pos += used;
		dsn_clear(&d);
		for (size_t i = 0; i < g.n; i++) {
			long li = (long)i;

			if (field_is(&g, i, "final-recipient")) {
				if (d.fr >= 0)
					dsn_flush(m, &g, &d, dm);
				d.fr = li;
			} else if (field_is(&g, i, "original-recipient")) {
				if (d.orr >= 0 || (d.fr >= 0 && (d.act > d.fr || d.st > d.fr)))
					dsn_flush(m, &g, &d, dm);
				d.orr = li;
			} else if (field_is(&g, i, "action"))
				d.act = li;
			else if (field_is(&g, i, "status"))
				d.st = li;
			else if (field_is(&g, i, "remote-mta"))
				d.rm = li;
			else if (field_is(&g, i, "diagnostic-code"))
				d.dc = li;
			else if (field_is(&g, i, "last-attempt-date"))
				d.lad = li;
			else if (field_is(&g, i, "arrival-date")) {
				mime_field_value(&g, i, &v);
				dm->arrival = date_of(v.p);
			} else if (field_is(&g, i, "x-postfix-queue-id") && dm->qid.len == 0)
				mime_field_value(&g, i, &dm->qid);
		}
		dsn_flush(m, &g, &d, dm);
	}
	keep_header(&dsn_kept.group, &g);
	keep(&dsn_kept.value, &v);
	dsn_kept_trim(KEEP_MAX);
}

/* RFC 5965: a complaint. The message was delivered: no bounce. */
static void
parse_arf(struct msg *m, const char *s, size_t n)
{
	struct mime_header g = {0};
	struct util_buf v = {0}, ft = {0};
	struct rcpt r = {0};
	char rcpt[ADDR_MAX] = "";

	mime_header_parse(s, n, &g);
	mime_header_get(&g, "feedback-type", &ft);
	if (mime_header_get(&g, "original-rcpt-to", &v))
		extract_addr(v.p, v.len, rcpt);
	if (rcpt[0] == '\0' && original_recipient(m)[0])
		memcpy(rcpt, m->orig_to, sizeof rcpt);
	if (rcpt[0] == '\0' && mime_header_get(&g, "removal-recipient", &v))
		extract_addr(v.p, v.len, rcpt);
	r.time = (time_t)-1;
	if (mime_header_get(&g, "arrival-date", &v) || mime_header_get(&g, "received-date", &v))
		r.time = date_of(v.p);
	if (mime_header_get(&g, "source-ip", &v))
		r.rhost = NULL;
	if (rcpt[0]) {
		r.addr = rcpt;
		r.addrlen = strlen(rcpt);
		r.action = "delivered";
		r.reason = "feedback";
		r.class = "none";
		r.diag = ft.len ? ft.p : "abuse";
		emit(m, &r);
	}
	mime_header_free(&g);
	util_buf_free(&v);
	util_buf_free(&ft);
}

static void
nonstd_hit(void *arg, const struct nonstd_hit *h)
{
	struct msg *m = arg;
	struct rcpt r = {0};

	r.addr = h->addr;
	r.addrlen = h->addrlen;
	r.diag = h->diag;
	r.time = (time_t)-1;
	r.action = h->delayed ? "delayed" : NULL;
	emit(m, &r);
}

/* The reply text for a recipient named only in X-Failed-Recipients: the
 * lines of the notice from where it (or its local part) is mentioned. */
static void
failed_rcpt_diag(struct msg *m, const char *addr, size_t n, struct util_buf *out)
{
	size_t end, lines = 0;
	const char *t = load_text(m)->p, *hit = NULL, *p;

	util_buf_reset(out);
	util_buf_str(out);
	if (t == NULL || m->notice_lookups >= NOTICE_LOOKUPS_MAX)
		return;
	m->notice_lookups++;
	end = notice_len(m);
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
	for (p = hit; p < t + end && lines < 10; lines++) {
		const char *nl = memchr(p, '\n', (size_t)(t + end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(t + end - p);

		util_buf_add(out, p, len);
		util_buf_addc(out, ' ');
		p = nl ? nl + 1 : t + end;
	}
	out->len = collapse_ws(out->p, out->p, out->len, SIZE_MAX);
	util_buf_str(out);
}

/* Amazon SES notifications sent by email (an SNS subscription): the body
 * is the JSON of the webhook, on its first line. */
static void
ses_forward(void *arg, struct event *e)
{
	struct msg *m = arg;

	m->events++;
	m->o->sink(m->o->sink_arg, e);
}

static void
parse_ses_json(struct msg *m)
{
	const char *p = load_text(m)->p, *end = p + notice_len(m), *nl;
	struct input_loc loc = { m->origin, 1 };
	struct webhook *w;

	while (p < end && (*p == ' ' || *p == '\n' || *p == '\t'))
		p++;
	if (p >= end || *p != '{' || (nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
		nl = end;
	if (p >= end || *p != '{' || util_memcasemem(p, (size_t)(nl - p), "\"notificationType\"") == NULL)
		return;
	w = webhook_new(WEBHOOK_SES, m->origin, ses_forward, m);
	webhook_line(w, &loc, p, (size_t)(nl - p));
	webhook_end(w);
}

static int
contains(const char *s, const char *needle)
{
	return s && util_memcasemem(s, strlen(s), needle) != NULL;
}

/* Whether s holds one of words (lower case), ASCII case ignored. s is
 * folded once, into fold: each word is then a strstr(3), not a search that
 * folds every byte again. */
static int
contains_any(const char *s, const char *const *words, size_t nwords, struct util_buf *fold)
{
	size_t n = strlen(s);
	char *f;

	util_buf_reset(fold);
	f = util_buf_room(fold, n);
	for (size_t i = 0; i < n; i++)
		f[i] = (char)ascii_lower((unsigned char)s[i]);
	f[n] = '\0';
	for (size_t i = 0; i < nwords; i++)
		if (strstr(f, words[i]) != NULL)
			return 1;
	return 0;
}

/* Signs that a message is a delivery failure notice at all: 1 for one
 * sign, 2 when both its sender and its subject say so. */
static int
looks_like_bounce(struct msg *m, struct bufs *b)
{
	int subject = 0, sender = 0;

	/* Words of the subjects and senders of delivery notices. Newsletters
	 * come from "no-reply" senders and speak of "errors" too, so the words
	 * are about mail delivery, not trouble in general. */
	static const char *const subjects[] = { "undeliver", "delivery", "returned mail",
		"failure notice", "mail failure", "delivery failed", "mail delivery failed",
		"mail system error", "returned to sender", "could not send", "not delivered",
		"nondeliverable", "non-deliverable", "message not", "postmaster notify",
		"mail status", "delayed mail", "error sending your mail", "message you sent",
		"bulk email filter", "mail could not", "rejected", "bounce" };
	static const char *const senders[] = { "mailer-daemon", "postmaster", "mail delivery",
		"mailer_daemon", "maildaemon", "mail-daemon", "mdaemon", "mail administrator",
		"post_master", "ndr administrator",
		"mail system", "delivery subsystem", "delivery system" };

	subject = contains_any(message_subject(m), subjects, sizeof subjects / sizeof subjects[0],
	    &b->w);
	mime_header_get(&m->top, "from", &b->v);
	sender = contains_any(b->v.p, senders, sizeof senders / sizeof senders[0], &b->w);
	if (subject && sender)
		return 2;
	if (subject || sender || mime_header_get(&m->top, "x-failed-recipients", &b->v))
		return 1;
	if (mime_header_get(&m->top, "return-path", &b->v) && strcmp(b->v.p, "<>") == 0)
		return 1;
	mime_header_get(&m->top, "content-type", &b->v);
	return contains(b->v.p, "multipart/report");
}

/* RFC 3834 and the headers and subjects of auto-responders. */
static int
looks_like_autoreply(struct msg *m, struct bufs *b)
{
	static const char *const subjects[] = { "auto reply", "auto-reply", "autoreply",
		"automatic reply", "auto response", "autoresponse", "out of office",
		"out of the office", "vacation", "away from", "abwesenheit", "absence",
		"réponse automatique", "respuesta automática", "autosvar", "automaattinen" };

	if (mime_header_get(&m->top, "auto-submitted", &b->v) &&
	    util_strcaseprefix(b->v.p, "auto-replied"))
		return 1;
	if (mime_header_get(&m->top, "x-autoreply", &b->v) ||
	    mime_header_get(&m->top, "x-autorespond", &b->v) ||
	    mime_header_get(&m->top, "x-autoresponder", &b->v))
		return 1;
	if (mime_header_get(&m->top, "precedence", &b->v) && contains(b->v.p, "auto_reply"))
		return 1;
	if (mime_header_get(&m->top, "x-apple-action", &b->v) && contains(b->v.p, "vacation"))
		return 1;
	return contains_any(message_subject(m), subjects, sizeof subjects / sizeof subjects[0],
	    &b->w);
}

/* fd: the message's file, whose time stands in for a missing Date, and then
 * raw[rawlen] is a NUL; or -1. */
static void
parse_message(const char *raw, size_t rawlen, const char *origin, int fd,
    const struct email_opts *o)
{
	struct msg m = {0};
	struct bufs b = {0};
	size_t n, body;
	int bounce;
	const char *s;

	/* Most messages have LF line ends already: no copy for them. */
	if (fd >= 0 && memchr(raw, '\r', rawlen) == NULL) {
		s = raw;	/* parse_fd leaves a NUL after it */
		n = rawlen;
	} else {
		mime_lf_buf(raw, rawlen, &kept.lf);
		s = kept.lf.p;
		n = kept.lf.len;
	}
	m.dsn = reuse(&kept.dsn);
	m.arf = reuse(&kept.arf);
	m.text = reuse(&kept.text);
	m.html = reuse(&kept.html);
	m.orig = reuse(&kept.orig);
	m.subject = reuse(&kept.subject);
	util_buf_reset(&kept.part_fields);
	b.v = reuse(&kept.v);
	b.w = reuse(&kept.w);
	m.top = reuse_header(&kept.top);
	m.orig_header = reuse_header(&kept.orig_header);

	m.origin = origin;
	m.fd = fd;
	m.o = o;
	m.date = (time_t)-1;
	body = mime_header_parse(s, n, &m.top);
	if (m.top.n == 0)
		goto done;	/* not a message */
	if (mime_header_get(&m.top, "date", &b.v))
		m.date = date_of(b.v.p);
	mime_walk_parsed(s, n, &m.top, body, leaf, &m);
	if (m.has_orig)
		read_original(&m, m.orig.p ? m.orig.p : "", m.orig.len);
	else if (load_text(&m)->len) {
		size_t at = notice_len(&m);

		/* Past the marker line ("--- Below this line is a copy ...") and
		 * the empty lines after it, if the copy does not start at once. */
		if (at < m.text.len && !email_looks_like_header(m.text.p + at,
		    strcspn(m.text.p + at, "\n"))) {
			const char *nl = memchr(m.text.p + at, '\n', m.text.len - at);

			at = nl ? (size_t)(nl - m.text.p) + 1 : m.text.len;
			while (at < m.text.len && (m.text.p[at] == '\n' || m.text.p[at] == ' '))
				at++;
		}
		if (at < m.text.len)
			read_original(&m, m.text.p + at, m.text.len - at);
	}
	if (m.dsn.len)
		parse_dsn(&m, m.dsn.p, m.dsn.len);
	/* Every way on from here reads the text, and only for a message whose
	 * report (if any) named nobody. */
	if (m.events == 0)
		load_text(&m);
	/* Report fields pasted into the text (no delivery-status part). */
	if (m.events == 0 && m.text.len && util_memcasemem(m.text.p, m.text.len,
	    "\nFinal-Recipient:") && util_memcasemem(m.text.p, m.text.len, "\nStatus:"))
		parse_dsn(&m, m.text.p, m.text.len);
	if (m.events == 0 && m.arf.len)
		parse_arf(&m, m.arf.p, m.arf.len);
	/* Complaint loops that forward the message without an RFC 5965 report
	 * (Microsoft JMRP: "complaint about message from 192.0.2.1"). */
	if (m.events == 0 && m.arf.len == 0 && m.has_orig && original_recipient(&m)[0] &&
	    contains(message_subject(&m), "complaint about message")) {
		util_buf_adds(&m.arf, "Feedback-Type: abuse\n");
		parse_arf(&m, m.arf.p, m.arf.len);
	}
	if (m.events == 0 && m.arf.len == 0 && m.text.len)
		parse_ses_json(&m);
	bounce = m.events == 0 && m.arf.len == 0 ? looks_like_bounce(&m, &b) : 0;
	if (bounce)
		nonstd_scan_notice(m.text.p ? m.text.p : "", notice_len(&m), nonstd_hit, &m);
	if (m.events == 0 && m.arf.len == 0 &&
	    mime_header_get(&m.top, "x-failed-recipients", &b.v)) {
		/* Exim names the failed recipients in a header. */
		const char *p = b.v.p;

		while (*p) {
			size_t k = strcspn(p, ", ");
			struct rcpt r = {0};

			if (k > 0 && memchr(p, '@', k)) {
				r.addr = p;
				r.addrlen = k;
				r.time = (time_t)-1;
				failed_rcpt_diag(&m, p, k, &b.w);
				r.diag = b.w.len ? b.w.p : NULL;
				emit(&m, &r);
			}
			p += k;
			while (*p == ',' || *p == ' ')
				p++;
		}
	}
	/* Sender and subject both say it is a bounce, and it names nobody: the
	 * returned message's recipient is the one (MMS gateways, Google Groups).
	 * Not for auto-replies, which may quote any message. */
	if (m.events == 0 && bounce == 2 && original_recipient(&m)[0] && !(mime_header_get(&m.top,
	    "auto-submitted", &b.v) && util_strcaseprefix(b.v.p, "auto-replied"))) {
		struct rcpt r = {0};

		failed_rcpt_diag(&m, m.orig_to, strlen(m.orig_to), &b.w);
		r.addr = m.orig_to;
		r.addrlen = strlen(m.orig_to);
		r.diag = b.w.len ? b.w.p : NULL;
		r.time = (time_t)-1;
		emit(&m, &r);
	}
	if (m.events == 0 && m.arf.len == 0 && looks_like_autoreply(&m, &b)) {
		char who[ADDR_MAX];

		if (mime_header_get(&m.top, "from", &b.v) && extract_addr(b.v.p, b.v.len, who) == 0) {
			struct rcpt r = {0};

			message_subject(&m);
			r.addr = who;
			r.addrlen = strlen(who);
			r.action = "delivered";
			r.reason = "vacation";
			r.class = "none";
			r.diag = m.subject.len ? m.subject.p : NULL;
			r.time = (time_t)-1;
			m.from[0] = '\0';
			emit(&m, &r);
		}
	}
done:
	keep_header(&kept.top, &m.top);
	keep_header(&kept.orig_header, &m.orig_header);
	hmap_free(&m.textdiag, free);
	keep(&kept.dsn, &m.dsn);
	keep(&kept.arf, &m.arf);
	keep(&kept.text, &m.text);
	keep(&kept.html, &m.html);
	keep(&kept.orig, &m.orig);
	keep(&kept.subject, &m.subject);
	if (kept.part_fields.cap > KEEP_MAX)
		util_buf_free(&kept.part_fields);
	if (kept.text_parts_cap * sizeof *kept.text_parts > KEEP_MAX) {
		free(kept.text_parts);
		kept.text_parts = NULL;
		kept.text_parts_cap = 0;
	}
	keep(&kept.v, &b.v);
	keep(&kept.w, &b.w);
	if (kept.lf.cap > KEEP_MAX)
		util_buf_free(&kept.lf);
}

int
email_parse(const char *msg, size_t len, const char *origin, const struct email_opts *o)
{
	parse_message(msg, len, origin, -1, o);
	return BK_OK;
}

/* mbox: "From " lines after an empty line (or first) start messages; mboxrd
 * quoting (">From ", ">>From ") loses one ">". */
struct email_mbox {
	const struct email_opts *o;
	const char *name;
	struct util_buf msg;
	unsigned long count;
	int started, prev_empty;
};

struct email_mbox *
email_mbox_new(const char *name, const struct email_opts *o)
{
	struct email_mbox *m = util_xcalloc(1, sizeof *m);

	m->o = o;
	m->name = name;
	m->prev_empty = 1;
	return m;
}

static void
mbox_flush(struct email_mbox *m)
{
	char *origin;
	size_t len;

	if (!m->started)
		return;
	len = strlen(m->name) + 24;
	origin = util_xmalloc(len);
	snprintf(origin, len, "%s#%lu", m->name, m->count);
	parse_message(m->msg.p ? m->msg.p : "", m->msg.len, origin, -1, m->o);
	free(origin);
	util_buf_reset(&m->msg);
}

static int mbox_line(struct email_mbox *m, const char *line, size_t len);

int
email_mbox_line(struct email_mbox *m, const char *line, size_t len)
{
	const char *cr;

	/* CR-only line ends (old Macs) reach here as one long line. */
	while ((cr = memchr(line, '\r', len)) != NULL) {
		mbox_line(m, line, (size_t)(cr - line));
		len -= (size_t)(cr - line) + 1;
		line = cr + 1;
	}
	return mbox_line(m, line, len);
}

static int
mbox_line(struct email_mbox *m, const char *line, size_t len)
{
	if (len >= 5 && memcmp(line, "From ", 5) == 0 && m->prev_empty) {
		mbox_flush(m);
		m->started = 1;
		m->count++;
		m->prev_empty = 0;
		return BK_OK;
	}
	m->prev_empty = len == 0;
	if (!m->started)
		return BK_OK;	/* text before the first "From " line */
	if (len > 0 && line[0] == '>') {
		size_t i = 0;

		while (i < len && line[i] == '>')
			i++;
		if (len - i >= 5 && memcmp(line + i, "From ", 5) == 0) {
			line++;
			len--;
		}
	}
	util_buf_add(&m->msg, line, len);
	util_buf_addc(&m->msg, '\n');
	return BK_OK;
}

int
email_mbox_end(struct email_mbox *m)
{
	mbox_flush(m);
	util_buf_free(&m->msg);
	free(m);
	return BK_OK;
}

/* Reads the open regular file fd into b. POSIX read(2) returns less than
 * asked of a regular file only at its end (or on a signal, which we do not
 * catch): a short read ends it, which saves the read(2) that would return 0,
 * and a buffer of 64 KiB or more takes most messages at once. */
static int
read_fd(int fd, struct util_buf *b)
{
	ssize_t k;

	util_buf_reset(b);
	for (;;) {
		size_t want;

		if (b->cap - b->len < 65536) {
			b->cap = b->cap ? b->cap * 2 : 65536;
			b->p = util_xrealloc(b->p, b->cap);
		}
		want = b->cap - b->len - 1;
		if ((k = read(fd, b->p + b->len, want)) <= 0)
			break;
		b->len += (size_t)k;
		if ((size_t)k < want)
			break;
	}
	return k < 0 ? -1 : 0;
}

/* The message file being read, per thread, reused from one to the next. */
static _Thread_local struct util_buf file_buf;

/* The message file open as fd, named path; closes fd. */
static int
parse_fd(int fd, const char *path, const struct email_opts *o)
{
	if (read_fd(fd, &file_buf) != 0) {
		util_warn("%s: read error", path);
		close(fd);
		return BK_ERR;
	}
	file_buf.p[file_buf.len] = '\0';	/* read_fd leaves room for it */
	/* Open while parsing: its time stands in for a missing Date. */
	parse_message(file_buf.p, file_buf.len, path, fd, o);
	close(fd);
	if (file_buf.cap > KEEP_MAX)
		util_buf_free(&file_buf);
	return BK_OK;
}

void
email_thread_end(void)
{
	struct util_buf *all[] = { &file_buf, &kept.lf, &kept.dsn, &kept.arf, &kept.text,
	    &kept.html, &kept.orig, &kept.v, &kept.w, &kept.cte, &kept.ct, &kept.cs, &kept.dec,
	    &kept.u, &kept.diag, &kept.orig_value, &kept.subject, &kept.raw_subject,
	    &kept.part_fields };

	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		util_buf_free(all[i]);
	free(kept.text_parts);
	kept.text_parts = NULL;
	kept.text_parts_cap = 0;
	mime_header_free(&kept.top);
	mime_header_free(&kept.orig_header);
	dsn_kept_trim(0);
}

/* A message file of a folder: its path (the origin of its events), and the
 * directory it is opened in by its name alone, at path + base: opening by
 * the whole path makes the kernel look up every directory on it again, a
 * tenth of the time of reading a small message. */
struct folder_entry {
	char *path;
	size_t base;
	int dir;		/* index in email_folder.fd */
};

struct email_folder {
	struct folder_entry *e;
	size_t n, cap;
	int fd[2];		/* the folder, or a Maildir's cur/ and new/ */
	int ndirs;
};

static int
cmp_entries(const void *a, const void *b)
{
	return strcmp(((const struct folder_entry *)a)->path,
	    ((const struct folder_entry *)b)->path);
}

/* Regular files of base/sub whose names do not start with a dot. */
static int
list_files(struct email_folder *f, const char *base, const char *sub)
{
	char *dirpath;
	size_t len = strlen(base) + strlen(sub) + 2, dl;
	DIR *d;
	struct dirent *de;
	int dir;

	dirpath = util_xmalloc(len);
	snprintf(dirpath, len, "%s%s%s", base, *sub ? "/" : "", sub);
	dl = strlen(dirpath);
	if ((d = opendir(dirpath)) == NULL || (f->fd[f->ndirs] = dup(dirfd(d))) < 0) {
		util_warn("%s", dirpath);
		if (d)
			closedir(d);
		free(dirpath);
		return -1;
	}
	dir = f->ndirs++;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		size_t nl;
		struct folder_entry *e;

		if (de->d_name[0] == '.')
			continue;
#ifdef DT_REG
		/* The type from the directory saves a stat per file. */
		if (!(de->d_type == DT_REG || ((de->d_type == DT_UNKNOWN || de->d_type == DT_LNK) &&
		    fstatat(dirfd(d), de->d_name, &st, 0) == 0 && S_ISREG(st.st_mode))))
#else
		if (!(fstatat(dirfd(d), de->d_name, &st, 0) == 0 && S_ISREG(st.st_mode)))
#endif
			continue;
		if (f->n == f->cap) {
			f->cap = f->cap ? f->cap * 2 : 64;
			f->e = util_xreallocarray(f->e, f->cap, sizeof *f->e);
		}
		e = &f->e[f->n++];
		/* "dirpath/name" by hand: snprintf(3) took 900 instructions. */
		nl = strlen(de->d_name);
		e->path = util_xmalloc(dl + nl + 2);
		memcpy(e->path, dirpath, dl);
		e->path[dl] = '/';
		memcpy(e->path + dl + 1, de->d_name, nl + 1);
		e->base = dl + 1;
		e->dir = dir;
	}
	closedir(d);
	free(dirpath);
	return 0;
}

int
email_folder_open(const char *path, struct email_folder **out)
{
	struct email_folder *f = util_xcalloc(1, sizeof *f);
	struct stat st;
	int status = BK_OK;
	char *base = util_xstrdup(path);
	size_t bl = strlen(base), l;
	char *cur, *nw;

	f->fd[0] = f->fd[1] = -1;
	while (bl > 1 && base[bl - 1] == '/')
		base[--bl] = '\0';
	l = bl + 8;
	cur = util_xmalloc(l);
	nw = util_xmalloc(l);
	snprintf(cur, l, "%s/cur", base);
	snprintf(nw, l, "%s/new", base);
	if ((stat(cur, &st) == 0 && S_ISDIR(st.st_mode)) ||
	    (stat(nw, &st) == 0 && S_ISDIR(st.st_mode))) {
		/* A Maildir may lack one of them. */
		if (stat(cur, &st) == 0 && list_files(f, base, "cur") != 0)
			status = BK_ERR;
		if (stat(nw, &st) == 0 && list_files(f, base, "new") != 0)
			status = BK_ERR;
	} else if (list_files(f, base, "") != 0) {
		status = BK_ERR;
	}
	free(cur);
	free(nw);
	free(base);
	if (f->n > 1)
		qsort(f->e, f->n, sizeof *f->e, cmp_entries);
	*out = f;
	return status;
}

size_t
email_folder_count(const struct email_folder *f)
{
	return f->n;
}

int
email_folder_parse(const struct email_folder *f, size_t i, const struct email_opts *o)
{
	const struct folder_entry *e = &f->e[i];
	int fd = openat(f->fd[e->dir], e->path + e->base, O_RDONLY);

	if (fd < 0) {
		util_warn("%s", e->path);
		return BK_ERR;
	}
	return parse_fd(fd, e->path, o);
}

void
email_folder_close(struct email_folder *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->e[i].path);
	for (int d = 0; d < f->ndirs; d++)
		close(f->fd[d]);
	free(f->e);
	free(f);
}

int
email_looks_like_header(const char *line, size_t len)
{
	size_t i = 0;

	/* A field name starts with a letter: "2026-11-27T10:00:00Z host ..." is a log. */
	if (len == 0 || !isalpha((unsigned char)line[0]))
		return 0;
	while (i < len && line[i] > 32 && line[i] < 127 && line[i] != ':')
		i++;
	return i > 0 && i < len && line[i] == ':';
}
