/* webhook: ESP event JSON -> event records: the value scanner, the dispatch to
 * the providers (webhook_<provider>.c) and the helpers they share.
 *
 * The input is a stream of JSON values: one object a line, a JSON array, or
 * values pretty-printed over many lines. A small scanner follows the nesting
 * (brackets outside strings) so that each value is parsed once, when its last
 * bracket arrives; the elements of a top-level array are parsed one by one, so
 * memory grows with the largest event, never with the file. */
#include "webhook.h"
#include "webhook_int.h"
#include "bktime.h"
#include "mime.h"
#include "outcome.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The largest single value (event, or array nested in the top-level one). */
#define WEBHOOK_VALUE_MAX ((size_t)64 << 20)

enum scan { SCAN_TOP, SCAN_ELEM, SCAN_SEP, SCAN_VALUE };

struct webhook {
	enum webhook_format format;
	const char *name;
	event_sink sink;
	void *arg;
	enum scan state;
	int in_array;		/* the value being read is an element of a top-level array */
	size_t depth;		/* brackets open in the value being read */
	int in_string, escape;
	int resync;		/* after an error: skip lines until one starts a value */
	int resync_array;	/* the error was inside a top-level array */
	int unknown_reported;
	struct util_buf val;	/* the value being read */
	struct jtree tree, inner;	/* the value parsed; JSON inside its strings */
	struct util_buf scratch;	/* text a provider puts together for an event */
	unsigned long val_line, last_line;
	struct util_buf origin;
	unsigned long origin_line;	/* the line origin was made for */
	int skip_delivered;
};

struct webhook *
webhook_new(enum webhook_format f, const char *name, event_sink sink, void *arg)
{
	struct webhook *w = util_xcalloc(1, sizeof *w);

	w->format = f;
	w->name = name;
	w->sink = sink;
	w->arg = arg;
	jtree_init(&w->tree);
	jtree_init(&w->inner);
	return w;
}

void
webhook_skip_delivered(struct webhook *w, int skip)
{
	w->skip_delivered = skip;
}

int
webhook_skips(const struct webhook_ctx *c, const char *action)
{
	return c->w->skip_delivered && strcmp(action, "delayed") != 0 &&
	    strcmp(action, "failed") != 0;
}

/* ---- small helpers over parsed values ---- */

int
webhook_str_is(const struct jnode *o, const char *key, const char *want)
{
	const char *s = webhook_str(o, key);

	return s && strcasecmp(s, want) == 0;
}

const char *
webhook_str_of(const struct jnode *o, const char *const *keys, size_t n)
{
	const char *s = NULL;

	for (size_t i = 0; i < n && s == NULL; i++)
		s = webhook_str(o, keys[i]);
	return s;
}

int
webhook_has_any(const struct jnode *o, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (webhook_get(o, keys[i]) != NULL)
			return 1;
	return 0;
}

int
webhook_event_email(const struct jnode *o)
{
	return jtree_is(webhook_get(o, "event"), JT_STR) && jtree_is(webhook_get(o, "email"), JT_STR);
}

long long
webhook_int(const struct jnode *v, long long def)
{
	if (jtree_is(v, JT_INT))
		return v->i;
	/* Out of range (or NaN), the conversion is undefined behaviour. */
	if (jtree_is(v, JT_REAL) && v->d > -9.2e18 && v->d < 9.2e18)
		return (long long)v->d;
	return def;
}

time_t
webhook_time(const struct jnode *v)
{
	const char *s;
	char *end;
	double d;

	if (jtree_is(v, JT_INT))
		return (time_t)v->i;
	if (jtree_is(v, JT_REAL)) {
		/* The range of the digits below; out of it the cast is undefined. */
		d = v->d;
		return d > 0 && d < 1e11 ? (time_t)d : (time_t)-1;
	}
	if ((s = jtree_str(v)) != NULL && *s) {
		long long secs = 0;
		const char *p = s;
		time_t t;

		/* Epoch seconds in digits (SparkPost, CSV exports): no float parse */
		while (*p >= '0' && *p <= '9' && secs < 100000000000LL)
			secs = secs * 10 + (*p++ - '0');
		if (*p == '\0' && secs > 0 && secs < 100000000000LL)
			return (time_t)secs;
		if (bktime_parse_rfc3339(s, strlen(s), &t) > 0)
			return t;
		d = strtod(s, &end);
		if (end != s && *end == '\0' && d > 0 && d < 1e11)
			return (time_t)d;
		/* "Fri, 21 Oct 2011 11:02:55 GMT" (Mailgun's lists) */
		if (mime_parse_date(s, strlen(s), &t) == 0)
			return t;
	}
	return (time_t)-1;
}

time_t
webhook_time_ms(const struct jnode *v)
{
	if (jtree_is(v, JT_INT) && v->i > 100000000000LL)
		return (time_t)(v->i / 1000);
	if (jtree_is(v, JT_REAL) && v->d > 1e11 && v->d < 1e14)
		return (time_t)(v->d / 1000);
	return webhook_time(v);
}

const struct webhook_kind *
webhook_kind_find(const struct webhook_kind *tab, size_t n, const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (strcasecmp(tab[i].name, name) == 0)
			return &tab[i];
	return NULL;
}

int
webhook_each(struct webhook_ctx *c, const struct jnode *list,
    int (*fn)(struct webhook_ctx *c, const struct jnode *o))
{
	const struct jnode *it;
	int n = 0, r;

	jtree_foreach(list, it) {
		if ((r = fn(c, it)) > 0)
			n += r;
		else if (r == WEBHOOK_MAP_UNKNOWN)
			return r;
	}
	return n;
}

const char *
webhook_skip_type(const char *s, const char *type)
{
	size_t n = strlen(type);

	if (s && strncasecmp(s, type, n) == 0 && s[n] == ';') {
		s += n + 1;
		while (*s == ' ' || *s == '\t')
			s++;
	}
	return s && *s ? s : NULL;
}

/* ---- building and handing out events ---- */

struct util_buf *
webhook_scratch(struct webhook_ctx *c)
{
	util_buf_reset(&c->w->scratch);
	return &c->w->scratch;
}

void
webhook_ev_start(struct webhook_ctx *c, struct event *e, const char *action)
{
	event_init(e);
	e->action = action;
	e->source = c->source;
	/* "file:line", by hand: this runs for every event */
	if (c->w->origin_line != c->line || c->w->origin.len == 0) {
		char num[24];
		size_t i = sizeof num;
		unsigned long line = c->line;

		do
			num[--i] = (char)('0' + line % 10);
		while ((line /= 10) != 0 && i > 1);
		num[--i] = ':';
		util_buf_reset(&c->w->origin);
		util_buf_adds(&c->w->origin, c->w->name);
		util_buf_add(&c->w->origin, num + i, sizeof num - i);
		c->w->origin_line = c->line;
	}
	e->origin = util_buf_str(&c->w->origin);
}

int
webhook_ev_rcpt(struct webhook_ctx *c, struct event *e, const char *addr)
{
	if (addr == NULL) {
		util_locwarn(c->w->name, c->line, "%s event without a recipient address",
		    c->source);
		c->status = BK_ERR;
		return -1;
	}
	if (event_set_rcpt(e, addr, strlen(addr)) != 0) {
		util_locwarn(c->w->name, c->line, "not an address: \"%.80s\"", addr);
		c->status = BK_ERR;
		return -1;
	}
	return 0;
}

void
webhook_ev_status(struct event *e, const char *s)
{
	char st[STATUS_MAX];

	if (s && status_parse(s, strlen(s), st) == 0)
		memcpy(e->status, st, sizeof st);
}

void
webhook_ev_ids(struct event *e, const char *msgid, const char *qid)
{
	e->msgid = msgid ? msgid : qid;
	e->qid = msgid ? qid : NULL;
}

void
webhook_ev_code(struct event *e, const struct jnode *v)
{
	long long n = jtree_is(v, JT_INT) ? v->i :
	    jtree_is(v, JT_STR) ? atoll(jtree_str(v)) : 0;

	/* Providers use codes of their own (Mailgun's 605): only SMTP replies. */
	if (n >= 200 && n <= 599)
		e->code = (int)n;
}

int
webhook_ev_send(struct webhook_ctx *c, struct event *e, const char *hint, int force,
    const char *cls)
{
	outcome_settle(e, hint, force, cls);
	c->w->sink(c->w->arg, e);
	return 1;
}

int
webhook_ev_send_kind(struct webhook_ctx *c, struct event *e, const struct webhook_kind *k)
{
	return k ? webhook_ev_send(c, e, k->reason, k->force, k->cls) :
	    webhook_ev_send(c, e, NULL, 0, NULL);
}

int
webhook_list_entry(struct webhook_ctx *c, const char *addr, time_t when, const char *diag,
    const char *status, const struct jnode *code, const char *hint, int force, const char *cls)
{
	struct event e;

	webhook_ev_start(c, &e, "failed");
	if (webhook_ev_rcpt(c, &e, addr) != 0)
		return WEBHOOK_MAP_ERR;
	e.time = when;
	e.diag = diag;
	webhook_ev_status(&e, status);
	webhook_ev_code(&e, code);
	return webhook_ev_send(c, &e, hint, force, cls);
}

/* ---- dispatch ---- */

/* In the order they are tried: the first whose keys match takes the object.
 * KumoMTA's log records come first, being the most numerous; Brevo and
 * Mailjet events have SendGrid's "event" and "email" and more, so they come
 * before it. */
static const struct webhook_provider *const providers[] = {
	&webhook_kumomta, &webhook_ses, &webhook_mailgun, &webhook_postal, &webhook_resend,
	&webhook_sparkpost, &webhook_mandrill, &webhook_brevo, &webhook_mailjet, &webhook_sendgrid,
	&webhook_postmark, &webhook_mailersend, &webhook_azure, &webhook_smtp2go,
};

static const char *
format_name(enum webhook_format f)
{
	for (size_t i = 0; i < sizeof providers / sizeof providers[0]; i++)
		if (providers[i]->format == f)
			return providers[i]->name;
	return "";
}

const struct webhook_provider *
webhook_provider_of(const struct jnode *o, enum webhook_format f)
{
	if (jtree_is(o, JT_OBJ))
		for (size_t i = 0; i < sizeof providers / sizeof providers[0]; i++)
			if ((f == WEBHOOK_AUTO || f == providers[i]->format) && providers[i]->is(o))
				return providers[i];
	return NULL;
}

static int
dispatch(struct webhook *w, const struct jnode *v, unsigned long line, int depth)
{
	struct webhook_ctx c = { w, &w->inner, w->name, line, NULL, BK_OK };
	enum webhook_format f = w->format;
	const struct webhook_provider *p;
	const struct jnode *el;
	int r = WEBHOOK_MAP_UNKNOWN, status = BK_OK;

	if (jtree_is(v, JT_ARR) && depth == 0) {
		jtree_foreach(v, el)
			status = input_worse(status, dispatch(w, el, line, depth + 1));
		return status;
	}
	if ((p = webhook_provider_of(v, f)) != NULL) {
		c.source = p->name;
		r = p->map(&c, v);
	}
	if (r == WEBHOOK_MAP_UNKNOWN) {
		/* Once per file: a feed of some other kind would repeat it on every line. */
		if (!w->unknown_reported++)
			util_locwarn(w->name, line, "not a known webhook event%s%s "
			    "(reported once per file; such values are skipped)",
			    f == WEBHOOK_AUTO ? "" : " of ", format_name(f));
		return BK_ERR;
	}
	if (r == WEBHOOK_MAP_ERR)
		return BK_ERR;
	return c.status;
}

/* ---- the scanner ---- */

static void
scan_reset(struct webhook *w)
{
	w->state = SCAN_TOP;
	w->in_array = 0;
	w->depth = 0;
	w->in_string = w->escape = 0;
	util_buf_reset(&w->val);
}

static int
scan_fail(struct webhook *w, unsigned long line, const char *what)
{
	int in_array = w->state == SCAN_ELEM || w->state == SCAN_SEP ||
	    (w->state == SCAN_VALUE && w->in_array);

	util_locwarn(w->name, line, "%s", what);
	scan_reset(w);
	w->resync = 1;
	w->resync_array = in_array;
	return BK_ERR;
}

static int
value_done(struct webhook *w)
{
	json_error_t err;
	const struct jnode *v;
	int status;

	v = jtree_parse(&w->tree, w->val.p, w->val.len, &err);
	w->state = w->in_array ? SCAN_SEP : SCAN_TOP;
	util_buf_reset(&w->val);
	if (v == NULL) {
		util_locwarn(w->name, w->val_line + (err.line > 0 ? (unsigned long)err.line - 1 : 0),
		    "invalid JSON: %s", err.text);
		return BK_ERR;
	}
	status = dispatch(w, v, w->val_line, 0);
	return status;
}

/* The bytes that matter to the nesting: in a string, its end and escapes;
 * outside, brackets and the start of a string. */
static const unsigned char in_str_stop[256] = { ['"'] = 1, ['\\'] = 1 };
static const unsigned char out_str_stop[256] = { ['"'] = 1, ['{'] = 1, ['['] = 1, ['}'] = 1,
	[']'] = 1 };

/* Follows the nesting of the value being read from line[i] on; returns where
 * it ends (just past its last bracket) or len. Runs of other bytes are passed
 * over by table. */
static size_t
scan_value(struct webhook *w, const char *line, size_t i, size_t len)
{
	while (i < len) {
		unsigned char ch;

		if (w->escape) {
			w->escape = 0;
			i++;
			continue;
		}
		if (w->in_string) {
			while (i < len && !in_str_stop[(unsigned char)line[i]])
				i++;
			if (i == len)
				break;
			if (line[i] == '\\')
				w->escape = 1;
			else
				w->in_string = 0;
			i++;
			continue;
		}
		while (i < len && !out_str_stop[(unsigned char)line[i]])
			i++;
		if (i == len)
			break;
		ch = (unsigned char)line[i++];
		if (ch == '"')
			w->in_string = 1;
		else if (ch == '{' || ch == '[')
			w->depth++;
		else if (--w->depth == 0)
			break;
	}
	return i;
}

static size_t
skip_ws(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\f'))
		i++;
	return i;
}

int
webhook_line(struct webhook *w, const struct input_loc *loc, const char *line, size_t len)
{
	size_t i = 0;
	int status = BK_OK;

	w->last_line = loc->line;
	if (w->resync) {
		i = skip_ws(line, 0, len);
		if (i == len || (line[i] != '{' && line[i] != '['))
			return BK_OK;	/* still skipping the rest of a broken value */
		w->resync = 0;
		/* An object after a broken array element is the next element, so
		 * that its ',' and the closing ']' are no new errors. */
		if (w->resync_array && line[i] == '{')
			w->state = SCAN_ELEM;
	}
	/* One object on a line of its own (JSON lines): parsed straight from
	 * the line. Anything else (a value over lines, two on a line, an
	 * error) is left to the scanner, which reads it as before. */
	if (w->state == SCAN_TOP) {
		size_t j = skip_ws(line, i, len), k = len;
		const struct jnode *v;

		while (k > j && (line[k - 1] == ' ' || line[k - 1] == '\t'))
			k--;
		if (j < k && line[j] == '{' && line[k - 1] == '}' &&
		    (v = jtree_try(&w->tree, line + j, k - j)) != NULL)
			return dispatch(w, v, loc->line, 0);
	}
	while (i < len) {
		size_t start;

		switch (w->state) {
		case SCAN_TOP:
		case SCAN_ELEM:
			i = skip_ws(line, i, len);
			if (i == len)
				break;
			if (line[i] == '{' || (line[i] == '[' && w->state == SCAN_ELEM)) {
				w->in_array = w->state == SCAN_ELEM;
				w->state = SCAN_VALUE;
				w->val_line = loc->line;
				break;
			}
			if (line[i] == '[') {
				w->state = SCAN_ELEM;	/* a top-level array: its elements */
				i++;
				break;
			}
			if (line[i] == ']' && w->state == SCAN_ELEM) {
				w->state = SCAN_TOP;
				i++;
				break;
			}
			return scan_fail(w, loc->line, w->state == SCAN_TOP ?
			    "not the start of a JSON object or array" :
			    "not the start of an array element");
		case SCAN_SEP:
			i = skip_ws(line, i, len);
			if (i == len)
				break;
			if (line[i] == ',' || line[i] == ']') {
				w->state = line[i] == ',' ? SCAN_ELEM : SCAN_TOP;
				i++;
				break;
			}
			return scan_fail(w, loc->line, "expected ',' or ']' after an array element");
		case SCAN_VALUE:
			start = i;
			i = scan_value(w, line, i, len);
			util_buf_add(&w->val, line + start, i - start);
			if (w->depth == 0)
				status = input_worse(status, value_done(w));
			break;
		}
	}
	if (w->state == SCAN_VALUE) {
		if (w->in_string)
			return scan_fail(w, loc->line, "line break inside a JSON string");
		if (w->val.len > WEBHOOK_VALUE_MAX)
			return scan_fail(w, loc->line, "JSON value larger than 64 MB");
		util_buf_addc(&w->val, '\n');
	}
	return status;
}

int
webhook_end(struct webhook *w)
{
	int status = BK_OK;

	if (w->state == SCAN_VALUE) {
		util_locwarn(w->name, w->last_line, "unfinished JSON value at the end (begun at "
		    "line %lu)", w->val_line);
		status = BK_ERR;
	} else if (w->state != SCAN_TOP) {
		util_locwarn(w->name, w->last_line, "unfinished JSON array at the end");
		status = BK_ERR;
	}
	util_buf_free(&w->val);
	util_buf_free(&w->origin);
	util_buf_free(&w->scratch);
	jtree_free(&w->tree);
	jtree_free(&w->inner);
	free(w);
	return status;
}
