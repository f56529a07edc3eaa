/* mime: header fields of RFC 5322 messages and their MIME parameters, RFC 2047
 * encoded words, quoted-printable and base64 bodies, and RFC 5322 dates. The
 * parts of a multipart message are walked in mime_walk.c. */
#include "mime.h"
#include "ascii.h"
#include "charset.h"
#include "bktime.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static size_t lf_copy(char *out, const char *s, size_t n);

void
mime_lf_buf(const char *s, size_t n, struct util_buf *out)
{
	util_buf_reset(out);
	if (out->cap < n + 1) {
		out->p = util_xrealloc(out->p, n + 1);
		out->cap = n + 1;
	}
	out->len = lf_copy(out->p, s, n);
}

/* Where the text goes on after the line end whose CR is s[i]: a lone CR, CRLF
 * or "\r\r\n" (a CRLF file passed through a converter) each end one line. */
static size_t
after_line_end(const char *s, size_t n, size_t i)
{
	while (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n')
		i++;
	if (i + 1 < n && s[i + 1] == '\n')
		i++;
	return i + 1;
}

/* s[0..n) into out (room for n + 1 bytes) with LF line ends; its length.
 * With SSE2 16 bytes at a time are stored as they are and their CRs
 * found, where a memcpy(3) call per line was most of the work on a CRLF
 * message: a store never ends past out + n, as the copy is never ahead of
 * what it reads (o <= i), and what it writes past a CR is written over. */
static size_t
lf_copy(char *out, const char *s, size_t n)
{
	size_t o = 0, i = 0;
	struct ascii_seek crs;

#if defined(__SSE2__) && defined(__GNUC__)
	const __m128i cr = _mm_set1_epi8('\r');

	while (n - i >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		unsigned bits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, cr));
		size_t run;

		_mm_storeu_si128((__m128i *)(void *)(out + o), v);
		if (bits == 0) {
			i += 16;
			o += 16;
			continue;
		}
		run = (size_t)__builtin_ctz(bits);
		o += run;
		out[o++] = '\n';
		i = after_line_end(s, n, i + run);
	}
#endif
	/* The rest (all of it without SSE2): runs without CR copied whole. */
	ascii_seek_init(&crs, s, n, '\r');
	while (i < n) {
		size_t run = ascii_seek_next(&crs, i) - i;

		memcpy(out + o, s + i, run);
		o += run;
		i += run;
		if (i >= n)
			break;
		out[o++] = '\n';
		i = after_line_end(s, n, i);
	}
	out[o] = '\0';
	return o;
}

/* Bytes of field names (RFC 5322 ftext): printable ASCII but the colon. A
 * table, as every header line is scanned through its name. */
#define F1(c) ((c) > 32 && (c) < 127 && (c) != ':')
#define F8(c) F1(c), F1(c + 1), F1(c + 2), F1(c + 3), F1(c + 4), F1(c + 5), F1(c + 6), F1(c + 7)
#define F64(c) F8(c), F8(c + 8), F8(c + 16), F8(c + 24), F8(c + 32), F8(c + 40), F8(c + 48), F8(c + 56)
static const unsigned char field_chars[256] = { F64(0), F64(64), F64(128), F64(192) };
#undef F64
#undef F8
#undef F1

/* Whether a[0..n) and b[0..n) are equal but for the case of ASCII letters
 * (strncasecmp(3) where neither holds a NUL). */
static int
equal_fold(const char *a, const char *b, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (ascii_lower((unsigned char)a[k]) != ascii_lower((unsigned char)b[k]))
			return 0;
	return 1;
}

/* strncasecmp(s, prefix, strlen(prefix)) == 0 for a lower case prefix. */
static int
prefix_fold(const char *s, const char *prefix)
{
	for (; *prefix != '\0'; s++, prefix++)
		if (ascii_lower((unsigned char)*s) != (unsigned char)*prefix)
			return 0;
	return 1;
}

static int
is_field_char(unsigned char c)
{
	return field_chars[c];
}

/* The 8 bytes at p as a number, the first byte lowest: compilers turn this
 * into one load on little-endian machines. */
static uint64_t
load_le64(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (uint64_t)u[0] | (uint64_t)u[1] << 8 | (uint64_t)u[2] << 16 |
	    (uint64_t)u[3] << 24 | (uint64_t)u[4] << 32 | (uint64_t)u[5] << 40 |
	    (uint64_t)u[6] << 48 | (uint64_t)u[7] << 56;
}

static const uint64_t bytes_01 = UINT64_C(0x0101010101010101);
static const uint64_t bytes_80 = UINT64_C(0x8080808080808080);

/* SWAR: the high bit set in each byte of w that is not a field-name byte:
 * below 33 by w - 33, 127 or above by w + 1 and w itself, ':' by
 * (w ^ ':') - 1. A borrow or carry starts only at a byte so marked and runs
 * to the bytes above (after) it, so the lowest mark is always right. */
static uint64_t
nonfield_marks(uint64_t w)
{
	return ((w - bytes_01 * 33) | (w + bytes_01) | w |
	    ((w ^ (bytes_01 * ':')) - bytes_01)) & bytes_80;
}

/* The index of the byte holding the lowest mark of a nonzero SWAR mask:
 * the bits under the mark, one taken from each byte, count the bytes up to
 * and including that one; the multiplication sums them into the top byte. */
static size_t
first_marked(uint64_t marks)
{
	uint64_t below = ((marks & (~marks + 1)) - 1) & bytes_01;

	return (size_t)((below * bytes_01) >> 56) - 1;
}

/* The end of the run of field-name bytes at s[i..end), eight at a time. */
static size_t
field_name_end(const char *s, size_t i, size_t end)
{
	while (end - i >= 8) {
		uint64_t marks = nonfield_marks(load_le64(s + i));

		if (marks != 0)
			return i + first_marked(marks);
		i += 8;
	}
	while (i < end && is_field_char((unsigned char)s[i]))
		i++;
	return i;
}

static inline size_t
header_parse(const char *s, size_t n, struct mime_header *h, int loose)
{
	/* Locals, not h's members: stores to the fields could alias them. */
	struct mime_field *f = h->f;
	size_t nf = 0, cap = h->cap, pos = 0, body = n;
	struct ascii_seek eol;

	ascii_seek_init(&eol, s, n, '\n');
	while (pos < n) {
		size_t end = ascii_seek_next(&eol, pos);
		size_t next = end < n ? end + 1 : n;
		size_t i, j;

		if (end == pos) {
			body = next;	/* the empty line */
			break;
		}
		if ((s[pos] == ' ' || s[pos] == '\t') && nf > 0) {
			f[nf - 1].valuelen = end - f[nf - 1].value;
			pos = next;
			continue;
		}
		i = field_name_end(s, pos, end);
		/* "Name :" is obsolete syntax but seen. */
		for (j = i; j < end && (s[j] == ' ' || s[j] == '\t'); j++)
			;
		if ((i == pos || j >= end || s[j] != ':') && loose && nf > 0) {
			f[nf - 1].valuelen = end - f[nf - 1].value;
			pos = next;
			continue;
		}
		if (i == pos || j >= end || s[j] != ':') {
			/* An mbox "From " line before the first field is skipped,
			 * also quoted (">From ") by a tool that saved it alone. */
			if (nf == 0 && pos == 0 && ((end >= 5 && memcmp(s, "From ", 5) == 0) ||
			    (end >= 6 && memcmp(s, ">From ", 6) == 0))) {
				pos = next;
				continue;
			}
			body = pos;	/* not a field: the body starts here */
			break;
		}
		if (nf == cap) {
			cap = cap ? cap * 2 : 32;
			f = util_xreallocarray(f, cap, sizeof *f);
		}
		f[nf].name = pos;
		f[nf].namelen = i - pos;
		f[nf].value = j + 1;
		f[nf].valuelen = end - (j + 1);
		nf++;
		pos = next;
	}
	h->base = s;
	h->f = f;
	h->n = nf;
	h->cap = cap;
	return body;
}

size_t
mime_header_parse(const char *s, size_t n, struct mime_header *h)
{
	return header_parse(s, n, h, 0);
}

size_t
mime_header_parse_loose(const char *s, size_t n, struct mime_header *h)
{
	return header_parse(s, n, h, 1);
}

void
mime_header_free(struct mime_header *h)
{
	free(h->f);
	h->f = NULL;
	h->n = h->cap = 0;
}

void
mime_field_value(const struct mime_header *h, size_t i, struct util_buf *out)
{
	const char *v = h->base + h->f[i].value, *nl;
	size_t n = h->f[i].valuelen, a = 0;

	util_buf_reset(out);
	while (a < n && (v[a] == ' ' || v[a] == '\t' || v[a] == '\n'))
		a++;
	while (n > a && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\n'))
		n--;
	/* Most values are one line without a tab: copied whole. */
	if (ascii_find2(v + a, n - a, '\n', '\t') == n - a) {
		util_buf_add(out, v + a, n - a);
		util_buf_str(out);
		return;
	}
	/* Unfolding: the line ends go, the white space after them stays; a
	 * line end without it (mime_header_parse_loose) is a space. */
	if ((nl = memchr(v + a, '\n', n - a)) == NULL) {
		util_buf_add(out, v + a, n - a);
	} else {
		for (size_t k = a; k < n;) {
			size_t run = nl ? (size_t)(nl - (v + k)) : n - k;

			util_buf_add(out, v + k, run);
			k += run + 1;
			if (nl != NULL && k < n && v[k] != ' ' && v[k] != '\t')
				util_buf_addc(out, ' ');
			if (k < n)
				nl = memchr(v + k, '\n', n - k);
		}
	}
	for (char *t = out->p; t != NULL && t < out->p + out->len;)
		if ((t = memchr(t, '\t', out->len - (size_t)(t - out->p))) != NULL)
			*t++ = ' ';
	util_buf_str(out);
}

int
mime_header_getn(const struct mime_header *h, const char *name, size_t len,
    struct util_buf *out)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->f[i].namelen == len && strncasecmp(h->base + h->f[i].name, name, len) == 0) {
			mime_field_value(h, i, out);
			return 1;
		}
	util_buf_reset(out);
	util_buf_str(out);
	return 0;
}

void
mime_content_type(const char *v, size_t n, char *out, size_t sz)
{
	static const char fallback[] = "text/plain";
	size_t i = 0, o = 0, room = sz > 0 ? sz - 1 : 0;

	while (i < n && ascii_space((unsigned char)v[i]))
		i++;
	if (n - i > room)
		n = i + room;
	for (; i < n && v[i] != ';' && !ascii_space((unsigned char)v[i]); i++)
		out[o++] = (char)ascii_lower((unsigned char)v[i]);
	out[o] = '\0';
	/* snprintf(3) of the fallback, without its cost. */
	if ((o == 0 || strchr(out, '/') == NULL) && sz > 0) {
		o = sizeof fallback - 1 < room ? sizeof fallback - 1 : room;
		memcpy(out, fallback, o);
		out[o] = '\0';
	}
}

int
mime_param(const char *v, size_t n, const char *name, struct util_buf *out)
{
	size_t len = strlen(name), i = 0;

	util_buf_reset(out);
	/* Skip the type itself. */
	while (i < n && v[i] != ';')
		i++;
	while (i < n) {
		size_t ns, ne;

		while (i < n && (v[i] == ';' || ascii_space((unsigned char)v[i])))
			i++;
		ns = i;
		while (i < n && v[i] != '=' && v[i] != ';' && !ascii_space((unsigned char)v[i]))
			i++;
		ne = i;
		while (i < n && ascii_space((unsigned char)v[i]))
			i++;
		if (i >= n || v[i] != '=')
			continue;
		i++;
		while (i < n && ascii_space((unsigned char)v[i]))
			i++;
		{
			/* strncasecmp(3): name holds no NUL before len. */
			int match = ne - ns == len && equal_fold(v + ns, name, len);

			if (i < n && v[i] == '"') {
				i++;
				while (i < n && v[i] != '"') {
					size_t start = i;

					/* Runs without quoting in one piece. */
					while (i < n && v[i] != '"' && v[i] != '\\')
						i++;
					if (match)
						util_buf_add(out, v + start, i - start);
					if (i >= n || v[i] == '"')
						break;
					if (i + 1 < n)
						i++;
					if (match)
						util_buf_addc(out, v[i]);
					i++;
				}
				if (i < n)
					i++;
			} else {
				size_t start = i;

				while (i < n && v[i] != ';' && !ascii_space((unsigned char)v[i]))
					i++;
				if (match)
					util_buf_add(out, v + start, i - start);
			}
			if (match) {
				util_buf_str(out);
				return 1;
			}
		}
	}
	util_buf_str(out);
	return 0;
}

void
mime_qp_decode(const char *s, size_t n, struct util_buf *out)
{
	char *o;
	struct ascii_seek eqs;

	if (n == 0)
		return;
	/* Decoding never lengthens: room for all of s first, then the bytes are
	 * stored without a call each. */
	o = util_buf_room(out, n);
	ascii_seek_init(&eqs, s, n, '=');
	for (size_t i = 0; i < n; i++) {
		int hi, lo;

#if defined(__SSE2__) && defined(__GNUC__)
		/* To the next '=' 16 bytes at a time, stored as they are (as
		 * lf_copy: the output is never ahead of the input, and what is
		 * stored past the '=' is written over). */
		while (n - i >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			unsigned bits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
			    _mm_set1_epi8('=')));

			_mm_storeu_si128((__m128i *)(void *)o, v);
			if (bits != 0) {
				i += (size_t)__builtin_ctz(bits);
				o += (size_t)__builtin_ctz(bits);
				break;
			}
			i += 16;
			o += 16;
		}
		if (i >= n)
			break;
#endif
		if (s[i] != '=') {
			size_t run = ascii_seek_next(&eqs, i) - i;

			memcpy(o, s + i, run);
			o += run;
			i += run - 1;
			continue;
		}
		if (i + 2 < n && (hi = ascii_hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = ascii_hexval((unsigned char)s[i + 2])) >= 0) {
			*o++ = (char)(hi * 16 + lo);
			i += 2;
			continue;
		}
		/* A soft line break: "=" then optional white space then the line end. */
		{
			size_t j = i + 1;

			while (j < n && (s[j] == ' ' || s[j] == '\t'))
				j++;
			if (j >= n || s[j] == '\n') {
				i = j;
				continue;
			}
		}
		*o++ = '=';
	}
	out->len = (size_t)(o - out->p);
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

void
mime_b64_decode(const char *s, size_t n, struct util_buf *out)
{
	unsigned long acc = 0;
	int bits = 0;
	char *o;

	if (n == 0)
		return;
	/* Six bits a byte in, eight out: room for all of s is enough. */
	o = util_buf_room(out, n);
	for (size_t i = 0; i < n; i++) {
		int v;

		if (s[i] == '=')
			break;
		if ((v = b64val((unsigned char)s[i])) < 0)
			continue;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*o++ = (char)((acc >> bits) & 0xff);
		}
	}
	out->len = (size_t)(o - out->p);
}

int
mime_cte_identity(const char *cte)
{
	return cte == NULL || !(prefix_fold(cte, "quoted-printable") || prefix_fold(cte, "base64"));
}

void
mime_decode_body(const char *s, size_t n, const char *cte, struct util_buf *out)
{
	if (mime_cte_identity(cte))
		util_buf_add(out, s, n);
	else if (prefix_fold(cte, "quoted-printable"))
		mime_qp_decode(s, n, out);
	else
		mime_b64_decode(s, n, out);
}

/* One encoded word "=?cs?E?text?=" at s[0..n); returns its length, 0 if none. */
static size_t
encoded_word(const char *s, size_t n, struct util_buf *out)
{
	char cs[64];
	size_t i = 2, csn = 0, ts, te;
	char enc;
	struct util_buf raw = {0};

	if (n < 8 || s[0] != '=' || s[1] != '?')
		return 0;
	while (i < n && s[i] != '?' && csn + 1 < sizeof cs && !isspace((unsigned char)s[i]))
		cs[csn++] = s[i++];
	cs[csn] = '\0';
	if (csn == 0 || i + 2 >= n || s[i] != '?')
		return 0;
	enc = (char)toupper((unsigned char)s[i + 1]);
	if ((enc != 'Q' && enc != 'B') || s[i + 2] != '?')
		return 0;
	ts = te = i + 3;
	while (te < n && s[te] != '?' && !isspace((unsigned char)s[te]))
		te++;
	if (te + 1 >= n || s[te] != '?' || s[te + 1] != '=')
		return 0;
	{
		char *star = strchr(cs, '*');	/* RFC 2231 language */

		if (star)
			*star = '\0';
	}
	if (enc == 'B') {
		mime_b64_decode(s + ts, te - ts, &raw);
	} else {
		for (size_t k = ts; k < te; k++) {
			int hi, lo;

			if (s[k] == '_')
				util_buf_addc(&raw, ' ');
			else if (s[k] == '=' && k + 2 < te &&
			    (hi = ascii_hexval((unsigned char)s[k + 1])) >= 0 &&
			    (lo = ascii_hexval((unsigned char)s[k + 2])) >= 0) {
				util_buf_addc(&raw, (char)(hi * 16 + lo));
				k += 2;
			} else
				util_buf_addc(&raw, s[k]);
		}
	}
	charset_to_utf8(raw.p ? raw.p : "", raw.len, cs, out);
	util_buf_free(&raw);
	return te + 2;
}

void
mime_decode_words(const char *s, size_t n, struct util_buf *out)
{
	struct util_buf word = {0};
	size_t i = 0, ws_start = 0, ws_len = 0;
	int last_was_word = 0;

	while (i < n) {
		size_t w = 0;

		if (s[i] == ' ' || s[i] == '\t') {
			if (ws_len == 0)
				ws_start = i;
			ws_len++;
			i++;
			continue;
		}
		if (s[i] == '=') {
			util_buf_reset(&word);
			w = encoded_word(s + i, n - i, &word);
		}
		/* White space between two encoded words is not text (RFC 2047 6.2). */
		if (ws_len && !(w > 0 && last_was_word))
			util_buf_add(out, s + ws_start, ws_len);
		ws_len = 0;
		if (w > 0) {
			util_buf_add(out, word.p, word.len);
			i += w;
			last_was_word = 1;
			continue;
		}
		/* Text up to the next white space or "=" in one piece. */
		{
			size_t j = i + 1;

			while (j < n && s[j] != ' ' && s[j] != '\t' && s[j] != '=')
				j++;
			util_buf_add(out, s + i, j - i);
			i = j;
		}
		last_was_word = 0;
	}
	if (ws_len)
		util_buf_add(out, s + ws_start, ws_len);
	util_buf_free(&word);
}

/* Dates. */

static size_t
skip_cfws(const char *s, size_t n, size_t i)
{
	for (;;) {
		while (i < n && (ascii_space((unsigned char)s[i]) || s[i] == ','))
			i++;
		if (i < n && s[i] == '(') {
			int d = 0;

			/* Comments nest; an unclosed one runs to the end. */
			for (; i < n; i++) {
				if (s[i] == '(')
					d++;
				else if (s[i] == ')' && --d == 0) {
					i++;
					break;
				}
			}
			continue;
		}
		return i;
	}
}

static size_t
read_num(const char *s, size_t n, size_t i, int maxdig, int *val)
{
	int v = 0, d = 0;

	while (i < n && d < maxdig && ascii_digit((unsigned char)s[i])) {
		v = v * 10 + (s[i] - '0');
		i++;
		d++;
	}
	*val = d ? v : -1;
	return i;
}

int
mime_parse_date(const char *s, size_t n, time_t *out)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	static const struct { const char *name; int off; } zones[] = {
		{ "UT", 0 }, { "UTC", 0 }, { "GMT", 0 }, { "Z", 0 },
		{ "EST", -300 }, { "EDT", -240 }, { "CST", -360 }, { "CDT", -300 },
		{ "MST", -420 }, { "MDT", -360 }, { "PST", -480 }, { "PDT", -420 },
		{ "JST", 540 }, { "CET", 60 }, { "CEST", 120 }, { "BST", 60 },
	};
	size_t i = skip_cfws(s, n, 0);
	int mday, mon = -1, year, hh, mm, ss = 0, off = 0;
	time_t t;

	/* Optional weekday. */
	if (i < n && ascii_alpha((unsigned char)s[i])) {
		while (i < n && ascii_alpha((unsigned char)s[i]))
			i++;
		i = skip_cfws(s, n, i);
	}
	i = read_num(s, n, i, 2, &mday);
	if (mday < 1 || mday > 31)
		return bktime_parse_rfc3339(s, n, out) > 0 ? 0 : -1;
	i = skip_cfws(s, n, i);
	if (i + 3 <= n) {
		char low[3];

		for (int k = 0; k < 3; k++)
			low[k] = (char)ascii_lower((unsigned char)s[i + k]);
		for (int m = 0; m < 12; m++)
			if (memcmp(low, months + 3 * m, 3) == 0)
				mon = m;
	}
	if (mon < 0)
		return -1;
	while (i < n && ascii_alpha((unsigned char)s[i]))
		i++;
	i = skip_cfws(s, n, i);
	{
		size_t st = i;

		i = read_num(s, n, i, 4, &year);
		if (year < 0)
			return -1;
		if (i - st <= 2)
			year += year < 50 ? 2000 : 1900;
		else if (i - st == 3)
			year += 1900;
	}
	i = skip_cfws(s, n, i);
	i = read_num(s, n, i, 2, &hh);
	if (hh < 0 || hh > 23 || i >= n || s[i] != ':')
		return -1;
	i = read_num(s, n, i + 1, 2, &mm);
	if (mm < 0 || mm > 59)
		return -1;
	if (i < n && s[i] == ':') {
		i = read_num(s, n, i + 1, 2, &ss);
		if (ss < 0 || ss > 60)
			return -1;
	}
	i = skip_cfws(s, n, i);
	if (i < n && (s[i] == '+' || s[i] == '-')) {
		int z, sign = s[i] == '-' ? -1 : 1;
		size_t st = i + 1;

		i = read_num(s, n, st, 4, &z);
		if (z >= 0 && i - st == 4)
			off = sign * ((z / 100) * 60 + z % 100);
	} else if (i < n && ascii_alpha((unsigned char)s[i])) {
		size_t st = i;

		while (i < n && ascii_alpha((unsigned char)s[i]))
			i++;
		for (size_t k = 0; k < sizeof zones / sizeof zones[0]; k++)
			if (strlen(zones[k].name) == i - st &&
			    equal_fold(zones[k].name, s + st, i - st))
				off = zones[k].off;
	}
	if (year < 1970 || year > 9999)
		return -1;
	t = bktime_timegm(year, mon + 1, mday, hh, mm, ss == 60 ? 59 : ss);
	if (t == (time_t)-1)
		return -1;
	*out = t - (time_t)off * 60;
	return 0;
}
