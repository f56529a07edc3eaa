/* logparse_exim: Exim main log lines, their stamps and message ids.
 * "id => addr ..." and "id -> addr ..." delivered, "id == addr ..." deferred,
 * "id ** addr ..." bounced; "id <= sender ... id=msgid" arrivals fill the
 * per-id memory, "id Completed" empties it. */
#include "logparse_int.h"
#include "reason.h"
#include "status.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- stamps and ids ---- */

static int
is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static size_t
alnum_run(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && is_alnum(s[i]))
		i++;
	return i;
}

size_t
logparse_exim_id(const char *s, size_t n)
{
	size_t a, b, c;

	/* base-62 parts: 6-6-2 (old), 6-11-4 (Exim 4.97+); some tools shorten the middle */
	if ((a = alnum_run(s, n)) != 6 || a >= n || s[a] != '-')
		return 0;
	b = alnum_run(s + a + 1, n - a - 1);
	if (b < 6 || b > 11 || a + 1 + b >= n || s[a + 1 + b] != '-')
		return 0;
	c = alnum_run(s + a + b + 2, n - a - b - 2);
	if (c < 2 || c > 4)
		return 0;
	return a + b + c + 2;
}

static int
digits_at(const char *s, size_t k)
{
	for (size_t i = 0; i < k; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

size_t
logparse_exim_stamp(const char *s, size_t n)
{
	size_t i;

	if (n < 19 || !digits_at(s, 4) || s[4] != '-' || !digits_at(s + 5, 2) || s[7] != '-' ||
	    !digits_at(s + 8, 2) || s[10] != ' ' || !digits_at(s + 11, 2) || s[13] != ':' ||
	    !digits_at(s + 14, 2) || s[16] != ':' || !digits_at(s + 17, 2))
		return 0;
	i = 19;
	if (i < n && s[i] == '.')	/* log_selector +millisec */
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
	/* log_timezone: " +0100" */
	if (i + 5 < n && s[i] == ' ' && (s[i + 1] == '+' || s[i + 1] == '-') &&
	    digits_at(s + i + 2, 4))
		i += 6;
	return i;
}

static int
num(const char *s, size_t k)
{
	int v = 0;

	for (size_t i = 0; i < k; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* Exim stamps are local time unless they carry a zone. */
time_t
logparse_exim_time(struct bktime_local *clock, const char *s, size_t n)
{
	int y = num(s, 4), mo = num(s + 5, 2), d = num(s + 8, 2), h = num(s + 11, 2);
	int mi = num(s + 14, 2), sec = num(s + 17, 2);
	const char *zone;

	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1970)
		return (time_t)-1;
	if (sec == 60)
		sec = 59;
	if (n >= 25 && (zone = s + n - 5) && (zone[0] == '+' || zone[0] == '-') &&
	    zone[-1] == ' ') {
		long off = num(zone + 1, 2) * 3600L + num(zone + 3, 2) * 60L;

		return bktime_timegm(y, mo, d, h, mi, sec) - (zone[0] == '-' ? -off : off);
	}
	return bktime_local(clock, y, mo, d, h, mi, sec);
}

/* "[1234] " of Exim's log_selector +pid */
size_t
logparse_exim_pid_len(const char *s, size_t n)
{
	size_t i = 1;

	if (n < 3 || s[0] != '[')
		return 0;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == 1 || i + 1 >= n || s[i] != ']' || s[i + 1] != ' ')
		return 0;
	return i + 2;
}

/* The message of an Exim line, after its stamp: "[pid] id flag ...". */
int
logparse_exim_message(struct logparse_ctx *c, const char *s, size_t n)
{
	size_t k = logparse_exim_pid_len(s, n);

	if (c->lp->format != LOGPARSE_AUTO && c->lp->format != LOGPARSE_EXIM)
		return BK_OK;
	return logparse_exim_line(c, s + k, n - k);
}

/* ---- lines ---- */

/* "id H=mx [ip] Connection refused", "id H=mx [ip]: Remote host closed
 * connection ...": the host of the attempt whose "== addr ..." line follows
 * (transports/smtp.c), which names it only when the connection was made. */
static void
connection_line(struct logparse_ctx *c, const char *id, size_t idn, const char *s, size_t n)
{
	char host[LOGPARSE_FIELD_MAX];

	if (logparse_host(host, sizeof host, s, n) == 0)
		logparse_remember_host(c, id, idn, host);
}

/* The value of " K=" in s (up to the next space), or NULL. */
static const char *
field(const char *s, size_t n, const char *key, size_t *vn)
{
	const char *p = logparse_find(s, n, key), *end = s + n, *v;

	if (p == NULL)
		return NULL;
	v = p + strlen(key);
	p = v;
	while (p < end && *p != ' ')
		p++;
	*vn = (size_t)(p - v);
	return v;
}

/* "<= sender@x H=... P=esmtp S=1234 id=msgid@host" */
static int
arrival(struct logparse_ctx *c, const char *id, size_t idn, const char *s, size_t n)
{
	size_t fn = 0, mn = 0;
	const char *from = s, *msgid;

	while (fn < n && s[fn] != ' ')
		fn++;
	if (fn >= 2 && from[0] == '<' && from[fn - 1] == '>')
		from++, fn -= 2;
	msgid = field(s + fn, n - fn, " id=", &mn);
	if (msgid && mn >= 2 && msgid[0] == '<' && msgid[mn - 1] == '>')
		msgid++, mn -= 2;
	logparse_remember(c, id, idn, from, fn, msgid, mn);
	return BK_OK;
}

/* The reply of the remote server in an error text: drops "SMTP error from
 * remote mail server after RCPT TO:<a@b>: " and "host mx [ip]: ", taking
 * the host. */
static void
smtp_reply(const char **text, size_t *tn, const char **host, size_t *hn)
{
	const char *s = *text, *p;
	size_t n = *tn, lim;

	if ((p = logparse_find(s, n < 64 ? n : 64, "SMTP error from remote mail")) != NULL) {
		lim = (size_t)(s + n - p) < 600 ? (size_t)(s + n - p) : 600;
		/* the stage ends at the first ": " after it ("RCPT TO:<a@b>: ") */
		if ((p = logparse_find(p, lim, " after ")) != NULL &&
		    (p = logparse_find(p, (size_t)(s + n - p) < 600 ? (size_t)(s + n - p) : 600,
		    ": ")) != NULL) {
			n -= (size_t)(p + 2 - s);
			s = p + 2;
		}
	}
	if (logparse_prefix(s, n, "host ") &&
	    (p = logparse_find(s, n < 600 ? n : 600, ": ")) != NULL) {
		*host = s + 5;
		*hn = (size_t)(p - s - 5);
		n -= (size_t)(p + 2 - s);
		s = p + 2;
	}
	*text = s;
	*tn = n;
}

/* The reply text of a line into dst: Exim logs a multi-line reply with
 * its line ends as the two characters "\n" (and a backslash as "\\");
 * the lines are joined with a space, as Postfix joins them. */
static const char *
exim_diag(char *dst, size_t cap, const char *s, size_t n)
{
	size_t j = 0;

	if (memchr(s, '\\', n) == NULL)
		return logparse_copy(dst, cap, s, n);
	for (size_t i = 0; i < n && j < cap - 1; i++) {
		char ch = s[i];

		if (ch == '\\' && i + 1 < n && (s[i + 1] == 'n' || s[i + 1] == '\\'))
			ch = s[++i] == 'n' ? ' ' : '\\';
		if (ch != '\0')
			dst[j++] = ch;
	}
	dst[j] = '\0';
	return dst;
}

/* The enhanced status of a reply text, where event_finish looks for it. */
static void
diag_status(const char *diag, char *st)
{
	size_t n = diag ? strlen(diag) : 0;

	if (n == 0 || status_find(diag, n < 64 ? n : 64, st) == NULL)
		st[0] = '\0';
}

/* Whether a failure is Exim giving up retrying: the retry rule's time ran
 * out (retry.c: "retry timeout exceeded"), or every host has been failing
 * longer than that (transports/smtp.c: "all hosts%s have been failing for a
 * long time"). */
static int
gave_up(const char *s, size_t n)
{
	return logparse_find(s, n, "retry timeout exceeded") != NULL ||
	    logparse_find(s, n, "have been failing for a long time") != NULL;
}

/* Exim gave up: the recipient's last deferral says what kept failing (its
 * status, reply code, host and the reason its text gives, as for a Postfix
 * expiry); a failure with nothing more specific, such as a connection, is
 * "expired". */
static void
give_up(struct logparse *lp, const char *id, size_t idn, struct event *e,
    struct logparse_fields *f)
{
	struct logparse_deferral last;
	const char *why = e->diag, *by_text;

	if (logparse_last_deferral(lp, id, idn, e->rcpt, &last, &lp->state->keep) == 0) {
		if (last.status[0] && strlen(last.status) < sizeof e->status)
			memcpy(e->status, last.status, strlen(last.status) + 1);
		if (e->rhost == NULL && last.rhost[0])
			e->rhost = logparse_copy(f->rhost, sizeof f->rhost, last.rhost,
			    strlen(last.rhost));
		if (last.diag[0]) {
			char own[LOGPARSE_FIELD_MAX];
			const char *after;

			logparse_copy(own, sizeof own, e->diag ? e->diag : "", e->diag ?
			    strlen(e->diag) : 0);
			snprintf(f->diag, sizeof f->diag, "%s%slast reply: %s", own,
			    own[0] ? "; " : "", last.diag);
			e->diag = f->diag;
			e->code = status_find_reply(last.diag, strlen(last.diag), &after);
			why = last.diag;
		}
	}
	by_text = why ? reason_from_text(why, strlen(why)) : NULL;
	e->reason = by_text && !logparse_generic_reason(by_text) ? by_text : "expired";
}

static int
outcome(struct logparse_ctx *c, const char *id, size_t idn, const char *action, const char *s,
    size_t n)
{
	struct logparse *lp = c->lp;
	struct logparse_fields *f;
	const char *end = s + n, *first = s, *orig = NULL, *tail, *p, *text = NULL, *host = NULL;
	const char *from, *msgid, *v;
	size_t fl, on = 0, tn = 0, hn = 0, vn;
	struct event e;

	/* The delivered address: a word, or a quoted local part with spaces */
	fl = 0;
	if (n > 0 && s[0] == '"') {
		const char *q = memchr(s + 1, '"', n - 1);

		fl = q ? (size_t)(q - s) + 1 : n;
	}
	while (fl < n && s[fl] != ' ')
		fl++;
	tail = s + fl;
	/* " (parent)" ancestors, then " <original>" */
	for (p = tail; p < end && *p == ' '; ) {
		if (p + 1 < end && p[1] == '(') {
			const char *close = memchr(p + 1, ')', (size_t)(end - p - 1));

			if (close == NULL)
				break;
			p = close + 1;
		} else if (p + 1 < end && p[1] == '<') {
			const char *close = memchr(p + 1, '>', (size_t)(end - p - 1));

			if (close == NULL)
				break;
			orig = p + 2;
			on = (size_t)(close - orig);
			p = close + 1;
			break;
		} else {
			break;
		}
	}
	tail = p;
	/* A delivered "address" with spaces (":fail: message@x"): the original
	 * in angle brackets, before the first field, names the recipient. */
	if (orig == NULL) {
		const char *stop = logparse_find(s, n, " R=");
		const char *lt = logparse_find(s, stop ? (size_t)(stop - s) : n, " <");

		if (lt && (p = memchr(lt, '>', (size_t)(end - lt))) != NULL &&
		    (stop == NULL || p < stop)) {
			orig = lt + 2;
			on = (size_t)(p - orig);
			tail = p + 1;
		}
	}
	while (fl > 0 && s[fl - 1] == ':')	/* "a@b: retry timeout exceeded" */
		fl--;
	event_init(&e);
	f = logparse_fields(lp);
	if (event_set_rcpt(&e, first, fl) != 0) {
		if (orig == NULL || event_set_rcpt(&e, orig, on) != 0) {
			/* pipes, files and autoreplies of filters are no recipients */
			if (fl > 0 && (first[0] == '|' || first[0] == '/' || first[0] == '>'))
				return BK_OK;
			return logparse_bad(c, "Exim delivery line without a readable address");
		}
		orig = NULL;
	} else if (orig) {
		char onorm[ADDR_MAX];

		if (addr_normalize(orig, on, 0, onorm) >= 0 && strcmp(onorm, e.rcpt) != 0)
			e.orig_rcpt = logparse_copy(f->orig, sizeof f->orig, onorm, strlen(onorm));
	}
	if (lp->skip_delivered && strcmp(action, "delivered") == 0)
		return BK_OK;
	/* The error text: after "defer (errno)...: " or the first ": " */
	if (strcmp(action, "delivered") != 0) {
		size_t rest = (size_t)(end - tail);

		p = logparse_find(tail, rest, "defer (");
		if (p == NULL)
			p = tail;
		if ((p = logparse_find(p, (size_t)(end - p), ": ")) != NULL) {
			text = p + 2;
			tn = (size_t)(end - text);
		} else if (fl < (size_t)(tail - s) || tail < end) {
			/* "** a@b mua_wrapper forced failure": words after the address */
			text = tail;
			while (text < end && *text == ' ')
				text++;
			tn = (size_t)(end - text);
			if (tn > 0 && (logparse_prefix(text, tn, "R=") || logparse_prefix(text, tn, "T=")))
				tn = 0;
		}
		if (text && tn)
			smtp_reply(&text, &tn, &host, &hn);
	} else if ((v = logparse_find(tail, (size_t)(end - tail), " C=\"")) != NULL) {
		const char *q;

		text = v + 4;
		q = memchr(text, '"', (size_t)(end - text));
		tn = q ? (size_t)(q - text) : (size_t)(end - text);
	}
	if ((v = field(tail, (size_t)(end - tail), " H=", &vn)) != NULL) {
		host = v;
		hn = (size_t)(end - v);	/* "name [ip]" or "[ip]" */
	}
	/* "== a@b R=r T=t defer (-53): retry time not reached for any host":
	 * a queue run that made no attempt (nor did routing); nothing happened. */
	if (strcmp(action, "delayed") == 0 && text && logparse_prefix(text, tn,
	    "retry time not reached"))
		return BK_OK;
	e.time = logparse_time(c);
	e.action = action;
	if (text && tn)
		e.diag = exim_diag(f->diag, sizeof f->diag, text, tn);
	if (host && logparse_host(f->rhost, sizeof f->rhost, host, hn) == 0)
		e.rhost = f->rhost;
	if (strcmp(action, "delivered") != 0 && (host = logparse_take_host(lp, id, idn)) != NULL &&
	    e.rhost == NULL)
		e.rhost = logparse_copy(f->rhost, sizeof f->rhost, host, strlen(host));
	e.qid = logparse_copy(f->qid, sizeof f->qid, id, idn);
	if (strcmp(action, "failed") == 0 && gave_up(tail, (size_t)(end - tail)))
		give_up(lp, id, idn, &e, f);
	if (strcmp(action, "delayed") == 0) {
		struct logparse_deferral d;

		diag_status(e.diag, e.status);
		d.status = e.status;
		d.rhost = e.rhost;
		d.diag = e.diag;
		logparse_track(lp, id, idn, e.rcpt, &d, f, &from, &msgid);
	} else {
		logparse_track(lp, id, idn, e.rcpt, NULL, f, &from, &msgid);
	}
	/* F=<sender> on the line itself (log_selector +sender_on_delivery) */
	if ((v = field(tail, (size_t)(end - tail), " F=<", &vn)) != NULL && vn > 0 &&
	    v[vn - 1] == '>')
		from = vn > 1 ? logparse_copy(f->from, sizeof f->from, v, vn - 1) : NULL;
	e.from = from;
	e.msgid = msgid;
	e.source = "exim";
	e.origin = logparse_origin(c);
	lp->sink(lp->sink_arg, &e);
	return BK_OK;
}

int
logparse_exim_line(struct logparse_ctx *c, const char *s, size_t n)
{
	size_t idn = logparse_exim_id(s, n);
	const char *p, *action;

	if (idn == 0 || idn + 3 >= n || s[idn] != ' ')
		return BK_OK;
	p = s + idn + 1;
	n -= idn + 1;
	if (n >= 3 && p[2] == ' ') {
		if (memcmp(p, "=>", 2) == 0 || memcmp(p, "->", 2) == 0)
			action = "delivered";
		else if (memcmp(p, "==", 2) == 0)
			action = "delayed";
		else if (memcmp(p, "**", 2) == 0)
			action = "failed";
		else if (memcmp(p, "<=", 2) == 0)
			return arrival(c, s, idn, p + 3, n - 3);
		else
			return BK_OK;
		if (logparse_check_time(c) != 0)
			return BK_ERR;
		return outcome(c, s, idn, action, p + 3, n - 3);
	}
	if (logparse_prefix(p, n, "Completed"))
		logparse_forget(c->lp, s, idn);
	else if (logparse_prefix(p, n, "H="))
		connection_line(c, s, idn, p + 2, n - 2);
	return BK_OK;
}
