/* stats_merge: partial aggregates of bounce-stats merged into what one run
 * over all their events would have counted (see stats.h). */
#include "stats.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bktime.h"
#include "flatjson.h"
#include "jsonl.h"
#include "reason.h"
#include "util.h"

enum { M_HEADER, M_GROUPS, M_SKIP };

/* Reading: the group and recipient lines, by the thousand, through flatjson
 * (jansson only for the rest); the header through jansson. */

enum {
	K_PARTIAL, K_KEY, K_EVENTS, K_DEFERRALS, K_FAILURES, K_DELIVERIES, K_TIMED, K_FIRST,
	K_LAST, K_REASONS, K_STATUSES, K_DAYS, K_FULL_DAYS, K_LATEST, K_LAST_REASON,
	K_LAST_STATUS, K_RECIPIENTS, K_RCPTS, K_THROTTLED, K_N
};
static const char *const keys[K_N] = {
	"partial", "key", "events", "deferrals", "failures", "deliveries", "timed", "first",
	"last", "reasons", "statuses", "days", "full_days", "latest", "last_reason",
	"last_status", "recipients", "rcpts", "throttled"
};

void
stats_merge_init(struct stats_merge *m, struct stats_set *s)
{
	memset(m, 0, sizeof *m);
	m->set = s;
	m->state = M_HEADER;
	m->fj = util_xmalloc(sizeof *m->fj);
	flatjson_init(m->fj, keys, K_N);
}

void
stats_merge_free(struct stats_merge *m)
{
	free(m->scope.segment);
	m->scope.segment = NULL;
	util_buf_free(&m->counts);
	if (m->fj) {
		flatjson_free(m->fj);
		free(m->fj);
		m->fj = NULL;
	}
}

static int
parse_time(const char *s, time_t *t)
{
	size_t n = strlen(s);

	return n > 0 && bktime_parse_rfc3339(s, n, t) == n ? 0 : -1;
}

/* A time or null at key of a jansson object: 0 (*have says which), -1 if
 * neither. */
static int
get_time(const json_t *o, const char *key, int *have, time_t *t)
{
	const json_t *v = json_object_get(o, key);

	*have = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || parse_time(json_string_value(v), t) != 0)
		return -1;
	*have = 1;
	return 0;
}

static int
get_count(const json_t *o, const char *key, unsigned long long *n)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*n = (unsigned long long)json_integer_value(v);
	return 0;
}

/* The same from flatjson. */
static int
fj_time(const struct flatjson *fj, size_t k, int *have, time_t *t)
{
	*have = 0;
	if (fj->v[k].type == FLATJSON_ABSENT || fj->v[k].type == FLATJSON_NULL)
		return 0;
	if (fj->v[k].type != FLATJSON_STR || parse_time(flatjson_str(fj, k), t) != 0)
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

/* Days since 1970-01-01 of a date "YYYY-MM-DD" (the proleptic Gregorian
 * calendar, as bktime writes it). */
static int
day_number(const char *s, size_t n, int64_t *day)
{
	int y, m, d;

	if (n != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	*day = (int64_t)bktime_timegm(y, m, d, 0, 0, 0) / 86400;
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
	int64_t day;		/* days: the day number */
};

/* Parses the "name=n" counts of array k onto out (struct count_item):
 * what (0 reasons, 1 statuses, 2 days) says which names are allowed. The
 * number of counts, or -1. */
static long
counts_parse(const struct flatjson *fj, size_t k, int what, struct util_buf *out)
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
			char name[64];

			if (c.len >= sizeof name)
				return -1;
			memcpy(name, s, c.len);
			name[c.len] = '\0';
			if ((c.reason = stats_reason_index(name)) == stats_nreasons())
				return -1;
		} else if ((what == 1 && c.len >= STATUS_MAX) ||
		    (what == 2 && day_number(s, c.len, &c.day))) {
			return -1;
		}
		util_buf_add(out, &c, sizeof c);
	}
	return count;
}

/* Adds n parsed counts to g (m: the map of statuses or days). */
static void
counts_add(struct stats_group *g, const struct count_item *c, long n, int what,
    struct hmap *m)
{
	for (long i = 0; i < n; i++) {
		if (what == 0) {
			g->reasons[c[i].reason] += (unsigned long long)c[i].n;
		} else if (what == 1) {
			hmap_put(m, c[i].name, c[i].len, NULL)->num += c[i].n;
		} else {
			char dk[STATS_DAY_KEY];

			hmap_put(m, dk, stats_day_key(c[i].day, dk), NULL)->num += c[i].n;
		}
	}
}

static int
same_segment(const char **a, const char **b)
{
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	for (i = 0; a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return a[i] == b[i];
}

static int
header(struct stats_merge *m, const json_t *o, char *why, size_t whylen)
{
	static const char *const bys[] = { "domain", "rhost", "status", "reason", "day",
		"rcpt", NULL };
	struct stats_scope sc = {0};
	const json_t *seg = json_object_get(o, "segment");
	const char *by = jsonl_get_str(o, "by");
	unsigned long long events, groups;
	int have_latest;
	time_t latest = 0;
	size_t i;

	if (!json_is_string(json_object_get(o, "partial")) ||
	    strcmp(jsonl_get_str(o, "partial"), STATS_PARTIAL_NAME) != 0) {
		snprintf(why, whylen, "not a partial of " STATS_PARTIAL_NAME);
		return -1;
	}
	if (!json_is_integer(json_object_get(o, "version")) ||
	    json_integer_value(json_object_get(o, "version")) != STATS_PARTIAL_VERSION) {
		snprintf(why, whylen, "a partial of another version (this one reads %d)",
		    STATS_PARTIAL_VERSION);
		return -1;
	}
	for (i = 0; by && bys[i] && strcmp(by, bys[i]) != 0; i++)
		;
	if (by == NULL || bys[i] == NULL || get_count(o, "events", &events) ||
	    get_count(o, "groups", &groups) ||
	    get_time(o, "since", &sc.have_since, &sc.since) ||
	    get_time(o, "until", &sc.have_until, &sc.until) ||
	    get_time(o, "now", &sc.have_now, &sc.now) ||
	    get_time(o, "latest", &have_latest, &latest) ||
	    !(json_is_null(seg) || json_is_array(seg))) {
		snprintf(why, whylen, "a partial header without by, events, groups or times");
		return -1;
	}
	sc.by = bys[i];
	if (json_is_array(seg)) {
		sc.segment = util_xcalloc(json_array_size(seg) + 1, sizeof *sc.segment);
		for (i = 0; i < json_array_size(seg); i++) {
			const json_t *s = json_array_get(seg, i);
			const struct reason_desc *d = json_is_string(s) ?
			    reason_describe(json_string_value(s)) : NULL;

			if (d == NULL) {
				free(sc.segment);
				snprintf(why, whylen, "a partial header with an unknown reason");
				return -1;
			}
			sc.segment[i] = d->name;
		}
	}
	if (m->have_scope) {
		const struct stats_scope *w = &m->scope;

		if (strcmp(w->by, sc.by) != 0 || !same_segment(w->segment, sc.segment) ||
		    w->have_since != sc.have_since || (sc.have_since && w->since != sc.since) ||
		    w->have_until != sc.have_until || (sc.have_until && w->until != sc.until) ||
		    w->have_now != sc.have_now || (sc.have_now && w->now != sc.now)) {
			free(sc.segment);
			snprintf(why, whylen, "a partial of other options (--by, --segment, "
			    "--since, --until or --now) than the first");
			return -1;
		}
		free(sc.segment);
	} else {
		m->scope = sc;
		m->have_scope = 1;
	}
	m->set->events += events;
	if (have_latest && (!m->set->any_time || latest > m->set->max_time))
		m->set->max_time = latest;
	m->set->any_time |= have_latest;
	m->groups_left = groups;
	m->rcpts_left = 0;
	m->cur = NULL;
	return 0;
}

/* The counts of one group line added to its group, as if its events had
 * been read after those counted so far. Everything is checked first: a bad
 * line changes nothing. */
static int
group(struct stats_merge *m, char *why, size_t whylen)
{
	const struct flatjson *fj = m->fj;
	unsigned long long events, deferrals, failures, deliveries, timed, rcpts;
	int have_first, have_last, have_latest, by_rcpt = strcmp(m->scope.by, "rcpt") == 0;
	time_t first = 0, last = 0, latest = 0;
	const char *reason = flatjson_str(fj, K_LAST_REASON);
	const char *status = flatjson_str(fj, K_LAST_STATUS);
	const struct reason_desc *rd = reason ? reason_describe(reason) : NULL;
	static const size_t count_keys[4] = { K_REASONS, K_STATUSES, K_DAYS, K_FULL_DAYS };
	long ncounts[4];
	struct stats_group *g;

	if (m->groups_left == 0) {
		snprintf(why, whylen, "more groups than the partial's header says");
		return -1;
	}
	if (!(fj->v[K_KEY].type == FLATJSON_NULL || fj->v[K_KEY].type == FLATJSON_STR) ||
	    fj_count(fj, K_EVENTS, &events) || fj_count(fj, K_DEFERRALS, &deferrals) ||
	    fj_count(fj, K_FAILURES, &failures) || fj_count(fj, K_DELIVERIES, &deliveries) ||
	    fj_count(fj, K_TIMED, &timed) || fj_count(fj, K_RECIPIENTS, &rcpts) ||
	    fj_time(fj, K_FIRST, &have_first, &first) || fj_time(fj, K_LAST, &have_last, &last) ||
	    fj_time(fj, K_LATEST, &have_latest, &latest) || have_first != (timed > 0) ||
	    have_last != (timed > 0) || (reason && rd == NULL) ||
	    (status && strlen(status) >= STATUS_MAX)) {
		snprintf(why, whylen, "a partial's group without its counts or times");
		return -1;
	}
	util_buf_reset(&m->counts);
	for (int i = 0; i < 4; i++)
		if ((ncounts[i] = counts_parse(fj, count_keys[i], i < 2 ? i : 2, &m->counts)) < 0) {
			snprintf(why, whylen, "a partial's group with bad reasons, statuses or "
			    "days");
			return -1;
		}
	g = stats_group_of(m->set, flatjson_str(fj, K_KEY));
	{
		const struct count_item *c = (const struct count_item *)(void *)m->counts.p;
		struct hmap *maps[4] = { NULL, &g->statuses, &g->days, &g->full_days };

		for (int i = 0; i < 4; c += ncounts[i], i++)
			counts_add(g, c, ncounts[i], i < 2 ? i : 2, maps[i]);
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
	m->groups_left--;
	m->rcpts_left = rcpts;
	m->cur = g;
	/* At most as many more: one table instead of each size on the way
	 * (within bounds: the count is the partial's word, not yet its lines),
	 * grown by half at least, as the table grows itself: partial after
	 * partial adding a little made it copy its entries each time. */
	{
		size_t want = g->rcpts.count + (rcpts < 65536 ? rcpts : 65536);

		if (want > g->rcpts.cap)
			hmap_reserve(&g->rcpts, want > g->rcpts.cap + g->rcpts.cap / 2 ? want :
			    g->rcpts.cap + g->rcpts.cap / 2);
	}
	return 0;
}

/* A throttled recipient of a partial, read. */
struct throttled {
	const char *rcpt;
	const struct reason_desc *reason;
	time_t t;
};

/* A line of recipients of the current group. */
static int
recipients(struct stats_merge *m, char *why, size_t whylen)
{
	const struct flatjson *fj = m->fj;
	long long nplain = fj->v[K_RCPTS].num, nthr = fj->v[K_THROTTLED].num;
	const char *s = NULL;
	struct throttled th = { NULL, NULL, 0 };

	if (fj->v[K_RCPTS].type != FLATJSON_STRS || fj->v[K_THROTTLED].type != FLATJSON_STRS ||
	    nthr % 3 != 0) {
		snprintf(why, whylen, "a partial's recipients not as arrays of strings");
		return -1;
	}
	if (m->cur == NULL || (unsigned long long)(nplain + nthr / 3) > m->rcpts_left) {
		snprintf(why, whylen, "more recipients than the partial's group says");
		return -1;
	}
	/* The throttled recipients checked, their reasons and times kept. */
	util_buf_reset(&m->counts);
	for (long long i = 0; (s = strs_next(fj, K_THROTTLED, (size_t)i, s)) != NULL; i++) {
		if (i % 3 == 0) {
			th.rcpt = s;
		} else if (i % 3 == 1) {
			if ((th.reason = reason_describe(s)) == NULL)
				break;
		} else {
			if (parse_time(s, &th.t) != 0)
				break;
			util_buf_add(&m->counts, &th, sizeof th);
		}
	}
	if (s != NULL) {
		snprintf(why, whylen, "a partial's throttled recipient without its reason and "
		    "time");
		return -1;
	}
	for (long long i = 0; (s = strs_next(fj, K_RCPTS, (size_t)i, s)) != NULL; i++)
		hmap_put(&m->cur->rcpts, s, strlen(s), NULL);
	for (long long i = 0; i < nthr / 3; i++) {
		const struct throttled *r = (const struct throttled *)(void *)m->counts.p + i;
		struct hmap_entry *he = hmap_put(&m->cur->rcpts, r->rcpt, strlen(r->rcpt), NULL);

		if (he->val == NULL || r->t >= he->num) {
			he->val = (void *)(uintptr_t)r->reason->name;
			he->num = r->t;
		}
	}
	m->rcpts_left -= (unsigned long long)(nplain + nthr / 3);
	return 0;
}

/* The partial read so far is complete: 0, or -1 (reported) if not. */
static int
complete(struct stats_merge *m)
{
	if (m->state != M_GROUPS || (m->groups_left == 0 && m->rcpts_left == 0))
		return 0;
	util_locwarn(m->file, m->line, "partial cut short: %llu groups or %llu recipients "
	    "missing", m->groups_left, m->rcpts_left);
	return -1;
}

int
stats_merge_line(void *ctx, const struct input_loc *loc, char *line, size_t len)
{
	struct stats_merge *m = ctx;
	struct flatjson *fj = m->fj;
	json_t *o = NULL;
	char why[200];
	int rc = BK_OK;

	/* A file begins with its own partial. */
	if (loc->line == 1) {
		rc = complete(m) == 0 ? BK_OK : BK_ERR;
		m->state = M_HEADER;
	}
	if (flatjson_parse(fj, line, len) != 0) {
		if ((o = jsonl_parse_object(line, len, why, sizeof why)) == NULL) {
			util_locwarn(loc->file, loc->line, "%s", why);
			return BK_ERR;
		}
		flatjson_from_json(fj, o);
	}
	if (fj->v[K_PARTIAL].type != FLATJSON_ABSENT) {
		if (complete(m) != 0)
			rc = BK_ERR;
		m->file = loc->file;
		m->line = loc->line;
		if (o == NULL && (o = jsonl_parse_object(line, len, why, sizeof why)) == NULL)
			goto bad;
		if (header(m, o, why, sizeof why) != 0)
			goto bad;
		m->state = M_GROUPS;
	} else if (m->state == M_SKIP) {
		/* The rest of a bad partial. */
	} else if (m->state == M_HEADER) {
		snprintf(why, sizeof why, "not a partial of " STATS_PARTIAL_NAME " (--partial): no "
		    "header line");
		goto bad;
	} else if (fj->v[K_RCPTS].type != FLATJSON_ABSENT) {
		if (recipients(m, why, sizeof why) != 0)
			goto bad;
	} else {
		if (m->rcpts_left > 0) {
			snprintf(why, sizeof why, "%llu recipients of the group before missing",
			    m->rcpts_left);
			goto bad;
		}
		if (group(m, why, sizeof why) != 0)
			goto bad;
	}
	json_decref(o);
	return rc;
bad:
	/* What the partial holds beyond this line would count wrongly. */
	util_locwarn(loc->file, loc->line, "%s; the rest of this partial is skipped", why);
	m->state = M_SKIP;
	json_decref(o);
	return BK_ERR;
}

int
stats_merge_end(struct stats_merge *m)
{
	int rc = complete(m) == 0 ? BK_OK : BK_ERR;

	if (!m->have_scope) {
		util_warnx("no partial to merge");
		rc = BK_ERR;
	}
	return rc;
}
