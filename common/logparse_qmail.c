/* logparse_qmail: qmail-send's log (qmail-log(5)), through multilog (tai64n
 * stamps "@4000..."), splogger ("qmail: 1795773600.123456 ...") or bare.
 * "starting delivery N: msg M to remote R" and "info msg M: bytes B from <S>"
 * are joined to "delivery N: success|deferral|failure: report". */
#include "logparse_acct.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* tai64n "@4000000063b5c2a01d2a9f24": the label is 2^62 + 10 + the Unix
 * time (daemontools' tai64n). */
static time_t
tai64n(const char *s)
{
	unsigned long long v = 0;

	for (int i = 1; i <= 16; i++) {
		char ch = s[i];
		int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 :
		    ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;

		if (d < 0)
			return (time_t)-1;
		v = v << 4 | (unsigned)d;
	}
	if (v < 0x400000000000000aULL)
		return (time_t)-1;
	return (time_t)(v - 0x400000000000000aULL);
}

static int
is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

/* The number after prefix at s ("delivery 12: ..."), its length in *n. */
static const char *
number_after(const char *s, size_t len, const char *prefix, size_t *n)
{
	size_t pl = strlen(prefix), i;

	if (len <= pl || memcmp(s, prefix, pl) != 0)
		return NULL;
	for (i = pl; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		;
	*n = i - pl;
	return *n ? s + pl : NULL;
}

/* A delivery report: '_' for spaces and '/' between lines, undone. */
static const char *
report(struct logparse_acct *a, const char *s, size_t n)
{
	struct util_buf *b = &a->scratch;

	util_buf_reset(b);
	for (size_t i = 0; i < n && b->len < LOGPARSE_DIAG_MAX; i++)
		util_buf_addc(b, s[i] == '_' || s[i] == '/' ? ' ' : s[i]);
	while (b->len > 0 && b->p[b->len - 1] == ' ')
		b->len--;
	return b->len ? util_buf_str(b) : NULL;
}

/* "192.0.2.1 does not like recipient." / "Connected to 192.0.2.1 but ...". */
static const char *
report_host(const char *r, char *buf, size_t cap)
{
	size_t n;

	if (strncmp(r, "Connected to ", 13) == 0)
		r += 13;
	n = strspn(r, "0123456789abcdefABCDEF.:");
	if (n < 3 || n >= cap || (r[n] != ' ' && r[n] != '\0') || strchr(r, '.') == NULL)
		return NULL;
	memcpy(buf, r, n);
	buf[n] = '\0';
	return buf;
}

int
logparse_qmail_line(struct logparse_ctx *c, struct logparse_acct *a, const char *msg, size_t n)
{
	const char *num, *p, *action, *what;
	size_t nl;
	struct hmap_entry *he;
	time_t when = (time_t)-1;

	/* the stamp: tai64n, or splogger's "seconds.fraction" */
	if (n > 26 && msg[0] == '@' && msg[25] == ' ') {
		if ((when = tai64n(msg)) == (time_t)-1)
			return logparse_bad(c, "qmail line with an unreadable tai64n stamp");
		msg += 26;
		n -= 26;
	} else if (n > 0 && msg[0] >= '0' && msg[0] <= '9' && (p = memchr(msg, ' ', n)) != NULL &&
	    memchr(msg, '.', (size_t)(p - msg)) != NULL) {
		when = (time_t)strtoll(msg, NULL, 10);
		n -= (size_t)(p + 1 - msg);
		msg = p + 1;
	} else if (c->stamp_kind != LOGPARSE_STAMP_NONE) {
		if (logparse_check_time(c) != 0)
			return BK_ERR;
		when = logparse_time(c);
	}
	/* "info msg M: bytes B from <S> qp Q uid U" */
	if ((num = number_after(msg, n, "info msg ", &nl)) != NULL) {
		const char *from = logparse_find(msg, n, " from <"), *end;

		if (from && (end = memchr(from + 7, '>', (size_t)(msg + n - from - 7))) != NULL) {
			he = acct_recent_put(&a->qmail_msg, num, nl);
			free(he->val);
			he->val = util_xstrndup(from + 7, (size_t)(end - from - 7));
		}
		return BK_OK;
	}
	/* "starting delivery N: msg M to remote|local R" */
	if ((num = number_after(msg, n, "starting delivery ", &nl)) != NULL) {
		const char *m = logparse_find(msg, n, ": msg "), *to;
		size_t ml;

		if (m == NULL || (to = logparse_find(m, (size_t)(msg + n - m), " to ")) == NULL)
			return logparse_bad(c, "qmail 'starting delivery' line without msg and to");
		ml = strspn(m + 6, "0123456789");
		p = to + 4;
		if (logparse_prefix(p, (size_t)(msg + n - p), "remote ") ||
		    logparse_prefix(p, (size_t)(msg + n - p), "local "))
			p = (const char *)memchr(p, ' ', (size_t)(msg + n - p)) + 1;
		he = acct_recent_put(&a->qmail_dlv, num, nl);
		free(he->val);
		/* "msg\0rcpt" */
		{
			size_t rl = (size_t)(msg + n - p);
			char *v = util_xmalloc(ml + 1 + rl + 1);

			memcpy(v, m + 6, ml);
			v[ml] = '\0';
			memcpy(v + ml + 1, p, rl);
			v[ml + 1 + rl] = '\0';
			he->val = v;
		}
		return BK_OK;
	}
	/* "delivery N: success|deferral|failure: report" */
	if ((num = number_after(msg, n, "delivery ", &nl)) == NULL || num + nl >= msg + n ||
	    num[nl] != ':')
		return BK_OK;	/* new msg, end msg, bounce msg, status: ... */
	what = num + nl + 2;
	if (logparse_prefix(what, (size_t)(msg + n - what), "success: "))
		action = "delivered";
	else if (logparse_prefix(what, (size_t)(msg + n - what), "deferral: "))
		action = "delayed";
	else if (logparse_prefix(what, (size_t)(msg + n - what), "failure: "))
		action = "failed";
	else
		return logparse_bad(c, "qmail delivery line of no known outcome");
	if (c->lp->skip_delivered && strcmp(action, "delivered") == 0)
		return BK_OK;
	he = acct_recent_get(&a->qmail_dlv, num, nl);
	if (he == NULL || he->val == NULL)
		/* its 'starting delivery' line came before what was read */
		return BK_OK;
	{
		const char *msgno = he->val, *rcpt = msgno + strlen(msgno) + 1, *r, *said;
		struct hmap_entry *fe = acct_recent_get(&a->qmail_msg, msgno, strlen(msgno));
		char host[64], qid[32];
		struct event e;

		if (!is_digits(msgno, strlen(msgno)))
			return BK_OK;
		acct_start(c, &e, action, "qmail");
		if (acct_rcpt(c, &e, rcpt, strlen(rcpt)) != 0)
			return BK_ERR;
		e.time = when;
		p = strchr(what, ':') + 2;
		r = report(a, p, (size_t)(msg + n - p));
		e.rhost = r ? report_host(r, host, sizeof host) : NULL;
		/* the remote's own reply (one line of the report), where
		 * qmail-remote quotes it */
		if ((said = logparse_find(p, (size_t)(msg + n - p), "Remote_host_said:_")) != NULL) {
			said += 18;
			r = report(a, said, strcspn(said, "/") < (size_t)(msg + n - said) ?
			    strcspn(said, "/") : (size_t)(msg + n - said));
		}
		e.diag = r;
		e.from = fe && fe->val && *(char *)fe->val ? fe->val : NULL;
		snprintf(qid, sizeof qid, "%s", msgno);
		e.qid = qid;
		acct_send(c, &e, NULL, 0, NULL);
	}
	return BK_OK;
}
