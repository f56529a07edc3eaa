/* webhook_mailersend: MailerSend webhooks ({"type": "activity.hard_bounced",
 * "created_at": ..., "data": {"type": ..., "email": {...}, "morph": {...}}})
 * -> event records. */
#include "webhook_int.h"
#include "util.h"

#include <string.h>

static int
mailersend_is(const struct jnode *o)
{
	const char *type = webhook_str(o, "type");
	const struct jnode *data = webhook_get(o, "data");

	return type && strncmp(type, "activity.", 9) == 0 && jtree_is(data, JT_OBJ) &&
	    jtree_is(webhook_get(data, "email"), JT_OBJ);
}

static const struct webhook_kind mailersend_events[] = {
	{ "activity.delivered", "delivered", NULL, NULL, 0 },
	/* "not delivered because it soft bounced": given up, soft */
	{ "activity.soft_bounced", "failed", NULL, "soft", 0 },
	{ "activity.hard_bounced", "failed", NULL, "hard", 0 },
	{ "activity.spam_complaint", "delivered", "feedback", "none", 1 },
	/* activity.sent (handed over, no reply yet), opened, clicked,
	 * unsubscribed, survey_*: no delivery outcome */
};

static int
mailersend_map(struct webhook_ctx *c, const struct jnode *o)
{
	const struct webhook_kind *k = WEBHOOK_KIND(mailersend_events, webhook_str(o, "type"));
	const struct jnode *data = webhook_get(o, "data"), *email = webhook_get(data, "email");
	struct event e;

	if (k == NULL)
		return WEBHOOK_MAP_NONE;
	webhook_ev_start(c, &e, k->action);
	if (webhook_ev_rcpt(c, &e, webhook_str(webhook_get(email, "recipient"), "email")) != 0)
		return WEBHOOK_MAP_ERR;
	/* data.created_at: when the activity happened; the outer one is when
	 * the webhook was made */
	e.time = webhook_time(webhook_get(data, "created_at"));
	if (e.time == (time_t)-1)
		e.time = webhook_time(webhook_get(o, "created_at"));
	/* morph: what the activity adds, a bounce's reason (the reply) */
	e.diag = webhook_str(webhook_get(data, "morph"), "reason");
	e.from = webhook_str(email, "from");
	e.msgid = webhook_str(webhook_get(email, "message"), "id");
	return webhook_ev_send_kind(c, &e, k);
}

const struct webhook_provider webhook_mailersend = { "mailersend", WEBHOOK_MAILERSEND,
	mailersend_is, mailersend_map };
