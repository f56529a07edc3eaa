/* outcome: an event's reason and class where a provider or a log says more
 * than the reply text: its own word for the reason, its hard or soft. */
#ifndef BK_OUTCOME_H
#define BK_OUTCOME_H

#include "event.h"

/* Finishes e (event_finish) and settles reason and class. hint: the source's
 * own word, taken when forced or when status and text tell nothing; cls: its
 * hard/soft, or NULL to derive it from the reason. Outcomes other than
 * delayed and failed are class none. */
void outcome_settle(struct event *e, const char *hint, int force, const char *cls);

#endif
