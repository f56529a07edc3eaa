/* logparse_sendmail: Sendmail delivery outcomes ("QID: to=..., stat=..."),
 * one event per recipient of a line's list, and the give-up of a message
 * ("QID: NEWQID: sender notify: Cannot send message for ..."). */
#include "logparse_int.h"
#include "util.h"

#include <string.h>

/* Sendmail logs long recipient lists over several lines; more on one line is not
 * a real log. */
#define SENDMAIL_RCPT_MAX 1000

int
logparse_sendmail_outcome(struct logparse_ctx *c, struct logparse_outcome *o, struct logparse_kv *kv)
{
	const char *st = kv->p[K_STAT], *dsn = kv->p[K_DSN], *list = kv->p[K_TO];
	size_t n = kv->n[K_STAT], ln = kv->n[K_TO], i = 0;
	int good = 0, bad = 0;
	const char *reply;

	/* Some versions log ", reply=..." after stat= */
	if ((reply = logparse_find(st, n, ", reply=")) != NULL) {
		kv->p[K_REPLY] = reply + 8;
		kv->n[K_REPLY] = (size_t)(st + n - reply - 8);
		n = (size_t)(reply - st);
	}

	if (logparse_prefix(st, n, "Sent")) {
		o->action = "delivered";
		o->diag = st;
		o->diag_len = n;
		if (n > 6 && st[4] == ' ' && st[5] == '(') {
			o->diag = st + 6;
			o->diag_len = n - 6 - (st[n - 1] == ')');
		}
	} else if (logparse_prefix(st, n, "Deferred")) {
		o->action = "delayed";
		o->diag = st + 8;
		o->diag_len = n - 8;
		while (o->diag_len > 0 && (*o->diag == ':' || *o->diag == ' '))
			o->diag++, o->diag_len--;
	} else if (logparse_prefix(st, n, "queued") || logparse_prefix(st, n, "Queued")) {
		return BK_OK;	/* accepted into the queue: no outcome yet */
	} else {
		o->action = dsn && dsn[0] == '2' ? "delivered" : dsn && dsn[0] == '4' ?
		    "delayed" : "failed";
		o->diag = st;
		o->diag_len = n;
	}
	/* "reply=550 5.1.1 <a@b>... User unknown" is the remote server's own words */
	if (kv->p[K_REPLY] && kv->n[K_REPLY] > 0) {
		o->diag = kv->p[K_REPLY];
		o->diag_len = kv->n[K_REPLY];
	}
	if (kv->p[K_RELAY]) {
		o->rhost = kv->p[K_RELAY];
		o->rhost_len = kv->n[K_RELAY];
	}
	/* "to=<a@x>,<b@y>,c@z": one event each */
	while (i <= ln) {
		size_t j = i;
		int quote = 0, angle = 0, r;

		for (; j < ln; j++) {
			if (list[j] == '"')
				quote = !quote;
			else if (!quote && list[j] == '<')
				angle = 1;
			else if (!quote && list[j] == '>')
				angle = 0;
			else if (!quote && !angle && list[j] == ',')
				break;
		}
		if (j > i && good + bad >= SENDMAIL_RCPT_MAX) {
			/* each event costs up to a diagnostic's copy: keep a hostile
			 * line's work bounded */
			return logparse_bad(c, "too many recipients on one line, the rest skipped");
		}
		if (j > i) {
			r = logparse_qid_emit(o, list + i, j - i, NULL, 0, NULL);
			if (r < 0)
				bad++;
			else
				good++;
		}
		i = j + 1;
	}
	if (bad > 0 || good == 0)
		return logparse_bad(c, "Sendmail delivery status without a readable to=");
	return BK_OK;
}


/* envelope.c's dropenvelope() logs the notice it sends the sender under the
 * message's id: "Cannot send message for TIME" when the queue lifetime
 * (Timeout.queuereturn) ran out, "Warning: could not send message for past
 * TIME" for a delay warning (the deferrals are events already). */
int
logparse_sendmail_notify(struct logparse_ctx *c, const char *qid, size_t qlen, const char *rest,
    size_t rn)
{
	const char *p = logparse_find(rest, rn, ": sender notify: ");
	size_t n;

	p += 17;
	n = (size_t)(rest + rn - p);
	if (!logparse_prefix(p, n, "Cannot send message for "))
		return BK_OK;
	{
		char text[LOGPARSE_FIELD_MAX];

		logparse_copy(text, sizeof text, p, n);
		return logparse_qid_expire(c, qid, qlen, "sendmail", text);
	}
}
