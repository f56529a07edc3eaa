/* webhook_sparkpost: SparkPost (Bird) message events -> event records: webhook
 * batches ({"msys": {"message_event": {...}}}), pages of the message events API
 * ({"results": [...]}) and bare event objects. */
#include "webhook_int.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* An entry of the suppression list (GET /api/v1/suppression-list, or a row of
 * its CSV): {"recipient", "type" or "transactional"/"non_transactional",
 * "source", "description", "created", "updated"}. */
static int
sparkpost_supp_is(const struct jnode *o)
{
	return jtree_is(webhook_get(o, "recipient"), JT_STR) && webhook_get(o, "rcpt_to") == NULL &&
	    (webhook_get(o, "source") != NULL || webhook_get(o, "description") != NULL ||
	    webhook_get(o, "non_transactional") != NULL || webhook_str_is(o, "type",
	    "transactional") || webhook_str_is(o, "type", "non_transactional"));
}

static int
sparkpost_is(const struct jnode *o)
{
	const struct jnode *r = webhook_get(o, "results");

	if (jtree_is(webhook_get(o, "msys"), JT_OBJ))
		return 1;
	if (jtree_is(webhook_get(o, "type"), JT_STR) && jtree_is(webhook_get(o, "rcpt_to"), JT_STR))
		return 1;
	if (sparkpost_supp_is(o))
		return 1;
	/* A page of the events API; an empty one has its count and links all the same. */
	if (!jtree_is(r, JT_ARR))
		return 0;
	if (jtree_size(r) == 0)
		return jtree_is(webhook_get(o, "total_count"), JT_INT) &&
		    jtree_is(webhook_get(o, "links"), JT_OBJ);
	r = jtree_at(r, 0);
	return (jtree_is(webhook_get(r, "type"), JT_STR) && jtree_is(webhook_get(r, "rcpt_to"),
	    JT_STR)) || sparkpost_supp_is(r);
}

/* Bounce classification codes (support.sparkpost.com, "Bounce Classification
 * Codes"): Hard 10, 30, 90; Admin 25, 26, 80; Block 50-54; the rest Soft or
 * Undetermined, "usually temporary". */
static const struct sparkpost_class {
	int code;
	const char *action;	/* NULL: the event's own */
	const char *reason, *cls;
	int force;
} sparkpost_classes[] = {
	{ 1, NULL, NULL, "soft", 0 },			/* Undetermined */
	{ 10, NULL, "userunknown", "hard", 1 },		/* Invalid Recipient */
	{ 20, NULL, NULL, "soft", 0 },			/* Soft Bounce */
	{ 21, NULL, "networkerror", "soft", 1 },	/* DNS Failure */
	{ 22, NULL, "mailboxfull", "soft", 1 },		/* Mailbox Full */
	{ 23, NULL, "mesgtoobig", "soft", 1 },		/* Too Large */
	{ 24, NULL, "expired", "soft", 1 },		/* Timeout */
	{ 25, NULL, "suppressed", "hard", 1 },		/* Admin Failure (policy, suppression list) */
	{ 26, NULL, "suppressed", "soft", 1 },		/* Smart Send Suppression */
	{ 30, NULL, "userunknown", "hard", 0 },		/* Generic Bounce: No RCPT */
	{ 40, NULL, NULL, "soft", 0 },			/* Generic Bounce */
	{ 50, NULL, "blocked", "soft", 1 },		/* Mail Block */
	{ 51, NULL, "blocked", "soft", 1 },		/* Spam Block (known spam source) */
	{ 52, NULL, "spamdetected", "soft", 1 },	/* Spam Content */
	{ 53, NULL, "contenterror", "soft", 1 },	/* Prohibited Attachment */
	{ 54, NULL, "norelaying", "soft", 1 },		/* Relaying Denied */
	{ 60, "delivered", "vacation", "none", 1 },	/* Auto-Reply */
	{ 70, NULL, NULL, "soft", 0 },			/* Transient Failure */
	{ 80, "", NULL, NULL, 0 },			/* Subscribe: no outcome */
	{ 90, NULL, NULL, "hard", 0 },			/* Unsubscribe (a request by mail) */
	{ 100, NULL, "onhold", "soft", 1 },		/* Challenge-Response */
};

static const struct sparkpost_class *
sparkpost_class(const struct jnode *v)
{
	long long code = jtree_is(v, JT_INT) ? v->i :
	    jtree_is(v, JT_STR) ? atoll(jtree_str(v)) : 0;

	for (size_t i = 0; i < sizeof sparkpost_classes / sizeof sparkpost_classes[0]; i++)
		if (sparkpost_classes[i].code == code)
			return &sparkpost_classes[i];
	return NULL;
}

static const struct webhook_kind sparkpost_types[] = {
	{ "bounce", "failed", NULL, NULL, 0 },
	{ "out_of_band", "failed", NULL, NULL, 0 },
	{ "delay", "delayed", NULL, "soft", 0 },
	{ "policy_rejection", "failed", NULL, NULL, 0 },
	{ "generation_rejection", "failed", NULL, NULL, 0 },
	{ "spam_complaint", "delivered", "feedback", "none", 1 },
	{ "delivery", "delivered", NULL, NULL, 0 },
	/* injection, generation_failure (a template error), opens, clicks,
	 * unsubscribes, relay_* (inbound): no delivery outcome */
};

static int
sparkpost_event(struct webhook_ctx *c, const struct jnode *o)
{
	const char *type = webhook_str(o, "type"), *hint, *cls, *action;
	const struct webhook_kind *k = WEBHOOK_KIND(sparkpost_types, type);
	const struct sparkpost_class *bc = NULL;
	struct event e;
	int force;

	if (type == NULL)
		return WEBHOOK_MAP_UNKNOWN;
	if (k == NULL)
		return WEBHOOK_MAP_NONE;
	action = k->action;
	hint = k->reason;
	cls = k->cls;
	force = k->force;
	if (strcmp(action, "delivered") != 0 && (bc = sparkpost_class(webhook_get(o,
	    "bounce_class"))) != NULL) {
		if (bc->action && bc->action[0] == '\0')
			return WEBHOOK_MAP_NONE;
		/* A delay stays a delay whatever its class. */
		if (bc->action && strcmp(action, "delayed") != 0)
			action = bc->action;
		if (bc->reason) {
			hint = bc->reason;
			force = bc->force;
		}
		if (cls == NULL)
			cls = bc->cls;
	}
	webhook_ev_start(c, &e, action);
	if (webhook_ev_rcpt(c, &e, WEBHOOK_STR_OF(o, "rcpt_to", "raw_rcpt_to")) != 0)
		return WEBHOOK_MAP_ERR;
	e.time = webhook_time(webhook_get(o, "timestamp"));
	/* raw_reason is the reply as received; reason has addresses masked. */
	e.diag = WEBHOOK_STR_OF(o, "raw_reason", "reason");
	if (strcmp(type, "spam_complaint") == 0)
		e.diag = webhook_str(o, "fbtype");
	webhook_ev_code(&e, webhook_get(o, "error_code"));
	e.rhost = webhook_str(o, "ip_address");
	e.from = WEBHOOK_STR_OF(o, "msg_from", "friendly_from");
	e.msgid = webhook_str(o, "message_id");
	e.pool = webhook_str(o, "ip_pool");
	return webhook_ev_send(c, &e, hint, force, cls);
}

/* A webhook batch element: {"msys": {"message_event": {...}}}; the other
 * classes (track_event, unsubscribe_event, relay_event, ...) and the empty
 * {"msys": {}} of a test batch carry no delivery outcome. */
static int
sparkpost_msys(struct webhook_ctx *c, const struct jnode *msys)
{
	const struct jnode *ev = webhook_get(msys, "message_event");

	if (ev == NULL)
		ev = webhook_get(msys, "gen_event");
	return jtree_is(ev, JT_OBJ) ? sparkpost_event(c, ev) : WEBHOOK_MAP_NONE;
}

/* The suppression list's sources: a bounce rule is the mailbox unknown unless
 * the description (the reply) says more; the rest are for good. */
static int
sparkpost_supp(struct webhook_ctx *c, const struct jnode *o)
{
	const char *src = webhook_str(o, "source"), *hint = "suppressed", *diag;
	time_t when = webhook_time(webhook_get(o, "updated"));
	int force = 1;

	if (when == (time_t)-1)
		when = webhook_time(webhook_get(o, "created"));
	if (src && strcasecmp(src, "Bounce Rule") == 0) {
		hint = "userunknown";
		force = 0;
	} else if (src && strcasecmp(src, "Spam Complaint") == 0) {
		hint = "feedback";
	}
	if ((diag = webhook_str(o, "description")) == NULL)
		diag = src;
	return webhook_list_entry(c, webhook_str(o, "recipient"), when, diag, NULL, NULL, hint,
	    force, "hard");
}

/* One record: a batch element, an entry of the suppression list, an event. */
static int
sparkpost_record(struct webhook_ctx *c, const struct jnode *o)
{
	if (jtree_is(webhook_get(o, "msys"), JT_OBJ))
		return sparkpost_msys(c, webhook_get(o, "msys"));
	return sparkpost_supp_is(o) ? sparkpost_supp(c, o) : sparkpost_event(c, o);
}

/* A record, or a page of the events or suppression list API ("results"). */
static int
sparkpost_map(struct webhook_ctx *c, const struct jnode *o)
{
	const struct jnode *list = webhook_get(o, "results");

	if (!jtree_is(webhook_get(o, "msys"), JT_OBJ) && jtree_is(list, JT_ARR))
		return webhook_each(c, list, sparkpost_record);
	return sparkpost_record(c, o);
}

const struct webhook_provider webhook_sparkpost = { "sparkpost", WEBHOOK_SPARKPOST, sparkpost_is,
	sparkpost_map };
