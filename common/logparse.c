/* logparse: the line dispatcher (time stamp, syslog header, format), the
 * helpers that the format parsers share and the bounded per-queue-id memory.
 * "QID: key=value" lines: logparse_qid.c (Postfix: logparse_postfix.c,
 * Sendmail: logparse_sendmail.c); Exim stamps, ids and lines: logparse_exim.c. */
#include "logparse.h"
#include "logparse_int.h"
#include "util.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* At most this many queue ids are remembered; past it the oldest go first. A
 * busy server has far fewer messages in flight. */
#define QID_CAP 100000
#define QID_BUCKETS_MIN 1024	/* powers of two: the table grows with the ids in it, */
#define QID_BUCKETS_MAX 131072	/* so that a small one stays in the cache */
/* Deferred recipients remembered per message (for expiry), in bytes. */
#define DEFERRED_CAP 4096
/* Of each deferred recipient's last reply text, kept to say why it expired. */
#define DEFERRED_DIAG_MAX 300
/* The syslog header ("host program[pid]: ") is looked for this far only. */
#define HEADER_MAX 512

/* A remembered string: short ones inline, so that a busy log costs no malloc. */
struct qstr {
	char *heap;
	char inl[88];
};

struct qent {
	struct qent *hnext;		/* hash chain */
	struct qent *older, *newer;	/* age list */
	size_t hash;			/* of qid, compared before the bytes */
	unsigned char qlen;
	char qid[LOGPARSE_QID_MAX];
	struct qstr from, msgid;
	struct util_buf deferred;	/* "rcpt\0status\0" pairs */
};

struct logparse_state {
	struct qent **buckets;
	size_t nbuckets, count;
	struct qent *oldest, *newest;
	struct qent *spare;		/* freed entries, reused */
	struct logparse_fields fields;
	/* The syslog stamp last read and its time: lines of the same second
	 * come in runs. Only a stamp read without error is kept. */
	char stamp[32];
	size_t stamp_len;
	time_t stamp_time;
	struct logparse_exim_clock exim_clock;
};

void
logparse_init(struct logparse *lp, enum logparse_format format, int year, time_t now,
    event_sink sink, void *sink_arg)
{
	memset(lp, 0, sizeof *lp);
	lp->format = format;
	bktime_syslog_init(&lp->stamps, year, now);
	lp->sink = sink;
	lp->sink_arg = sink_arg;
	lp->state = util_xcalloc(1, sizeof *lp->state);
	lp->state->nbuckets = QID_BUCKETS_MIN;
	lp->state->buckets = util_xcalloc(QID_BUCKETS_MIN, sizeof *lp->state->buckets);
	lp->state->exim_clock.hour_key = -1;
}

static void
qstr_set(struct qstr *q, const char *s, size_t n)
{
	char buf[LOGPARSE_FIELD_MAX];

	free(q->heap);
	q->heap = NULL;
	if (n < sizeof q->inl) {
		logparse_copy(q->inl, sizeof q->inl, s, n);
	} else {
		q->inl[0] = '\0';
		q->heap = util_xstrdup(logparse_copy(buf, sizeof buf, s, n));
	}
}

static const char *
qstr_get(const struct qstr *q)
{
	const char *s = q->heap ? q->heap : q->inl;

	return s[0] ? s : NULL;
}

static void
qstr_clear(struct qstr *q)
{
	free(q->heap);
	q->heap = NULL;
	q->inl[0] = '\0';
}

static void
qent_free(struct qent *q)
{
	qstr_clear(&q->from);
	qstr_clear(&q->msgid);
	util_buf_free(&q->deferred);
	free(q);
}

void
logparse_free(struct logparse *lp)
{
	struct logparse_state *st = lp->state;
	struct qent *q, *next;

	if (st == NULL)
		return;
	for (q = st->oldest; q; q = next) {
		next = q->newer;
		qent_free(q);
	}
	for (q = st->spare; q; q = next) {
		next = q->hnext;
		qent_free(q);
	}
	util_buf_free(&st->fields.origin);
	free(st->buckets);
	free(st);
	lp->state = NULL;
}

/* ---- small helpers ---- */

const char *
logparse_findn(const char *s, size_t n, const char *needle, size_t m)
{
	const char *p = s, *end = s + n;

	/* memchr on the first byte, then a compare of a short constant: linear. */
	while ((size_t)(end - p) >= m) {
		size_t i = 1;

		p = memchr(p, needle[0], (size_t)(end - p) - m + 1);
		if (p == NULL)
			return NULL;
		while (i < m && p[i] == needle[i])
			i++;
		if (i == m)
			return p;
		p++;
	}
	return NULL;
}

char *
logparse_copy(char *dst, size_t cap, const char *s, size_t n)
{
	size_t j = 0;

	if (n > cap - 1)
		n = cap - 1;
	if (memchr(s, '\0', n) == NULL) {
		memcpy(dst, s, n);
		j = n;
	} else {
		for (size_t i = 0; i < n; i++)
			if (s[i] != '\0')
				dst[j++] = s[i];
	}
	dst[j] = '\0';
	return dst;
}

int
logparse_host(char *dst, size_t cap, const char *s, size_t n)
{
	size_t i = 0, end;

	while (i < n && s[i] != '[' && s[i] != ' ' && s[i] != ',' && s[i] != ':')
		i++;
	end = i;
	while (end > 0 && s[end - 1] == '.')
		end--;
	if (end > 0) {
		logparse_copy(dst, cap, s, end);
		return 0;
	}
	/* "[192.0.2.1]": the address is all there is */
	while (i < n && s[i] == ' ')
		i++;
	if (i < n && s[i] == '[') {
		const char *close = memchr(s + i, ']', n - i);

		if (close && close > s + i + 1) {
			logparse_copy(dst, cap, s + i + 1, (size_t)(close - s - i - 1));
			return 0;
		}
	}
	return -1;
}

time_t
logparse_time(struct logparse_ctx *c)
{
	time_t t = (time_t)-1;

	if (c->have_time)
		return c->time;
	switch (c->stamp_kind) {
	case LOGPARSE_STAMP_SYSLOG: {
		struct logparse_state *st = c->lp->state;

		/* The same bytes as the last stamp read give the same time: that
		 * read left the year inference as this one would. */
		if (c->stamp_len == st->stamp_len && c->stamp_len > 0 &&
		    memcmp(c->stamp, st->stamp, c->stamp_len) == 0) {
			t = st->stamp_time;
			break;
		}
		st->stamp_len = 0;
		if (bktime_parse_syslog(&c->lp->stamps, c->stamp, c->stamp_len, &t) == 0)
			t = (time_t)-1;
		else if (c->stamp_len <= sizeof st->stamp) {
			memcpy(st->stamp, c->stamp, c->stamp_len);
			st->stamp_len = c->stamp_len;
			st->stamp_time = t;
		}
		break;
	}
	case LOGPARSE_STAMP_RFC3339:
		if (bktime_parse_rfc3339(c->stamp, c->stamp_len, &t) == 0)
			t = (time_t)-1;
		break;
	case LOGPARSE_STAMP_EXIM:
		t = logparse_exim_time(&c->lp->state->exim_clock, c->stamp, c->stamp_len);
		break;
	default:
		break;
	}
	c->have_time = 1;
	c->time = t;
	return t;
}

int
logparse_check_time(struct logparse_ctx *c)
{
	if (logparse_time(c) == (time_t)-1 && c->stamp_kind != LOGPARSE_STAMP_NONE) {
		logparse_bad(c, "delivery line with an unreadable time stamp");
		return -1;
	}
	return 0;
}

struct logparse_fields *
logparse_fields(struct logparse *lp)
{
	struct logparse_fields *f = &lp->state->fields;

	f->qid[0] = f->rhost[0] = f->diag[0] = f->from[0] = f->msgid[0] = f->orig[0] = '\0';
	return f;
}

const char *
logparse_origin(struct logparse_ctx *c)
{
	struct util_buf *b = &c->lp->state->fields.origin;
	char num_buf[24];
	size_t i = sizeof num_buf;
	unsigned long line = c->loc->line;

	/* by hand: this runs for every outcome, printf is slow */
	do
		num_buf[--i] = (char)('0' + line % 10);
	while ((line /= 10) != 0 && i > 1);
	num_buf[--i] = ':';
	util_buf_reset(b);
	util_buf_adds(b, c->loc->file);
	util_buf_add(b, num_buf + i, sizeof num_buf - i);
	return util_buf_str(b);
}

int
logparse_bad(struct logparse_ctx *c, const char *what)
{
	util_locwarn(c->loc->file, c->loc->line, "%s", what);
	return BK_ERR;
}

/* ---- per-queue-id memory ---- */

static size_t
qid_hash(const char *s, size_t n)
{
	size_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static struct qent **
qid_slot(struct logparse_state *st, const char *qid, size_t n)
{
	size_t h = qid_hash(qid, n);
	struct qent **pp = &st->buckets[h & (st->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->hnext)
		if ((*pp)->hash == h && (*pp)->qlen == n && memcmp((*pp)->qid, qid, n) == 0)
			return pp;
	return pp;
}

static void
qent_unlink(struct logparse_state *st, struct qent **slot)
{
	struct qent *q = *slot;

	*slot = q->hnext;
	if (q->older)
		q->older->newer = q->newer;
	else
		st->oldest = q->newer;
	if (q->newer)
		q->newer->older = q->older;
	else
		st->newest = q->older;
	qstr_clear(&q->from);
	qstr_clear(&q->msgid);
	util_buf_reset(&q->deferred);
	q->hnext = st->spare;
	st->spare = q;
	st->count--;
}

/* Doubles the table when it holds more ids than buckets. */
static void
qid_grow(struct logparse_state *st)
{
	size_t n = st->nbuckets * 2;
	struct qent **b, *q, *next;

	if (st->count < st->nbuckets || n > QID_BUCKETS_MAX)
		return;
	b = util_xcalloc(n, sizeof *b);
	for (size_t i = 0; i < st->nbuckets; i++)
		for (q = st->buckets[i]; q; q = next) {
			next = q->hnext;
			q->hnext = b[q->hash & (n - 1)];
			b[q->hash & (n - 1)] = q;
		}
	free(st->buckets);
	st->buckets = b;
	st->nbuckets = n;
}

static struct qent *
qid_get(struct logparse *lp, const char *qid, size_t n, int create)
{
	struct logparse_state *st = lp->state;
	struct qent **slot, *q;

	if (n == 0 || n >= LOGPARSE_QID_MAX)
		return NULL;
	slot = qid_slot(st, qid, n);
	if (*slot || !create)
		return *slot;
	if (st->count >= QID_CAP) {
		struct qent *old = st->oldest;

		qent_unlink(st, qid_slot(st, old->qid, old->qlen));
		slot = qid_slot(st, qid, n);	/* the chain may have changed */
	}
	if (st->count >= st->nbuckets) {
		qid_grow(st);
		slot = qid_slot(st, qid, n);
	}
	if ((q = st->spare) != NULL)
		st->spare = q->hnext;
	else
		q = util_xcalloc(1, sizeof *q);
	memcpy(q->qid, qid, n);
	q->qid[n] = '\0';
	q->qlen = (unsigned char)n;
	q->hash = qid_hash(qid, n);
	q->hnext = NULL;
	q->newer = NULL;
	q->older = st->newest;
	if (st->newest)
		st->newest->newer = q;
	else
		st->oldest = q;
	st->newest = q;
	*slot = q;
	st->count++;
	return q;
}

void
logparse_remember(struct logparse *lp, const char *qid, size_t qlen, const char *from,
    size_t flen, const char *msgid, size_t mlen)
{
	struct qent *q = qid_get(lp, qid, qlen, 1);

	if (q == NULL)
		return;
	if (from)
		qstr_set(&q->from, from, flen);
	if (msgid)
		qstr_set(&q->msgid, msgid, mlen);
}

void
logparse_recall(struct logparse *lp, const char *qid, size_t qlen, const char **from,
    const char **msgid)
{
	struct qent *q = qid_get(lp, qid, qlen, 0);

	*from = q ? qstr_get(&q->from) : NULL;
	*msgid = q ? qstr_get(&q->msgid) : NULL;
}

void
logparse_forget(struct logparse *lp, const char *qid, size_t qlen)
{
	struct qent **slot;

	if (qlen == 0 || qlen >= LOGPARSE_QID_MAX)
		return;
	slot = qid_slot(lp->state, qid, qlen);
	if (*slot)
		qent_unlink(lp->state, slot);
}

/* The deferred list of a queue id: "rcpt\0status\0diag\0" triples. */

/* The length of the triple at b->p + i. */
static size_t
deferred_len(const struct util_buf *b, size_t i)
{
	size_t rl = strlen(b->p + i), sl = strlen(b->p + i + rl + 1);

	return rl + sl + strlen(b->p + i + rl + sl + 2) + 3;
}

/* Offset of rcpt in the deferred list, or -1. */
static long
deferred_find(const struct util_buf *b, const char *rcpt)
{
	for (size_t i = 0; i < b->len; i += deferred_len(b, i))
		if (strcmp(b->p + i, rcpt) == 0)
			return (long)i;
	return -1;
}

static void
deferred_remove(struct util_buf *b, long at)
{
	size_t i = (size_t)at, n = deferred_len(b, i);

	memmove(b->p + i, b->p + i + n, b->len - i - n);
	b->len -= n;
}

void
logparse_track(struct logparse *lp, const char *qid, size_t qlen, const char *rcpt,
    const char *deferred_status, const char *deferred_diag, struct logparse_fields *f,
    const char **from, const char **msgid)
{
	size_t dl = deferred_diag ? strlen(deferred_diag) : 0;
	struct qent *q = qid_get(lp, qid, qlen, deferred_status != NULL);
	const char *s;
	long at;

	*from = *msgid = NULL;
	if (q == NULL)
		return;
	if ((s = qstr_get(&q->from)) != NULL)
		*from = logparse_copy(f->from, sizeof f->from, s, strlen(s));
	if ((s = qstr_get(&q->msgid)) != NULL)
		*msgid = logparse_copy(f->msgid, sizeof f->msgid, s, strlen(s));
	if (q->deferred.len && (at = deferred_find(&q->deferred, rcpt)) >= 0)
		deferred_remove(&q->deferred, at);
	/* The reply text a few lines long at most, cut at a character. */
	if (dl > DEFERRED_DIAG_MAX) {
		dl = DEFERRED_DIAG_MAX;
		while (dl > 0 && ((unsigned char)deferred_diag[dl] & 0xc0) == 0x80)
			dl--;
	}
	/* A full list keeps the recipient and its status all the same. */
	if (deferred_status && q->deferred.len + strlen(rcpt) + strlen(deferred_status) + dl + 3 >
	    DEFERRED_CAP)
		dl = 0;
	if (deferred_status && q->deferred.len + strlen(rcpt) + strlen(deferred_status) + 3 <=
	    DEFERRED_CAP) {
		util_buf_add(&q->deferred, rcpt, strlen(rcpt) + 1);
		util_buf_add(&q->deferred, deferred_status, strlen(deferred_status) + 1);
		util_buf_add(&q->deferred, deferred_diag ? deferred_diag : "", dl);
		util_buf_addc(&q->deferred, '\0');
	}
}

void
logparse_note_done(struct logparse *lp, const char *qid, size_t qlen, const char *rcpt)
{
	struct qent *q = qid_get(lp, qid, qlen, 0);
	long at;

	if (q && q->deferred.len && (at = deferred_find(&q->deferred, rcpt)) >= 0)
		deferred_remove(&q->deferred, at);
}

void
logparse_take_deferred(struct logparse *lp, const char *qid, size_t qlen,
    void (*fn)(void *arg, const char *rcpt, const char *status, const char *diag), void *arg)
{
	struct qent *q = qid_get(lp, qid, qlen, 0);
	struct util_buf list;
	size_t i = 0;

	if (q == NULL || q->deferred.len == 0)
		return;
	/* Taken out first: fn may change the memory. */
	list = q->deferred;
	memset(&q->deferred, 0, sizeof q->deferred);
	while (i < list.len) {
		const char *rcpt = list.p + i, *status = rcpt + strlen(rcpt) + 1;
		const char *diag = status + strlen(status) + 1;

		fn(arg, rcpt, status, diag);
		i = (size_t)(diag - list.p) + strlen(diag) + 1;
	}
	util_buf_free(&list);
}

/* ---- the dispatcher ---- */

static int
is_month(const char *s)
{
	/* every line comes here: a switch rather than twelve compares */
	switch (s[0]) {
	case 'J':
		return (s[1] == 'a' && s[2] == 'n') || (s[1] == 'u' && (s[2] == 'n' || s[2] == 'l'));
	case 'F':
		return s[1] == 'e' && s[2] == 'b';
	case 'M':
		return s[1] == 'a' && (s[2] == 'r' || s[2] == 'y');
	case 'A':
		return (s[1] == 'p' && s[2] == 'r') || (s[1] == 'u' && s[2] == 'g');
	case 'S':
		return s[1] == 'e' && s[2] == 'p';
	case 'O':
		return s[1] == 'c' && s[2] == 't';
	case 'N':
		return s[1] == 'o' && s[2] == 'v';
	case 'D':
		return s[1] == 'e' && s[2] == 'c';
	default:
		return 0;
	}
}

/* Just after the last space in [from, to), or from without one: eight bytes
 * a step (every line's program name is looked for this way). */
static const char *
after_last_space(const char *from, const char *to)
{
	const char *t = to;

	while (t - from >= 8) {
		uint64_t w, x;

		memcpy(&w, t - 8, 8);
		x = w ^ 0x2020202020202020ULL;	/* a space becomes a zero byte */
		if (((x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL) != 0)
			break;
		t -= 8;
	}
	while (t > from && t[-1] != ' ')
		t--;
	return t;
}

int
logparse_line(struct logparse *lp, const struct input_loc *loc, const char *line, size_t len)
{
	struct logparse_ctx c;
	const char *p = line, *end = line + len, *colon, *msg, *t;
	size_t k, win;

	memset(&c, 0, sizeof c);
	c.lp = lp;
	c.loc = loc;
	c.line = line;
	c.len = len;
	/* "<22>" priority of raw syslog */
	if (len > 3 && p[0] == '<' && p[1] >= '0' && p[1] <= '9') {
		k = 1;
		while (k < 5 && k < len && p[k] >= '0' && p[k] <= '9')
			k++;
		if (k < len && p[k] == '>') {
			p += k + 1;
			/* RFC 5424: "<22>1 2026-11-27T10:00:00Z host app pid msgid - msg" */
			if (end - p > 2 && p[0] == '1' && p[1] == ' ')
				p += 2;
		}
	}
	if (end - p >= 15 && p[3] == ' ' && p[6] == ' ' && p[9] == ':' && is_month(p)) {
		c.stamp_kind = LOGPARSE_STAMP_SYSLOG;
		c.stamp = p;
		k = 15;
		while (p + k < end && p[k] != ' ')
			k++;
		c.stamp_len = k;
	} else if (end - p >= 19 && p[4] == '-' && (p[10] == 'T' || p[10] == 't') &&
	    p[0] >= '0' && p[0] <= '9') {
		c.stamp_kind = LOGPARSE_STAMP_RFC3339;
		c.stamp = p;
		k = 19;
		while (p + k < end && p[k] != ' ')
			k++;
		c.stamp_len = k;
	} else if ((k = logparse_exim_stamp(p, (size_t)(end - p))) != 0) {
		const char *m = p + k + 1;

		c.stamp_kind = LOGPARSE_STAMP_EXIM;
		c.stamp = p;
		c.stamp_len = k;
		if (p + k < end && p[k] == ' ' && ((end - m > 7 && m[6] == '-' &&
		    logparse_exim_id(m, (size_t)(end - m)) != 0) || (m < end && m[0] == '[')))
			return logparse_exim_message(&c, m, (size_t)(end - m));
		if (p + k < end && (p[k] == '+' || p[k] == '-' || p[k] == 'Z')) {
			/* "2026-11-27 10:00:00+01:00 host ...": RFC 3339 with a space */
			c.stamp_kind = LOGPARSE_STAMP_RFC3339;
			while (p + k < end && p[k] != ' ')
				k++;
			c.stamp_len = k;
		}
		/* else a syslog header after a local "YYYY-MM-DD HH:MM:SS" */
	} else {
		c.stamp_kind = LOGPARSE_STAMP_NONE;
		k = 0;
	}
	/* syslog header: "host program[pid]: " */
	p += k;
	win = (size_t)(end - p) < HEADER_MAX ? (size_t)(end - p) : HEADER_MAX;
	if ((colon = logparse_find(p, win, ": ")) == NULL)
		return BK_OK;
	t = after_last_space(p, colon);
	c.tag = t;
	c.tag_len = (size_t)(colon - t);
	msg = colon + 2;
	/* Exim through syslog, maybe with its own stamp still in the message */
	if (msg < end && msg[0] >= '0' && msg[0] <= '9' &&
	    (k = logparse_exim_stamp(msg, (size_t)(end - msg))) != 0 && msg + k < end &&
	    msg[k] == ' ')
		msg += k + 1;
	if ((end - msg > 7 && msg[6] == '-' && logparse_exim_id(msg, (size_t)(end - msg)) != 0) ||
	    (msg < end && msg[0] == '[' && logparse_exim_pid_len(msg, (size_t)(end - msg)) != 0))
		return logparse_exim_message(&c, msg, (size_t)(end - msg));
	/* No program before the queue id (RFC 5424 "... - - QID: to=", or a bare
	 * message): the word before ": " is the queue id itself. */
	if (c.tag_len > 0 && c.tag[c.tag_len - 1] != ']' && end - msg > 3 &&
	    (logparse_prefix(msg, (size_t)(end - msg), "to=") ||
	    logparse_prefix(msg, (size_t)(end - msg), "from=") ||
	    logparse_prefix(msg, (size_t)(end - msg), "message-id=") ||
	    logparse_prefix(msg, (size_t)(end - msg), "removed") ||
	    logparse_prefix(msg, (size_t)(end - msg), "status=")))
		return logparse_qid_line(&c, c.tag, (size_t)(end - c.tag));
	return logparse_qid_line(&c, msg, (size_t)(end - msg));
}

int
logparse_looks_like_log(const char *line, size_t len)
{
	if (len >= 15 && line[3] == ' ' && is_month(line))
		return 1;
	if (len >= 19 && line[4] == '-' && isdigit((unsigned char)line[0]))
		return 1;
	return len > 0 && (isdigit((unsigned char)line[0]) || isupper((unsigned char)line[0]));
}
