/* outcome: the reason and class of an event from its source's own words. */
#include "outcome.h"
#include "reason.h"

#include <string.h>

void
outcome_settle(struct event *e, const char *hint, int force, const char *cls)
{
	event_finish(e);
	if (hint && (force || strcmp(e->reason, "undefined") == 0))
		e->reason = hint;
	if (e->action && strcmp(e->action, "delayed") != 0 && strcmp(e->action, "failed") != 0)
		e->class = "none";
	else
		e->class = cls ? cls : reason_class_action(e->reason, e->action,
		    e->status[0] ? e->status : NULL, e->code, NULL);
}
