/* plan: the rules that move a plan on when an event arrives or time passes. */
#include "plan.h"
#include "hmap.h"
#include "bktime.h"
#include "reason.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a, then a final mix so that the low bits are usable as table index. */
static uint64_t
hash_bytes(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t
hash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* --- fingerprints and Message-IDs --- */

/* Idempotence with bounded memory: the fingerprints of the newest events,
 * and a horizon at the time of the newest one that had to be forgotten.
 * Anything at or before the horizon was seen (or is too old to matter). */
static uint32_t
clamp_time(int64_t t)
{
	return t < 0 ? 0 : t > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

static int
seen_has(const struct plan *p, uint32_t fp, int64_t t)
{
	if (p->seen_upto != PLAN_NOTIME && t <= p->seen_upto)
		return 1;
	for (unsigned i = 0; i < p->nseen; i++)
		if (p->seen[i] == fp && p->seen_time[i] == clamp_time(t))
			return 1;
	return 0;
}

static void
seen_add(struct plan *p, uint32_t fp, int64_t t)
{
	unsigned oldest = 0;
	uint32_t ct = clamp_time(t);

	if (p->nseen < PLAN_SEEN) {
		p->seen[p->nseen] = fp;
		p->seen_time[p->nseen++] = ct;
		return;
	}
	for (unsigned i = 1; i < PLAN_SEEN; i++)
		if (p->seen_time[i] < p->seen_time[oldest])
			oldest = i;
	if (ct <= p->seen_time[oldest]) {
		/* Older than all kept: it moves the horizon itself. */
		if (p->seen_upto == PLAN_NOTIME || t > p->seen_upto)
			p->seen_upto = t;
		return;
	}
	if (p->seen_upto == PLAN_NOTIME || (int64_t)p->seen_time[oldest] > p->seen_upto)
		p->seen_upto = p->seen_time[oldest];
	p->seen[oldest] = fp;
	p->seen_time[oldest] = ct;
}

static uint32_t
fingerprint(const struct event *e)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	int64_t t = e->time;
	const char *id = e->qid ? e->qid : e->msgid;

	h = hash_bytes(h, e->rcpt, strlen(e->rcpt) + 1);
	h = hash_bytes(h, e->action, strlen(e->action) + 1);
	h = hash_bytes(h, &t, sizeof t);
	h = hash_bytes(h, e->status, strlen(e->status) + 1);
	if (id)
		h = hash_bytes(h, id, strlen(id) + 1);
	h = hash_mix(h);
	return (uint32_t)(h ^ (h >> 32));
}

static int
msgid_has(const struct plan *p, const char *id)
{
	const char *m = p->msgids;

	for (unsigned i = 0; i < p->nmsgids; i++, m += strlen(m) + 1)
		if (strcmp(m, id) == 0)
			return 1;
	return 0;
}

/* Appends id, dropping the oldest beyond PLAN_MSGIDS. */
void
plan_msgid_add(struct plan *p, const char *id)
{
	size_t old = 0, skip = 0, n;
	const char *m = p->msgids;
	char *nm;

	if (id == NULL || *id == '\0' || msgid_has(p, id))
		return;
	n = strlen(id) + 1;
	for (unsigned i = 0; i < p->nmsgids; i++, m += strlen(m) + 1)
		old += strlen(m) + 1;
	if (p->nmsgids == PLAN_MSGIDS) {
		skip = strlen(p->msgids) + 1;
		p->nmsgids--;
	}
	nm = util_xmalloc(old - skip + n);
	if (old > skip)
		memcpy(nm, p->msgids + skip, old - skip);
	memcpy(nm + old - skip, id, n);
	free(p->msgids);
	p->msgids = nm;
	p->nmsgids++;
}

/* --- the rules --- */

static int64_t
max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static void
set_state(struct plan *p, int state, const struct plan_opts *o)
{
	p->state = (uint8_t)state;
	p->since = o->now;
}

static const struct policy_rule *
rematch(struct plan_set *s, struct plan *p, const struct plan_opts *o)
{
	const struct policy_rule *r = policy_match(o->policy, plan_domain(p), p->reason, p->status);

	p->rule = plan_intern(s, r->name);
	p->max_attempts = (uint8_t)r->retries;
	p->pause = (uint32_t)(r->pause > UINT32_MAX ? UINT32_MAX : r->pause);
	return r;
}

/* The retry times of an adaptive rule for p, each counted from a first
 * bounce: from the domain's recovery figures when there are enough of them
 * (returns 1, *ep set), else the fallback schedule's (0). */
static int
adaptive_times(const struct plan *p, const struct policy_rule *r, const struct plan_opts *o,
    long long *at, const struct recovery_entry **ep)
{
	const struct recovery_entry *e = o->recovery && p->reason ?
	    recovery_table_find(o->recovery, plan_domain(p), p->reason) : NULL;
	long long sum = 0;

	*ep = e;
	if (e && e->recovered >= (unsigned long long)r->observations && e->median >= 0) {
		long long q[POLICY_MAX_RETRIES + 1];

		for (int k = 0; k < r->retries; k++)
			q[k] = recovery_round(recovery_entry_quantile(e, policy_adaptive_level(k)));
		policy_adaptive_times(r, q, at);
		return 1;
	}
	for (int k = 0; k < r->retries; k++)
		at[k] = sum += policy_gap(r, (unsigned)k, 0);
	return 0;
}

/* An adaptive rule: the retry from the domain's recovery figures when there
 * are enough of them (counted from the first bounce, never sooner than min
 * after the last attempt), else the fallback gap already in next_retry. The
 * plan keeps which, the figures in words and when each retry falls due, for
 * its record. */
static void
adaptive(struct plan_set *s, struct plan *p, const struct policy_rule *r, int64_t t,
    const struct plan_opts *o)
{
	const struct recovery_entry *e;
	long long at[POLICY_MAX_RETRIES + 1];
	int use = adaptive_times(p, r, o, at, &e);
	unsigned long long seen = e ? e->recovered : 0;
	struct util_buf b = {0};
	char d1[64], d2[64], line[512];
	const char *kind = p->reason ? p->reason : "undefined";

	if (use) {
		long long p90 = e->p90 >= 0 ? e->p90 : e->median;

		p->next_retry = max64(max64(p->first_bounce + at[p->attempts],
		    p->last_attempt + r->amin), t);
		snprintf(line, sizeof line, "%llu recoveries from %s: median %s, 90%% within %s, "
		    "%.1f%% never", seen, kind, recovery_format_duration(e->median, d1, sizeof d1),
		    recovery_format_duration(p90, d2, sizeof d2), e->never_share > 0 ?
		    e->never_share * 100.0 : 0.0);
	} else {
		snprintf(line, sizeof line, "%llu recoveries from %s, %d needed: the fallback "
		    "schedule", seen, kind, r->observations);
	}
	p->basis = plan_intern(s, line);
	p->sched = use ? PLAN_SCHED_ADAPTIVE : PLAN_SCHED_FALLBACK;
	for (int k = 0; k < r->retries; k++) {
		if (k)
			util_buf_addc(&b, ',');
		util_buf_adds(&b, recovery_format_duration(at[k], d1, sizeof d1));
	}
	p->retry_at = plan_intern(s, util_buf_str(&b));
	util_buf_free(&b);
}

/* The retry handed out was refused for the rate (speeding, toomanyconn): the
 * server is up but takes no more just now, which says nothing of the
 * recipient, so it is no attempt. It goes again in one to two hours (spread
 * by recipient, so that the refused do not come back all at once), no
 * sooner than an adaptive rule's min. */
static void
refuse(struct plan_set *s, struct plan *p, int64_t t, const struct plan_opts *o)
{
	const struct policy_rule *r = rematch(s, p, o);
	uint64_t rnd = hash_mix(hash_bytes(o->seed ^ 0x51afd7ed558ccd1dULL, p->rcpt,
	    strlen(p->rcpt)) + p->refused);
	long long wait = 3600 + (long long)(rnd % 3600);
	char when[BKTIME_BUFSZ], line[160];

	if (p->attempts > 0)
		p->attempts--;
	p->refused++;
	p->claimed_at = PLAN_NOTIME;
	if (r->kind == POLICY_ADAPTIVE) {
		if (wait < r->amin)
			wait = r->amin;
		p->sched = PLAN_SCHED_RECOVERED;
		snprintf(line, sizeof line, "the retry was refused for the rate at %s: the "
		    "server is up", bktime_format((time_t)t, when));
		p->basis = plan_intern(s, line);
	}
	p->next_retry = t + wait;
	set_state(p, PLAN_WAITING, o);
}

/* Schedules the retry after p->attempts retries, answering a bounce at t;
 * exhausted when no retry is left. */
static void
schedule(struct plan_set *s, struct plan *p, int64_t t, const struct plan_opts *o,
    struct plan_stats *st)
{
	const struct policy_rule *r = rematch(s, p, o);
	uint64_t rnd = hash_mix(hash_bytes(o->seed ^ 0x9e3779b97f4a7c15ULL, p->rcpt,
	    strlen(p->rcpt)) + p->attempts);
	long long gap = policy_gap(r, p->attempts, rnd);

	p->claimed_at = PLAN_NOTIME;
	p->sched = PLAN_SCHED_NONE;
	p->basis = p->retry_at = NULL;
	if (gap < 0) {
		p->next_retry = PLAN_NOTIME;
		set_state(p, PLAN_EXHAUSTED, o);
		st->exhausted++;
		return;
	}
	p->next_retry = max64(p->last_attempt + gap, t);
	if (r->kind == POLICY_ADAPTIVE)
		adaptive(s, p, r, t, o);
	set_state(p, PLAN_WAITING, o);
}

/* A hard bounce: no rule applies, no retry. */
static void
fail(struct plan *p, const struct plan_opts *o)
{
	p->rule = NULL;
	p->max_attempts = 0;
	p->pause = 0;
	p->next_retry = p->claimed_at = PLAN_NOTIME;
	set_state(p, PLAN_FAILED, o);
}

static void
take_details(struct plan_set *s, struct plan *p, const struct event *e)
{
	p->status = e->status[0] ? plan_intern(s, e->status) : NULL;
	p->reason = plan_intern(s, e->reason);
}

static void
open_plan(struct plan_set *s, struct plan *p, const struct event *e, int hard,
    const struct plan_opts *o)
{
	int64_t t = e->time;
	uint32_t delays = p->delays;

	/* A plan that starts over keeps its fingerprints: the old events stay seen. */
	uint32_t seen[PLAN_SEEN], seen_time[PLAN_SEEN];
	uint8_t nseen = p->nseen;
	int64_t upto = p->seen_upto;

	memcpy(seen, p->seen, sizeof seen);
	memcpy(seen_time, p->seen_time, sizeof seen_time);
	plan_reset(p);
	memcpy(p->seen, seen, sizeof seen);
	memcpy(p->seen_time, seen_time, sizeof seen_time);
	p->nseen = nseen;
	p->seen_upto = upto;
	p->delays = delays;
	take_details(s, p, e);
	p->first_bounce = p->last_bounce = p->last_attempt = p->last_event = t;
	p->from = plan_intern(s, e->from);
	if (e->msgid)
		plan_msgid_add(p, e->msgid);
	s->stats.opened++;
	if (hard) {
		fail(p, o);
		s->stats.failed++;
		return;
	}
	schedule(s, p, t, o, &s->stats);
}

int
plan_apply(struct plan_set *s, const struct event *e, const struct plan_opts *o)
{
	struct plan *p = plan_find_any(s, e->rcpt);
	int64_t t = e->time;
	uint32_t fp = fingerprint(e);
	int delivery = 0, delay = 0, hard = 0, fresh, refusal;

	s->stats.events++;
	/* A complaint stops sending (suppress); there is nothing to retry. */
	if (strcmp(e->action, "complained") == 0) {
		s->stats.ignored++;
		return 0;
	}
	if (s->input_first == PLAN_NOTIME || t < s->input_first)
		s->input_first = t;
	if (s->input_last == PLAN_NOTIME || t > s->input_last)
		s->input_last = t;
	if (strcmp(e->action, "failed") == 0)
		hard = e->class && strcmp(e->class, "hard") == 0;
	else if (strcmp(e->action, "delayed") == 0)
		delay = !o->plan_delayed;
	else
		delivery = 1;	/* delivered, relayed, expanded */
	if (delivery && e->domain) {
		/* The domain takes mail: the adaptive plans waiting on it may go. */
		int added;
		struct hmap_entry *he = hmap_put(&s->domain_back, e->domain, strlen(e->domain),
		    &added);

		if (added || t > he->num)
			he->num = t;
		hmap_put(&s->domain_took, e->domain, strlen(e->domain), NULL)->num++;
	}
	fresh = p == NULL || (p->flags & PLAN_F_REMOVED);
	if (fresh) {
		if (delivery) {
			s->stats.ignored++;
			return 0;
		}
		if (delay) {
			s->stats.delays_unplanned++;
			return 0;
		}
		if (p == NULL) {
			p = plan_new(s, e->rcpt, e->domain);
		} else {
			/* Expired in this run: a new plan in its place. */
			p->nseen = 0;
			p->seen_upto = PLAN_NOTIME;
			p->delays = 0;
		}
		seen_add(p, fp, t);
		open_plan(s, p, e, hard, o);
		p->flags = PLAN_F_CHANGED;
		return 1;
	}
	if ((delay || delivery) && t < p->first_bounce) {
		s->stats.ignored++;	/* before this plan began: not about it */
		return 0;
	}
	if (seen_has(p, fp, t)) {
		s->stats.duplicates++;
		return 0;
	}
	seen_add(p, fp, t);
	p->flags |= PLAN_F_CHANGED;
	p->last_event = max64(p->last_event, t);
	if (e->msgid && !delivery)
		plan_msgid_add(p, e->msgid);
	if (p->from == NULL && e->from)
		p->from = plan_intern(s, e->from);
	if (delay) {
		p->delays++;
		s->stats.delays++;
		return 1;
	}
	if (delivery) {
		/* Only a delivery after the newest bounce shows the mailbox works. */
		if (p->state != PLAN_FAILED && p->state != PLAN_RESOLVED && t > p->last_bounce) {
			p->resolved_at = t;
			p->next_retry = p->claimed_at = PLAN_NOTIME;
			set_state(p, PLAN_RESOLVED, o);
			s->stats.resolved++;
		}
		return 1;
	}
	/* A bounce (or a delay treated as one). */
	if (p->state == PLAN_RESOLVED && t > p->resolved_at) {
		open_plan(s, p, e, hard, o);	/* bounced again after it worked */
		p->flags = PLAN_F_CHANGED;
		return 1;
	}
	/* A retry refused for the rate (a bounded number of times) is no bounce
	 * of the recipient's: its details stay those of the bounce before. */
	refusal = !hard && p->state == PLAN_CLAIMED && t >= p->claimed_at && e->reason &&
	    recovery_refusal(e->reason) && p->refused < p->max_attempts;
	if (refusal) {
		refuse(s, p, t, o);
		return 1;
	}
	if (t < p->first_bounce)
		p->first_bounce = t;
	if (t > p->last_bounce) {
		p->last_bounce = t;
		take_details(s, p, e);
	}
	if (hard) {
		if (p->state != PLAN_FAILED && p->state != PLAN_RESOLVED) {
			take_details(s, p, e);
			fail(p, o);
			s->stats.failed++;
		}
		return 1;
	}
	switch (p->state) {
	case PLAN_WAITING:
		/* Another message bounced meanwhile: never retry before it. An older
		 * bounce changes nothing (next_retry is later already). */
		p->next_retry = max64(p->next_retry, t);
		break;
	case PLAN_CLAIMED:
		if (t >= p->claimed_at) {
			/* The retry handed out bounced: the next gap from that retry. */
			p->last_attempt = p->claimed_at;
			schedule(s, p, t, o, &s->stats);
		}
		break;
	default:
		break;	/* exhausted and failed stay */
	}
	return 1;
}

int
plan_waits_on_server(const struct plan *p)
{
	return (p->sched == PLAN_SCHED_ADAPTIVE || p->sched == PLAN_SCHED_FALLBACK) &&
	    p->reason && !recovery_rcpt_scope(p->reason) && !recovery_refusal(p->reason);
}

/* The adaptive rule of a plan that waits on its server, or NULL. */
static const struct policy_rule *
server_rule(const struct plan *p, const struct plan_opts *o)
{
	const struct policy_rule *r;

	if (p->state != PLAN_WAITING || (p->flags & PLAN_F_REMOVED) || !plan_waits_on_server(p))
		return NULL;
	r = policy_match(o->policy, plan_domain(p), p->reason, p->status);
	return r && r->kind == POLICY_ADAPTIVE ? r : NULL;
}

struct release {
	struct plan *p;
	const struct policy_rule *r;
	int64_t back;		/* the domain's newest delivery */
};

static int
release_cmp(const void *a, const void *b)
{
	const struct release *x = a, *y = b;
	int c = strcmp(plan_domain(x->p), plan_domain(y->p));

	if (c)
		return c;
	if (x->p->first_bounce != y->p->first_bounce)
		return x->p->first_bounce < y->p->first_bounce ? -1 : 1;
	return strcmp(x->p->rcpt, y->p->rcpt);
}

/* The domains that took mail again: their waiting plans are released, at
 * the rate each domain took mail in the input, after those released before
 * and not yet out. */
static void
release(struct plan_set *s, const struct plan_opts *o)
{
	struct release *rel = NULL;
	struct hmap out = HMAP_INIT;	/* domain -> released plans still to go */
	size_t n = 0;
	int64_t span = s->input_last != PLAN_NOTIME ? s->input_last - s->input_first : 0;
	char when[BKTIME_BUFSZ], line[160];

	if (s->domain_back.count == 0)
		return;
	for (size_t i = 0; i < s->n; i++) {
		struct plan *p = plan_at(s, i);
		const struct policy_rule *r;
		struct hmap_entry *he;

		if (p->state == PLAN_WAITING && p->sched == PLAN_SCHED_RECOVERED &&
		    !(p->flags & PLAN_F_REMOVED) && p->next_retry > (int64_t)o->now) {
			hmap_put(&out, plan_domain(p), strlen(plan_domain(p)), NULL)->num++;
			continue;
		}
		if ((r = server_rule(p, o)) == NULL ||
		    (he = hmap_get(&s->domain_back, plan_domain(p), strlen(plan_domain(p)))) == NULL ||
		    he->num <= p->last_bounce || he->num <= p->last_attempt)
			continue;
		rel = util_xreallocarray(rel, n + 1, sizeof *rel);
		rel[n++] = (struct release){ p, r, he->num };
	}
	if (n > 0)
		qsort(rel, n, sizeof *rel, release_cmp);
	for (size_t i = 0, k = 0; i < n; i++, k++) {
		struct plan *p = rel[i].p;
		/* k: the plan's slot at its domain. */
		const char *d = plan_domain(p);
		struct hmap_entry *he;
		long long rate;
		int64_t t;

		if (i == 0 || strcmp(d, plan_domain(rel[i - 1].p)) != 0) {
			/* A new domain: its slots after those taken. */
			he = hmap_get(&out, d, strlen(d));
			k = he ? (size_t)he->num : 0;
		}
		he = hmap_get(&s->domain_took, d, strlen(d));
		rate = he ? he->num * 3600 / (span > 3600 ? span : 3600) : 0;
		if (rate < PLAN_RELEASE_MIN)
			rate = PLAN_RELEASE_MIN;
		/* A slot even for a plan due sooner by its own schedule: all the
		 * released go at the rate. */
		t = max64(rel[i].back + (int64_t)k * 3600 / rate, p->last_attempt + rel[i].r->amin);
		p->next_retry = t;
		p->sched = PLAN_SCHED_RECOVERED;
		snprintf(line, sizeof line, "%s took mail again at %s", d,
		    bktime_format((time_t)rel[i].back, when));
		p->basis = plan_intern(s, line);
		p->flags |= PLAN_F_CHANGED;
	}
	free(rel);
	hmap_free(&out, NULL);
}

/* A domain still full, as its plans show: when its outage began (the
 * earliest first bounce) and when it was last seen full (the newest bounce). */
struct outage {
	int64_t since, seen;
	const struct policy_rule *r;	/* the rule of at, NULL until computed */
	long long at[POLICY_MAX_RETRIES + 1];
};

/* The plans of domains still full retry together, at the retry times counted
 * from the outage's beginning, each the first after the newest bounce there;
 * past the last one (counted from the plan's own first bounce), the plan is
 * exhausted. */
static void
align(struct plan_set *s, const struct plan_opts *o)
{
	struct hmap outages = HMAP_INIT;	/* "domain\treason" -> struct outage */
	struct util_buf key = {0};

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < s->n; i++) {
			struct plan *p = plan_at(s, i);
			const struct recovery_entry *e;
			const struct policy_rule *r;
			const long long *at;
			struct hmap_entry *he;
			struct outage *out;
			int64_t next = PLAN_NOTIME;
			int n, j, added;

			if ((p->flags & PLAN_F_REMOVED) || !plan_waits_on_server(p) ||
			    (p->state != PLAN_WAITING && p->state != PLAN_CLAIMED))
				continue;
			util_buf_reset(&key);
			util_buf_adds(&key, plan_domain(p));
			util_buf_addc(&key, '\t');
			util_buf_adds(&key, p->reason);
			if (pass == 0) {
				/* The retries out count: they are the outage's too. */
				he = hmap_put(&outages, key.p, key.len, &added);
				if (added) {
					he->val = out = util_xcalloc(1, sizeof *out);
					out->since = p->first_bounce;
					out->seen = p->last_bounce;
				}
				out = he->val;
				out->since = p->first_bounce < out->since ? p->first_bounce : out->since;
				out->seen = max64(out->seen, p->last_bounce);
				continue;
			}
			if ((r = server_rule(p, o)) == NULL)
				continue;
			out = hmap_get(&outages, key.p, key.len)->val;
			n = r->retries;
			if (p->attempts >= n)
				continue;
			if (out->r != r) {
				/* The figures are the domain's: once a group. */
				adaptive_times(p, r, o, out->at, &e);
				out->r = r;
			}
			at = out->at;
			for (j = p->attempts; j < n; j++) {
				int64_t rung = j < n - 1 ? out->since + at[j] : p->first_bounce + at[j];

				if (rung > out->seen) {
					next = max64(rung, p->last_attempt + r->amin);
					break;
				}
			}
			if (next == PLAN_NOTIME) {
				char when[BKTIME_BUFSZ], line[160];

				snprintf(line, sizeof line, "%s was full still at %s, past the last "
				    "retry time", plan_domain(p), bktime_format((time_t)out->seen,
				    when));
				p->basis = plan_intern(s, line);
				p->next_retry = PLAN_NOTIME;
				set_state(p, PLAN_EXHAUSTED, o);
				s->stats.exhausted++;
				p->flags |= PLAN_F_CHANGED;
			} else if (next != p->next_retry) {
				p->next_retry = next;
				p->flags |= PLAN_F_CHANGED;
			}
		}
	}
	util_buf_free(&key);
	hmap_free(&outages, free);
}

void
plan_domains_back(struct plan_set *s, const struct plan_opts *o)
{
	release(s, o);
	align(s, o);
}

int64_t
plan_due_time(const struct plan *p, const struct plan_opts *o)
{
	if (p->flags & PLAN_F_REMOVED)
		return PLAN_NOTIME;
	if (p->state == PLAN_WAITING)
		return p->next_retry;
	/* A claim that nothing confirmed (no event since): the resend may never
	 * have happened. Hand it out again, within the retries allowed. */
	if (p->state == PLAN_CLAIMED && p->last_event < p->claimed_at &&
	    p->attempts < p->max_attempts)
		return p->claimed_at + o->claim_timeout;
	return PLAN_NOTIME;
}

int
plan_is_due(const struct plan *p, const struct plan_opts *o)
{
	int64_t t = plan_due_time(p, o);

	return t != PLAN_NOTIME && t <= (int64_t)o->now;
}

void
plan_claim(struct plan *p, const struct plan_opts *o)
{
	if (p->state == PLAN_CLAIMED)
		p->last_attempt = p->claimed_at;
	if (p->attempts < 255)
		p->attempts++;
	p->claimed_at = o->now;
	p->next_retry = PLAN_NOTIME;
	set_state(p, PLAN_CLAIMED, o);
	p->flags |= PLAN_F_CHANGED;
}

int64_t
plan_expiry(const struct plan *p, const struct plan_opts *o)
{
	switch (p->state) {
	case PLAN_RESOLVED:
	case PLAN_FAILED:
		return p->since + o->keep;
	case PLAN_EXHAUSTED:
		return p->since + p->pause;
	default:
		return PLAN_NOTIME;
	}
}

void
plan_age(struct plan_set *s, const struct plan_opts *o)
{
	int64_t now = o->now;

	for (size_t i = 0; i < s->n; i++) {
		struct plan *p = plan_at(s, i);
		int64_t x;

		if (p->flags & PLAN_F_REMOVED)
			continue;
		if (p->state == PLAN_CLAIMED) {
			int64_t quiet = max64(p->claimed_at, p->last_event);

			if (now >= quiet + o->resolve_after) {
				p->resolved_at = quiet;
				p->claimed_at = PLAN_NOTIME;
				set_state(p, PLAN_RESOLVED, o);
				p->flags |= PLAN_F_CHANGED;
				s->stats.resolved++;
			}
		}
		if ((x = plan_expiry(p, o)) != PLAN_NOTIME && now >= x) {
			p->flags |= PLAN_F_REMOVED;
			p->flags &= (uint8_t)~PLAN_F_CHANGED;
		}
	}
}
