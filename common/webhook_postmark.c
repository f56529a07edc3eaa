/* webhook_postmark: Postmark bounce, delivery and spam complaint webhooks, the
 * bounces API and suppressions dumps -> event records. */
#include "webhook_int.h"
#include "util.h"

#include <string.h>
#include <strings.h>

static int
postmark_is(const struct jnode *o)
{
	return jtree_is(webhook_get(o, "RecordType"), JT_STR) ||
	    jtree_is(webhook_get(o, "Suppressions"), JT_ARR) ||
	    (jtree_is(webhook_get(o, "TypeCode"), JT_INT) && jtree_is(webhook_get(o, "Email"), JT_STR)) ||
	    (jtree_is(webhook_get(o, "Bounces"), JT_ARR) && jtree_is(webhook_get(o, "TotalCount"), JT_INT));
}

static const struct postmark_type {
	const char *name;
	long code;
	const char *action;	/* NULL: no recipient outcome */
	const char *cls, *reason;
	int force;
} postmark_types[] = {
	{ "HardBounce", 1, "failed", "hard", "userunknown", 0 },
	{ "Transient", 2, "delayed", "soft", NULL, 0 },
	{ "Unsubscribe", 16, NULL, NULL, NULL, 0 },
	{ "Subscribe", 32, NULL, NULL, NULL, 0 },
	{ "AutoResponder", 64, "delivered", "none", "vacation", 1 },
	{ "AddressChange", 128, "failed", "hard", "hasmoved", 1 },
	{ "DnsError", 256, "failed", "soft", "networkerror", 0 },
	{ "SpamNotification", 512, "failed", "soft", "spamdetected", 1 },
	{ "OpenRelayTest", 1024, NULL, NULL, NULL, 0 },
	{ "Unknown", 2048, "failed", NULL, NULL, 0 },
	{ "SoftBounce", 4096, "failed", "soft", NULL, 0 },
	{ "VirusNotification", 8192, "failed", "soft", "virusdetected", 1 },
	{ "ChallengeVerification", 16384, NULL, NULL, NULL, 0 },
	{ "BadEmailAddress", 100000, "failed", "hard", "userunknown", 1 },
	{ "SpamComplaint", 100001, "delivered", "none", "feedback", 1 },
	{ "ManuallyDeactivated", 100002, "failed", "hard", "suppressed", 1 },
	{ "Unconfirmed", 100003, NULL, NULL, NULL, 0 },
	{ "Blocked", 100006, "failed", "soft", "blocked", 0 },
	{ "SMTPApiError", 100007, "failed", NULL, NULL, 0 },
	{ "InboundError", 100008, NULL, NULL, NULL, 0 },
	{ "DMARCPolicy", 100009, "failed", "soft", "authfailure", 1 },
	{ "TemplateRenderingFailed", 100010, NULL, NULL, NULL, 0 },
};

static int
postmark_bounce(struct webhook_ctx *c, const struct jnode *o)
{
	const struct postmark_type *t = NULL;
	const char *name = webhook_str(o, "Type"), *cls;
	long long code = webhook_int(webhook_get(o, "TypeCode"), -1);
	struct event e;

	for (size_t i = 0; i < sizeof postmark_types / sizeof postmark_types[0]; i++)
		if ((name && strcasecmp(name, postmark_types[i].name) == 0) ||
		    (name == NULL && code == postmark_types[i].code)) {
			t = &postmark_types[i];
			break;
		}
	if (t == NULL) {
		/* A type added after this table: a failure of unknown kind. */
		static const struct postmark_type other = { "", 0, "failed", NULL, NULL, 0 };

		t = &other;
	}
	if (t->action == NULL)
		return WEBHOOK_MAP_NONE;
	webhook_ev_start(c, &e, t->action);
	if (webhook_ev_rcpt(c, &e, webhook_str(o, "Email")) != 0)
		return WEBHOOK_MAP_ERR;
	e.time = webhook_time(webhook_get(o, "BouncedAt"));
	e.diag = webhook_skip_type(webhook_str(o, "Details"), "smtp");
	if (e.diag == NULL)
		e.diag = webhook_str(o, "Description");
	e.from = webhook_str(o, "From");
	e.msgid = webhook_str(o, "MessageID");
	/* Inactive: Postmark deactivated the address and sends it nothing more
	 * (it does so on hard bounces): where the type leaves the class open
	 * (Unknown, SMTPApiError, a type added later), that is the class. */
	cls = t->cls;
	if (cls == NULL && strcmp(t->action, "failed") == 0 &&
	    jtree_is(webhook_get(o, "Inactive"), JT_TRUE))
		cls = "hard";
	return webhook_ev_send(c, &e, t->reason, t->force, cls);
}

/* An entry of a suppressions dump (GET /message-streams/{stream}/suppressions/dump):
 * {"Suppressions": [{"EmailAddress", "SuppressionReason", "Origin",
 * "CreatedAt"}]}; reasons HardBounce, SpamComplaint, ManualSuppression. */
static int
postmark_suppression(struct webhook_ctx *c, const struct jnode *s)
{
	const char *why = webhook_str(s, "SuppressionReason"), *hint = "suppressed";

	if (why && strcasecmp(why, "HardBounce") == 0)
		hint = "userunknown";
	else if (why && strcasecmp(why, "SpamComplaint") == 0)
		hint = "feedback";
	return webhook_list_entry(c, webhook_str(s, "EmailAddress"), webhook_time(webhook_get(s,
	    "CreatedAt")), why, NULL, NULL, hint, 1, "hard");
}

static int
postmark_map(struct webhook_ctx *c, const struct jnode *o)
{
	const char *rt = webhook_str(o, "RecordType");
	const struct jnode *list = webhook_get(o, "Bounces");
	struct event e;

	if (rt == NULL && jtree_is(webhook_get(o, "Suppressions"), JT_ARR))
		return webhook_each(c, webhook_get(o, "Suppressions"), postmark_suppression);
	/* The bounces API: {"TotalCount": n, "Bounces": [...]} */
	if (rt == NULL && jtree_is(list, JT_ARR))
		return webhook_each(c, list, postmark_bounce);
	if (rt == NULL || strcasecmp(rt, "Bounce") == 0)
		return postmark_bounce(c, o);
	if (strcasecmp(rt, "Delivery") == 0) {
		webhook_ev_start(c, &e, "delivered");
		if (webhook_ev_rcpt(c, &e, webhook_str(o, "Recipient")) != 0)
			return WEBHOOK_MAP_ERR;
		e.time = webhook_time(webhook_get(o, "DeliveredAt"));
		e.diag = webhook_skip_type(webhook_str(o, "Details"), "smtp");
		e.msgid = webhook_str(o, "MessageID");
		return webhook_ev_send(c, &e, NULL, 0, NULL);
	}
	if (strcasecmp(rt, "SpamComplaint") == 0) {
		webhook_ev_start(c, &e, "delivered");
		if (webhook_ev_rcpt(c, &e, webhook_str(o, "Email")) != 0)
			return WEBHOOK_MAP_ERR;
		e.time = webhook_time(webhook_get(o, "BouncedAt"));
		e.from = webhook_str(o, "From");
		e.msgid = webhook_str(o, "MessageID");
		return webhook_ev_send(c, &e, "feedback", 1, "none");
	}
	return WEBHOOK_MAP_NONE;	/* Open, Click, SubscriptionChange */
}

const struct webhook_provider webhook_postmark = { "postmark", WEBHOOK_POSTMARK, postmark_is,
	postmark_map };
