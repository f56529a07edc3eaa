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

static const struct webhook_kind sendgrid_events[] = {
	{ "bounce", "failed", NULL, NULL, 0 },
	{ "blocked", "failed", "blocked", NULL, 0 },
	{ "dropped", "failed", NULL, NULL, 0 },
	{ "deferred", "delayed", NULL, NULL, 0 },
	{ "delivered", "delivered", NULL, NULL, 0 },
	{ "spamreport", "delivered", "feedback", "none", 1 },
	/* processed, open, click, unsubscribe, ...: no delivery outcome */
};

/* bounce_classification of bounces and blocks. */
static const struct webhook_kind sendgrid_classes[] = {
	{ "Invalid Address", NULL, "userunknown", NULL, 0 },
	{ "Reputation", NULL, "badreputation", NULL, 0 },
	{ "Content", NULL, "contenterror", NULL, 0 },
	{ "Frequency or Volume", NULL, "speeding", NULL, 0 },
	{ "Mailbox Unavailable", NULL, "suspend", NULL, 0 },
};

/* The reason of a dropped message: not tried, as the address is on one of
 * the account's lists, or is not one. */
static const struct webhook_kind sendgrid_drops[] = {
	{ "Bounced Address", NULL, "suppressed", "hard", 1 },
	{ "Unsubscribed Address", NULL, "suppressed", "hard", 1 },
	{ "Spam Reporting Address", NULL, "suppressed", "hard", 1 },
	{ "Invalid", NULL, "userunknown", "hard", 1 },
	/* the sender's side: the content, the plan's quota of recipients */
	{ "Spam Content (if spam checker app enabled)", NULL, "spamdetected", "soft", 1 },
	{ "Spam Content", NULL, "spamdetected", "soft", 1 },
	{ "Recipient List over Package Quota", NULL, "exceedlimit", "soft", 1 },
};

static int
sendgrid_map(struct webhook_ctx *c, const struct jnode *o)
{
	const char *ev = webhook_str(o, "event");
	const struct webhook_kind *k = WEBHOOK_KIND(sendgrid_events, ev), *why = k, *bc;
	struct event e;

	if (sendgrid_list_is(o))
		return sendgrid_list(c, o);
	if (ev == NULL)
		return WEBHOOK_MAP_UNKNOWN;	/* "event": "" */
	if (k == NULL)
		return WEBHOOK_MAP_NONE;
	webhook_ev_start(c, &e, k->action);
	/* The reply: "reason" of failures, "response" of the others; a spam
	 * report has none. */
	if (strcasecmp(ev, "spamreport") != 0)
		e.diag = webhook_str(o, strcmp(k->action, "failed") == 0 ? "reason" : "response");
	if (strcasecmp(ev, "dropped") == 0) {
		why = WEBHOOK_KIND(sendgrid_drops, e.diag);
	} else if (strcmp(k->action, "failed") == 0) {
		bc = WEBHOOK_KIND(sendgrid_classes, webhook_str(o, "bounce_classification"));
		if (bc != NULL)
			why = bc;
		else if (webhook_str_is(o, "type", "blocked"))
			why = WEBHOOK_KIND(sendgrid_events, "blocked");
	}
	if (webhook_ev_rcpt(c, &e, webhook_str(o, "email")) != 0)
		return WEBHOOK_MAP_ERR;
	e.time = webhook_time(webhook_get(o, "timestamp"));
	webhook_ev_status(&e, webhook_str(o, "status"));
	webhook_ev_ids(&e, webhook_str(o, "smtp-id"), webhook_str(o, "sg_message_id"));
	return webhook_ev_send_kind(c, &e, why);
}

const struct webhook_provider webhook_sendgrid = { "sendgrid", WEBHOOK_SENDGRID, sendgrid_is,
	sendgrid_map };
