/* stats_merge: partial aggregates of bounce-stats merged into what one run
 * over all their events would have counted (see stats.h). Each partial has
 * its groups in key order and each group's recipients in byte order, so the
 * partials are merged as sorted runs are: a heap of partials by their next
 * group, then for each group a heap of them by their next recipient, equal
 * recipients taken together, counted once. No recipient table (it was most
 * of the merge's time: each recipient hashed in again), memory of a line per
 * partial. */
#include "stats.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bktime.h"
#include "flatjson.h"
#include "hmap.h"
#include "jsonl.h"
#include "reason.h"
#include "stats_merge_int.h"
#include "util.h"

/* Reading: the group and recipient lines, by the thousand, through flatjson
 * (jansson only for the rest); the headers through jansson. */

enum {
	K_PARTIAL, K_KEY, K_EVENTS, K_DEFERRALS, K_FAILURES, K_DELIVERIES, K_TIMED, K_FIRST,
	K_LAST, K_REASONS, K_STATUSES, K_DAYS, K_FULL_DAYS, K_LATEST, K_LAST_REASON,
	K_LAST_STATUS, K_RECIPIENTS, K_RCPTS, K_THROTTLED, K_N
};
/* The counts of a group line: reasons, statuses, days, full days. */
static const size_t count_keys[4] = { K_REASONS, K_STATUSES, K_DAYS, K_FULL_DAYS };

static const char *const keys[K_N] = {
	"partial", "key", "events", "deferrals", "failures", "deliveries", "timed", "first",
	"last", "reasons", "statuses", "days", "full_days", "latest", "last_reason",
	"last_status", "recipients", "rcpts", "throttled"
};


/* The same from flatjson. */
static int
fj_time(const struct flatjson *fj, size_t k, int *have, time_t *t)
{
	*have = 0;
	if (fj->v[k].type == FLATJSON_ABSENT || fj->v[k].type == FLATJSON_NULL)
		return 0;
	if (fj->v[k].type != FLATJSON_STR || bktime_parse_time(flatjson_str(fj, k), t) != 0)
		return -1;
	*have = 1;
	return 0;
}

static int
fj_count(const struct flatjson *fj, size_t k, unsigned long long *n)
{
	if (fj->v[k].type != FLATJSON_INT || fj->v[k].num < 0)
		return -1;
	*n = (unsigned long long)fj->v[k].num;
	return 0;
}

/* "name=n": the name's length and n; -1 if it is not that. */
static int
name_count(const char *s, size_t *namelen, long long *n)
{
	size_t len = strlen(s), i = len;
	long long v = 0;

	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	if (i == len || i < 2 || s[i - 1] != '=')
		return -1;
	for (size_t j = i; j < len; j++) {
		if (v > (LLONG_MAX - (s[j] - '0')) / 10)
			return -1;
		v = v * 10 + (s[j] - '0');
	}
	*namelen = i - 1;
	*n = v;
	return 0;
}

/* The strings of an array, one after another (NULL after the last). */
static const char *
strs_next(const struct flatjson *fj, size_t k, size_t i, const char *prev)
{
	if ((long long)i >= fj->v[k].num)
		return NULL;
	return prev ? prev + strlen(prev) + 1 : flatjson_strs(fj, k, 0);
}

/* The counts of a group line, parsed and checked before any is added. */
struct count_item {
	const char *name;	/* in the line's strings */
	size_t len;
	long long n;
	size_t reason;		/* reasons: the index in reason_table */
	size_t date;		/* days: the date's number (struct day_sum) */
};

/* At most this many dates are kept numbered between groups (a merge reads
 * the same few dozen dates in every group of every partial). */
#define DATES_KEPT 4096

/* The number of the date s[0..n) ("2026-11-27") in ds->dates, or
 * HMAP_NONE if it is not a date. Its day's key (stats_day_key) is made once,
 * into ds->key (the entry's num: its length). */
static size_t
date_number(struct day_sum *ds, const char *s, size_t n)
{
	struct hmap_entry *e;
	int64_t day;
	size_t k, h;

	if (n != 10)
		return HMAP_NONE;
	/* The hint by month and day first: a merge meets a date again and
	 * again, and a hash of it costs more than the date is worth. */
	h = ((size_t)(unsigned char)s[5] * 10 + (unsigned char)s[6]) * 31 +
	    (size_t)(unsigned char)s[8] * 10 + (unsigned char)s[9];
	h %= sizeof ds->hint / sizeof ds->hint[0];
	if (ds->hint[h] != 0 && memcmp(hmap_key(&ds->dates, ds->hint[h] - 1), s, 10) == 0)
		return ds->hint[h] - 1;
	if ((k = hmap_find(&ds->dates, s, n)) != HMAP_NONE) {
		ds->hint[h] = (uint32_t)k + 1;
		return k;
	}
	if (bktime_parse_day(s, n, &day) != 0)
		return HMAP_NONE;
	e = hmap_put(&ds->dates, s, n, NULL);
	k = (size_t)(e - ds->dates.ents);
	ds->hint[h] = (uint32_t)k + 1;
	if (k >= ds->cap) {
		size_t cap = ds->cap ? 2 * ds->cap : 64;

		ds->key = util_xreallocarray(ds->key, cap, sizeof *ds->key);
		for (int i = 0; i < 2; i++) {
			ds->n[i] = util_xreallocarray(ds->n[i], cap, sizeof *ds->n[i]);
			ds->touched[i] = util_xreallocarray(ds->touched[i], cap,
			    sizeof *ds->touched[i]);
			for (size_t j = ds->cap; j < cap; j++)
				ds->n[i][j] = -1;
		}
		ds->cap = cap;
	}
	e->num = (long long)stats_day_key(day, ds->key[k]);
	return k;
}

/* The reason named s[0..n), or NULL: by a memo of the names seen lately
 * (a partial repeats a dozen names a million times). */
static const struct reason_desc *
reason_of(const char *s, size_t n)
{
	static struct {
		const struct reason_desc *d;
		size_t len;
	} memo[64];
	size_t i;
	char name[64];

	if (n == 0 || n >= sizeof name)
		return NULL;
	i = (n * 31 + (unsigned char)s[0] * 7 + (unsigned char)s[n - 1]) % 64;
	if (memo[i].d && memo[i].len == n && memcmp(memo[i].d->name, s, n) == 0)
		return memo[i].d;
	memcpy(name, s, n);
	name[n] = '\0';
	if ((memo[i].d = reason_describe(name)) != NULL)
		memo[i].len = n;
	return memo[i].d;
}

/* Parses the "name=n" counts of array k onto out (struct count_item):
 * what (0 reasons, 1 statuses, 2 days) says which names are allowed. The
 * number of counts, or -1. */
static long
counts_parse(const struct flatjson *fj, size_t k, int what, struct day_sum *ds,
    struct util_buf *out)
{
	const char *s = NULL;
	long count = 0;

	if (fj->v[k].type != FLATJSON_STRS)
		return -1;
	for (size_t i = 0; (s = strs_next(fj, k, i, s)) != NULL; i++, count++) {
		struct count_item c = { s, 0, 0, 0, 0 };

		if (name_count(s, &c.len, &c.n) != 0)
			return -1;
		if (what == 0) {
			const struct reason_desc *d = reason_of(s, c.len);

			if (d == NULL)
				return -1;
			c.reason = (size_t)(d - reason_table);
		} else if ((what == 1 && c.len >= STATUS_MAX) ||
		    (what == 2 && (c.date = date_number(ds, s, c.len)) == HMAP_NONE)) {
			return -1;
		}
		util_buf_add(out, &c, sizeof c);
	}
	return count;
}

/* Adds n to the sum of kind (0 days, 1 full days) of the date numbered k. */
static void
day_sum_add(struct day_sum *ds, int kind, size_t k, long long n)
{
	if (ds->n[kind][k] < 0) {
		ds->n[kind][k] = n;
		ds->touched[kind][ds->ntouched[kind]++] = k;
	} else {
		ds->n[kind][k] += n;
	}
}

/* The sums of kind into m (a day's key: stats_day_key), in the order first
 * summed, and emptied; past DATES_KEPT dates, the numbering starts again. */
static void
day_sum_flush(struct day_sum *ds, int kind, struct hmap *m)
{
	if (ds->ntouched[kind] > 0) {
		hmap_reserve(m, m->count + ds->ntouched[kind]);
		for (size_t i = 0; i < ds->ntouched[kind]; i++) {
			size_t k = ds->touched[kind][i];

			hmap_put(m, ds->key[k], (size_t)ds->dates.ents[k].num, NULL)->num +=
			    ds->n[kind][k];
			ds->n[kind][k] = -1;
		}
		ds->ntouched[kind] = 0;
	}
	if (kind == 1 && ds->dates.count > DATES_KEPT) {
		hmap_clear(&ds->dates);
		memset(ds->hint, 0, sizeof ds->hint);
	}
}

/* Adds n parsed counts to g: what 0 reasons, 1 statuses (into g's map), 2
 * days and 3 full days (into ds, for day_sum_flush). */
static void
counts_add(struct stats_group *g, const struct count_item *c, long n, int what,
    struct day_sum *ds)
{
	for (long i = 0; i < n; i++) {
		if (what == 0)
			g->reasons[c[i].reason] += (unsigned long long)c[i].n;
		else if (what == 1)
			hmap_put(&g->statuses, c[i].name, c[i].len, NULL)->num += c[i].n;
		else
			day_sum_add(ds, what - 2, c[i].date, c[i].n);
	}
}

void
stats_merge_free(struct stats_merge *m)
{
	for (size_t i = 0; i < m->nsrc; i++) {
		struct stats_merge_src *s = &m->src[i];

		input_reader_free(&s->rd);
		flatjson_free(&s->fj);
		util_buf_free(&s->prev_key);
	}
	free(m->src);
	for (size_t i = 0; i < m->nin; i++) {
		if (m->in[i].orig && m->in[i].orig != stdin)
			fclose(m->in[i].orig);
		if (m->in[i].fp && m->in[i].fp != stdin)
			fclose(m->in[i].fp);
	}
	free(m->in);
	free(m->scope.segment);
	util_buf_free(&m->counts);
	util_buf_free(&m->cur);
	if (m->sums) {
		hmap_free(&m->sums->dates, NULL);
		free(m->sums->key);
		for (int i = 0; i < 2; i++) {
			free(m->sums->n[i]);
			free(m->sums->touched[i]);
		}
		free(m->sums);
	}
	memset(m, 0, sizeof *m);
}

/* Merging */

/* Reports what is wrong at s's line; the rest of s is skipped. */
static void
src_bad(struct stats_merge *m, struct stats_merge_src *s, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	util_locwarn(s->file, s->lineno ? s->lineno : s->line, "%s; the rest of this partial "
	    "is skipped", why);
	s->bad = 1;
	m->status = BK_ERR;
}

/* s's next line parsed into s->fj: 1, 0 if it has no more, -1 (reported). */
static int
src_line(struct stats_merge *m, struct stats_merge_src *s)
{
	char *line, why[200];
	size_t len;
	json_t *o;

	if (s->left == 0)
		return 0;
	if (!input_next_line(&s->rd, &line, &len)) {
		if (s->rd.error)
			errno = s->rd.error;
		src_bad(m, s, s->rd.error ? "read error: %s" : "partial cut short (since it "
		    "was first read)", s->rd.error ? strerror(errno) : "");
		return -1;
	}
	s->left--;
	s->lineno++;
	input_chomp(line, &len);
	if (flatjson_parse(&s->fj, line, len) != 0) {
		if ((o = jsonl_parse_object(line, len, why, sizeof why)) == NULL) {
			src_bad(m, s, "%s", why);
			return -1;
		}
		flatjson_from_json(&s->fj, o);
		json_decref(o);
	}
	return 1;
}

/* s's next group line, checked for its place: 1, 0 at the end, -1 (reported). */
static int
src_group_line(struct stats_merge *m, struct stats_merge_src *s)
{
	const struct flatjson *fj = &s->fj;
	const char *key;
	int rc;

	if (s->groups_left == 0) {
		if (s->left > 0) {
			s->lineno++;
			src_bad(m, s, "more lines than the partial's groups have");
			return -1;
		}
		return 0;
	}
	if ((rc = src_line(m, s)) <= 0) {
		if (rc == 0)
			src_bad(m, s, "partial cut short: %llu groups missing", s->groups_left);
		return -1;
	}
	if (fj->v[K_PARTIAL].type != FLATJSON_ABSENT || fj->v[K_RCPTS].type != FLATJSON_ABSENT) {
		src_bad(m, s, "more recipients than the partial's group says");
		return -1;
	}
	if (!(fj->v[K_KEY].type == FLATJSON_NULL || fj->v[K_KEY].type == FLATJSON_STR)) {
		src_bad(m, s, "a partial's group without its counts or times");
		return -1;
	}
	key = flatjson_str(fj, K_KEY);
	/* Strictly in key order (null first): what the merge relies on. */
	if (s->have_prev_key && (s->prev_key_null ? key == NULL :
	    key == NULL || strcmp(s->prev_key.p, key) >= 0)) {
		src_bad(m, s, "a partial's groups out of order");
		return -1;
	}
	return 1;
}

/* The counts of s's group line added to g (its group), as if its events had
 * been read after those counted so far. Everything is checked first: a bad
 * line changes nothing. */
static int
group(struct stats_merge *m, struct stats_merge_src *s, struct stats_group **gp,
    size_t most)
{
	const struct flatjson *fj = &s->fj;
	unsigned long long events, deferrals, failures, deliveries, timed, rcpts;
	int have_first, have_last, have_latest, by_rcpt = strcmp(m->scope.by, "rcpt") == 0;
	time_t first = 0, last = 0, latest = 0;
	const char *key = flatjson_str(fj, K_KEY);
	const char *reason = flatjson_str(fj, K_LAST_REASON);
	const char *status = flatjson_str(fj, K_LAST_STATUS);
	const struct reason_desc *rd = reason ? reason_of(reason, strlen(reason)) : NULL;
	long ncounts[4];
	struct stats_group *g;

	if (fj_count(fj, K_EVENTS, &events) || fj_count(fj, K_DEFERRALS, &deferrals) ||
	    fj_count(fj, K_FAILURES, &failures) || fj_count(fj, K_DELIVERIES, &deliveries) ||
	    fj_count(fj, K_TIMED, &timed) || fj_count(fj, K_RECIPIENTS, &rcpts) ||
	    fj_time(fj, K_FIRST, &have_first, &first) || fj_time(fj, K_LAST, &have_last, &last) ||
	    fj_time(fj, K_LATEST, &have_latest, &latest) || have_first != (timed > 0) ||
	    have_last != (timed > 0) || (reason && rd == NULL) ||
	    (status && strlen(status) >= STATUS_MAX)) {
		src_bad(m, s, "a partial's group without its counts or times");
		return -1;
	}
	util_buf_reset(&m->counts);
	for (int i = 0; i < 4; i++)
		if ((ncounts[i] = counts_parse(fj, count_keys[i], i < 2 ? i : 2, m->sums,
		    &m->counts)) < 0) {
			src_bad(m, s, "a partial's group with bad reasons, statuses or days");
			return -1;
		}
	g = *gp ? *gp : (*gp = stats_group_of(m->set, key));
	{
		const struct count_item *c = (const struct count_item *)(void *)m->counts.p;

		/* As many statuses as the most of one partial at once: the
		 * union is seldom larger (the table grows itself if it is). */
		if (most > g->statuses.count)
			hmap_reserve(&g->statuses, most);
		for (int i = 0; i < 4; c += ncounts[i], i++)
			counts_add(g, c, ncounts[i], i, m->sums);
	}
	if (by_rcpt && rd && (g->last_reason == NULL || (timed > 0 && latest >= g->latest))) {
		if (timed > 0)
			g->latest = latest;
		g->last_reason = rd->name;
		memset(g->last_status, 0, sizeof g->last_status);
		if (status)
			memcpy(g->last_status, status, strlen(status));
	}
	if (timed > 0) {
		if (g->timed == 0 || first < g->first)
			g->first = first;
		if (g->timed == 0 || last > g->last)
			g->last = last;
	}
	g->events += events;
	g->deferrals += deferrals;
	g->failures += failures;
	g->deliveries += deliveries;
	g->timed += timed;
	s->groups_left--;
	s->rcpts_left = rcpts;
	s->nplain = s->nthr = 0;
	s->head = NULL;
	util_buf_reset(&s->prev_key);
	if (key)
		util_buf_add(&s->prev_key, key, strlen(key) + 1);
	s->have_prev_key = 1;
	s->prev_key_null = key == NULL;
	return 0;
}

/* s's next recipient of its group into s->head (with its throttle reason
 * and time): the smaller of the next of its line's two arrays, the next line
 * read when both are done. 1, 0 at the end of the group's, -1 (reported). */
static int
rcpt_next(struct stats_merge *m, struct stats_merge_src *s)
{
	const struct flatjson *fj = &s->fj;

	for (;;) {
		if (s->nplain > 0 || s->nthr > 0) {
			if (s->nthr == 0 || (s->nplain > 0 && strcmp(s->plain, s->thr) < 0)) {
				s->head = s->plain;
				s->reason = NULL;
				s->plain += strlen(s->plain) + 1;
				s->nplain--;
			} else {
				const char *r = s->thr + strlen(s->thr) + 1, *t = r + strlen(r) + 1;
				const struct reason_desc *d = reason_of(r, strlen(r));

				s->head = s->thr;
				if (d == NULL || bktime_parse_time(t, &s->t) != 0) {
					src_bad(m, s, "a partial's throttled recipient without its "
					    "reason and time");
					return -1;
				}
				s->reason = d->name;
				s->thr = t + strlen(t) + 1;
				s->nthr--;
			}
			return 1;
		}
		if (s->rcpts_left == 0)
			return 0;
		{
			int rc = src_line(m, s);
			long long np, nt;

			if (rc == 0)
				src_bad(m, s, "partial cut short: %llu recipients missing",
				    s->rcpts_left);
			if (rc <= 0)
				return -1;
			if (fj->v[K_RCPTS].type == FLATJSON_ABSENT) {
				src_bad(m, s, "%llu recipients of the group before missing",
				    s->rcpts_left);
				return -1;
			}
			np = fj->v[K_RCPTS].num;
			nt = fj->v[K_THROTTLED].num;
			if (fj->v[K_RCPTS].type != FLATJSON_STRS ||
			    fj->v[K_THROTTLED].type != FLATJSON_STRS || nt % 3 != 0) {
				src_bad(m, s, "a partial's recipients not as arrays of strings");
				return -1;
			}
			if ((unsigned long long)(np + nt / 3) > s->rcpts_left) {
				src_bad(m, s, "more recipients than the partial's group says");
				return -1;
			}
			s->rcpts_left -= (unsigned long long)(np + nt / 3);
			s->nplain = np;
			s->nthr = nt / 3;
			s->plain = np > 0 ? flatjson_strs(fj, K_RCPTS, 0) : NULL;
			s->thr = nt > 0 ? flatjson_strs(fj, K_THROTTLED, 0) : NULL;
		}
	}
}

/* A binary heap of partials by their next group; ties to the partial given
 * first (they are in one array: pointer order). */
struct heap {
	struct stats_merge_src **v;
	size_t n;
};

/* The order of the next groups of a and b: null first, then by key. */
static int
key_cmp(const struct stats_merge_src *a, const struct stats_merge_src *b)
{
	const char *x = flatjson_str(&a->fj, K_KEY), *y = flatjson_str(&b->fj, K_KEY);

	return x == NULL || y == NULL ? (y == NULL) - (x == NULL) : strcmp(x, y);
}

static int
heap_less(const struct stats_merge_src *a, const struct stats_merge_src *b)
{
	int c = key_cmp(a, b);

	return c != 0 ? c < 0 : a < b;
}

static void
heap_push(struct heap *h, struct stats_merge_src *s)
{
	size_t i = h->n++;

	while (i > 0 && heap_less(s, h->v[(i - 1) / 2])) {
		h->v[i] = h->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->v[i] = s;
}

static struct stats_merge_src *
heap_pop(struct heap *h)
{
	struct stats_merge_src *top = h->v[0], *s = h->v[--h->n];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < h->n) {
		if (c + 1 < h->n && heap_less(h->v[c + 1], h->v[c]))
			c++;
		if (!heap_less(h->v[c], s))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n > 0)
		h->v[i] = s;
	return top;
}

/* Which of the partials v[a] and v[b] (-1: none, its recipients all read)
 * has the next recipient; ties to the partial given first. */
static int
rcpt_before(struct stats_merge_src *const *v, int a, int b)
{
	int c;

	if (a < 0 || b < 0)
		return b < 0 && a >= 0;
	c = strcmp(v[a]->head, v[b]->head);
	return c != 0 ? c < 0 : a < b;
}

/* The distinct recipient rcpt of g, its throttle event (reason NULL: none)
 * the latest of the partials': kept, or counted. */
static void
rcpt_add(struct stats_group *g, const char *rcpt, size_t len, const char *reason, time_t t,
    int keep, time_t now, long long window)
{
	if (keep) {
		struct hmap_entry *he = hmap_put(&g->rcpts, rcpt, len, NULL);

		he->val = (void *)(uintptr_t)reason;
		he->num = reason ? (long long)t : 0;
		return;
	}
	g->merged_rcpts++;
	if (reason && t <= now && (long long)t > (long long)now - window) {
		if (g->throttled == NULL)
			g->throttled = util_xcalloc(stats_nreasons() + 1, sizeof *g->throttled);
		g->throttled[stats_reason_index(reason)]++;
	}
}

/* The recipients of group g in the partials of v[0..n) (in the order
 * given), each distinct one once, through a tree of losers (tree: 3n ints):
 * log2(n) comparisons a recipient. Its throttle event is the latest of the
 * partials' (ties: the partial given last). */
static void
merge_rcpts(struct stats_merge *m, struct stats_merge_src **v, int n, struct stats_group *g,
    int *tree, int keep, time_t now, long long window)
{
	int *win = tree + n, w;
	struct util_buf *cur = &m->cur;
	const char *reason = NULL;
	time_t t = 0;
	int have = 0;

	/* Each match played once: win[i] its winner, tree[i] its loser; the
	 * leaves (each partial's next recipient) are win[n..2n). */
	for (int i = 0; i < n; i++)
		win[n + i] = rcpt_next(m, v[i]) == 1 ? i : -1;
	for (int i = n - 1; i >= 1; i--) {
		int a = win[2 * i], b = win[2 * i + 1];

		win[i] = rcpt_before(v, a, b) ? a : b;
		tree[i] = win[i] == a ? b : a;
	}
	w = n > 1 ? win[1] : win[n];
	while (w >= 0) {
		struct stats_merge_src *s = v[w];
		int x, c = have ? strcmp(s->head, cur->p) : 1;

		if (c < 0) {
			/* Recipients come out in order only if each partial has
			 * them in order: this one has not. */
			src_bad(m, s, "a partial's recipients out of order");
		} else if (c == 0) {
			/* The same recipient in a later partial (or again). */
			if (s->reason && (reason == NULL || s->t >= t)) {
				reason = s->reason;
				t = s->t;
			}
		} else {
			if (have)
				rcpt_add(g, cur->p, cur->len - 1, reason, t, keep, now, window);
			util_buf_reset(cur);
			util_buf_add(cur, s->head, strlen(s->head) + 1);
			have = 1;
			reason = s->reason;
			t = s->t;
		}
		/* Its next recipient plays the matches on its way up again. */
		x = !s->bad && rcpt_next(m, s) == 1 ? w : -1;
		for (int node = (w + n) / 2; node > 0; node /= 2)
			if (rcpt_before(v, tree[node], x)) {
				int y = tree[node];

				tree[node] = x;
				x = y;
			}
		w = x;
	}
	if (have)
		rcpt_add(g, cur->p, cur->len - 1, reason, t, keep, now, window);
}

int
stats_merge_run(struct stats_merge *m, int keep, time_t now, long long window)
{
	struct stats_merge_src **v = util_xcalloc(m->nsrc + 1, sizeof *v);
	int *tree = util_xcalloc(3 * m->nsrc + 1, sizeof *tree);
	struct heap groups = { util_xcalloc(m->nsrc + 1, sizeof *groups.v), 0 };

	for (size_t i = 0; i < m->nsrc; i++) {
		struct stats_merge_src *s = &m->src[i];

		/* A line of recipients is some 15 KB: blocks of 64 KB. */
		input_reader_init_at(&s->rd, s->fd, s->at, 65536);
		flatjson_init(&s->fj, keys, K_N);
		s->lineno = s->line;
		s->left = s->lines;
		s->groups_left = s->groups;
		if (src_group_line(m, s) == 1)
			heap_push(&groups, s);
	}
	while (groups.n > 0) {
		size_t n = 0, k = 0;
		struct stats_group *g = NULL;
		unsigned long long want = 0;

		v[n++] = heap_pop(&groups);
		while (groups.n > 0 && key_cmp(groups.v[0], v[0]) == 0)
			v[n++] = heap_pop(&groups);
		size_t most = 0;

		for (size_t i = 0; i < n; i++) {
			const struct flatjson_val *c = &v[i]->fj.v[K_STATUSES];

			if (c->type == FLATJSON_STRS && (size_t)c->num > most)
				most = (size_t)c->num;
		}
		for (size_t i = 0; i < n; i++)
			if (group(m, v[i], &g, most) == 0) {
				v[k++] = v[i];
				/* At least as many as the most of one partial (the
				 * partials' word, not yet their lines: bounded). */
				if (v[i]->rcpts_left > want)
					want = v[i]->rcpts_left < 65536 ? v[i]->rcpts_left : 65536;
			}
		if (g) {
			day_sum_flush(m->sums, 0, &g->days);
			day_sum_flush(m->sums, 1, &g->full_days);
		}
		/* Kept: a table of that size at once, not each size on the way. */
		if (keep && want > 0)
			hmap_reserve(&g->rcpts, g->rcpts.count + (size_t)want);
		if (k > 0)
			merge_rcpts(m, v, (int)k, g, tree, keep, now, window);
		for (size_t i = 0; i < k; i++)
			if (!v[i]->bad && src_group_line(m, v[i]) == 1)
				heap_push(&groups, v[i]);
	}
	free(v);
	free(tree);
	free(groups.v);
	return m->status;
}
