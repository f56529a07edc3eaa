/* webhook_resend: Resend webhooks ({"type": "email.bounced", "created_at": ...,
 * "data": {...}}) -> event records, one per address in data.to. */
#include "webhook_int.h"
#include "util.h"

#include <string.h>
#include <strings.h>

static int
resend_is(const struct jnode *o)
{
	const char *type = webhook_str(o, "type");

	return type && jtree_is(webhook_get(o, "data"), JT_OBJ) && (strncmp(type, "email.", 6) == 0 ||
	    strncmp(type, "contact.", 8) == 0 || strncmp(type, "domain.", 7) == 0);
}

static const struct webhook_kind resend_events[] = {
	{ "email.bounced", "failed", NULL, NULL, 0 },
	{ "email.suppressed", "failed", "suppressed", "hard", 1 },
	{ "email.delivery_delayed", "delayed", NULL, "soft", 0 },
	{ "email.complained", "delivered", "feedback", "none", 1 },
	{ "email.delivered", "delivered", NULL, NULL, 0 },
	/* email.sent, .opened, .clicked, .scheduled, .failed (an API error before
	 * sending), contact.* and domain.*: no delivery outcome */
};

static int
resend_map(struct webhook_ctx *c, const struct jnode *o)
{
	const struct webhook_kind *k = WEBHOOK_KIND(resend_events, webhook_str(o, "type"));
	const struct jnode *data = webhook_get(o, "data"), *to = webhook_get(data, "to"), *b, *r;
	const char *hint, *cls, *one = NULL;
	time_t when;
	size_t i, n;
	int force, count = 0;

	if (k == NULL)
		return WEBHOOK_MAP_NONE;
	hint = k->reason;
	cls = k->cls;
	force = k->force;
	/* Resend sends through Amazon SES and passes its bounce verdict on. */
	b = webhook_get(data, "bounce");
	if (!jtree_is(b, JT_OBJ))
		b = webhook_get(data, "suppressed");
	if (strcmp(k->action, "failed") == 0 && jtree_is(b, JT_OBJ)) {
		const char *btype = webhook_str(b, "type");
		int f;
		const char *h = webhook_ses_bounce_reason(webhook_str(b, "subType"), &f);

		if (h) {
			hint = h;
			force = f;
		}
		if (btype && strcasecmp(btype, "Permanent") == 0)
			cls = "hard";
		else if (btype && strcasecmp(btype, "Transient") == 0)
			cls = "soft";
	}
	when = webhook_time(webhook_get(o, "created_at"));
	if (when == (time_t)-1)
		when = webhook_time(webhook_get(data, "created_at"));
	if (jtree_is(to, JT_STR))
		one = jtree_str(to);
	n = one ? 1 : jtree_size(to);
	if (n == 0) {
		struct event e;

		webhook_ev_start(c, &e, k->action);
		webhook_ev_rcpt(c, &e, NULL);	/* reports it */
		return WEBHOOK_MAP_ERR;
	}
	for (i = 0; i < n; i++) {
		struct event e;

		r = one ? NULL : jtree_at(to, i);
		webhook_ev_start(c, &e, k->action);
		if (webhook_ev_rcpt(c, &e, one ? one : jtree_str(r)) != 0)
			continue;
		e.time = when;
		e.diag = webhook_str(b, "message");
		e.from = webhook_str(data, "from");
		e.msgid = webhook_str(data, "email_id");
		webhook_ev_send(c, &e, hint, force, cls);
		count++;
	}
	return count;
}

const struct webhook_provider webhook_resend = { "resend", WEBHOOK_RESEND, resend_is,
	resend_map };
