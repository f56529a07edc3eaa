/* webhook: ESP event JSON -> event records.
 *
 * The input is a stream of JSON values: one object a line, a JSON array, or
 * values pretty-printed over many lines. A small scanner follows the nesting
 * (brackets outside strings) so that each value is parsed once, when its last
 * bracket arrives; the elements of a top-level array are parsed one by one, so
 * memory grows with the largest event, never with the file. */
#include "webhook.h"
#include "bktime.h"
#include "jsonl.h"
#include "reason.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The largest single value (event, or array nested in the top-level one). */
#define WEBHOOK_VALUE_MAX ((size_t)64 << 20)

enum scan { SCAN_TOP, SCAN_ELEM, SCAN_SEP, SCAN_VALUE };

struct webhook {
	enum webhook_format format;
	const char *name;
	event_sink sink;
	void *arg;
	enum scan state;
	int in_array;		/* the value being read is an element of a top-level array */
	size_t depth;		/* brackets open in the value being read */
	int in_string, escape;
	int resync;		/* after an error: skip lines until one starts a value */
	int resync_array;	/* the error was inside a top-level array */
	int unknown_reported;
	struct util_buf val;	/* the value being read */
	unsigned long val_line, last_line;
	struct util_buf origin;
};

/* What a provider's mapper made of an object. */
enum { MAP_UNKNOWN = -2, MAP_ERR = -1, MAP_NONE = 0 };

struct webhook *
webhook_new(enum webhook_format f, const char *name, event_sink sink, void *arg)
{
	struct webhook *w = util_xcalloc(1, sizeof *w);

	w->format = f;
	w->name = name;
	w->sink = sink;
	w->arg = arg;
	return w;
}

/* ---- small helpers over jansson values ---- */

static json_t *
get(const json_t *o, const char *key)
{
	return json_object_get(o, key);
}

static const char *
str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s && *s ? s : NULL;
}

static int
str_is(const json_t *o, const char *key, const char *want)
{
	const char *s = str(o, key);

	return s && strcasecmp(s, want) == 0;
}

/* A time given as RFC 3339 text, epoch number, or epoch digits in a string. */
static time_t
time_of(const json_t *v)
{
	const char *s;
	char *end;
	double d;

	if (json_is_integer(v))
		return (time_t)json_integer_value(v);
	if (json_is_real(v)) {
		/* The range of the digits below; out of it the cast is undefined. */
		d = json_real_value(v);
		return d > 0 && d < 1e11 ? (time_t)d : (time_t)-1;
	}
	if ((s = json_string_value(v)) != NULL && *s) {
		time_t t;

		if (bktime_parse_rfc3339(s, strlen(s), &t) > 0)
			return t;
		d = strtod(s, &end);
		if (end != s && *end == '\0' && d > 0 && d < 1e11)
			return (time_t)d;
	}
	return (time_t)-1;
}

/* "smtp; 550 5.1.1 ..." (RFC 3464 diagnostic-type prefix) -> "550 5.1.1 ...". */
static const char *
skip_type(const char *s, const char *type)
{
	size_t n = strlen(type);

	if (s && strncasecmp(s, type, n) == 0 && s[n] == ';') {
		s += n + 1;
		while (*s == ' ' || *s == '\t')
			s++;
	}
	return s && *s ? s : NULL;
}

/* ---- building and handing out events ---- */

struct ctx {
	struct webhook *w;
	unsigned long line;
	const char *source;
	int status;
};

static void
ev_start(struct ctx *c, struct event *e, const char *action)
{
	event_init(e);
	e->action = action;
	e->source = c->source;
	util_buf_reset(&c->w->origin);
	util_buf_adds(&c->w->origin, c->w->name);
	{
		char num[32];

		snprintf(num, sizeof num, ":%lu", c->line);
		util_buf_adds(&c->w->origin, num);
	}
	e->origin = util_buf_str(&c->w->origin);
}

static int
ev_rcpt(struct ctx *c, struct event *e, const char *addr)
{
	if (addr == NULL) {
		util_locwarn(c->w->name, c->line, "%s event without a recipient address",
		    c->source);
		c->status = BK_ERR;
		return -1;
	}
	if (event_set_rcpt(e, addr, strlen(addr)) != 0) {
		util_locwarn(c->w->name, c->line, "not an address: \"%.80s\"", addr);
		c->status = BK_ERR;
		return -1;
	}
	return 0;
}

static void
ev_status(struct event *e, const char *s)
{
	char st[STATUS_MAX];

	if (s && status_parse(s, strlen(s), st) == 0)
		memcpy(e->status, st, sizeof st);
}

static void
ev_code(struct event *e, const json_t *v)
{
	long long n = json_is_integer(v) ? json_integer_value(v) :
	    json_is_string(v) ? atoll(json_string_value(v)) : 0;

	/* Providers use codes of their own (Mailgun's 605): only SMTP replies. */
	if (n >= 200 && n <= 599)
		e->code = (int)n;
}

/* Settles reason and class. hint: the provider's own word, taken when forced
 * or when status and text tell nothing; cls: the provider's hard/soft, or NULL
 * to derive it from the reason. */
static void
ev_send(struct ctx *c, struct event *e, const char *hint, int force, const char *cls)
{
	event_finish(e);
	if (hint && (force || strcmp(e->reason, "undefined") == 0))
		e->reason = hint;
	if (e->action && strcmp(e->action, "delayed") != 0 && strcmp(e->action, "failed") != 0)
		e->class = "none";
	else
		e->class = cls ? cls : reason_class(e->reason, e->status[0] ? e->status : NULL,
		    e->code);
	c->w->sink(c->w->arg, e);
}

/* ---- Amazon SES (notifications, event publishing, SNS envelope) ---- */

static int
ses_is(const json_t *o)
{
	if (json_is_string(get(o, "Type")) && json_is_string(get(o, "Message")) &&
	    get(o, "RecordType") == NULL)
		return 1;
	return (json_is_string(get(o, "notificationType")) ||
	    json_is_string(get(o, "eventType"))) && json_is_object(get(o, "mail"));
}

static const char *
ses_bounce_reason(const char *type, const char *sub, int *force)
{
	static const struct { const char *sub, *reason; int force; } map[] = {
		{ "NoEmail", "userunknown", 0 },
		{ "Suppressed", "suppressed", 1 },
		{ "OnAccountSuppressionList", "suppressed", 1 },
		{ "MailboxFull", "mailboxfull", 1 },
		{ "MessageTooLarge", "mesgtoobig", 1 },
		{ "ContentRejected", "contenterror", 0 },
		{ "AttachmentRejected", "contenterror", 0 },
	};

	(void)type;
	*force = 0;
	for (size_t i = 0; sub && i < sizeof map / sizeof map[0]; i++)
		if (strcasecmp(sub, map[i].sub) == 0) {
			*force = map[i].force;
			return map[i].reason;
		}
	return NULL;
}

static const char *
ses_delay_reason(const char *type)
{
	static const struct { const char *type, *reason; } map[] = {
		{ "MailboxFull", "mailboxfull" },
		{ "SpamDetected", "spamdetected" },
		{ "RecipientServerError", "systemerror" },
		{ "IPFailure", "blocked" },
		{ "TransientCommunicationFailure", "networkerror" },
		{ "SendingDeferral", "speeding" },
	};

	for (size_t i = 0; type && i < sizeof map / sizeof map[0]; i++)
		if (strcasecmp(type, map[i].type) == 0)
			return map[i].reason;
	return NULL;
}

/* The common fields of every SES record from its "mail" part. */
static void
ses_mail(struct event *e, const json_t *mail, time_t when)
{
	const json_t *hdr = get(mail, "commonHeaders");

	e->time = when != (time_t)-1 ? when : time_of(get(mail, "timestamp"));
	e->from = str(mail, "source");
	e->qid = str(mail, "messageId");
	e->msgid = str(hdr, "messageId");
	if (e->msgid == NULL)
		e->msgid = e->qid;
	if (e->msgid == e->qid)
		e->qid = NULL;
}

static const char *
ses_rhost(const json_t *part)
{
	const char *s = str(part, "remoteMtaIp");

	return s ? s : skip_type(str(part, "reportingMTA"), "dns");
}

static int ses_map(struct ctx *c, const json_t *o, int depth);

static int
ses_envelope(struct ctx *c, const json_t *o, int depth)
{
	const char *type = str(o, "Type"), *msg = str(o, "Message");
	json_error_t err;
	json_t *inner;
	int r;

	if (type == NULL || strcmp(type, "Notification") != 0)
		return MAP_NONE;	/* SubscriptionConfirmation and the like */
	if (msg == NULL || depth > 0) {
		util_locwarn(c->w->name, c->line, "SNS notification without an SES message");
		return MAP_ERR;
	}
	if ((inner = json_loads(msg, JSON_REJECT_DUPLICATES, &err)) == NULL) {
		util_locwarn(c->w->name, c->line, "SNS notification whose Message is not JSON: %s",
		    err.text);
		return MAP_ERR;
	}
	r = json_is_object(inner) ? ses_map(c, inner, depth + 1) : MAP_UNKNOWN;
	json_decref(inner);
	return r;
}

static int
ses_map(struct ctx *c, const json_t *o, int depth)
{
	const char *type = str(o, "notificationType");
	const json_t *mail = get(o, "mail"), *part, *list, *r;
	struct event e;
	size_t i;
	int n = 0;

	if (json_is_string(get(o, "Type")) && json_is_string(get(o, "Message")))
		return ses_envelope(c, o, depth);
	if (type == NULL)
		type = str(o, "eventType");
	if (type == NULL || !json_is_object(mail))
		return MAP_UNKNOWN;
	if (strcasecmp(type, "Bounce") == 0) {
		const char *btype, *sub, *hint, *cls;
		int force;

		part = get(o, "bounce");
		btype = str(part, "bounceType");
		sub = str(part, "bounceSubType");
		hint = ses_bounce_reason(btype, sub, &force);
		cls = btype && strcasecmp(btype, "Permanent") == 0 ? "hard" :
		    btype && strcasecmp(btype, "Transient") == 0 ? "soft" : NULL;
		list = get(part, "bouncedRecipients");
		json_array_foreach(list, i, r) {
			const char *act = str(r, "action");

			ev_start(c, &e, "failed");
			if (ev_rcpt(c, &e, str(r, "emailAddress")) != 0)
				continue;
			if (act && event_action_name(act, strlen(act)))
				e.action = event_action_name(act, strlen(act));
			ses_mail(&e, mail, time_of(get(part, "timestamp")));
			ev_status(&e, str(r, "status"));
			e.diag = skip_type(str(r, "diagnosticCode"), "smtp");
			e.rhost = ses_rhost(part);
			ev_send(c, &e, hint, force, cls);
			n++;
		}
	} else if (strcasecmp(type, "DeliveryDelay") == 0) {
		part = get(o, "deliveryDelay");
		list = get(part, "delayedRecipients");
		json_array_foreach(list, i, r) {
			ev_start(c, &e, "delayed");
			if (ev_rcpt(c, &e, str(r, "emailAddress")) != 0)
				continue;
			ses_mail(&e, mail, time_of(get(part, "timestamp")));
			ev_status(&e, str(r, "status"));
			e.diag = skip_type(str(r, "diagnosticCode"), "smtp");
			e.rhost = ses_rhost(part);
			ev_send(c, &e, ses_delay_reason(str(part, "delayType")), 1, NULL);
			n++;
		}
	} else if (strcasecmp(type, "Delivery") == 0) {
		part = get(o, "delivery");
		list = get(part, "recipients");
		json_array_foreach(list, i, r) {
			ev_start(c, &e, "delivered");
			if (ev_rcpt(c, &e, json_string_value(r)) != 0)
				continue;
			ses_mail(&e, mail, time_of(get(part, "timestamp")));
			e.diag = str(part, "smtpResponse");
			e.rhost = str(part, "remoteMtaIp");
			ev_send(c, &e, NULL, 0, NULL);
			n++;
		}
	} else if (strcasecmp(type, "Complaint") == 0) {
		part = get(o, "complaint");
		list = get(part, "complainedRecipients");
		json_array_foreach(list, i, r) {
			ev_start(c, &e, "delivered");
			if (ev_rcpt(c, &e, str(r, "emailAddress")) != 0)
				continue;
			ses_mail(&e, mail, time_of(get(part, "timestamp")));
			e.diag = str(part, "complaintFeedbackType");
			ev_send(c, &e, "feedback", 1, "none");
			n++;
		}
	}
	/* Send, Reject, Open, Click, ...: no recipient outcome. */
	return n;
}

/* ---- SendGrid event webhook ---- */

static int
sendgrid_is(const json_t *o)
{
	return json_is_string(get(o, "event")) && json_is_string(get(o, "email"));
}

static const char *
sendgrid_class_reason(const char *cls)
{
	static const struct { const char *cls, *reason; } map[] = {
		{ "Invalid Address", "userunknown" },
		{ "Reputation", "badreputation" },
		{ "Content", "contenterror" },
		{ "Frequency or Volume", "speeding" },
		{ "Mailbox Unavailable", "suspend" },
	};

	for (size_t i = 0; cls && i < sizeof map / sizeof map[0]; i++)
		if (strcasecmp(cls, map[i].cls) == 0)
			return map[i].reason;
	return NULL;
}

static int
sendgrid_map(struct ctx *c, const json_t *o)
{
	const char *ev = str(o, "event"), *hint = NULL, *cls = NULL, *why;
	struct event e;
	int force = 0;

	if (ev == NULL)
		return MAP_UNKNOWN;	/* "event": "" */
	if (strcmp(ev, "bounce") == 0 || strcmp(ev, "blocked") == 0) {
		ev_start(c, &e, "failed");
		e.diag = str(o, "reason");
		hint = sendgrid_class_reason(str(o, "bounce_classification"));
		if (hint == NULL && (strcmp(ev, "blocked") == 0 || str_is(o, "type", "blocked")))
			hint = "blocked";
	} else if (strcmp(ev, "deferred") == 0) {
		ev_start(c, &e, "delayed");
		e.diag = str(o, "response");
	} else if (strcmp(ev, "dropped") == 0) {
		ev_start(c, &e, "failed");
		e.diag = why = str(o, "reason");
		/* Dropped without trying: the address is on one of the account's lists. */
		if (why && (strcasecmp(why, "Bounced Address") == 0 ||
		    strcasecmp(why, "Unsubscribed Address") == 0 ||
		    strcasecmp(why, "Spam Reporting Address") == 0)) {
			hint = "suppressed";
			force = 1;
			cls = "hard";
		} else if (why && strcasecmp(why, "Invalid") == 0) {
			hint = "userunknown";
			force = 1;
			cls = "hard";
		}
	} else if (strcmp(ev, "delivered") == 0) {
		ev_start(c, &e, "delivered");
		e.diag = str(o, "response");
	} else if (strcmp(ev, "spamreport") == 0) {
		ev_start(c, &e, "delivered");
		hint = "feedback";
		force = 1;
		cls = "none";
	} else {
		return MAP_NONE;	/* processed, open, click, unsubscribe, ... */
	}
	if (ev_rcpt(c, &e, str(o, "email")) != 0)
		return MAP_ERR;
	e.time = time_of(get(o, "timestamp"));
	ev_status(&e, str(o, "status"));
	e.qid = str(o, "sg_message_id");
	e.msgid = str(o, "smtp-id");
	if (e.msgid == NULL) {
		e.msgid = e.qid;
		e.qid = NULL;
	}
	ev_send(c, &e, hint, force, cls);
	return 1;
}

/* ---- Mailgun (webhook with "event-data", events API items) ---- */

static int
mailgun_is(const json_t *o)
{
	return json_is_object(get(o, "event-data")) ||
	    (json_is_string(get(o, "event")) && json_is_string(get(o, "recipient"))) ||
	    (json_is_array(get(o, "items")) && json_is_object(get(o, "paging")));
}

static int
mailgun_event(struct ctx *c, const json_t *o)
{
	const char *ev = str(o, "event"), *mgr = str(o, "reason"), *hint = NULL, *cls = NULL;
	const json_t *ds = get(o, "delivery-status"), *msg = get(o, "message");
	const json_t *hdr = get(msg, "headers"), *env = get(o, "envelope");
	struct event e;
	int force = 0;

	if (ev == NULL)
		return MAP_UNKNOWN;
	if (strcasecmp(ev, "failed") == 0) {
		ev_start(c, &e, str_is(o, "severity", "temporary") ? "delayed" : "failed");
		if (mgr && strncasecmp(mgr, "suppress-", 9) == 0) {
			hint = "suppressed";
			force = 1;
			cls = "hard";
		} else if (mgr && strcasecmp(mgr, "old") == 0) {
			hint = "expired";
		} else if (mgr && strcasecmp(mgr, "espblock") == 0) {
			hint = "blocked";
		}
	} else if (strcasecmp(ev, "delivered") == 0) {
		ev_start(c, &e, "delivered");
	} else if (strcasecmp(ev, "complained") == 0) {
		ev_start(c, &e, "delivered");
		hint = "feedback";
		force = 1;
		cls = "none";
	} else {
		return MAP_NONE;	/* accepted, opened, clicked, stored, ... */
	}
	if (ev_rcpt(c, &e, str(o, "recipient")) != 0)
		return MAP_ERR;
	e.time = time_of(get(o, "timestamp"));
	ev_code(&e, get(ds, "code"));
	ev_status(&e, str(ds, "enhanced-code"));
	e.diag = str(ds, "message");
	if (e.diag == NULL)
		e.diag = str(ds, "description");
	e.rhost = str(ds, "mx-host");
	e.msgid = str(hdr, "message-id");
	e.from = str(env, "sender");
	if (e.from == NULL)
		e.from = str(hdr, "from");
	ev_send(c, &e, hint, force, cls);
	return 1;
}

static int
mailgun_map(struct ctx *c, const json_t *o)
{
	const json_t *items = get(o, "items"), *it;
	size_t i;
	int n = 0, r;

	if (json_is_object(get(o, "event-data")))
		return mailgun_event(c, get(o, "event-data"));
	if (!json_is_array(items))
		return mailgun_event(c, o);
	json_array_foreach(items, i, it) {
		if ((r = mailgun_event(c, it)) > 0)
			n += r;
		else if (r == MAP_UNKNOWN)
			return r;
	}
	return n;
}

/* ---- Postmark (bounce, delivery and spam complaint webhooks) ---- */

static int
postmark_is(const json_t *o)
{
	return json_is_string(get(o, "RecordType")) ||
	    (json_is_integer(get(o, "TypeCode")) && json_is_string(get(o, "Email"))) ||
	    (json_is_array(get(o, "Bounces")) && json_is_integer(get(o, "TotalCount")));
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
postmark_bounce(struct ctx *c, const json_t *o)
{
	const struct postmark_type *t = NULL;
	const char *name = str(o, "Type");
	long long code = jsonl_get_int(o, "TypeCode", -1);
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
		return MAP_NONE;
	ev_start(c, &e, t->action);
	if (ev_rcpt(c, &e, str(o, "Email")) != 0)
		return MAP_ERR;
	e.time = time_of(get(o, "BouncedAt"));
	e.diag = skip_type(str(o, "Details"), "smtp");
	if (e.diag == NULL)
		e.diag = str(o, "Description");
	e.from = str(o, "From");
	e.msgid = str(o, "MessageID");
	ev_send(c, &e, t->reason, t->force, t->cls);
	return 1;
}

static int
postmark_map(struct ctx *c, const json_t *o)
{
	const char *rt = str(o, "RecordType");
	const json_t *list = get(o, "Bounces"), *b;
	struct event e;
	size_t i;
	int n = 0, r;

	if (rt == NULL && json_is_array(list)) {
		/* The bounces API: {"TotalCount": n, "Bounces": [...]} */
		json_array_foreach(list, i, b)
			if ((r = postmark_bounce(c, b)) > 0)
				n += r;
		return n;
	}
	if (rt == NULL || strcasecmp(rt, "Bounce") == 0)
		return postmark_bounce(c, o);
	if (strcasecmp(rt, "Delivery") == 0) {
		ev_start(c, &e, "delivered");
		if (ev_rcpt(c, &e, str(o, "Recipient")) != 0)
			return MAP_ERR;
		e.time = time_of(get(o, "DeliveredAt"));
		e.diag = skip_type(str(o, "Details"), "smtp");
		e.msgid = str(o, "MessageID");
		ev_send(c, &e, NULL, 0, NULL);
		return 1;
	}
	if (strcasecmp(rt, "SpamComplaint") == 0) {
		ev_start(c, &e, "delivered");
		if (ev_rcpt(c, &e, str(o, "Email")) != 0)
			return MAP_ERR;
		e.time = time_of(get(o, "BouncedAt"));
		e.from = str(o, "From");
		e.msgid = str(o, "MessageID");
		ev_send(c, &e, "feedback", 1, "none");
		return 1;
	}
	return MAP_NONE;	/* Open, Click, SubscriptionChange */
}

/* ---- dispatch ---- */

static int
dispatch(struct webhook *w, json_t *v, unsigned long line, int depth)
{
	struct ctx c = { w, line, NULL, BK_OK };
	enum webhook_format f = w->format;
	size_t i;
	json_t *el;
	int r = MAP_UNKNOWN, status = BK_OK;

	if (json_is_array(v) && depth == 0) {
		json_array_foreach(v, i, el)
			status = input_worse(status, dispatch(w, el, line, depth + 1));
		return status;
	}
	if (json_is_object(v)) {
		if ((f == WEBHOOK_AUTO || f == WEBHOOK_SES) && ses_is(v)) {
			c.source = "ses";
			r = ses_map(&c, v, 0);
		} else if ((f == WEBHOOK_AUTO || f == WEBHOOK_MAILGUN) && mailgun_is(v)) {
			c.source = "mailgun";
			r = mailgun_map(&c, v);
		} else if ((f == WEBHOOK_AUTO || f == WEBHOOK_SENDGRID) && sendgrid_is(v)) {
			c.source = "sendgrid";
			r = sendgrid_map(&c, v);
		} else if ((f == WEBHOOK_AUTO || f == WEBHOOK_POSTMARK) && postmark_is(v)) {
			c.source = "postmark";
			r = postmark_map(&c, v);
		}
	}
	if (r == MAP_UNKNOWN) {
		/* Once per file: a feed of some other kind would repeat it on every line. */
		if (!w->unknown_reported++)
			util_locwarn(w->name, line, "not a known webhook event%s%s "
			    "(reported once per file; such values are skipped)",
			    f == WEBHOOK_AUTO ? "" : " of ",
			    f == WEBHOOK_SES ? "ses" : f == WEBHOOK_SENDGRID ? "sendgrid" :
			    f == WEBHOOK_MAILGUN ? "mailgun" : f == WEBHOOK_POSTMARK ? "postmark" : "");
		return BK_ERR;
	}
	if (r == MAP_ERR)
		return BK_ERR;
	return c.status;
}

/* ---- the scanner ---- */

static void
scan_reset(struct webhook *w)
{
	w->state = SCAN_TOP;
	w->in_array = 0;
	w->depth = 0;
	w->in_string = w->escape = 0;
	util_buf_reset(&w->val);
}

static int
scan_fail(struct webhook *w, unsigned long line, const char *what)
{
	int in_array = w->state == SCAN_ELEM || w->state == SCAN_SEP ||
	    (w->state == SCAN_VALUE && w->in_array);

	util_locwarn(w->name, line, "%s", what);
	scan_reset(w);
	w->resync = 1;
	w->resync_array = in_array;
	return BK_ERR;
}

static int
value_done(struct webhook *w)
{
	json_error_t err;
	json_t *v;
	int status;

	v = json_loadb(w->val.p, w->val.len, JSON_REJECT_DUPLICATES, &err);
	w->state = w->in_array ? SCAN_SEP : SCAN_TOP;
	util_buf_reset(&w->val);
	if (v == NULL) {
		util_locwarn(w->name, w->val_line + (err.line > 0 ? (unsigned long)err.line - 1 : 0),
		    "invalid JSON: %s", err.text);
		return BK_ERR;
	}
	status = dispatch(w, v, w->val_line, 0);
	json_decref(v);
	return status;
}

static size_t
skip_ws(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\f'))
		i++;
	return i;
}

int
webhook_line(struct webhook *w, const struct input_loc *loc, const char *line, size_t len)
{
	size_t i = 0;
	int status = BK_OK;

	w->last_line = loc->line;
	if (w->resync) {
		i = skip_ws(line, 0, len);
		if (i == len || (line[i] != '{' && line[i] != '['))
			return BK_OK;	/* still skipping the rest of a broken value */
		w->resync = 0;
		/* An object after a broken array element is the next element, so
		 * that its ',' and the closing ']' are no new errors. */
		if (w->resync_array && line[i] == '{')
			w->state = SCAN_ELEM;
	}
	while (i < len) {
		size_t start;

		switch (w->state) {
		case SCAN_TOP:
		case SCAN_ELEM:
			i = skip_ws(line, i, len);
			if (i == len)
				break;
			if (line[i] == '{' || (line[i] == '[' && w->state == SCAN_ELEM)) {
				w->in_array = w->state == SCAN_ELEM;
				w->state = SCAN_VALUE;
				w->val_line = loc->line;
				break;
			}
			if (line[i] == '[') {
				w->state = SCAN_ELEM;	/* a top-level array: its elements */
				i++;
				break;
			}
			if (line[i] == ']' && w->state == SCAN_ELEM) {
				w->state = SCAN_TOP;
				i++;
				break;
			}
			return scan_fail(w, loc->line, w->state == SCAN_TOP ?
			    "not the start of a JSON object or array" :
			    "not the start of an array element");
		case SCAN_SEP:
			i = skip_ws(line, i, len);
			if (i == len)
				break;
			if (line[i] == ',' || line[i] == ']') {
				w->state = line[i] == ',' ? SCAN_ELEM : SCAN_TOP;
				i++;
				break;
			}
			return scan_fail(w, loc->line, "expected ',' or ']' after an array element");
		case SCAN_VALUE:
			start = i;
			for (; i < len; i++) {
				char ch = line[i];

				if (w->in_string) {
					if (w->escape)
						w->escape = 0;
					else if (ch == '\\')
						w->escape = 1;
					else if (ch == '"')
						w->in_string = 0;
				} else if (ch == '"') {
					w->in_string = 1;
				} else if (ch == '{' || ch == '[') {
					w->depth++;
				} else if ((ch == '}' || ch == ']') && --w->depth == 0) {
					i++;
					break;
				}
			}
			util_buf_add(&w->val, line + start, i - start);
			if (w->depth == 0)
				status = input_worse(status, value_done(w));
			break;
		}
	}
	if (w->state == SCAN_VALUE) {
		if (w->in_string)
			return scan_fail(w, loc->line, "line break inside a JSON string");
		if (w->val.len > WEBHOOK_VALUE_MAX)
			return scan_fail(w, loc->line, "JSON value larger than 64 MB");
		util_buf_addc(&w->val, '\n');
	}
	return status;
}

int
webhook_end(struct webhook *w)
{
	int status = BK_OK;

	if (w->state == SCAN_VALUE) {
		util_locwarn(w->name, w->last_line, "unfinished JSON value at the end (begun at "
		    "line %lu)", w->val_line);
		status = BK_ERR;
	} else if (w->state != SCAN_TOP) {
		util_locwarn(w->name, w->last_line, "unfinished JSON array at the end");
		status = BK_ERR;
	}
	util_buf_free(&w->val);
	util_buf_free(&w->origin);
	free(w);
	return status;
}
