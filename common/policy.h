/* policy: retry rules for soft bounces, in the spirit of Exim's retry
 * configuration. One rule a line, the first that matches wins:
 *
 *   DOMAIN  WHAT  schedule GAP,GAP,...            [retries N] [pause D] [name NAME]
 *   DOMAIN  WHAT  backoff BASE [xF] [max CAP] [jitter P%] [retries N] ...
 *   DOMAIN  WHAT  never                           [pause D] [name NAME]
 *   DOMAIN  WHAT  adaptive [min D] [max D] [observations N] [fallback GAP,...] ...
 *
 * DOMAIN is a glob ("*.example.com", "*"); WHAT a comma-separated list of
 * reasons ("mailboxfull") or status globs ("4.2.*"), or "*". Built-in rules
 * follow the file's, so that every soft bounce matches one. See retry-plan(1). */
#ifndef BK_POLICY_H
#define BK_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum policy_kind { POLICY_SCHEDULE, POLICY_BACKOFF, POLICY_NEVER, POLICY_ADAPTIVE };

#define POLICY_MAX_GAPS 16
#define POLICY_MAX_RETRIES 20
#define POLICY_DEFAULT_PAUSE (30LL * 86400)

struct policy_rule {
	char *name;		/* "name" option, or "FILE:LINE", or "builtin-..." */
	char *domain;		/* glob, lower case */
	char **what;		/* reasons or status globs; {"*"} for all */
	size_t nwhat;
	enum policy_kind kind;
	long long gaps[POLICY_MAX_GAPS];	/* schedule; adaptive: the fallback */
	size_t ngaps;
	long long base, cap;	/* backoff */
	double factor;
	int jitter;		/* percent, +- */
	int retries;
	long long pause;	/* suggested suppression after exhaustion */
	long long amin, amax;	/* adaptive: bounds of each gap */
	int observations;	/* adaptive: recoveries needed to use the figures */
};

struct policy {
	struct policy_rule *rules;
	size_t n;
};

void policy_init(struct policy *p);
/* Appends the rules of path. Errors are reported as "path:line: message";
 * returns 0, or -1 if the file is unreadable or has any bad line. */
int policy_load(struct policy *p, const char *path);
/* Appends the built-in rules (call after policy_load). */
void policy_add_defaults(struct policy *p);
void policy_free(struct policy *p);

/* The first rule for a soft bounce of domain with reason and status (either
 * may be NULL). Never NULL once the defaults are in. */
const struct policy_rule *policy_match(const struct policy *p, const char *domain,
    const char *reason, const char *status);
/* The gap before retry number attempt+1 (attempt 0 is the first retry),
 * measured from the previous attempt. rnd (any 64-bit value, e.g. a hash)
 * draws the jitter. -1 when the rule allows no such retry. */
long long policy_gap(const struct policy_rule *r, unsigned attempt, uint64_t rnd);
/* The quantile of the recovery times that retry k (from 0) of an adaptive
 * rule aims at: the median, then 75%, 90%, 99%, 99.9%, ... */
double policy_adaptive_level(int k);
/* The retries of an adaptive rule from a domain's recovery times: quantile[k]
 * is the time (seconds) by which policy_adaptive_level(k) of the recipients'
 * domains took mail again; at[k] is when retry k+1 falls due, counted from
 * the first bounce, for k < r->retries. Each gap within the rule's min and
 * max; the last retry never earlier than the fallback schedule's last, so a
 * plan gives up no sooner. */
void policy_adaptive_times(const struct policy_rule *r, const long long *quantile,
    long long *at);
/* The rules as JSON lines on fp (see retry-plan(1) --print-policy). 0, or -1
 * on a write error. */
int policy_print(const struct policy *p, FILE *fp);

#endif
