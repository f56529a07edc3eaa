#include "plan.h"
#include "opt.h"
#include "hmap.h"
#include "afile.h"
#include "bktime.h"
#include "flatjson.h"
#include "jsonl.h"
#include "reason.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK_PLANS 4096
#define ARENA_CHUNK (1 << 20)

static const char *const state_names[] = { "waiting", "claimed", "exhausted", "resolved",
	"failed" };

const char *
plan_state_name(int state)
{
	return state >= 0 && state <= PLAN_FAILED ? state_names[state] : "?";
}

static int
state_from_name(const char *s)
{
	for (int i = 0; i <= PLAN_FAILED; i++)
		if (strcmp(s, state_names[i]) == 0)
			return i;
	return -1;
}

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

static uint64_t
hash_str(const char *s)
{
	/* Recipients come from bounces, written by strangers: a keyed hash, so
	 * that crafted addresses cannot pile up on one probe sequence. */
	return hmap_hash(s, strlen(s));
}

void
plan_set_init(struct plan_set *s)
{
	memset(s, 0, sizeof *s);
	s->input_first = s->input_last = PLAN_NOTIME;
}

static void *
arena_alloc(struct plan_set *s, size_t n)
{
	char *p;

	n = (n + 7) & ~(size_t)7;
	if (n > s->arena_left) {
		size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;

		s->arena = util_xreallocarray(s->arena, s->narena + 1, sizeof *s->arena);
		s->arena[s->narena++] = s->arena_pos = util_xmalloc(size);
		s->arena_left = size;
	}
	p = s->arena_pos;
	s->arena_pos += n;
	s->arena_left -= n;
	return p;
}

static char *
arena_strdup(struct plan_set *s, const char *str)
{
	size_t n = strlen(str) + 1;

	return memcpy(arena_alloc(s, n), str, n);
}

/* One copy of each string that repeats across plans. */
static const char *
intern(struct plan_set *s, const char *str)
{
	struct plan_intern *t = &s->strings;
	size_t i;

	if (str == NULL)
		return NULL;
	if (t->used * 2 >= t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 256;
		const char **ns = util_xcalloc(ncap, sizeof *ns);

		for (size_t j = 0; j < t->cap; j++) {
			if (t->slots[j] == NULL)
				continue;
			for (i = hash_str(t->slots[j]) & (ncap - 1); ns[i]; i = (i + 1) & (ncap - 1))
				;
			ns[i] = t->slots[j];
		}
		free(t->slots);
		t->slots = ns;
		t->cap = ncap;
	}
	for (i = hash_str(str) & (t->cap - 1); t->slots[i]; i = (i + 1) & (t->cap - 1))
		if (strcmp(t->slots[i], str) == 0)
			return t->slots[i];
	t->used++;
	return t->slots[i] = arena_strdup(s, str);
}

void
plan_set_free(struct plan_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(plan_at(s, i)->msgids);
	for (size_t i = 0; i < s->nblocks; i++)
		free(s->blocks[i]);
	free(s->blocks);
	free(s->slots);
	free(s->strings.slots);
	hmap_free(&s->domain_back, NULL);
	hmap_free(&s->domain_took, NULL);
	for (size_t i = 0; i < s->narena; i++)
		free(s->arena[i]);
	free(s->arena);
	for (size_t i = 0; i < s->nbad; i++)
		free(s->bad[i]);
	free(s->bad);
	memset(s, 0, sizeof *s);
}

struct plan *
plan_at(const struct plan_set *s, size_t i)
{
	return &s->blocks[i / BLOCK_PLANS][i % BLOCK_PLANS];
}

static size_t
slot_find(const struct plan_set *s, const char *rcpt, uint64_t h)
{
	uint64_t tag = h >> 32;
	size_t i;

	for (i = tag & (s->cap - 1); s->slots[i]; i = (i + 1) & (s->cap - 1))
		if ((s->slots[i] >> 32) == tag &&
		    strcmp(plan_at(s, (s->slots[i] & 0xffffffffU) - 1)->rcpt, rcpt) == 0)
			break;
	return i;
}

static struct plan *
find_any(const struct plan_set *s, const char *rcpt)
{
	size_t i;

	if (s->cap == 0)
		return NULL;
	i = slot_find(s, rcpt, hash_str(rcpt));
	return s->slots[i] ? plan_at(s, (s->slots[i] & 0xffffffffU) - 1) : NULL;
}

struct plan *
plan_find(const struct plan_set *s, const char *rcpt)
{
	struct plan *p = find_any(s, rcpt);

	return p && !(p->flags & PLAN_F_REMOVED) ? p : NULL;
}

static void
grow_table(struct plan_set *s)
{
	size_t ncap = s->cap ? s->cap * 2 : 1024;
	uint64_t *ns = util_xcalloc(ncap, sizeof *ns);

	for (size_t j = 0; j < s->cap; j++) {
		uint64_t v = s->slots[j];
		size_t i;

		if (v == 0)
			continue;
		/* The slot comes from the stored tag: no string is hashed again. */
		i = (size_t)(v >> 32) & (ncap - 1);
		while (ns[i])
			i = (i + 1) & (ncap - 1);
		ns[i] = v;
	}
	free(s->slots);
	s->slots = ns;
	s->cap = ncap;
}

static void
plan_clear(struct plan *p)
{
	const char *rcpt = p->rcpt;
	uint16_t off = p->domain_off;

	free(p->msgids);
	memset(p, 0, sizeof *p);
	p->rcpt = rcpt;
	p->domain_off = off;
	p->first_bounce = p->last_bounce = p->last_attempt = p->next_retry = PLAN_NOTIME;
	p->claimed_at = p->resolved_at = p->last_event = p->since = PLAN_NOTIME;
	p->seen_upto = PLAN_NOTIME;
}

/* A new plan for rcpt (which must not have one yet). */
static struct plan *
plan_new(struct plan_set *s, const char *rcpt, const char *domain)
{
	struct plan *p;
	uint64_t h;
	size_t i;

	if ((s->n + 1) * 10 >= s->cap * 7)
		grow_table(s);
	if (s->n == s->nblocks * BLOCK_PLANS) {
		s->blocks = util_xreallocarray(s->blocks, s->nblocks + 1, sizeof *s->blocks);
		s->blocks[s->nblocks++] = util_xmalloc(BLOCK_PLANS * sizeof **s->blocks);
	}
	h = hash_str(rcpt);
	i = slot_find(s, rcpt, h);
	s->slots[i] = (h >> 32) << 32 | (uint64_t)(s->n + 1);
	p = plan_at(s, s->n++);
	p->rcpt = arena_strdup(s, rcpt);
	p->msgids = NULL;
	p->domain_off = (uint16_t)(domain && domain >= rcpt && domain - rcpt < 0xffff ?
	    (size_t)(domain - rcpt) : strlen(rcpt));
	plan_clear(p);
	return p;
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
static void
msgid_add(struct plan *p, const char *id)
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

	p->rule = intern(s, r->name);
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
	p->basis = intern(s, line);
	p->sched = use ? PLAN_SCHED_ADAPTIVE : PLAN_SCHED_FALLBACK;
	for (int k = 0; k < r->retries; k++) {
		if (k)
			util_buf_addc(&b, ',');
		util_buf_adds(&b, recovery_format_duration(at[k], d1, sizeof d1));
	}
	p->retry_at = intern(s, util_buf_str(&b));
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
		p->basis = intern(s, line);
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
	p->status = e->status[0] ? intern(s, e->status) : NULL;
	p->reason = intern(s, e->reason);
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
	plan_clear(p);
	memcpy(p->seen, seen, sizeof seen);
	memcpy(p->seen_time, seen_time, sizeof seen_time);
	p->nseen = nseen;
	p->seen_upto = upto;
	p->delays = delays;
	take_details(s, p, e);
	p->first_bounce = p->last_bounce = p->last_attempt = p->last_event = t;
	p->from = intern(s, e->from);
	if (e->msgid)
		msgid_add(p, e->msgid);
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
	struct plan *p = find_any(s, e->rcpt);
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
		msgid_add(p, e->msgid);
	if (p->from == NULL && e->from)
		p->from = intern(s, e->from);
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
		p->basis = intern(s, line);
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
				p->basis = intern(s, line);
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

static int64_t
expiry(const struct plan *p, const struct plan_opts *o)
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
		if ((x = expiry(p, o)) != PLAN_NOTIME && now >= x) {
			p->flags |= PLAN_F_REMOVED;
			p->flags &= (uint8_t)~PLAN_F_CHANGED;
		}
	}
}

/* --- the record --- */

/* The writer formats by hand into one buffer: millions of records a run. */
struct out {
	char *p;
	size_t len, cap;
};

static char *
out_reserve(struct out *b, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;

		while (cap < b->len + n)
			cap *= 2;
		b->p = util_xrealloc(b->p, cap);
		b->cap = cap;
	}
	return b->p + b->len;
}

static void
out_add(struct out *b, const char *s, size_t n)
{
	memcpy(out_reserve(b, n), s, n);
	b->len += n;
}

#define OUT_LIT(b, lit) out_add((b), (lit), sizeof(lit) - 1)

static void
put_str(struct out *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n;
	char *o;

	if (s == NULL) {
		OUT_LIT(b, "null");
		return;
	}
	n = strlen(s);
	o = out_reserve(b, 6 * n + 2);
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\') {
			*o++ = (char)c;
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\t': *o++ = 't'; break;
		case '\r': *o++ = 'r'; break;
		default:
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
}

/* Keys are literals: their length is known where they are named. */
#define put_key(b, key) put_keyn((b), (key), sizeof(key) - 1)
#define put_time(b, key, t) put_timen((b), (key), sizeof(key) - 1, (t))
#define put_num(b, key, v) put_numn((b), (key), sizeof(key) - 1, (v))
#define put_duration(b, key, secs, null) put_durationn((b), (key), sizeof(key) - 1, (secs), (null))

static void
put_keyn(struct out *b, const char *key, size_t n)
{
	char *o = out_reserve(b, n + 4);

	if (b->len > 1)
		*o++ = ',';
	*o++ = '"';
	memcpy(o, key, n);
	o += n;
	*o++ = '"';
	*o++ = ':';
	b->len = (size_t)(o - b->p);
}

static char *
digits(char *o, unsigned long long v, int width)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width)
		tmp[n++] = '0';
	while (n)
		*o++ = tmp[--n];
	return o;
}

static char *
two(char *o, int v)
{
	o[0] = (char)('0' + v / 10);
	o[1] = (char)('0' + v % 10);
	return o + 2;
}

/* "2026-11-27T10:00:00Z", days to civil date after H. Hinnant. */
static void
put_timen(struct out *b, const char *key, size_t keylen, int64_t t)
{
	int64_t days, secs, z, era, doe, yoe, y, doy, mp, d, m;
	char *o;

	put_keyn(b, key, keylen);
	if (t == PLAN_NOTIME) {
		OUT_LIT(b, "null");
		return;
	}
	days = t / 86400;
	secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	if (y < 0 || y > 9999) {
		char buf[BKTIME_BUFSZ];

		put_str(b, bktime_format((time_t)t, buf));
		return;
	}
	o = out_reserve(b, 24);
	*o++ = '"';
	o = two(o, (int)(y / 100));
	o = two(o, (int)(y % 100));
	*o++ = '-';
	o = two(o, (int)m);
	*o++ = '-';
	o = two(o, (int)d);
	*o++ = 'T';
	o = two(o, (int)(secs / 3600));
	*o++ = ':';
	o = two(o, (int)(secs / 60 % 60));
	*o++ = ':';
	o = two(o, (int)(secs % 60));
	*o++ = 'Z';
	*o++ = '"';
	b->len = (size_t)(o - b->p);
}

static void
put_numn(struct out *b, const char *key, size_t keylen, unsigned long v)
{
	put_keyn(b, key, keylen);
	b->len = (size_t)(digits(out_reserve(b, 24), v, 1) - b->p);
}

static void
put_durationn(struct out *b, const char *key, size_t keylen, long long secs, int null)
{
	/* Plans share a few pauses: remember the last one formatted. */
	static long long last = -1;
	static char buf[64];

	put_keyn(b, key, keylen);
	if (null) {
		OUT_LIT(b, "null");
		return;
	}
	if (secs != last) {
		policy_format_duration(secs, buf, sizeof buf);
		last = secs;
	}
	put_str(b, buf);
}

static void
format_plan(struct out *b, const struct plan *p, const struct plan_opts *o)
{
	static const char hex[] = "0123456789abcdef";
	const char *m = p->msgids;
	char *w;

	b->len = 0;
	OUT_LIT(b, "{");
	put_key(b, "rcpt");
	put_str(b, p->rcpt);
	put_key(b, "domain");
	put_str(b, plan_domain(p));
	put_key(b, "state");
	put_str(b, plan_state_name(p->state));
	put_key(b, "status");
	put_str(b, p->status);
	put_key(b, "reason");
	put_str(b, p->reason);
	put_num(b, "attempts", p->attempts);
	put_num(b, "max_attempts", p->max_attempts);
	put_time(b, "first_bounce", p->first_bounce);
	put_time(b, "last_bounce", p->last_bounce);
	put_time(b, "last_attempt", p->last_attempt);
	put_time(b, "next_retry", p->next_retry);
	put_time(b, "claimed_at", p->claimed_at);
	put_time(b, "resolved_at", p->resolved_at);
	put_key(b, "msgids");
	OUT_LIT(b, "[");
	for (unsigned i = 0; i < p->nmsgids; i++, m += strlen(m) + 1) {
		if (i)
			OUT_LIT(b, ",");
		put_str(b, m);
	}
	OUT_LIT(b, "]");
	put_key(b, "from");
	put_str(b, p->from);
	put_key(b, "rule");
	put_str(b, p->rule);
	if (p->sched != PLAN_SCHED_NONE) {
		const char *a = p->retry_at ? p->retry_at : "";

		put_key(b, "schedule");
		put_str(b, p->sched == PLAN_SCHED_ADAPTIVE ? "adaptive" :
		    p->sched == PLAN_SCHED_RECOVERED ? "recovered" : "fallback");
		put_key(b, "basis");
		put_str(b, p->basis);
		put_key(b, "retry_at");
		OUT_LIT(b, "[");
		while (*a) {
			size_t n = strcspn(a, ",");
			char d[64];

			snprintf(d, sizeof d, "%.*s", (int)n, a);
			put_str(b, d);
			a += n;
			if (*a == ',') {
				OUT_LIT(b, ",");
				a++;
			}
		}
		OUT_LIT(b, "]");
	}
	put_duration(b, "pause", p->pause, p->state == PLAN_FAILED ||
	    p->state == PLAN_RESOLVED);
	put_time(b, "expires", expiry(p, o));
	put_num(b, "delays", p->delays);
	if (p->refused)
		put_num(b, "refused", p->refused);
	put_time(b, "last_event", p->last_event);
	put_time(b, "since", p->since);
	put_time(b, "seen_upto", p->seen_upto);
	put_key(b, "seen");
	w = out_reserve(b, 16 * PLAN_SEEN + 4);
	*w++ = '"';
	for (unsigned i = 0; i < p->nseen; i++) {
		uint64_t v = (uint64_t)p->seen[i] << 32 | p->seen_time[i];

		for (int sh = 60; sh >= 0; sh -= 4)
			*w++ = hex[v >> sh & 15];
	}
	*w++ = '"';
	*w++ = '}';
	*w++ = '\n';
	b->len = (size_t)(w - b->p);
}

int
plan_write(FILE *fp, const struct plan *p, const struct plan_opts *o)
{
	static struct out b;

	format_plan(&b, p, o);
	return fwrite(b.p, 1, b.len, fp) == b.len ? 0 : -1;
}

/* --- reading the state --- */

/* The keys of the plan record, in their order. */
enum {
	K_RCPT, K_DOMAIN, K_STATE, K_STATUS, K_REASON, K_ATTEMPTS, K_MAX_ATTEMPTS,
	K_FIRST_BOUNCE, K_LAST_BOUNCE, K_LAST_ATTEMPT, K_NEXT_RETRY, K_CLAIMED_AT,
	K_RESOLVED_AT, K_MSGIDS, K_FROM, K_RULE, K_SCHEDULE, K_BASIS, K_RETRY_AT, K_PAUSE,
	K_EXPIRES, K_DELAYS, K_REFUSED, K_LAST_EVENT, K_SINCE, K_SEEN_UPTO, K_SEEN, K_NKEYS
};
static const char *const plan_keys[K_NKEYS] = {
	"rcpt", "domain", "state", "status", "reason", "attempts", "max_attempts",
	"first_bounce", "last_bounce", "last_attempt", "next_retry", "claimed_at",
	"resolved_at", "msgids", "from", "rule", "schedule", "basis", "retry_at", "pause",
	"expires", "delays", "refused", "last_event", "since", "seen_upto", "seen",
};

/* RFC 3339 as written by bktime_format ("2026-11-27T10:00:00Z"), quickly;
 * anything else through the general parser. */
static int
parse_time(const char *s, int64_t *out)
{
	size_t n = strlen(s);
	time_t t;

	if (n == 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' &&
	    s[16] == ':' && s[19] == 'Z') {
		int d[6], pos[6] = { 0, 5, 8, 11, 14, 17 }, len[6] = { 4, 2, 2, 2, 2, 2 };
		int ok = 1;

		for (int f = 0; f < 6 && ok; f++) {
			d[f] = 0;
			for (int c = 0; c < len[f]; c++) {
				char ch = s[pos[f] + c];

				if (ch < '0' || ch > '9') {
					ok = 0;
					break;
				}
				d[f] = d[f] * 10 + (ch - '0');
			}
		}
		/* The general parser's range too: no year before 1970. */
		if (ok && d[0] >= 1970 && d[1] >= 1 && d[1] <= 12 && d[2] >= 1 && d[2] <= 31 &&
		    d[3] < 24 && d[4] < 60 && d[5] < 60) {
			static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
			int leap = (d[0] % 4 == 0 && d[0] % 100 != 0) || d[0] % 400 == 0;

			if (d[2] <= mdays[d[1] - 1] + (d[1] == 2 && leap)) {
				*out = bktime_timegm(d[0], d[1], d[2], d[3], d[4], d[5]);
				return 0;
			}
		}
	}
	if (bktime_parse_rfc3339(s, n, &t) != n || n == 0)
		return -1;
	*out = t;
	return 0;
}

static int
get_time(const struct flatjson *fj, int k, int64_t *out, char *why, size_t whylen)
{
	const char *s = flatjson_str(fj, (size_t)k);

	*out = PLAN_NOTIME;
	if (fj->v[k].type == FLATJSON_ABSENT || fj->v[k].type == FLATJSON_NULL)
		return 0;
	if (s == NULL || parse_time(s, out) != 0) {
		*out = PLAN_NOTIME;
		snprintf(why, whylen, "\"%s\" is not a time", plan_keys[k]);
		return -1;
	}
	return 0;
}

static int
get_count(const struct flatjson *fj, int k, long long max, long long *out, char *why,
    size_t whylen)
{
	const struct flatjson_val *v = &fj->v[k];

	*out = 0;
	if (v->type == FLATJSON_ABSENT || v->type == FLATJSON_NULL)
		return 0;
	if (v->type != FLATJSON_INT || v->num < 0 || v->num > max) {
		snprintf(why, whylen, "\"%s\" is not a count", plan_keys[k]);
		return -1;
	}
	*out = v->num;
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
plan_from_flat(struct plan_set *s, const struct flatjson *fj, char *why, size_t whylen)
{
	static const int times[] = { K_FIRST_BOUNCE, K_LAST_BOUNCE, K_LAST_ATTEMPT,
		K_NEXT_RETRY, K_CLAIMED_AT, K_RESOLVED_AT, K_LAST_EVENT, K_SINCE, K_SEEN_UPTO };
	int64_t tv[sizeof times / sizeof times[0]];
	char rcpt[ADDR_MAX];
	const char *str;
	struct plan *p, tmp;
	long long v;
	int dom, st;

	if ((str = flatjson_str(fj, K_RCPT)) == NULL ||
	    (dom = addr_normalize(str, strlen(str), 0, rcpt)) < 0) {
		snprintf(why, whylen, "no valid \"rcpt\"");
		return -1;
	}
	if ((str = flatjson_str(fj, K_STATE)) == NULL || (st = state_from_name(str)) < 0) {
		snprintf(why, whylen, "no valid \"state\"");
		return -1;
	}
	if (find_any(s, rcpt) != NULL) {
		snprintf(why, whylen, "a second plan for %.80s", rcpt);
		return -1;
	}
	memset(&tmp, 0, sizeof tmp);
	tmp.state = (uint8_t)st;
	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++)
		if (get_time(fj, times[i], &tv[i], why, whylen) != 0)
			return -1;
	tmp.first_bounce = tv[0];
	tmp.last_bounce = tv[1];
	tmp.last_attempt = tv[2];
	tmp.next_retry = tv[3];
	tmp.claimed_at = tv[4];
	tmp.resolved_at = tv[5];
	tmp.last_event = tv[6];
	tmp.since = tv[7];
	tmp.seen_upto = tv[8];
	if (tmp.first_bounce == PLAN_NOTIME || tmp.last_bounce == PLAN_NOTIME) {
		snprintf(why, whylen, "no \"first_bounce\" or \"last_bounce\"");
		return -1;
	}
	if (st == PLAN_WAITING && tmp.next_retry == PLAN_NOTIME) {
		snprintf(why, whylen, "a waiting plan without \"next_retry\"");
		return -1;
	}
	if (st == PLAN_CLAIMED && tmp.claimed_at == PLAN_NOTIME) {
		snprintf(why, whylen, "a claimed plan without \"claimed_at\"");
		return -1;
	}
	if (get_count(fj, K_ATTEMPTS, 255, &v, why, whylen))
		return -1;
	tmp.attempts = (uint8_t)v;
	if (get_count(fj, K_MAX_ATTEMPTS, 255, &v, why, whylen))
		return -1;
	tmp.max_attempts = (uint8_t)v;
	if (get_count(fj, K_DELAYS, UINT32_MAX, &v, why, whylen))
		return -1;
	tmp.delays = (uint32_t)v;
	if (get_count(fj, K_REFUSED, 255, &v, why, whylen))
		return -1;
	tmp.refused = (uint8_t)v;
	if ((str = flatjson_str(fj, K_PAUSE)) != NULL) {
		if (bktime_parse_duration(str, &v) != 0 || v > UINT32_MAX) {
			snprintf(why, whylen, "\"pause\" is not a duration");
			return -1;
		}
		tmp.pause = (uint32_t)v;
	}
	if ((str = flatjson_str(fj, K_SEEN)) != NULL) {
		size_t n = strlen(str);

		if (n % 16 != 0 || n > 16 * PLAN_SEEN) {
			snprintf(why, whylen, "\"seen\" is not a list of fingerprints");
			return -1;
		}
		for (; *str; str += 16) {
			uint32_t word[2] = { 0, 0 };

			for (int i = 0; i < 16; i++) {
				int h = hexval((unsigned char)str[i]);

				if (h < 0) {
					snprintf(why, whylen, "\"seen\" is not a list of "
					    "fingerprints");
					return -1;
				}
				word[i / 8] = word[i / 8] << 4 | (uint32_t)h;
			}
			tmp.seen[tmp.nseen] = word[0];
			tmp.seen_time[tmp.nseen++] = word[1];
		}
	}
	if (fj->v[K_MSGIDS].type != FLATJSON_ABSENT && fj->v[K_MSGIDS].type != FLATJSON_NULL &&
	    fj->v[K_MSGIDS].type != FLATJSON_STRS) {
		snprintf(why, whylen, "\"msgids\" is not an array of strings");
		return -1;
	}
	/* Valid: now it may go in. */
	p = plan_new(s, rcpt, rcpt + dom);
	tmp.rcpt = p->rcpt;
	tmp.domain_off = p->domain_off;
	tmp.msgids = NULL;
	if ((str = flatjson_str(fj, K_STATUS)) != NULL) {
		char code[STATUS_MAX];

		tmp.status = intern(s, status_parse(str, strlen(str), code) == 0 ? code : str);
	}
	if ((str = flatjson_str(fj, K_REASON)) != NULL) {
		const struct reason_desc *r = reason_describe(str);

		tmp.reason = r ? r->name : intern(s, str);
	}
	tmp.from = intern(s, flatjson_str(fj, K_FROM));
	tmp.rule = intern(s, flatjson_str(fj, K_RULE));
	if ((str = flatjson_str(fj, K_SCHEDULE)) != NULL) {
		struct util_buf b = {0};

		tmp.sched = strcmp(str, "adaptive") == 0 ? PLAN_SCHED_ADAPTIVE :
		    strcmp(str, "recovered") == 0 ? PLAN_SCHED_RECOVERED : PLAN_SCHED_FALLBACK;
		tmp.basis = intern(s, flatjson_str(fj, K_BASIS));
		for (size_t i = 0; (str = flatjson_strs(fj, K_RETRY_AT, i)) != NULL; i++) {
			if (i)
				util_buf_addc(&b, ',');
			util_buf_adds(&b, str);
		}
		tmp.retry_at = intern(s, util_buf_str(&b));
		util_buf_free(&b);
	}
	*p = tmp;
	for (size_t i = 0; (str = flatjson_strs(fj, K_MSGIDS, i)) != NULL; i++)
		msgid_add(p, str);
	return 0;
}

static int
load_line(struct plan_set *s, struct flatjson *fj, const char *path, unsigned long lineno,
    const char *line, size_t len)
{
	char why[200];
	json_t *obj;
	size_t i;
	int rc;

	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (i == len)
		return 0;
	if (flatjson_parse(fj, line, len) == 0) {
		rc = plan_from_flat(s, fj, why, sizeof why);
	} else if ((obj = jsonl_parse_object(line, len, why, sizeof why)) == NULL) {
		rc = -1;
	} else {
		flatjson_from_json(fj, obj);
		rc = plan_from_flat(s, fj, why, sizeof why);
		json_decref(obj);
	}
	if (rc != 0) {
		util_locwarn(path, lineno, "%s (line kept as it is)", why);
		s->bad = util_xreallocarray(s->bad, s->nbad + 1, sizeof *s->bad);
		s->bad[s->nbad++] = util_xstrndup(line, len);
		return -1;
	}
	return 0;
}

int
plan_load(struct plan_set *s, const char *path, int *fatal)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	int status = BK_OK;
	struct flatjson fj;

	*fatal = 0;
	if (fp == NULL) {
		if (errno == ENOENT)
			return BK_OK;
		util_warn("%s", path);
		*fatal = 1;
		return BK_ERR;
	}
	/* Fewer, larger reads: state files run to hundreds of megabytes. */
	setvbuf(fp, NULL, _IOFBF, 1 << 20);
	flatjson_init(&fj, plan_keys, K_NKEYS);
	while ((n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			n--;
		if (memchr(line, '\0', (size_t)n) != NULL) {
			util_locwarn(path, lineno, "NUL byte in the state file");
			*fatal = 1;
			status = BK_ERR;
			break;
		}
		if (load_line(s, &fj, path, lineno, line, (size_t)n) != 0)
			status = BK_ERR;
	}
	flatjson_free(&fj);
	if (ferror(fp)) {
		util_warn("%s: read error", path);
		*fatal = 1;
		status = BK_ERR;
	}
	free(line);
	fclose(fp);
	return status;
}

int
plan_save(struct plan_set *s, const char *path, const struct plan_opts *o)
{
	struct afile af;

	if (afile_begin(&af, path) != 0)
		return -1;
	setvbuf(af.fp, NULL, _IOFBF, 1 << 20);
	for (size_t i = 0; i < s->n; i++) {
		const struct plan *p = plan_at(s, i);

		if (p->flags & PLAN_F_REMOVED)
			continue;
		if (plan_write(af.fp, p, o) != 0)
			break;
	}
	for (size_t i = 0; i < s->nbad; i++) {
		fputs(s->bad[i], af.fp);
		putc('\n', af.fp);
	}
	return afile_commit(&af);
}

/* --- reading events --- */

enum {
	E_TIME, E_RCPT, E_DOMAIN, E_ACTION, E_STATUS, E_CODE, E_REASON, E_CLASS, E_RHOST,
	E_DIAG, E_FROM, E_MSGID, E_QID, E_ORIG_RCPT, E_SOURCE, E_ORIGIN, E_NKEYS
};
static const char *const event_keys[E_NKEYS] = {
	"time", "rcpt", "domain", "action", "status", "code", "reason", "class", "rhost",
	"diag", "from", "msgid", "qid", "orig_rcpt", "source", "origin",
};

void
plan_reader_init(struct plan_reader *r)
{
	memset(r, 0, sizeof *r);
	flatjson_init(&r->fj, event_keys, E_NKEYS);
}

void
plan_reader_free(struct plan_reader *r)
{
	flatjson_free(&r->fj);
	json_decref(r->obj);
	r->obj = NULL;
}

/* event_from_json over the flat values; -1 for anything that is not the
 * common case, which then goes the long way for the same answer. */
static int
event_fast(const struct flatjson *fj, struct event *e)
{
	const char *s;
	int64_t t;

	event_init(e);
	if ((s = flatjson_str(fj, E_RCPT)) == NULL || event_set_rcpt(e, s, strlen(s)) != 0)
		return -1;
	if ((s = flatjson_str(fj, E_ACTION)) == NULL ||
	    (e->action = event_action_name(s, strlen(s))) == NULL)
		return -1;
	if ((s = flatjson_str(fj, E_TIME)) == NULL || parse_time(s, &t) != 0)
		return -1;
	e->time = (time_t)t;
	if ((s = flatjson_str(fj, E_STATUS)) != NULL && status_parse(s, strlen(s), e->status) != 0)
		return -1;
	if (fj->v[E_CODE].type == FLATJSON_INT)
		e->code = (int)fj->v[E_CODE].num;
	if ((s = flatjson_str(fj, E_REASON)) != NULL) {
		const struct reason_desc *d = reason_describe(s);

		e->reason = d ? d->name : "undefined";
	}
	if ((s = flatjson_str(fj, E_CLASS)) != NULL) {
		if (strcmp(s, "hard") == 0)
			e->class = "hard";
		else if (strcmp(s, "soft") == 0)
			e->class = "soft";
		else if (strcmp(s, "none") == 0)
			e->class = "none";
	}
	e->rhost = flatjson_str(fj, E_RHOST);
	e->diag = flatjson_str(fj, E_DIAG);
	e->from = flatjson_str(fj, E_FROM);
	e->msgid = flatjson_str(fj, E_MSGID);
	e->qid = flatjson_str(fj, E_QID);
	e->orig_rcpt = flatjson_str(fj, E_ORIG_RCPT);
	e->source = flatjson_str(fj, E_SOURCE);
	e->origin = flatjson_str(fj, E_ORIGIN);
	event_finish(e);
	return 0;
}

int
plan_read_event(struct plan_reader *r, const char *line, size_t len, struct event *e,
    char *why, size_t whylen)
{
	json_decref(r->obj);
	r->obj = NULL;
	if (flatjson_parse(&r->fj, line, len) == 0 && event_fast(&r->fj, e) == 0)
		return 0;
	if ((r->obj = jsonl_parse_object(line, len, why, whylen)) == NULL)
		return -1;
	return event_from_json(r->obj, e, why, whylen);
}

/* Temporary files of runs killed before their rename: ".BASE.XXXXXX" beside
 * the state (afile's names). Only writers of this state make them, and they
 * all hold its lock, which the caller holds now: so they are stale. */
void
plan_clean_temps(const char *path)
{
	char *dcopy = util_xstrdup(path), *bcopy = util_xstrdup(path);
	const char *dir = dirname(dcopy), *base = basename(bcopy);
	size_t blen = strlen(base);
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			const char *n = de->d_name;
			struct util_buf full = {0};

			if (n[0] != '.' || strncmp(n + 1, base, blen) != 0 || n[1 + blen] != '.' ||
			    strlen(n + 2 + blen) != 6)
				continue;
			util_buf_adds(&full, dir);
			util_buf_addc(&full, '/');
			util_buf_adds(&full, n);
			unlink(util_buf_str(&full));
			util_buf_free(&full);
		}
		closedir(d);
	}
	free(dcopy);
	free(bcopy);
}

void
plan_opts_init(struct plan_opts *o, time_t now)
{
	memset(o, 0, sizeof *o);
	o->now = now;
	o->keep = 30 * 86400LL;
	o->resolve_after = 7 * 86400LL;
	o->claim_timeout = 6 * 3600LL;
}

int
plan_opts_option(struct plan_opts *po, const struct opt *o, int ch, const char *arg)
{
	switch (ch) {
	case 'c':
		po->claim_timeout = opt_duration(o, arg, 0);
		return 1;
	case 'k':
		po->keep = opt_duration(o, arg, 0);
		return 1;
	case 'n':
		po->now = opt_time(o, arg);
		return 1;
	case 'r':
		po->resolve_after = opt_duration(o, arg, 0);
		return 1;
	default:
		return 0;
	}
}
