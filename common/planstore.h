/* planstore: where retry plans live between runs, behind one interface.
 *
 * A run opens the store (locked when it writes), brings into a plan set the
 * plans it needs (a recipient's, the ones time may move on, the due ones),
 * lets plan.c's rules move them on, puts the changed ones back and commits;
 * anything short of a commit leaves the store as it was. The first store is
 * the JSON-lines state file of bouncekit-records(5), read whole and replaced
 * atomically (afile); the record mapping lives here too, as every store
 * exports and imports those records. */
#ifndef BK_PLANSTORE_H
#define BK_PLANSTORE_H

#include <stdio.h>

#include "plan.h"

enum {
	PLAN_STORE_WRITE = 1 << 0,	/* take the lock: the run changes plans */
	PLAN_STORE_WAIT = 1 << 1,	/* wait for a run holding the lock */
};

struct plan_store;

struct plan_store_ops {
	/* Locks (with PLAN_STORE_WRITE) and opens. 0, or -1 with a message. */
	int (*open)(struct plan_store *st, int flags);
	/* Brings in the plans every run reads. BK_OK, BK_ERR with bad records
	 * reported (kept, the run goes on), -1 when the store cannot be read. */
	int (*load)(struct plan_store *st, struct plan_set *s);
	/* Brings in the plan of rcpt, if the store has one. 0, or -1. */
	int (*lookup)(struct plan_store *st, struct plan_set *s, const char *rcpt);
	/* Brings in the plans that time may move on at o->now (plan_age). */
	int (*aging)(struct plan_store *st, struct plan_set *s, const struct plan_opts *o);
	/* Brings in the plans of a domain that plan_domains_back may move: its
	 * waiting plans (or at least those under its adaptive rules). */
	int (*domain)(struct plan_store *st, struct plan_set *s, const char *domain);
	/* Calls fn with the plans due at o->now, the longest due first (ties by
	 * recipient), until fn returns 0. 0, or -1. */
	int (*due)(struct plan_store *st, struct plan_set *s, const struct plan_opts *o,
	    int (*fn)(void *ctx, struct plan *p), void *ctx);
	/* Writes the plans of the set that changed or went (not yet visible). */
	int (*put)(struct plan_store *st, struct plan_set *s, const struct plan_opts *o);
	/* Makes what put wrote the new state, at once. 0, or -1 (then nothing). */
	int (*commit)(struct plan_store *st);
	/* Drops anything not committed, unlocks, frees. */
	void (*close)(struct plan_store *st);
	/* Brings in every plan, in the store's order (an export). */
	int (*load_all)(struct plan_store *st, struct plan_set *s);
	/* Takes for the run the due plans v[0..n) it chose: those another run
	 * holds, or changed since due read them, are taken out of v (the others
	 * keep their order) and stay due for a later run. The number kept, or
	 * -1. NULL: the store's lock holds every plan for the run already. */
	long (*take)(struct plan_store *st, struct plan **v, size_t n);
	/* For a store that can answer it from an index (NULL: the run brings
	 * in every due plan first and decides from those): of the plans of
	 * domain that wait on its server (plan_waits_on_server), whether a
	 * probe is out (claimed, not due, not answered): 1; else 0 with *probe
	 * the due one with the fewest attempts, the first due among equals
	 * (NULL: none), brought into s. -1 when the store cannot be read. */
	int (*probe)(struct plan_store *st, struct plan_set *s, const struct plan_opts *o,
	    const char *domain, struct plan **probe);
	/* For a store where each look-up costs a round trip (NULL: lookup
	 * each): brings in the plans of rcpts[0..n) (repeats allowed) in one
	 * go, in the order first named. 0, or -1. */
	int (*lookup_many)(struct plan_store *st, struct plan_set *s, const char *const *rcpts,
	    size_t n);
};

struct plan_store {
	const struct plan_store_ops *ops;
	const char *path;
	int flags;
	void *impl;
};

/* Opens the store named path: a PostgreSQL database for a name starting
 * "postgresql:" or "postgres:", an SQLite one for a name ending in ".db",
 * else the JSON-lines file. 0, or -1 with a message (nothing to
 * close then). */
int plan_store_open(struct plan_store *st, const char *path, int flags);
int plan_store_load(struct plan_store *st, struct plan_set *s);
int plan_store_lookup(struct plan_store *st, struct plan_set *s, const char *rcpt);
/* Whether the store looks many recipients up at once: worth gathering
 * events for (plan_store_lookup_many). */
int plan_store_batches(const struct plan_store *st);
/* plan_store_lookup of each of rcpts[0..n), in one go where the store can. */
int plan_store_lookup_many(struct plan_store *st, struct plan_set *s, const char *const *rcpts,
    size_t n);
int plan_store_aging(struct plan_store *st, struct plan_set *s, const struct plan_opts *o);
/* Brings in the plans the domain rules of plan_domains_back need: those
 * of each domain of s->domain_back and of each domain whose server a plan
 * of s waits on. */
int plan_store_domains_back(struct plan_store *st, struct plan_set *s);
int plan_store_due(struct plan_store *st, struct plan_set *s, const struct plan_opts *o,
    int (*fn)(void *ctx, struct plan *p), void *ctx);
/* What a run hands out of the due plans (see take): those the run could
 * take, in v, their number returned; -1. */
long plan_store_take(struct plan_store *st, struct plan **v, size_t n);
int plan_store_put(struct plan_store *st, struct plan_set *s, const struct plan_opts *o);
int plan_store_commit(struct plan_store *st);
void plan_store_close(struct plan_store *st);
int plan_store_load_all(struct plan_store *st, struct plan_set *s);
/* Whether the store answers plan_store_probe from an index; if not, the
 * caller brings in every due plan and decides from those. */
int plan_store_has_probe(const struct plan_store *st);
int plan_store_probe(struct plan_store *st, struct plan_set *s, const struct plan_opts *o,
    const char *domain, struct plan **probe);
/* Whether path names a PostgreSQL store (planstore_pg.c). */
int plan_store_is_pg(const char *path);

/* The record of a plan as one JSON line. 0, or -1 on a write error. */
int plan_write(FILE *fp, const struct plan *p, const struct plan_opts *o);
#endif
