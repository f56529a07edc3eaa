/* webhook_mandrill: Mandrill (Mailchimp Transactional) message event webhooks
 * ({"event": ..., "msg": {...}}) and the message objects of its messages API
 * (search, info) -> event records. */
#include "webhook_int.h"
#include "util.h"

#include <string.h>
#include <strings.h>

/* An entry of the rejection list (rejects/list, or a row of its export):
 * {"email", "reason", "detail", "created_at", "last_event_at", "expires_at",
 * "expired", "sender", "subaccount"}. */
static int
mandrill_reject_is(const struct jnode *o)
{
	return jtree_is(webhook_get(o, "email"), JT_STR) && jtree_is(webhook_get(o, "reason"), JT_STR) &&
	    webhook_get(o, "created_at") != NULL && (webhook_get(o, "expires_at") != NULL ||
	    webhook_get(o, "expired") != NULL || webhook_get(o, "last_event_at") != NULL);
}

static int
mandrill_is(const struct jnode *o)
{
	if (jtree_is(webhook_get(o, "event"), JT_STR) && jtree_is(webhook_get(o, "msg"), JT_OBJ))
		return 1;
	/* sync events: {"type": "blacklist", "action": "add", "reject": {...}} */
	if (jtree_is(webhook_get(o, "type"), JT_STR) && (jtree_is(webhook_get(o, "reject"), JT_OBJ) ||
	    jtree_is(webhook_get(o, "entry"), JT_OBJ)))
		return 1;
	if (mandrill_reject_is(o))
		return 1;
	/* a message of messages/search or messages/info */
	return jtree_is(webhook_get(o, "state"), JT_STR) && jtree_is(webhook_get(o, "email"), JT_STR) &&
	    jtree_is(webhook_get(o, "_id"), JT_STR) && webhook_get(o, "ts") != NULL;
}

/* Webhook events, and the states of the messages API under the same meaning. */
static const struct webhook_kind mandrill_events[] = {
	{ "hard_bounce", "failed", NULL, "hard", 0 },
	{ "bounced", "failed", NULL, "hard", 0 },
	{ "soft_bounce", "failed", NULL, "soft", 0 },
	{ "soft-bounced", "failed", NULL, "soft", 0 },
	/* Not sent: the address is on the rejection list (an earlier bounce,
	 * complaint or unsubscribe, or added by hand). */
	{ "reject", "failed", "suppressed", NULL, 1 },
	{ "rejected", "failed", "suppressed", NULL, 1 },
	{ "invalid", "failed", "userunknown", "hard", 1 },
	{ "deferral", "delayed", NULL, "soft", 0 },
	{ "deferred", "delayed", NULL, "soft", 0 },
	{ "spam", "delivered", "feedback", "none", 1 },
	{ "send", "delivered", NULL, NULL, 0 },
	{ "sent", "delivered", NULL, NULL, 0 },
	/* open, click, unsub, queued, scheduled: no delivery outcome */
};

/* msg.bounce_description: Mandrill's own reading of the reply. */
static const struct webhook_kind mandrill_bounces[] = {
	{ "bad_mailbox", NULL, "userunknown", NULL, 1 },
	{ "invalid_mailbox", NULL, "userunknown", NULL, 1 },
	{ "invalid_domain", NULL, "hostunknown", NULL, 1 },
	{ "mailbox_full", NULL, "mailboxfull", NULL, 1 },
	{ "spam_related", NULL, "spamdetected", NULL, 0 },
	{ "policy_related", NULL, "policyviolation", NULL, 0 },
	{ "content_related", NULL, "contenterror", NULL, 0 },
	/* general, unknown: from the reply text */
};

/* The reason words of the rejection list: which of them are for good. */
static const char *
mandrill_reject_class(const char *why)
{
	static const char *const soft[] = { "soft-bounce", "test-mode-limit", "unsigned", "rule" };

	if (why == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof soft / sizeof soft[0]; i++)
		if (strcasecmp(why, soft[i]) == 0)
			return "soft";
	return "hard";	/* hard-bounce, spam, unsub, custom, invalid-sender, invalid */
}

/* The last reply of the message's SMTP attempts, if it has any. */
static const char *
mandrill_last_reply(const struct jnode *msg)
{
	const struct jnode *list = webhook_get(msg, "smtp_events");
	size_t n = jtree_size(list);

	return n ? webhook_str(jtree_at(list, n - 1), "diag") : NULL;
}

static int
mandrill_message(struct webhook_ctx *c, const struct jnode *msg, const char *name, time_t when)
{
	const struct webhook_kind *k = WEBHOOK_KIND(mandrill_events, name), *b;
	const char *hint, *cls;
	struct event e;
	int force;

	if (k == NULL)
		return WEBHOOK_MAP_NONE;
	hint = k->reason;
	cls = k->cls;
	force = k->force;
	webhook_ev_start(c, &e, k->action);
	if (webhook_ev_rcpt(c, &e, webhook_str(msg, "email")) != 0)
		return WEBHOOK_MAP_ERR;
	e.time = when != (time_t)-1 ? when : webhook_time(webhook_get(msg, "ts"));
	e.diag = webhook_skip_type(webhook_str(msg, "diag"), "smtp");
	if (e.diag == NULL)
		e.diag = webhook_skip_type(mandrill_last_reply(msg), "smtp");
	if (strcmp(k->action, "failed") == 0 && hint == NULL &&
	    (b = WEBHOOK_KIND(mandrill_bounces, webhook_str(msg, "bounce_description"))) != NULL) {
		hint = b->reason;
		force = b->force;
	}
	if (hint && strcmp(hint, "suppressed") == 0) {
		const struct jnode *rej = webhook_get(msg, "reject");
		const char *why = webhook_str(rej, "reason");

		if (e.diag == NULL)
			e.diag = WEBHOOK_STR_OF(rej, "detail", "reason");
		cls = mandrill_reject_class(why);
	}
	e.from = webhook_str(msg, "sender");
	e.msgid = webhook_str(msg, "_id");
	return webhook_ev_send(c, &e, hint, force, cls);
}

/* An entry of the rejection list: failed, at the time it was listed. Those
 * that have expired no longer stop anything. */
static int
mandrill_reject(struct webhook_ctx *c, const struct jnode *o)
{
	const char *why = webhook_str(o, "reason"), *hint = "suppressed", *diag;
	const struct jnode *expired = webhook_get(o, "expired");
	int force = 1;

	if (jtree_is(expired, JT_TRUE) || webhook_str_is(o, "expired", "true") ||
	    webhook_str_is(o, "expired", "1"))
		return WEBHOOK_MAP_NONE;
	/* An empty reason (an export's empty field) names no kind: listed,
	 * as for a kind not known here. */
	if (why == NULL) {
		;
	} else if (strcasecmp(why, "hard-bounce") == 0) {
		hint = "userunknown";	/* unless the reply says more */
		force = 0;
	} else if (strcasecmp(why, "soft-bounce") == 0) {
		hint = NULL;
		force = 0;
	} else if (strcasecmp(why, "spam") == 0) {
		hint = "feedback";
	}
	if ((diag = webhook_skip_type(webhook_str(o, "detail"), "smtp")) == NULL)
		diag = why;
	return webhook_list_entry(c, webhook_str(o, "email"), webhook_time(webhook_get(o,
	    "created_at")), diag, NULL, NULL, hint, force, mandrill_reject_class(why));
}

static int
mandrill_map(struct webhook_ctx *c, const struct jnode *o)
{
	const struct jnode *msg = webhook_get(o, "msg");

	if (!jtree_is(msg, JT_OBJ) && mandrill_reject_is(o))
		return mandrill_reject(c, o);

	if (jtree_is(msg, JT_OBJ))
		return mandrill_message(c, msg, webhook_str(o, "event"), webhook_time(webhook_get(o,
		    "ts")));
	if (webhook_str(o, "state"))
		return mandrill_message(c, o, webhook_str(o, "state"), (time_t)-1);
	return WEBHOOK_MAP_NONE;	/* sync events: changes to the lists themselves */
}

const struct webhook_provider webhook_mandrill = { "mandrill", WEBHOOK_MANDRILL, mandrill_is,
	mandrill_map };
