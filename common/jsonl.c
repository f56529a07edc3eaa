#include "jsonl.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

int
jsonl_write(FILE *fp, const json_t *obj)
{
	if (json_dumpf(obj, fp, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0)
		return -1;
	if (putc('\n', fp) == EOF)
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

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t
utf8_seqlen(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

char *
jsonl_utf8_clean(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	struct util_buf b = {0};
	size_t i = 0, run = 0;

	/* Fast path: copy valid runs in one go. */
	while (i < n) {
		size_t l = u[i] ? utf8_seqlen(u + i, n - i) : 0;

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

json_t *
jsonl_string(const char *s, size_t n)
{
	char *c = jsonl_utf8_clean(s, n);
	json_t *j = json_string(c);

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
