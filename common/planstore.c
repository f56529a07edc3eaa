/* planstore: where retry plans live between runs (see planstore.h): the
 * record mapping of a plan, and the JSON-lines state file as a store. */
#include "planstore.h"
#include "planstore_int.h"
#include "sqldb.h"
#include "afile.h"
#include "ascii.h"
#include "input.h"
#include "recfile.h"
#include "reason.h"
#include "schema.h"
#include "status.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const sched_names[] = { NULL, "adaptive", "fallback", "recovered" };

/* --- the record --- */

/* The record of p, in v (PL_NFIELDS values). */
static void
plan_to_rec(const struct plan *p, const struct plan_opts *o, struct rec_val *v, char *seen,
    char *retry_at)
{
	static const char hex[] = "0123456789abcdef";
	char *w = seen;

	memset(v, 0, PL_NFIELDS * sizeof *v);
#define TIME(k, t) do { if ((t) != PLAN_NOTIME) rec_int(&v[k], (t)); } while (0)
	rec_str(&v[PL_RCPT], p->rcpt);
	rec_str(&v[PL_DOMAIN], plan_domain(p));
	rec_str(&v[PL_STATE], plan_state_name(p->state));
	rec_str(&v[PL_STATUS], p->status);
	rec_str(&v[PL_REASON], p->reason);
	rec_int(&v[PL_ATTEMPTS], p->attempts);
	rec_int(&v[PL_MAX_ATTEMPTS], p->max_attempts);
	TIME(PL_FIRST_BOUNCE, p->first_bounce);
	TIME(PL_LAST_BOUNCE, p->last_bounce);
	TIME(PL_LAST_ATTEMPT, p->last_attempt);
	TIME(PL_NEXT_RETRY, p->next_retry);
	TIME(PL_CLAIMED_AT, p->claimed_at);
	TIME(PL_RESOLVED_AT, p->resolved_at);
	v[PL_MSGIDS].set = 1;
	v[PL_MSGIDS].s = p->msgids;
	v[PL_MSGIDS].i = p->nmsgids;
	rec_str(&v[PL_FROM], p->from);
	rec_str(&v[PL_RULE], p->rule);
	if (p->sched != PLAN_SCHED_NONE) {
		/* The retry times are kept joined by commas: one string each. */
		const char *a = p->retry_at ? p->retry_at : "";
		size_t n = strlen(a);

		rec_str(&v[PL_SCHEDULE], sched_names[p->sched]);
		rec_str(&v[PL_BASIS], p->basis);
		v[PL_RETRY_AT].set = 1;
		v[PL_RETRY_AT].s = retry_at;
		v[PL_RETRY_AT].i = n > 0;
		for (size_t i = 0; i <= n; i++) {
			retry_at[i] = a[i] == ',' ? '\0' : a[i];
			v[PL_RETRY_AT].i += a[i] == ',';
		}
	}
	if (p->state != PLAN_FAILED && p->state != PLAN_RESOLVED)
		rec_int(&v[PL_PAUSE], p->pause);
	TIME(PL_EXPIRES, plan_expiry(p, o));
	rec_int(&v[PL_DELAYS], p->delays);
	if (p->refused)
		rec_int(&v[PL_REFUSED], p->refused);
	TIME(PL_LAST_EVENT, p->last_event);
	TIME(PL_SINCE, p->since);
	TIME(PL_SEEN_UPTO, p->seen_upto);
#undef TIME
	for (unsigned i = 0; i < p->nseen; i++) {
		uint64_t x = (uint64_t)p->seen[i] << 32 | p->seen_time[i];

		for (int sh = 60; sh >= 0; sh -= 4)
			*w++ = hex[x >> sh & 15];
	}
	*w = '\0';
	rec_str(&v[PL_SEEN], seen);
}

/* The record of p in v, with room for its lists; then fn(v, arg). */
int
plan_with_rec(const struct plan *p, const struct plan_opts *o,
    int (*fn)(const struct rec_val *v, void *arg), void *arg)
{
	struct rec_val v[PL_NFIELDS];
	char seen[16 * PLAN_SEEN + 1], stack[256], *retry_at = stack;
	size_t n = p->retry_at ? strlen(p->retry_at) + 1 : 1;
	int rc;

	if (n > sizeof stack)
		retry_at = util_xmalloc(n);
	plan_to_rec(p, o, v, seen, retry_at);
	rc = fn(v, arg);
	if (retry_at != stack)
		free(retry_at);
	return rc;
}

static int
write_rec(const struct rec_val *v, void *fp)
{
	return rec_write(fp, &schema_plan, v);
}

static int
format_rec(const struct rec_val *v, void *b)
{
	rec_format(b, &schema_plan, v);
	return 0;
}

int
plan_write(FILE *fp, const struct plan *p, const struct plan_opts *o)
{
	return plan_with_rec(p, o, write_rec, fp);
}

void
plan_format(struct util_buf *b, const struct plan *p, const struct plan_opts *o)
{
	plan_with_rec(p, o, format_rec, b);
}

/* The wire numbers of the plan record's fields in a database (rec_pack):
 * kept for ever. A new field goes at the end of this list, wherever it goes
 * in the record. */
static const char *const plan_wire_keys[] = {
	"rcpt", "domain", "state", "status", "reason", "attempts", "max_attempts",
	"first_bounce", "last_bounce", "last_attempt", "next_retry", "claimed_at",
	"resolved_at", "msgids", "from", "rule", "schedule", "basis", "retry_at", "pause",
	"expires", "delays", "last_event", "since", "seen_upto", "seen", "refused",
};

const unsigned char *
plan_wire(void)
{
	static unsigned char wire[PL_NFIELDS];

	if (wire[0] == 0)
		for (size_t i = 0; i < PL_NFIELDS; i++)
			for (size_t k = 0; k < sizeof plan_wire_keys / sizeof plan_wire_keys[0]; k++)
				if (strcmp(schema_plan.fields[i].key, plan_wire_keys[k]) == 0)
					wire[i] = (unsigned char)(k + 1);
	return wire;
}

static int
pack_rec(const struct rec_val *v, void *b)
{
	return rec_pack(b, &schema_plan, plan_wire(), v);
}

void
plan_pack(struct util_buf *b, const struct plan *p, const struct plan_opts *o)
{
	plan_with_rec(p, o, pack_rec, b);
}

/* --- reading the state --- */

/* The plan of a record read: checked whole before it goes into s. */
int
plan_from_rec(struct plan_set *s, const struct rec_val *v, char *why, size_t whylen)
{
	static const int times[] = { PL_FIRST_BOUNCE, PL_LAST_BOUNCE, PL_LAST_ATTEMPT,
		PL_NEXT_RETRY, PL_CLAIMED_AT, PL_RESOLVED_AT, PL_LAST_EVENT, PL_SINCE,
		PL_SEEN_UPTO };
	int64_t tv[sizeof times / sizeof times[0]];
	char rcpt[ADDR_MAX];
	const char *str;
	struct plan *p, tmp;
	int dom, st;

	str = v[PL_RCPT].s;
	if ((dom = addr_normalize(str, strlen(str), 0, rcpt)) < 0) {
		snprintf(why, whylen, "\"rcpt\" is not an address: %.80s", str);
		return -1;
	}
	if ((st = plan_state_from_name(v[PL_STATE].s)) < 0) {
		snprintf(why, whylen, "\"state\" is not a state: %.40s", v[PL_STATE].s);
		return -1;
	}
	if (plan_find_any(s, rcpt) != NULL) {
		snprintf(why, whylen, "a second plan for %.80s", rcpt);
		return -1;
	}
	memset(&tmp, 0, sizeof tmp);
	tmp.state = (uint8_t)st;
	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++)
		tv[i] = v[times[i]].set ? v[times[i]].i : PLAN_NOTIME;
	tmp.first_bounce = tv[0];
	tmp.last_bounce = tv[1];
	tmp.last_attempt = tv[2];
	tmp.next_retry = tv[3];
	tmp.claimed_at = tv[4];
	tmp.resolved_at = tv[5];
	tmp.last_event = tv[6];
	tmp.since = tv[7];
	tmp.seen_upto = tv[8];
	if (st == PLAN_WAITING && tmp.next_retry == PLAN_NOTIME) {
		snprintf(why, whylen, "a waiting plan without \"next_retry\"");
		return -1;
	}
	if (st == PLAN_CLAIMED && tmp.claimed_at == PLAN_NOTIME) {
		snprintf(why, whylen, "a claimed plan without \"claimed_at\"");
		return -1;
	}
	if (v[PL_ATTEMPTS].i < 0 || v[PL_ATTEMPTS].i > 255 ||
	    v[PL_MAX_ATTEMPTS].i < 0 || v[PL_MAX_ATTEMPTS].i > 255 ||
	    v[PL_DELAYS].i < 0 || v[PL_DELAYS].i > UINT32_MAX ||
	    v[PL_REFUSED].i < 0 || v[PL_REFUSED].i > 255) {
		snprintf(why, whylen, "\"attempts\", \"max_attempts\", \"delays\" or \"refused\" is "
		    "not a count");
		return -1;
	}
	tmp.attempts = (uint8_t)v[PL_ATTEMPTS].i;
	tmp.max_attempts = (uint8_t)v[PL_MAX_ATTEMPTS].i;
	tmp.delays = (uint32_t)v[PL_DELAYS].i;
	tmp.refused = (uint8_t)v[PL_REFUSED].i;
	if (v[PL_PAUSE].i > UINT32_MAX) {
		snprintf(why, whylen, "\"pause\" is too long");
		return -1;
	}
	tmp.pause = (uint32_t)v[PL_PAUSE].i;
	if ((str = v[PL_SEEN].s) != NULL) {
		size_t n = strlen(str);

		if (n % 16 != 0 || n > 16 * PLAN_SEEN) {
			snprintf(why, whylen, "\"seen\" is not a list of fingerprints");
			return -1;
		}
		for (; *str; str += 16) {
			uint32_t word[2] = { 0, 0 };

			for (int i = 0; i < 16; i++) {
				int h = ascii_hexval((unsigned char)str[i]);

				if (h < 0) {
					snprintf(why, whylen, "\"seen\" is not a list of "
					    "fingerprints");
					return -1;
				}
				word[i / 8] = word[i / 8] << 4 | (uint32_t)h;
			}
			tmp.seen[tmp.nseen] = word[0];
			tmp.seen_time[tmp.nseen++] = word[1];
		}
	}
	/* Valid: now it may go in. */
	p = plan_new(s, rcpt, rcpt + dom);
	tmp.rcpt = p->rcpt;
	tmp.domain_off = p->domain_off;
	tmp.msgids = NULL;
	if ((str = v[PL_STATUS].s) != NULL) {
		char code[STATUS_MAX];

		tmp.status = plan_intern(s, status_parse(str, strlen(str), code) == 0 ? code : str);
	}
	if ((str = v[PL_REASON].s) != NULL) {
		const struct reason_desc *r = reason_describe(str);

		tmp.reason = r ? r->name : plan_intern(s, str);
	}
	tmp.from = plan_intern(s, v[PL_FROM].s);
	tmp.rule = plan_intern(s, v[PL_RULE].s);
	if ((str = v[PL_SCHEDULE].s) != NULL) {
		struct util_buf b = {0};

		tmp.sched = strcmp(str, "adaptive") == 0 ? PLAN_SCHED_ADAPTIVE :
		    strcmp(str, "recovered") == 0 ? PLAN_SCHED_RECOVERED : PLAN_SCHED_FALLBACK;
		tmp.basis = plan_intern(s, v[PL_BASIS].s);
		str = v[PL_RETRY_AT].s;
		for (long long i = 0; i < v[PL_RETRY_AT].i; i++, str += strlen(str) + 1) {
			if (i)
				util_buf_addc(&b, ',');
			util_buf_adds(&b, str);
		}
		tmp.retry_at = plan_intern(s, util_buf_str(&b));
		util_buf_free(&b);
	}
	*p = tmp;
	str = v[PL_MSGIDS].s;
	for (long long i = 0; i < v[PL_MSGIDS].i; i++, str += strlen(str) + 1)
		plan_msgid_add(p, str);
	return 0;
}

/* A line of the state file: a plan, or kept as it is. */
static int
state_line(void *ctx, const struct recfile_line *l)
{
	struct plan_set *s = ctx;
	char why[200];

	if (memchr(l->line, '\0', l->len) != NULL) {
		util_locwarn(l->path, l->lineno, "NUL byte in the state file");
		return -1;
	}
	if (l->rc > 0 && plan_from_rec(s, l->v, why, sizeof why) == 0)
		return BK_OK;
	util_locwarn(l->path, l->lineno, "%s (line kept as it is)", l->rc > 0 ? why : l->why);
	s->bad = util_xreallocarray(s->bad, s->nbad + 1, sizeof *s->bad);
	s->bad[s->nbad++] = util_xstrndup(l->line, l->len);
	return BK_ERR;
}

static int
jsonl_load(struct plan_set *s, const char *path, int *fatal)
{
	int rc = recfile_read(path, &schema_plan, state_line, s);

	*fatal = rc < 0;
	return rc < 0 ? BK_ERR : rc;
}

/* --- the JSON-lines state file: read whole, replaced whole --- */

struct jsonl_store {
	int lock;		/* -1: not locked (a read-only run) */
	int begun, committed;
	struct afile af;
};

static int
jsonl_open(struct plan_store *st, int flags)
{
	struct jsonl_store *j = util_xcalloc(1, sizeof *j);

	j->lock = -1;
	/* A read-only run reads a complete file (replaced atomically) without
	 * the lock. */
	if ((flags & PLAN_STORE_WRITE) &&
	    (j->lock = afile_lock(st->path, (flags & PLAN_STORE_WAIT) != 0)) == -1) {
		free(j);
		return -1;
	}
	st->impl = j;
	return 0;
}

static int
jsonl_load_all(struct plan_store *st, struct plan_set *s)
{
	int fatal, status = jsonl_load(s, st->path, &fatal);

	return fatal ? -1 : status;
}

/* Every plan is in the set from the load on. */
static int
jsonl_lookup(struct plan_store *st, struct plan_set *s, const char *rcpt)
{
	(void)st, (void)s, (void)rcpt;
	return 0;
}

static int
jsonl_aging(struct plan_store *st, struct plan_set *s, const struct plan_opts *o)
{
	(void)st, (void)s, (void)o;
	return 0;
}

static int
jsonl_domain(struct plan_store *st, struct plan_set *s, const char *domain)
{
	(void)st, (void)s, (void)domain;
	return 0;
}

struct due {
	int64_t when;
	struct plan *plan;
};

static int
due_cmp(const void *a, const void *b)
{
	const struct due *x = a, *y = b;

	if (x->when != y->when)
		return x->when < y->when ? -1 : 1;
	return strcmp(x->plan->rcpt, y->plan->rcpt);
}

static int
jsonl_due(struct plan_store *st, struct plan_set *s, const struct plan_opts *o,
    int (*fn)(void *ctx, struct plan *p), void *ctx)
{
	struct due *due = NULL;
	size_t ndue = 0;

	(void)st;
	for (size_t i = 0; i < plan_count(s); i++) {
		struct plan *p = plan_at(s, i);

		if (!plan_is_due(p, o))
			continue;
		due = util_xreallocarray(due, ndue + 1, sizeof *due);
		due[ndue].when = plan_due_time(p, o);
		due[ndue++].plan = p;
	}
	if (ndue > 0)
		qsort(due, ndue, sizeof *due, due_cmp);
	for (size_t i = 0; i < ndue && fn(ctx, due[i].plan); i++)
		;
	free(due);
	return 0;
}

static int
jsonl_put(struct plan_store *st, struct plan_set *s, const struct plan_opts *o)
{
	struct jsonl_store *j = st->impl;

	if (afile_begin(&j->af, st->path) != 0)
		return -1;
	j->begun = 1;
	setvbuf(j->af.fp, NULL, _IOFBF, 1 << 20);
	for (size_t i = 0; i < s->n; i++) {
		const struct plan *p = plan_at(s, i);

		if (p->flags & PLAN_F_REMOVED)
			continue;
		if (plan_write(j->af.fp, p, o) != 0)
			break;
	}
	for (size_t i = 0; i < s->nbad; i++) {
		fputs(s->bad[i], j->af.fp);
		putc('\n', j->af.fp);
	}
	return 0;
}

static int
jsonl_commit(struct plan_store *st)
{
	struct jsonl_store *j = st->impl;

	if (!j->begun)
		return 0;
	j->begun = 0;
	/* afile_commit checks the writes (a full disk) and removes the
	 * temporary file when it fails. */
	return afile_commit(&j->af);
}

static void
jsonl_close(struct plan_store *st)
{
	struct jsonl_store *j = st->impl;

	if (j == NULL)
		return;
	if (j->begun)
		afile_abort(&j->af);
	afile_unlock(j->lock);
	free(j);
	st->impl = NULL;
}

static const struct plan_store_ops jsonl_ops = {
	jsonl_open, jsonl_load_all, jsonl_lookup, jsonl_aging, jsonl_domain, jsonl_due,
	jsonl_put, jsonl_commit, jsonl_close, jsonl_load_all, NULL, NULL, NULL,
};

/* --- the interface --- */

int
plan_store_open(struct plan_store *st, const char *path, int flags)
{
	memset(st, 0, sizeof *st);
	st->path = path;
	st->flags = flags;
	st->ops = plan_store_is_pg(path) ? &plan_store_pg_ops :
	    sqldb_is_db(path) ? &plan_store_sqlite_ops : &jsonl_ops;
	if (st->ops->open(st, flags) != 0) {
		st->ops->close(st);
		st->ops = NULL;
		return -1;
	}
	return 0;
}

int
plan_store_domains_back(struct plan_store *st, struct plan_set *s)
{
	struct hmap seen = HMAP_INIT;
	struct hmap_entry *he;
	size_t iter = 0, n = plan_count(s);
	int rc = 0;

	/* The domains that took mail again, and those whose server is full. */
	while ((he = hmap_next(&s->domain_back, &iter)) != NULL)
		hmap_put(&seen, he->key, he->len, NULL);
	for (size_t i = 0; i < n; i++) {
		const struct plan *p = plan_at(s, i);

		if (plan_waits_on_server(p) && !(p->flags & PLAN_F_REMOVED))
			hmap_put(&seen, plan_domain(p), strlen(plan_domain(p)), NULL);
	}
	iter = 0;
	while (rc == 0 && (he = hmap_next(&seen, &iter)) != NULL)
		rc = st->ops->domain(st, s, he->key);
	hmap_free(&seen, NULL);
	return rc;
}

int
plan_store_load_all(struct plan_store *st, struct plan_set *s)
{
	return st->ops->load_all(st, s);
}

void
plan_store_columns(const struct plan *p, const struct plan_opts *o, int64_t *due,
    int64_t *quiet, int64_t *ends)
{
	*due = *quiet = *ends = PLAN_NOTIME;
	if (p->state == PLAN_WAITING)
		*due = p->next_retry;
	else if (p->state == PLAN_CLAIMED && plan_due_time(p, o) != PLAN_NOTIME)
		*due = p->claimed_at;
	if (p->state == PLAN_CLAIMED)
		*quiet = p->claimed_at > p->last_event ? p->claimed_at : p->last_event;
	if (p->state == PLAN_EXHAUSTED)
		*ends = p->since + p->pause;
	else if (p->state == PLAN_RESOLVED || p->state == PLAN_FAILED)
		*ends = p->since;
}

int
plan_store_load_nothing(struct plan_store *st, struct plan_set *s)
{
	(void)st, (void)s;
	return BK_OK;
}

int
plan_store_has_probe(const struct plan_store *st)
{
	return st->ops->probe != NULL;
}

int
plan_store_probe(struct plan_store *st, struct plan_set *s, const struct plan_opts *o,
    const char *domain, struct plan **probe)
{
	return st->ops->probe(st, s, o, domain, probe);
}

int
plan_store_load(struct plan_store *st, struct plan_set *s)
{
	return st->ops->load(st, s);
}

int
plan_store_lookup(struct plan_store *st, struct plan_set *s, const char *rcpt)
{
	return st->ops->lookup(st, s, rcpt);
}

int
plan_store_batches(const struct plan_store *st)
{
	return st->ops->lookup_many != NULL;
}

int
plan_store_lookup_many(struct plan_store *st, struct plan_set *s, const char *const *rcpts,
    size_t n)
{
	if (st->ops->lookup_many)
		return st->ops->lookup_many(st, s, rcpts, n);
	for (size_t i = 0; i < n; i++)
		if (st->ops->lookup(st, s, rcpts[i]) != 0)
			return -1;
	return 0;
}

int
plan_store_aging(struct plan_store *st, struct plan_set *s, const struct plan_opts *o)
{
	return st->ops->aging(st, s, o);
}

int
plan_store_due(struct plan_store *st, struct plan_set *s, const struct plan_opts *o,
    int (*fn)(void *ctx, struct plan *p), void *ctx)
{
	return st->ops->due(st, s, o, fn, ctx);
}

long
plan_store_take(struct plan_store *st, struct plan **v, size_t n)
{
	return st->ops->take != NULL ? st->ops->take(st, v, n) : (long)n;
}

int
plan_store_put(struct plan_store *st, struct plan_set *s, const struct plan_opts *o)
{
	return st->ops->put(st, s, o);
}

int
plan_store_commit(struct plan_store *st)
{
	return st->ops->commit(st);
}

void
plan_store_close(struct plan_store *st)
{
	if (st->ops != NULL)
		st->ops->close(st);
}
