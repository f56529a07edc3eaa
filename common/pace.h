/* pace: which of the due retries go out in this run of retry-due(1), so that
 * retries do not pile onto a server that is full: at most N a domain, none
 * to an address or domain the suppression list pauses, one (a probe) to a
 * domain that bounce-stats(1) advises to throttle. The plans are offered in
 * the order they fell due; those held back stay due, in that order. */
#ifndef BK_PACE_H
#define BK_PACE_H

#include <stddef.h>
#include <stdint.h>

#include "hmap.h"
#include "supplist.h"

enum pace_verdict { PACE_GO, PACE_CAP, PACE_PAUSED, PACE_THROTTLE };

struct pace {
	long long per_domain;	/* 0: no cap */
	int64_t now;
	int have_list;
	struct supplist_index list;
	struct hmap throttled;	/* domain -> 1 */
	struct hmap sent;	/* domain -> retries handed out in this run */
	unsigned long held[4];	/* per verdict */
};

void pace_init(struct pace *p, long long per_domain, int64_t now);
/* The suppression list of suppress(1): its pauses in force at now hold
 * retries back. 0, or -1 with a message. */
int pace_load_list(struct pace *p, const char *path);
/* Records of bounce-stats(1) by domain: those with advice "throttle" get
 * one retry a run. Bad lines are reported as "path:line: ..." and skipped.
 * 0, or -1 when the file cannot be read or had bad lines. */
int pace_load_throttle(struct pace *p, const char *path);
/* Whether a due retry to rcpt (at domain) goes out now; counts it if so. */
enum pace_verdict pace_admit(struct pace *p, const char *rcpt, const char *domain);
void pace_free(struct pace *p);

#endif
