/* email_dsn: the reports of a bounce: RFC 3464 delivery-status fields (one
 * group per recipient) and RFC 5965 feedback reports, to recipient outcomes;
 * and the codes in a reply text (its SMTP reply code, its enhanced status
 * code against the report's Status). */
#include "email_int.h"
#include "ascii.h"
#include "nonstd.h"
#include "event.h"
#include "reason.h"
#include "status.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Strips a "type;" prefix (rfc822;, smtp;, dns;, X-Unix;). */
static const char *
skip_type(const char *v)
{
	const char *semi = strchr(v, ';');

	if (semi && semi - v < 24) {
		const char *p = v;

		while (p < semi && (isalnum((unsigned char)*p) || *p == '-' || *p == '_'))
			p++;
		if (p == semi) {
			v = semi + 1;
			while (*v == ' ' || *v == '\t')
				v++;
		}
	}
	return v;
}

/* One recipient's fields in a delivery-status block: field indices. xr is
 * a field that names the recipient outside RFC 3464: Sendmail's
 * X-Actual-Recipient (savemail.c: the address that failed after aliasing,
 * beside Final-Recipient, and in its place where that is missing) and the
 * plain Recipient of some gateways; read where the standard fields are
 * missing or name no Internet address. */
struct dsn_rcpt {
	long fr, orr, xr, act, st, rm, dc, lad;
};

static void
dsn_clear(struct dsn_rcpt *d)
{
	d->fr = d->orr = d->xr = d->act = d->st = d->rm = d->dc = d->lad = -1;
}

struct dsn_msg {
	time_t arrival;
	struct util_buf qid, notice;
	struct util_buf fr, orr, xr, act, st, rm, dc, lad;
};

/* The header and buffers of email_dsn_parse, kept per thread as those of
 * parse_message are: email_dsn_parse does not nest (nothing it calls comes back). */
static _Thread_local struct {
	struct mime_header group;
	struct util_buf value;
	struct util_buf pasted;		/* email_dsn_parse_pasted's copy */
	struct dsn_msg msg;
} dsn_kept;

/* Frees the buffers of dsn_kept that hold more than max bytes. */
static void
dsn_kept_trim(size_t max)
{
	struct dsn_msg *dm = &dsn_kept.msg;
	struct util_buf *all[] = { &dsn_kept.value, &dsn_kept.pasted, &dm->qid, &dm->notice, &dm->fr, &dm->orr,
	    &dm->xr, &dm->act, &dm->st, &dm->rm, &dm->dc, &dm->lad };

	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (all[i]->cap > max)
			util_buf_free(all[i]);
	if (dsn_kept.group.cap * sizeof *dsn_kept.group.f > max)
		mime_header_free(&dsn_kept.group);
}

static const char *
dsn_value(const struct mime_header *g, long i, struct util_buf *b)
{
	if (i < 0)
		return NULL;
	mime_field_value(g, (size_t)i, b);
	return b->p;
}

/* Whether a Status is missing or generic ("5.0.0") and the reply text
 * holds no enhanced code to replace it: the readable part may. */
static int
generic_without_code(const char *status, const char *diag)
{
	char st[STATUS_MAX];

	if (status && status_parse(skip_type(status), strcspn(skip_type(status), " \t(;"), st) == 0 &&
	    strcmp(st + 1, ".0.0") != 0)
		return 0;
	return diag == NULL || status_find(diag, strlen(diag), st) == NULL;
}

static void
dsn_flush(struct msg *m, const struct mime_header *g, struct dsn_rcpt *d, struct dsn_msg *dm)
{
	struct rcpt r = {0};
	char orig[ADDR_MAX], full[ADDR_MAX];
	const char *fr, *orr, *xr, *v;

	/* A group named only by xr is one if it has the fields every group
	 * has (RFC 3464 2.3.3, 2.3.4), not a "Recipient:" line of free text. */
	if (d->fr < 0 && d->orr < 0 && (d->xr < 0 || (d->act < 0 && d->st < 0)))
		return;
	fr = dsn_value(g, d->fr, &dm->fr);
	orr = dsn_value(g, d->orr, &dm->orr);
	xr = dsn_value(g, d->xr, &dm->xr);
	r.addr = skip_type(fr ? fr : orr ? orr : xr);
	/* "rfc822; <>", junk or a source route: the original recipient may be
	 * the better name. */
	if (fr && orr && strchr(skip_type(orr), '@') && (strchr(r.addr, '@') == NULL ||
	    r.addr[0] == '@'))
		r.addr = skip_type(orr);
	/* A local name ("Final-Recipient: RFC822; dora", Sendmail's RCPT TO
	 * without a domain) beside the address it stands for. */
	if (xr && strchr(skip_type(xr), '@') && (strchr(r.addr, '@') == NULL || r.addr[0] == '@'))
		r.addr = skip_type(xr);
	r.addrlen = strlen(r.addr);
	/* "X400; /C=JP/.../S=Name/" or "LOCAL; name" (RFC 3464 2.3.2 allows
	 * any address type): whom of the returned message's recipients it
	 * means, as for notices that name them so (email_rcpt.c). */
	if (r.addrlen > 0 && memchr(r.addr, '@', r.addrlen) == NULL) {
		struct nonstd_hit h = { r.addr, r.addrlen, NULL, 0, 0,
		    memchr(r.addr, '=', r.addrlen) ? NONSTD_X400 : NONSTD_LOCAL };
		size_t k = 0;

		while (h.addrlen > 0 && ascii_space((unsigned char)h.addr[h.addrlen - 1]))
			h.addrlen--;
		/* A local part is a word ("kijitora", "henry.s"), not "<>". */
		while (h.kind == NONSTD_LOCAL && k < h.addrlen && (ascii_alpha((unsigned char)h.addr[k]) ||
		    ascii_digit((unsigned char)h.addr[k]) ||
		    (k > 0 && ascii_in_set("._+-", (unsigned char)h.addr[k]))))
			k++;
		if ((h.kind == NONSTD_X400 || (k == h.addrlen && k > 0 && k <= 64)) &&
		    email_rcpt_complete(m, &h, full) == 0) {
			r.addr = full;
			r.addrlen = strlen(full);
		}
	}
	if (fr && orr && addr_normalize(skip_type(orr), strlen(skip_type(orr)), 0, orig) >= 0)
		r.orig_rcpt = orig;
	if ((v = dsn_value(g, d->act, &dm->act)) != NULL)
		r.action = event_action_name(v, strcspn(v, " \t(;"));
	r.status = dsn_value(g, d->st, &dm->st);
	if ((v = dsn_value(g, d->rm, &dm->rm)) != NULL)
		r.rhost = skip_type(v);
	if ((v = dsn_value(g, d->dc, &dm->dc)) != NULL) {
		r.diag = skip_type(v);
		/* "X-Unix; 75": a local delivery program's exit status. */
		if (strncasecmp(v, "x-unix", 6) == 0)
			r.reason = "mailererror";
	}
	/* The readable part is read only when it may help: no reply text, a
	 * generic code, or a "user unknown" that needs to know which command
	 * it answered. */
	r.hint_status = generic_without_code(r.status, r.diag);
	if (r.diag == NULL || strlen(r.diag) < 8 || reason_needs_command(r.diag, r.status) ||
	    r.hint_status) {
		char a[ADDR_MAX];
		const char *t;

		if (addr_normalize(r.addr, r.addrlen, 0, a) < 0) {
			;	/* email_emit() reports nothing for it either */
		} else if ((t = email_text_diag(m, a)) != NULL) {
			/* "": named on a line of its own with nothing said about it. */
			if (*t && (r.diag == NULL || strlen(r.diag) < 8))
				r.diag = t;
			else if (*t)
				r.hint = t;	/* often names the SMTP command */
		} else if (r.diag == NULL || *r.diag == '\0') {
			/* Named somewhere in the notice, if not on a line of its own. */
			email_notice_diag(m, a, strlen(a), &dm->notice);
			r.diag = dm->notice.len ? dm->notice.p : NULL;
		}
	}
	/* "X-Actual-Recipient: X-Unix; |/usr/bin/prog" (Sendmail's prog
	 * mailer, cf/mailer/local.m4 T=X-Unix/X-Unix/X-Unix; savemail.c): the
	 * message went to a delivery program, and where no text says more,
	 * that program (the mailer) failed. */
	if (r.reason == NULL && xr && (*skip_type(xr) == '|' || strncasecmp(xr, "x-unix", 6) == 0) &&
	    (r.diag == NULL || reason_from_text(r.diag, strlen(r.diag)) == NULL))
		r.reason = "mailererror";
	/* OpenSMTPD 6.8 (Debian 12's) reports an envelope it gave up on as
	 * "Action: delayed", Status 4.4.7, "Envelope expired" (queue.c; fixed
	 * upstream by OpenSMTPD pull request 1133): the message is gone. */
	if (r.action && strcmp(r.action, "delayed") == 0 && r.status &&
	    strncmp(skip_type(r.status), "4.4.7", 5) == 0 && r.diag &&
	    strncasecmp(r.diag, "Envelope expired", 16) == 0)
		r.action = "failed";
	r.time = (time_t)-1;
	if ((v = dsn_value(g, d->lad, &dm->lad)) != NULL)
		r.time = email_date(v);
	if (r.time == (time_t)-1)
		r.time = m->date != (time_t)-1 ? m->date : dm->arrival;
	r.qid = dm->qid.len ? dm->qid.p : NULL;
	email_emit(m, &r);
	dsn_clear(d);
}

/* Whether field i of g is one of a report (RFC 3464 2.2, 2.3) or an
 * extension field ("X-..."): not free text that lost its indent. */
static int
dsn_field(const struct mime_header *g, size_t i)
{
	static const char *const names[] = { "reporting-mta", "dsn-gateway",
		"received-from-mta", "original-envelope-id", "final-log-id",
		"will-retry-until" };
	const char *p = g->base + g->f[i].name;

	if (g->f[i].namelen > 2 && (p[0] == 'X' || p[0] == 'x') && p[1] == '-')
		return 1;
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
		if (email_field_is(g, i, names[k]))
			return 1;
	return 0;
}

/* RFC 3464: per-message fields, then one group per recipient. Groups that
 * lack the empty line between them are split where a recipient field repeats. */
void
email_dsn_parse(struct msg *m, const char *s, size_t n)
{
	struct mime_header g = reuse_header(&dsn_kept.group);
	struct dsn_msg *dm = &dsn_kept.msg;
	struct util_buf v = reuse(&dsn_kept.value);
	size_t pos = 0;

	dm->arrival = (time_t)-1;
	util_buf_reset(&dm->qid);	/* the others are set before they are read */
	while (pos < n) {
		struct dsn_rcpt d;
		size_t used;

		if (s[pos] == '\n' || s[pos] == ' ' || s[pos] == '\t') {
			pos++;
			continue;
		}
		used = mime_header_parse_loose(s + pos, n - pos, &g);
		if (g.n == 0) {
			const char *nl = memchr(s + pos, '\n', n - pos);

			pos = nl ? (size_t)(nl - s) + 1 : n;
			continue;
		}
		pos += used;
		dsn_clear(&d);
		for (size_t i = 0; i < g.n; i++) {
			long li = (long)i;

			if (email_field_is(&g, i, "final-recipient")) {
				if (d.fr >= 0)
					dsn_flush(m, &g, &d, dm);
				d.fr = li;
			} else if (email_field_is(&g, i, "original-recipient")) {
				if (d.orr >= 0 || (d.fr >= 0 && (d.act > d.fr || d.st > d.fr)))
					dsn_flush(m, &g, &d, dm);
				d.orr = li;
			} else if (email_field_is(&g, i, "x-actual-recipient") ||
			    email_field_is(&g, i, "recipient")) {
				/* Repeated in a group of its own: the next recipient. */
				if (d.xr >= 0 && d.fr < 0 && d.orr < 0)
					dsn_flush(m, &g, &d, dm);
				d.xr = li;
			} else if (email_field_is(&g, i, "action"))
				d.act = li;
			else if (email_field_is(&g, i, "status"))
				d.st = li;
			else if (email_field_is(&g, i, "remote-mta"))
				d.rm = li;
			else if (email_field_is(&g, i, "diagnostic-code"))
				d.dc = li;
			else if (email_field_is(&g, i, "last-attempt-date"))
				d.lad = li;
			else if (email_field_is(&g, i, "arrival-date")) {
				mime_field_value(&g, i, &v);
				dm->arrival = email_date(v.p);
			} else if (email_field_is(&g, i, "x-postfix-queue-id") && dm->qid.len == 0)
				mime_field_value(&g, i, &dm->qid);
			else if (d.dc >= 0 && d.dc == li - 1 && !dsn_field(&g, i)) {
				/* Diagnostic-Code text folded without the indent
				 * ("...address\nrejected: User unknown"): it goes on. */
				g.f[d.dc].valuelen = g.f[i].value + g.f[i].valuelen - g.f[d.dc].value;
				d.dc = li;
				g.f[li] = g.f[li - 1];
			}
		}
		dsn_flush(m, &g, &d, dm);
	}
	keep_header(&dsn_kept.group, &g);
	keep(&dsn_kept.value, &v);
	dsn_kept_trim(KEEP_MAX);
}

/* Whether the line p[0..n) (its indent skipped) opens with a field name
 * of RFC 3464 2.2 or 2.3 and its colon. */
static int
report_field_line(const char *p, size_t n)
{
	static const char *const names[] = { "reporting-mta:", "dsn-gateway:",
		"received-from-mta:", "arrival-date:", "original-envelope-id:",
		"original-recipient:", "final-recipient:", "action:", "status:",
		"remote-mta:", "diagnostic-code:", "last-attempt-date:", "final-log-id:",
		"will-retry-until:", "x-actual-recipient:", "x-postfix-queue-id:",
		"x-postfix-sender:" };

	unsigned char c;

	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	if (n == 0)
		return 0;
	/* Every line of a text comes here: the first letter rules out most. */
	c = ascii_lower((unsigned char)p[0]);
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
		size_t len;

		if ((unsigned char)names[k][0] != c)
			continue;
		len = strlen(names[k]);
		if (n >= len && strncasecmp(p, names[k], len) == 0)
			return 1;
	}
	return 0;
}

/* Report fields pasted into a notice's text (no delivery-status part). An
 * HTML notice that sets each field in a paragraph of its own ("<p>Action:
 * failed</p>") or a text with empty lines between them has lost the empty
 * lines' meaning (RFC 3464 2.1: they end the per-message fields and each
 * recipient's group): the empty lines between two field lines are dropped,
 * and the groups split where a recipient field repeats, as for a report
 * without them. Other lines keep theirs. */
void
email_dsn_parse_pasted(struct msg *m, const char *s, size_t n)
{
	struct util_buf j = reuse(&dsn_kept.pasted);
	size_t pos = 0, blank_at = (size_t)-1;
	int prev_field = 0;

	while (pos < n) {
		const char *nl = memchr(s + pos, '\n', n - pos);
		size_t le = nl ? (size_t)(nl - s) : n, len = le - pos;
		int blank = len == 0 || (len == 1 && s[pos] == '\r');

		if (blank) {
			if (blank_at == (size_t)-1)
				blank_at = j.len;
			util_buf_addc(&j, '\n');
		} else {
			int field = report_field_line(s + pos, len);

			/* Empty lines between two field lines: dropped. */
			if (blank_at != (size_t)-1 && prev_field && field)
				j.len = blank_at;
			blank_at = (size_t)-1;
			prev_field = field;
			util_buf_add(&j, s + pos, len);
			util_buf_addc(&j, '\n');
		}
		pos = le + 1;
	}
	email_dsn_parse(m, j.p ? j.p : "", j.len);
	keep(&dsn_kept.pasted, &j);
	dsn_kept_trim(KEEP_MAX);
}

/* RFC 5965: a complaint. The message was delivered: no bounce. */
void
email_arf_parse(struct msg *m, const char *s, size_t n)
{
	struct mime_header g = {0};
	struct util_buf v = {0}, ft = {0};
	struct rcpt r = {0};
	char rcpt[ADDR_MAX] = "";

	mime_header_parse(s, n, &g);
	mime_header_get(&g, "feedback-type", &ft);
	/* Reports of types that are no complaint of the recipient: an
	 * authentication failure the receiver saw (RFC 6591 auth-failure, a
	 * DMARC failure report) and a message marked as not spam (RFC 6430
	 * not-spam). Stopping mail to the recipient on them would be wrong. */
	if (ft.len && (strncasecmp(ft.p, "auth-failure", 12) == 0 ||
	    strncasecmp(ft.p, "not-spam", 8) == 0))
		goto done;
	if (mime_header_get(&g, "original-rcpt-to", &v))
		email_extract_addr(v.p, v.len, rcpt);
	if (rcpt[0] == '\0' && email_original_recipient(m)[0])
		memcpy(rcpt, m->orig_to, sizeof rcpt);
	if (rcpt[0] == '\0' && mime_header_get(&g, "removal-recipient", &v))
		email_extract_addr(v.p, v.len, rcpt);
	r.time = (time_t)-1;
	if (mime_header_get(&g, "arrival-date", &v) || mime_header_get(&g, "received-date", &v))
		r.time = email_date(v.p);
	if (mime_header_get(&g, "source-ip", &v))
		r.rhost = NULL;
	if (rcpt[0]) {
		r.addr = rcpt;
		r.addrlen = strlen(rcpt);
		r.action = "delivered";
		r.reason = "feedback";
		r.class = "none";
		r.diag = ft.len ? ft.p : "abuse";
		email_emit(m, &r);
	}
done:
	mime_header_free(&g);
	util_buf_free(&v);
	util_buf_free(&ft);
}

void
email_dsn_thread_end(void)
{
	dsn_kept_trim(0);
}

/* The first SMTP reply code in a reply text: a word of three digits
 * ("550 ", "550-", "550 5.1.1") not part of an address, number or time. */
int
email_reply_code(const char *s, size_t n)
{
	for (size_t i = 0; i + 3 <= n; i++) {
		char c = s[i];
		int code;

		if (c < '2' || c > '5' || (c == '3'))
			continue;
		if (i > 0 && (isalnum((unsigned char)s[i - 1]) ||
		    ascii_in_set(".:-/#=_[<@", (unsigned char)s[i - 1])))
			continue;
		if (!isdigit((unsigned char)s[i + 1]) || !isdigit((unsigned char)s[i + 2]))
			continue;
		if (i + 3 < n && s[i + 3] != ' ' && s[i + 3] != '-' && s[i + 3] != ')' &&
		    s[i + 3] != ',')
			continue;
		if (i + 4 < n && s[i + 3] == '-' && !isalnum((unsigned char)s[i + 4]) &&
		    s[i + 4] != ' ')
			continue;
		code = (c - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
		if (s[i + 1] > '5')
			continue;
		return code;
	}
	return 0;
}

/* The status of a recipient against the reply text diag[0..n) that the
 * remote server gave (RFC 3464 2.3.6: its actual code). A generic code
 * ("5.0.0") next to a specific one in the reply text. A temporary code
 * under "5.0.0" is the reply that kept failing until the MTA gave up (Exim's
 * deliver.c writes 5.0.0 for every failure; its log and Postfix's DSN carry
 * the 4.x.x). A specific code of the reporting MTA's own yields to the
 * server's code of the same class where that one says why: X.4.7 for a
 * give-up, or a code of another subject (X.1.1 over a reply's X.7.1); one
 * of the same subject says the same kind of thing (Sendmail's X.4.2 for its
 * own "421 4.4.1 Connection reset"). A transcript may also hold the 2.x.x
 * replies before the failure. */
void
email_status_from_reply(char *status, const char *diag, size_t n)
{
	const char *p = diag, *end = diag + n;
	char st[STATUS_MAX];
	int generic = status[0] == '\0' || strcmp(status + 1, ".0.0") == 0;

	while (p < end && (p = status_find(p, (size_t)(end - p), st)) != NULL) {
		if (st[0] == '2')
			continue;
		if (status[0] == '\0' || (strcmp(st + 1, ".0.0") != 0 && ((st[0] == status[0] &&
		    (generic || st[2] != status[2] || strcmp(status + 1, ".4.7") == 0)) ||
		    (generic && st[0] == '4' && status[0] == '5'))))
			memcpy(status, st, sizeof st);
		if (!generic || strcmp(status + 1, ".0.0") != 0)
			break;
	}
}
