/* logparse_postfix: Postfix delivery outcomes ("QID: to=..., status=...")
 * and expiry ("QID: from=..., status=expired"), whose recipients still
 * deferred fail with their last reply. */
#include "logparse_int.h"
#include "status.h"
#include "util.h"

#include <string.h>

/* Drops the "(in reply to RCPT TO command)" that Postfix adds to a reply. */
static size_t
strip_in_reply(const char *s, size_t n)
{
	const char *p;
	size_t k = n;

	if (k > 0 && s[k - 1] == ')' && k > 14) {
		/* look back a bounded way: the note is short */
		size_t from = k > 64 ? k - 64 : 0;

		if ((p = logparse_find(s + from, k - from, " (in reply to ")) != NULL) {
			while (p > s && p[-1] == ' ')
				p--;
			return (size_t)(p - s);
		}
	}
	return n;
}

static const char *
postfix_action(const char *w, size_t n, const char **reason)
{
	static const struct { const char *word; const char *action; } map[] = {
		{ "sent", "delivered" }, { "deliverable", "delivered" },
		{ "deferred", "delayed" }, { "SOFTBOUNCE", "delayed" }, { "softbounce", "delayed" },
		{ "bounced", "failed" }, { "expired", "failed" }, { "undeliverable", "failed" },
		{ "undeliverable-but-not-cached", "failed" },
	};

	*reason = NULL;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strlen(map[i].word) == n && memcmp(map[i].word, w, n) == 0) {
			if (strcmp(map[i].word, "expired") == 0)
				*reason = "expired";
			return map[i].action;
		}
	return NULL;
}

int
logparse_postfix_outcome(struct logparse_ctx *c, struct logparse_outcome *o, const struct logparse_kv *kv)
{
	const char *st = kv->p[K_STATUS], *text, *said;
	size_t n = kv->n[K_STATUS], w = 0, tn;
	int r;

	while (w < n && st[w] != ' ' && st[w] != ',' && st[w] != '(')
		w++;
	if ((o->action = postfix_action(st, w, &o->reason)) == NULL)
		return logparse_bad(c, "unknown Postfix delivery status");
	/* The text: "status=deferred (host mx[192.0.2.1] said: 452 ... (in reply to ...))" */
	text = st + w;
	tn = n - w;
	while (tn > 0 && (*text == ' ' || *text == ','))
		text++, tn--;
	if (tn > 0 && *text == '(') {
		text++, tn--;
		if (tn > 0 && text[tn - 1] == ')')
			tn--;
	}
	if (kv->p[K_RELAY] && memchr(kv->p[K_RELAY], '[', kv->n[K_RELAY])) {
		o->rhost = kv->p[K_RELAY];
		o->rhost_len = kv->n[K_RELAY];
	}
	/* "host mx[ip] said: 452 ..." and "host mx[ip] refused to talk to me: 554 ..." */
	if (logparse_prefix(text, tn, "host ")) {
		size_t lim = tn < 600 ? tn : 600, skip = 7;

		if ((said = logparse_find(text, lim, " said: ")) == NULL &&
		    (said = logparse_find(text, lim, " refused to talk to me: ")) != NULL)
			skip = 24;
		if (said != NULL) {
			o->rhost = text + 5;
			o->rhost_len = (size_t)(said - text - 5);
			tn -= (size_t)(said + skip - text);
			text = said + skip;
		}
	} else if (o->rhost == NULL && logparse_prefix(text, tn, "connect to ")) {
		/* "connect to mx[ip]:25: Connection refused" (smtp_connect.c): the
		 * host is named in the text only, relay= says none */
		o->rhost = text + 11;
		o->rhost_len = tn - 11;
	}
	o->diag = text;
	o->diag_len = strip_in_reply(text, tn);
	r = logparse_qid_emit(o, kv->p[K_TO], kv->n[K_TO], kv->p[K_ORIG_TO], kv->n[K_ORIG_TO], NULL);
	if (r < 0)
		return logparse_bad(c, "Postfix delivery status without a readable to=");
	return BK_OK;
}

/* "QID: from=<a@b>, status=expired, returned to sender" (qmgr): the recipients
 * of the message that were still deferred failed. */
int
logparse_postfix_expired(struct logparse_ctx *c, const char *qid, size_t qlen,
    const struct logparse_kv *kv)
{
	(void)kv;
	return logparse_qid_expire(c, qid, qlen, "postfix",
	    "message expired in the queue, returned to sender");
}
