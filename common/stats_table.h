/* stats_table: bounce-stats' tables for a terminal (--format table): cells
 * cleaned of control characters (keys come from strangers), columns padded,
 * and a line of the events per day. */
#ifndef BK_STATS_TABLE_H
#define BK_STATS_TABLE_H

#include <stddef.h>
#include <time.h>

#include "recovery.h"
#include "stats.h"
#include "util.h"

struct stats_table_opts {
	const char *by;			/* the field grouped by: "domain", ... */
	int by_rcpt;			/* groups of recipients (--segment) */
	int advice;			/* with the FULL and ADVICE columns */
	time_t now;			/* the reference time */
	unsigned long long events;	/* of all groups: the shares */
	/* The advice of a group: its full days and the word. */
	void (*advice_of)(const struct stats_group *g, unsigned long long *full_days,
	    const char **word);
};

/* The n groups of v (in their order) as a table on stdout. */
void stats_table_print(struct stats_group **v, size_t n, const struct stats_table_opts *o);
/* The n recovery groups of v as a table on stdout. */
void stats_table_recovery(struct recovery_group **v, size_t n, const struct recovery *rec,
    time_t now);
/* s as a cell for a terminal into out: no control characters, at most max
 * columns (an ellipsis where cut). Returns its width in columns. */
size_t stats_table_clean(const char *s, size_t max, struct util_buf *out);

#endif
