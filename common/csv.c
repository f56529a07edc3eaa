/* csv: one RFC 4180 line into fields. Unquoted runs are copied at once;
 * quotes are undone, "" inside a quoted field is one quote. */
#include "csv.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void
push(struct csv *c, size_t at)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->off = util_xrealloc(c->off, c->cap * sizeof *c->off);
	}
	c->off[c->n++] = at;
}

int
csv_split(struct csv *c, const char *line, size_t len, char sep)
{
	const char *p = line, *end = line + len;
	char *o;

	c->n = 0;
	/* the fields take no more room than the line, with a NUL each */
	util_buf_reset(&c->buf);
	o = util_buf_room(&c->buf, len + 1);
	for (;;) {
		push(c, (size_t)(o - c->buf.p));
		if (p < end && *p == '"') {
			for (p++;;) {
				const char *q = memchr(p, '"', (size_t)(end - p));

				if (q == NULL)
					return -1;
				memcpy(o, p, (size_t)(q - p));
				o += q - p;
				p = q + 1;
				if (p < end && *p == '"') {
					*o++ = '"';
					p++;
					continue;
				}
				break;
			}
			if (p < end && *p != sep)
				return -1;
		} else {
			const char *q = memchr(p, sep, (size_t)(end - p));

			if (q == NULL)
				q = end;
			memcpy(o, p, (size_t)(q - p));
			o += q - p;
			p = q;
		}
		*o++ = '\0';
		if (p >= end)
			break;
		p++;	/* the separator: a field follows, maybe empty */
		if (p == end) {
			push(c, (size_t)(o - c->buf.p));
			*o++ = '\0';
			break;
		}
	}
	c->buf.len = (size_t)(o - c->buf.p);
	return 0;
}

const char *
csv_field(const struct csv *c, size_t i)
{
	return i < c->n ? c->buf.p + c->off[i] : "";
}

long
csv_column(const struct csv *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcasecmp(c->buf.p + c->off[i], name) == 0)
			return (long)i;
	return -1;
}

void
csv_free(struct csv *c)
{
	util_buf_free(&c->buf);
	free(c->off);
	memset(c, 0, sizeof *c);
}
