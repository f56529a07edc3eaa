/* recovery: the recovery times of receiving domains and servers, measured
 * from events (see recovery.h); records and state in recovery_record.c, the
 * table of retry-plan in recovery_table.c. */
#include "recovery.h"
#include "recovery_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reason.h"
#include "util.h"


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

void
recovery_hist_add(struct recovery_group *g, uint32_t idx, unsigned long long n)
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
struct hmap_entry *
recovery_heap_entry(const struct recovery_group *g, const struct recovery_wait *w)
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
	recovery_hist_add(g, bucket_of(len), 1);
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

struct recovery_group *
recovery_group_of(struct recovery *r, const char *key, const char *kind)
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
void
recovery_open_wait(struct recovery_group *g, const char *rcpt, int64_t t)
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
		struct hmap_entry *he = recovery_heap_entry(g, &g->heap[0]);

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
		struct recovery_group *g = recovery_group_of(r, key, e->reason);

		if (g->first == NOTIME || e->time < g->first)
			g->first = e->time;
		if (g->last == NOTIME || e->time > g->last)
			g->last = e->time;
		recovery_open_wait(g, e->rcpt, e->time);
	}
}

void
recovery_finish(struct recovery *r, int64_t now)
{
	for (size_t i = 0; i < r->ngroups; i++) {
		struct recovery_group *g = r->groups[i];

		while (g->nheap > 0 && now - g->heap[0].t > r->window) {
			struct hmap_entry *he = recovery_heap_entry(g, &g->heap[0]);

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
		if (recovery_heap_entry(g, &g->heap[i]) && now - g->heap[i].t <= window)
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
