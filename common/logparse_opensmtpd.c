/* logparse_opensmtpd: OpenSMTPD's delivery lines through syslog (program
 * smtpd): "SID mta delivery evpid=... result=..." (6.x and later, mda for
 * local deliveries) and "relay: Result for ID: ..., stat=..." (5.x). */
#include "logparse_acct.h"

#include <string.h>
#include <strings.h>

static const char *
result_action(const char *r, size_t n)
{
	if (n == 2 && strncasecmp(r, "Ok", 2) == 0)
		return "delivered";
	if (n == 8 && strncasecmp(r, "TempFail", 8) == 0)
		return "delayed";
	if ((n == 8 && strncasecmp(r, "PermFail", 8) == 0) || (n == 4 && strncasecmp(r, "Loop", 4) == 0))
		return "failed";
	return NULL;
}

/* "62.211.72.32 (smtp.tin.it)": the name, else the address. */
static const char *
relay_host(struct logparse_acct *a, const char *v, size_t n)
{
	const char *open = memchr(v, '(', n), *close;
	struct util_buf *b = &a->scratch;

	util_buf_reset(b);
	if (open && (close = memchr(open, ')', (size_t)(v + n - open))) != NULL && close > open + 1)
		util_buf_add(b, open + 1, (size_t)(close - open - 1));
	else
		util_buf_add(b, v, strcspn(v, " ") < n ? strcspn(v, " ") : n);
	return b->len ? util_buf_str(b) : NULL;
}

int
logparse_opensmtpd_line(struct logparse_ctx *c, struct logparse_acct *a, const char *msg,
    size_t n)
{
	const char *p, *v, *action;
	size_t vl, rl;
	struct event e;
	char qid[24], stat[LOGPARSE_DIAG_MAX], orig[LOGPARSE_FIELD_MAX], from[LOGPARSE_FIELD_MAX];
	const char *rcpt;

	if ((p = logparse_find(msg, n, " delivery evpid=")) != NULL && p - msg >= 4 &&
	    (memcmp(p - 4, " mta", 4) == 0 || memcmp(p - 4, " mda", 4) == 0)) {
		if ((v = acct_kv(msg, n, "result", &vl)) == NULL ||
		    (action = result_action(v, vl)) == NULL)
			return logparse_bad(c, "OpenSMTPD delivery line without a known result");
	} else if ((logparse_prefix(msg, n, "relay: ") || logparse_prefix(msg, n, "delivery: ")) &&
	    (p = memchr(msg, ' ', n)) != NULL) {
		v = p + 1;
		vl = strcspn(v, " ");
		if ((action = result_action(v, vl)) == NULL)
			return BK_OK;
	} else {
		return BK_OK;	/* connections, envelopes, smtp-in, ... */
	}
	if (c->lp->skip_delivered && strcmp(action, "delivered") == 0)
		return BK_OK;
	if (logparse_check_time(c) != 0)
		return BK_ERR;
	acct_start(c, &e, action, "opensmtpd");
	if ((rcpt = acct_kv(msg, n, "to", &rl)) == NULL)
		return logparse_bad(c, "OpenSMTPD delivery line without to=<...>");
	while (rl > 0 && rcpt[rl - 1] == ',')
		rl--;
	if (acct_rcpt(c, &e, rcpt, rl) != 0)
		return BK_ERR;
	e.time = logparse_time(c);
	/* rcpt: the address as given, when an alias or forward changed it */
	if ((v = acct_kv(msg, n, "rcpt", &vl)) != NULL && vl > 2 && memcmp(v, "<->", 3) != 0) {
		logparse_copy(orig, sizeof orig, v, vl);
		orig[strcspn(orig, ">,")] = '\0';
		e.orig_rcpt = orig[0] == '<' ? orig + 1 : orig;
	}
	if ((v = acct_kv(msg, n, "from", &vl)) != NULL) {
		logparse_copy(from, sizeof from, v, vl);
		from[strcspn(from, ">,")] = '\0';
		e.from = from[0] == '<' ? from + 1 : from;
		if (*e.from == '\0')
			e.from = NULL;
	}
	/* 5.x: "stat=550 5.1.1 ..." unquoted, the last field */
	if ((v = acct_kv(msg, n, "stat", &vl)) != NULL && v[-1] != '"')
		vl = (size_t)(msg + n - v);
	if (v != NULL) {
		e.diag = logparse_copy(stat, sizeof stat, v, vl);
		if (*e.diag == '\0')
			e.diag = NULL;
	}
	/* the message id is the first half of the envelope id */
	if ((v = acct_kv(msg, n, "evpid", &vl)) != NULL && vl >= 8)
		e.qid = logparse_copy(qid, sizeof qid, v, 8);
	else if ((p = logparse_find(msg, n, " for ")) != NULL)
		e.qid = logparse_copy(qid, sizeof qid, p + 5, strcspn(p + 5, ": ,"));
	if ((v = acct_kv(msg, n, "relay", &vl)) != NULL) {
		/* 5.x: "relay=192.0.2.1 (mx.example.net), delay=..." unquoted */
		if (v[-1] != '"' && (p = logparse_find(v, (size_t)(msg + n - v), ", ")) != NULL)
			vl = (size_t)(p - v);
		else if (v[-1] != '"')
			vl = (size_t)(msg + n - v);
		e.rhost = relay_host(a, v, vl);
	}
	acct_send(c, &e, NULL, 0, NULL);
	return BK_OK;
}
