/* jsonl: JSON-lines output and valid UTF-8 strings from hostile bytes. */
#include "jsonl.h"
#include "charset.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the serialiser ----
 * jansson's dump goes through a callback per token (and a fwrite per token
 * with json_dumpf): most of the time of a busy run. This one writes the same
 * bytes as json_dumpb(JSON_COMPACT | JSON_PRESERVE_ORDER) into one buffer:
 * keys in insertion order, escapes as jansson makes them. What it does not
 * handle (reals, invalid UTF-8, deep nesting) goes to json_dumpb instead. */
#define DUMP_DEPTH_MAX 32

static void
out_add(struct util_buf *o, const char *s, size_t n)
{
	memcpy(util_buf_room(o, n), s, n);
	o->len += n;
}

/* Where a line is built, reused from one line to the next (no allocation per
 * line); one per thread, freed by jsonl_thread_end. */
static _Thread_local struct util_buf line_out;

struct util_buf *
jsonl_line(void)
{
	util_buf_reset(&line_out);
	return &line_out;
}

void
jsonl_thread_end(void)
{
	util_buf_free(&line_out);
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS (ONES * 0x80)

/* Whether one of the eight bytes of x is below 0x20, a quote, a backslash or
 * 0x80 and above. On the low seven bits of each byte the sums cannot carry
 * into the next byte: bit 7 of each sum is set exactly when the byte is at
 * least 0x20 (+ 0x60), or is not the quote or the backslash (xor, + 0x7F). */
static int
needs_look(uint64_t x)
{
	uint64_t low = x & ~HIGHS;
	uint64_t fine = (low + ONES * 0x60) & ((low ^ ONES * '"') + ~HIGHS) &
	    ((low ^ ONES * '\\') + ~HIGHS);

	return ((~fine | x) & HIGHS) != 0;
}

/* What each ASCII byte becomes inside a JSON string, as jansson writes it:
 * 0 for itself, else the letter of its escape ("\n", "\u001F"). One load
 * per byte instead of a chain of tests. */
static const unsigned char escape_of[128] = {
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
	['"'] = '"',
	['\\'] = '\\',
};
/* Not a letter: the first byte of a UTF-8 sequence, to check. */
enum { UTF8 = 1 };

/* Writes str[0..n) as a quoted JSON string at w, which has room for 6 * n + 2
 * bytes (the worst case). Returns the end of what it wrote, or NULL for
 * invalid UTF-8 (jansson refuses it: the caller cleans it or lets jansson
 * say so). */
static char *
put_string(char *w, const char *str, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	*w++ = '"';
	/* Most values and keys are short: 4 to 7 bytes are the first four and
	 * the last four (overlapping), looked at as one word. */
	if (n >= 4 && n < 8) {
		uint32_t head, tail;

		memcpy(&head, s, 4);
		memcpy(&tail, s + n - 4, 4);
		if (!needs_look((uint64_t)head << 32 | tail)) {
			memcpy(w, &head, 4);
			memcpy(w + n - 4, &tail, 4);
			w += n;
			i = n;
		}
	}
	while (i < n) {
		uint64_t x;
		size_t stop;

		/* Eight bytes at a time, copied as they are, while none needs a
		 * look: no control character, quote, backslash or non-ASCII. */
		if (n - i >= 8) {
			memcpy(&x, s + i, 8);
			if (!needs_look(x)) {
				memcpy(w, &x, 8);
				w += 8;
				i += 8;
				continue;
			}
		} else if (n >= 8) {
			/* The last n - i bytes, as the end of the string's last
			 * eight: when none of those needs a look, the ones before
			 * i went out unchanged, so rewriting them is harmless. */
			memcpy(&x, s + n - 8, 8);
			if (!needs_look(x)) {
				memcpy(w - (8 - (n - i)), &x, 8);
				w += n - i;
				break;
			}
		}
		/* Byte by byte to the end of this word (all of a short string). */
		stop = n - i > 8 ? i + 8 : n;
		while (i < stop) {
			unsigned char c = s[i], e = c < 0x80 ? escape_of[c] : UTF8;

			if (e == 0) {
				*w++ = (char)c;
				i++;
			} else if (e == UTF8) {
				size_t l = charset_utf8_len(s + i, n - i);

				if (l == 0)
					return NULL;
				while (l-- > 0)
					*w++ = (char)s[i++];
			} else if (e == 'u') {
				memcpy(w, "\\u00", 4);
				w[4] = hex[c >> 4];
				w[5] = hex[c & 15];
				w += 6;
				i++;
			} else {
				w[0] = '\\';
				w[1] = (char)e;
				w += 2;
				i++;
			}
		}
	}
	*w++ = '"';
	return w;
}

static int
dump_string(struct util_buf *o, const char *str, size_t n)
{
	char *end;

	if ((end = put_string(util_buf_room(o, 6 * n + 2), str, n)) == NULL)
		return -1;
	o->len = (size_t)(end - o->p);
	return 0;
}

void
jsonl_add_string(struct util_buf *b, const char *s, size_t n)
{
	char *clean;

	if (dump_string(b, s, n) == 0)
		return;
	/* Invalid UTF-8: replaced, as jsonl_string does. */
	clean = jsonl_utf8_clean(s, n);
	if (dump_string(b, clean, strlen(clean)) != 0)
		util_errx(BK_ERR, "jsonl: cleaned string still invalid");
	free(clean);
}

/* Writes v in decimal at w (room for 20 bytes); returns the end. */
static char *
put_integer(char *w, json_int_t v)
{
	char num[24];
	size_t i = sizeof num;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do
		num[--i] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		num[--i] = '-';
	memcpy(w, num + i, sizeof num - i);
	return w + (sizeof num - i);
}

void
jsonl_add_integer(struct util_buf *o, long long v)
{
	o->len = (size_t)(put_integer(util_buf_room(o, 20), (json_int_t)v) - o->p);
}

void
jsonl_add_real(struct util_buf *b, double d, int digits)
{
	char buf[64], *start, *end;
	int n;

	/* As jansson writes a real (jsonp_dtostr): %.*g, then ".0" where it
	 * would read as an integer, and no '+' or leading zeros in the
	 * exponent. */
	n = snprintf(buf, sizeof buf - 3, "%.*g", digits > 0 ? digits : 17, d);
	if (n < 0 || (size_t)n >= sizeof buf - 3)
		util_errx(BK_ERR, "jsonl: real out of range");
	if (strchr(buf, '.') == NULL && strchr(buf, 'e') == NULL) {
		memcpy(buf + n, ".0", 3);
		n += 2;
	}
	if ((start = strchr(buf, 'e')) != NULL) {
		start++;
		end = start + 1;
		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start) {
			memmove(start, end, (size_t)n - (size_t)(end - buf) + 1);
			n -= (int)(end - start);
		}
	}
	out_add(b, buf, (size_t)n);
}

static int
dump_value(struct util_buf *o, const json_t *v, int depth)
{
	if (depth > DUMP_DEPTH_MAX)
		return -1;
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		void *it = json_object_iter((json_t *)v);
		int first = 1;

		out_add(o, "{", 1);
		for (; it; it = json_object_iter_next((json_t *)v, it)) {
			if (!first)
				out_add(o, ",", 1);
			first = 0;
			if (dump_string(o, json_object_iter_key(it), json_object_iter_key_len(it)) != 0)
				return -1;
			out_add(o, ":", 1);
			if (dump_value(o, json_object_iter_value(it), depth + 1) != 0)
				return -1;
		}
		out_add(o, "}", 1);
		return 0;
	}
	case JSON_ARRAY:
		out_add(o, "[", 1);
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i > 0)
				out_add(o, ",", 1);
			if (dump_value(o, json_array_get(v, i), depth + 1) != 0)
				return -1;
		}
		out_add(o, "]", 1);
		return 0;
	case JSON_STRING:
		return dump_string(o, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		jsonl_add_integer(o, json_integer_value(v));
		return 0;
	case JSON_TRUE:
		out_add(o, "true", 4);
		return 0;
	case JSON_FALSE:
		out_add(o, "false", 5);
		return 0;
	case JSON_NULL:
		out_add(o, "null", 4);
		return 0;
	default:
		return -1;	/* reals: jansson's own formatting */
	}
}

/* stdout's buffer once JSON lines go there: the default 4-8 KB costs a
 * write(2) every few dozen events. */
#define STDOUT_BUF (128 * 1024)

void
jsonl_buffer_stdout(void)
{
	static char buf[STDOUT_BUF];
	static int done;

	if (done)
		return;
	done = 1;
	/* A terminal keeps its line buffering (someone is watching). setvbuf
	 * comes after a flush: anything written before is out already. */
	if (!isatty(fileno(stdout)) && fflush(stdout) == 0)
		setvbuf(stdout, buf, _IOFBF, sizeof buf);
}

int
jsonl_write(FILE *fp, const json_t *obj)
{
	struct util_buf *o = jsonl_line();

	if (fp == stdout)
		jsonl_buffer_stdout();
	if (dump_value(o, obj, 0) != 0) {
		size_t n;

		o->len = 0;
		n = json_dumpb(obj, NULL, 0, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (n == 0)
			return -1;
		if (json_dumpb(obj, util_buf_room(o, n), n, JSON_COMPACT | JSON_PRESERVE_ORDER) != n)
			return -1;
		o->len = n;
	}
	out_add(o, "\n", 1);
	if (fwrite(o->p, 1, o->len, fp) != o->len)
		return -1;
	return ferror(fp) ? -1 : 0;
}

void
jsonl_print(const json_t *obj)
{
	if (jsonl_write(stdout, obj) != 0) {
		util_warn("write error on standard output");
		exit(BK_ERR);
	}
}

char *
jsonl_utf8_clean(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	struct util_buf b = {0};
	size_t i = 0, run = 0;

	/* Fast path: copy valid runs in one go. */
	while (i < n) {
		size_t l = u[i] ? charset_utf8_len(u + i, n - i) : 0;

		if (l > 0) {
			i += l;
			run += l;
			continue;
		}
		util_buf_add(&b, s + i - run, run);
		run = 0;
		if (u[i] != 0)
			util_buf_add(&b, "\xEF\xBF\xBD", 3);
		i++;
	}
	util_buf_add(&b, s + i - run, run);
	return util_buf_str(&b);
}

/* Whether s[0..n) is valid UTF-8 without NUL bytes: nothing to clean. */
static int
utf8_clean_already(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, l;

	while (i < n) {
		if (u[i] - 1u < 0x7Fu) {	/* 0x01..0x7F */
			i++;
			continue;
		}
		if (u[i] == 0 || (l = charset_utf8_len(u + i, n - i)) == 0)
			return 0;
		i += l;
	}
	return 1;
}

json_t *
jsonl_string(const char *s, size_t n)
{
	char *c;
	json_t *j;

	/* The common case: no copy, and no second check inside jansson. */
	if (utf8_clean_already(s, n) && (j = json_stringn_nocheck(s, n)) != NULL)
		return j;
	c = jsonl_utf8_clean(s, n);
	j = json_string(c);
	free(c);
	return j ? j : json_string("");
}

json_t *
jsonl_string_or_null(const char *s)
{
	return s ? jsonl_string(s, strlen(s)) : json_null();
}

void
jsonl_set_str(json_t *obj, const char *key, const char *s)
{
	json_object_set_new(obj, key, jsonl_string_or_null(s));
}

const char *
jsonl_get_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

long long
jsonl_get_int(const json_t *obj, const char *key, long long def)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v)) {
		double d = json_real_value(v);

		/* Out of range (or NaN), the conversion is undefined behaviour. */
		if (d > -9.2e18 && d < 9.2e18)
			return (long long)d;
	}
	return def;
}

json_t *
jsonl_parse_object(const char *line, size_t len, char *why, size_t whylen)
{
	json_error_t e;
	json_t *j;

	j = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &e);
	if (j == NULL) {
		snprintf(why, whylen, "invalid JSON: %s", e.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		snprintf(why, whylen, "not a JSON object");
		json_decref(j);
		return NULL;
	}
	return j;
}
