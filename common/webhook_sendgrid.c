/* webhook_sendgrid: SendGrid event webhook posts and its suppression lists
 * (bounces, blocks, spam reports, invalid emails, unsubscribes: the v3 API
 * and the older list format) -> event records. */
#include "webhook_int.h"
#include "util.h"

#include <string.h>
#include <strings.h>

/* A suppression list record: {"created": ..., "email": ...} and, by list,
 * "status" and "reason" (bounces, blocks), "reason" (invalid emails), "ip"
 * (spam reports) or nothing more (unsubscribes). */
static int
sendgrid_list_is(const struct jnode *o)
{
	return webhook_get(o, "event") == NULL && jtree_is(webhook_get(o, "email"), JT_STR) &&
	    webhook_get(o, "created") != NULL;
}

static int
sendgrid_is(const struct jnode *o)
{
	return webhook_event_email(o) || sendgrid_list_is(o);
}

static int
sendgrid_list(struct webhook_ctx *c, const struct jnode *o)
{
	const char *email = webhook_str(o, "email"), *reason = webhook_str(o, "reason");
	const struct jnode *status = webhook_get(o, "status");
	time_t when = webhook_time(webhook_get(o, "created"));

	if (status != NULL) {
		/* bounces (5xx) and blocks (4xx, or refusals of the sender):
		 * "5.1.1" in the v3 API, "550" in the older lists */
		const char *st = jtree_str(status);

		return webhook_list_entry(c, email, when, reason, st, st && !strchr(st, '.') ? status :
		    NULL, NULL, 0, NULL);
	}
	if (reason != NULL)	/* invalid emails */
		return webhook_list_entry(c, email, when, reason, NULL, NULL, "userunknown", 0,
		    "hard");
	if (webhook_get(o, "ip") != NULL)	/* spam reports */
		return webhook_list_entry(c, email, when, "spam report", NULL, NULL, "feedback", 1,
		    "hard");
	return webhook_list_entry(c, email, when, "unsubscribed", NULL, NULL, "suppressed", 1,
	    "hard");
}

static const char *
sendgrid_class_reason(const char *cls)
{
	static const struct { const char *cls, *reason; } map[] = {
		{ "Invalid Address", "userunknown" },
		{ "Reputation", "badreputation" },
		{ "Content", "contenterror" },
		{ "Frequency or Volume", "speeding" },
		{ "Mailbox Unavailable", "suspend" },
	};

	for (size_t i = 0; cls && i < sizeof map / sizeof map[0]; i++)
		if (strcasecmp(cls, map[i].cls) == 0)
			return map[i].reason;
	return NULL;
}

static int
sendgrid_map(struct webhook_ctx *c, const struct jnode *o)
{
	const char *ev = webhook_str(o, "event"), *hint = NULL, *cls = NULL, *why;
	struct event e;
	int force = 0;

	if (sendgrid_list_is(o))
		return sendgrid_list(c, o);
	if (ev == NULL)
		return WEBHOOK_MAP_UNKNOWN;	/* "event": "" */
	if (strcmp(ev, "bounce") == 0 || strcmp(ev, "blocked") == 0) {
		webhook_ev_start(c, &e, "failed");
		e.diag = webhook_str(o, "reason");
		hint = sendgrid_class_reason(webhook_str(o, "bounce_classification"));
		if (hint == NULL && (strcmp(ev, "blocked") == 0 || webhook_str_is(o, "type", "blocked")))
			hint = "blocked";
	} else if (strcmp(ev, "deferred") == 0) {
		webhook_ev_start(c, &e, "delayed");
		e.diag = webhook_str(o, "response");
	} else if (strcmp(ev, "dropped") == 0) {
		webhook_ev_start(c, &e, "failed");
		e.diag = why = webhook_str(o, "reason");
		/* Dropped without trying: the address is on one of the account's lists. */
		if (why && (strcasecmp(why, "Bounced Address") == 0 ||
		    strcasecmp(why, "Unsubscribed Address") == 0 ||
		    strcasecmp(why, "Spam Reporting Address") == 0)) {
			hint = "suppressed";
			force = 1;
			cls = "hard";
		} else if (why && strcasecmp(why, "Invalid") == 0) {
			hint = "userunknown";
			force = 1;
			cls = "hard";
		}
	} else if (strcmp(ev, "delivered") == 0) {
		webhook_ev_start(c, &e, "delivered");
		e.diag = webhook_str(o, "response");
	} else if (strcmp(ev, "spamreport") == 0) {
		webhook_ev_start(c, &e, "delivered");
		hint = "feedback";
		force = 1;
		cls = "none";
	} else {
		return WEBHOOK_MAP_NONE;	/* processed, open, click, unsubscribe, ... */
	}
	if (webhook_ev_rcpt(c, &e, webhook_str(o, "email")) != 0)
		return WEBHOOK_MAP_ERR;
	e.time = webhook_time(webhook_get(o, "timestamp"));
	webhook_ev_status(&e, webhook_str(o, "status"));
	e.qid = webhook_str(o, "sg_message_id");
	e.msgid = webhook_str(o, "smtp-id");
	if (e.msgid == NULL) {
		e.msgid = e.qid;
		e.qid = NULL;
	}
	webhook_ev_send(c, &e, hint, force, cls);
	return 1;
}

const struct webhook_provider webhook_sendgrid = { "sendgrid", WEBHOOK_SENDGRID, sendgrid_is,
	sendgrid_map };
