/* pace: which of the due retries go out in this run of retry-due(1), so that
 * retries do not pile onto a server that is full: at most N a domain, none
 * to an address or domain the suppression list pauses, one (a probe) to a
 * domain that bounce-stats(1) advises to throttle, one (a probe) to a domain
 * whose adaptive plans wait on a full server, and none while such a probe is
 * out. The plans are offered in the order they fell due; those held back
 * stay due, in that order. */
#ifndef BK_PACE_H
#define BK_PACE_H

#include <stddef.h>
#include <stdint.h>

#include "hmap.h"
#include "supplist.h"

enum pace_verdict { PACE_GO, PACE_CAP, PACE_PAUSED, PACE_THROTTLE, PACE_PROBE };

struct pace {
	long long per_domain;	/* 0: no cap */
	int64_t now;
	int have_list;
	struct supplist_index list;
	struct hmap throttled;	/* domain -> 1 */
	struct hmap sent;	/* domain -> retries handed out in this run */
	struct hmap probes;	/* domain -> num: -1 a probe is out; else the plan
				 * chosen to probe, attempts << 40 | index + 1 */
	unsigned long held[5];	/* per verdict */
};

void pace_init(struct pace *p, long long per_domain, int64_t now);
/* The suppression list of suppress(1): its pauses in force at now hold
 * retries back. 0, or -1 with a message. */
int pace_load_list(struct pace *p, const char *path);
/* Records of bounce-stats(1) by domain: those with advice "throttle" get
 * one retry a run. Bad lines are reported as "path:line: ..." and skipped.
 * 0, or -1 when the file cannot be read or had bad lines. */
int pace_load_throttle(struct pace *p, const char *path);
/* Before the due plans are offered: a probe to domain is out (a plan that
 * waits on its server, claimed, not answered yet). */
void pace_probe_out(struct pace *p, const char *domain);
/* Before the due plans are offered: due plan number i (in the order of
 * offering), which waits on its server at domain, with that many attempts
 * made. The domain's probe is the one with the fewest attempts, the first
 * offered among equals. */
void pace_probe_offer(struct pace *p, const char *domain, size_t i, unsigned attempts);
/* Whether a due retry to rcpt (at domain) goes out now; counts it if so.
 * probe: the plan number i waits on its server (see pace_probe_offer); -1:
 * it does not. */
enum pace_verdict pace_admit(struct pace *p, const char *rcpt, const char *domain, long probe);
void pace_free(struct pace *p);

#endif
