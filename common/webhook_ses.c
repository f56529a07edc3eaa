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

/* bounceSubType: what SES (and Resend, which sends through it) knows of a
 * bounce. */
static const struct webhook_kind ses_bounces[] = {
	{ "NoEmail", NULL, "userunknown", NULL, 0 },
	{ "Suppressed", NULL, "suppressed", NULL, 1 },
	{ "OnAccountSuppressionList", NULL, "suppressed", NULL, 1 },
	{ "MailboxFull", NULL, "mailboxfull", NULL, 1 },
	{ "MessageTooLarge", NULL, "mesgtoobig", NULL, 1 },
	{ "ContentRejected", NULL, "contenterror", NULL, 0 },
	{ "AttachmentRejected", NULL, "contenterror", NULL, 0 },
};

const char *
webhook_ses_bounce_reason(const char *sub, int *force)
{
	const struct webhook_kind *k = WEBHOOK_KIND(ses_bounces, sub);

	*force = k ? k->force : 0;
	return k ? k->reason : NULL;
}

/* delayType of a DeliveryDelay. */
static const struct webhook_kind ses_delays[] = {
	{ "MailboxFull", NULL, "mailboxfull", NULL, 1 },
	{ "SpamDetected", NULL, "spamdetected", NULL, 1 },
	{ "RecipientServerError", NULL, "systemerror", NULL, 1 },
	{ "IPFailure", NULL, "blocked", NULL, 1 },
	{ "TransientCommunicationFailure", NULL, "networkerror", NULL, 1 },
	{ "SendingDeferral", NULL, "speeding", NULL, 1 },
};

/* The common fields of every SES record from its "mail" part. */
static void
ses_mail(struct event *e, const struct jnode *mail, time_t when)
{
	const struct jnode *hdr = webhook_get(mail, "commonHeaders");

	e->time = when != (time_t)-1 ? when : webhook_time(webhook_get(mail, "timestamp"));
	e->from = webhook_str(mail, "source");
	webhook_ev_ids(e, webhook_str(hdr, "messageId"), webhook_str(mail, "messageId"));
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

/* The records of recipients' outcomes (the others: Send, Open, Click,
 * Rendering Failure, Subscription, ... have none), in the order of enum
 * ses_type. A Reject is a message SES found a virus in and did not try to
 * deliver to any of its recipients. */
enum ses_type { SES_BOUNCE, SES_DELAY, SES_DELIVERY, SES_COMPLAINT, SES_REJECT };
static const struct webhook_kind ses_types[] = {
	{ "Bounce", "failed", NULL, NULL, 0 },
	{ "DeliveryDelay", "delayed", NULL, NULL, 0 },
	{ "Delivery", "delivered", NULL, NULL, 0 },
	{ "Complaint", "delivered", "feedback", "none", 1 },
	{ "Reject", "failed", "virusdetected", "soft", 1 },
};
/* Where each of ses_types lists its recipients: part, then its list (a
 * Reject's are the message's destinations, in "mail"). */
static const struct {
	const char *part, *list;
} ses_lists[] = {
	{ "bounce", "bouncedRecipients" },
	{ "deliveryDelay", "delayedRecipients" },
	{ "delivery", "recipients" },
	{ "complaint", "complainedRecipients" },
	{ "mail", "destination" },
};
/* A complaint of this subtype is no complaint: SES did not send the message,
 * the address being on the account's suppression list. */
static const struct webhook_kind ses_complaint_suppressed = {
	"OnAccountSuppressionList", "failed", "suppressed", "hard", 1
};

static int
ses_map(struct webhook_ctx *c, const struct jnode *o, int depth)
{
	const char *type = webhook_str(o, "notificationType"), *hint = NULL, *cls = NULL;
	const struct jnode *mail = webhook_get(o, "mail"), *part, *r;
	const struct webhook_kind *k, *why;
	enum ses_type t;
	struct event e;
	int n = 0, force = 0;

	if (jtree_is(webhook_get(o, "Type"), JT_STR) && jtree_is(webhook_get(o, "Message"), JT_STR))
		return ses_envelope(c, o, depth);
	if (jtree_is(webhook_get(o, "SuppressedDestination"), JT_OBJ))
		return ses_suppressed(c, webhook_get(o, "SuppressedDestination"));
	if (jtree_is(webhook_get(o, "SuppressedDestinationSummaries"), JT_ARR))
		return webhook_each(c, webhook_get(o, "SuppressedDestinationSummaries"), ses_suppressed);
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
	if ((k = WEBHOOK_KIND(ses_types, type)) == NULL)
		return WEBHOOK_MAP_NONE;
	t = (enum ses_type)(k - ses_types);
	part = webhook_get(o, ses_lists[t].part);
	if (t == SES_BOUNCE) {
		const char *btype = webhook_str(part, "bounceType");

		hint = webhook_ses_bounce_reason(webhook_str(part, "bounceSubType"), &force);
		cls = btype && strcasecmp(btype, "Permanent") == 0 ? "hard" :
		    btype && strcasecmp(btype, "Transient") == 0 ? "soft" : NULL;
	} else if (t == SES_DELAY) {
		why = WEBHOOK_KIND(ses_delays, webhook_str(part, "delayType"));
		hint = why ? why->reason : NULL;
		force = 1;
	} else {
		if (t == SES_COMPLAINT && webhook_str_is(part, "complaintSubType",
		    ses_complaint_suppressed.name))
			k = &ses_complaint_suppressed;
		hint = k->reason;
		force = k->force;
		cls = k->cls;
	}
	jtree_foreach(webhook_get(part, ses_lists[t].list), r) {
		webhook_ev_start(c, &e, k->action);
		/* Deliveries and Rejects list addresses, the others objects. */
		if (webhook_ev_rcpt(c, &e, t == SES_DELIVERY || t == SES_REJECT ? jtree_str(r) :
		    webhook_str(r, "emailAddress")) != 0)
			continue;
		ses_mail(&e, mail, webhook_time(webhook_get(part, "timestamp")));
		if (t == SES_COMPLAINT) {
			e.diag = WEBHOOK_STR_OF(part, "complaintFeedbackType", "complaintSubType");
		} else if (t == SES_REJECT) {
			e.diag = webhook_str(webhook_get(o, "reject"), "reason");
		} else if (t == SES_DELIVERY) {
			e.diag = webhook_str(part, "smtpResponse");
			e.rhost = webhook_str(part, "remoteMtaIp");
		} else {
			const char *act = webhook_str(r, "action");

			/* A bounced recipient's own action, where it has one. */
			if (act && t == SES_BOUNCE && event_action_name(act, strlen(act)))
				e.action = event_action_name(act, strlen(act));
			webhook_ev_status(&e, webhook_str(r, "status"));
			e.diag = webhook_skip_type(webhook_str(r, "diagnosticCode"), "smtp");
			e.rhost = ses_rhost(part);
		}
		webhook_ev_send(c, &e, hint, force, cls);
		n++;
	}
	return n;
}

static int
ses_event(struct webhook_ctx *c, const struct jnode *o)
{
	return ses_map(c, o, 0);
}

const struct webhook_provider webhook_ses = { "ses", WEBHOOK_SES, ses_is, ses_event };
