/* logparse_powermta: PowerMTA accounting files (acct-*.csv): RFC 4180 CSV
 * whose header line names the columns; one record per recipient outcome. */
#include "logparse_acct.h"
#include "bouncecat.h"
#include "status.h"

#include <string.h>
#include <strings.h>

enum { C_TYPE, C_TIME, C_ORIG, C_RCPT, C_ORCPT, C_ACTION, C_STATUS, C_DIAG, C_MTA, C_CAT,
	C_VMTA, C_POOL, C_ENVID, C_DEST_IP, C_MSGID, C_FB_TYPE, C_COUNT };

static const char *const columns[C_COUNT] = { "type", "timeLogged", "orig", "rcpt", "orcpt",
	"dsnAction", "dsnStatus", "dsnDiag", "dsnMta", "bounceCat", "vmta", "vmtaPool", "envId",
	"dlvDestinationIp", "header_Message-Id", "feedbackType" };

int
logparse_powermta_header(struct logparse_ctx *c, struct logparse_acct *a)
{
	if (acct_columns(c, a, c->line, c->len, LOGPARSE_POWERMTA, columns, C_COUNT,
	    "PowerMTA header line with an unclosed quote") != BK_OK)
		return BK_ERR;
	if (a->col[C_RCPT] < 0)
		return logparse_bad(c, "PowerMTA header line without a rcpt column");
	return BK_OK;
}

/* Record types (short and long names) and what they say of the recipient. */
static const struct {
	const char *name, *longname;
	const char *action;	/* NULL: none; "": dsnAction's */
} types[] = {
	{ "d", "delivery", "" },
	{ "b", "bounce", "failed" },
	{ "t", "transient", "delayed" },
	{ "rb", "remote-bounce", "failed" },
	{ "rs", "remote-status", "" },
	{ "f", "feedback-loop", "delivered" },
	/* tq (a queue's transient error, no recipient), r (received), j, ... */
};

int
logparse_powermta_line(struct logparse_ctx *c, struct logparse_acct *a)
{
	const char *type, *action = NULL, *s, *hint;
	struct event e;
	char st[STATUS_MAX];
	int force = 0;
	size_t i;

	if (csv_split(&a->row, c->line, c->len, ',') != 0)
		return logparse_bad(c, "PowerMTA record with an unclosed quote");
	type = csv_field(&a->row, 0);
	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(type, types[i].name) == 0 || strcasecmp(type, types[i].longname) == 0) {
			action = types[i].action;
			break;
		}
	if (action == NULL)
		return BK_OK;
	if (*action == '\0') {
		s = acct_field(a, C_ACTION);
		action = s ? event_action_name(s, strlen(s)) : NULL;
		if (action == NULL)
			action = "delivered";
	}
	if (c->lp->skip_delivered && strcmp(action, "delivered") == 0 && strcmp(type, "f") != 0)
		return BK_OK;
	acct_start(c, &e, action, "powermta");
	s = acct_field(a, C_RCPT);
	if (acct_rcpt(c, &e, s ? s : "", s ? strlen(s) : 0) != 0)
		return BK_ERR;
	if ((s = acct_field(a, C_TIME)) != NULL && (e.time = acct_time(s)) == (time_t)-1)
		return logparse_bad(c, "PowerMTA record with an unreadable timeLogged");
	/* "5.1.1 (bad destination mailbox address)" */
	if ((s = acct_field(a, C_STATUS)) != NULL && status_parse(s, strcspn(s, " ("), st) == 0)
		memcpy(e.status, st, sizeof st);
	e.diag = acct_field(a, C_DIAG);
	if (e.diag && strncasecmp(e.diag, "smtp;", 5) == 0)
		for (e.diag += 5; *e.diag == ' '; e.diag++)
			;
	if (e.diag && *e.diag == '\0')
		e.diag = NULL;
	/* "mx.example.com (192.0.2.1)" */
	if ((s = acct_field(a, C_MTA)) != NULL) {
		struct util_buf *b = &a->scratch;

		util_buf_reset(b);
		util_buf_add(b, s, strcspn(s, " ("));
		e.rhost = b->len ? util_buf_str(b) : NULL;
	}
	if (e.rhost == NULL)
		e.rhost = acct_field(a, C_DEST_IP);
	e.from = acct_field(a, C_ORIG);
	e.orig_rcpt = acct_field(a, C_ORCPT);
	if (e.orig_rcpt && strncasecmp(e.orig_rcpt, "rfc822;", 7) == 0)
		e.orig_rcpt += 7;
	e.qid = acct_field(a, C_ENVID);
	e.msgid = acct_field(a, C_MSGID);
	e.pool = acct_field(a, C_VMTA);
	if (e.pool == NULL)
		e.pool = acct_field(a, C_POOL);
	if (strcmp(type, "f") == 0 || strcasecmp(type, "feedback-loop") == 0) {
		e.diag = acct_field(a, C_FB_TYPE);
		acct_send(c, &e, "feedback", 1, "none");
		return BK_OK;
	}
	hint = bouncecat_reason(acct_field(a, C_CAT), &force);
	acct_send(c, &e, strcmp(action, "delivered") == 0 ? NULL : hint, force, NULL);
	return BK_OK;
}
