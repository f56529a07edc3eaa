/* recovery: the recovery times of receiving domains and servers (see recovery.h). */
#include "recovery.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afile.h"
#include "bktime.h"
#include "input.h"
#include "jsonl.h"
#include "reason.h"
#include "util.h"

#define NOTIME INT64_MIN

/* 2^(k/8), k = 0..7: where the buckets of one doubling begin. */
static const double sub_start[RECOVERY_SUB] = {
	1.0, 1.0905077326652577, 1.1892071150027210, 1.2968395546510096,
	1.4142135623730951, 1.5422108254079407, 1.6817928305074290, 1.8340080864093424,
};

/* Bucket 0 holds lengths under a second; bucket i >= 1 holds
 * [2^((i-1)/8), 2^(i/8)) seconds. */
static uint32_t
bucket_of(long long v)
{
	double m;
	int e;
	uint32_t sub = 0;

	if (v < 1)
		return 0;
	m = frexp((double)v, &e) * 2.0;	/* v = m 2^(e-1), m in [1, 2) */
	while (sub + 1 < RECOVERY_SUB && m >= sub_start[sub + 1])
		sub++;
	return 1 + (uint32_t)(e - 1) * RECOVERY_SUB + sub;
}

/* The geometric middle of a bucket. */
static double
bucket_mid(uint32_t idx)
{
	return idx == 0 ? 0.0 : exp2(((double)idx - 0.5) / RECOVERY_SUB);
}

static void
hist_add(struct recovery_group *g, uint32_t idx, unsigned long long n)
{
	size_t lo = 0, hi = g->nhist;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (g->hist[mid].idx < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < g->nhist && g->hist[lo].idx == idx) {
		g->hist[lo].n += n;
		return;
	}
	if (g->nhist == g->caphist) {
		g->caphist = g->caphist ? g->caphist * 2 : 8;
		g->hist = util_xreallocarray(g->hist, g->caphist, sizeof *g->hist);
	}
	memmove(&g->hist[lo + 1], &g->hist[lo], (g->nhist - lo) * sizeof *g->hist);
	g->hist[lo] = (struct recovery_bucket){ idx, n };
	g->nhist++;
}

/* --- the open observations: a map for the recipient, a heap for the time --- */

static int
heap_less(const struct recovery_wait *a, const struct recovery_wait *b)
{
	return a->t < b->t;
}

static void
heap_push(struct recovery_group *g, int64_t t, const char *rcpt)
{
	size_t i;

	if (g->nheap == g->capheap) {
		g->capheap = g->capheap ? g->capheap * 2 : 8;
		g->heap = util_xreallocarray(g->heap, g->capheap, sizeof *g->heap);
	}
	i = g->nheap++;
	g->heap[i] = (struct recovery_wait){ t, rcpt };
	while (i > 0 && heap_less(&g->heap[i], &g->heap[(i - 1) / 2])) {
		struct recovery_wait tmp = g->heap[i];

		g->heap[i] = g->heap[(i - 1) / 2];
		g->heap[(i - 1) / 2] = tmp;
		i = (i - 1) / 2;
	}
}

static void
heap_pop(struct recovery_group *g)
{
	size_t i = 0;

	g->heap[0] = g->heap[--g->nheap];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct recovery_wait tmp;

		if (l < g->nheap && heap_less(&g->heap[l], &g->heap[m]))
			m = l;
		if (r < g->nheap && heap_less(&g->heap[r], &g->heap[m]))
			m = r;
		if (m == i)
			break;
		tmp = g->heap[i];
		g->heap[i] = g->heap[m];
		g->heap[m] = tmp;
		i = m;
	}
}

/* The open entry of a heap item, or NULL if it was closed or moved since. */
static struct hmap_entry *
heap_entry(const struct recovery_group *g, const struct recovery_wait *w)
{
	struct hmap_entry *he = hmap_get(&g->waiting, w->rcpt, strlen(w->rcpt));

	return he && he->val && he->num == w->t ? he : NULL;
}

/* Nothing open: the recipients and the heap go (memory follows the open
 * observations). Heaps with many closed items are rebuilt. */
static void
waiting_tidy(struct recovery_group *g)
{
	struct hmap_entry *he;
	size_t it = 0;

	if (g->nwaiting == 0) {
		hmap_free(&g->waiting, NULL);
		free(g->heap);
		g->heap = NULL;
		g->nheap = g->capheap = 0;
		return;
	}
	if (g->nheap <= 2 * g->nwaiting + 16)
		return;
	g->nheap = 0;
	while ((he = hmap_next(&g->waiting, &it)) != NULL)
		if (he->val)
			heap_push(g, he->num, he->key);
}

static void
observe(struct recovery *r, struct recovery_group *g, long long len)
{
	if (len > r->window) {
		g->never++;
		return;
	}
	if (g->recovered == 0 || len < g->min)
		g->min = len;
	if (g->recovered == 0 || len > g->max)
		g->max = len;
	g->recovered++;
	hist_add(g, bucket_of(len), 1);
}

static void
close_entry(struct recovery_group *g, struct hmap_entry *he)
{
	he->val = NULL;
	g->nwaiting--;
}

/* --- groups --- */

struct recovery_key {
	struct recovery_group **g;
	size_t n;
};

void
recovery_init(struct recovery *r, int by_rhost, long long window)
{
	memset(r, 0, sizeof *r);
	r->by_rhost = by_rhost;
	r->window = window;
	r->latest = NOTIME;
}

static void
free_key(void *p)
{
	struct recovery_key *k = p;

	free(k->g);
	free(k);
}

void
recovery_free(struct recovery *r)
{
	for (size_t i = 0; i < r->ngroups; i++) {
		struct recovery_group *g = r->groups[i];

		free(g->hist);
		free(g->heap);
		hmap_free(&g->waiting, NULL);
		free(g);
	}
	free(r->groups);
	hmap_free(&r->keys, free_key);
	for (size_t i = 0; i < r->nbad; i++)
		free(r->bad[i]);
	free(r->bad);
	memset(r, 0, sizeof *r);
}

int
recovery_rcpt_scope(const char *kind)
{
	return strcmp(kind, "mailboxfull") == 0 || strcmp(kind, "suspend") == 0;
}

int
recovery_refusal(const char *kind)
{
	return strcmp(kind, "speeding") == 0 || strcmp(kind, "toomanyconn") == 0;
}

static struct recovery_key *
key_of(struct recovery *r, const char *key, int create)
{
	struct hmap_entry *he;
	int added;

	if (!create)
		return (he = hmap_get(&r->keys, key, strlen(key))) ? he->val : NULL;
	he = hmap_put(&r->keys, key, strlen(key), &added);
	if (added)
		he->val = util_xcalloc(1, sizeof(struct recovery_key));
	return he->val;
}

static struct recovery_group *
group_of(struct recovery *r, const char *key, const char *kind)
{
	struct hmap_entry *he;
	struct recovery_key *k;
	struct recovery_group *g;
	int added;

	he = hmap_put(&r->keys, key, strlen(key), &added);
	if (added)
		he->val = util_xcalloc(1, sizeof(struct recovery_key));
	k = he->val;
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->g[i]->kind, kind) == 0)
			return k->g[i];
	g = util_xcalloc(1, sizeof *g);
	g->key = he->key;
	g->kind = kind;
	g->rcpt_scope = recovery_rcpt_scope(kind);
	g->first = g->last = NOTIME;
	k->g = util_xreallocarray(k->g, k->n + 1, sizeof *k->g);
	k->g[k->n++] = g;
	r->groups = util_xreallocarray(r->groups, r->ngroups + 1, sizeof *r->groups);
	r->groups[r->ngroups++] = g;
	return g;
}

/* A recipient bounced at t: its observation opens (or starts earlier). */
static void
open_wait(struct recovery_group *g, const char *rcpt, int64_t t)
{
	int added;
	struct hmap_entry *he = hmap_put(&g->waiting, rcpt, strlen(rcpt), &added);

	if (he->val && he->num <= t)
		return;
	if (he->val == NULL)
		g->nwaiting++;
	he->val = he;
	he->num = t;
	heap_push(g, t, he->key);
	waiting_tidy(g);
}

int
recovery_event_kind(const struct event *e)
{
	if (strcmp(e->action, "delayed") == 0)
		return RECOVERY_BOUNCE;
	if (strcmp(e->action, "failed") == 0)
		return e->class && strcmp(e->class, "soft") == 0 ? RECOVERY_BOUNCE : RECOVERY_NONE;
	return RECOVERY_DELIVERY;	/* delivered, relayed, expanded */
}

static void
delivered(struct recovery *r, struct recovery_group *g, const struct event *e)
{
	int64_t t = e->time;
	int closed = 0;

	if (g->nwaiting == 0)
		return;
	if (g->rcpt_scope) {
		struct hmap_entry *he = hmap_get(&g->waiting, e->rcpt, strlen(e->rcpt));

		if (he && he->val && he->num < t) {
			observe(r, g, t - he->num);
			close_entry(g, he);
			g->episodes++;
		}
		waiting_tidy(g);
		return;
	}
	while (g->nheap > 0 && g->heap[0].t < t) {
		struct hmap_entry *he = heap_entry(g, &g->heap[0]);

		heap_pop(g);
		if (he) {
			observe(r, g, t - he->num);
			close_entry(g, he);
			closed = 1;
		}
	}
	g->episodes += closed;
	waiting_tidy(g);
}

void
recovery_add(struct recovery *r, const struct event *e)
{
	const char *key = r->by_rhost ? e->rhost : e->domain;
	int what = recovery_event_kind(e);

	if (key == NULL || key[0] == '\0' || what == RECOVERY_NONE)
		return;
	if (r->latest == NOTIME || e->time > r->latest)
		r->latest = e->time;
	if (what == RECOVERY_DELIVERY) {
		struct recovery_key *k = key_of(r, key, 0);

		for (size_t i = 0; k && i < k->n; i++)
			delivered(r, k->g[i], e);
	} else {
		struct recovery_group *g = group_of(r, key, e->reason);

		if (g->first == NOTIME || e->time < g->first)
			g->first = e->time;
		if (g->last == NOTIME || e->time > g->last)
			g->last = e->time;
		open_wait(g, e->rcpt, e->time);
	}
}

void
recovery_finish(struct recovery *r, int64_t now)
{
	for (size_t i = 0; i < r->ngroups; i++) {
		struct recovery_group *g = r->groups[i];

		while (g->nheap > 0 && now - g->heap[0].t > r->window) {
			struct hmap_entry *he = heap_entry(g, &g->heap[0]);

			heap_pop(g);
			if (he) {
				g->never++;
				close_entry(g, he);
			}
		}
		waiting_tidy(g);
	}
}

/* The nearest-rank quantile q of total lengths in the buckets h: the middle
 * of its bucket, within the observed min and max; -1 for none. */
static long long
hist_quantile(const struct recovery_bucket *h, size_t n, unsigned long long total,
    long long min, long long max, double q)
{
	unsigned long long rank, cum = 0;
	double v;

	if (total == 0)
		return -1;
	rank = (unsigned long long)ceil(q * (double)total);
	if (rank < 1)
		rank = 1;
	for (size_t i = 0; i < n; i++) {
		cum += h[i].n;
		if (cum >= rank) {
			v = bucket_mid(h[i].idx);
			if (v < (double)min)
				v = (double)min;
			if (v > (double)max)
				v = (double)max;
			return llround(v);
		}
	}
	return max;
}

long long
recovery_quantile(const struct recovery_group *g, double q)
{
	return hist_quantile(g->hist, g->nhist, g->recovered, g->min, g->max, q);
}

void
recovery_figures(const struct recovery_group *g, struct recovery_figures *f, int64_t now,
    long long window)
{
	memset(f, 0, sizeof *f);
	f->recovered = g->recovered;
	f->never = g->never;
	f->count = g->recovered + g->never;
	f->episodes = g->episodes;
	for (size_t i = 0; i < g->nheap; i++)
		if (heap_entry(g, &g->heap[i]) && now - g->heap[i].t <= window)
			f->open++;
	f->median = recovery_quantile(g, 0.5);
	f->p90 = recovery_quantile(g, 0.9);
	f->min = g->recovered ? g->min : -1;
	f->max = g->recovered ? g->max : -1;
	f->never_share = f->count ? round((double)f->never / (double)f->count * 10000.0) /
	    10000.0 : -1;
}

static int
group_cmp(const void *a, const void *b)
{
	const struct recovery_group *x = *(struct recovery_group *const *)a;
	const struct recovery_group *y = *(struct recovery_group *const *)b;
	unsigned long long nx = x->recovered + x->never, ny = y->recovered + y->never;
	int c;

	if (nx != ny)
		return nx > ny ? -1 : 1;
	if ((c = strcmp(x->key, y->key)) != 0)
		return c;
	return strcmp(x->kind, y->kind);
}

struct recovery_group **
recovery_sorted(const struct recovery *r, size_t *n)
{
	struct recovery_group **v = util_xcalloc(r->ngroups + 1, sizeof *v);

	*n = 0;
	for (size_t i = 0; i < r->ngroups; i++)
		if (r->groups[i]->recovered + r->groups[i]->never > 0 || r->groups[i]->nwaiting > 0)
			v[(*n)++] = r->groups[i];
	qsort(v, *n, sizeof *v, group_cmp);
	return v;
}

/* --- the record --- */

/* Figures are rounded to the minute from ten minutes on (5% there, 0.8% at
 * an hour): a percentile is a bucket's middle, within 4.5% anyway. */
long long
recovery_round(long long secs)
{
	return secs >= 600 ? (secs + 30) / 60 * 60 : secs;
}

char *
recovery_format_duration(long long secs, char *buf, size_t size)
{
	return bktime_format_span(recovery_round(secs), buf, size);
}

static json_t *
duration_json(long long secs, int round_min)
{
	char buf[64];

	if (secs < 0)
		return json_null();
	return json_string(round_min ? recovery_format_duration(secs, buf, sizeof buf) :
	    bktime_format_span(secs, buf, sizeof buf));
}

static json_t *
time_json(int64_t t)
{
	char buf[BKTIME_BUFSZ];

	return t == NOTIME ? json_null() : json_string(bktime_format((time_t)t, buf));
}

static int
wait_cmp(const void *a, const void *b)
{
	const struct recovery_wait *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return strcmp(x->rcpt, y->rcpt);
}

int
recovery_write(FILE *fp, const struct recovery *r, const struct recovery_group *g, int64_t now,
    int with_waiting)
{
	struct recovery_figures f;
	json_t *o = json_object(), *h = json_object();
	char num[24];
	char *line;
	int rc = 0;

	recovery_figures(g, &f, now, r->window);
	json_object_set_new(o, r->by_rhost ? "rhost" : "domain", jsonl_string(g->key,
	    strlen(g->key)));
	json_object_set_new(o, "kind", json_string(g->kind));
	json_object_set_new(o, "scope", json_string(g->rcpt_scope ? "recipient" :
	    r->by_rhost ? "rhost" : "domain"));
	json_object_set_new(o, "count", json_integer((json_int_t)f.count));
	json_object_set_new(o, "recovered", json_integer((json_int_t)f.recovered));
	json_object_set_new(o, "never", json_integer((json_int_t)f.never));
	json_object_set_new(o, "never_share", f.never_share < 0 ? json_null() :
	    json_real(f.never_share));
	json_object_set_new(o, "open", json_integer((json_int_t)f.open));
	json_object_set_new(o, "episodes", json_integer((json_int_t)f.episodes));
	json_object_set_new(o, "median", duration_json(f.median, 1));
	json_object_set_new(o, "p90", duration_json(f.p90, 1));
	json_object_set_new(o, "min", duration_json(f.min, 0));
	json_object_set_new(o, "max", duration_json(f.max, 0));
	json_object_set_new(o, "first_seen", time_json(g->first));
	json_object_set_new(o, "last_seen", time_json(g->last));
	json_object_set_new(o, "window", duration_json(r->window, 0));
	json_object_set_new(o, "until", time_json(now));
	for (size_t i = 0; i < g->nhist; i++) {
		snprintf(num, sizeof num, "%u", g->hist[i].idx);
		json_object_set_new(h, num, json_integer((json_int_t)g->hist[i].n));
	}
	json_object_set_new(o, "hist", h);
	if (with_waiting) {
		json_t *w = json_object();

		/* Oldest first: a stable file for the same state. */
		struct recovery_wait *v = util_xcalloc(g->nheap + 1, sizeof *v);
		size_t n = 0;

		for (size_t i = 0; i < g->nheap; i++)
			if (heap_entry(g, &g->heap[i]))
				v[n++] = g->heap[i];
		if (n > 1)
			qsort(v, n, sizeof *v, wait_cmp);
		for (size_t i = 0; i < n; i++)
			json_object_set_new(w, v[i].rcpt, json_integer((json_int_t)v[i].t));
		free(v);
		json_object_set_new(o, "waiting", w);
	}
	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(4));
	if (line == NULL)
		util_errx(BK_ERR, "out of memory");
	if (fputs(line, fp) == EOF || putc('\n', fp) == EOF)
		rc = -1;
	free(line);
	json_decref(o);
	return rc;
}

/* --- reading records back --- */

static int
get_duration(const json_t *o, const char *key, long long *out)
{
	const json_t *v = json_object_get(o, key);

	*out = -1;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || bktime_parse_duration(json_string_value(v), out) != 0 ||
	    *out < 0)
		return -1;
	return 0;
}

static int
get_count(const json_t *o, const char *key, unsigned long long *out)
{
	const json_t *v = json_object_get(o, key);

	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (unsigned long long)json_integer_value(v);
	return 0;
}

static int
get_time(const json_t *o, const char *key, int64_t *out)
{
	const json_t *v = json_object_get(o, key);
	const char *s;
	time_t t;

	*out = NOTIME;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	if (bktime_parse_rfc3339(s, strlen(s), &t) != strlen(s) || s[0] == '\0')
		return -1;
	*out = t;
	return 0;
}

/* The key and kind of a record: "domain" or "rhost", and a known reason. */
static int
record_key(const json_t *o, int *by_rhost, const char **key, const char **kind, char *why,
    size_t whylen)
{
	const char *k = jsonl_get_str(o, "kind");
	const struct reason_desc *d = k ? reason_describe(k) : NULL;

	*by_rhost = json_object_get(o, "domain") == NULL;
	*key = jsonl_get_str(o, *by_rhost ? "rhost" : "domain");
	if (*key == NULL || (*key)[0] == '\0') {
		snprintf(why, whylen, "no \"domain\" or \"rhost\"");
		return -1;
	}
	if (d == NULL) {
		snprintf(why, whylen, "no \"kind\" of the reason vocabulary");
		return -1;
	}
	*kind = d->name;
	return 0;
}

static int
load_record(struct recovery *r, const json_t *o, char *why, size_t whylen)
{
	const char *key, *kind, *hkey;
	struct recovery_group *g;
	unsigned long long recovered, never, episodes, sum = 0;
	long long min, max;
	int64_t first, last;
	json_t *h = json_object_get(o, "hist"), *w = json_object_get(o, "waiting"), *v;
	int by_rhost;

	if (record_key(o, &by_rhost, &key, &kind, why, whylen) != 0)
		return -1;
	if (by_rhost != r->by_rhost) {
		snprintf(why, whylen, "a record by %s in a state by %s", by_rhost ? "rhost" :
		    "domain", r->by_rhost ? "rhost" : "domain");
		return -1;
	}
	if (get_count(o, "recovered", &recovered) || get_count(o, "never", &never) ||
	    get_count(o, "episodes", &episodes) || get_duration(o, "min", &min) ||
	    get_duration(o, "max", &max) || get_time(o, "first_seen", &first) ||
	    get_time(o, "last_seen", &last)) {
		snprintf(why, whylen, "a count, duration or time of the wrong type");
		return -1;
	}
	if (!json_is_object(h) || (w != NULL && !json_is_null(w) && !json_is_object(w))) {
		snprintf(why, whylen, "\"hist\" or \"waiting\" is not an object");
		return -1;
	}
	json_object_foreach(h, hkey, v) {
		char *end;
		unsigned long idx;

		errno = 0;
		idx = strtoul(hkey, &end, 10);
		if (errno || end == hkey || *end || idx > 64 * RECOVERY_SUB ||
		    !json_is_integer(v) || json_integer_value(v) < 0) {
			snprintf(why, whylen, "\"hist\" is not buckets of counts");
			return -1;
		}
		sum += (unsigned long long)json_integer_value(v);
	}
	if (sum != recovered || (recovered > 0 && (min < 0 || max < min))) {
		snprintf(why, whylen, "\"hist\" does not add up to \"recovered\"");
		return -1;
	}
	if (w && !json_is_null(w))
		json_object_foreach(w, hkey, v)
			if (!json_is_integer(v) || hkey[0] == '\0') {
				snprintf(why, whylen, "\"waiting\" is not recipients and times");
				return -1;
			}
	g = group_of(r, key, kind);
	if (g->recovered + g->never > 0 || g->nwaiting > 0) {
		snprintf(why, whylen, "a second record of %.80s %s", key, kind);
		return -1;
	}
	g->recovered = recovered;
	g->never = never;
	g->episodes = episodes;
	g->min = min;
	g->max = max;
	g->first = first;
	g->last = last;
	json_object_foreach(h, hkey, v)
		if (json_integer_value(v) > 0)
			hist_add(g, (uint32_t)strtoul(hkey, NULL, 10),
			    (unsigned long long)json_integer_value(v));
	if (w && !json_is_null(w))
		json_object_foreach(w, hkey, v)
			open_wait(g, hkey, (int64_t)json_integer_value(v));
	if (last != NOTIME && (r->latest == NOTIME || last > r->latest))
		r->latest = last;
	return 0;
}

struct each {
	int (*fn)(void *, const json_t *, char *, size_t);
	void *arg;
	char ***bad;		/* lines that are not records, kept; NULL: dropped */
	size_t *nbad;
};

static int
each_line(void *ctx, const struct input_loc *loc, char *line, size_t len)
{
	struct each *x = ctx;
	char why[200];
	json_t *o;
	int rc = BK_OK;

	if (strspn(line, " \t") == len)
		return BK_OK;
	if ((o = jsonl_parse_object(line, len, why, sizeof why)) == NULL ||
	    x->fn(x->arg, o, why, sizeof why) != 0) {
		util_locwarn(loc->file, loc->line, "%s%s", why, x->bad ? " (line kept as it is)" :
		    "");
		if (x->bad) {
			*x->bad = util_xreallocarray(*x->bad, *x->nbad + 1, sizeof **x->bad);
			(*x->bad)[(*x->nbad)++] = util_xstrndup(line, len);
		}
		rc = BK_ERR;
	}
	json_decref(o);
	return rc;
}

/* Each non-blank line of path to fn (through the shared line reader). */
static int
each_record(const char *path, int missing_ok, int *fatal, struct each *x)
{
	FILE *fp = fopen(path, "r");
	int status;

	*fatal = 0;
	if (fp == NULL) {
		if (errno == ENOENT && missing_ok)
			return BK_OK;
		util_warn("%s", path);
		*fatal = 1;
		return BK_ERR;
	}
	status = input_lines(fp, path, each_line, x);
	fclose(fp);
	return status;
}

static int
load_one(void *arg, const json_t *o, char *why, size_t whylen)
{
	return load_record(arg, o, why, whylen);
}

int
recovery_load(struct recovery *r, const char *path, int *fatal)
{
	struct each x = { load_one, r, &r->bad, &r->nbad };

	return each_record(path, 1, fatal, &x);
}

int
recovery_save(struct recovery *r, const char *path, int64_t now)
{
	struct recovery_group **v;
	struct afile af;
	size_t n;
	int rc = 0;

	if (afile_begin(&af, path) != 0)
		return -1;
	v = recovery_sorted(r, &n);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = recovery_write(af.fp, r, v[i], now, 1);
	for (size_t i = 0; i < r->nbad && rc == 0; i++)
		if (fputs(r->bad[i], af.fp) == EOF || putc('\n', af.fp) == EOF)
			rc = -1;
	free(v);
	if (rc != 0) {
		util_warn("%s: write error", path);
		afile_abort(&af);
		return -1;
	}
	return afile_commit(&af);
}

/* --- the table of retry-plan --- */

void
recovery_table_init(struct recovery_table *t)
{
	memset(t, 0, sizeof *t);
	t->fd = -1;
}

static int
bucket_cmp(const void *a, const void *b)
{
	const struct recovery_bucket *x = a, *y = b;

	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The histogram of a record into e (sorted); none is no error: the
 * percentiles then come from median and p90. */
static int
entry_hist(struct recovery_entry *e, const json_t *h)
{
	const char *k;
	json_t *v;
	unsigned long long sum = 0;

	if (h == NULL || json_is_null(h))
		return 0;
	if (!json_is_object(h))
		return -1;
	e->hist = util_xcalloc(json_object_size(h) + 1, sizeof *e->hist);
	json_object_foreach((json_t *)h, k, v) {
		char *end;
		unsigned long idx;

		errno = 0;
		idx = strtoul(k, &end, 10);
		if (errno || end == k || *end || idx > 64 * RECOVERY_SUB || !json_is_integer(v) ||
		    json_integer_value(v) < 0)
			goto bad;
		e->hist[e->nhist++] = (struct recovery_bucket){ (uint32_t)idx,
		    (unsigned long long)json_integer_value(v) };
		sum += (unsigned long long)json_integer_value(v);
	}
	if (sum != e->recovered || (sum > 0 && (e->min < 0 || e->max < e->min)))
		goto bad;
	qsort(e->hist, e->nhist, sizeof *e->hist, bucket_cmp);
	return 0;
bad:
	free(e->hist);
	e->hist = NULL;
	e->nhist = 0;
	return -1;
}

/* The figures of a domain's record into e. */
static int
entry_from_json(const json_t *o, struct recovery_entry *e, char *why, size_t whylen)
{
	const json_t *share = json_object_get(o, "never_share");

	memset(e, 0, sizeof *e);
	if (get_count(o, "count", &e->count) || get_count(o, "recovered", &e->recovered) ||
	    get_count(o, "never", &e->never) || get_count(o, "episodes", &e->episodes) ||
	    get_duration(o, "median", &e->median) || get_duration(o, "p90", &e->p90) ||
	    get_duration(o, "min", &e->min) || get_duration(o, "max", &e->max) ||
	    (share && !json_is_null(share) && !json_is_number(share))) {
		snprintf(why, whylen, "a count, duration or share of the wrong type");
		return -1;
	}
	if (entry_hist(e, json_object_get(o, "hist")) != 0) {
		snprintf(why, whylen, "\"hist\" is not buckets of counts adding up to "
		    "\"recovered\"");
		return -1;
	}
	e->never_share = share && json_is_number(share) ? json_number_value(share) : -1;
	return 0;
}

static struct hmap_entry *
table_slot(struct recovery_table *t, const char *key, size_t keylen, const char *kind,
    int *added)
{
	struct util_buf b = {0};
	struct hmap_entry *he;

	util_buf_add(&b, key, keylen);
	util_buf_addc(&b, '\t');
	util_buf_adds(&b, kind);
	he = hmap_put(&t->map, b.p, b.len, added);
	util_buf_free(&b);
	return he;
}

/* A string of plain characters at *p, up to its closing quote. */
static const char *
plain_string(const char *p, size_t *len)
{
	const char *q = p;

	while (*q && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
		q++;
	*len = (size_t)(q - p);
	return *q == '"' && q > p ? q + 1 : NULL;
}

/* Lines as bounce-stats writes them begin {"domain":"D","kind":"K": such
 * a line is only kept, and read when its figures are asked for. Others are
 * read at once (or skipped: servers). */
static int
table_line(struct recovery_table *t, const struct input_loc *loc, char *line, size_t len,
    int64_t off)
{
	static const char dom[] = "{\"domain\":\"", kin[] = ",\"kind\":\"";
	const char *p, *key, *kind;
	size_t keylen, kindlen;
	char k[64], why[200];
	const struct reason_desc *d;
	struct hmap_entry *he;
	json_t *o;
	int added, by_rhost;

	if (strspn(line, " \t") == len)
		return BK_OK;
	if (t->fd >= 0 && strncmp(line, dom, sizeof dom - 1) == 0 &&
	    (p = plain_string(key = line + sizeof dom - 1, &keylen)) != NULL &&
	    strncmp(p, kin, sizeof kin - 1) == 0 &&
	    plain_string(kind = p + sizeof kin - 1, &kindlen) != NULL && kindlen < sizeof k) {
		memcpy(k, kind, kindlen);
		k[kindlen] = '\0';
		if ((d = reason_describe(k)) != NULL) {
			he = table_slot(t, key, keylen, d->name, &added);
			if (!added) {
				util_locwarn(loc->file, loc->line, "a second record of %.*s %s",
				    (int)(keylen > 80 ? 80 : keylen), key, d->name);
				return BK_ERR;
			}
			if (t->nlines == t->caplines) {
				t->caplines = t->caplines ? 2 * t->caplines : 64;
				t->off = util_xreallocarray(t->off, t->caplines, sizeof *t->off);
				t->len = util_xreallocarray(t->len, t->caplines, sizeof *t->len);
				t->where = util_xreallocarray(t->where, t->caplines, sizeof *t->where);
			}
			/* The line stays where it is, in the file. */
			t->off[t->nlines] = off;
			t->len[t->nlines] = len;
			he->val = NULL;
			t->where[t->nlines++] = loc->line;
			he->num = (long long)t->nlines;	/* index + 1 */
			return BK_OK;
		}
	}
	if ((o = jsonl_parse_object(line, len, why, sizeof why)) == NULL ||
	    record_key(o, &by_rhost, &key, &kind, why, sizeof why) != 0) {
		util_locwarn(loc->file, loc->line, "%s", why);
		json_decref(o);
		return BK_ERR;
	}
	if (!by_rhost) {
		struct recovery_entry e;

		if (entry_from_json(o, &e, why, sizeof why) != 0) {
			util_locwarn(loc->file, loc->line, "%s", why);
			json_decref(o);
			return BK_ERR;
		}
		he = table_slot(t, key, strlen(key), kind, &added);
		if (!added) {
			util_locwarn(loc->file, loc->line, "a second record of %.80s %s", key, kind);
			free(e.hist);
			json_decref(o);
			return BK_ERR;
		}
		he->val = util_xmalloc(sizeof e);
		memcpy(he->val, &e, sizeof e);
	}
	json_decref(o);
	return BK_OK;
}

int
recovery_table_load(struct recovery_table *t, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), status = BK_OK;
	struct input_loc loc = { path, 0 };
	struct input_reader in;
	struct stat sb;
	int64_t off = 0;
	size_t len;
	char *line;

	t->path = path;
	if (fd == -1) {
		if (errno == ENOENT)
			return 0;
		util_warn("%s", path);
		return -1;
	}
	/* Read through a block, the records left in the file: holding the whole
	 * file in memory cost more than reading it. */
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
		/* The index sized once, for as many records as lines. */
		char buf[1 << 16];
		size_t lines = 0;
		ssize_t got;

		while ((got = read(fd, buf, sizeof buf)) > 0)
			for (char *p = buf; (p = memchr(p, '\n', (size_t)(buf + got - p))) != NULL; p++)
				lines++;
		if (got == 0 && lseek(fd, 0, SEEK_SET) == 0) {
			hmap_reserve(&t->map, lines + 1);
			t->fd = fd;
		} else if (lseek(fd, 0, SEEK_SET) != 0) {
			util_warn("%s", path);
			close(fd);
			return -1;
		}
	}
	input_reader_init(&in, fd);
	while (input_next_line(&in, &line, &len)) {
		int64_t at = off;

		off += (int64_t)len;
		loc.line++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		status = input_worse(status, table_line(t, &loc, line, len, at));
	}
	if (in.error) {
		errno = in.error;
		util_warn("%s: read error", path);
		status = BK_ERR;
	}
	input_reader_free(&in);
	if (t->fd != fd)
		close(fd);
	return status == BK_OK ? 0 : -1;
}

const struct recovery_entry *
recovery_table_find(struct recovery_table *t, const char *domain, const char *kind)
{
	struct util_buf b = {0};
	struct hmap_entry *he;

	if (domain == NULL || kind == NULL || t->map.count == 0)
		return NULL;
	util_buf_adds(&b, domain);
	util_buf_addc(&b, '\t');
	util_buf_adds(&b, kind);
	he = hmap_get(&t->map, b.p, b.len);
	util_buf_free(&b);
	if (he == NULL)
		return NULL;
	if (he->val == NULL && he->num > 0) {
		/* Read now: the first time its figures are asked for. */
		size_t i = (size_t)he->num - 1, n = t->len[i];
		struct recovery_entry e;
		char why[200], *line;
		json_t *o = NULL;
		ssize_t got;

		util_buf_reset(&t->text);
		line = util_buf_room(&t->text, n + 1);
		do
			got = pread(t->fd, line, n, (off_t)t->off[i]);
		while (got < 0 && errno == EINTR);
		if (got != (ssize_t)n)
			snprintf(why, sizeof why, "the record changed since it was read%s%s",
			    got < 0 ? ": " : "", got < 0 ? strerror(errno) : "");
		else {
			line[n] = '\0';
			o = jsonl_parse_object(line, n, why, sizeof why);
		}
		if (o == NULL || entry_from_json(o, &e, why, sizeof why) != 0) {
			util_locwarn(t->path, t->where[i], "%s", why);
			t->errors++;
		} else {
			he->val = util_xmalloc(sizeof e);
			memcpy(he->val, &e, sizeof e);
		}
		json_decref(o);
		he->num = 0;
	}
	return he->val;
}

static void
free_entry(void *p)
{
	struct recovery_entry *e = p;

	if (e)
		free(e->hist);
	free(e);
}

void
recovery_table_free(struct recovery_table *t)
{
	hmap_free(&t->map, free_entry);
	util_buf_free(&t->text);
	if (t->fd >= 0)
		close(t->fd);
	free(t->off);
	free(t->len);
	free(t->where);
	recovery_table_init(t);
}

/* The inverse of the standard normal distribution (P. J. Acklam's rational
 * approximation, relative error under 1.2e-9), for records without a
 * histogram. */
static double
normal_inv(double p)
{
	static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02,
		-2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01,
		2.506628277459239e+00 };
	static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02,
		-1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01 };
	static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01,
		-2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00,
		2.938163982698783e+00 };
	static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01,
		2.445134137142996e+00, 3.754408661907416e+00 };
	double q, r;

	if (p < 0.02425) {
		q = sqrt(-2 * log(p));
		return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	if (p > 1 - 0.02425)
		return -normal_inv(1 - p);
	q = p - 0.5;
	r = q * q;
	return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
	    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

long long
recovery_entry_quantile(const struct recovery_entry *e, double q)
{
	double sigma, v;

	if (e->hist)
		return hist_quantile(e->hist, e->nhist, e->recovered, e->min, e->max, q);
	if (e->median <= 0)
		return e->median;
	/* A log-normal spread through the median and the 90th percentile. */
	sigma = e->p90 > e->median ? log((double)e->p90 / (double)e->median) / normal_inv(0.9) :
	    0.0;
	v = (double)e->median * exp(sigma * normal_inv(q));
	return v > 1e15 ? (long long)1e15 : llround(v);
}
