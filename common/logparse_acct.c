/* logparse_acct: where the lines of bulk senders' MTA logs are told apart
 * (PowerMTA and Exchange CSV records and their headers, qmail's tai64n
 * stamps, Haraka's levels; OpenSMTPD, qmail and Haraka through syslog), the
 * CSV header of each file, and the helpers their readers share. */
#include "logparse_acct.h"
#include "bktime.h"
#include "outcome.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

/* Lines of a file looked at for its header when reading starts past it. */
#define HEADER_LINES_MAX 16
/* Keys per generation of the joining tables (qmail, Haraka). */
#define RECENT_CAP 65536

static struct logparse_acct *
acct_of(struct logparse *lp)
{
	if (lp->acct == NULL) {
		struct logparse_acct *a = util_xcalloc(1, sizeof *a);

		acct_recent_init(&a->qmail_dlv, RECENT_CAP);
		acct_recent_init(&a->qmail_msg, RECENT_CAP);
		acct_recent_init(&a->haraka_txn, RECENT_CAP);
		lp->acct = a;
	}
	return lp->acct;
}

void
logparse_acct_free(struct logparse *lp)
{
	struct logparse_acct *a = lp->acct;

	if (a == NULL)
		return;
	free(a->file);
	csv_free(&a->row);
	util_buf_free(&a->scratch);
	acct_recent_free(&a->qmail_dlv);
	acct_recent_free(&a->qmail_msg);
	acct_recent_free(&a->haraka_txn);
	free(a);
	lp->acct = NULL;
}

/* ---- the CSV header of the file being read ---- */

static int
same_file(const struct logparse_acct *a, const char *file)
{
	return a->file != NULL && strcmp(a->file, file) == 0;
}

static void
new_file(struct logparse_acct *a, const char *file)
{
	free(a->file);
	a->file = util_xstrdup(file);
	a->have_cols = 0;
	a->header_reported = 0;
}

static int
is_powermta_header(const char *s, size_t n)
{
	return n > 5 && memcmp(s, "type,", 5) == 0 && logparse_find(s, n, ",rcpt") != NULL;
}

static int
is_exchange_fields(const char *s, size_t n)
{
	return n > 9 && memcmp(s, "#Fields: ", 9) == 0;
}

/* Reading began past the header (an offset file, a rotated log): it is read
 * from the start of the file, plain or gzip (gzread reads both). */
static void
reread_header(struct logparse_ctx *c, struct logparse_acct *a, int kind)
{
	struct logparse_ctx hc = *c;
	char line[8192];
	gzFile gz;

	if (strcmp(c->loc->file, "<stdin>") == 0 || (gz = gzopen(c->loc->file, "rb")) == NULL)
		return;
	for (int i = 0; i < HEADER_LINES_MAX && gzgets(gz, line, sizeof line) != NULL; i++) {
		size_t n = strcspn(line, "\r\n");

		hc.line = line;
		hc.len = n;
		if (kind == LOGPARSE_POWERMTA && is_powermta_header(line, n)) {
			logparse_powermta_header(&hc, a);
			break;
		}
		if (kind == LOGPARSE_EXCHANGE && is_exchange_fields(line, n)) {
			logparse_exchange_header(&hc, a, line + 9, n - 9);
			break;
		}
	}
	gzclose(gz);
}

/* A CSV record of kind: read with the file's columns. */
static int
csv_record(struct logparse_ctx *c, struct logparse_acct *a, int kind)
{
	if (!same_file(a, c->loc->file))
		new_file(a, c->loc->file);
	if (!a->have_cols || a->kind != kind)
		reread_header(c, a, kind);
	if (!a->have_cols || a->kind != kind) {
		/* Exchange's fields are fixed per version: its documented order
		 * serves; a PowerMTA file has the columns it was configured with. */
		if (kind == LOGPARSE_EXCHANGE) {
			static const char fields[] = "date-time,client-ip,client-hostname,"
			    "server-ip,server-hostname,source-context,connector-id,source,event-id,"
			    "internal-message-id,message-id,network-message-id,recipient-address,"
			    "recipient-status,total-bytes,recipient-count,related-recipient-address,"
			    "reference,message-subject,sender-address,return-path,message-info,"
			    "directionality,tenant-id,original-client-ip,original-server-ip,custom-data";

			logparse_exchange_header(c, a, fields, sizeof fields - 1);
		} else {
			if (!a->header_reported++)
				logparse_bad(c, "PowerMTA accounting record before any header line "
				    "(type,timeLogged,...): its columns are unknown");
			return BK_ERR;
		}
	}
	return kind == LOGPARSE_POWERMTA ? logparse_powermta_line(c, a) :
	    logparse_exchange_line(c, a);
}

/* ---- the dispatch ---- */

static int
wants(const struct logparse *lp, int kind)
{
	return lp->format == LOGPARSE_AUTO || (int)lp->format == kind;
}

static int
mine(const struct logparse *lp)
{
	return lp->format == LOGPARSE_POWERMTA || lp->format == LOGPARSE_EXCHANGE ||
	    lp->format == LOGPARSE_QMAIL || lp->format == LOGPARSE_HARAKA ||
	    lp->format == LOGPARSE_OPENSMTPD;
}

/* A PowerMTA record: its type first ("d", "b", "t", "tq", "r", "f", "rb",
 * "rs" or the long names; lower case, unlike a syslog month), then at least
 * three more fields. */
static int
powermta_type(const char *s, size_t n)
{
	static const char *const types[] = { "d,", "b,", "t,", "tq,", "r,", "f,", "rb,", "rs,",
		"delivery,", "bounce,", "transient,", "transient-queue,", "receipt,",
		"feedback-loop,", "remote-bounce,", "remote-status," };
	size_t commas = 0;

	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (n > strlen(types[i]) && memcmp(s, types[i], strlen(types[i])) == 0) {
			for (const char *p = s; (p = memchr(p, ',', (size_t)(s + n - p))) != NULL &&
			    commas < 3; p++)
				commas++;
			return commas >= 3;
		}
	return 0;
}

/* Haraka's "[NOTICE] [uuid] [plugin] ": a level in capitals in brackets. */
static int
haraka_level(const char *s, size_t n)
{
	size_t i = 1;

	if (n < 8 || s[0] != '[')
		return 0;
	while (i < n && i < 12 && s[i] >= 'A' && s[i] <= 'Z')
		i++;
	return i > 2 && i + 2 < n && s[i] == ']' && s[i + 1] == ' ' && s[i + 2] == '[';
}

/* The length of a stamp that Haraka or tai64nlocal put before a Haraka line
 * ("2026-11-27T10:00:00.123Z ", "2026-11-27 10:00:00.123456789  "), blanks
 * after it included; 0 if none. */
static size_t
haraka_stamp(const char *s, size_t n)
{
	size_t i;

	if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
	    s[13] != ':')
		return 0;
	for (i = 19; i < n && s[i] != ' '; i++)
		;
	while (i < n && s[i] == ' ')
		i++;
	return i < n && haraka_level(s + i, n - i) ? i : 0;
}

int
logparse_acct_line(struct logparse_ctx *c)
{
	struct logparse *lp = c->lp;
	const char *s = c->line;
	size_t n = c->len, k;

	if (n == 0)
		return -1;
	switch (s[0]) {
	case '#':
		if (wants(lp, LOGPARSE_EXCHANGE) && is_exchange_fields(s, n)) {
			struct logparse_acct *a = acct_of(lp);

			new_file(a, c->loc->file);
			return logparse_exchange_header(c, a, s + 9, n - 9);
		}
		break;
	case '@':
		if (wants(lp, LOGPARSE_QMAIL) && n > 26 && s[25] == ' ')
			return logparse_qmail_line(c, acct_of(lp), s, n);
		break;
	case '[':
		if (wants(lp, LOGPARSE_HARAKA) && haraka_level(s, n))
			return logparse_haraka_line(c, acct_of(lp), s, n);
		break;
	default:
		if (s[0] >= 'a' && s[0] <= 'z') {
			if (wants(lp, LOGPARSE_POWERMTA) && is_powermta_header(s, n)) {
				struct logparse_acct *a = acct_of(lp);

				new_file(a, c->loc->file);
				return logparse_powermta_header(c, a);
			}
			if (wants(lp, LOGPARSE_POWERMTA) && powermta_type(s, n))
				return csv_record(c, acct_of(lp), LOGPARSE_POWERMTA);
			/* qmail-send through multilog without stamps */
			if (wants(lp, LOGPARSE_QMAIL) && lp->format == LOGPARSE_QMAIL)
				return logparse_qmail_line(c, acct_of(lp), s, n);
		} else if (s[0] >= '0' && s[0] <= '9' && n > 20) {
			/* An Exchange record: its RFC 3339 stamp is the first field. */
			const char *comma = memchr(s, ',', n < 40 ? n : 40);

			if (wants(lp, LOGPARSE_EXCHANGE) && comma && s[4] == '-' && s[10] == 'T' &&
			    memchr(s, ' ', (size_t)(comma - s)) == NULL)
				return csv_record(c, acct_of(lp), LOGPARSE_EXCHANGE);
			if (wants(lp, LOGPARSE_HARAKA) && (k = haraka_stamp(s, n)) != 0) {
				/* tai64nlocal's "YYYY-MM-DD HH:MM:SS.nnnnnnnnn" has a
				 * space inside */
				c->stamp_kind = LOGPARSE_STAMP_RFC3339;
				c->stamp = s;
				c->stamp_len = k;
				while (c->stamp_len > 0 && s[c->stamp_len - 1] == ' ')
					c->stamp_len--;
				return logparse_haraka_line(c, acct_of(lp), s + k, n - k);
			}
		}
		break;
	}
	/* With -f and one of these formats, the syslog ones still need their
	 * header read; the others are done. */
	if (mine(lp) && lp->format != LOGPARSE_OPENSMTPD && lp->format != LOGPARSE_QMAIL &&
	    lp->format != LOGPARSE_HARAKA)
		return BK_OK;
	return -1;
}

/* tag is "name" or "name[pid]" */
static int
tag_is(const struct logparse_ctx *c, const char *name)
{
	size_t n = strlen(name);

	return c->tag_len >= n && strncasecmp(c->tag, name, n) == 0 &&
	    (c->tag_len == n || c->tag[n] == '[');
}

int
logparse_acct_tagged(struct logparse_ctx *c, const char *msg, size_t n)
{
	struct logparse *lp = c->lp;

	if (wants(lp, LOGPARSE_OPENSMTPD) && tag_is(c, "smtpd"))
		return logparse_opensmtpd_line(c, acct_of(lp), msg, n);
	if (wants(lp, LOGPARSE_QMAIL) && tag_is(c, "qmail"))
		return logparse_qmail_line(c, acct_of(lp), msg, n);
	if (wants(lp, LOGPARSE_HARAKA) && tag_is(c, "haraka") && haraka_level(msg, n))
		return logparse_haraka_line(c, acct_of(lp), msg, n);
	return mine(lp) ? BK_OK : -1;
}

/* ---- helpers ---- */

void
acct_start(struct logparse_ctx *c, struct event *e, const char *action, const char *source)
{
	event_init(e);
	e->action = action;
	e->source = source;
	e->origin = logparse_origin(c);
}

int
acct_rcpt(struct logparse_ctx *c, struct event *e, const char *addr, size_t n)
{
	while (n > 0 && (*addr == '<' || *addr == ' ')) {
		addr++;
		n--;
	}
	while (n > 0 && (addr[n - 1] == '>' || addr[n - 1] == ' '))
		n--;
	if (n == 0) {
		logparse_bad(c, "delivery record without a recipient address");
		return -1;
	}
	if (event_set_rcpt(e, addr, n) != 0) {
		util_locwarn(c->loc->file, c->loc->line, "not an address: \"%.*s\"",
		    (int)(n < 80 ? n : 80), addr);
		return -1;
	}
	return 0;
}

void
acct_send(struct logparse_ctx *c, struct event *e, const char *hint, int force, const char *cls)
{
	outcome_settle(e, hint, force, cls);
	c->lp->sink(c->lp->sink_arg, e);
}

int
acct_columns(struct logparse_ctx *c, struct logparse_acct *a, const char *line, size_t n,
    int kind, const char *const *names, size_t ncol, const char *unclosed)
{
	if (csv_split(&a->row, line, n, ',') != 0)
		return logparse_bad(c, unclosed);
	for (size_t i = 0; i < ncol; i++)
		a->col[i] = csv_column(&a->row, names[i]);
	a->kind = kind;
	a->have_cols = 1;
	return BK_OK;
}

const char *
acct_field(const struct logparse_acct *a, int col)
{
	const char *s = a->col[col] >= 0 ? csv_field(&a->row, (size_t)a->col[col]) : "";

	return *s ? s : NULL;
}

time_t
acct_time(const char *s)
{
	size_t n = strlen(s);
	time_t t;
	char *end;
	long long v;

	if (n == 0)
		return (time_t)-1;
	if (n >= 16 && s[4] == '-' && bktime_parse_rfc3339(s, n, &t) > 0)
		return t;
	v = strtoll(s, &end, 10);
	if (end != s && (*end == '\0' || *end == '.') && v > 0 && v < 100000000000LL)
		return (time_t)v;
	return (time_t)-1;
}

const char *
acct_kv(const char *s, size_t n, const char *key, size_t *len)
{
	size_t kl = strlen(key);
	const char *p = s, *end = s + n;

	while ((p = logparse_findn(p, (size_t)(end - p), key, kl)) != NULL) {
		const char *v = p + kl, *e;

		/* a whole key: at the start or after a blank or comma */
		if ((p == s || p[-1] == ' ' || p[-1] == ',') && v < end && *v == '=') {
			v++;
			if (v < end && *v == '"') {
				v++;
				e = memchr(v, '"', (size_t)(end - v));
				if (e == NULL)
					e = end;
			} else {
				e = v;
				while (e < end && *e != ' ' && *e != ',')
					e++;
			}
			*len = (size_t)(e - v);
			return v;
		}
		p = v;
	}
	return NULL;
}

/* ---- the two-generation table ---- */

void
acct_recent_init(struct acct_recent *r, size_t cap)
{
	memset(r, 0, sizeof *r);
	r->cap = cap;
}

struct hmap_entry *
acct_recent_get(struct acct_recent *r, const char *key, size_t len)
{
	struct hmap_entry *e = hmap_get(&r->gen[0], key, len);

	return e ? e : hmap_get(&r->gen[1], key, len);
}

struct hmap_entry *
acct_recent_put(struct acct_recent *r, const char *key, size_t len)
{
	struct hmap_entry *e = hmap_get(&r->gen[0], key, len), *old;
	void *val = NULL;

	if (e)
		return e;
	if ((old = hmap_get(&r->gen[1], key, len)) != NULL) {
		/* still in use: moved on into the current generation */
		val = old->val;
		old->val = NULL;
	}
	if (r->gen[0].count >= r->cap) {
		hmap_free(&r->gen[1], free);
		r->gen[1] = r->gen[0];
		memset(&r->gen[0], 0, sizeof r->gen[0]);
	}
	e = hmap_put(&r->gen[0], key, len, NULL);
	e->val = val;
	return e;
}

void
acct_recent_free(struct acct_recent *r)
{
	hmap_free(&r->gen[0], free);
	hmap_free(&r->gen[1], free);
}
