/* recovery_int: what the parts of the recovery module share (recovery.c,
 * recovery_record.c, recovery_table.c); not for programs. */
#ifndef BK_RECOVERY_INT_H
#define BK_RECOVERY_INT_H

#include <stdint.h>

#include <jansson.h>

#include "recovery.h"

#define NOTIME INT64_MIN	/* a time not known */

/* Adds n lengths to bucket idx of g's histogram. */
void recovery_hist_add(struct recovery_group *g, uint32_t idx, unsigned long long n);
/* The open entry of a heap item, or NULL if it was closed or moved since. */
struct hmap_entry *recovery_heap_entry(const struct recovery_group *g,
    const struct recovery_wait *w);
/* The group of key and kind, made if new. */
struct recovery_group *recovery_group_of(struct recovery *r, const char *key, const char *kind);
/* Opens an observation of rcpt's group g at t. */
void recovery_open_wait(struct recovery_group *g, const char *rcpt, int64_t t);

/* A record's values: 0 (absent or null: -1, 0), or -1 for the wrong type. */
int recovery_get_duration(const json_t *o, const char *key, long long *out);
int recovery_get_count(const json_t *o, const char *key, unsigned long long *out);
/* The key and kind of a record: "domain" or "rhost", and a known reason. */
int recovery_record_key(const json_t *o, int *by_rhost, const char **key, const char **kind,
    char *why, size_t whylen);

#endif
