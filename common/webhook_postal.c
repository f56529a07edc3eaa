/* webhook_postal: Postal (the open-source mail platform) webhooks -> event
 * records: the posted envelope ({"event": "MessageSent", "payload": {...}})
 * and the bare payloads its documentation shows. */
#include "webhook_int.h"
#include "util.h"

#include <string.h>
#include <strings.h>

/* A payload: message status ({"status", "message"}) or bounce
 * ({"original_message", "bounce"}). */
static int
postal_payload_is(const struct jnode *o)
{
	const struct jnode *m = webhook_get(o, "message");

	if (jtree_is(webhook_get(o, "original_message"), JT_OBJ) &&
	    jtree_is(webhook_get(o, "bounce"), JT_OBJ))
		return 1;
	return jtree_is(webhook_get(o, "status"), JT_STR) && jtree_is(m, JT_OBJ) &&
	    webhook_get(m, "token") != NULL && webhook_get(m, "direction") != NULL;
}

static int
postal_is(const struct jnode *o)
{
	const char *ev = webhook_str(o, "event");

	if (ev && jtree_is(webhook_get(o, "payload"), JT_OBJ))
		return strncmp(ev, "Message", 7) == 0 || strncmp(ev, "Domain", 6) == 0 ||
		    strncmp(ev, "Send", 4) == 0;
	return postal_payload_is(o);
}

/* Message statuses (payload.status), and the events that carry them. */
static const struct webhook_kind postal_statuses[] = {
	{ "Sent", "delivered", NULL, NULL, 0 },
	{ "SoftFail", "delayed", NULL, "soft", 0 },
	{ "HardFail", "failed", NULL, NULL, 0 },
	/* Held by Postal itself (a limit, spam, a suppressed address): not
	 * tried yet, and released or dropped by hand. */
	{ "Held", "delayed", "onhold", "soft", 1 },
	{ "Bounced", "failed", NULL, NULL, 0 },
};

static const struct webhook_kind postal_events[] = {
	{ "MessageSent", "delivered", NULL, NULL, 0 },
	{ "MessageDelayed", "delayed", NULL, "soft", 0 },
	{ "MessageDeliveryFailed", "failed", NULL, NULL, 0 },
	{ "MessageHeld", "delayed", "onhold", "soft", 1 },
	{ "MessageBounced", "failed", NULL, NULL, 0 },
	/* MessageLinkClicked, MessageLoaded, DomainDNSError, SendLimit*: no outcome */
};

static int
postal_payload(struct webhook_ctx *c, const struct jnode *p, const struct webhook_kind *k, time_t when)
{
	const struct jnode *msg = webhook_get(p, "message");
	struct event e;
	int bounce = jtree_is(webhook_get(p, "bounce"), JT_OBJ);

	if (bounce)
		msg = webhook_get(p, "original_message");
	if (k == NULL)
		k = bounce ? WEBHOOK_KIND(postal_statuses, "Bounced") :
		    WEBHOOK_KIND(postal_statuses, webhook_str(p, "status"));
	if (k == NULL)
		return WEBHOOK_MAP_NONE;
	webhook_ev_start(c, &e, k->action);
	if (webhook_ev_rcpt(c, &e, webhook_str(msg, "to")) != 0)
		return WEBHOOK_MAP_ERR;
	e.time = webhook_time(webhook_get(p, "timestamp"));
	if (e.time == (time_t)-1)
		e.time = when;
	if (e.time == (time_t)-1 && bounce)
		e.time = webhook_time(webhook_get(webhook_get(p, "bounce"), "timestamp"));
	/* output: the server's reply; details: Postal's account of the attempt */
	e.diag = WEBHOOK_STR_OF(p, "output", "details");
	e.from = webhook_str(msg, "from");
	e.msgid = webhook_str(msg, "message_id");
	return webhook_ev_send_kind(c, &e, k);
}

static int
postal_map(struct webhook_ctx *c, const struct jnode *o)
{
	const struct jnode *p = webhook_get(o, "payload");
	const char *ev = webhook_str(o, "event");

	if (ev == NULL)
		return postal_payload(c, o, NULL, (time_t)-1);
	if (WEBHOOK_KIND(postal_events, ev) == NULL || !postal_payload_is(p))
		return WEBHOOK_MAP_NONE;
	return postal_payload(c, p, WEBHOOK_KIND(postal_events, ev), webhook_time(webhook_get(o,
	    "timestamp")));
}

const struct webhook_provider webhook_postal = { "postal", WEBHOOK_POSTAL, postal_is,
	postal_map };
