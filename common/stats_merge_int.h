/* stats_merge_int: what the two parts of the merge of partials share: an
 * operand and a partial (stats_merge_in.c opens and scans them,
 * stats_merge.c merges them). Private to those two. */
#ifndef BK_STATS_MERGE_INT_H
#define BK_STATS_MERGE_INT_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "flatjson.h"
#include "input.h"
#include "util.h"

/* An operand: the file, or a temporary copy of what is not one. */
struct stats_merge_input {
	const char *name;	/* as shown */
	FILE *fp;		/* NULL: not opened */
	FILE *orig;		/* to copy into fp (standard input, a pipe), or NULL */
	long long start;	/* where its partials begin in fp */
};

/* A partial: where it is, what its header says, how far it is read. */
struct stats_merge_src {
	const char *file;
	int fd;
	long long at;			/* the offset of the line after the header */
	unsigned long line;		/* the header's */
	unsigned long long lines, groups, events;
	int have_latest;
	time_t latest;
	struct input_reader rd;
	unsigned long lineno;		/* of the line last read */
	unsigned long long left;	/* lines after it in the partial */
	unsigned long long groups_left, rcpts_left;
	struct flatjson fj;		/* the line last read */
	int bad;			/* reported: the rest is skipped */
	struct util_buf prev_key;	/* the group before (its key), for the order */
	int have_prev_key, prev_key_null;
	/* The recipients line: its two arrays, each in byte order, merged. */
	const char *plain, *thr;
	long long nplain, nthr;		/* left (nthr: rcpt, reason, time triples) */
	const char *head;		/* the next recipient */
	const char *reason;		/* its throttle reason (reason_table's), or NULL */
	time_t t;			/* and time */
};

/* The day counts of the group being merged, summed over its partials
 * before they go into its tables: a put a day, not a day of each partial
 * (open addressing by day number, at most half full). */
struct day_sum {
	struct day_count {
		int64_t day;
		long long n;
		int used;
	} *v;
	size_t cap, count;
};

#endif
