/* event: the event record, built from parser findings and mapped to and from the record layer. */
#include "event.h"
#include "bktime.h"
#include "schema.h"
#include "reason.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

void
event_init(struct event *e)
{
	memset(e, 0, sizeof *e);
	e->time = (time_t)-1;
}

int
event_set_rcpt(struct event *e, const char *addr, size_t n)
{
	int dom = addr_normalize(addr, n, 0, e->rcpt);

	if (dom < 0) {
		e->rcpt[0] = '\0';
		e->domain = NULL;
		return -1;
	}
	e->domain = e->rcpt + dom;
	return 0;
}

const char *
event_action_name(const char *s, size_t n)
{
	/* RFC 3464's, and complained: a complaint (RFC 5965 feedback report,
	 * an ESP's complaint event) about a message that was delivered. */
	static const char *const names[] = { "failed", "delayed", "delivered", "relayed",
		"expanded", "complained" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i]) == n && strncasecmp(names[i], s, n) == 0)
			return names[i];
	return NULL;
}

void
event_finish(struct event *e)
{
	const char *after = NULL;

	/* A complaint is its own kind of record, from every source: sending
	 * to its recipient must stop, not be retried or counted as delivered. */
	if (e->reason && strcmp(e->reason, "feedback") == 0) {
		e->action = "complained";
		e->class = "none";	/* no delivery failure, whatever a list said */
	}

	if (e->diag) {
		size_t n = strlen(e->diag);

		if (e->code == 0)
			e->code = status_find_reply(e->diag, n, &after);
		if (e->status[0] == '\0') {
			/* The enhanced code follows the reply code; look near the start
			 * only, so that a number deep in the text is not taken for it. */
			size_t lim = n < 64 ? n : 64;
			char st[STATUS_MAX];

			if (status_find(e->diag, lim, st) != NULL)
				memcpy(e->status, st, sizeof st);
		}
	}
	if (e->reason == NULL) {
		struct reason_input in = { e->action, e->status[0] ? e->status : NULL, e->code,
		    e->diag, e->context, 0, e->expired, e->rcpt[0] ? e->rcpt : NULL,
		    e->from };
		struct reason_verdict v;

		reason_decide(&in, &v);
		e->reason = v.reason;
		e->reason_rule = v.reason_rule;
		if (e->class == NULL) {
			e->class = v.class;
			e->class_rule = v.class_rule;
		}
	} else if (e->reason_rule == NULL) {
		e->reason_rule = &reason_rule_input;
	}
	if (e->class == NULL) {
		if (e->action && (strcmp(e->action, "delivered") == 0 ||
		    strcmp(e->action, "relayed") == 0 || strcmp(e->action, "expanded") == 0))
			e->class = "none";
		else
			e->class = reason_class_action(e->reason, e->action,
			    e->status[0] ? e->status : NULL, e->code, &e->class_rule);
	}
	if (e->class_rule == NULL)
		e->class_rule = &reason_rule_input;
}

/* The record of e, in v (EV_NFIELDS values); with why, the rules that
 * decided reason and class and their sources. */
static void
event_to_rec(const struct event *e, int why, struct rec_val *v)
{
	memset(v, 0, EV_NFIELDS * sizeof *v);
	if (e->time != (time_t)-1)
		rec_int(&v[EV_TIME], (long long)e->time);
	rec_str(&v[EV_RCPT], e->rcpt[0] ? e->rcpt : NULL);
	rec_str(&v[EV_DOMAIN], e->domain);
	rec_str(&v[EV_ACTION], e->action);
	rec_str(&v[EV_STATUS], e->status[0] ? e->status : NULL);
	if (e->code)
		rec_int(&v[EV_CODE], e->code);
	rec_str(&v[EV_REASON], e->reason);
	rec_str(&v[EV_CLASS], e->class);
	rec_str(&v[EV_RHOST], e->rhost);
	rec_str(&v[EV_DIAG], e->diag);
	rec_str(&v[EV_FROM], e->from);
	rec_str(&v[EV_MSGID], e->msgid);
	rec_str(&v[EV_QID], e->qid);
	rec_str(&v[EV_POOL], e->pool);
	rec_str(&v[EV_ORIG_RCPT], e->orig_rcpt);
	rec_str(&v[EV_SOURCE], e->source);
	rec_str(&v[EV_ORIGIN], e->origin);
	if (why) {
		/* There whenever asked for (null if a rule had none). */
		v[EV_REASON_RULE].set = v[EV_REASON_SOURCE].set = 1;
		v[EV_CLASS_RULE].set = v[EV_CLASS_SOURCE].set = 1;
		v[EV_REASON_RULE].s = e->reason_rule ? e->reason_rule->name : NULL;
		v[EV_REASON_SOURCE].s = e->reason_rule ? e->reason_rule->source : NULL;
		v[EV_CLASS_RULE].s = e->class_rule ? e->class_rule->name : NULL;
		v[EV_CLASS_SOURCE].s = e->class_rule ? e->class_rule->source : NULL;
	}
}

int
event_write(FILE *fp, const struct event *e)
{
	return event_write_why(fp, e, 0);
}

int
event_write_why(FILE *fp, const struct event *e, int why)
{
	struct rec_val v[EV_NFIELDS];

	event_to_rec(e, why, v);
	return rec_write(fp, &schema_event, v);
}

void
event_format(struct util_buf *b, const struct event *e)
{
	struct rec_val v[EV_NFIELDS];

	event_to_rec(e, 0, v);
	rec_format(b, &schema_event, v);
}

/* The event of a record read: a view into v's strings. */
static int
event_from_rec(const struct rec_val *v, struct event *e, char *why, size_t whylen)
{
	const char *s;

	event_init(e);
	s = v[EV_RCPT].s;
	if (event_set_rcpt(e, s, strlen(s)) != 0) {
		snprintf(why, whylen, "\"rcpt\" is not an address: %.80s", s);
		return -1;
	}
	s = v[EV_ACTION].s;
	if ((e->action = event_action_name(s, strlen(s))) == NULL) {
		snprintf(why, whylen, "\"action\" is not an action: %.40s", s);
		return -1;
	}
	if (v[EV_TIME].set)
		e->time = (time_t)v[EV_TIME].i;
	if ((s = v[EV_STATUS].s) != NULL && status_parse(s, strlen(s), e->status) != 0) {
		snprintf(why, whylen, "\"status\" is not a status code: %.40s", s);
		return -1;
	}
	if (v[EV_CODE].set)
		e->code = v[EV_CODE].i >= 0 && v[EV_CODE].i <= 999 ? (int)v[EV_CODE].i : 0;
	if ((s = v[EV_REASON].s) != NULL) {
		const struct reason_desc *r = reason_describe(s);

		e->reason = r ? r->name : "undefined";
	}
	if ((s = v[EV_CLASS].s) != NULL) {
		if (strcmp(s, "hard") == 0)
			e->class = "hard";
		else if (strcmp(s, "soft") == 0)
			e->class = "soft";
		else if (strcmp(s, "none") == 0)
			e->class = "none";
	}
	e->rhost = v[EV_RHOST].s;
	e->diag = v[EV_DIAG].s;
	e->from = v[EV_FROM].s;
	e->msgid = v[EV_MSGID].s;
	e->qid = v[EV_QID].s;
	e->pool = v[EV_POOL].s;
	e->orig_rcpt = v[EV_ORIG_RCPT].s;
	e->source = v[EV_SOURCE].s;
	e->origin = v[EV_ORIGIN].s;
	event_finish(e);
	return 0;
}

void
event_reader_init(struct event_reader *r)
{
	rec_reader_init(&r->rec, &schema_event);
}

void
event_reader_free(struct event_reader *r)
{
	rec_reader_free(&r->rec);
}

int
event_read(struct event_reader *r, const char *line, size_t len, struct event *e, char *why,
    size_t whylen)
{
	int rc = rec_read(&r->rec, line, len, r->v, why, whylen);

	if (rc <= 0)
		return rc;
	return event_from_rec(r->v, e, why, whylen) == 0 ? 1 : -1;
}
