/* suppadd: what adding an address does to the suppression list (see
 * suppadd.h). */
#include "suppadd.h"
#include "bktime.h"
#include "jsonl.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

int
suppadd_ladder(struct suppadd *a, const char *s)
{
	char *copy = util_xstrdup(s), *tok, *save = NULL;

	a->nladder = 0;
	if (strcmp(s, "none") == 0) {
		free(copy);
		return 0;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		long long secs;

		if (a->nladder == SUPPADD_MAX_STEPS ||
		    (a->nladder > 0 && a->ladder[a->nladder - 1] == SUPPLIST_FOREVER))
			goto bad;
		if (strcmp(tok, "permanent") == 0)
			a->ladder[a->nladder] = SUPPLIST_FOREVER;
		else if (bktime_parse_duration(tok, &secs) == 0 && secs > 0 &&
		    (a->nladder == 0 || secs > a->ladder[a->nladder - 1]))
			a->ladder[a->nladder] = secs;
		else
			goto bad;
		a->nladder++;
	}
	free(copy);
	return a->nladder > 0 ? 0 : -1;
bad:
	free(copy);
	return -1;
}


/* The pause of a repeat offender: the first step of the ladder longer than
 * its last pause, and at least what was asked. */
static int64_t
escalate(const struct suppadd *a, int64_t asked, int64_t last)
{
	for (size_t i = 0; i < a->nladder; i++)
		if (a->ladder[i] > last)
			return a->ladder[i] > asked ? a->ladder[i] : asked;
	return a->nladder > 0 && a->ladder[a->nladder - 1] > asked ? a->ladder[a->nladder - 1] : asked;
}


void
suppadd_key(struct supplist *l, const struct suppadd *a, const char *key,
    const struct suppadd_info *in)
{
	struct supplist_entry *e = supplist_find(l, key, strlen(key));
	int known = e != NULL && !e->dropped;
	int ongoing = known && supplist_active(e, a->now);
	int64_t until, length = -1;

	/* What this add asks for: an explicit time, a length, or for ever. */
	if (a->until != SUPPLIST_NOTIME)
		until = a->until;
	else if (a->for_secs >= 0)
		length = a->for_secs;
	else if (in->class != NULL && strcmp(in->class, "hard") == 0)
		until = SUPPLIST_FOREVER;
	else if (in->until != SUPPLIST_NOTIME)
		until = in->until;
	else if (in->pause >= 0)
		length = in->pause;
	else
		until = SUPPLIST_FOREVER;
	if (length >= 0) {
		/* Paused before, and that pause is over: longer this time. Domain
		 * entries are a volume lever, not a verdict on anyone: never. */
		if (known && !ongoing && key[0] != '@' && e->since != SUPPLIST_NOTIME &&
		    e->until != SUPPLIST_FOREVER && e->until > e->since)
			length = escalate(a, length, e->until - e->since);
		until = length == SUPPLIST_FOREVER || length > INT64_MAX - a->now ?
		    SUPPLIST_FOREVER : a->now + length;
	}

	e = supplist_add(l, key);
	e->count++;
	e->last_added = a->now;
	e->touched = 1;
	if (ongoing) {
		/* Never shortened by an add (remove does that); the reason stays
		 * the one of the pause in force unless this add extends it. */
		if (e->until == SUPPLIST_FOREVER || until <= e->until)
			return;
	} else {
		e->since = a->now;
	}
	e->until = until;
	free(e->reason);
	free(e->source);
	free(e->status);
	e->reason = util_xstrdup(in->reason);
	e->source = util_xstrdup(in->source);
	e->status = in->status ? util_xstrdup(in->status) : NULL;
}

/* A plan record's suggested pause: a duration ("30d"), seconds, or a time. */
static int
record_pause(const struct input_loc *loc, json_t *obj, struct suppadd_info *in)
{
	json_t *v = json_object_get(obj, "pause");
	long long secs;
	time_t t;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		in->pause = json_integer_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);

		if (bktime_parse_duration(s, &secs) == 0 && secs >= 0) {
			in->pause = secs;
			return 0;
		}
		if (strcmp(s, "permanent") == 0) {
			in->until = SUPPLIST_FOREVER;
			return 0;
		}
		if (bktime_parse_time(s, &t) == 0) {
			in->until = t;
			return 0;
		}
	}
	util_locwarn(loc->file, loc->line, "pause: not a duration, a time or \"permanent\"");
	return -1;
}


int
suppadd_record(const struct suppadd *a, const struct input_loc *loc, json_t *obj,
    struct suppadd_info *in)
{
	const char *state = jsonl_get_str(obj, "state");
	const char *action = jsonl_get_str(obj, "action");
	int complaint = action != NULL && strcmp(action, "complained") == 0;

	in->class = jsonl_get_str(obj, "class");
	/* A complaint: the recipient asked not to get this mail, for good. */
	if (complaint)
		in->until = SUPPLIST_FOREVER;
	/* Deliveries, automatic replies and plans resolved by a delivery are
	 * no reason to suppress. */
	if ((!complaint && in->class != NULL && strcmp(in->class, "none") == 0) ||
	    (state != NULL && strcmp(state, "resolved") == 0))
		return 0;
	in->reason = a->reason ? a->reason : jsonl_get_str(obj, "reason");
	if (in->reason == NULL)
		in->reason = "undefined";
	if ((in->source = jsonl_get_str(obj, "source")) == NULL)
		in->source = state != NULL ? "retry-plan" : "record";
	in->status = jsonl_get_str(obj, "status");
	return record_pause(loc, obj, in) != 0 ? -1 : 1;
}

/* Deferrals are no reason to suppress; a soft failure (a block, a full
 * mailbox) is paused for the first step of the ladder. */
void
suppadd_event(struct supplist *l, const struct suppadd *a, const struct event *e)
{
	struct suppadd_info in = { NULL, NULL, NULL, NULL, -1, SUPPLIST_NOTIME };
	char key[ADDR_MAX];

	if (e->action == NULL || strcmp(e->action, "failed") != 0 || e->class == NULL ||
	    strcmp(e->class, "none") == 0)
		return;
	if (supplist_key(e->rcpt, strlen(e->rcpt), l->fold_local, key) < 0)
		return;	/* event_set_rcpt took it: cannot happen */
	in.reason = a->reason ? a->reason : e->reason ? e->reason : "undefined";
	in.source = e->source;
	in.status = e->status[0] ? e->status : NULL;
	in.class = e->class;
	if (strcmp(e->class, "soft") == 0)
		in.pause = a->nladder > 0 && a->ladder[0] != SUPPLIST_FOREVER ? a->ladder[0] :
		    30 * 86400;
	suppadd_key(l, a, key, &in);
}
