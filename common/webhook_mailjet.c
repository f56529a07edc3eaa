/* webhook_mailjet: Mailjet event API posts (one event, or a grouped array of
 * version 2) -> event records. */
#include "webhook_int.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Keys SendGrid's events (also "event" and "email") never have. */
static int
mailjet_is(const struct jnode *o)
{
	return webhook_event_email(o) && WEBHOOK_HAS_ANY(o, "MessageID", "mj_message_id",
	    "mj_campaign_id", "mj_contact_id", "Message_GUID", "CustomID");
}

/* The "error" values of bounce and blocked events (the event API's error
 * table, grouped by error_related_to). */
static const struct webhook_kind mailjet_errors[] = {
	/* recipient */
	{ "user unknown", NULL, "userunknown", NULL, 1 },
	{ "mailbox inactive", NULL, "suspend", NULL, 1 },
	{ "quota exceeded", NULL, "mailboxfull", NULL, 1 },
	/* not sent: on the account's blacklist, or reported a message as spam */
	{ "blacklisted", NULL, "suppressed", "hard", 1 },
	{ "spam reporter", NULL, "suppressed", "hard", 1 },
	/* domain */
	{ "invalid domain", NULL, "hostunknown", NULL, 1 },
	{ "no mail host", NULL, "hostunknown", NULL, 1 },
	{ "relay/access denied", NULL, "blocked", NULL, 1 },
	{ "typofix", NULL, "hostunknown", NULL, 1 },	/* a typo in the domain */
	{ "greylisted", "delayed", NULL, NULL, 0 },	/* to be attempted again */
	/* spam */
	{ "sender blocked", NULL, "blocked", NULL, 1 },
	{ "content blocked", NULL, "spamdetected", NULL, 1 },
	{ "policy issue", NULL, "policyviolation", NULL, 1 },
	/* system */
	{ "system issue", NULL, "systemerror", NULL, 1 },
	{ "protocol issue", NULL, "syntaxerror", NULL, 1 },
	{ "connection issue", NULL, "networkerror", NULL, 1 },
	/* mailjet: not sent at all */
	{ "preblocked", NULL, "suppressed", "hard", 1 },
	{ "spam preblocked", NULL, "suppressed", "hard", 1 },
	{ "duplicate in campaign", "", NULL, NULL, 0 },	/* another copy went out */
	{ "bad or empty template", "", NULL, NULL, 0 },
	{ "error in template language", "", NULL, NULL, 0 },
};

static int
mailjet_map(struct webhook_ctx *c, const struct jnode *o)
{
	const char *ev = webhook_str(o, "event"), *hint = NULL, *cls = NULL, *action;
	const struct webhook_kind *err = WEBHOOK_KIND(mailjet_errors, webhook_str(o, "error"));
	const struct jnode *id;
	char idbuf[24];
	struct event e;
	int force = 0;

	if (ev == NULL)
		return WEBHOOK_MAP_UNKNOWN;
	if (strcasecmp(ev, "bounce") == 0 || strcasecmp(ev, "blocked") == 0) {
		if (err && err->action && err->action[0] == '\0')
			return WEBHOOK_MAP_NONE;
		action = err && err->action ? err->action : "failed";
		if (err) {
			hint = err->reason;
			force = err->force;
			cls = err->cls;
		}
		if (strcasecmp(ev, "bounce") == 0 && (jtree_is(webhook_get(o, "hard_bounce"), JT_TRUE) ||
		    jtree_is(webhook_get(o, "hard_bounce"), JT_FALSE)))
			cls = jtree_is(webhook_get(o, "hard_bounce"), JT_TRUE) ? "hard" : "soft";
	} else if (strcasecmp(ev, "spam") == 0) {
		action = "delivered";
		hint = "feedback";
		force = 1;
		cls = "none";
	} else if (strcasecmp(ev, "sent") == 0) {
		action = "delivered";
	} else {
		return WEBHOOK_MAP_NONE;	/* open, click, unsub */
	}
	webhook_ev_start(c, &e, action);
	if (webhook_ev_rcpt(c, &e, webhook_str(o, "email")) != 0)
		return WEBHOOK_MAP_ERR;
	e.time = webhook_time(webhook_get(o, "time"));
	/* comment: the reply or Mailjet's words for it; smtp_reply: "sent (250 ...)" */
	e.diag = WEBHOOK_STR_OF(o, "comment", "smtp_reply");
	if (e.diag == NULL && strcasecmp(ev, "spam") == 0)
		e.diag = webhook_str(o, "source");
	if (e.diag == NULL)
		e.diag = webhook_str(o, "error");
	/* MessageID: a number (past a double's precision: read as an integer) */
	id = webhook_get(o, "MessageID");
	if (jtree_is(id, JT_INT) && id->i > 0) {
		snprintf(idbuf, sizeof idbuf, "%lld", (long long)id->i);
		e.msgid = idbuf;
	} else {
		e.msgid = WEBHOOK_STR_OF(o, "MessageID", "mj_message_id", "Message_GUID");
	}
	return webhook_ev_send(c, &e, hint, force, cls);
}

const struct webhook_provider webhook_mailjet = { "mailjet", WEBHOOK_MAILJET, mailjet_is,
	mailjet_map };
