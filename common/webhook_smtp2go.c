/* webhook_smtp2go: SMTP2GO webhooks, as JSON ({"event": "bounce", "rcpt": ...,
 * "bounce": "hard", "message": ..., "email_id": ...}) -> event records. */
#include "webhook_int.h"
#include "util.h"

#include <string.h>
#include <strings.h>

/* "rcpt" (no other provider's key) and one of SMTP2GO's own. */
static int
smtp2go_is(const struct jnode *o)
{
	return jtree_is(webhook_get(o, "event"), JT_STR) && jtree_is(webhook_get(o, "rcpt"), JT_STR) &&
	    WEBHOOK_HAS_ANY(o, "email_id", "sendtime", "auth");
}

static const struct webhook_kind smtp2go_events[] = {
	{ "delivered", "delivered", NULL, NULL, 0 },
	{ "bounce", "failed", NULL, NULL, 0 },	/* "bounce": hard or soft */
	/* not sent: the recipient bounced hard before, complained or
	 * unsubscribed, and is on the account's suppressions */
	{ "reject", "failed", "suppressed", "hard", 1 },
	{ "spam", "delivered", "feedback", "none", 1 },
	/* processed (still being tried), open, click, unsubscribe,
	 * resubscribe: no delivery outcome */
};

static int
smtp2go_map(struct webhook_ctx *c, const struct jnode *o)
{
	const struct webhook_kind *k = WEBHOOK_KIND(smtp2go_events, webhook_str(o, "event"));
	const char *bounce = webhook_str(o, "bounce"), *cls;
	struct event e;

	if (k == NULL)
		return WEBHOOK_MAP_NONE;
	cls = k->cls;
	if (strcmp(k->action, "failed") == 0 && cls == NULL && bounce)
		cls = strcasecmp(bounce, "hard") == 0 ? "hard" :
		    strcasecmp(bounce, "soft") == 0 ? "soft" : NULL;
	webhook_ev_start(c, &e, k->action);
	if (webhook_ev_rcpt(c, &e, webhook_str(o, "rcpt")) != 0)
		return WEBHOOK_MAP_ERR;
	e.time = webhook_time(webhook_get(o, "time"));
	/* message: the server's reply; context: SMTP2GO's words, where no reply */
	e.diag = WEBHOOK_STR_OF(o, "message", "context");
	e.rhost = webhook_str(o, "host");
	e.from = WEBHOOK_STR_OF(o, "sender", "from");
	e.msgid = webhook_str(o, "email_id");
	return webhook_ev_send(c, &e, k->reason, k->force, cls);
}

const struct webhook_provider webhook_smtp2go = { "smtp2go", WEBHOOK_SMTP2GO, smtp2go_is,
	smtp2go_map };
