/* webhook_kumomta: KumoMTA's JSON log records (one object a line, as its
 * local logs and log hooks write them) -> event records; read as a JSON
 * stream, like the webhooks. */
#include "webhook_int.h"
#include "bouncecat.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct webhook_kind kumomta_types[] = {
	{ "Delivery", "delivered", NULL, NULL, 0 },
	{ "TransientFailure", "delayed", NULL, "soft", 0 },
	{ "Bounce", "failed", NULL, NULL, 0 },
	{ "Expiration", "failed", "expired", NULL, 1 },
	/* failed by an administrator (the bounce API): no word on the address */
	{ "AdminBounce", "failed", NULL, NULL, 0 },
	{ "OOB", "failed", NULL, NULL, 0 },
	{ "Feedback", "delivered", "feedback", "none", 1 },
	/* Reception, Rejection (of incoming mail), Delay (held by our own
	 * limits before an attempt): no delivery outcome */
	{ "Reception", NULL, NULL, NULL, 0 },
	{ "Rejection", NULL, NULL, NULL, 0 },
	{ "Delay", NULL, NULL, NULL, 0 },
};

/* A log record: a type of its own, and the queue and spool id of a message. */
static int
kumomta_is(const struct jnode *o)
{
	return jtree_is(webhook_get(o, "type"), JT_STR) && webhook_get(o, "queue") != NULL &&
	    webhook_get(o, "id") != NULL && (webhook_get(o, "site") != NULL ||
	    webhook_get(o, "egress_pool") != NULL || webhook_get(o, "nodeid") != NULL);
}

/* Digits of v (0 to 999) at p; returns the end. */
static char *
put_num(char *p, long long v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/* The whole reply as the peer sent it: "550 5.1.1 content". */
static const char *
kumomta_reply(struct webhook_ctx *c, const struct jnode *resp, char *status, size_t statuslen)
{
	const struct jnode *ec = webhook_get(resp, "enhanced_code");
	const char *content = webhook_str(resp, "content");
	long long code = webhook_int(webhook_get(resp, "code"), 0);
	struct util_buf *b;
	char num[8];

	status[0] = '\0';
	if (jtree_is(ec, JT_OBJ) && statuslen >= 12) {
		long long cl = webhook_int(webhook_get(ec, "class"), -1);
		long long sub = webhook_int(webhook_get(ec, "subject"), -1);
		long long det = webhook_int(webhook_get(ec, "detail"), -1);

		if (cl >= 2 && cl <= 5 && sub >= 0 && sub <= 999 && det >= 0 && det <= 999) {
			char *p = put_num(status, cl);

			*p++ = '.';
			p = put_num(p, sub);
			*p++ = '.';
			*put_num(p, det) = '\0';
		}
	}
	if (content == NULL && code == 0)
		return NULL;
	b = webhook_scratch(c);
	if (code >= 200 && code <= 599) {
		*put_num(num, code) = ' ';
		util_buf_add(b, num, 4);
	}
	if (status[0]) {
		util_buf_adds(b, status);
		util_buf_addc(b, ' ');
	}
	if (content)
		util_buf_adds(b, content);
	while (b->len > 0 && b->p[b->len - 1] == ' ')
		b->len--;
	return b->len ? util_buf_str(b) : NULL;
}

/* The complainant of a Feedback record: the recipient of the reported
 * message, not that of the report. */
static const char *
kumomta_complainant(const struct jnode *o)
{
	const struct jnode *fr = webhook_get(o, "feedback_report");
	const char *s = webhook_str(webhook_get(fr, "supplemental_trace"), "recipient");

	if (s == NULL)
		s = jtree_str(jtree_at(webhook_get(fr, "original_rcpto_to"), 0));
	if (s == NULL)
		s = jtree_str(jtree_at(webhook_get(webhook_get(fr, "extensions"),
		    "removal-recipient"), 0));
	return s;
}

/* What the events of one record share. */
struct kumomta_rec {
	const struct webhook_kind *kind;
	const char *hint, *diag, *rhost;
	char status[16];
	int force;
};

static int
kumomta_event(struct webhook_ctx *c, const struct jnode *o, const struct kumomta_rec *rec,
    const char *rcpt)
{
	struct event e;

	webhook_ev_start(c, &e, rec->kind->action);
	if (webhook_ev_rcpt(c, &e, rcpt) != 0)
		return 0;
	e.time = webhook_time(webhook_get(o, "timestamp"));
	webhook_ev_status(&e, rec->status);
	if (strcmp(rec->kind->name, "Feedback") != 0)
		webhook_ev_code(&e, webhook_get(webhook_get(o, "response"), "code"));
	e.diag = rec->diag;
	e.rhost = rec->rhost;
	e.from = webhook_str(o, "sender");
	e.qid = webhook_str(o, "id");
	e.msgid = webhook_str(webhook_get(o, "headers"), "Message-ID");
	e.pool = webhook_str(o, "egress_pool");
	return webhook_ev_send(c, &e, rec->hint, rec->force, rec->kind->cls);
}

static int
kumomta_map(struct webhook_ctx *c, const struct jnode *o)
{
	const struct jnode *peer = webhook_get(o, "peer_address");
	const struct jnode *rcpts = webhook_get(o, "recipient"), *r;
	struct kumomta_rec rec = { WEBHOOK_KIND(kumomta_types, webhook_str(o, "type")), NULL,
		NULL, NULL, "", 0 };
	const char *cat;
	char rhost[256];
	int n = 0, cforce;

	if (rec.kind == NULL)
		return WEBHOOK_MAP_UNKNOWN;
	if (rec.kind->action == NULL || webhook_skips(c, rec.kind->action))
		return WEBHOOK_MAP_NONE;
	rec.hint = rec.kind->reason;
	rec.force = rec.kind->force;
	cat = bouncecat_reason(webhook_str(o, "bounce_classification"), &cforce);
	if (rec.hint == NULL && cat && strcmp(rec.kind->action, "delivered") != 0) {
		rec.hint = cat;
		rec.force = cforce;
	}
	rec.diag = kumomta_reply(c, webhook_get(o, "response"), rec.status, sizeof rec.status);
	rhost[0] = '\0';
	if (webhook_str(peer, "name")) {
		snprintf(rhost, sizeof rhost, "%s", webhook_str(peer, "name"));
		/* MX names end with the root's dot */
		if (rhost[0] && rhost[strlen(rhost) - 1] == '.')
			rhost[strlen(rhost) - 1] = '\0';
	} else if (webhook_str(peer, "addr")) {
		snprintf(rhost, sizeof rhost, "%s", webhook_str(peer, "addr"));
	}
	rec.rhost = rhost[0] ? rhost : NULL;
	if (strcmp(rec.kind->name, "Feedback") == 0) {
		/* the response and peer are those of the report's reception */
		rec.diag = webhook_str(webhook_get(o, "feedback_report"), "feedback_type");
		rec.rhost = NULL;
		rec.status[0] = '\0';
		return kumomta_event(c, o, &rec, kumomta_complainant(o));
	}
	/* newer versions log one record for several recipients: an array */
	if (jtree_size(rcpts) == 0)
		return kumomta_event(c, o, &rec, webhook_str(o, "recipient"));
	jtree_foreach(rcpts, r)
		n += kumomta_event(c, o, &rec, jtree_str(r));
	return n;
}

const struct webhook_provider webhook_kumomta = { "kumomta", WEBHOOK_KUMOMTA, kumomta_is,
	kumomta_map };
