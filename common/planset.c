/* planset: the plans of a run in memory: kept in blocks that never move,
 * found by recipient, their repeated strings interned; and the options
 * every run of plan.c's rules takes. */
#include "plan.h"
#include "opt.h"
#include "hmap.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK_PLANS 4096

static const char *const state_names[] = { "waiting", "claimed", "exhausted", "resolved",
	"failed" };

const char *
plan_state_name(int state)
{
	return state >= 0 && state <= PLAN_FAILED ? state_names[state] : "?";
}

int
plan_state_from_name(const char *s)
{
	for (int i = 0; i <= PLAN_FAILED; i++)
		if (strcmp(s, state_names[i]) == 0)
			return i;
	return -1;
}

/* The key of plan number n of the set: plans keep their recipients. */
static const char *
plan_key(const void *ctx, size_t n)
{
	return plan_at(ctx, n)->rcpt;
}

void
plan_set_init(struct plan_set *s)
{
	memset(s, 0, sizeof *s);
	s->input_first = s->input_last = PLAN_NOTIME;
	hmap_init_keyed(&s->index, plan_key, s);
}

/* One copy of each string that repeats across plans. */
const char *
plan_intern(struct plan_set *s, const char *str)
{
	if (str == NULL)
		return NULL;
	return hmap_key(&s->strings, hmap_add(&s->strings, str, strlen(str), NULL));
}

void
plan_set_free(struct plan_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(plan_at(s, i)->msgids);
	for (size_t i = 0; i < s->nblocks; i++)
		free(s->blocks[i]);
	free(s->blocks);
	hmap_free(&s->index, NULL);
	hmap_free(&s->strings, NULL);
	hmap_free(&s->domain_back, NULL);
	hmap_free(&s->domain_took, NULL);
	for (size_t i = 0; i < s->nbad; i++)
		free(s->bad[i]);
	free(s->bad);
	memset(s, 0, sizeof *s);
}

struct plan *
plan_at(const struct plan_set *s, size_t i)
{
	return &s->blocks[i / BLOCK_PLANS][i % BLOCK_PLANS];
}

struct plan *
plan_find_any(const struct plan_set *s, const char *rcpt)
{
	size_t n = hmap_find(&s->index, rcpt, strlen(rcpt));

	return n == HMAP_NONE ? NULL : plan_at(s, n);
}

struct plan *
plan_find(const struct plan_set *s, const char *rcpt)
{
	struct plan *p = plan_find_any(s, rcpt);

	return p && !(p->flags & PLAN_F_REMOVED) ? p : NULL;
}

void
plan_reset(struct plan *p)
{
	const char *rcpt = p->rcpt;
	uint16_t off = p->domain_off;

	free(p->msgids);
	memset(p, 0, sizeof *p);
	p->rcpt = rcpt;
	p->domain_off = off;
	p->first_bounce = p->last_bounce = p->last_attempt = p->next_retry = PLAN_NOTIME;
	p->claimed_at = p->resolved_at = p->last_event = p->since = PLAN_NOTIME;
	p->seen_upto = PLAN_NOTIME;
}

struct plan *
plan_new(struct plan_set *s, const char *rcpt, const char *domain)
{
	size_t len = strlen(rcpt);
	struct plan *p;

	if (s->n == s->nblocks * BLOCK_PLANS) {
		s->blocks = util_xreallocarray(s->blocks, s->nblocks + 1, sizeof *s->blocks);
		s->blocks[s->nblocks++] = util_xmalloc(BLOCK_PLANS * sizeof **s->blocks);
	}
	p = plan_at(s, s->n);
	p->rcpt = hmap_keep(&s->index, rcpt, len);
	p->msgids = NULL;
	p->domain_off = (uint16_t)(domain && domain >= rcpt && domain - rcpt < 0xffff ?
	    (size_t)(domain - rcpt) : len);
	plan_reset(p);
	/* Number s->n in the index: the plan's own recipient is its key. */
	hmap_add(&s->index, p->rcpt, len, NULL);
	s->n++;
	return p;
}

void
plan_opts_init(struct plan_opts *o, time_t now)
{
	memset(o, 0, sizeof *o);
	o->now = now;
	o->keep = 30 * 86400LL;
	o->resolve_after = 7 * 86400LL;
	o->claim_timeout = 6 * 3600LL;
}

int
plan_opts_option(struct plan_opts *po, const struct opt *o, int ch, const char *arg)
{
	switch (ch) {
	case 'c':
		po->claim_timeout = opt_duration(o, arg, 0);
		return 1;
	case 'k':
		po->keep = opt_duration(o, arg, 0);
		return 1;
	case 'n':
		po->now = opt_time(o, arg);
		return 1;
	case 'r':
		po->resolve_after = opt_duration(o, arg, 0);
		return 1;
	default:
		return 0;
	}
}
