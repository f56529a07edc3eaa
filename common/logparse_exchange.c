/* logparse_exchange: Microsoft Exchange message tracking logs (MSGTRK*.LOG):
 * CSV records under a "#Fields:" header; DELIVER, SEND, DEFER and FAIL are
 * recipient outcomes. */
#include "logparse_acct.h"

#include <string.h>
#include <strings.h>

enum { C_TIME, C_SERVER, C_EVENT, C_QID, C_MSGID, C_RCPT, C_STATUS, C_SENDER, C_RETURN_PATH,
	C_SOURCE, C_COUNT };

static const char *const columns[C_COUNT] = { "date-time", "server-hostname", "event-id",
	"internal-message-id", "message-id", "recipient-address", "recipient-status",
	"sender-address", "return-path", "source" };

int
logparse_exchange_header(struct logparse_ctx *c, struct logparse_acct *a, const char *fields,
    size_t n)
{
	return acct_columns(c, a, fields, n, LOGPARSE_EXCHANGE, columns, C_COUNT,
	    "Exchange #Fields: line with an unclosed quote");
}

static const struct {
	const char *event, *action;
} events[] = {
	{ "DELIVER", "delivered" },	/* to a mailbox */
	{ "SEND", "delivered" },	/* by SMTP to another server */
	{ "DEFER", "delayed" },
	{ "FAIL", "failed" },
	/* RECEIVE, SUBMIT, EXPAND, RESOLVE, REDIRECT, TRANSFER, DSN (the notice
	 * to the sender: FAIL names the recipient), DROP, POISONMESSAGE, ...: no
	 * recipient outcome */
};

/* One of the recipients of the record, and its part of recipient-status. */
static int
one(struct logparse_ctx *c, struct logparse_acct *a, const char *action, const char *rcpt,
    size_t rlen, const char *status, size_t slen)
{
	struct event e;
	struct util_buf *b = &a->scratch;

	acct_start(c, &e, action, "exchange");
	if (acct_rcpt(c, &e, rcpt, rlen) != 0)
		return BK_ERR;
	if ((e.time = acct_time(acct_field(a, C_TIME) ? acct_field(a, C_TIME) : "")) == (time_t)-1)
		return logparse_bad(c, "Exchange record with an unreadable date-time");
	while (slen > 0 && *status == ' ') {
		status++;
		slen--;
	}
	util_buf_reset(b);
	util_buf_add(b, status, slen);
	e.diag = slen ? util_buf_str(b) : NULL;
	e.qid = acct_field(a, C_QID);
	e.msgid = acct_field(a, C_MSGID);
	e.from = acct_field(a, C_SENDER);
	if (e.from == NULL)
		e.from = acct_field(a, C_RETURN_PATH);
	if (strcmp(acct_field(a, C_EVENT), "SEND") == 0)
		e.rhost = acct_field(a, C_SERVER);
	acct_send(c, &e, NULL, 0, NULL);
	return BK_OK;
}

int
logparse_exchange_line(struct logparse_ctx *c, struct logparse_acct *a)
{
	const char *ev, *action = NULL, *rcpts, *status, *r, *s;
	size_t nr = 0, ns = 0;
	int worst = BK_OK;

	if (csv_split(&a->row, c->line, c->len, ',') != 0)
		return logparse_bad(c, "Exchange record with an unclosed quote");
	if ((ev = acct_field(a, C_EVENT)) == NULL)
		return BK_OK;
	for (size_t i = 0; i < sizeof events / sizeof events[0]; i++)
		if (strcasecmp(ev, events[i].event) == 0)
			action = events[i].action;
	if (action == NULL || (c->lp->skip_delivered && strcmp(action, "delivered") == 0))
		return BK_OK;
	rcpts = acct_field(a, C_RCPT);
	status = acct_field(a, C_STATUS);
	if (rcpts == NULL)
		return logparse_bad(c, "Exchange record without a recipient-address");
	if (status == NULL)
		status = "";
	/* Several recipients are separated by ';', and so may their statuses
	 * be; a single recipient's status may hold ';' itself. */
	for (r = rcpts; r; r = strchr(r, ';') ? strchr(r, ';') + 1 : NULL)
		nr++;
	for (s = status; s; s = strchr(s, ';') ? strchr(s, ';') + 1 : NULL)
		ns++;
	for (r = rcpts, s = status; r; ) {
		const char *rend = strchr(r, ';'), *send = nr > 1 && nr == ns ? strchr(s, ';') : NULL;
		size_t rl = rend ? (size_t)(rend - r) : strlen(r);
		size_t sl = nr > 1 && nr == ns ? (send ? (size_t)(send - s) : strlen(s)) : strlen(s);

		worst = input_worse(worst, one(c, a, action, r, rl, s, sl));
		r = rend ? rend + 1 : NULL;
		if (nr > 1 && nr == ns && send)
			s = send + 1;
	}
	return worst;
}
