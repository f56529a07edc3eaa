/* charset: text in the character sets of mail into UTF-8, through iconv(3).
 *
 * Names are MIME charset names (IANA "Character Sets" registry); where mail
 * software writes a name for a smaller set than it uses (Shift_JIS for
 * Microsoft's CP932, gb2312 for GBK, big5 for CP950, ks_c_5601-1987 for
 * CP949, iso-8859-1 for windows-1252), the larger set is decoded, as the
 * WHATWG Encoding Standard's label table does. ISO-2022-JP with the NEC and
 * IBM extensions of Microsoft's CP50220 (circled digits, ...) is decoded by
 * turning it into EUC-JP-MS first: glibc's ISO-2022-JP refuses them. */
#include "charset.h"
#include "ascii.h"

#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* U+FFFD REPLACEMENT CHARACTER, in UTF-8. */
static const char replacement[] = "\xef\xbf\xbd";

/* How a charset is decoded. */
enum kind {
	K_GUESS,	/* no charset, or one that says nothing (us-ascii, unknown-8bit) */
	K_UTF8,
	K_CP1252,	/* iso-8859-1 and windows-1252 */
	K_ISO2022JP,
	K_ICONV,	/* by name, through iconv(3) */
};

/* MIME names for which another is decoded: what mail software means by
 * them, or glibc's name for them. Looked up after lower-casing. */
static const struct {
	const char *mime;
	enum kind kind;
	const char *iconv;
} aliases[] = {
	{ "us-ascii", K_GUESS, NULL }, { "ascii", K_GUESS, NULL },
	{ "unknown-8bit", K_GUESS, NULL }, { "x-unknown", K_GUESS, NULL },
	{ "unknown", K_GUESS, NULL }, { "default", K_GUESS, NULL },
	{ "8bit", K_GUESS, NULL }, { "x-user-defined", K_GUESS, NULL },
	{ "ansi_x3.4-1968", K_GUESS, NULL },
	{ "utf-8", K_UTF8, NULL }, { "utf8", K_UTF8, NULL }, { "x-utf-8", K_UTF8, NULL },
	{ "unicode-1-1-utf-8", K_UTF8, NULL },
	{ "iso-8859-1", K_CP1252, NULL }, { "iso8859-1", K_CP1252, NULL },
	{ "iso_8859-1", K_CP1252, NULL }, { "latin1", K_CP1252, NULL },
	{ "latin-1", K_CP1252, NULL }, { "l1", K_CP1252, NULL }, { "cp819", K_CP1252, NULL },
	{ "windows-1252", K_CP1252, NULL }, { "cp1252", K_CP1252, NULL },
	{ "x-cp1252", K_CP1252, NULL },
	{ "iso-2022-jp", K_ISO2022JP, NULL }, { "csiso2022jp", K_ISO2022JP, NULL },
	{ "iso-2022-jp-1", K_ISO2022JP, NULL }, { "iso-2022-jp-ms", K_ISO2022JP, NULL },
	{ "cp50220", K_ISO2022JP, NULL }, { "cp50221", K_ISO2022JP, NULL },
	{ "cp50222", K_ISO2022JP, NULL },
	{ "shift_jis", K_ICONV, "CP932" }, { "shift-jis", K_ICONV, "CP932" },
	{ "sjis", K_ICONV, "CP932" }, { "x-sjis", K_ICONV, "CP932" },
	{ "ms_kanji", K_ICONV, "CP932" }, { "csshiftjis", K_ICONV, "CP932" },
	{ "windows-31j", K_ICONV, "CP932" }, { "cp932", K_ICONV, "CP932" },
	{ "euc-jp", K_ICONV, "EUC-JP-MS" }, { "x-euc-jp", K_ICONV, "EUC-JP-MS" },
	{ "eucjp", K_ICONV, "EUC-JP-MS" }, { "cseucpkdfmtjapanese", K_ICONV, "EUC-JP-MS" },
	{ "gb2312", K_ICONV, "GB18030" }, { "gbk", K_ICONV, "GB18030" },
	{ "x-gbk", K_ICONV, "GB18030" }, { "cp936", K_ICONV, "GB18030" },
	{ "euc-cn", K_ICONV, "GB18030" }, { "csgb2312", K_ICONV, "GB18030" },
	{ "gb_2312-80", K_ICONV, "GB18030" }, { "chinese", K_ICONV, "GB18030" },
	{ "big5", K_ICONV, "CP950" }, { "x-big5", K_ICONV, "CP950" },
	{ "cn-big5", K_ICONV, "CP950" }, { "csbig5", K_ICONV, "CP950" },
	{ "ks_c_5601-1987", K_ICONV, "CP949" }, { "ks_c_5601-1989", K_ICONV, "CP949" },
	{ "ksc5601", K_ICONV, "CP949" }, { "ksc_5601", K_ICONV, "CP949" },
	{ "euc-kr", K_ICONV, "CP949" }, { "korean", K_ICONV, "CP949" },
	{ "windows-949", K_ICONV, "CP949" },
	{ "iso-8859-8-i", K_ICONV, "ISO-8859-8" }, { "iso-8859-6-i", K_ICONV, "ISO-8859-6" },
	{ "tis-620", K_ICONV, "CP874" }, { "windows-874", K_ICONV, "CP874" },
	{ "unicode-1-1-utf-7", K_ICONV, "UTF-7" }, { "x-mac-roman", K_ICONV, "MACINTOSH" },
	{ "unicode", K_ICONV, "UTF-16" },
};

/* windows-1252 at 0x80-0x9f (the rest is ISO-8859-1); the five holes are
 * the C1 controls, as in the WHATWG index. */
static const uint16_t cp1252_high[32] = {
	0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
	0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

/* Conversion descriptors of this thread, by the name given to iconv_open:
 * opening one reads glibc's module configuration, far more than a message. */
#define CACHE_SIZE 8
#define NAME_MAX_LEN 40
struct cached {
	char name[NAME_MAX_LEN];
	iconv_t cd;		/* (iconv_t)-1: the name is unknown to iconv */
};
static _Thread_local struct {
	struct cached e[CACHE_SIZE];
	unsigned n, next;
	struct util_buf tmp;	/* ISO-2022-JP as EUC-JP */
} cache;

static iconv_t
descriptor(const char *name)
{
	struct cached *c;

	for (unsigned i = 0; i < cache.n; i++)
		if (strcmp(cache.e[i].name, name) == 0)
			return cache.e[i].cd;
	if (cache.n < CACHE_SIZE) {
		c = &cache.e[cache.n++];
	} else {
		c = &cache.e[cache.next];
		cache.next = (cache.next + 1) % CACHE_SIZE;
		if (c->cd != (iconv_t)-1)
			iconv_close(c->cd);
	}
	memcpy(c->name, name, strlen(name) + 1);
	c->cd = iconv_open("UTF-8", name);
	return c->cd;
}

void
charset_thread_end(void)
{
	for (unsigned i = 0; i < cache.n; i++)
		if (cache.e[i].cd != (iconv_t)-1)
			iconv_close(cache.e[i].cd);
	cache.n = cache.next = 0;
	util_buf_free(&cache.tmp);
}

/* s[0..n) through cd, each byte that does not decode (and an incomplete
 * sequence at the end) as one U+FFFD. Returns the number replaced. */
static size_t
convert(iconv_t cd, const char *s, size_t n, struct util_buf *out)
{
	char *in = (char *)(uintptr_t)s, *o;
	size_t left = n, bad = 0, room;

	iconv(cd, NULL, NULL, NULL, NULL);	/* the initial shift state */
	while (left > 0) {
		char *o0;
		size_t r;

		/* Four bytes out for each in covers every charset but a few. */
		room = left * 4 + 16;
		o = o0 = util_buf_room(out, room);
		r = iconv(cd, &in, &left, &o, &room);
		out->len += (size_t)(o - o0);
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		/* EILSEQ, or EINVAL (cut off at the end): one byte replaced. */
		util_buf_add(out, replacement, 3);
		bad++;
		in++;
		left--;
	}
	room = 16;
	o = util_buf_room(out, room);
	if (iconv(cd, NULL, NULL, &o, &room) != (size_t)-1)
		out->len = (size_t)(o - out->p);
	return bad;
}

/* The length of the run of ASCII bytes that s[0..n) starts with (most of the
 * text of bounces): 32 bytes at a time without a high bit, then 8, then one. */
static size_t
ascii_run(const char *s, size_t n)
{
	const uint64_t high = UINT64_C(0x8080808080808080);
	size_t i = 0;

	for (; n - i >= 32; i += 32) {
		uint64_t a, b, c, d;

		memcpy(&a, s + i, 8);
		memcpy(&b, s + i + 8, 8);
		memcpy(&c, s + i + 16, 8);
		memcpy(&d, s + i + 24, 8);
		if ((a | b | c | d) & high)
			break;
	}
	for (uint64_t w; n - i >= 8; i += 8) {
		memcpy(&w, s + i, 8);
		if (w & high)
			break;
	}
	while (i < n && (unsigned char)s[i] < 0x80)
		i++;
	return i;
}

/* s[0..n) from UTF-8: the bytes convert() gives through iconv, at a tenth
 * of its work (UTF-8 is most of the eight-bit text of bounces, and iconv
 * decodes each character into UCS-4 and back). Returns the number of bytes
 * replaced: each byte that starts no sequence (charset_utf8_len). The valid
 * bytes are copied a span at a time, up to a bad byte or the end: a copy of
 * each character and ASCII run was a call to memcpy(3) every few bytes. */
static size_t
from_utf8(const char *s, size_t n, struct util_buf *out)
{
	const unsigned char *u = (const unsigned char *)s;
	char *o = util_buf_room(out, 3 * n), *o0 = o;	/* each byte may be U+FFFD */
	size_t bad = 0, i = 0, span = 0;	/* s[span .. i) valid, not copied yet */

	while (i < n) {
		size_t len;

		if ((i += ascii_run(s + i, n - i)) == n)
			break;
		/* Characters of more than a byte often come together (words
		 * of a language other than English): passed over together. */
		while ((len = charset_utf8_len(u + i, n - i)) > 1 && (i += len) < n)
			;
		if (i == n || len == 1)
			continue;
		memcpy(o, s + span, i - span);
		o += i - span;
		memcpy(o, replacement, 3);
		o += 3;
		span = ++i;
		bad++;
	}
	if (span < n) {
		memcpy(o, s + span, n - span);
		o += n - span;
	}
	out->len += (size_t)(o - o0);
	return bad;
}

size_t
charset_put_utf8(char *o, unsigned long c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xc0 | c >> 6);
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xe0 | c >> 12);
		o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | c >> 18);
	o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	o[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* The four hexadecimal digits at s as a number, -1 if they are not that. */
static long
hex4(const char *s)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		int d = ascii_hexval((unsigned char)s[i]);

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

size_t
charset_json_escape(const char *s, size_t n, unsigned long *cp)
{
	long hi, lo;

	if (n < 6 || s[0] != '\\' || s[1] != 'u' || (hi = hex4(s + 2)) <= 0)
		return 0;
	if (hi < 0xd800 || hi > 0xdfff) {
		*cp = (unsigned long)hi;
		return 6;
	}
	/* a high surrogate, then a low one */
	if (hi > 0xdbff || n < 12 || s[6] != '\\' || s[7] != 'u' ||
	    (lo = hex4(s + 8)) < 0xdc00 || lo > 0xdfff)
		return 0;
	*cp = 0x10000 + ((unsigned long)(hi - 0xd800) << 10) + (unsigned long)(lo - 0xdc00);
	return 12;
}

static void
from_cp1252(const char *s, size_t n, struct util_buf *out)
{
	char *o = util_buf_room(out, n * 3), *o0 = o;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x80)
			*o++ = (char)c;
		else
			o += charset_put_utf8(o, c < 0xa0 ? cp1252_high[c - 0x80] : c);
	}
	out->len += (size_t)(o - o0);
}

/* EUC-JP-MS's two-byte characters (0xa1-0xfe twice: JIS X 0208 and the
 * NEC and IBM rows), as iconv decodes them into UTF-8, asked of it once for
 * all: Japanese text is mostly them, and iconv spends some fifty
 * instructions on a byte. len 0: iconv refuses the pair. */
static struct {
	unsigned char len, u[3];
} euc_pairs[94][94];
static pthread_once_t euc_once = PTHREAD_ONCE_INIT;

/* A row of pairs at a time: iconv decodes a pair into one character, so the
 * UTF-8 out splits at its lead bytes; a pair it refuses stops it there. */
static void
euc_pairs_init(void)
{
	iconv_t cd = iconv_open("UTF-8", "EUC-JP-MS");

	if (cd == (iconv_t)-1)
		return;	/* every pair goes to iconv_window, and fails there */
	for (unsigned a = 0; a < 94; a++) {
		char in[2 * 94];
		unsigned b = 0;

		for (unsigned k = 0; k < 94; k++) {
			in[2 * k] = (char)(0xa1 + a);
			in[2 * k + 1] = (char)(0xa1 + k);
		}
		while (b < 94) {
			char u[4 * 94], *ip = in + 2 * b, *op = u;
			size_t il = 2 * (94 - (size_t)b), ol = sizeof u;
			const unsigned char *q = (const unsigned char *)u;
			size_t pairs, k;

			iconv(cd, NULL, NULL, NULL, NULL);
			iconv(cd, &ip, &il, &op, &ol);
			pairs = (size_t)(ip - (in + 2 * b)) / 2;
			for (k = 0; k < pairs && q < (const unsigned char *)op; k++) {
				size_t len = *q >= 0xf0 ? 4 : *q >= 0xe0 ? 3 : *q >= 0xc0 ? 2 : 1;

				if (len <= 3) {	/* else left to iconv_window */
					euc_pairs[a][b + k].len = (unsigned char)len;
					memcpy(euc_pairs[a][b + k].u, q, len);
				}
				q += len;
			}
			/* Not a character a pair: none of them from here. */
			if (k < pairs || q != (const unsigned char *)op)
				memset(&euc_pairs[a][b], 0, pairs * sizeof euc_pairs[a][b]);
			b += (unsigned)pairs + (ip < in + 2 * 94);	/* and the one refused */
		}
	}
	iconv_close(cd);
}

/* What convert(cd, ...) makes of s[0..n) at its start, into o (room for
 * 16 bytes): the characters iconv decodes whole from the next few bytes (a
 * character of EUC-JP-MS has three at most), or one U+FFFD for the first
 * byte. Returns the bytes read; *o moves past what it wrote, *bad counts a
 * replacement. */
static size_t
iconv_window(iconv_t cd, const char *s, size_t n, char **o, size_t *bad)
{
	char *in = (char *)(uintptr_t)s;
	size_t left = n < 3 ? n : 3, room = 16;

	iconv(cd, NULL, NULL, NULL, NULL);
	iconv(cd, &in, &left, o, &room);
	if (in > s)
		return (size_t)(in - s);
	memcpy(*o, replacement, 3);
	*o += 3;
	(*bad)++;
	return 1;
}

/* s[0..n) from EUC-JP-MS: the bytes convert(cd, ...) gives, the two-byte
 * characters from euc_pairs, what else there is (katakana, JIS X 0212,
 * bytes that are none) from iconv a character at a time. Returns the
 * number of bytes replaced. */
static size_t
from_eucjpms(iconv_t cd, const char *s, size_t n, struct util_buf *out)
{
	const unsigned char *u = (const unsigned char *)s;
	/* Three bytes out for each in at most, and iconv_window's room. */
	char *o = util_buf_room(out, 3 * n + 16), *o0 = o;
	size_t i = 0, bad = 0;

	pthread_once(&euc_once, euc_pairs_init);
	while (i < n) {
		unsigned char c = u[i];

		if (c < 0x80) {
			/* ASCII runs (most of a Japanese bounce) copied whole. */
			size_t run = ascii_run(s + i, n - i);

			memcpy(o, s + i, run);
			o += run;
			i += run;
		} else if (i + 1 < n && c >= 0xa1 && c <= 0xfe && u[i + 1] >= 0xa1 &&
		    u[i + 1] <= 0xfe && euc_pairs[c - 0xa1][u[i + 1] - 0xa1].len > 0) {
			size_t len = euc_pairs[c - 0xa1][u[i + 1] - 0xa1].len;

			memcpy(o, euc_pairs[c - 0xa1][u[i + 1] - 0xa1].u, 3);
			o += len;
			i += 2;
		} else {
			i += iconv_window(cd, s + i, n - i, &o, &bad);
		}
	}
	out->len += (size_t)(o - o0);
	return bad;
}

/* ISO-2022-JP (RFC 1468, with JIS X 0201 katakana and JIS X 0212 as in
 * ISO-2022-JP-1 and CP50221) as EUC-JP into out (bytes with the high bit
 * set are passed on). Returns -1 at an escape
 * sequence of some other set (ISO-2022-JP-2's Chinese, Korean, Latin). */
static int
jis_to_euc(const char *s, size_t n, struct util_buf *out)
{
	enum { ASCII, KANA, X0208, X0212 } set = ASCII, shifted_from = ASCII;
	char *o = util_buf_room(out, 2 * n), *o0 = o;	/* katakana: 2 for 1 */
	size_t i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (set == ASCII && c != 0x1b && c != 0x0e && c != 0x0f) {
			/* Up to the next escape, SO or SI (most of a Japanese
			 * bounce is ASCII), copied whole: every byte is passed on
			 * as it is in ASCII, as below. */
			size_t r = i + 1;

			while (r < n && s[r] != 0x1b && s[r] != 0x0e && s[r] != 0x0f)
				r++;
			memcpy(o, s + i, r - i);
			o += r - i;
			i = r;
			continue;
		}
		if (c == 0x1b) {
			const char *e = s + i + 1;
			size_t left = n - i - 1;

			if (left >= 2 && e[0] == '(' && (e[1] == 'B' || e[1] == 'J' || e[1] == 'H'))
				set = ASCII, i += 3;
			else if (left >= 2 && e[0] == '(' && e[1] == 'I')
				set = KANA, i += 3;
			else if (left >= 2 && e[0] == '$' && (e[1] == '@' || e[1] == 'B'))
				set = X0208, i += 3;
			else if (left >= 3 && e[0] == '$' && e[1] == '(' && (e[2] == 'B' || e[2] == '@'))
				set = X0208, i += 4;
			else if (left >= 3 && e[0] == '$' && e[1] == '(' && e[2] == 'D')
				set = X0212, i += 4;
			else if (left >= 2 && e[0] == '&' && e[1] == '@')
				i += 3;	/* JIS X 0208-1990 announcer: ESC $ B follows */
			else
				return -1;
			continue;
		}
		if (c == 0x0e) {	/* SO: katakana (CP50221) */
			shifted_from = set;
			set = KANA;
			i++;
			continue;
		}
		if (c == 0x0f) {	/* SI */
			set = shifted_from == KANA ? ASCII : shifted_from;
			i++;
			continue;
		}
		if (c >= 0x80) {
			/* Not ISO-2022-JP, but what some Japanese mail labelled so
			 * holds: EUC-JP, passed on as it is (Shift_JIS: see below). */
			*o++ = (char)c;
			i++;
		} else if (set == KANA && c >= 0x21 && c <= 0x5f) {
			*o++ = (char)0x8e;
			*o++ = (char)(c | 0x80);
			i++;
		} else if ((set == X0208 || set == X0212) && c >= 0x21 && c <= 0x7e && i + 1 < n &&
		    (unsigned char)s[i + 1] >= 0x21 && (unsigned char)s[i + 1] <= 0x7e) {
			if (set == X0212)
				*o++ = (char)0x8f;
			*o++ = (char)(c | 0x80);
			*o++ = (char)(s[i + 1] | 0x80);
			i += 2;
		} else {
			/* ASCII, and line ends and spaces inside two-byte text, which
			 * senders forget to shift out of before. */
			*o++ = (char)c;
			i++;
		}
	}
	out->len += (size_t)(o - o0);
	return 0;
}

static void
from_iso2022jp(const char *s, size_t n, struct util_buf *out)
{
	size_t len = out->len, bad;
	iconv_t cd;

	util_buf_reset(&cache.tmp);
	if (jis_to_euc(s, n, &cache.tmp) == 0 && (cd = descriptor("EUC-JP-MS")) != (iconv_t)-1) {
		bad = from_eucjpms(cd, cache.tmp.p, cache.tmp.len, out);
		if (cache.tmp.cap > (1u << 20))
			util_buf_free(&cache.tmp);
		/* Eight-bit text that is not EUC-JP: Shift_JIS, if that reads better. */
		if (bad > 0 && memchr(s, 0x1b, n) == NULL && (cd = descriptor("CP932")) != (iconv_t)-1) {
			struct util_buf alt = {0};

			if (convert(cd, s, n, &alt) < bad) {
				out->len = len;
				util_buf_add(out, alt.p, alt.len);
			}
			util_buf_free(&alt);
		}
		return;
	}
	if ((cd = descriptor("ISO-2022-JP-2")) != (iconv_t)-1)
		convert(cd, s, n, out);
	else
		from_cp1252(s, n, out);
}

/* Whether s[0..n) is ASCII without escape (ESC) bytes: the same bytes in
 * UTF-8 for every charset of mail but UTF-7, UTF-16/32 and EBCDIC. Eight
 * bytes at a time: a high bit, or a zero byte in w ^ ESC, ends it. */
int
charset_is_plain(const char *s, size_t n)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), high = UINT64_C(0x8080808080808080);
	size_t i = 0;

	for (; n - i >= 32; i += 32) {
		uint64_t w[4], x[4];

		memcpy(w, s + i, 32);
		for (int k = 0; k < 4; k++)
			x[k] = w[k] ^ (ones * 0x1b);
		if (((w[0] | w[1] | w[2] | w[3]) & high) || (((x[0] - ones) & ~x[0]) |
		    ((x[1] - ones) & ~x[1]) | ((x[2] - ones) & ~x[2]) | ((x[3] - ones) & ~x[3])) & high)
			return 0;
	}
	for (; n - i >= 8; i += 8) {
		uint64_t w, x;

		memcpy(&w, s + i, 8);
		x = w ^ (ones * 0x1b);
		if ((w & high) || ((x - ones) & ~x & high))
			return 0;
	}
	for (; i < n; i++)
		if ((unsigned char)s[i] >= 0x80 || s[i] == 0x1b)
			return 0;
	return 1;
}

/* Whether the ASCII bytes of charset name mean ASCII (see charset_is_plain). */
static int
ascii_compatible(const char *name)
{
	static const char *const not[] = { "utf-16", "utf-32", "utf16", "utf32", "ucs-2", "ucs-4",
		"ucs2", "ucs4", "utf-7", "utf7", "unicode", "hz", "ebcdic", "cp037", "ibm037",
		"cp500", "ibm500", "cp1026", "ibm1026", "cp1047", "ibm1047", "cp875", "ibm875" };

	for (size_t i = 0; i < sizeof not / sizeof not[0]; i++)
		if (strncmp(name, not[i], strlen(not[i])) == 0)
			return 0;
	return 1;
}

/* What UTF-8 text holds beyond ASCII, to tell a right guess of its
 * charset from a wrong one. */
struct tally {
	size_t high;		/* characters beyond ASCII */
	size_t kana;		/* hiragana and katakana, U+3040-U+30FF */
	size_t lower, upper;	/* Cyrillic letters of the Russian alphabet */
};

static void
tally(const char *u, size_t n, struct tally *t)
{
	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)u[i];
		unsigned long cp;
		size_t l = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;

		if (c < 0x80 || l == 1) {
			i++;
			continue;
		}
		cp = c & (0x7f >> l);
		for (size_t k = 1; k < l && i + k < n; k++)
			cp = cp << 6 | ((unsigned char)u[i + k] & 0x3f);
		i += l;
		t->high++;
		if (cp >= 0x3040 && cp <= 0x30ff)
			t->kana++;
		else if ((cp >= 0x430 && cp <= 0x44f) || cp == 0x451)
			t->lower++;
		else if ((cp >= 0x410 && cp <= 0x42f) || cp == 0x401)
			t->upper++;
	}
}

/* s[0..n) decoded from each of names into a scratch buffer; the one that
 * scores best (score: 0 for a wrong guess) is appended to out. Returns
 * whether one was. */
static int
best_of(const char *s, size_t n, const char *const *names, size_t nnames,
    size_t (*score)(const struct tally *), struct util_buf *out)
{
	struct util_buf try = {0}, best = {0};
	size_t top = 0;

	for (size_t i = 0; i < nnames; i++) {
		iconv_t cd = descriptor(names[i]);
		struct tally t;
		size_t sc;

		util_buf_reset(&try);
		if (cd == (iconv_t)-1 || convert(cd, s, n, &try) != 0)
			continue;
		tally(try.p, try.len, &t);
		if ((sc = score(&t)) > top) {
			struct util_buf swap = best;

			top = sc;
			best = try;
			try = swap;
		}
	}
	if (top > 0)
		util_buf_add(out, best.p, best.len);
	util_buf_free(&try);
	util_buf_free(&best);
	return top > 0;
}

/* Japanese text has kana among its kanji: a fifth of its characters beyond
 * ASCII at least. Other eight-bit text read as Shift_JIS or EUC-JP gives
 * kanji and half-width katakana, but few kana. */
static size_t
score_japanese(const struct tally *t)
{
	return t->kana > 0 && t->kana * 5 >= t->high ? t->kana * 1000 / t->high : 0;
}

/* Russian text is Cyrillic letters, most of them lower case: read in the
 * other of KOI8-R and windows-1251 it turns to capitals and box drawing. */
static size_t
score_cyrillic(const struct tally *t)
{
	size_t letters = t->lower + t->upper;

	return letters > 0 && letters * 10 >= t->high * 9 && t->lower * 10 >= letters * 6 ?
	    t->lower * 1000 / t->high : 0;
}

/* Whether the eight-bit bytes of s[0..n) come in runs of three or more on
 * average, as the letters of words in a script other than Latin do (in
 * Latin text an accented letter stands among ASCII ones). */
static int
long_runs(const char *s, size_t n)
{
	size_t high = 0, runs = 0;

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80) {
			high++;
			runs += i == 0 || (unsigned char)s[i - 1] < 0x80;
		}
	return runs > 0 && high >= 3 * runs;
}

/* No charset or one that says nothing: UTF-8 if it is valid UTF-8 (what
 * mail software writes today), ISO-2022-JP if it says so by its escape
 * sequences (Japanese mail without MIME); Shift_JIS or EUC-JP if it reads
 * as Japanese, KOI8-R or windows-1251 as Russian (what mail without MIME
 * from Japan and Russia was written in); else windows-1252 (the WHATWG
 * default for text without a label). */
static void
guess(const char *s, size_t n, struct util_buf *out)
{
	static const char *const japanese[] = { "CP932", "EUC-JP-MS" };
	static const char *const cyrillic[] = { "KOI8-R", "CP1251" };
	size_t len = out->len;

	if (memchr(s, 0x1b, n) != NULL) {
		const char *e = memchr(s, 0x1b, n);
		size_t k = (size_t)(e - s);

		if (k + 2 < n && (e[1] == '$' || e[1] == '(')) {
			from_iso2022jp(s, n, out);
			return;
		}
	}
	if (from_utf8(s, n, out) == 0)
		return;
	out->len = len;
	if (best_of(s, n, japanese, 2, score_japanese, out))
		return;
	if (long_runs(s, n) && best_of(s, n, cyrillic, 2, score_cyrillic, out))
		return;
	from_cp1252(s, n, out);
}

void
charset_to_utf8n(const char *s, size_t n, const char *cs, size_t csn, struct util_buf *out)
{
	char name[NAME_MAX_LEN];
	size_t k = 0, a = 0;
	enum kind kind = K_ICONV;
	const char *iname = name;
	iconv_t cd;

	/* The name: lower case, without quotes or an RFC 2231 language. */
	while (a < csn && (cs[a] == ' ' || cs[a] == '"' || cs[a] == '\''))
		a++;
	for (; a < csn && cs[a] != '*' && cs[a] != '"' && cs[a] != '\'' && cs[a] != ' '; a++) {
		if (k + 1 >= sizeof name) {
			k = 0;	/* longer than any charset name */
			break;
		}
		name[k++] = (char)ascii_lower((unsigned char)cs[a]);
	}
	name[k] = '\0';
	if (k == 0)
		kind = K_GUESS;
	for (size_t i = 0; k > 0 && i < sizeof aliases / sizeof aliases[0]; i++)
		if (name[0] == aliases[i].mime[0] && strcmp(name, aliases[i].mime) == 0) {
			kind = aliases[i].kind;
			if (aliases[i].iconv)
				iname = aliases[i].iconv;
			break;
		}
	if (n == 0)
		return;
	/* Most text in bounces is ASCII: the same bytes in UTF-8. (UTF-8 and
	 * text without a charset are copied as fast as this reads them.) */
	if (kind != K_UTF8 && kind != K_GUESS && charset_is_plain(s, n) &&
	    (kind != K_ICONV || ascii_compatible(name))) {
		util_buf_add(out, s, n);
		return;
	}
	switch (kind) {
	case K_GUESS:
		guess(s, n, out);
		return;
	case K_CP1252:
		from_cp1252(s, n, out);
		return;
	case K_ISO2022JP:
		from_iso2022jp(s, n, out);
		return;
	case K_UTF8:
		from_utf8(s, n, out);
		return;
	case K_ICONV:
		break;
	}
	cd = descriptor(iname);
	if (cd == (iconv_t)-1)
		guess(s, n, out);	/* a name iconv does not know */
	else if (strcmp(iname, "EUC-JP-MS") == 0)
		from_eucjpms(cd, s, n, out);
	else
		convert(cd, s, n, out);
}

void
charset_to_utf8(const char *s, size_t n, const char *cs, struct util_buf *out)
{
	charset_to_utf8n(s, n, cs ? cs : "", cs ? strlen(cs) : 0, out);
}
