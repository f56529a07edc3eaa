/* recovery_record: the records of bounce-stats --recovery, written, and read
 * back as its state file. */
#include "recovery.h"
#include "recovery_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "bktime.h"
#include "input.h"
#include "jsonl.h"
#include "reason.h"
#include "util.h"

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
			if (recovery_heap_entry(g, &g->heap[i]))
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

int
recovery_get_duration(const json_t *o, const char *key, long long *out)
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

int
recovery_get_count(const json_t *o, const char *key, unsigned long long *out)
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
	if (bktime_parse_time(s, &t) != 0)
		return -1;
	*out = t;
	return 0;
}

/* The key and kind of a record: "domain" or "rhost", and a known reason. */
int
recovery_record_key(const json_t *o, int *by_rhost, const char **key, const char **kind,
    char *why, size_t whylen)
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

	if (recovery_record_key(o, &by_rhost, &key, &kind, why, whylen) != 0)
		return -1;
	if (by_rhost != r->by_rhost) {
		snprintf(why, whylen, "a record by %s in a state by %s", by_rhost ? "rhost" :
		    "domain", r->by_rhost ? "rhost" : "domain");
		return -1;
	}
	if (recovery_get_count(o, "recovered", &recovered) || recovery_get_count(o, "never", &never) ||
	    recovery_get_count(o, "episodes", &episodes) || recovery_get_duration(o, "min", &min) ||
	    recovery_get_duration(o, "max", &max) || get_time(o, "first_seen", &first) ||
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
	g = recovery_group_of(r, key, kind);
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
			recovery_hist_add(g, (uint32_t)strtoul(hkey, NULL, 10),
			    (unsigned long long)json_integer_value(v));
	if (w && !json_is_null(w))
		json_object_foreach(w, hkey, v)
			recovery_open_wait(g, hkey, (int64_t)json_integer_value(v));
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
