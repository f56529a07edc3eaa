/* stats_merge_int: what the two parts of the merge of partials share: an
 * operand and a partial (stats_merge_in.c opens and scans them,
 * stats_merge.c merges them). Private to those two. */
#ifndef BK_STATS_MERGE_INT_H
#define BK_STATS_MERGE_INT_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "flatjson.h"
#include "hmap.h"
#include "input.h"
#include "stats.h"
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
 * before they go into its tables: a put a day, not a day of each partial.
 * The dates read are numbered in one table (kept from group to group), and
 * the sums of days and of full days are arrays by that number. */
struct day_sum {
	struct hmap dates;	/* "2026-11-27" -> number; num: its key's length */
	uint32_t hint[512];	/* by month and day: a number + 1 to try first */
	char (*key)[STATS_DAY_KEY];	/* by number: the day's key (stats_day_key) */
	long long *n[2];	/* by number: the sum, -1 for none */
	size_t *touched[2];	/* the numbers with a sum, in the order first summed */
	size_t ntouched[2], cap;	/* cap: of key, n and touched */
};

#endif
