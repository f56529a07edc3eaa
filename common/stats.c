/* stats: bounce-stats' groups, and their partial aggregates written (read
 * back in stats_merge.c). */
#include "stats.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bktime.h"
#include "flatjson.h"
#include "jsonl.h"
#include "reason.h"
#include "util.h"

#define RCPTS_PER_LINE 512

size_t
stats_nreasons(void)
{
	static size_t n;

	if (n == 0)
		while (reason_table[n].name)
			n++;
	return n;
}

size_t
stats_reason_index(const char *reason)
{
	static size_t last;
	const struct reason_desc *d;

	/* Event reasons are reason_table's own strings: compare pointers first. */
	if (reason == reason_table[last].name)
		return last;
	if ((d = reason_describe(reason)) == NULL)
		return stats_nreasons();
	return last = (size_t)(d - reason_table);
}

struct stats_group *
stats_group_of(struct stats_set *s, const char *key)
{
	struct stats_group *g;
	struct hmap_entry *he = NULL;
	int added;

	if (key == NULL || key[0] == '\0') {
		if (s->null_group)
			return s->null_group;
	} else {
		he = hmap_put(&s->groups, key, strlen(key), &added);
		if (!added)
			return he->val;
	}
	g = util_xcalloc(1, sizeof *g);
	g->reasons = util_xcalloc(stats_nreasons() + 1, sizeof *g->reasons);
	if (he) {
		g->key = he->key;
		he->val = g;
	} else {
		s->null_group = g;
	}
	return g;
}

static void
free_group(void *p)
{
	struct stats_group *g = p;

	free(g->reasons);
	hmap_free(&g->statuses, NULL);
	hmap_free(&g->rcpts, NULL);
	hmap_free(&g->days, NULL);
	hmap_free(&g->full_days, NULL);
	free(g->throttled);
	free(g);
}

void
stats_set_free(struct stats_set *s)
{
	hmap_free(&s->groups, free_group);
	if (s->null_group)
		free_group(s->null_group);
	memset(s, 0, sizeof *s);
}

unsigned long long
stats_recipients(const struct stats_group *g)
{
	return g->rcpts.count + g->merged_rcpts;
}

/* Writing */

static json_t *
time_or_null(int have, time_t t)
{
	char b[BKTIME_BUFSZ];

	return have ? json_string(bktime_format(t, b)) : json_null();
}

long long
stats_day_of(time_t t)
{
	long long d = (long long)t / 86400;

	return (long long)t < 0 && (long long)t % 86400 != 0 ? d - 1 : d;
}

double
stats_share(const struct stats_group *g, unsigned long long events)
{
	return events ? round((double)g->events / (double)events * 10000.0) / 10000.0 : 0.0;
}

size_t
stats_day_key(long long day, char k[STATS_DAY_KEY])
{
	/* "%lld" by hand: a merge makes one for each day of each group. */
	unsigned long long u = day < 0 ? 0ULL - (unsigned long long)day : (unsigned long long)day;
	char t[24];
	size_t n = 0, len = 0;

	do
		t[n++] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (day < 0)
		k[len++] = '-';
	while (n > 0)
		k[len++] = t[--n];
	k[len] = '\0';
	return len;
}

/* A day number as its date, "2026-11-27". */
static void
day_name(int64_t day, char *b)
{
	bktime_format((time_t)(day * 86400), b);
	b[10] = '\0';
}

/* Counts as an array of "name=n": flat, so that merging reads them fast. */
static void
count_add(json_t *a, const char *name, long long n)
{
	char b[128];

	snprintf(b, sizeof b, "%s=%lld", name, n);
	json_array_append_new(a, json_string(b));
}

static json_t *
map_counts(const struct hmap *m, int days)
{
	json_t *a = json_array();
	struct hmap_entry *he;
	size_t it = 0;
	char b[BKTIME_BUFSZ];

	while ((he = hmap_next(m, &it)) != NULL) {
		if (days)
			day_name(strtoll(he->key, NULL, 10), b);
		count_add(a, days ? b : he->key, he->num);
	}
	return a;
}

static json_t *
group_json(const struct stats_group *g, int by_rcpt)
{
	json_t *o = json_object(), *r = json_array();
	size_t n = stats_nreasons();

	json_object_set_new(o, "key", jsonl_string_or_null(g->key));
	json_object_set_new(o, "events", json_integer((json_int_t)g->events));
	json_object_set_new(o, "deferrals", json_integer((json_int_t)g->deferrals));
	json_object_set_new(o, "failures", json_integer((json_int_t)g->failures));
	json_object_set_new(o, "deliveries", json_integer((json_int_t)g->deliveries));
	json_object_set_new(o, "timed", json_integer((json_int_t)g->timed));
	json_object_set_new(o, "first", time_or_null(g->timed > 0, g->first));
	json_object_set_new(o, "last", time_or_null(g->timed > 0, g->last));
	for (size_t i = 0; i < n; i++)
		if (g->reasons[i])
			count_add(r, reason_table[i].name, (long long)g->reasons[i]);
	json_object_set_new(o, "reasons", r);
	json_object_set_new(o, "statuses", map_counts(&g->statuses, 0));
	json_object_set_new(o, "days", map_counts(&g->days, 1));
	json_object_set_new(o, "full_days", map_counts(&g->full_days, 1));
	if (by_rcpt) {
		json_object_set_new(o, "latest", time_or_null(g->timed > 0, g->latest));
		jsonl_set_str(o, "last_reason", g->last_reason);
		jsonl_set_str(o, "last_status", g->last_status[0] ? g->last_status : NULL);
	}
	json_object_set_new(o, "recipients", json_integer((json_int_t)g->rcpts.count));
	return o;
}

static int
rcpt_cmp(const void *a, const void *b)
{
	return strcmp((*(struct hmap_entry *const *)a)->key, (*(struct hmap_entry *const *)b)->key);
}

/* The recipients of g in byte order (what lets a merge count the distinct
 * ones of many partials in one pass, without a table), RCPTS_PER_LINE a
 * line: "rcpts" those without a throttle event, "throttled" the others as
 * rcpt, reason, time. */
static int
write_rcpts(FILE *fp, const struct stats_group *g)
{
	struct hmap_entry *he, **v = util_xcalloc(g->rcpts.count + 1, sizeof *v);
	size_t it = 0, n = 0, nv = 0;
	json_t *plain = json_array(), *thr = json_array(), *o;
	int rc = 0;
	char b[BKTIME_BUFSZ];

	while ((he = hmap_next(&g->rcpts, &it)) != NULL)
		v[nv++] = he;
	qsort(v, nv, sizeof *v, rcpt_cmp);
	for (size_t i = 0; i < nv && rc == 0; i++) {
		he = v[i];
		if (he->val) {
			json_array_append_new(thr, jsonl_string(he->key, he->len));
			json_array_append_new(thr, json_string(he->val));
			json_array_append_new(thr, json_string(bktime_format((time_t)he->num, b)));
		} else {
			json_array_append_new(plain, jsonl_string(he->key, he->len));
		}
		if (++n == RCPTS_PER_LINE || i + 1 == nv) {
			o = json_pack("{s o s o}", "rcpts", plain, "throttled", thr);
			rc = jsonl_write(fp, o);
			json_decref(o);
			plain = json_array();
			thr = json_array();
			n = 0;
		}
	}
	json_decref(plain);
	json_decref(thr);
	free(v);
	return rc;
}

static int
group_cmp(const void *a, const void *b)
{
	const struct stats_group *x = *(struct stats_group *const *)a;
	const struct stats_group *y = *(struct stats_group *const *)b;

	if (x->key == NULL || y->key == NULL)
		return (y->key == NULL) - (x->key == NULL);
	return strcmp(x->key, y->key);
}

int
stats_partial_write(FILE *fp, const struct stats_set *s, const struct stats_scope *sc)
{
	size_t n = 0, it = 0;
	unsigned long long lines = 0;
	struct stats_group **v = util_xcalloc(s->groups.count + 1, sizeof *v);
	struct hmap_entry *he;
	json_t *h = json_object(), *seg = json_null();
	int rc, by_rcpt = strcmp(sc->by, "rcpt") == 0;

	while ((he = hmap_next(&s->groups, &it)) != NULL)
		v[n++] = he->val;
	if (s->null_group)
		v[n++] = s->null_group;
	/* Groups in key order: the same counts give the same partial. */
	qsort(v, n, sizeof *v, group_cmp);
	/* The lines after the header: a merge finds the partials of a file
	 * without reading them. */
	for (size_t i = 0; i < n; i++)
		lines += 1 + (v[i]->rcpts.count + RCPTS_PER_LINE - 1) / RCPTS_PER_LINE;
	if (sc->segment) {
		seg = json_array();
		for (size_t i = 0; sc->segment[i]; i++)
			json_array_append_new(seg, json_string(sc->segment[i]));
	}
	json_object_set_new(h, "partial", json_string(STATS_PARTIAL_NAME));
	json_object_set_new(h, "version", json_integer(STATS_PARTIAL_VERSION));
	json_object_set_new(h, "by", json_string(sc->by));
	json_object_set_new(h, "segment", seg);
	json_object_set_new(h, "since", time_or_null(sc->have_since, sc->since));
	json_object_set_new(h, "until", time_or_null(sc->have_until, sc->until));
	json_object_set_new(h, "now", time_or_null(sc->have_now, sc->now));
	json_object_set_new(h, "events", json_integer((json_int_t)s->events));
	json_object_set_new(h, "latest", time_or_null(s->any_time, s->max_time));
	json_object_set_new(h, "groups", json_integer((json_int_t)n));
	json_object_set_new(h, "lines", json_integer((json_int_t)lines));
	rc = jsonl_write(fp, h);
	json_decref(h);
	for (size_t i = 0; i < n && rc == 0; i++) {
		json_t *o = group_json(v[i], by_rcpt);

		rc = jsonl_write(fp, o);
		json_decref(o);
		if (rc == 0)
			rc = write_rcpts(fp, v[i]);
	}
	free(v);
	return rc;
}
