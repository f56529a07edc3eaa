/* webhook_brevo: Brevo (formerly Sendinblue) transactional and marketing
 * webhooks and the events of its statistics API -> event records. */
#include "webhook_int.h"
#include "util.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* Keys SendGrid's events (also "event" and "email") never have. */
static int
brevo_is(const struct jnode *o)
{
	return webhook_event_email(o) && WEBHOOK_HAS_ANY(o, "message-id", "ts_event", "ts_epoch",
	    "camp_id", "sending_ip", "messageId", "X-Mailin-custom", "date_event");
}

/* Event names as the webhooks ("hard_bounce") and the statistics API
 * ("hardBounces") spell them: lower case, no '_', no plural 's'. */
static const struct webhook_kind brevo_events[] = {
	{ "hardbounce", "failed", NULL, "hard", 0 },
	{ "softbounce", "failed", NULL, "soft", 0 },
	{ "bounce", "failed", NULL, NULL, 0 },
	/* Not sent: the contact is on the account's block list (an earlier hard
	 * bounce, complaint or unsubscribe, or blocked by hand). */
	{ "blocked", "failed", "suppressed", "hard", 1 },
	{ "invalidemail", "failed", "userunknown", "hard", 1 },
	{ "invalid", "failed", "userunknown", "hard", 1 },
	{ "deferred", "delayed", NULL, "soft", 0 },
	/* not sent: an error on the way from Brevo to the recipient's server */
	{ "error", "failed", NULL, "soft", 0 },
	{ "spam", "delivered", "feedback", "none", 1 },
	{ "complaint", "delivered", "feedback", "none", 1 },
	{ "delivered", "delivered", NULL, NULL, 0 },
	/* request/sent, opened, click, unsubscribed, proxy_open: no outcome */
};

static const struct webhook_kind *
brevo_kind(const char *ev)
{
	char name[32];
	size_t n = 0;

	for (; *ev && n + 1 < sizeof name; ev++)
		if (*ev != '_')
			name[n++] = (char)tolower((unsigned char)*ev);
	if (*ev)
		return NULL;
	if (n > 1 && name[n - 1] == 's')
		n--;
	name[n] = '\0';
	return WEBHOOK_KIND(brevo_events, name);
}

/* ts_event and ts_epoch are UTC; "date" is in the account's time zone, so it
 * only counts when it says its offset (the statistics API's). */
static time_t
brevo_time(const struct jnode *o)
{
	static const char *const keys[] = { "ts_event", "ts_epoch", "ts" };
	const char *date = webhook_str(o, "date");
	time_t t;

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if ((t = webhook_time_ms(webhook_get(o, keys[i]))) != (time_t)-1)
			return t;
	if (date && strlen(date) > 19 && strpbrk(date + 19, "Zz+-"))
		return webhook_time(webhook_get(o, "date"));
	return (time_t)-1;
}

static int
brevo_map(struct webhook_ctx *c, const struct jnode *o)
{
	const struct webhook_kind *k = brevo_kind(webhook_str(o, "event") ? webhook_str(o,
	    "event") : "");
	struct event e;

	if (k == NULL || k->action == NULL)
		return WEBHOOK_MAP_NONE;
	webhook_ev_start(c, &e, k->action);
	if (webhook_ev_rcpt(c, &e, webhook_str(o, "email")) != 0)
		return WEBHOOK_MAP_ERR;
	e.time = brevo_time(o);
	e.diag = webhook_str(o, "reason");
	e.from = webhook_str(o, "from");
	e.msgid = WEBHOOK_STR_OF(o, "message-id", "messageId");
	return webhook_ev_send_kind(c, &e, k);
}

const struct webhook_provider webhook_brevo = { "brevo", WEBHOOK_BREVO, brevo_is, brevo_map };
