/* mime_walk: the parts of a MIME message: multipart bodies split at their
 * boundary lines (RFC 2046 5.1), each leaf part handed to a callback. Linear
 * in the message: boundaries are found by Horspool's method. */
#include "mime.h"

#include <stdlib.h>
#include <string.h>

/* What the walk of one message shares down its parts: a header and a buffer
 * for values, reused, as each part is done with them before the parts
 * under it are walked. */
struct walker {
	mime_leaf_fn leaf;
	void *arg;
	struct mime_header h;
	struct util_buf v;
};

static void walk(const char *s, size_t n, int depth, struct walker *w);

/* Whether line s[0..len) is a delimiter of boundary b: "--b", "--b--", then
 * only white space. 2 for the closing one, 1 for others, 0 if not. */
static int
delimiter(const char *s, size_t len, const char *b, size_t blen)
{
	size_t i;
	int closing = 0;

	if (len < 2 + blen || s[0] != '-' || s[1] != '-' || memcmp(s + 2, b, blen) != 0)
		return 0;
	i = 2 + blen;
	if (len - i >= 2 && s[i] == '-' && s[i + 1] == '-') {
		closing = 1;
		i += 2;
	}
	for (; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return closing ? 2 : 1;
}

/* A boundary guessed from the body: the first line "--token" (no spaces),
 * for messages whose header names a boundary the body does not use. */
static int
guess_boundary(const char *s, size_t n, const char **b, size_t *blen)
{
	size_t pos = 0;

	while (pos < n) {
		const char *nl = memchr(s + pos, '\n', n - pos);
		size_t end = nl ? (size_t)(nl - s) : n, k;

		if (end - pos > 2 && end - pos <= 202 && s[pos] == '-' && s[pos + 1] == '-') {
			for (k = pos + 2; k < end && s[k] > ' ' && s[k] < 127; k++)
				;
			if (k == end) {
				*b = s + pos + 2;
				*blen = end - pos - 2;
				return 1;
			}
		}
		pos = nl ? end + 1 : n;
	}
	return 0;
}

/* The search for the delimiter lines of one multipart: "\n--" and its
 * boundary (at most 200 bytes) found by Horspool's method, the shifts by
 * the byte under the needle's end made once for all the parts. */
struct delim_search {
	const char *b;
	size_t blen, m;
	char needle[3 + 200];
	unsigned char shift[256];
};

static void
delim_search_init(struct delim_search *ds, const char *b, size_t blen)
{
	ds->b = b;
	ds->blen = blen;
	ds->m = blen + 3;
	ds->needle[0] = '\n';
	ds->needle[1] = ds->needle[2] = '-';
	memcpy(ds->needle + 3, b, blen);
	memset(ds->shift, (int)ds->m, sizeof ds->shift);
	for (size_t k = 0; k + 1 < ds->m; k++)
		ds->shift[(unsigned char)ds->needle[k]] = (unsigned char)(ds->m - 1 - k);
}

/* The first "\n--b" in s[pos..n), or NULL. Linear: a window is compared
 * past its ends only where it starts with a line end, and a boundary holds
 * none, so the comparisons after two line ends do not overlap. */
static const char *
delim_search_find(const struct delim_search *ds, const char *s, size_t n, size_t pos)
{
	size_t m = ds->m;
	unsigned char last = (unsigned char)ds->needle[m - 1];

	if (pos > n || n - pos < m)
		return NULL;
	/* e: the byte under the needle's last one. */
	for (size_t e = pos + m - 1; e < n; e += ds->shift[(unsigned char)s[e]]) {
		const char *start = s + e - (m - 1);

		if ((unsigned char)s[e] == last && *start == '\n' &&
		    memcmp(start + 1, ds->needle + 1, m - 2) == 0)
			return start;
	}
	return NULL;
}

/* The next delimiter line at or after from (a line start): its start, and
 * in *d 1 or 2 (closing), *next the offset after its line; n if none. A
 * candidate is a whole line, so each byte is looked at a bounded number of
 * times. */
static size_t
next_delimiter(const char *s, size_t n, size_t from, const struct delim_search *ds, int *d,
    size_t *next)
{
	size_t pos = from;

	/* A delimiter on the first line has no line end before it. */
	if (pos == 0) {
		const char *nl = memchr(s, '\n', n);
		size_t le = nl ? (size_t)(nl - s) : n;

		if ((*d = delimiter(s, le, ds->b, ds->blen)) != 0) {
			*next = nl ? le + 1 : n;
			return 0;
		}
	}
	if (pos > 0)
		pos--;	/* the line end before a line start */
	while (pos < n) {
		const char *hit = delim_search_find(ds, s, n, pos), *nl;
		size_t ls, le;

		if (hit == NULL)
			break;
		ls = (size_t)(hit - s) + 1;
		nl = memchr(s + ls, '\n', n - ls);
		le = nl ? (size_t)(nl - s) : n;
		if ((*d = delimiter(s + ls, le - ls, ds->b, ds->blen)) != 0) {
			*next = nl ? le + 1 : n;
			return ls;
		}
		pos = le;	/* the next candidate starts at this line's end */
	}
	return n;
}

/* Calls walk for each body part of a multipart body with boundary b. */
static void
walk_multipart(const char *s, size_t n, const char *b, size_t blen, int depth,
    struct walker *w)
{
	struct delim_search ds;
	size_t pos, part = 0, next = 0;
	int in_part = 0, d = 0;

	delim_search_init(&ds, b, blen);
	pos = next_delimiter(s, n, 0, &ds, &d, &next);
	/* The body does not use the boundary its header names. */
	if (pos == n && guess_boundary(s, n, &b, &blen)) {
		delim_search_init(&ds, b, blen);
		pos = next_delimiter(s, n, 0, &ds, &d, &next);
	}
	if (pos == n) {
		struct mime_header h = {0};
		struct mime_part p = { &h, "text/plain", s, n, depth + 1 };

		h.base = s;
		w->leaf(w->arg, &p);
		return;
	}
	/* The top multipart's preamble, which RFC 2046 5.1.1 says to ignore,
	 * but where some mail systems write their notice: handed on as a part
	 * of its own type, for callers that want it. */
	if (depth == 0 && pos > 0) {
		struct mime_header h = {0};
		struct mime_part p = { &h, MIME_PREAMBLE, s, pos, depth + 1 };

		h.base = s;
		w->leaf(w->arg, &p);
	}
	while (pos < n) {
		if (in_part) {
			/* The line end before the delimiter belongs to it. */
			size_t pe = pos > part ? pos - 1 : part;

			walk(s + part, pe - part, depth + 1, w);
		}
		if (d == 2)
			return;
		in_part = 1;
		part = next;
		pos = next_delimiter(s, n, next, &ds, &d, &next);
	}
	if (in_part && part < n)
		walk(s + part, n - part, depth + 1, w);
}

/* Walks the part s[0..n) whose header h ends at body. */
static void
walk_part(const char *s, size_t n, const struct mime_header *h, size_t body, int depth,
    struct walker *w)
{
	struct util_buf *v = &w->v, b = {0};
	char ctype[128];

	mime_header_get(h, "content-type", v);
	mime_content_type(v->p, v->len, ctype, sizeof ctype);
	if (strncmp(ctype, "multipart/", 10) == 0 && depth < MIME_MAX_DEPTH &&
	    mime_param(v->p, v->len, "boundary", &b) && b.len > 0 && b.len <= 200) {
		walk_multipart(s + body, n - body, b.p, b.len, depth, w);
	} else if (strncmp(ctype, "multipart/", 10) == 0 && depth < MIME_MAX_DEPTH) {
		const char *g;
		size_t gl;

		/* No boundary parameter (a folded line without its indent ended the
		 * header): the first "--token" line is taken for it; failing that,
		 * the body is read as text. */
		if (guess_boundary(s + body, n - body, &g, &gl))
			walk_multipart(s + body, n - body, g, gl, depth, w);
		else {
			struct mime_part p = { h, "text/plain", s + body, n - body, depth };

			w->leaf(w->arg, &p);
		}
	} else {
		struct mime_part p = { h, ctype, s + body, n - body, depth };

		w->leaf(w->arg, &p);
	}
	util_buf_free(&b);
}

static void
walk(const char *s, size_t n, int depth, struct walker *w)
{
	size_t body = mime_header_parse(s, n, &w->h);

	walk_part(s, n, &w->h, body, depth, w);
}

/* The buffers of a walk, kept for the thread's next one (no allocation per
 * message once they are large enough). Taken while a walk runs: a walk
 * started by a leaf (a report inside a returned message) gets its own. */
static _Thread_local struct walker spare;

static struct walker
walker_take(mime_leaf_fn leaf, void *arg)
{
	struct walker w = spare;

	spare = (struct walker){0};
	w.leaf = leaf;
	w.arg = arg;
	util_buf_reset(&w.v);
	w.h.n = 0;
	return w;
}

static void
walker_keep(struct walker *w)
{
	if (spare.v.p == NULL && spare.h.f == NULL && w->v.cap <= 65536 &&
	    w->h.cap <= 1024) {
		spare = *w;
		return;
	}
	util_buf_free(&w->v);
	mime_header_free(&w->h);
}

void
mime_walk(const char *s, size_t n, mime_leaf_fn leaf, void *arg)
{
	struct walker w = walker_take(leaf, arg);

	walk(s, n, 0, &w);
	walker_keep(&w);
}

void
mime_walk_parsed(const char *s, size_t n, const struct mime_header *h, size_t body,
    mime_leaf_fn leaf, void *arg)
{
	struct walker w = walker_take(leaf, arg);

	walk_part(s, n, h, body, 0, &w);
	walker_keep(&w);
}

void
mime_walk_thread_end(void)
{
	util_buf_free(&spare.v);
	mime_header_free(&spare.h);
}
