/* webhook_ses: Amazon SES notifications and event publishing, bare, in an SNS
 * envelope or in an EventBridge event, and its account-level suppression list,
 * -> event records. */
#include "webhook_int.h"
#include "util.h"

#include <string.h>
#include <strings.h>

static int
ses_is(const struct jnode *o)
{
	if (jtree_is(webhook_get(o, "Type"), JT_STR) && jtree_is(webhook_get(o, "Message"), JT_STR) &&
	    webhook_get(o, "RecordType") == NULL)
		return 1;
	/* the account's suppression list: aws sesv2 list-suppressed-destinations,
	 * get-suppressed-destination */
	if (jtree_is(webhook_get(o, "SuppressedDestinationSummaries"), JT_ARR) ||
	    jtree_is(webhook_get(o, "SuppressedDestination"), JT_OBJ))
		return 1;
	/* EventBridge: {"detail-type": "Email Bounced", "source": "aws.ses", "detail": {...}} */
	if (jtree_is(webhook_get(o, "detail-type"), JT_STR) && jtree_is(webhook_get(o, "detail"), JT_OBJ))
		return webhook_str_is(o, "source", "aws.ses");
	return (jtree_is(webhook_get(o, "notificationType"), JT_STR) ||
	    jtree_is(webhook_get(o, "eventType"), JT_STR)) && jtree_is(webhook_get(o, "mail"), JT_OBJ);
}

const char *
webhook_ses_bounce_reason(const char *sub, int *force)
{
	static const struct { const char *sub, *reason; int force; } map[] = {
		{ "NoEmail", "userunknown", 0 },
		{ "Suppressed", "suppressed", 1 },
		{ "OnAccountSuppressionList", "suppressed", 1 },
		{ "MailboxFull", "mailboxfull", 1 },
		{ "MessageTooLarge", "mesgtoobig", 1 },
		{ "ContentRejected", "contenterror", 0 },
		{ "AttachmentRejected", "contenterror", 0 },
	};

	*force = 0;
	for (size_t i = 0; sub && i < sizeof map / sizeof map[0]; i++)
		if (strcasecmp(sub, map[i].sub) == 0) {
			*force = map[i].force;
			return map[i].reason;
		}
	return NULL;
}

static const char *
ses_delay_reason(const char *type)
{
	static const struct { const char *type, *reason; } map[] = {
		{ "MailboxFull", "mailboxfull" },
		{ "SpamDetected", "spamdetected" },
		{ "RecipientServerError", "systemerror" },
		{ "IPFailure", "blocked" },
		{ "TransientCommunicationFailure", "networkerror" },
		{ "SendingDeferral", "speeding" },
	};

	for (size_t i = 0; type && i < sizeof map / sizeof map[0]; i++)
		if (strcasecmp(type, map[i].type) == 0)
			return map[i].reason;
	return NULL;
}

/* The common fields of every SES record from its "mail" part. */
static void
ses_mail(struct event *e, const struct jnode *mail, time_t when)
{
	const struct jnode *hdr = webhook_get(mail, "commonHeaders");

	e->time = when != (time_t)-1 ? when : webhook_time(webhook_get(mail, "timestamp"));
	e->from = webhook_str(mail, "source");
	e->qid = webhook_str(mail, "messageId");
	e->msgid = webhook_str(hdr, "messageId");
	if (e->msgid == NULL)
		e->msgid = e->qid;
	if (e->msgid == e->qid)
		e->qid = NULL;
}

static const char *
ses_rhost(const struct jnode *part)
{
	const char *s = webhook_str(part, "remoteMtaIp");

	return s ? s : webhook_skip_type(webhook_str(part, "reportingMTA"), "dns");
}

static int ses_map(struct webhook_ctx *c, const struct jnode *o, int depth);

static int
ses_envelope(struct webhook_ctx *c, const struct jnode *o, int depth)
{
	const char *type = webhook_str(o, "Type"), *msg = webhook_str(o, "Message");
	json_error_t err;
	const struct jnode *inner;

	if (type == NULL || strcmp(type, "Notification") != 0)
		return WEBHOOK_MAP_NONE;	/* SubscriptionConfirmation and the like */
	if (msg == NULL || depth > 0) {
		util_locwarn(c->file, c->line, "SNS notification without an SES message");
		return WEBHOOK_MAP_ERR;
	}
	if ((inner = jtree_parse(c->inner, msg, strlen(msg), &err)) == NULL) {
		util_locwarn(c->file, c->line, "SNS notification whose Message is not JSON: %s",
		    err.text);
		return WEBHOOK_MAP_ERR;
	}
	return jtree_is(inner, JT_OBJ) ? ses_map(c, inner, depth + 1) : WEBHOOK_MAP_UNKNOWN;
}

/* {"EmailAddress", "Reason": "BOUNCE" | "COMPLAINT", "LastUpdateTime",
 * "Attributes": {"MessageId", "FeedbackId"}}: on SES's list for good. */
static int
ses_suppressed(struct webhook_ctx *c, const struct jnode *s)
{
	const char *why = webhook_str(s, "Reason");

	return webhook_list_entry(c, webhook_str(s, "EmailAddress"), webhook_time(webhook_get(s,
	    "LastUpdateTime")), why, NULL, NULL, why && strcasecmp(why, "COMPLAINT") == 0 ?
	    "feedback" : "suppressed", 1, "hard");
}

static int
ses_suppressed_list(struct webhook_ctx *c, const struct jnode *list)
{
	const struct jnode *s;
	int n = 0, r;

	jtree_foreach(list, s)
		if ((r = ses_suppressed(c, s)) > 0)
			n += r;
	return n;
}

static int
ses_map(struct webhook_ctx *c, const struct jnode *o, int depth)
{
	const char *type = webhook_str(o, "notificationType");
	const struct jnode *mail = webhook_get(o, "mail"), *part, *list, *r;
	struct event e;
	int n = 0;

	if (jtree_is(webhook_get(o, "Type"), JT_STR) && jtree_is(webhook_get(o, "Message"), JT_STR))
		return ses_envelope(c, o, depth);
	if (jtree_is(webhook_get(o, "SuppressedDestination"), JT_OBJ))
		return ses_suppressed(c, webhook_get(o, "SuppressedDestination"));
	if (jtree_is(webhook_get(o, "SuppressedDestinationSummaries"), JT_ARR))
		return ses_suppressed_list(c, webhook_get(o, "SuppressedDestinationSummaries"));
	if (jtree_is(webhook_get(o, "detail"), JT_OBJ) && webhook_str(o, "detail-type") && depth == 0) {
		/* The detail of "Email Bounced" and the like is an event-publishing
		 * record; "Sending Status Disabled" and the like are about the account. */
		part = webhook_get(o, "detail");
		return jtree_is(webhook_get(part, "mail"), JT_OBJ) ? ses_map(c, part, depth + 1) :
		    WEBHOOK_MAP_NONE;
	}
	if (type == NULL)
		type = webhook_str(o, "eventType");
	if (type == NULL || !jtree_is(mail, JT_OBJ))
		return WEBHOOK_MAP_UNKNOWN;
	if (strcasecmp(type, "Bounce") == 0) {
		const char *btype, *sub, *hint, *cls;
		int force;

		part = webhook_get(o, "bounce");
		btype = webhook_str(part, "bounceType");
		sub = webhook_str(part, "bounceSubType");
		hint = webhook_ses_bounce_reason(sub, &force);
		cls = btype && strcasecmp(btype, "Permanent") == 0 ? "hard" :
		    btype && strcasecmp(btype, "Transient") == 0 ? "soft" : NULL;
		list = webhook_get(part, "bouncedRecipients");
		jtree_foreach(list, r) {
			const char *act = webhook_str(r, "action");

			webhook_ev_start(c, &e, "failed");
			if (webhook_ev_rcpt(c, &e, webhook_str(r, "emailAddress")) != 0)
				continue;
			if (act && event_action_name(act, strlen(act)))
				e.action = event_action_name(act, strlen(act));
			ses_mail(&e, mail, webhook_time(webhook_get(part, "timestamp")));
			webhook_ev_status(&e, webhook_str(r, "status"));
			e.diag = webhook_skip_type(webhook_str(r, "diagnosticCode"), "smtp");
			e.rhost = ses_rhost(part);
			webhook_ev_send(c, &e, hint, force, cls);
			n++;
		}
	} else if (strcasecmp(type, "DeliveryDelay") == 0) {
		part = webhook_get(o, "deliveryDelay");
		list = webhook_get(part, "delayedRecipients");
		jtree_foreach(list, r) {
			webhook_ev_start(c, &e, "delayed");
			if (webhook_ev_rcpt(c, &e, webhook_str(r, "emailAddress")) != 0)
				continue;
			ses_mail(&e, mail, webhook_time(webhook_get(part, "timestamp")));
			webhook_ev_status(&e, webhook_str(r, "status"));
			e.diag = webhook_skip_type(webhook_str(r, "diagnosticCode"), "smtp");
			e.rhost = ses_rhost(part);
			webhook_ev_send(c, &e, ses_delay_reason(webhook_str(part, "delayType")), 1, NULL);
			n++;
		}
	} else if (strcasecmp(type, "Delivery") == 0) {
		part = webhook_get(o, "delivery");
		list = webhook_get(part, "recipients");
		jtree_foreach(list, r) {
			webhook_ev_start(c, &e, "delivered");
			if (webhook_ev_rcpt(c, &e, jtree_str(r)) != 0)
				continue;
			ses_mail(&e, mail, webhook_time(webhook_get(part, "timestamp")));
			e.diag = webhook_str(part, "smtpResponse");
			e.rhost = webhook_str(part, "remoteMtaIp");
			webhook_ev_send(c, &e, NULL, 0, NULL);
			n++;
		}
	} else if (strcasecmp(type, "Complaint") == 0) {
		part = webhook_get(o, "complaint");
		list = webhook_get(part, "complainedRecipients");
		jtree_foreach(list, r) {
			webhook_ev_start(c, &e, "delivered");
			if (webhook_ev_rcpt(c, &e, webhook_str(r, "emailAddress")) != 0)
				continue;
			ses_mail(&e, mail, webhook_time(webhook_get(part, "timestamp")));
			e.diag = webhook_str(part, "complaintFeedbackType");
			webhook_ev_send(c, &e, "feedback", 1, "none");
			n++;
		}
	}
	/* Send, Reject, Open, Click, ...: no recipient outcome. */
	return n;
}

static int
ses_event(struct webhook_ctx *c, const struct jnode *o)
{
	return ses_map(c, o, 0);
}

const struct webhook_provider webhook_ses = { "ses", WEBHOOK_SES, ses_is, ses_event };
