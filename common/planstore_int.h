/* planstore_int: what the stores of planstore.h share; private to them. */
#ifndef BK_PLANSTORE_INT_H
#define BK_PLANSTORE_INT_H

#include "plan.h"
#include "planstore.h"
#include "record.h"
#include "util.h"

/* The plan of a record read (PL_NFIELDS values) into s, checked whole
 * first. 0, or -1 with the reason in why. */
int plan_from_rec(struct plan_set *s, const struct rec_val *v, char *why, size_t whylen);
/* The record of p appended to b (no line end). */
void plan_format(struct util_buf *b, const struct plan *p, const struct plan_opts *o);
/* Calls fn with the record of p in v (PL_NFIELDS values); its result. */
int plan_with_rec(const struct plan *p, const struct plan_opts *o,
    int (*fn)(const struct rec_val *v, void *arg), void *arg);
/* The wire numbers of the plan schema's fields (rec_pack). */
const unsigned char *plan_wire(void);
/* The record of p appended to b packed (rec_pack). */
void plan_pack(struct util_buf *b, const struct plan *p, const struct plan_opts *o);

/* The columns a database keeps beside a plan for its indexes (PLAN_NOTIME:
 * null): due, from when it may be due (waiting: next_retry; an
 * unconfirmed claim: claimed_at); quiet, a claim's last sign of life;
 * ends, when an exhausted plan's pause ends or a finished one finished. */
void plan_store_columns(const struct plan *p, const struct plan_opts *o, int64_t *due,
    int64_t *quiet, int64_t *ends);
/* The load of a store that reads nothing up front (a database). */
int plan_store_load_nothing(struct plan_store *st, struct plan_set *s);

extern const struct plan_store_ops plan_store_sqlite_ops;
extern const struct plan_store_ops plan_store_pg_ops;

#endif
