/* stats: what bounce-stats keeps per group (domain, server, status, reason,
 * day or recipient), and partial aggregates of it: one run writes what it
 * counted (stats_partial_write), another merges any number of them
 * (stats_merge_line) into what one run over all their events would have
 * counted, distinct recipients included. */
#ifndef BK_STATS_H
#define BK_STATS_H

#include <stdio.h>
#include <time.h>

#include "hmap.h"
#include "input.h"
#include "status.h"
#include "util.h"

struct flatjson;

/* Counters and small sets, never the events. */
struct stats_group {
	const char *key;	/* NULL: the field was null or empty */
	unsigned long long events, deferrals, failures, deliveries;
	unsigned long long timed;	/* events of known time */
	unsigned long long *reasons;	/* per reason_table index, then unknown */
	struct hmap statuses;	/* status -> num events */
	struct hmap rcpts;	/* rcpt -> val: reason, num: time of its latest
				 * throttle event (val NULL: none) */
	struct hmap days;	/* day key (stats_day_key) -> num events */
	struct hmap full_days;	/* day key (stats_day_key) -> num full events */
	time_t first, last;	/* of the timed events */
	/* by recipient: the latest event (of the latest time, the last read) */
	time_t latest;
	const char *last_reason;
	char last_status[STATUS_MAX];
	/* Merged without keeping the recipients (stats_merge_run, keep 0): how
	 * many, and per reason_table index those whose latest throttle event
	 * is in the window (NULL: none). */
	unsigned long long merged_rcpts;
	unsigned long long *throttled;
};

struct stats_set {
	struct hmap groups;		/* key -> struct stats_group */
	struct stats_group *null_group;	/* the group of a null key, or NULL */
	unsigned long long events;
	time_t max_time;		/* of the timed events, when any_time */
	int any_time;
};

/* What decides which events are counted and how: partials merge only when
 * theirs are the same. segment: NULL-terminated reason names, or NULL. */
struct stats_scope {
	const char *by;
	const char **segment;
	int have_since, have_until, have_now;
	time_t since, until, now;
};

/* The key of day number day (days since the epoch) in a group's days and
 * full_days, in k: its decimal digits, as keys are text. Returns its length. */
#define STATS_DAY_KEY 24
size_t stats_day_key(long long day, char k[STATS_DAY_KEY]);

/* The day number (days since the epoch, UTC) of t. */
long long stats_day_of(time_t t);
/* The share of all events that are g's, to four places (0 for none). */
double stats_share(const struct stats_group *g, unsigned long long events);

/* The number of reasons in reason_table; a group's reasons[] has one more. */
size_t stats_nreasons(void);
/* The index in reason_table of a reason name, stats_nreasons() if unknown. */
size_t stats_reason_index(const char *reason);
/* The group of key (NULL or "": the null group), added if new. */
struct stats_group *stats_group_of(struct stats_set *s, const char *key);
void stats_set_free(struct stats_set *s);
/* The distinct recipients of g, kept or merged. */
unsigned long long stats_recipients(const struct stats_group *g);

/* A partial's header names its writer and its version: 2 has each group's
 * recipients in byte order and the header the number of lines after it. */
#define STATS_PARTIAL_NAME "bounce-stats"
#define STATS_PARTIAL_VERSION 2

/* Writes s as a partial aggregate: a header line (the scope, the totals, the
 * number of groups and of lines after it), then per group (in key order) a
 * line of its counters and lines of its recipients (in byte order). 0, or -1
 * on a write error. */
int stats_partial_write(FILE *fp, const struct stats_set *s, const struct stats_scope *sc);

/* Merging: the partials of all the inputs at once, group by group and
 * recipient by recipient, as sorted runs are merged: memory grows with the
 * number of partials and of groups, not of recipients. The partials count
 * in the order given (a file may hold many, one after another), as if their
 * events had been read in that order. The scope is the first partial's; a
 * partial of another scope or version, cut short, or with a line out of
 * place is reported (the rest of it skipped) and the status says so. */
struct stats_merge_input;
struct stats_merge_src;
struct stats_merge {
	struct stats_set *set;
	struct stats_scope scope;	/* the first partial's */
	int have_scope;
	int status;			/* BK_OK or BK_ERR */
	struct stats_merge_input *in;	/* private */
	size_t nin;
	struct stats_merge_src *src;	/* private: the partials */
	size_t nsrc;
	struct util_buf counts;		/* private: a group's counts, parsed */
	struct util_buf cur;		/* private: the recipient being merged */
	struct day_sum *sums;		/* private: a group's days, full days */
};
/* Opens the operands (none: stdin), before the sandbox: an input that is not
 * a regular file is copied into a temporary one, made now. */
void stats_merge_open(struct stats_merge *m, struct stats_set *s, int argc, char **argv);
/* Reads the partials' headers (the scope, the totals): BK_OK or BK_ERR. */
int stats_merge_headers(struct stats_merge *m);
/* Merges the groups and recipients into the set: keep 1 keeps each group's
 * recipients (to write a partial again), 0 only counts them and those
 * throttled in the window (now - window, now]. The worse status. */
int stats_merge_run(struct stats_merge *m, int keep, time_t now, long long window);
void stats_merge_free(struct stats_merge *m);

#endif
