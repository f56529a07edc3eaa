/* planpack: a plan record in the compact binary form of plans.db (see
 * planpack.c): the fields not in the row's columns, repeated strings as
 * numbers of the caller's dictionary. */
#ifndef BK_PLANPACK_H
#define BK_PLANPACK_H

#include "record.h"
#include "util.h"

/* Appends the record v (PL_NFIELDS values) packed to b; name_id gives the
 * number of a string that repeats (-1: failed). 0, or -1. */
int planpack_put(struct util_buf *b, const struct rec_val *v,
    long long (*name_id)(void *ctx, const char *name), void *ctx);
/* Reads a packed record into v (pointers into data, the dictionary's
 * strings and seen, of seenlen bytes); the columns' fields are left
 * unknown. 0, or -1 for bytes that are no such record. */
int planpack_get(const void *data, size_t len, struct rec_val *v, char *seen, size_t seenlen,
    const char *(*name)(void *ctx, long long id), void *ctx);

#endif
