/* bounce-stats: event records -> one record per domain, server, status, reason
 * or day (which servers are often full, where to send less), or one record per
 * affected recipient (--segment). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "afile.h"
#include "bktime.h"
#include "event.h"
#include "hmap.h"
#include "input.h"
#include "opt.h"
#include "record.h"
#include "reason.h"
#include "recovery.h"
#include "sandbox.h"
#include "schema.h"
#include "stats.h"
#include "stats_table.h"
#include "status.h"
#include "util.h"


enum by { BY_DOMAIN, BY_RHOST, BY_STATUS, BY_REASON, BY_DAY, BY_RCPT };
static const char *const by_names[] = { "domain", "rhost", "status", "reason", "day", "rcpt" };


static enum by by = BY_DOMAIN;
static int table, verbose;
static int have_since, have_until, have_now;
static time_t since, until, now;
static long long top;		/* 0: all */
static long long recurring_days = 3;
static long long throttle_min = 5;
static long long window = 86400;
static const char **segment;	/* reason names, NULL-terminated */
static size_t nreasons;
static struct stats_set set;	/* the groups */
/* --partial: write what was counted; --merge: read partials, not events */
static int partial, merge;
static int advice_opts;		/* -C, -K or -W given */
/* --recovery: recovery times instead of counts, kept in --state */
static int recovery_mode;
static struct recovery rec;
static const char *state;
static long long recovery_window = RECOVERY_WINDOW;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-v] [-b field] [-C days] [-f format] [-K recipients] [-n time]\n"
	    "       [-A time] [-t count] [-u time] [-W duration] [file ...]\n"
	    "       %s -G reasons [-v] [-f format] [-n time] [-A time] [-t count] [-u time]\n"
	    "       [file ...]\n"
	    "       %s --recovery [-v] [-b domain|rhost] [-f format] [-n time] [-A time]\n"
	    "       [-s state [--no-strict-modes]] [-t count] [-u time]\n"
	    "       [--recovery-window duration] [file ...]\n"
	    "       %s --partial [-v] [-b field | -G reasons] [-n time] [-A time] [-u time]\n"
	    "       [file ...]\n"
	    "       %s --merge [-v] [--partial] [-C days] [-f format] [-K recipients] [-t count]\n"
	    "       [-W duration] [partial ...]\n",
	    util_progname, util_progname, util_progname, util_progname, util_progname);
	exit(BK_ERR);
}

static void
help(void)
{
	printf("usage: %s [options] [file ...]\n"
	    "Reads event records; writes one record per group (domain by default) with\n"
	    "counts, recurring full days and volume advice, or one per affected recipient\n"
	    "(--segment). See bounce-stats(1).\n\n"
	    "  -A, --since TIME          only events at or after TIME\n"
	    "  -b, --by FIELD            domain (default), rhost, status, reason, day\n"
	    "  -C, --recurring-days N    full on at least N distinct days: recurring (3)\n"
	    "  -f, --format FORMAT       jsonl (default) or table\n"
	    "  -G, --segment REASONS     one record per recipient with these reasons\n"
	    "                            (comma list, e.g. systemfull,mailboxfull)\n"
	    "  -h, --help                this text\n"
	    "  -K, --throttle-min K      K distinct recipients full or rate limited within\n"
	    "                            the window: advice throttle (5)\n"
	    "      --merge               read partials (--partial), not events: the\n"
	    "                            records of one run over all their events\n"
	    "  -n, --now TIME            reference time (default: --until, else the\n"
	    "                            latest event, at most the clock)\n"
	    "      --no-strict-modes     --recovery -s: use a state others may write to\n"
	    "      --partial             write what was counted, for --merge\n"
	    "      --recovery            how long after a soft bounce each domain (server)\n"
	    "                            took mail again, per kind: one record each\n"
	    "      --recovery-window DUR --recovery: longer is never (14d)\n"
	    "  -s, --state FILE          --recovery: go on from FILE, then replace it\n"
	    "  -t, --top N               only the N largest groups\n"
	    "  -u, --until TIME          only events before TIME\n"
	    "  -V, --version             print the version\n"
	    "  -v, --verbose             say what the sandbox put in place, on stderr\n"
	    "  -W, --window DURATION     throttle window before the reference time (24h)\n",
	    util_progname);
	exit(util_close_stdout(BK_OK));
}

static int
is_full(const struct event *e)
{
	size_t n = strlen(e->status);

	if (strcmp(e->reason, "systemfull") == 0 || strcmp(e->reason, "mailboxfull") == 0)
		return 1;
	/* X.3.1 mail system full, X.2.2 mailbox full, whatever the reason says. */
	return n >= 5 && (strcmp(e->status + 1, ".3.1") == 0 ||
	    strcmp(e->status + 1, ".2.2") == 0);
}

/* Full or rate limited, and not a hard bounce: sending less would help. */
static int
is_throttle(const struct event *e)
{
	if (e->class && strcmp(e->class, "hard") == 0)
		return 0;
	return is_full(e) || strcmp(e->reason, "speeding") == 0 ||
	    strcmp(e->reason, "toomanyconn") == 0;
}

static void
day_count(struct hmap *m, long long day)
{
	char k[STATS_DAY_KEY];

	hmap_put(m, k, stats_day_key(day, k), NULL)->num++;
}

static int
in_segment(const char *reason)
{
	for (size_t i = 0; segment[i]; i++)
		if (strcmp(segment[i], reason) == 0)
			return 1;
	return 0;
}

/* One event into its group. timed is 0 for an event of unknown time: it is
 * counted, but is on no day and in no window. */
static void
count(const struct event *e, int timed)
{
	struct stats_group *g;
	const char *key = NULL;
	char day[BKTIME_BUFSZ];
	long long dn = stats_day_of(e->time);

	switch (by) {
	case BY_DOMAIN:
		key = e->domain;
		break;
	case BY_RHOST:
		key = e->rhost;
		break;
	case BY_STATUS:
		key = e->status[0] ? e->status : NULL;
		break;
	case BY_REASON:
		key = e->reason;
		break;
	case BY_DAY:
		/* "YYYY-MM-DD" of the RFC 3339 form. */
		bktime_format(e->time, day);
		day[10] = '\0';
		key = timed ? day : NULL;
		break;
	case BY_RCPT:
		key = e->rcpt;
		break;
	}
	g = stats_group_of(&set, key);
	set.events++;
	g->events++;
	if (strcmp(e->action, "delayed") == 0)
		g->deferrals++;
	else if (strcmp(e->action, "failed") == 0)
		g->failures++;
	else if (strcmp(e->action, "delivered") == 0)
		g->deliveries++;
	g->reasons[stats_reason_index(e->reason)]++;
	if (e->status[0])
		hmap_put(&g->statuses, e->status, strlen(e->status), NULL)->num++;
	if (by != BY_RCPT)
		hmap_put(&g->rcpts, e->rcpt, strlen(e->rcpt), NULL);
	if (by == BY_RCPT && (g->last_reason == NULL || (timed && e->time >= g->latest))) {
		g->latest = timed ? e->time : g->latest;
		g->last_reason = e->reason;
		memcpy(g->last_status, e->status, sizeof g->last_status);
	}
	if (!timed)
		return;
	if (!set.any_time || e->time > set.max_time)
		set.max_time = e->time;
	set.any_time = 1;
	if (g->timed == 0 || e->time < g->first)
		g->first = e->time;
	if (g->timed == 0 || e->time > g->last)
		g->last = e->time;
	g->timed++;
	day_count(&g->days, dn);
	if (by == BY_RCPT)
		return;
	/* A known reference time: later events are outside its window. */
	if (is_throttle(e) && (!have_now || e->time <= now)) {
		struct hmap_entry *r = hmap_get(&g->rcpts, e->rcpt, strlen(e->rcpt));

		if (r->val == NULL || e->time >= r->num) {
			r->val = (void *)(uintptr_t)e->reason;
			r->num = e->time;
		}
	}
	if (is_full(e))
		day_count(&g->full_days, dn);
}

static struct event_reader reader;

static int
record(void *ctx, const struct input_loc *loc, char *line, size_t len)
{
	struct event e;
	char why[200];
	int rc, timed;

	(void)ctx;
	if ((rc = event_read(&reader, line, len, &e, why, sizeof why)) == 0)
		return BK_OK;
	if (rc < 0) {
		util_locwarn(loc->file, loc->line, "%s", why);
		return BK_ERR;
	}
	/* "time" is null where the source did not say (an email without a
	 * date): a valid record, counted without a time. */
	timed = e.time != (time_t)-1;
	if (recovery_mode) {
		/* Untimed events say nothing of how long anything took. */
		if (timed && !(have_since && e.time < since) && !(have_until && e.time >= until))
			recovery_add(&rec, &e);
	} else if (!(timed ? (have_since && e.time < since) || (have_until && e.time >= until) :
	    have_since || have_until) && (!segment || in_segment(e.reason))) {
		count(&e, timed);
	}
	return BK_OK;
}

/* Output */

/* Counts by key, largest first, then by name. */
static int
count_cmp(const void *a, const void *b)
{
	const struct rec_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->key, y->key);
}

static void
counts_val(struct rec_val *v, struct rec_count *kv, size_t n)
{
	qsort(kv, n, sizeof *kv, count_cmp);
	v->set = 1;
	v->kv = kv;
	v->i = (long long)n;
}

/* The events per reason of g into kv (nreasons + 1 room). */
static void
reasons_val(struct rec_val *v, const struct stats_group *g, struct rec_count *kv)
{
	size_t n = 0;

	for (size_t i = 0; i < nreasons; i++)
		if (g->reasons[i])
			kv[n++] = (struct rec_count){ reason_table[i].name, g->reasons[i] };
	counts_val(v, kv, n);
}

/* The numbers of a map into kv (m->count + 1 room). */
static void
map_counts_val(struct rec_val *v, const struct hmap *m, struct rec_count *kv)
{
	struct hmap_entry *he;
	size_t it = 0, n = 0;

	while ((he = hmap_next(m, &it)) != NULL)
		kv[n++] = (struct rec_count){ he->key, (unsigned long long)he->num };
	counts_val(v, kv, n);
}

static void
time_val(struct rec_val *v, int known, time_t t)
{
	if (known)
		rec_int(v, (long long)t);
}

/* The advice figures of a domain or server, computed once before output. */
struct advice {
	unsigned long long full_days;
	int recurring;
	unsigned long long recipients;	/* in the throttle window */
	struct rec_count *kv;		/* recipients per throttle reason */
	size_t nkv;
	const char *advice;
};

static void
advice_of(const struct stats_group *g, struct advice *a)
{
	struct hmap_entry *he;
	size_t it = 0;

	memset(a, 0, sizeof *a);
	a->kv = util_xcalloc(nreasons + 1, sizeof *a->kv);
	a->full_days = g->full_days.count;
	a->recurring = a->full_days >= (unsigned long long)recurring_days;
	/* Merged recipients were counted in the window as they were merged. */
	for (size_t i = 0; g->throttled && i <= nreasons; i++)
		if (g->throttled[i]) {
			a->recipients += g->throttled[i];
			a->kv[a->nkv++] = (struct rec_count){ i < nreasons ? reason_table[i].name :
			    "unknown", g->throttled[i] };
		}
	while ((he = hmap_next(&g->rcpts, &it)) != NULL) {
		size_t i;

		if (he->val == NULL || he->num > now || he->num <= now - window)
			continue;
		a->recipients++;
		for (i = 0; i < a->nkv && strcmp(a->kv[i].key, he->val) != 0; i++)
			;
		if (i == a->nkv)
			a->kv[a->nkv++] = (struct rec_count){ he->val, 0 };
		a->kv[i].n++;
	}
	qsort(a->kv, a->nkv, sizeof a->kv[0], count_cmp);
	if (a->recipients >= (unsigned long long)throttle_min)
		a->advice = "throttle";
	else if (a->recurring)
		a->advice = "watch";
	else
		a->advice = "ok";
}

static int
with_advice(void)
{
	return by == BY_DOMAIN || by == BY_RHOST;
}

static void
write_record(const struct rec_schema *sc, const struct rec_val *v)
{
	if (rec_write(stdout, sc, v) != 0) {
		util_warn("write error on standard output");
		exit(BK_ERR);
	}
}

static void
print_group_json(const struct stats_group *g)
{
	static const struct rec_schema *const schemas[] = { &schema_stats_domain,
		&schema_stats_rhost, &schema_stats_status, &schema_stats_reason, &schema_stats_day };
	struct rec_val v[ST_NFIELDS] = {{0}}, t[TH_NFIELDS] = {{0}};
	struct rec_count *reasons = util_xcalloc(nreasons + 1, sizeof *reasons);
	struct rec_count *statuses = util_xcalloc(g->statuses.count + 1, sizeof *statuses);
	struct advice a = {0};

	rec_str(&v[ST_KEY], g->key);
	rec_int(&v[ST_EVENTS], (long long)g->events);
	rec_int(&v[ST_RECIPIENTS], (long long)stats_recipients(g));
	rec_int(&v[ST_DEFERRALS], (long long)g->deferrals);
	rec_int(&v[ST_FAILURES], (long long)g->failures);
	rec_int(&v[ST_DELIVERIES], (long long)g->deliveries);
	reasons_val(&v[ST_REASONS], g, reasons);
	map_counts_val(&v[ST_STATUSES], &g->statuses, statuses);
	time_val(&v[ST_FIRST_SEEN], g->timed > 0, g->first);
	time_val(&v[ST_LAST_SEEN], g->timed > 0, g->last);
	rec_int(&v[ST_DAYS], (long long)g->days.count);
	v[ST_SHARE].set = 1;
	v[ST_SHARE].d = stats_share(g, set.events);
	if (with_advice()) {
		advice_of(g, &a);
		rec_int(&v[ST_FULL_DAYS], (long long)a.full_days);
		rec_int(&v[ST_RECURRING_FULL], a.recurring);
		rec_str(&v[ST_ADVICE], a.advice);
		rec_int(&t[TH_RECIPIENTS], (long long)a.recipients);
		rec_int(&t[TH_WINDOW], window);
		rec_int(&t[TH_UNTIL], (long long)now);
		counts_val(&t[TH_REASONS], a.kv, a.nkv);
		v[ST_THROTTLE].set = 1;
		v[ST_THROTTLE].sub = t;
	}
	write_record(schemas[by], v);
	free(a.kv);
	free(reasons);
	free(statuses);
}

static void
print_rcpt_json(const struct stats_group *g)
{
	struct rec_val v[SG_NFIELDS] = {{0}};
	struct rec_count *reasons = util_xcalloc(nreasons + 1, sizeof *reasons);
	const char *at = strrchr(g->key, '@');

	rec_str(&v[SG_RCPT], g->key);
	rec_str(&v[SG_DOMAIN], at ? at + 1 : NULL);
	rec_int(&v[SG_EVENTS], (long long)g->events);
	rec_int(&v[SG_DEFERRALS], (long long)g->deferrals);
	rec_int(&v[SG_FAILURES], (long long)g->failures);
	rec_int(&v[SG_DELIVERIES], (long long)g->deliveries);
	reasons_val(&v[SG_REASONS], g, reasons);
	time_val(&v[SG_FIRST_SEEN], g->timed > 0, g->first);
	time_val(&v[SG_LAST_SEEN], g->timed > 0, g->last);
	rec_str(&v[SG_LAST_STATUS], g->last_status[0] ? g->last_status : NULL);
	rec_str(&v[SG_LAST_REASON], g->last_reason);
	write_record(&schema_stats_rcpt, v);
	free(reasons);
}

/* The advice of g for the table. */
static void
table_advice(const struct stats_group *g, unsigned long long *full_days, const char **word)
{
	struct advice a;

	advice_of(g, &a);
	*full_days = a.full_days;
	*word = a.advice;
	free(a.kv);
}

static int
group_cmp(const void *a, const void *b)
{
	const struct stats_group *x = *(struct stats_group *const *)a, *y = *(struct stats_group *const *)b;

	if (x->events != y->events)
		return x->events > y->events ? -1 : 1;
	if (x->key == NULL || y->key == NULL)
		return (x->key != NULL) - (y->key != NULL);
	return strcmp(x->key, y->key);
}

/* The reference time, once: the window's end. */
static void
settle_now(void)
{
	static int settled;
	time_t clock;

	if (have_now || settled)
		return;
	settled = 1;
	clock = time(NULL);
	/* An event stamped in the future (a bad clock) must not move the
	 * window away from everything else. */
	now = have_until ? until : set.any_time && set.max_time < clock ? set.max_time : clock;
}

static void
output(void)
{
	size_t n = 0, it = 0, shown;
	struct stats_group **v = util_xcalloc(set.groups.count + 2, sizeof *v);
	struct hmap_entry *he;

	while ((he = hmap_next(&set.groups, &it)) != NULL)
		v[n++] = he->val;
	if (set.null_group)
		v[n++] = set.null_group;
	qsort(v, n, sizeof *v, group_cmp);
	shown = top > 0 && (size_t)top < n ? (size_t)top : n;
	settle_now();
	if (table && shown > 0)
		stats_table_print(v, shown, &(struct stats_table_opts){ by_names[by],
		    by == BY_RCPT, with_advice(), now, set.events, table_advice });
	else if (!table)
		for (size_t i = 0; i < shown; i++) {
			if (by == BY_RCPT)
				print_rcpt_json(v[i]);
			else
				print_group_json(v[i]);
		}
	free(v);
}

/* --merge: the partials, opened before the sandbox. */
static struct stats_merge merging;

/* The counts: from events or merged from partials, written as records or as
 * a partial. */
static int
counts_run(int argc, char **argv)
{
	struct stats_scope sc = { by_names[by], segment, have_since, have_until, have_now,
		since, until, now };
	int status;

	if (merge) {
		status = stats_merge_headers(&merging);
		if (merging.have_scope) {
			struct stats_merge *m = &merging;

			/* What the events were counted with is the partials'. */
			sc = m->scope;
			for (by = BY_DOMAIN; strcmp(by_names[by], sc.by) != 0; by++)
				;
			free(segment);
			segment = sc.segment;
			m->scope.segment = NULL;
			have_since = sc.have_since;
			have_until = sc.have_until;
			have_now = sc.have_now;
			since = sc.since;
			until = sc.until;
			now = sc.now;
			if (!with_advice() && advice_opts) {
				util_warnx("-C, -K and -W do not apply to partials by %s", sc.by);
				stats_merge_free(m);
				stats_set_free(&set);
				return BK_ERR;
			}
			/* The window is known before the recipients are merged:
			 * they are counted in it, not kept. */
			settle_now();
			status = input_worse(status, stats_merge_run(m, partial, now, window));
		}
		stats_merge_free(&merging);
	} else {
		event_reader_init(&reader);
		status = input_run(argc, argv, record, NULL);
		event_reader_free(&reader);
	}
	if (partial) {
		if (stats_partial_write(stdout, &set, &sc) != 0 || fflush(stdout) != 0) {
			util_warn("write error on standard output");
			status = BK_ERR;
		}
	} else {
		output();
	}
	stats_set_free(&set);
	return status;
}

/* --recovery: the records, largest first, or a table. */
static void
recovery_print(struct recovery_group **v, size_t n)
{
	if (table) {
		stats_table_recovery(v, n, &rec, now);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (recovery_write(stdout, &rec, v[i], now, 0) != 0) {
			util_warn("write error on standard output");
			exit(BK_ERR);
		}
}

/* --recovery: the events on top of --state, the records (the reference time
 * as for the advice), then the state replaced under its lock. */
static int
recovery_run(int argc, char **argv)
{
	struct recovery_group **v;
	size_t n;
	int status = BK_OK, fatal, lock = -1;

	recovery_init(&rec, by == BY_RHOST, recovery_window);
	if (state) {
		if ((lock = afile_lock(state, 0)) == -1)
			return BK_ERR;
		status = recovery_load(&rec, state, &fatal);
		if (fatal) {
			util_warnx("%s: state not read, nothing changed", state);
			afile_unlock(lock);
			recovery_free(&rec);
			return BK_ERR;
		}
	}
	sandbox_enter_reading(argc, argv);
	event_reader_init(&reader);
	status = input_worse(status, input_run(argc, argv, record, NULL));
	event_reader_free(&reader);
	if (!have_now) {
		time_t clock = time(NULL);

		now = have_until ? until : rec.latest != INT64_MIN && rec.latest < clock ?
		    (time_t)rec.latest : clock;
	}
	recovery_finish(&rec, now);
	v = recovery_sorted(&rec, &n);
	recovery_print(v, top > 0 && (size_t)top < n ? (size_t)top : n);
	free(v);
	if (state) {
		/* The records are out before the state moves on. */
		if (fflush(stdout) != 0 || ferror(stdout)) {
			util_warn("write error on standard output; %s left as it was", state);
			exit(BK_ERR);
		}
		if (recovery_save(&rec, state, now) != 0) {
			util_warnx("%s: left as it was", state);
			status = BK_ERR;
		}
		afile_unlock(lock);
	}
	recovery_free(&rec);
	return status;
}

/* --segment: a comma list of reason names. */
static void
parse_segment(const struct opt *o, char *arg)
{
	size_t n = 1;
	char *p, *tok, *save = NULL;

	for (p = arg; *p; p++)
		n += *p == ',';
	free(segment);
	segment = util_xcalloc(n + 1, sizeof *segment);
	n = 0;
	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct reason_desc *r = reason_describe(tok);

		if (r == NULL)
			opt_fail(o, "unknown reason: %s (see bouncekit-records(5))", tok);
		segment[n++] = r->name;
	}
	if (n == 0)
		opt_fail(o, "--segment needs at least one reason");
}

/* Long options without a letter. */
enum { O_RECOVERY = 1, O_RECOVERY_WINDOW, O_PARTIAL, O_MERGE };

static void
options(int *argcp, char ***argvp)
{
	/* Long only; the letters' long names are opt.c's. */
	static const struct option longonly[] = {
		{ "merge", no_argument, NULL, O_MERGE },
		{ AFILE_NO_STRICT_OPTION, no_argument, NULL, AFILE_NO_STRICT_VAL },
		{ "partial", no_argument, NULL, O_PARTIAL },
		{ "recovery", no_argument, NULL, O_RECOVERY },
		{ "recovery-window", required_argument, NULL, O_RECOVERY_WINDOW },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const bys[] = { "domain", "rhost", "status", "reason", "day", NULL };
	static const char *const tables[] = { "jsonl", "table", NULL };
	char why[32];
	struct opt o;
	int ch;

	opt_init(&o, *argcp, *argvp, "A:b:C:f:G:hK:n:s:t:u:VvW:", longonly, usage);
	while ((ch = opt_next(&o)) != -1) {
		switch (ch) {
		case 'A': since = opt_time(&o, optarg); break;
		case 'b': by = (enum by)opt_choice(&o, optarg, bys); break;
		case 'C': recurring_days = opt_count(&o, optarg, 1, 100000); break;
		case 'f': table = opt_choice(&o, optarg, tables); break;
		case 'G': parse_segment(&o, optarg); break;
		case 'h': help(); break;
		case 'K': throttle_min = opt_count(&o, optarg, 1, 1000000000); break;
		case O_MERGE: merge = 1; break;
		case 'n': now = opt_time(&o, optarg); break;
		case O_PARTIAL: partial = 1; break;
		case O_RECOVERY: recovery_mode = 1; break;
		case O_RECOVERY_WINDOW:
			recovery_window = opt_duration(&o, optarg, 1);
			break;
		case 's':
			state = optarg;
			sandbox_allow_path(optarg, SANDBOX_READ);
			break;
		case 't': top = opt_count(&o, optarg, 1, 1000000000); break;
		case 'u': until = opt_time(&o, optarg); break;
		case 'v': verbose = 1; break;
		case 'W': window = opt_duration(&o, optarg, 1); break;
		default: usage();
		}
	}
	have_since = opt_given(&o, 'A');
	have_until = opt_given(&o, 'u');
	have_now = opt_given(&o, 'n');
	if (partial)
		opt_reject(&o, "CftKW", "with --partial (give it to --merge)");
	if (merge)
		opt_reject(&o, "AbGnu", "with --merge (the partials were counted with theirs)");
	if (recovery_mode) {
		opt_reject(&o, "CGKW\003\004", "with --recovery");
		if (by != BY_DOMAIN && by != BY_RHOST)
			opt_fail(&o, "--recovery: --by domain or rhost");
		if (state == NULL)
			opt_reject(&o, AFILE_NO_STRICT_LETTER, "without --state");
	} else {
		opt_reject(&o, "s\002" AFILE_NO_STRICT_LETTER, "without --recovery");
	}
	if (segment) {
		opt_reject(&o, "b", "with --segment (it groups by recipient)");
		by = BY_RCPT;
	}
	/* Advice is given per domain and per server only. */
	snprintf(why, sizeof why, segment ? "with --segment" : "to --by %s", by_names[by]);
	advice_opts = opt_given(&o, 'C') || opt_given(&o, 'K') || opt_given(&o, 'W');
	if (!with_advice() && !merge)
		opt_reject(&o, "CKW", why);
	*argcp = opt_argc(&o);
	*argvp = opt_argv(&o);
	opt_free(&o);
}

int
main(int argc, char *argv[])
{
	int status;

	util_setprogname(argv[0]);
	while (reason_table[nreasons].name)
		nreasons++;
	options(&argc, &argv);
	if (recovery_mode) {
		status = recovery_run(argc, argv);
	} else {
		if (merge)
			stats_merge_open(&merging, &set, argc, argv);
		sandbox_enter_reading(argc, argv);
		status = counts_run(argc, argv);
	}
	free(segment);
	if (verbose)
		sandbox_report();
	return util_close_stdout(status);
}
