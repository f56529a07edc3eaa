/* email: one bounce message -> events. Order of trust: an RFC 3464 report, an
 * RFC 5965 feedback report (email_dsn.c), the human-readable text of
 * non-standard bounces (nonstd.c, through email_text.c), and last an RFC 3834
 * auto-reply. */
#include "email_int.h"
#include "ascii.h"
#include "charset.h"
#include "nonstd.h"
#include "reason.h"
#include "webhook.h"
#include "status.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* The buffers of email_message (and of the functions it calls in this
 * file), kept per thread from one message to the next: email_message does
 * not nest. lf is the LF copy of the message. */
static _Thread_local struct {
	struct util_buf lf, dsn, arf, text, html, orig, v, w;
	struct util_buf cte, diag;	/* of leaf and email_emit */
	struct bufs hit;		/* of nonstd_hit */
	struct util_buf subject;	/* lent to m->subject */
	struct mime_header top, orig_header;
	struct hmap textdiag, emitted;	/* emptied, lent to the next message */
} kept;

/* Longest reply text kept in an event. */
#define EVENT_DIAG_MAX 4000

/* The host that a connection failure names, where a report has no
 * Remote-MTA: Postfix's "connect to %s[%s]:%d: ..." (smtp_connect.c), "lost
 * connection with %s[%s] while ..." and "conversation with %s[%s] timed out
 * while ..." (smtp_trouble.c). NULL if none. */
static const char *
text_host(const char *diag, char *out)
{
	static const char *const lead[] = { "connect to ", "lost connection with ",
		"conversation with " };
	const char *p, *b;

	if (diag == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof lead / sizeof lead[0]; i++) {
		size_t k = strlen(lead[i]);

		if (strncasecmp(diag, lead[i], k) != 0)
			continue;
		p = diag + k;
		if ((b = strchr(p, '[')) == NULL || b == p || (size_t)(b - p) >= 256 ||
		    memchr(p, ' ', (size_t)(b - p)) != NULL)
			return NULL;
		memcpy(out, p, (size_t)(b - p));
		out[b - p] = '\0';
		return out;
	}
	return NULL;
}

/* What a leaf part holds for a bounce, by its content type. */
enum part_kind { PART_OTHER, PART_REPORT, PART_FEEDBACK, PART_ORIGINAL, PART_TEXT, PART_RECEIPT };

static enum part_kind
part_kind(const char *t)
{
	/* The top-level type first: it tells most parts apart at once. */
	if (strncmp(t, "text/", 5) == 0) {
		t += 5;
		if (strcmp(t, "delivery-status") == 0)
			return PART_REPORT;
		if (strcmp(t, "rfc822-headers") == 0)
			return PART_ORIGINAL;
		return PART_TEXT;
	}
	if (strncmp(t, "message/", 8) == 0) {
		t += 8;
		if (strcmp(t, "delivery-status") == 0 || strcmp(t, "global-delivery-status") == 0)
			return PART_REPORT;
		if (strcmp(t, "feedback-report") == 0)
			return PART_FEEDBACK;
		if (strcmp(t, "disposition-notification") == 0 ||
		    strcmp(t, "global-disposition-notification") == 0)
			return PART_RECEIPT;
		if (strcmp(t, "rfc822") == 0 || strcmp(t, "global") == 0 ||
		    strcmp(t, "global-headers") == 0 || strcmp(t, "partial") == 0)
			return PART_ORIGINAL;
	}
	return PART_OTHER;
}

/* The report fields of part p, decoded into dsn from offset at, in UTF-8:
 * in the part's charset, or as charset_to_utf8 guesses. */
static void
report_to_utf8(const struct mime_part *p, struct util_buf *dsn, size_t at)
{
	struct util_buf raw = {0}, ct = {0}, cs = {0};

	util_buf_add(&raw, dsn->p + at, dsn->len - at);
	dsn->len = at;
	mime_header_get(p->header, "content-type", &ct);
	mime_param(ct.p, ct.len, "charset", &cs);
	charset_to_utf8(raw.p, raw.len, cs.len ? cs.p : NULL, dsn);
	util_buf_free(&raw);
	util_buf_free(&ct);
	util_buf_free(&cs);
}

/* Whether an RFC 8098 disposition notification is a Sieve reject's (RFC
 * 5429 2.1: the message refused at delivery and returned to its sender in
 * an MDN "automatic-action/MDN-sent-automatically; deleted", as Dovecot's
 * LDA and Pigeonhole send it): a delivery failure, not a receipt. Its
 * "deleted" alone is no sign (a mail program's "deleted without being
 * read"): the notice must say that it rejected the message, which the
 * caller asks of its text. */
static int
mdn_rejects(const struct mime_part *p, const char *cte)
{
	struct util_buf body = {0};
	const char *d;
	int yes = 0;

	mime_decode_body(p->body, p->bodylen < 8192 ? p->bodylen : 8192, cte, &body);
	if (body.len > 0 && (d = util_memcasemem(body.p, body.len, "disposition:")) != NULL) {
		/* The decoded body has no NUL at its end: its line ends within it. */
		size_t rest = body.len - (size_t)(d - body.p);
		const char *nl = memchr(d, '\n', rest);
		size_t k;

		/* The field goes on over folded lines (RFC 8098 3.1.1: the
		 * fields have RFC 5322's syntax, 2.2.3 folding), as a mail
		 * program may write "...MDN-sent-automatically;\n deleted". */
		while (nl != NULL && (size_t)(nl - d) + 1 < rest && (nl[1] == ' ' || nl[1] == '\t'))
			nl = memchr(nl + 1, '\n', rest - (size_t)(nl + 1 - d));
		k = nl != NULL ? (size_t)(nl - d) : rest;

		yes = util_memcasemem(d, k, "automatic-action") != NULL &&
		    util_memcasemem(d, k, "deleted") != NULL;
	}
	util_buf_free(&body);
	return yes;
}

/* Whether the header h[0..n) of a returned message is a delivery notice's
 * without a report: X-Failed-Recipients (Exim), or a From of MAILER-DAEMON
 * or postmaster (qmail-send, Sendmail without DSN). A gateway that sends
 * such a notice on inside its own names the failed recipients only in it. */
static int
header_from_daemon(const char *h, size_t n)
{
	const char *f;

	/* Exim's deliver.c writes X-Failed-Recipients first, before
	 * Auto-Submitted and From: a notice handed on before any Received. */
	if ((n >= 20 && strncasecmp(h, "x-failed-recipients:", 20) == 0) ||
	    util_memcasemem(h, n, "\nx-failed-recipients:") != NULL)
		return 1;
	for (const char *p = h; p < h + n && (f = util_memcasemem(p, (size_t)(h + n - p),
	    "from:")) != NULL; p = f + 5) {
		const char *nl;
		size_t k;

		if (f != h && f[-1] != '\n')
			continue;
		nl = memchr(f, '\n', (size_t)(h + n - f));
		k = nl ? (size_t)(nl - f) : (size_t)(h + n - f);
		return util_memcasemem(f, k, "mailer-daemon@") != NULL ||
		    util_memcasemem(f, k, "postmaster@") != NULL;
	}
	return 0;
}

/* The length of the white space at s[0..n): ASCII's, or U+00A0 NO-BREAK
 * SPACE in UTF-8 (HTML's &nbsp;). */
static size_t
space_len(const char *s, size_t n)
{
	if (n > 0 && ascii_space((unsigned char)s[0]))
		return 1;
	return n > 1 && (unsigned char)s[0] == 0xc2 && (unsigned char)s[1] == 0xa0 ? 2 : 0;
}

/* Whether a[0..an) and b[0..bn) are the same text but for white space
 * (lines wrapped or joined, blank lines, indents). */
static int
same_but_space(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0, j = 0, k;

	for (;;) {
		while ((k = space_len(a + i, an - i)) > 0)
			i += k;
		while ((k = space_len(b + j, bn - j)) > 0)
			j += k;
		if (i == an || j == bn)
			return i == an && j == bn;
		if (a[i++] != b[j++])
			return 0;
	}
}

static void
leaf(void *arg, const struct mime_part *p)
{
	struct msg *m = arg;
	enum part_kind kind = part_kind(p->ctype);
	struct util_buf cte;
	size_t at;

	/* Only the first returned message counts, and only text near the top
	 * (Google nests it in related/alternative): deeper parts are attachments
	 * of some other kind. Their fields are not looked up. */
	if (kind == PART_OTHER && m->nested == 0 && strcmp(p->ctype, MIME_PREAMBLE) == 0)
		m->preamble = *p;
	if (kind == PART_OTHER || (kind == PART_ORIGINAL && m->has_orig) ||
	    (kind == PART_TEXT && p->depth > 4))
		return;
	/* A notice sent on inside another (by a gateway, or by a list manager
	 * that could not read it): its own RFC 6522 report is the one, and its
	 * returned message the original. The header is read only if it names
	 * a report, and one level down at most. */
	if (kind == PART_ORIGINAL && m->nested == 0 && m->dsn.len == 0 &&
	    m->arf.len == 0 && strcmp(p->ctype, "message/rfc822") == 0) {
		const char *end = p->body, *lim = p->body + (p->bodylen < 16384 ? p->bodylen : 16384);

		while ((end = memchr(end, '\n', (size_t)(lim - end))) != NULL && end + 1 < lim &&
		    end[1] != '\n')
			end++;
		if (end != NULL && (util_memcasemem(p->body, (size_t)(end - p->body),
		    "multipart/report") != NULL || header_from_daemon(p->body,
		    (size_t)(end - p->body)))) {
			m->nested = 1;
			mime_walk(p->body, p->bodylen, leaf, m);
			return;
		}
	}
	cte = reuse(&kept.cte);
	mime_header_get(p->header, "content-transfer-encoding", &cte);
	switch (kind) {
	case PART_REPORT:
		at = m->dsn.len;
		mime_decode_body(p->body, p->bodylen, cte.p, &m->dsn);
		/* Reply texts in other charsets (RFC 6533 allows UTF-8; Japanese
		 * servers write ISO-2022-JP): the fields in UTF-8 too. */
		if (!charset_is_plain(m->dsn.p + at, m->dsn.len - at))
			report_to_utf8(p, &m->dsn, at);
		util_buf_add(&m->dsn, "\n\n", 2);
		break;
	case PART_FEEDBACK:
		mime_decode_body(p->body, p->bodylen, cte.p, &m->arf);
		util_buf_add(&m->arf, "\n\n", 2);
		break;
	case PART_ORIGINAL:
		if (mime_cte_identity(cte.p)) {
			m->orig_p = p->body;
			m->orig_len = p->bodylen;
		} else {
			mime_decode_body(p->body, p->bodylen, cte.p, &m->orig);
			m->orig_p = m->orig.p;
			m->orig_len = m->orig.len;
		}
		m->has_orig = 1;
		break;
	case PART_TEXT:
		email_text_add(m, p, &cte);
		break;
	case PART_RECEIPT:
		m->receipt = mdn_rejects(p, cte.p) ? 2 : 1;
		break;
	case PART_OTHER:
		break;
	}
	keep(&kept.cte, &cte);
}

void
email_emit(struct msg *m, const struct rcpt *r)
{
	struct event e;
	struct util_buf diag;
	char st[STATUS_MAX], rhost[256];

	event_init(&e);
	if (event_set_rcpt(&e, r->addr, r->addrlen) != 0) {
		char tmp[ADDR_MAX];
		size_t n = r->addrlen < ADDR_MAX - 1 ? r->addrlen : ADDR_MAX - 1;

		memcpy(tmp, r->addr, n);
		tmp[n] = '\0';
		/* "Name <a@b>" or a comment after the address. */
		if (email_extract_addr(tmp, n, e.rcpt) != 0 || event_set_rcpt(&e, e.rcpt,
		    strlen(e.rcpt)) != 0)
			return;
	}
	diag = reuse(&kept.diag);
	if (r->diag && *r->diag) {
		size_t n = strlen(r->diag), k = EVENT_DIAG_MAX;
		size_t room = n < EVENT_DIAG_MAX + 1 ? n : EVENT_DIAG_MAX + 1;

		/* A reply text is a few lines: the rest of a hostile one is cut, at
		 * a character boundary. One byte more than kept tells if it is. */
		diag.len = email_collapse_ws(util_buf_room(&diag, room),
		    r->diag, n, EVENT_DIAG_MAX + 1);
		if (diag.len > EVENT_DIAG_MAX) {
			while (k > 0 && ((unsigned char)diag.p[k] & 0xc0) == 0x80)
				k--;
			diag.len = k;
		}
		util_buf_str(&diag);
		e.diag = diag.p;
		e.code = email_reply_code(diag.p, diag.len < 400 ? diag.len : 400);
	}
	if (r->status && status_parse(r->status, strcspn(r->status, " \t(;"), st) == 0)
		memcpy(e.status, st, sizeof st);
	if (e.diag)
		email_status_from_reply(e.status, e.diag, diag.len < 400 ? diag.len : 400);
	/* Still none or a generic one: what the readable part says of it. */
	if (r->hint && r->hint_status && (e.status[0] == '\0' || strcmp(e.status + 1, ".0.0") == 0))
		email_status_from_reply(e.status, r->hint, strnlen(r->hint, 400));
	e.action = r->action;
	if (e.action == NULL) {
		if (e.status[0] == '2')
			e.action = "delivered";
		else if (e.status[0] == '4' || (e.status[0] == '\0' && e.code >= 400 &&
		    e.code < 500))
			e.action = "delayed";
		else
			e.action = "failed";
	}
	/* A notice that gave up (or still tries) and quotes no code at all: the
	 * class of RFC 3463's "other undefined status", as Exim's own reports
	 * write it (Status: 5.0.0, or 4.0.0 in its delay warnings) and
	 * Postfix's for a bounce without one. */
	if (e.status[0] == '\0' && e.code == 0 && r->class == NULL) {
		if (strcmp(e.action, "failed") == 0)
			memcpy(e.status, "5.0.0", 6);
		else if (strcmp(e.action, "delayed") == 0)
			memcpy(e.status, "4.0.0", 6);
	}
	/* A reply code without an enhanced status code (a server older than
	 * RFC 2034, or one that leaves it out: "550 MAILBOX NOT FOUND"): the
	 * default detail of its class, as Postfix's SMTP client gives it in its
	 * own reports (smtp_chat.c: "Use a default detail code if none was
	 * given", X.0.0 with X the reply's first digit). Not for a 4xx reply
	 * that a notice gave up on: its text, not a made-up temporary status,
	 * tells why it failed. */
	if (e.status[0] == '\0' && r->class == NULL && ((e.code >= 500 && e.code < 600 &&
	    strcmp(e.action, "failed") == 0) || (e.code >= 400 && e.code < 500 &&
	    strcmp(e.action, "delayed") == 0))) {
		e.status[0] = (char)('0' + e.code / 100);
		memcpy(e.status + 1, ".0.0", 5);
	}
	e.reason = r->reason;
	/* Delivered to a program for this recipient (Sendmail's notice names
	 * the "|command" it was expanded to, Exim's the "pipe to |command" it
	 * generated), and no text that says more: the program, the mailer,
	 * failed. */
	if (e.reason == NULL && strcmp(e.action, "failed") == 0 &&
	    (e.diag == NULL || reason_from_text(e.diag, strlen(e.diag)) == NULL) &&
	    email_notice_program(m, e.rcpt))
		e.reason = "mailererror";
	e.class = r->class;
	/* The notice may tell which SMTP command the reply answered. */
	e.context = r->hint && *r->hint ? r->hint : NULL;
	e.time = r->time != (time_t)-1 ? r->time : m->date;
	if (e.time == (time_t)-1 && m->fd >= 0) {
		/* No date in the message: a Maildir's file time is its arrival. */
		struct stat fst;

		if (fstat(m->fd, &fst) == 0)
			e.time = fst.st_mtime;
	}
	e.rhost = r->rhost && *r->rhost ? r->rhost : text_host(e.diag, rhost);
	/* "Remote-MTA: dns; [192.0.2.1]" (Sendmail's for an address literal):
	 * the host is the address, as the logs name it. */
	if (e.rhost == r->rhost && e.rhost && e.rhost[0] == '[') {
		size_t n = strcspn(e.rhost + 1, "]");

		if (e.rhost[1 + n] == ']' && e.rhost[2 + n] == '\0' && n > 0 && n < sizeof rhost) {
			memcpy(rhost, e.rhost + 1, n);
			rhost[n] = '\0';
			e.rhost = rhost;
		}
	}
	e.from = m->from[0] ? m->from : NULL;
	e.msgid = m->msgid[0] ? m->msgid : NULL;
	e.qid = r->qid && *r->qid ? r->qid : NULL;
	/* Where the report names none (X-Postfix-Queue-ID): the reporting MTA's
	 * id of a message that bounced (a complaint's is the receiver's). */
	if (e.qid == NULL && m->qid[0] && (strcmp(e.action, "failed") == 0 ||
	    strcmp(e.action, "delayed") == 0))
		e.qid = m->qid;
	e.orig_rcpt = r->orig_rcpt;
	e.source = "email";
	e.origin = m->origin;
	if (m->track) {
		int added;

		hmap_put(&m->emitted, e.rcpt, strlen(e.rcpt), &added);
	}
	m->o->sink(m->o->sink_arg, &e);
	m->events++;
	keep(&kept.diag, &diag);
}

time_t
email_date(const char *v)
{
	time_t t;

	return v && *v && mime_parse_date(v, strlen(v), &t) == 0 ? t : (time_t)-1;
}

static void
nonstd_hit(void *arg, const struct nonstd_hit *h)
{
	struct msg *m = arg;
	struct rcpt r = {0};
	char full[ADDR_MAX];
	int section;

	r.addr = h->addr;
	r.addrlen = h->addrlen;
	if (h->kind & (NONSTD_LOCAL | NONSTD_X400 | NONSTD_NAME)) {
		if (email_rcpt_complete(m, h, full) != 0)
			return;
		r.addr = full;
		r.addrlen = strlen(full);
		/* Named by its display name and by its address further on
		 * (Exchange 2007's "Diagnostic information for administrators"):
		 * reported there, with the reply it quotes. */
		if ((h->kind & NONSTD_NAME) && email_text(m)->p != NULL &&
		    util_memcasemem(email_text(m)->p, email_notice_len(m), full) != NULL)
			return;
	}
	/* A label in another language may also name the sender: the author of
	 * the returned message, to whom the notice goes, is no failed
	 * recipient of it. */
	if ((h->kind & NONSTD_WEAK) && email_rcpt_is_sender(m, r.addr, r.addrlen))
		return;
	/* Nor, in a message whose only sign of a notice is a word of its
	 * subject (not from a mail system, no report), is its own addressee:
	 * a notice goes to the sender of the message that failed (RFC 5321
	 * 4.5.5), so one that says delivery failed to whom it is written to
	 * speaks of something else (a parcel's delivery, a mailbox's quota). */
	if (m->subject_only && email_rcpt_is_sender(m, r.addr, r.addrlen))
		return;
	/* A notice whose text says nothing of the recipient but its address
	 * says it in its subject ("Returned mail: User unknown"). */
	r.diag = h->diag && *h->diag ? h->diag : email_subject(m);
	r.time = (time_t)-1;
	/* The heading it is listed under says it first (Sendmail's and
	 * Stalwart's notices that mix delays and failures). */
	if ((section = email_kind_listed_delayed(m, h->addr)) == 1 || (section < 0 &&
	    (h->delayed || email_kind_delayed(m)))) {
		r.action = "delayed";
	} else if (m->success != 0 || m->lists_delivered != 0) {
		/* A report of delivery names its recipients the same way; so
		 * does one that lists deliveries beside failures, for those
		 * under the list of deliveries. */
		struct bufs b = { reuse(&kept.hit.v), reuse(&kept.hit.w) };

		if (email_kind_success(m) || email_kind_listed_delivered(m, h->addr, &b))
			r.action = "delivered";
		keep(&kept.hit.v, &b.v);
		keep(&kept.hit.w, &b.w);
	}
	/* A 4xx reply in a notice that says it gave up is the last one. */
	if (r.action == NULL && email_kind_final(m))
		r.action = "failed";
	email_emit(m, &r);
}

/* Amazon SES notifications sent by email (an SNS subscription): the body
 * is the JSON of the webhook, on its first line. */
static void
ses_forward(void *arg, struct event *e)
{
	struct msg *m = arg;

	m->events++;
	m->o->sink(m->o->sink_arg, e);
}

static void
parse_ses_json(struct msg *m)
{
	const char *p = email_text(m)->p, *end = p + email_notice_len(m), *nl;
	struct input_loc loc = { m->origin, 1 };
	struct webhook *w;

	while (p < end && (*p == ' ' || *p == '\n' || *p == '\t'))
		p++;
	if (p >= end || *p != '{' || (nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
		nl = end;
	if (p >= end || *p != '{' || util_memcasemem(p, (size_t)(nl - p), "\"notificationType\"") == NULL)
		return;
	w = webhook_new(WEBHOOK_SES, m->origin, ses_forward, m);
	webhook_line(w, &loc, p, (size_t)(nl - p));
	webhook_end(w);
}

/* Without the returned message, the address that the subject of a notice
 * names ("Delivery failure: a@b"), if it is neither the notice's addressee
 * nor the returned message's author: into m->orig_to. */
static int
subject_recipient(struct msg *m)
{
	const char *s = email_subject(m);

	if (strchr(s, '@') == NULL || email_extract_addr(s, strlen(s), m->orig_to) != 0)
		return 0;
	if (email_rcpt_is_sender(m, m->orig_to, strlen(m->orig_to))) {
		m->orig_to[0] = '\0';
		return 0;
	}
	return 1;
}

/* Without the returned message, the address of a "To:" line of the notice
 * (Exchange's and Domino's notices quote the message they speak of: "Your
 * message\n\n  To: a@b\n  Subject: ...\n\ndid not reach ..."), indented, if it is
 * neither the notice's addressee nor the returned message's author: into
 * m->orig_to. Read in the first 16 KiB: a notice says so at the top. */
static int
notice_to_line(struct msg *m)
{
	const char *t = email_text(m)->p, *p, *end, *nl;
	size_t n = t ? email_notice_len(m) : 0;

	if (n > 16384)
		n = 16384;
	for (p = t, end = t + n; p != NULL && p < end; p = nl ? nl + 1 : NULL) {
		const char *line = p;

		nl = memchr(p, '\n', (size_t)(end - p));
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		/* Indented, as in those notices: a returned header is not. */
		if (p == line || end - p < 4 || strncasecmp(p, "to:", 3) != 0)
			continue;
		p += 3;
		if (memchr(p, '@', (size_t)((nl ? nl : end) - p)) == NULL ||
		    email_extract_addr(p, (size_t)((nl ? nl : end) - p), m->orig_to) != 0)
			continue;
		if (!email_rcpt_is_sender(m, m->orig_to, strlen(m->orig_to)))
			return 1;
		m->orig_to[0] = '\0';
	}
	return 0;
}

/* A table of email_message's, emptied and kept in *k for the next message,
 * unless a message of many recipients made it large. */
static void
keep_table(struct hmap *k, struct hmap *t)
{
	if (t->cap > 1024)
		hmap_free(t, NULL);
	else
		hmap_clear(t);
	*k = *t;
	memset(t, 0, sizeof *t);
}

/* fd: the message's file, whose time stands in for a missing Date, and then
 * raw[rawlen] is a NUL; or -1. */
void
email_message(const char *raw, size_t rawlen, const char *origin, int fd,
    const struct email_opts *o)
{
	struct msg m = {0};
	struct bufs b = {0};
	size_t n, body;
	int bounce, shown;
	const char *s;

	/* Most messages have LF line ends already: no copy for them. */
	if (fd >= 0 && memchr(raw, '\r', rawlen) == NULL) {
		s = raw;	/* parse_fd leaves a NUL after it */
		n = rawlen;
	} else {
		mime_lf_buf(raw, rawlen, &kept.lf);
		s = kept.lf.p;
		n = kept.lf.len;
	}
	m.dsn = reuse(&kept.dsn);
	m.arf = reuse(&kept.arf);
	m.text = reuse(&kept.text);
	m.html = reuse(&kept.html);
	m.orig = reuse(&kept.orig);
	m.subject = reuse(&kept.subject);
	email_text_begin();
	b.v = reuse(&kept.v);
	b.w = reuse(&kept.w);
	m.top = reuse_header(&kept.top);
	m.textdiag = kept.textdiag;
	m.emitted = kept.emitted;
	memset(&kept.textdiag, 0, sizeof kept.textdiag);
	memset(&kept.emitted, 0, sizeof kept.emitted);
	m.orig_header = reuse_header(&kept.orig_header);

	m.origin = origin;
	m.fd = fd;
	m.o = o;
	m.date = (time_t)-1;
	m.subject_delayed = -1;
	m.notice_delayed = -1;
	m.final = -1;
	m.success = -1;
	m.lists_delivered = -1;
	/* A byte order mark (files saved by Windows editors), empty lines (or
	 * white space) before the header, as some archives and test suites
	 * keep messages: the header starts after them. */
	if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		n -= 3;
	}
	/* So is an mbox "From " line with empty lines after it (a message
	 * saved alone by a tool that wrote one). */
	for (int from_line = 1;;) {
		const char *nl;
		size_t k;

		while (n > 0 && (s[0] == '\n' || s[0] == ' ' || s[0] == '\t' || s[0] == '\r')) {
			nl = memchr(s, '\n', n);
			k = nl ? (size_t)(nl - s) + 1 : n;
			for (size_t i = 0; i < k; i++)
				if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
					k = 0;
			if (k == 0)
				break;
			s += k;
			n -= k;
		}
		if (!from_line || !((n >= 5 && memcmp(s, "From ", 5) == 0) ||
		    (n >= 6 && memcmp(s, ">From ", 6) == 0)) ||
		    (nl = memchr(s, '\n', n)) == NULL)
			break;
		k = (size_t)(nl - s) + 1;
		if (k >= n || (s[k] != '\n' && !(s[k] == '\r' && k + 1 < n && s[k + 1] == '\n')))
			break;	/* fields follow at once: mime_header_parse skips it */
		s += k;
		n -= k;
		from_line = 0;
	}
	body = mime_header_parse(s, n, &m.top);
	if (m.top.n == 0)
		goto done;	/* not a message */
	if (mime_header_get(&m.top, "date", &b.v))
		m.date = email_date(b.v.p);
	mime_walk_parsed(s, n, &m.top, body, leaf, &m);
	/* No text part at all, but a preamble that says more than that the
	 * message is in MIME format: the notice is there (old mail systems
	 * that wrapped the returned message in multipart/mixed). */
	if (m.ntext_parts == 0 && m.preamble.bodylen > 0) {
		struct mime_header none = {0};
		struct util_buf cte = {0};

		none.base = m.preamble.body;
		m.preamble.header = &none;
		m.preamble.ctype = "text/plain";
		util_buf_str(&cte);
		email_text_add(&m, &m.preamble, &cte);
		util_buf_free(&cte);
	}
	if (m.has_orig)
		email_read_original(&m, m.orig_p ? m.orig_p : "", m.orig_len);
	else if (email_text(&m)->len) {
		size_t at = email_notice_len(&m);

		/* Past the marker line ("--- Below this line is a copy ...") and
		 * the empty lines after it, if the copy does not start at once. */
		/* m.text has no NUL at its end (a notice in HTML alone has no
		 * last newline either). */
		const char *nl = at < m.text.len ?
		    memchr(m.text.p + at, '\n', m.text.len - at) : NULL;

		if (at < m.text.len && !email_looks_like_header(m.text.p + at,
		    nl ? (size_t)(nl - m.text.p) - at : m.text.len - at)) {
			at = nl ? (size_t)(nl - m.text.p) + 1 : m.text.len;
			while (at < m.text.len && (m.text.p[at] == '\n' || m.text.p[at] == ' '))
				at++;
		}
		if (at < m.text.len)
			email_read_original(&m, m.text.p + at, m.text.len - at);
	}
	/* A report inside a returned message/rfc822 is the notice's only if
	 * the message around it sends it on as a mail system does (a
	 * gateway's): a mailing list's probe to its member attaches the bounce
	 * it got as a sample (Mailman 3 list:user:notice:probe, "This is a
	 * probe message"), its notice to the owner the bounce it could not
	 * read (Mailman 2.1 "Uncaught bounce notification"). Neither that
	 * report nor the notice's text around it is this message's. */
	shown = m.nested && !email_kind_sends_on(&m, &b);
	if (m.dsn.len && !shown)
		email_dsn_parse(&m, m.dsn.p, m.dsn.len);
	/* Every way on from here reads the text, and only for a message whose
	 * report (if any) named nobody. */
	if (m.events == 0)
		email_text(&m);
	/* Report fields pasted into the text (no delivery-status part); not
	 * those of a bounce that a person forwards inline. */
	if (m.events == 0 && !shown && m.text.len && util_memcasemem(m.text.p, m.text.len,
	    "\nFinal-Recipient:") && util_memcasemem(m.text.p, m.text.len, "\nStatus:") &&
	    !email_kind_forwarded(&m, &b))
		email_dsn_parse_pasted(&m, m.text.p, m.text.len);
	if (m.events == 0 && m.arf.len)
		email_arf_parse(&m, m.arf.p, m.arf.len);
	/* Complaint loops that forward the message without an RFC 5965 report
	 * (Microsoft JMRP: "complaint about message from 192.0.2.1"). */
	if (m.events == 0 && m.arf.len == 0 && m.has_orig && email_original_recipient(&m)[0] &&
	    util_memcasemem(email_subject(&m), strlen(email_subject(&m)), "complaint about message") &&
	    !email_kind_forwarded(&m, &b)) {
		util_buf_adds(&m.arf, "Feedback-Type: abuse\n");
		email_arf_parse(&m, m.arf.p, m.arf.len);
	}
	if (m.events == 0 && m.arf.len == 0 && m.text.len)
		parse_ses_json(&m);
	bounce = m.events == 0 && m.arf.len == 0 && !shown ? email_kind_bounce(&m, &b) : 0;
	/* Which recipients the notice names, to add those of X-Failed-Recipients
	 * it leaves out. */
	m.track = bounce && m.events == 0 && (mime_header_get(&m.top, "x-failed-recipients", &b.v) ||
	    (m.text.len > 0 && util_memcasemem(m.text.p, email_notice_len(&m), "(expanded from:")));
	if (bounce)
		nonstd_scan_notice(m.text.p ? m.text.p : "", email_notice_len(&m),
		    &m.notice_delayed, nonstd_hit, &m);
	/* A text part that says nothing (Yahoo: "This is an HTML message") beside
	 * the HTML one that names the recipients. Not the HTML twin of the text
	 * (multipart/alternative: RFC 2046 5.1.4, the same content), whose
	 * lines differ only in layout: what the text named nobody in, it does
	 * not either. */
	if (bounce && m.events == 0 && m.html.len > 0 && m.text.p != NULL &&
	    !same_but_space(m.text.p, m.text.len, m.html.p, m.html.len))
		nonstd_scan(m.html.p, m.html.len, nonstd_hit, &m);
	/* Sendmail's list names a recipient whose alias or .forward led to a
	 * program or a file only as what that was "(expanded from: <rcpt>)"
	 * (savemail.c errbody()): no line of the notice is its own, for the
	 * scan to find. */
	if (m.track) {
		const char *p;
		size_t at = 0, len;

		while ((p = email_notice_expanded(&m, &at, &len)) != NULL) {
			struct event probe;
			struct nonstd_hit h = { p, len, NULL, 0, 0, 0 };

			event_init(&probe);
			if (event_set_rcpt(&probe, p, len) != 0 ||
			    hmap_get(&m.emitted, probe.rcpt, strlen(probe.rcpt)) != NULL)
				continue;
			email_notice_diag(&m, probe.rcpt, strlen(probe.rcpt), &b.w);
			h.diag = b.w.p;
			h.delayed = email_notice_delayed(&m);
			nonstd_hit(&m, &h);
		}
	}
	if (m.arf.len == 0 && (m.events == 0 || m.track) &&
	    mime_header_get(&m.top, "x-failed-recipients", &b.v)) {
		/* Exim names the failed recipients in a header: those the notice
		 * did not name on a line of its own. */
		const char *p = b.v.p;

		while (*p) {
			size_t k = strcspn(p, ", ");
			struct rcpt r = {0};
			struct event probe;

			event_init(&probe);
			if (k > 0 && memchr(p, '@', k) && (!m.track ||
			    event_set_rcpt(&probe, p, k) != 0 ||
			    hmap_get(&m.emitted, probe.rcpt, strlen(probe.rcpt)) == NULL)) {
				r.addr = p;
				r.addrlen = k;
				r.time = (time_t)-1;
				r.action = email_kind_delayed(&m) ? "delayed" :
				    email_kind_final(&m) ? "failed" : NULL;
				email_notice_diag(&m, p, k, &b.w);
				r.diag = b.w.len ? b.w.p : NULL;
				email_emit(&m, &r);
			}
			p += k;
			while (*p == ',' || *p == ' ')
				p++;
		}
	}
	/* Sender and subject both say it is a bounce, and it names nobody: the
	 * returned message's recipient is the one (MMS gateways, Google Groups,
	 * whose notices carry Auto-Submitted as Google's bounces do). So too
	 * with one sign only, where it returns a message and its words say
	 * delivery failed, or it comes from MAILER-DAEMON (words in any
	 * language; the copy may be in its text). Not for auto-responders,
	 * which may quote any message. */
	if (m.events == 0 && (bounce == 2 || (bounce == 1 && ((m.orig_header.n > 0 &&
	    email_original_recipient(&m)[0] && email_kind_says_failed(&m, &b)) ||
	    (email_original_recipient(&m)[0] && email_kind_from_daemon(&m, &b))))) &&
	    !email_kind_responder(&m, &b) &&
	    (email_original_recipient(&m)[0] || subject_recipient(&m) || notice_to_line(&m))) {
		struct rcpt r = {0};

		email_notice_diag(&m, m.orig_to, strlen(m.orig_to), &b.w);
		r.addr = m.orig_to;
		r.addrlen = strlen(m.orig_to);
		r.diag = b.w.len ? b.w.p : email_subject(&m);
		r.time = (time_t)-1;
		r.action = email_kind_delayed(&m) ? "delayed" : email_kind_final(&m) ? "failed" : NULL;
		email_emit(&m, &r);
	}
	/* A read receipt (RFC 8098) is no reply of its author's either, nor a
	 * delivery notice that names nobody that can be read (Postfix puts
	 * "Auto-Submitted: auto-replied" on its bounces), nor a person's
	 * forward of someone's automatic reply ("Fwd: Out of office"). */
	if (m.events == 0 && m.arf.len == 0 && !m.receipt && bounce == 0 &&
	    email_kind_autoreply(&m, &b) && !email_kind_forwarded(&m, &b)) {
		char who[ADDR_MAX];

		if (mime_header_get(&m.top, "from", &b.v) && email_extract_addr(b.v.p, b.v.len, who) == 0) {
			struct rcpt r = {0};

			email_subject(&m);
			r.addr = who;
			r.addrlen = strlen(who);
			r.action = "delivered";
			r.reason = "vacation";
			r.class = "none";
			r.diag = m.subject.len ? m.subject.p : NULL;
			r.time = (time_t)-1;
			m.from[0] = '\0';
			email_emit(&m, &r);
		}
	}
done:
	keep_header(&kept.top, &m.top);
	keep_header(&kept.orig_header, &m.orig_header);
	{
		/* The tables are emptied for the next message, their memory
		 * kept (a dozen allocations each), unless a message of many
		 * recipients made them large. */
		struct hmap_entry *e;

		for (size_t it = 0; (e = hmap_next(&m.textdiag, &it)) != NULL;)
			free(e->val);
		keep_table(&kept.textdiag, &m.textdiag);
		keep_table(&kept.emitted, &m.emitted);
	}
	free(m.cands);
	keep(&kept.dsn, &m.dsn);
	keep(&kept.arf, &m.arf);
	keep(&kept.text, &m.text);
	keep(&kept.html, &m.html);
	keep(&kept.orig, &m.orig);
	keep(&kept.subject, &m.subject);
	email_text_done();
	keep(&kept.v, &b.v);
	keep(&kept.w, &b.w);
	if (kept.lf.cap > KEEP_MAX)
		util_buf_free(&kept.lf);
}

int
email_parse(const char *msg, size_t len, const char *origin, const struct email_opts *o)
{
	email_message(msg, len, origin, -1, o);
	return BK_OK;
}

void
email_thread_end(void)
{
	struct util_buf *all[] = { &kept.lf, &kept.dsn, &kept.arf, &kept.text, &kept.html,
	    &kept.orig, &kept.v, &kept.w, &kept.cte, &kept.diag, &kept.subject, &kept.hit.v,
	    &kept.hit.w };

	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		util_buf_free(all[i]);
	mime_header_free(&kept.top);
	mime_header_free(&kept.orig_header);
	hmap_free(&kept.textdiag, NULL);
	hmap_free(&kept.emitted, NULL);
	email_header_thread_end();
	email_text_thread_end();
	email_dsn_thread_end();
	email_folder_thread_end();
	charset_thread_end();
	mime_walk_thread_end();
}

int
email_looks_like_header(const char *line, size_t len)
{
	size_t i = 0;

	/* A field name starts with a letter: "2026-11-27T10:00:00Z host ..." is a log. */
	if (len == 0 || !isalpha((unsigned char)line[0]))
		return 0;
	while (i < len && line[i] > 32 && line[i] < 127 && line[i] != ':')
		i++;
	return i > 0 && i < len && line[i] == ':';
}

