/* logparse: the line dispatcher (time stamp, syslog header, format) and the
 * helpers that the format parsers share. The per-queue-id memory:
 * logparse_mem.c.
 * "QID: key=value" lines: logparse_qid.c (Postfix: logparse_postfix.c,
 * Sendmail: logparse_sendmail.c); Exim stamps, ids and lines: logparse_exim.c. */
#include "logparse.h"
#include "logparse_acct.h"
#include "logparse_int.h"
#include "util.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The syslog header ("host program[pid]: ") is looked for this far only. */
#define HEADER_MAX 512

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
	lp->state->mem = logparse_mem_new();
	lp->state->latest = (time_t)-1;
}

void
logparse_free(struct logparse *lp)
{
	struct logparse_state *st = lp->state;

	logparse_acct_free(lp);
	if (st == NULL)
		return;
	logparse_mem_free(st->mem);
	util_buf_free(&st->fields.origin);
	util_buf_free(&st->keep);
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
	if (t != (time_t)-1 && t > c->lp->state->latest)
		c->lp->state->latest = t;
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

/* ---- the dispatcher ---- */

/* The length of a stamp at p of at least k bytes: up to the next blank
 * (fractions, a zone). */
static size_t
stamp_end(const char *p, size_t k, const char *end)
{
	while (p + k < end && p[k] != ' ')
		k++;
	return k;
}

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
	int r;

	memset(&c, 0, sizeof c);
	c.lp = lp;
	c.loc = loc;
	c.line = line;
	c.len = len;
	/* PowerMTA, Exchange, qmail, Haraka lines without a syslog header */
	if ((r = logparse_acct_line(&c)) >= 0)
		return r;
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
		c.stamp_len = k = stamp_end(p, 15, end);
	} else if (end - p >= 19 && p[4] == '-' && (p[10] == 'T' || p[10] == 't') &&
	    p[0] >= '0' && p[0] <= '9') {
		c.stamp_kind = LOGPARSE_STAMP_RFC3339;
		c.stamp = p;
		c.stamp_len = k = stamp_end(p, 19, end);
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
			c.stamp_len = k = stamp_end(p, k, end);
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
	/* OpenSMTPD, qmail and Haraka through syslog */
	if ((r = logparse_acct_tagged(&c, msg, (size_t)(end - msg))) >= 0)
		return r;
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
