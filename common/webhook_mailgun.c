/* webhook_mailgun: Mailgun webhooks ("event-data"), events API items and the
 * records of its bounces, complaints and unsubscribes lists -> event records. */
#include "webhook_int.h"
#include "util.h"

#include <string.h>
#include <strings.h>

static int
mailgun_is(const struct jnode *o)
{
	/* a record of the bounces, complaints or unsubscribes lists */
	if (jtree_is(webhook_get(o, "address"), JT_STR) && webhook_get(o, "created_at") != NULL &&
	    webhook_get(o, "event") == NULL)
		return 1;
	return jtree_is(webhook_get(o, "event-data"), JT_OBJ) ||
	    (jtree_is(webhook_get(o, "event"), JT_STR) && jtree_is(webhook_get(o, "recipient"), JT_STR)) ||
	    (jtree_is(webhook_get(o, "items"), JT_ARR) && jtree_is(webhook_get(o, "paging"), JT_OBJ));
}

static const struct webhook_kind mailgun_events[] = {
	{ "failed", "failed", NULL, NULL, 0 },	/* "delayed" with severity temporary */
	{ "delivered", "delivered", NULL, NULL, 0 },
	{ "complained", "delivered", "feedback", "none", 1 },
	/* accepted, opened, clicked, stored, ...: no delivery outcome */
};

/* The "reason" of a failure: Mailgun's own word for why it did not try
 * (suppress-bounce, suppress-complaint, suppress-unsubscribe: a "suppress-"
 * prefix), or gave up. */
static const struct webhook_kind mailgun_reasons[] = {
	{ "old", NULL, "expired", NULL, 0 },
	{ "espblock", NULL, "blocked", NULL, 0 },
};
static const struct webhook_kind mailgun_suppressed = { "suppress-", NULL, "suppressed", "hard", 1 };

static int
mailgun_event(struct webhook_ctx *c, const struct jnode *o)
{
	const char *ev = webhook_str(o, "event"), *mgr = webhook_str(o, "reason");
	const struct jnode *ds = webhook_get(o, "delivery-status"), *msg = webhook_get(o, "message");
	const struct jnode *hdr = webhook_get(msg, "headers"), *env = webhook_get(o, "envelope");
	const struct webhook_kind *k = WEBHOOK_KIND(mailgun_events, ev), *why = k;
	struct event e;

	if (ev == NULL)
		return WEBHOOK_MAP_UNKNOWN;
	if (k == NULL)
		return WEBHOOK_MAP_NONE;
	if (strcmp(k->action, "failed") == 0) {
		why = mgr && strncasecmp(mgr, "suppress-", 9) == 0 ? &mailgun_suppressed :
		    WEBHOOK_KIND(mailgun_reasons, mgr);
		webhook_ev_start(c, &e, webhook_str_is(o, "severity", "temporary") ? "delayed" : "failed");
	} else {
		webhook_ev_start(c, &e, k->action);
	}
	if (webhook_ev_rcpt(c, &e, webhook_str(o, "recipient")) != 0)
		return WEBHOOK_MAP_ERR;
	e.time = webhook_time(webhook_get(o, "timestamp"));
	webhook_ev_code(&e, webhook_get(ds, "code"));
	webhook_ev_status(&e, webhook_str(ds, "enhanced-code"));
	e.diag = webhook_str(ds, "message");
	if (e.diag == NULL)
		e.diag = webhook_str(ds, "description");
	e.rhost = webhook_str(ds, "mx-host");
	e.msgid = webhook_str(hdr, "message-id");
	e.from = webhook_str(env, "sender");
	if (e.from == NULL)
		e.from = webhook_str(hdr, "from");
	return webhook_ev_send_kind(c, &e, why);
}

/* A record of Mailgun's lists: bounces {"address", "code", "error",
 * "created_at"}, unsubscribes (with "tags"), complaints (neither). */
static int
mailgun_list(struct webhook_ctx *c, const struct jnode *o)
{
	const char *addr = webhook_str(o, "address");
	time_t when = webhook_time(webhook_get(o, "created_at"));

	if (webhook_get(o, "error") != NULL || webhook_get(o, "code") != NULL) {
		/* Mailgun lists permanent failures of the mailbox only: hard, and
		 * the mailbox unknown unless the text says more (or the code is a
		 * temporary one, as imported lists may have) */
		const struct jnode *code = webhook_get(o, "code");
		int temp = webhook_int(code, 0) >= 400 && webhook_int(code, 0) < 500;

		if (jtree_is(code, JT_STR))
			temp = jtree_str(code)[0] == '4';
		return webhook_list_entry(c, addr, when, webhook_str(o, "error"), NULL, code,
		    temp ? NULL : "userunknown", 0, temp ? NULL : "hard");
	}
	if (webhook_get(o, "tags") != NULL)
		return webhook_list_entry(c, addr, when, "unsubscribed", NULL, NULL, "suppressed", 1,
		    "hard");
	return webhook_list_entry(c, addr, when, "complaint", NULL, NULL, "feedback", 1, "hard");
}

static int
mailgun_item(struct webhook_ctx *c, const struct jnode *o)
{
	if (webhook_get(o, "event") == NULL && jtree_is(webhook_get(o, "address"), JT_STR))
		return mailgun_list(c, o);
	return mailgun_event(c, o);
}

static int
mailgun_map(struct webhook_ctx *c, const struct jnode *o)
{
	const struct jnode *items = webhook_get(o, "items");

	if (jtree_is(webhook_get(o, "event-data"), JT_OBJ))
		return mailgun_event(c, webhook_get(o, "event-data"));
	if (!jtree_is(items, JT_ARR))
		return mailgun_item(c, o);
	return webhook_each(c, items, mailgun_item);
}

const struct webhook_provider webhook_mailgun = { "mailgun", WEBHOOK_MAILGUN, mailgun_is,
	mailgun_map };
