/* recovery: how long a receiving domain (or server) takes to accept mail
 * again after a soft bounce, measured from event records (bounce-stats
 * --recovery) and read back as figures (retry-plan --recovery). See
 * bouncekit-records(5), RECOVERY RECORD.
 *
 * An observation opens with a recipient's soft bounce of a kind (its reason:
 * systemfull, speeding, ...) and closes with the next delivery to the same
 * domain (or server) after it: its length is the recovery time. A recipient
 * counts once until that delivery, so its message bouncing again (a retry,
 * the next mailing) adds nothing, and the figures do not depend on the retry
 * schedule that made them. A full or disabled mailbox (mailboxfull, suspend)
 * is the recipient's own: only a delivery to that recipient closes it. An
 * observation still open after the window never recovered.
 *
 * Memory grows with the groups (key and kind) and the recipients waiting in
 * them, never with the events: the lengths go into a histogram of buckets
 * 2^(1/8) wide (9.05%), so a percentile is the midpoint of its bucket, within
 * 4.5% of the exact value (and within the observed minimum and maximum). */
#ifndef BK_RECOVERY_H
#define BK_RECOVERY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "event.h"
#include "hmap.h"
#include "util.h"

#define RECOVERY_SUB 8			/* histogram buckets per doubling */
#define RECOVERY_WINDOW (14 * 86400LL)	/* default window */

struct recovery_bucket {
	uint32_t idx;
	unsigned long long n;
};

struct recovery_wait {
	int64_t t;
	const char *rcpt;	/* the key of the waiting map's entry */
};

struct recovery_group {
	const char *key;	/* domain or rhost */
	const char *kind;	/* a reason of reason_table */
	int rcpt_scope;		/* only a delivery to the recipient closes it */
	unsigned long long recovered, never, episodes;
	int64_t min, max;	/* of the recovered observations */
	int64_t first, last;	/* of the soft bounces; INT64_MIN: none */
	struct recovery_bucket *hist;	/* sorted by idx */
	size_t nhist, caphist;
	struct hmap waiting;	/* rcpt -> val non-NULL while open, num its start */
	size_t nwaiting;
	struct recovery_wait *heap;	/* open observations, oldest first */
	size_t nheap, capheap;
};

struct recovery {
	int by_rhost;
	long long window;
	struct hmap keys;	/* key -> struct recovery_key */
	struct recovery_group **groups;
	size_t ngroups;
	int64_t latest;		/* the newest event time; INT64_MIN: none */
	char **bad;		/* state lines that could not be read, kept verbatim */
	size_t nbad;
};

void recovery_init(struct recovery *r, int by_rhost, long long window);
void recovery_free(struct recovery *r);
/* Whether a kind of soft bounce (a reason) is the recipient's own state
 * (mailboxfull, suspend), which a delivery to another recipient says nothing
 * about, rather than the server's. */
int recovery_rcpt_scope(const char *kind);
/* Whether a kind of soft bounce is a refusal for the rate (speeding,
 * toomanyconn): the server is up, but takes no more just now. */
int recovery_refusal(const char *kind);
/* Whether the event of that action and class is a soft bounce, a delivery,
 * or neither (0), for the measurement. */
enum { RECOVERY_NONE, RECOVERY_BOUNCE, RECOVERY_DELIVERY };
int recovery_event_kind(const struct event *e);
/* One event of known time. */
void recovery_add(struct recovery *r, const struct event *e);
/* Observations still open at now and older than the window never recovered. */
void recovery_finish(struct recovery *r, int64_t now);

/* The figures of a group at now (after recovery_finish). Durations in
 * seconds; median and p90 -1 when nothing recovered; never_share -1 when
 * there is no observation. */
struct recovery_figures {
	unsigned long long count, recovered, never, open, episodes;
	long long median, p90, min, max;
	double never_share;
};
void recovery_figures(const struct recovery_group *g, struct recovery_figures *f, int64_t now,
    long long window);
/* The quantile q (0 < q <= 1) of the recovered observations, or -1. */
long long recovery_quantile(const struct recovery_group *g, double q);

/* A figure as records show it: whole minutes from ten minutes on, "2h10m". */
long long recovery_round(long long secs);
char *recovery_format_duration(long long secs, char *buf, size_t size);
/* The groups with something to say (an observation or one open), largest
 * first; *n set. The array is the caller's to free. */
struct recovery_group **recovery_sorted(const struct recovery *r, size_t *n);
/* The record of g at now; with_waiting adds the open observations (the state
 * file). 0, or -1 on a write error. */
int recovery_write(FILE *fp, const struct recovery *r, const struct recovery_group *g,
    int64_t now, int with_waiting);

/* Reads a state file written with with_waiting (a missing file is empty).
 * Bad lines are reported as "path:line: ..." and kept to be written back as
 * they were; BK_OK or BK_ERR; *fatal when the file could not be opened. */
int recovery_load(struct recovery *r, const char *path, int *fatal);
/* Replaces the state file atomically (afile) with the groups at now and
 * the kept lines; call with its lock held. 0, or -1 with a message. */
int recovery_save(struct recovery *r, const char *path, int64_t now);

/* --- for retry-plan: the figures of a recovery file, by domain and kind --- */
struct recovery_entry {
	unsigned long long count, recovered, never, episodes;
	long long median, p90, min, max;	/* -1: none */
	double never_share;	/* -1: none */
	struct recovery_bucket *hist;	/* sorted; NULL when the record had none */
	size_t nhist;
};
struct recovery_table {
	struct hmap map;	/* "domain\tkind" -> val: struct recovery_entry once read;
				 * num: 1 + its index in lines until then */
	int fd;			/* the file, kept open to read the records asked for */
	struct util_buf text;	/* a record read back */
	int64_t *off;		/* where each record not read yet begins in the file */
	size_t *len;		/* its length */
	unsigned long *where;	/* and its line number */
	size_t nlines, caplines;
	const char *path;
	int errors;		/* records found bad when read */
};
void recovery_table_init(struct recovery_table *t);
/* Reads the domain records of a recovery file (records of servers are
 * skipped; a missing file has none). The records as bounce-stats writes them
 * are only indexed (where they are in the file, which stays open), and read
 * when recovery_table_find first asks for them: a run needs the figures of
 * few domains. Other lines, and all of a file that cannot be read again
 * (a pipe), are read at once. Bad lines are reported and
 * skipped: 0, or -1 when the file cannot be read or had bad lines. */
int recovery_table_load(struct recovery_table *t, const char *path);
/* The figures of domain and kind, or NULL; a record found bad now is
 * reported and counted in t->errors. */
const struct recovery_entry *recovery_table_find(struct recovery_table *t,
    const char *domain, const char *kind);
void recovery_table_free(struct recovery_table *t);
/* The quantile q (0 < q < 1) of the recovery times of an entry: from its
 * histogram, or from a log-normal spread through its median and 90th
 * percentile. -1 when nothing recovered. */
long long recovery_entry_quantile(const struct recovery_entry *e, double q);

#endif
