/* logparse_qid: "QID: key=value, ..." lines, as Postfix and Sendmail write
 * them: the field scanner, the dispatcher (outcomes to logparse_postfix.c and
 * logparse_sendmail.c) and the sender, message-id and "removed" lines that
 * fill the per-queue-id memory. */
#include "logparse_int.h"
#include "reason.h"
#include "status.h"
#include "util.h"

#include <string.h>

static const struct {
	const char *name;
	size_t len;
	int rest;	/* the value runs to the end of the line */
} keys[K_NKEYS] = {
	[K_TO] = { "to", 2, 0 },
	[K_ORIG_TO] = { "orig_to", 7, 0 },
	[K_RELAY] = { "relay", 5, 0 },
	[K_DSN] = { "dsn", 3, 0 },
	[K_STATUS] = { "status", 6, 1 },
	[K_STAT] = { "stat", 4, 1 },
	[K_REPLY] = { "reply", 5, 0 },
	[K_FROM] = { "from", 4, 0 },
	[K_MSGID] = { "msgid", 5, 0 },
};

/* a-z _ -: a table, as every byte of a key comes here */
static const unsigned char keychar[256] = {
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
	['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
	['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1, ['_'] = 1, ['-'] = 1,
};

static int
is_keychar(char c)
{
	return keychar[(unsigned char)c];
}

/* End of a value: the next ", " outside quotes and angle brackets. */
static size_t
value_end_careful(const char *s, size_t n)
{
	int quote = 0, angle = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '"')
			quote = !quote;
		else if (!quote && c == '<')
			angle = 1;
		else if (!quote && c == '>')
			angle = 0;
		else if (c == ',' && !quote && !angle && i + 1 < n && s[i + 1] == ' ')
			return i;
	}
	return n;
}

/* The same, fast in the common case: "<a@b>" without quotes, or a plain
 * word, up to ", ". One table lookup a byte; a value with quotes or angle
 * brackets inside goes the careful way. Still linear. */
static size_t
value_end(const char *s, size_t n)
{
	static const unsigned char stop[256] = { [','] = 1, ['"'] = 1, ['<'] = 1 };
	const char *p;
	size_t i = 0;

	if (n > 0 && s[0] == '<' && (p = memchr(s, '>', n)) != NULL &&
	    memchr(s, '"', (size_t)(p - s)) == NULL)
		i = (size_t)(p - s) + 1;
	else if (n > 0 && (s[0] == '<' || s[0] == '"'))
		return value_end_careful(s, n);
	for (; i < n; i++) {
		if (!stop[(unsigned char)s[i]])
			continue;
		if (s[i] != ',')
			return value_end_careful(s, n);
		if (i + 1 < n && s[i + 1] == ' ')
			return i;
	}
	return n;
}

/* One pass over "k=v, k=v, ...": every byte is looked at a bounded number of times. */
static void
scan_fields(const char *s, size_t n, struct logparse_kv *kv)
{
	size_t i = 0;
	int last = -1;	/* the key whose value a segment without "key=" continues */

	memset(kv, 0, sizeof *kv);
	while (i < n) {
		size_t k = i, v, e;
		int which = -1;

		while (k < n && is_keychar(s[k]))
			k++;
		if (k > i && k < n && s[k] == '=') {
			for (int j = 0; j < K_NKEYS && which < 0; j++) {
				size_t m = 1;

				if (keys[j].len != k - i || keys[j].name[0] != s[i])
					continue;
				while (m < k - i && keys[j].name[m] == s[i + m])
					m++;
				if (m == k - i)
					which = j;
			}
			v = k + 1;
			if (which >= 0 && keys[which].rest) {
				kv->p[which] = s + v;
				kv->n[which] = n - v;
				return;
			}
			e = v + value_end(s + v, n - v);
			last = -1;
			if (which >= 0 && kv->p[which] == NULL) {
				kv->p[which] = s + v;
				kv->n[which] = e - v;
				last = which;
			}
		} else {
			e = i + value_end(s + i, n - i);
			/* ", " inside a value (Sendmail's "reply=452 4.2.2 Mailbox
			 * full, try again later, stat=..."): it goes on up to the
			 * next ", key=". */
			if (last >= 0)
				kv->n[last] = (size_t)(s + e - kv->p[last]);
		}
		i = e + 2;
	}
}

static size_t
qid_len(const char *s, size_t n)
{
	/* letters and digits; a table because every line of the log comes here */
	static const unsigned char alnum[256] = {
		['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,
		['7'] = 1, ['8'] = 1, ['9'] = 1,
		['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1,
		['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1,
		['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
		['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
		['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,
		['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
		['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
		['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
	};
	size_t i = 0, lim = n < LOGPARSE_QID_MAX ? n : LOGPARSE_QID_MAX;

	while (i < lim && alnum[(unsigned char)s[i]])
		i++;
	if (i < 5 || i >= LOGPARSE_QID_MAX || i + 1 >= n || s[i] != ':' || s[i + 1] != ' ')
		return 0;
	return i;
}

/* A recipient that is a local name ("root", "|/usr/bin/procmail", "/var/mail/x")
 * rather than garbage: skipped without a word. */
static int
local_name(const char *s, size_t n)
{
	if (n > 0 && s[0] == '<' && s[n - 1] == '>')
		s++, n -= 2;
	if (n == 0 || memchr(s, '@', n) != NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 && s[i] != ' ')
			return 0;
	return s[0] == '|' || s[0] == '/' || s[0] == '"' || memchr(s, ' ', n) == NULL;
}

/* Reasons that say no more than "it did not work out in time". Failures to
 * connect or to look the host up, retried until the time ran out, are what
 * expired means (as reason_classify has it). */
int
logparse_generic_reason(const char *reason)
{
	return strcmp(reason, "systemerror") == 0 || strcmp(reason, "undefined") == 0 ||
	    strcmp(reason, "onhold") == 0 || strcmp(reason, "expired") == 0 ||
	    strcmp(reason, "networkerror") == 0;
}

int
logparse_qid_emit(struct logparse_outcome *o, const char *rcpt, size_t rlen, const char *orig,
    size_t olen, const char *status_text)
{
	struct logparse *lp = o->c->lp;
	struct logparse_fields *f;
	struct event e;

	if (lp->skip_delivered && strcmp(o->action, "delivered") == 0) {
		/* most lines of a busy log: no event to build, only the
		 * recipient (as event_set_rcpt has it) to take off the list */
		char norm[ADDR_MAX];

		if (addr_normalize(rcpt, rlen, 0, norm) < 0)
			return local_name(rcpt, rlen) ? 1 : -1;
		logparse_note_done(lp, o->qid, o->qlen, norm);
		return 0;
	}
	event_init(&e);
	if (event_set_rcpt(&e, rcpt, rlen) != 0)
		return local_name(rcpt, rlen) ? 1 : -1;
	f = logparse_fields(lp);
	e.time = logparse_time(o->c);
	e.action = o->action;
	if (status_text && status_parse(status_text, strlen(status_text), e.status) != 0)
		e.status[0] = '\0';
	else if (!status_text && o->kv->p[K_DSN] &&
	    status_parse(o->kv->p[K_DSN], o->kv->n[K_DSN], e.status) != 0)
		e.status[0] = '\0';
	if (orig) {
		char on[ADDR_MAX];

		if (addr_normalize(orig, olen, 0, on) >= 0 && strcmp(on, e.rcpt) != 0)
			e.orig_rcpt = logparse_copy(f->orig, sizeof f->orig, on, strlen(on));
	}
	if (o->diag && o->diag_len)
		e.diag = logparse_copy(f->diag, sizeof f->diag, o->diag, o->diag_len);
	e.code = o->code;
	if (o->rhost && logparse_host(f->rhost, sizeof f->rhost, o->rhost, o->rhost_len) == 0)
		e.rhost = f->rhost;
	else if (o->rhost_name && o->rhost_name[0])
		e.rhost = logparse_copy(f->rhost, sizeof f->rhost, o->rhost_name,
		    strlen(o->rhost_name));
	e.qid = logparse_copy(f->qid, sizeof f->qid, o->qid, o->qlen);
	if (strcmp(o->action, "delayed") == 0) {
		struct logparse_deferral d = { e.status, e.rhost, e.diag };

		logparse_track(lp, o->qid, o->qlen, e.rcpt, &d, f, &e.from, &e.msgid);
	} else {
		logparse_track(lp, o->qid, o->qlen, e.rcpt, NULL, f, &e.from, &e.msgid);
	}
	if (o->reason) {
		/* The queue lifetime ran out: "expired", unless the text says more. */
		const char *t = o->reason_text ? o->reason_text : e.diag;
		const char *by_text = t ? reason_from_text(t, strlen(t)) : NULL;

		e.reason = by_text && !logparse_generic_reason(by_text) ? by_text : o->reason;
	}
	e.source = o->source;
	e.origin = logparse_origin(o->c);
	lp->sink(lp->sink_arg, &e);
	return 0;
}

struct expiry {
	struct logparse_outcome *o;
	const char *text;
};

/* A recipient still deferred when its message expired: its last reply says
 * why (a full mailbox or mail system, more often than not). */
static void
expire_one(void *arg, const char *rcpt, const struct logparse_deferral *last)
{
	struct expiry *x = arg;
	struct util_buf diag = {0};
	const char *after;

	util_buf_adds(&diag, x->text);
	if (*last->diag) {
		util_buf_adds(&diag, "; last reply: ");
		util_buf_adds(&diag, last->diag);
	}
	x->o->diag = diag.p;
	x->o->diag_len = diag.len;
	x->o->reason_text = *last->diag ? last->diag : NULL;
	x->o->rhost_name = last->rhost;
	x->o->code = status_find_reply(last->diag, strlen(last->diag), &after);
	(void)logparse_qid_emit(x->o, rcpt, strlen(rcpt), NULL, 0, last->status);
	util_buf_free(&diag);
}

int
logparse_qid_expire(struct logparse_ctx *c, const char *qid, size_t qlen, const char *source,
    const char *text)
{
	static const struct logparse_kv none;
	struct logparse_outcome o = { 0 };
	struct expiry x = { &o, text };

	if (logparse_check_time(c) != 0)
		return BK_ERR;
	o.c = c;
	o.qid = qid;
	o.qlen = qlen;
	o.source = source;
	o.action = "failed";
	o.reason = "expired";
	o.kv = &none;
	logparse_take_deferred(c->lp, qid, qlen, expire_one, &x);
	return BK_OK;
}

/* "QID: from=<a@b>, size=123, nrcpt=1 (queue active)" (Postfix qmgr),
 * "QID: from=<a@b>, size=123, ..., msgid=<id@host>, ..." (Sendmail) and
 * "QID: from=<a@b>, status=expired, returned to sender" (Postfix qmgr). */
static int
sender_line(struct logparse_ctx *c, const char *qid, size_t qlen, const struct logparse_kv *kv)
{
	const char *from = kv->p[K_FROM], *msgid = kv->p[K_MSGID];
	size_t fn = kv->n[K_FROM], mn = kv->n[K_MSGID];

	if (fn >= 2 && from[0] == '<' && from[fn - 1] == '>')
		from++, fn -= 2;
	if (msgid && mn >= 2 && msgid[0] == '<' && msgid[mn - 1] == '>')
		msgid++, mn -= 2;
	logparse_remember(c, qid, qlen, from, fn, msgid, mn);
	if (kv->p[K_STATUS] && logparse_prefix(kv->p[K_STATUS], kv->n[K_STATUS], "expired") &&
	    (c->lp->format == LOGPARSE_AUTO || c->lp->format == LOGPARSE_POSTFIX))
		return logparse_postfix_expired(c, qid, qlen, kv);
	return BK_OK;
}

/* Whether "status=" or "stat=" starts the text or follows ", ": one pass,
 * Horspool's skip over "stat" (most lines that come here have neither). */
static int
has_status_key(const char *s, size_t n)
{
	size_t i = 0;

	while (i + 5 <= n) {
		const char *p = s + i;

		switch (p[3]) {
		case 't':
			if (p[0] == 's' && p[1] == 't' && p[2] == 'a' &&
			    (i == 0 || (i >= 2 && p[-2] == ',' && p[-1] == ' ')) &&
			    (p[4] == '=' || (i + 7 <= n && p[4] == 'u' && p[5] == 's' &&
			    p[6] == '=')))
				return 1;
			i += 2;
			break;
		case 'a':
			i += 1;
			break;
		case 's':
			i += 3;
			break;
		default:
			i += 4;
			break;
		}
	}
	return 0;
}

int
logparse_qid_line(struct logparse_ctx *c, const char *msg, size_t n)
{
	size_t qlen = qid_len(msg, n);
	const char *rest;
	size_t rn;
	struct logparse_kv kv;
	enum logparse_format fmt = c->lp->format;

	if (qlen == 0)
		return BK_OK;
	rest = msg + qlen + 2;
	rn = n - qlen - 2;
	if (logparse_prefix(rest, rn, "to=")) {
		struct logparse_outcome o = { 0 };

		scan_fields(rest, rn, &kv);
		o.c = c;
		o.qid = msg;
		o.qlen = qlen;
		o.kv = &kv;
		if ((kv.p[K_STATUS] || kv.p[K_STAT]) && logparse_check_time(c) != 0)
			return BK_ERR;
		if (kv.p[K_STATUS]) {
			if (fmt != LOGPARSE_AUTO && fmt != LOGPARSE_POSTFIX)
				return BK_OK;
			o.source = "postfix";
			return logparse_postfix_outcome(c, &o, &kv);
		}
		if (kv.p[K_STAT]) {
			if (fmt != LOGPARSE_AUTO && fmt != LOGPARSE_SENDMAIL)
				return BK_OK;
			o.source = "sendmail";
			return logparse_sendmail_outcome(c, &o, &kv);
		}
		if (fmt == LOGPARSE_EXIM)
			return BK_OK;
		return logparse_bad(c, "delivery line without status= or stat= (truncated?)");
	}
	if (logparse_prefix(rest, rn, "from=")) {
		scan_fields(rest, rn, &kv);
		return sender_line(c, msg, qlen, &kv);
	}
	if (logparse_prefix(rest, rn, "message-id=")) {
		/* "message-id=<id@host>": to the '>' (the common case, no full scan) */
		const char *id = rest + 11, *close;
		size_t in = rn - 11;

		if (in > 0 && id[0] == '<' && (close = memchr(id, '>', in)) != NULL)
			id++, in = (size_t)(close - id);
		else
			in = value_end(id, in);
		logparse_remember(c, msg, qlen, NULL, 0, id, in);
		return BK_OK;
	}
	/* Sendmail's (its syslog tag: sendmail, sm-mta, sm-msp-queue) */
	if ((fmt == LOGPARSE_AUTO || fmt == LOGPARSE_SENDMAIL) && c->tag && c->tag[0] == 's' &&
	    rn > 20 && logparse_find(rest, rn < 64 ? rn : 64, ": sender notify: ") != NULL)
		return logparse_sendmail_notify(c, msg, qlen, rest, rn);
	if (rn == 7 && memcmp(rest, "removed", 7) == 0) {
		logparse_forget(c->lp, msg, qlen);
		return BK_OK;
	}
	/* A status without a recipient: an outcome that cannot be read */
	if (has_status_key(rest, rn))
		return fmt == LOGPARSE_EXIM ? BK_OK :
		    logparse_bad(c, "delivery status without a readable to=");
	return BK_OK;
}
