/* policy: the retry rules for soft bounces, read and matched. */
#include "policy.h"
#include "bktime.h"
#include "input.h"
#include "jsonl.h"
#include "reason.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void
policy_init(struct policy *p)
{
	p->rules = NULL;
	p->n = 0;
}

static struct policy_rule *
new_rule(struct policy *p)
{
	struct policy_rule *r;

	p->rules = util_xreallocarray(p->rules, p->n + 1, sizeof *p->rules);
	r = &p->rules[p->n++];
	memset(r, 0, sizeof *r);
	r->retries = -1;
	r->pause = POLICY_DEFAULT_PAUSE;
	r->factor = 2;
	return r;
}

static void
free_rule(struct policy_rule *r)
{
	for (size_t i = 0; i < r->nwhat; i++)
		free(r->what[i]);
	free(r->what);
	free(r->name);
	free(r->domain);
}

void
policy_free(struct policy *p)
{
	for (size_t i = 0; i < p->n; i++)
		free_rule(&p->rules[i]);
	free(p->rules);
	policy_init(p);
}

static char *
lower_dup(const char *s)
{
	char *d = util_xstrdup(s);

	for (char *c = d; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return d;
}

/* WHAT: "*", reasons of the vocabulary, or status globs such as "4.2.*". */
static int
parse_what(struct policy_rule *r, const char *s, char *why, size_t whylen)
{
	char *copy = util_xstrdup(s), *tok, *save = NULL;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *w = lower_dup(tok);

		if (strcmp(w, "*") != 0 && !isdigit((unsigned char)w[0]) &&
		    reason_describe(w) == NULL) {
			snprintf(why, whylen, "unknown reason \"%.40s\" (a reason name, a status "
			    "such as 4.2.* or *)", tok);
			free(w);
			free(copy);
			return -1;
		}
		if (isdigit((unsigned char)w[0]) && (w[0] != '4' && w[0] != '5')) {
			snprintf(why, whylen, "status pattern \"%.40s\" should start with 4 or 5",
			    tok);
			free(w);
			free(copy);
			return -1;
		}
		r->what = util_xreallocarray(r->what, r->nwhat + 1, sizeof *r->what);
		r->what[r->nwhat++] = w;
	}
	free(copy);
	if (r->nwhat == 0) {
		snprintf(why, whylen, "empty reason/status list");
		return -1;
	}
	return 0;
}

static int
duration(const char *s, long long *out, const char *what, char *why, size_t whylen)
{
	if (s == NULL) {
		snprintf(why, whylen, "%s needs a duration", what);
		return -1;
	}
	if (bktime_parse_duration(s, out) != 0) {
		snprintf(why, whylen, "%s: bad duration \"%.40s\" (e.g. 30m, 24h, 2d, 1w)", what, s);
		return -1;
	}
	return 0;
}

static int
parse_schedule(struct policy_rule *r, const char *s, char *why, size_t whylen)
{
	char *copy, *tok, *save = NULL;

	if (s == NULL) {
		snprintf(why, whylen, "schedule needs gaps such as 24h,48h,72h,1w");
		return -1;
	}
	copy = util_xstrdup(s);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (r->ngaps == POLICY_MAX_GAPS) {
			snprintf(why, whylen, "more than %d gaps", POLICY_MAX_GAPS);
			free(copy);
			return -1;
		}
		if (duration(tok, &r->gaps[r->ngaps], "schedule", why, whylen) != 0) {
			free(copy);
			return -1;
		}
		if (r->gaps[r->ngaps] <= 0) {
			snprintf(why, whylen, "schedule: a gap must be longer than 0");
			free(copy);
			return -1;
		}
		r->ngaps++;
	}
	free(copy);
	if (r->ngaps == 0) {
		snprintf(why, whylen, "schedule needs gaps such as 24h,48h,72h,1w");
		return -1;
	}
	return 0;
}

static int
parse_number(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* An adaptive rule's defaults: min 1h, max 1w, observations 5, the seed
 * schedule as the fallback. */
static void
adaptive_defaults(struct policy_rule *r)
{
	static const long long seed[] = { 24 * 3600LL, 48 * 3600LL, 72 * 3600LL, 7 * 86400LL };

	r->kind = POLICY_ADAPTIVE;
	r->amin = 3600;
	r->amax = 7 * 86400LL;
	r->observations = 5;
	memcpy(r->gaps, seed, sizeof seed);
	r->ngaps = sizeof seed / sizeof seed[0];
}

/* An option of an adaptive rule (min, max, observations, fallback): 1 if
 * it was one, 0 if not, -1 if its argument is bad. */
static int
adaptive_option(struct policy_rule *r, const char *word, const char *arg, char *why,
    size_t whylen)
{
	long long v;

	if (strcmp(word, "min") == 0)
		return duration(arg, &r->amin, "min", why, whylen) == 0 ? 1 : -1;
	if (strcmp(word, "max") == 0)
		return duration(arg, &r->amax, "max", why, whylen) == 0 ? 1 : -1;
	if (strcmp(word, "observations") == 0) {
		if (parse_number(arg, 1, 1000000, &v) != 0) {
			snprintf(why, whylen, "observations needs a number from 1 to 1000000");
			return -1;
		}
		r->observations = (int)v;
		return 1;
	}
	if (strcmp(word, "fallback") == 0) {
		r->ngaps = 0;
		return parse_schedule(r, arg, why, whylen) == 0 ? 1 : -1;
	}
	return 0;
}

/* Tokens after DOMAIN and WHAT. */
static int
parse_action(struct policy_rule *r, char **tok, size_t ntok, char *why, size_t whylen)
{
	size_t i = 0;
	long long v;

	if (ntok == 0) {
		snprintf(why, whylen, "missing schedule, backoff, adaptive or never");
		return -1;
	}
	if (strcmp(tok[0], "schedule") == 0) {
		r->kind = POLICY_SCHEDULE;
		if (parse_schedule(r, ntok > 1 ? tok[1] : NULL, why, whylen) != 0)
			return -1;
		i = 2;
	} else if (strcmp(tok[0], "backoff") == 0) {
		r->kind = POLICY_BACKOFF;
		if (duration(ntok > 1 ? tok[1] : NULL, &r->base, "backoff", why, whylen) != 0)
			return -1;
		if (r->base <= 0) {
			snprintf(why, whylen, "backoff: the base must be longer than 0");
			return -1;
		}
		r->cap = 7 * 86400LL;
		for (i = 2; i < ntok; i++) {
			char *end;

			if (tok[i][0] == 'x') {
				errno = 0;
				r->factor = strtod(tok[i] + 1, &end);
				if (errno || end == tok[i] + 1 || *end || !(r->factor >= 1 &&
				    r->factor <= 100)) {
					snprintf(why, whylen, "backoff: bad factor \"%.40s\" (x1 to "
					    "x100, e.g. x2)", tok[i]);
					return -1;
				}
			} else if (strcmp(tok[i], "max") == 0) {
				if (duration(i + 1 < ntok ? tok[++i] : NULL, &r->cap, "max", why,
				    whylen) != 0)
					return -1;
			} else if (strcmp(tok[i], "jitter") == 0) {
				const char *s = i + 1 < ntok ? tok[++i] : NULL;
				char num[16];
				size_t n = s ? strlen(s) : 0;

				if (n < 2 || n >= sizeof num || s[n - 1] != '%') {
					snprintf(why, whylen, "jitter needs a percentage such as 20%%");
					return -1;
				}
				memcpy(num, s, n - 1);
				num[n - 1] = '\0';
				if (parse_number(num, 0, 100, &v) != 0) {
					snprintf(why, whylen, "jitter: 0%% to 100%%");
					return -1;
				}
				r->jitter = (int)v;
			} else {
				break;
			}
		}
		if (r->cap < r->base) {
			snprintf(why, whylen, "backoff: max is shorter than the base");
			return -1;
		}
	} else if (strcmp(tok[0], "never") == 0) {
		r->kind = POLICY_NEVER;
		r->retries = 0;
		i = 1;
	} else if (strcmp(tok[0], "adaptive") == 0) {
		adaptive_defaults(r);
		i = 1;
	} else {
		snprintf(why, whylen, "expected schedule, backoff, adaptive or never, not "
		    "\"%.40s\"", tok[0]);
		return -1;
	}
	/* Each option is a word and its argument. */
	for (; i < ntok; i += 2) {
		const char *arg = i + 1 < ntok ? tok[i + 1] : NULL;
		int a = r->kind == POLICY_ADAPTIVE ? adaptive_option(r, tok[i], arg, why, whylen) : 0;

		if (a < 0)
			return -1;
		if (a > 0)
			continue;
		if (strcmp(tok[i], "retries") == 0) {
			if (r->kind == POLICY_NEVER) {
				snprintf(why, whylen, "never takes no retries");
				return -1;
			}
			if (parse_number(arg, 0, 20, &v) != 0) {
				snprintf(why, whylen, "retries needs a number from 0 to 20");
				return -1;
			}
			r->retries = (int)v;
		} else if (strcmp(tok[i], "pause") == 0) {
			if (duration(arg, &r->pause, "pause", why, whylen) != 0)
				return -1;
		} else if (strcmp(tok[i], "name") == 0) {
			if (arg == NULL) {
				snprintf(why, whylen, "name needs a word");
				return -1;
			}
			free(r->name);
			r->name = util_xstrdup(arg);
		} else {
			snprintf(why, whylen, "unknown word \"%.40s\" (retries, pause, name%s)",
			    tok[i], r->kind == POLICY_ADAPTIVE ? ", min, max, observations, fallback" :
			    "");
			return -1;
		}
	}
	if (r->kind == POLICY_ADAPTIVE && (r->amin <= 0 || r->amax < r->amin)) {
		snprintf(why, whylen, "adaptive: min must be longer than 0 and max no shorter");
		return -1;
	}
	if (r->retries < 0)
		r->retries = r->kind == POLICY_SCHEDULE || r->kind == POLICY_ADAPTIVE ?
		    (int)r->ngaps : 4;
	return 0;
}

static int
parse_line(struct policy *p, const char *path, unsigned long lineno, char *line)
{
	char *tok[64], *save = NULL, *t, why[200];
	size_t ntok = 0;
	struct policy_rule *r;
	char *hash = strchr(line, '#');

	if (hash)
		*hash = '\0';
	for (t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		if (ntok == sizeof tok / sizeof tok[0]) {
			util_locwarn(path, lineno, "too many words");
			return -1;
		}
		tok[ntok++] = t;
	}
	if (ntok == 0)
		return 0;
	if (ntok < 3) {
		util_locwarn(path, lineno, "expected DOMAIN WHAT schedule|backoff|never ...");
		return -1;
	}
	r = new_rule(p);
	r->domain = lower_dup(tok[0]);
	if (parse_what(r, tok[1], why, sizeof why) != 0 ||
	    parse_action(r, tok + 2, ntok - 2, why, sizeof why) != 0) {
		util_locwarn(path, lineno, "%s", why);
		free_rule(r);
		p->n--;
		return -1;
	}
	if (r->name == NULL) {
		struct util_buf b = {0};
		char num[24];

		snprintf(num, sizeof num, ":%lu", lineno);
		util_buf_adds(&b, path);
		util_buf_adds(&b, num);
		r->name = util_buf_str(&b);
	}
	return 0;
}

struct load {
	struct policy *p;
	const char *path;
	int rc;
};

static int
load_line(void *ctx, const struct input_loc *loc, char *line, size_t len)
{
	struct load *l = ctx;

	(void)len;
	if (parse_line(l->p, l->path, loc->line, line) != 0)
		l->rc = -1;
	return BK_OK;
}

int
policy_load(struct policy *p, const char *path)
{
	struct load l = { p, path, 0 };
	FILE *fp;

	if ((fp = input_open(path)) == NULL)
		return -1;
	if (input_lines(fp, path, load_line, &l) != BK_OK)
		l.rc = -1;	/* a read error, reported */
	if (fp != stdin)
		fclose(fp);
	return l.rc;
}

void
policy_add_defaults(struct policy *p)
{
	static const char *const builtin[] = {
		"* mailboxfull,systemfull,4.2.2,4.3.1 schedule 24h,48h,72h,1w retries 4 "
		    "pause 30d name builtin-full",
		"* * backoff 24h x2 max 1w jitter 20% retries 4 pause 30d name builtin-backoff",
	};

	for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
		char *l = util_xstrdup(builtin[i]);

		if (parse_line(p, "builtin", i + 1, l) != 0)
			abort();	/* the built-in rules are tested */
		free(l);
	}
}

static int
what_matches(const struct policy_rule *r, const char *reason, const char *status)
{
	for (size_t i = 0; i < r->nwhat; i++) {
		const char *w = r->what[i];

		if (strcmp(w, "*") == 0)
			return 1;
		if (isdigit((unsigned char)w[0])) {
			if (status && fnmatch(w, status, 0) == 0)
				return 1;
		} else if (reason && strcmp(w, reason) == 0) {
			return 1;
		}
	}
	return 0;
}

const struct policy_rule *
policy_match(const struct policy *p, const char *domain, const char *reason,
    const char *status)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct policy_rule *r = &p->rules[i];

		if (fnmatch(r->domain, domain ? domain : "", 0) == 0 &&
		    what_matches(r, reason, status))
			return r;
	}
	return NULL;
}

long long
policy_gap(const struct policy_rule *r, unsigned attempt, uint64_t rnd)
{
	double g, u;

	if ((int)attempt >= r->retries)
		return -1;
	switch (r->kind) {
	case POLICY_SCHEDULE:
	case POLICY_ADAPTIVE:	/* the fallback schedule */
		return r->gaps[attempt < r->ngaps ? attempt : r->ngaps - 1];
	case POLICY_BACKOFF:
		g = (double)r->base * pow(r->factor, (double)attempt);
		if (g > (double)r->cap)
			g = (double)r->cap;
		/* u uniform in [0,1) from the top 53 bits. */
		u = (double)(rnd >> 11) / 9007199254740992.0;
		g *= 1.0 + (double)r->jitter / 100.0 * (2.0 * u - 1.0);
		return g < 1 ? 1 : (long long)g;
	default:
		return -1;
	}
}

double
policy_adaptive_level(int k)
{
	static const double level[] = { 0.5, 0.75, 0.9 };

	if (k < 3)
		return level[k];
	/* Then 99%, 99.9%, ... */
	return 1.0 - pow(10.0, -(double)(k - 1));
}

void
policy_adaptive_times(const struct policy_rule *r, const long long *quantile, long long *at)
{
	long long prev = 0, horizon = 0;
	int n = r->retries;

	for (int k = 0; k < n; k++)
		horizon += r->gaps[k < (int)r->ngaps ? k : (int)r->ngaps - 1];
	for (int k = 0; k < n; k++) {
		long long gap = quantile[k] - prev;

		if (gap < r->amin)
			gap = r->amin;
		if (gap > r->amax)
			gap = r->amax;
		at[k] = prev + gap;
		if (k == n - 1 && at[k] < horizon)
			at[k] = horizon;
		prev = at[k];
	}
}

int
policy_print(const struct policy *p, FILE *fp)
{
	char buf[64];

	for (size_t i = 0; i < p->n; i++) {
		const struct policy_rule *r = &p->rules[i];
		json_t *o = json_object(), *a = json_array();

		json_object_set_new(o, "rule", json_string(r->name));
		json_object_set_new(o, "domain", json_string(r->domain));
		for (size_t j = 0; j < r->nwhat; j++)
			json_array_append_new(a, json_string(r->what[j]));
		json_object_set_new(o, "match", a);
		json_object_set_new(o, "kind", json_string(r->kind == POLICY_SCHEDULE ?
		    "schedule" : r->kind == POLICY_BACKOFF ? "backoff" : r->kind == POLICY_ADAPTIVE ?
		    "adaptive" : "never"));
		a = json_array();
		for (size_t j = 0; j < r->ngaps; j++)
			json_array_append_new(a, json_string(bktime_format_duration(r->gaps[j],
			    buf, sizeof buf)));
		/* adaptive: the fallback */
		json_object_set_new(o, "schedule", r->kind == POLICY_SCHEDULE ||
		    r->kind == POLICY_ADAPTIVE ? a : json_null());
		if (r->kind != POLICY_SCHEDULE && r->kind != POLICY_ADAPTIVE)
			json_decref(a);
		if (r->kind == POLICY_BACKOFF) {
			json_t *b = json_object();

			json_object_set_new(b, "base", json_string(bktime_format_duration(r->base,
			    buf, sizeof buf)));
			json_object_set_new(b, "factor", json_real(r->factor));
			json_object_set_new(b, "max", json_string(bktime_format_duration(r->cap,
			    buf, sizeof buf)));
			json_object_set_new(b, "jitter", json_integer(r->jitter));
			json_object_set_new(o, "backoff", b);
		} else {
			json_object_set_new(o, "backoff", json_null());
		}
		if (r->kind == POLICY_ADAPTIVE) {
			json_t *b = json_object();

			json_object_set_new(b, "min", json_string(bktime_format_duration(r->amin,
			    buf, sizeof buf)));
			json_object_set_new(b, "max", json_string(bktime_format_duration(r->amax,
			    buf, sizeof buf)));
			json_object_set_new(b, "observations", json_integer(r->observations));
			json_object_set_new(o, "adaptive", b);
		}
		json_object_set_new(o, "retries", json_integer(r->retries));
		json_object_set_new(o, "pause", json_string(bktime_format_duration(r->pause, buf,
		    sizeof buf)));
		if (jsonl_write(fp, o) != 0) {
			json_decref(o);
			return -1;
		}
		json_decref(o);
	}
	return 0;
}
