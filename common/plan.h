/* plan: the retry plan of a recipient (see bouncekit-records(5)) and the rules
 * that move a plan on when an event arrives or time passes; where plans are
 * kept between runs is planstore.h. Used by retry-plan(1) and retry-due(1).
 *
 * Memory: a compact struct per plan (strings that repeat, such as reasons,
 * statuses, senders and rule names, are interned), kept in blocks, found by
 * the hash table on the recipient. */
#ifndef BK_PLAN_H
#define BK_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "event.h"
#include "hmap.h"
#include "policy.h"
#include "recovery.h"

enum plan_state { PLAN_WAITING, PLAN_CLAIMED, PLAN_EXHAUSTED, PLAN_RESOLVED, PLAN_FAILED };

#define PLAN_SEEN 8		/* event fingerprints kept per plan (the newest) */
#define PLAN_MSGIDS 4		/* Message-IDs kept per plan (the newest) */
#define PLAN_NOTIME INT64_MIN	/* null time */

struct plan {
	const char *rcpt;	/* owned by the set */
	const char *status, *reason, *from, *rule;	/* interned; NULL = null */
	const char *basis;	/* adaptive rules: the figures used, in words; interned */
	const char *retry_at;	/* and when each retry falls due: "2h,5h,11h,1w6d"; interned */
	char *msgids;		/* nmsgids NUL-terminated strings, back to back */
	int64_t first_bounce, last_bounce, last_attempt, next_retry, claimed_at;
	int64_t resolved_at, last_event, since;
	int64_t seen_upto;	/* events up to this time count as seen */
	uint32_t pause;		/* seconds */
	uint32_t delays;
	uint32_t seen[PLAN_SEEN];	/* fingerprints of the newest events */
	uint32_t seen_time[PLAN_SEEN];	/* and their times (epoch, unsigned) */
	uint16_t domain_off;	/* rcpt + domain_off is the domain */
	uint8_t state, attempts, max_attempts;
	uint8_t nseen;
	uint8_t nmsgids;
	uint8_t flags;		/* PLAN_F_* */
	uint8_t sched;		/* PLAN_SCHED_* */
	uint8_t refused;	/* retries refused for the rate (not counted as attempts) */
};

/* Under an adaptive rule: which schedule the next retry comes from. */
enum { PLAN_SCHED_NONE, PLAN_SCHED_ADAPTIVE, PLAN_SCHED_FALLBACK, PLAN_SCHED_RECOVERED };

#define PLAN_F_CHANGED 1	/* changed in this run: printed by retry-plan */
#define PLAN_F_REMOVED 2	/* expired: not written back */

struct plan_opts {
	const struct policy *policy;
	time_t now;
	long long keep;		/* how long resolved and failed plans stay */
	long long resolve_after;	/* quiet time after a claim that counts as success */
	long long claim_timeout;	/* unconfirmed claim handed out again after this */
	uint64_t seed;		/* jitter */
	int plan_delayed;	/* delayed events open plans too */
	struct recovery_table *recovery;	/* adaptive rules' figures; NULL: none */
};

/* The documented defaults: keep 30d, resolve after 7d, claim timeout 6h. */
void plan_opts_init(struct plan_opts *o, time_t now);
struct opt;
/* The options of retry-plan and retry-due that set these: -c --claim-timeout,
 * -k --keep, -n --now, -r --resolve-after. 1 if ch was one of them. */
int plan_opts_option(struct plan_opts *po, const struct opt *o, int ch, const char *arg);

struct plan_stats {
	unsigned long events, duplicates, opened, delays, delays_unplanned, resolved,
	    exhausted, failed, ignored;
};

struct plan_set {
	struct plan **blocks;	/* of BLOCK_PLANS plans; a plan never moves */
	size_t n, nblocks;
	struct hmap index;	/* rcpt -> plan number (the plans' own recipients) */
	struct hmap strings;	/* one copy of each string that repeats */
	char **bad;		/* state lines that could not be read, kept verbatim */
	size_t nbad;
	struct plan_stats stats;
	struct hmap domain_back;	/* domain -> num: its newest delivery in the input */
	struct hmap domain_took;	/* domain -> num: its deliveries in the input */
	int64_t input_first, input_last;	/* event times read; PLAN_NOTIME: none */
};

void plan_set_init(struct plan_set *s);
void plan_set_free(struct plan_set *s);
static inline size_t plan_count(const struct plan_set *s) { return s->n; }
struct plan *plan_at(const struct plan_set *s, size_t i);
/* The domain of the plan's recipient. */
static inline const char *plan_domain(const struct plan *p) { return p->rcpt + p->domain_off; }
/* The plan of rcpt, or NULL (also for removed plans). */
struct plan *plan_find(const struct plan_set *s, const char *rcpt);

/* For the stores (planstore.c): the plan of rcpt, removed ones included,
 * or NULL; a new plan for rcpt (which must have none yet); one copy of a
 * string that repeats; a Message-ID kept (the newest PLAN_MSGIDS). */
struct plan *plan_find_any(const struct plan_set *s, const char *rcpt);
struct plan *plan_new(struct plan_set *s, const char *rcpt, const char *domain);
const char *plan_intern(struct plan_set *s, const char *str);
/* The plan as new (no event yet), its recipient kept. */
void plan_reset(struct plan *p);
void plan_msgid_add(struct plan *p, const char *id);
/* The state of a name ("waiting"), or -1. */
int plan_state_from_name(const char *name);
/* When a finished plan goes (kept o->keep, or its pause), or PLAN_NOTIME. */
int64_t plan_expiry(const struct plan *p, const struct plan_opts *o);

/* Moves plans on with one event. Returns 1 if a plan changed, else 0. */
int plan_apply(struct plan_set *s, const struct event *e, const struct plan_opts *o);
/* Adaptive rules, after the events, before plan_age:
 *  - a plan waiting on a domain that took mail again after its last bounce
 *    (a delivery to another recipient there, in the events read) is
 *    released, no sooner than the rule's min after its last attempt; the
 *    released plans of a domain are spread out at the rate the domain took
 *    mail in the events (at least PLAN_RELEASE_MIN an hour), so that they do
 *    not pile onto a server just back;
 *  - the plans of a domain still full (a kind of the server's, not the
 *    mailbox's) retry together, at the retry times counted from the domain's
 *    earliest first bounce, each the first one after the newest bounce there
 *    (a bounce of another recipient tells as much as a retry of one's own);
 *    a plan whose last retry time the domain was seen full past is
 *    exhausted, never sooner than from its own first bounce. */
#define PLAN_RELEASE_MIN 10
void plan_domains_back(struct plan_set *s, const struct plan_opts *o);
/* Whether an adaptive plan waits on its server (a kind of the server's, not
 * the mailbox's or the rate's) and not released by a delivery: retry-due
 * sends one such plan a domain at a time (a probe). */
int plan_waits_on_server(const struct plan *p);
/* Time passes: quiet claims resolve, resolved, failed and exhausted plans
 * expire (removed). */
void plan_age(struct plan_set *s, const struct plan_opts *o);
/* Whether retry-due should hand the plan out at o->now. */
int plan_is_due(const struct plan *p, const struct plan_opts *o);
/* The time from which the plan is due (for ordering), PLAN_NOTIME if never. */
int64_t plan_due_time(const struct plan *p, const struct plan_opts *o);
/* Hands the plan out: claimed at o->now, one more attempt. */
void plan_claim(struct plan *p, const struct plan_opts *o);

const char *plan_state_name(int state);

#endif
