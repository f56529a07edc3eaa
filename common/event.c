#include "event.h"
#include "bktime.h"
#include "jsonl.h"
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
		    e->diag, e->context, 0, e->expired };
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
			e->class = reason_class_why(e->reason, e->status[0] ? e->status : NULL,
			    e->code, &e->class_rule);
	}
	if (e->class_rule == NULL)
		e->class_rule = &reason_rule_input;
}

json_t *
event_to_json(const struct event *e)
{
	json_t *o = json_object();
	char tbuf[BKTIME_BUFSZ];

	json_object_set_new(o, "time", e->time == (time_t)-1 ? json_null() :
	    json_string(bktime_format(e->time, tbuf)));
	jsonl_set_str(o, "rcpt", e->rcpt[0] ? e->rcpt : NULL);
	jsonl_set_str(o, "domain", e->domain);
	jsonl_set_str(o, "action", e->action);
	jsonl_set_str(o, "status", e->status[0] ? e->status : NULL);
	json_object_set_new(o, "code", e->code ? json_integer(e->code) : json_null());
	jsonl_set_str(o, "reason", e->reason);
	jsonl_set_str(o, "class", e->class);
	jsonl_set_str(o, "rhost", e->rhost);
	jsonl_set_str(o, "diag", e->diag);
	jsonl_set_str(o, "from", e->from);
	jsonl_set_str(o, "msgid", e->msgid);
	jsonl_set_str(o, "qid", e->qid);
	if (e->pool)
		jsonl_set_str(o, "pool", e->pool);
	if (e->orig_rcpt)
		jsonl_set_str(o, "orig_rcpt", e->orig_rcpt);
	jsonl_set_str(o, "source", e->source);
	jsonl_set_str(o, "origin", e->origin);
	return o;
}

int
event_write(FILE *fp, const struct event *e)
{
	return event_write_why(fp, e, 0);
}

int
event_write_why(FILE *fp, const struct event *e, int why)
{
	char tbuf[BKTIME_BUFSZ];
	struct jsonl_field f[24];
	size_t n = 0;

#define STR(k, v) (f[n++] = (struct jsonl_field){ (k), JSONL_STR, (v), 0 })
	STR("time", e->time == (time_t)-1 ? NULL : bktime_format(e->time, tbuf));
	STR("rcpt", e->rcpt[0] ? e->rcpt : NULL);
	STR("domain", e->domain);
	STR("action", e->action);
	STR("status", e->status[0] ? e->status : NULL);
	f[n++] = (struct jsonl_field){ "code", e->code ? JSONL_INT : JSONL_NULL, NULL, e->code };
	STR("reason", e->reason);
	STR("class", e->class);
	STR("rhost", e->rhost);
	STR("diag", e->diag);
	STR("from", e->from);
	STR("msgid", e->msgid);
	STR("qid", e->qid);
	if (e->pool)
		STR("pool", e->pool);
	if (e->orig_rcpt)
		STR("orig_rcpt", e->orig_rcpt);
	STR("source", e->source);
	STR("origin", e->origin);
	if (why) {
		STR("reason_rule", e->reason_rule ? e->reason_rule->name : NULL);
		STR("reason_source", e->reason_rule ? e->reason_rule->source : NULL);
		STR("class_rule", e->class_rule ? e->class_rule->name : NULL);
		STR("class_source", e->class_rule ? e->class_rule->source : NULL);
	}
#undef STR
	return jsonl_write_fields(fp, f, n);
}

static const char *
opt_str(const json_t *obj, const char *key)
{
	return jsonl_get_str(obj, key);
}

int
event_from_json(const json_t *obj, struct event *e, char *why, size_t whylen)
{
	const char *s;
	json_t *v;

	event_init(e);
	if ((s = opt_str(obj, "rcpt")) == NULL) {
		snprintf(why, whylen, "no \"rcpt\"");
		return -1;
	}
	if (event_set_rcpt(e, s, strlen(s)) != 0) {
		snprintf(why, whylen, "\"rcpt\" is not an address: %.80s", s);
		return -1;
	}
	if ((s = opt_str(obj, "action")) == NULL || (e->action = event_action_name(s,
	    strlen(s))) == NULL) {
		snprintf(why, whylen, "no valid \"action\"");
		return -1;
	}
	v = json_object_get(obj, "time");
	/* "" must fail too: parsing nothing "uses" all of it, and leaves no time. */
	if ((s = json_string_value(v)) == NULL || *s == '\0' ||
	    bktime_parse_rfc3339(s, strlen(s), &e->time) != strlen(s)) {
		snprintf(why, whylen, "no valid \"time\"");
		return -1;
	}
	if ((s = opt_str(obj, "status")) != NULL && status_parse(s, strlen(s), e->status) != 0) {
		snprintf(why, whylen, "\"status\" is not a status code: %.40s", s);
		return -1;
	}
	v = json_object_get(obj, "code");
	if (json_is_integer(v))
		e->code = (int)json_integer_value(v);
	if ((s = opt_str(obj, "reason")) != NULL) {
		const struct reason_desc *r = reason_describe(s);

		e->reason = r ? r->name : "undefined";
	}
	if ((s = opt_str(obj, "class")) != NULL) {
		if (strcmp(s, "hard") == 0)
			e->class = "hard";
		else if (strcmp(s, "soft") == 0)
			e->class = "soft";
		else if (strcmp(s, "none") == 0)
			e->class = "none";
	}
	e->rhost = opt_str(obj, "rhost");
	e->diag = opt_str(obj, "diag");
	e->from = opt_str(obj, "from");
	e->msgid = opt_str(obj, "msgid");
	e->qid = opt_str(obj, "qid");
	e->pool = opt_str(obj, "pool");
	e->orig_rcpt = opt_str(obj, "orig_rcpt");
	e->source = opt_str(obj, "source");
	e->origin = opt_str(obj, "origin");
	event_finish(e);
	return 0;
}
