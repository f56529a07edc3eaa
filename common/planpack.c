/* planpack: a plan record in the compact binary form plans.db keeps.
 *
 * What the columns of the row hold (rcpt, domain, state) is left out; the
 * strings that repeat from plan to plan (status, reason, sender, rule,
 * schedule, basis) are numbers of a dictionary the caller keeps (a table of
 * names in the database); times are zigzag varints, each the difference from
 * the time before it; the fingerprints of "seen" are bytes, not hex. So a
 * plan takes some 60 bytes instead of its 500-byte line.
 *
 * The form: a version byte (0), two bits a field saying unknown, null or
 * there, then the values of the fields there, in the schema's order. A new
 * field of the schema goes at its end (the bits of fields a reader does not
 * know are zero: unknown). */
#include "planpack.h"
#include "ascii.h"
#include "schema.h"

#include <string.h>

/* The fields in the columns, not in the packed record. */
static int
in_columns(size_t i)
{
	return i == PL_RCPT || i == PL_DOMAIN || i == PL_STATE;
}

static int
named(size_t i)
{
	return i == PL_STATUS || i == PL_REASON || i == PL_FROM || i == PL_RULE ||
	    i == PL_SCHEDULE || i == PL_BASIS;
}

static long long
unzigzag(unsigned long long u)
{
	return (long long)(u >> 1) ^ -(long long)(u & 1);
}

/* "seen": lower-case hex of whole bytes goes as bytes (length << 1 | 1),
 * anything else as it is (length << 1). */
static void
put_seen(struct util_buf *b, const char *s)
{
	size_t n = strlen(s), i;
	char *w;

	for (i = 0; i < n && ((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')); i++)
		;
	if (i < n || n % 2 != 0) {
		rec_varint_put(b, (unsigned long long)n << 1);
		util_buf_add(b, s, n + 1);
		return;
	}
	rec_varint_put(b, (unsigned long long)(n / 2) << 1 | 1);
	/* Into the buffer's room at once, not a byte a call: a first run
	 * packs a million plans, up to 128 hex digits each. */
	w = util_buf_room(b, n / 2);
	for (i = 0; i < n; i += 2)
		*w++ = (char)(ascii_hexval((unsigned char)s[i]) << 4 |
		    ascii_hexval((unsigned char)s[i + 1]));
	b->len += n / 2;
}

int
planpack_put(struct util_buf *b, const struct rec_val *v, long long (*name_id)(void *ctx,
    const char *name), void *ctx)
{
	size_t bits = b->len + 1;
	unsigned char mark[(PL_NFIELDS * 2 + 7) / 8] = {0};
	long long prev = 0;

	util_buf_addc(b, 0);
	util_buf_add(b, (const char *)mark, sizeof mark);
	for (size_t i = 0; i < PL_NFIELDS; i++) {
		const struct rec_field *f = &schema_plan.fields[i];
		int null = (f->type == REC_STR || f->type == REC_STRS) && v[i].s == NULL;

		if (!v[i].set || in_columns(i))
			continue;
		mark[i / 4] |= (unsigned char)((null ? 1 : 2) << (i % 4 * 2));
		if (null)
			continue;
		switch (f->type) {
		case REC_STR:
			if (named(i)) {
				long long id = name_id(ctx, v[i].s);

				if (id < 0)
					return -1;
				rec_varint_put(b, (unsigned long long)id);
			} else if (i == PL_SEEN) {
				put_seen(b, v[i].s);
			} else {
				rec_varint_put(b, strlen(v[i].s));
				util_buf_add(b, v[i].s, strlen(v[i].s) + 1);
			}
			break;
		case REC_TIME:
			rec_varint_put(b, rec_zigzag(v[i].i - prev));
			prev = v[i].i;
			break;
		case REC_INT: case REC_BOOL: case REC_DURATION:
			rec_varint_put(b, rec_zigzag(v[i].i));
			break;
		case REC_STRS: {
			size_t n = 0;

			for (long long k = 0; k < v[i].i; k++)
				n += strlen(v[i].s + n) + 1;
			rec_varint_put(b, (unsigned long long)v[i].i);
			rec_varint_put(b, n);
			util_buf_add(b, v[i].s, n);
			break;
		}
		default:
			return -1;
		}
	}
	memcpy(b->p + bits, mark, sizeof mark);
	return 0;
}

int
planpack_get(const void *data, size_t len, struct rec_val *v, char *seen, size_t seenlen,
    const char *(*name)(void *ctx, long long id), void *ctx)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = data, *end = p + len, *mark;
	unsigned long long u, n;
	long long prev = 0;

	memset(v, 0, PL_NFIELDS * sizeof *v);
	if (len < 1 + (PL_NFIELDS * 2 + 7) / 8 || *p != 0)
		return -1;
	mark = p + 1;
	p += 1 + (PL_NFIELDS * 2 + 7) / 8;
	for (size_t i = 0; i < PL_NFIELDS; i++) {
		const struct rec_field *f = &schema_plan.fields[i];
		int m = mark[i / 4] >> (i % 4 * 2) & 3;

		if (m == 0 || in_columns(i))
			continue;
		v[i].set = 1;
		if (m == 1) {
			if (f->type != REC_STR && f->type != REC_STRS)
				return -1;
			continue;
		}
		if (rec_varint_get(&p, end, &u) != 0)
			return -1;
		switch (f->type) {
		case REC_STR:
			if (named(i)) {
				if ((v[i].s = name(ctx, (long long)u)) == NULL)
					return -1;
			} else if (i == PL_SEEN && (u & 1)) {
				n = u >> 1;
				if (n > (size_t)(end - p) || 2 * n >= seenlen)
					return -1;
				for (size_t k = 0; k < n; k++) {
					seen[2 * k] = hex[p[k] >> 4];
					seen[2 * k + 1] = hex[p[k] & 15];
				}
				seen[2 * n] = '\0';
				v[i].s = seen;
				p += n;
			} else {
				/* Stored with its NUL: a string of its own. */
				n = i == PL_SEEN ? u >> 1 : u;
				if (n >= (size_t)(end - p) || p[n] != '\0' || memchr(p, '\0', n))
					return -1;
				v[i].s = (const char *)p;
				p += n + 1;
			}
			break;
		case REC_TIME:
			v[i].i = prev + unzigzag(u);
			prev = v[i].i;
			break;
		case REC_INT: case REC_BOOL: case REC_DURATION:
			v[i].i = unzigzag(u);
			break;
		case REC_STRS: {
			const unsigned char *s;

			v[i].i = (long long)u;
			if (rec_varint_get(&p, end, &n) != 0 || n > (size_t)(end - p))
				return -1;
			/* Exactly that many strings, each NUL-terminated. */
			s = p;
			for (unsigned long long k = 0; k < u; k++) {
				const unsigned char *z = memchr(s, '\0', (size_t)(p + n - s));

				if (z == NULL)
					return -1;
				s = z + 1;
			}
			if (s != p + n)
				return -1;
			v[i].s = (const char *)p;
			p += n;
			break;
		}
		default:
			return -1;
		}
	}
	return p == end ? 0 : -1;
}
