/* suppadd: what adding an address does to the suppression list (suppress
 * add and import): the pause asked for (an explicit end, a length, what a
 * record says), longer pauses for repeat offenders (escalation), and never
 * a pause in force shortened. */
#ifndef BK_SUPPADD_H
#define BK_SUPPADD_H

#include <jansson.h>
#include <stdint.h>

#include "event.h"
#include "input.h"
#include "supplist.h"

#define SUPPADD_MAX_STEPS 16

/* The run's settings. */
struct suppadd {
	int64_t now;
	int64_t until;			/* --until, or SUPPLIST_NOTIME */
	long long for_secs;		/* --for, or -1 */
	const char *reason;		/* --reason, or NULL */
	int64_t ladder[SUPPADD_MAX_STEPS];	/* increasing; SUPPLIST_FOREVER last */
	size_t nladder;
};

/* What an address is added with. */
struct suppadd_info {
	const char *reason, *source, *status, *class;
	int64_t pause;		/* seconds, or -1 */
	int64_t until;		/* a time, or SUPPLIST_NOTIME */
};

/* The escalation steps of s ("30d,90d,permanent", or "none"). 0, or -1. */
int suppadd_ladder(struct suppadd *a, const char *s);
/* Adds key (key form) to l as in says. */
void suppadd_key(struct supplist *l, const struct suppadd *a, const char *key,
    const struct suppadd_info *in);
/* What an event or plan record asks: 1 to add with *in, 0 no reason to
 * suppress (a delivery, a resolved plan), -1 a bad field (reported at loc).
 * The strings of *in are obj's. */
int suppadd_record(const struct suppadd *a, const struct input_loc *loc, json_t *obj,
    struct suppadd_info *in);
/* An entry of a provider's list, read as an event: added as add adds an
 * event record, if it is a failure. */
void suppadd_event(struct supplist *l, const struct suppadd *a, const struct event *e);

#endif
