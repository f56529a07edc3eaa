/* schema: every kind of record bouncekit reads or writes, field by field;
 * bouncekit-records(5) in code (tests/04-records.bats holds the two to each
 * other).
 *
 * To add a field to a record:
 *   1. add its index to the kind's enum below, where it goes in the record
 *      (the order of the enum is the order of the keys in every line);
 *   2. add its line to the kind's table in schema.c: key, type, flags. A new
 *      field is usually REC_OPTIONAL (left out when unknown, so that records
 *      without it stay as they were) or REC_NULLABLE (always there, null
 *      when unknown); make it REC_REQUIRED only if old records cannot be
 *      read without it;
 *   3. map it in the module that owns the record (the *_to_rec and
 *      *_from_rec functions: event.c, planstore.c, supplist.c, offset.c,
 *      logparse_mem.c, bounce-stats.c): set it with rec_str/rec_int or leave it unset;
 *   4. describe it in man/bouncekit-records.5, in the same place: say
 *      "Optional" for an optional field and "null" for a nullable one.
 * A new kind of record is a new enum, table and rec_schema here, and a
 * section of its own in the man page. */
#ifndef BK_SCHEMA_H
#define BK_SCHEMA_H

#include "record.h"

/* The event record: one recipient outcome (bounce-parse). */
enum {
	EV_TIME, EV_RCPT, EV_DOMAIN, EV_ACTION, EV_STATUS, EV_CODE, EV_REASON, EV_CLASS,
	EV_RHOST, EV_DIAG, EV_FROM, EV_MSGID, EV_QID, EV_POOL, EV_ORIG_RCPT, EV_SOURCE,
	EV_ORIGIN,
	EV_REASON_RULE, EV_REASON_SOURCE, EV_CLASS_RULE, EV_CLASS_SOURCE, EV_NFIELDS
};
extern const struct rec_schema schema_event;

/* The plan record: the retry state of a recipient (retry-plan, retry-due). */
enum {
	PL_RCPT, PL_DOMAIN, PL_STATE, PL_STATUS, PL_REASON, PL_ATTEMPTS, PL_MAX_ATTEMPTS,
	PL_FIRST_BOUNCE, PL_LAST_BOUNCE, PL_LAST_ATTEMPT, PL_NEXT_RETRY, PL_CLAIMED_AT,
	PL_RESOLVED_AT, PL_MSGIDS, PL_FROM, PL_RULE, PL_SCHEDULE, PL_BASIS, PL_RETRY_AT,
	PL_PAUSE, PL_EXPIRES, PL_DELAYS, PL_REFUSED,
	PL_LAST_EVENT, PL_SINCE, PL_SEEN_UPTO, PL_SEEN, PL_NFIELDS
};
extern const struct rec_schema schema_plan;

/* The suppression entry (suppress), and the match record of filter --invert
 * and check: the address read (rcpt), then the entry's fields. */
enum {
	SU_ADDRESS, SU_REASON, SU_SINCE, SU_UNTIL, SU_COUNT, SU_SOURCE, SU_STATUS,
	SU_LAST_ADDED, SU_NFIELDS
};
extern const struct rec_schema schema_supp;
enum { SM_RCPT, SM_ENTRY, SM_NFIELDS = SM_ENTRY + SU_NFIELDS };
extern const struct rec_schema schema_supp_match;

/* The offset record: how far a log was read (bounce-parse --offset-file). */
enum {
	OF_PATH, OF_DEV, OF_INO, OF_OFFSET, OF_LINE, OF_HEAD_LEN, OF_HEAD_HASH, OF_BEGAN_NS,
	OF_SAVED, OF_NFIELDS
};
extern const struct rec_schema schema_offset;

/* The queue-id record: what the log readers remember of a message still in
 * the queue, kept after the offset records between --offset-file runs.
 * deferred: a row of QI_DEFERRED_WIDTH strings per recipient last deferred. */
enum { QI_QID, QI_FIRST, QI_FROM, QI_MSGID, QI_HOST, QI_DEFERRED, QI_NFIELDS };
enum { QI_DEF_RCPT, QI_DEF_STATUS, QI_DEF_RHOST, QI_DEF_DIAG, QI_DEFERRED_WIDTH };
extern const struct rec_schema schema_qid;

/* The statistics records (bounce-stats): one per group, its first key named
 * after the field grouped by; domains and servers go on with the advice. */
enum {
	ST_KEY, ST_EVENTS, ST_RECIPIENTS, ST_DEFERRALS, ST_FAILURES, ST_DELIVERIES,
	ST_REASONS, ST_STATUSES, ST_FIRST_SEEN, ST_LAST_SEEN, ST_DAYS, ST_SHARE,
	ST_FULL_DAYS, ST_RECURRING_FULL, ST_ADVICE, ST_THROTTLE, ST_NFIELDS
};
extern const struct rec_schema schema_stats_domain, schema_stats_rhost, schema_stats_status,
    schema_stats_reason, schema_stats_day;
/* The throttle object of the advice. */
enum { TH_RECIPIENTS, TH_WINDOW, TH_UNTIL, TH_REASONS, TH_NFIELDS };
extern const struct rec_schema schema_stats_throttle;
/* --segment: one record per affected recipient. */
enum {
	SG_RCPT, SG_DOMAIN, SG_EVENTS, SG_DEFERRALS, SG_FAILURES, SG_DELIVERIES, SG_REASONS,
	SG_FIRST_SEEN, SG_LAST_SEEN, SG_LAST_STATUS, SG_LAST_REASON, SG_NFIELDS
};
extern const struct rec_schema schema_stats_rcpt;

/* Every schema above, NULL-terminated (for tests and documentation). */
extern const struct rec_schema *const schema_all[];

#endif
