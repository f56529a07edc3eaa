/* schema: the fields of every kind of record (see schema.h). */
#include "schema.h"

#define R REC_REQUIRED
#define N REC_NULLABLE
#define O REC_OPTIONAL

static const struct rec_field event_fields[EV_NFIELDS] = {
	[EV_TIME] = REC_FIELD("time", REC_TIME, R | N),
	[EV_RCPT] = REC_FIELD("rcpt", REC_STR, R),
	[EV_DOMAIN] = REC_FIELD("domain", REC_STR, 0),
	[EV_ACTION] = REC_FIELD("action", REC_STR, R),
	[EV_STATUS] = REC_FIELD("status", REC_STR, N),
	[EV_CODE] = REC_FIELD("code", REC_INT, N),
	[EV_REASON] = REC_FIELD("reason", REC_STR, 0),
	[EV_CLASS] = REC_FIELD("class", REC_STR, 0),
	[EV_RHOST] = REC_FIELD("rhost", REC_STR, N),
	[EV_DIAG] = REC_FIELD("diag", REC_STR, N),
	[EV_FROM] = REC_FIELD("from", REC_STR, N),
	[EV_MSGID] = REC_FIELD("msgid", REC_STR, N),
	[EV_QID] = REC_FIELD("qid", REC_STR, N),
	[EV_POOL] = REC_FIELD("pool", REC_STR, O),
	[EV_ORIG_RCPT] = REC_FIELD("orig_rcpt", REC_STR, O),
	[EV_SOURCE] = REC_FIELD("source", REC_STR, 0),
	[EV_ORIGIN] = REC_FIELD("origin", REC_STR, 0),
	/* bounce-parse --why */
	[EV_REASON_RULE] = REC_FIELD("reason_rule", REC_STR, O),
	[EV_REASON_SOURCE] = REC_FIELD("reason_source", REC_STR, O),
	[EV_CLASS_RULE] = REC_FIELD("class_rule", REC_STR, O),
	[EV_CLASS_SOURCE] = REC_FIELD("class_source", REC_STR, O),
};
const struct rec_schema schema_event = { "event", event_fields, EV_NFIELDS };

static const struct rec_field plan_fields[PL_NFIELDS] = {
	[PL_RCPT] = REC_FIELD("rcpt", REC_STR, R),
	[PL_DOMAIN] = REC_FIELD("domain", REC_STR, 0),
	[PL_STATE] = REC_FIELD("state", REC_STR, R),
	[PL_STATUS] = REC_FIELD("status", REC_STR, N),
	[PL_REASON] = REC_FIELD("reason", REC_STR, 0),
	[PL_ATTEMPTS] = REC_FIELD("attempts", REC_INT, 0),
	[PL_MAX_ATTEMPTS] = REC_FIELD("max_attempts", REC_INT, 0),
	[PL_FIRST_BOUNCE] = REC_FIELD("first_bounce", REC_TIME, R),
	[PL_LAST_BOUNCE] = REC_FIELD("last_bounce", REC_TIME, R),
	[PL_LAST_ATTEMPT] = REC_FIELD("last_attempt", REC_TIME, 0),
	[PL_NEXT_RETRY] = REC_FIELD("next_retry", REC_TIME, N),
	[PL_CLAIMED_AT] = REC_FIELD("claimed_at", REC_TIME, N),
	[PL_RESOLVED_AT] = REC_FIELD("resolved_at", REC_TIME, N),
	[PL_MSGIDS] = REC_FIELD("msgids", REC_STRS, 0),
	[PL_FROM] = REC_FIELD("from", REC_STR, N),
	[PL_RULE] = REC_FIELD("rule", REC_STR, N),
	/* adaptive rules (retry-plan(1)) */
	[PL_SCHEDULE] = REC_FIELD("schedule", REC_STR, O),
	[PL_BASIS] = REC_FIELD("basis", REC_STR, O),
	[PL_RETRY_AT] = REC_FIELD("retry_at", REC_STRS, O),
	[PL_PAUSE] = REC_FIELD("pause", REC_DURATION, N),
	[PL_EXPIRES] = REC_FIELD("expires", REC_TIME, N),
	[PL_DELAYS] = REC_FIELD("delays", REC_INT, 0),
	[PL_REFUSED] = REC_FIELD("refused", REC_INT, O),
	[PL_LAST_EVENT] = REC_FIELD("last_event", REC_TIME, 0),
	[PL_SINCE] = REC_FIELD("since", REC_TIME, 0),
	[PL_SEEN_UPTO] = REC_FIELD("seen_upto", REC_TIME, N),
	[PL_SEEN] = REC_FIELD("seen", REC_STR, 0),
};
const struct rec_schema schema_plan = { "plan", plan_fields, PL_NFIELDS };

#define SUPP_FIELDS(at) \
	[(at) + SU_ADDRESS] = REC_FIELD("address", REC_STR, R), \
	[(at) + SU_REASON] = REC_FIELD("reason", REC_STR, 0), \
	[(at) + SU_SINCE] = REC_FIELD("since", REC_TIME, 0), \
	[(at) + SU_UNTIL] = REC_FIELD("until", REC_TIME, N), \
	[(at) + SU_COUNT] = REC_FIELD("count", REC_INT, 0), \
	[(at) + SU_SOURCE] = REC_FIELD("source", REC_STR, 0), \
	[(at) + SU_STATUS] = REC_FIELD("status", REC_STR, N), \
	[(at) + SU_LAST_ADDED] = REC_FIELD("last_added", REC_TIME, 0)

static const struct rec_field supp_fields[SU_NFIELDS] = { SUPP_FIELDS(0) };
const struct rec_schema schema_supp = { "suppression", supp_fields, SU_NFIELDS };

static const struct rec_field supp_match_fields[SM_NFIELDS] = {
	[SM_RCPT] = REC_FIELD("rcpt", REC_STR, R),
	SUPP_FIELDS(SM_ENTRY),
};
const struct rec_schema schema_supp_match = { "match", supp_match_fields, SM_NFIELDS };

static const struct rec_field offset_fields[OF_NFIELDS] = {
	[OF_PATH] = REC_FIELD("path", REC_STR, R),
	[OF_DEV] = REC_FIELD("dev", REC_INT, R),
	[OF_INO] = REC_FIELD("ino", REC_INT, R),
	[OF_OFFSET] = REC_FIELD("offset", REC_INT, R),
	[OF_LINE] = REC_FIELD("line", REC_INT, 0),
	[OF_HEAD_LEN] = REC_FIELD("head_len", REC_INT, R),
	[OF_HEAD_HASH] = REC_FIELD("head_hash", REC_STR, R),
	[OF_BEGAN_NS] = REC_FIELD("began_ns", REC_INT, 0),
	[OF_SAVED] = REC_FIELD("saved", REC_TIME, N),
};
const struct rec_schema schema_offset = { "offset", offset_fields, OF_NFIELDS };

static const struct rec_field qid_fields[QI_NFIELDS] = {
	[QI_QID] = REC_FIELD("qid", REC_STR, R),
	[QI_FIRST] = REC_FIELD("first", REC_TIME, N),
	[QI_FROM] = REC_FIELD("from", REC_STR, N),
	[QI_MSGID] = REC_FIELD("msgid", REC_STR, N),
	[QI_HOST] = REC_FIELD("host", REC_STR, O),
	[QI_DEFERRED] = REC_ROWS_FIELD("deferred", QI_DEFERRED_WIDTH, R),
};
const struct rec_schema schema_qid = { "qid", qid_fields, QI_NFIELDS };

static const struct rec_field throttle_fields[TH_NFIELDS] = {
	[TH_RECIPIENTS] = REC_FIELD("recipients", REC_INT, 0),
	[TH_WINDOW] = REC_FIELD("window", REC_DURATION, 0),
	[TH_UNTIL] = REC_FIELD("until", REC_TIME, 0),
	[TH_REASONS] = REC_FIELD("reasons", REC_COUNTS, 0),
};
const struct rec_schema schema_stats_throttle = { "throttle", throttle_fields, TH_NFIELDS };

/* The fields after the group key; then those of the advice. */
#define STATS_FIELDS \
	[ST_EVENTS] = REC_FIELD("events", REC_INT, 0), \
	[ST_RECIPIENTS] = REC_FIELD("recipients", REC_INT, 0), \
	[ST_DEFERRALS] = REC_FIELD("deferrals", REC_INT, 0), \
	[ST_FAILURES] = REC_FIELD("failures", REC_INT, 0), \
	[ST_DELIVERIES] = REC_FIELD("deliveries", REC_INT, 0), \
	[ST_REASONS] = REC_FIELD("reasons", REC_COUNTS, 0), \
	[ST_STATUSES] = REC_FIELD("statuses", REC_COUNTS, 0), \
	[ST_FIRST_SEEN] = REC_FIELD("first_seen", REC_TIME, N), \
	[ST_LAST_SEEN] = REC_FIELD("last_seen", REC_TIME, N), \
	[ST_DAYS] = REC_FIELD("days", REC_INT, 0), \
	[ST_SHARE] = { "share", 5, REC_REAL, 0, 4, NULL }
#define ADVICE_FIELDS \
	[ST_FULL_DAYS] = REC_FIELD("full_days", REC_INT, 0), \
	[ST_RECURRING_FULL] = REC_FIELD("recurring_full", REC_BOOL, 0), \
	[ST_ADVICE] = REC_FIELD("advice", REC_STR, 0), \
	[ST_THROTTLE] = { "throttle", 8, REC_OBJECT, 0, 0, &schema_stats_throttle }

static const struct rec_field stats_domain_fields[ST_NFIELDS] = {
	[ST_KEY] = REC_FIELD("domain", REC_STR, N), STATS_FIELDS, ADVICE_FIELDS,
};
static const struct rec_field stats_rhost_fields[ST_NFIELDS] = {
	[ST_KEY] = REC_FIELD("rhost", REC_STR, N), STATS_FIELDS, ADVICE_FIELDS,
};
static const struct rec_field stats_status_fields[ST_FULL_DAYS] = {
	[ST_KEY] = REC_FIELD("status", REC_STR, N), STATS_FIELDS,
};
static const struct rec_field stats_reason_fields[ST_FULL_DAYS] = {
	[ST_KEY] = REC_FIELD("reason", REC_STR, N), STATS_FIELDS,
};
static const struct rec_field stats_day_fields[ST_FULL_DAYS] = {
	[ST_KEY] = REC_FIELD("day", REC_STR, N), STATS_FIELDS,
};
const struct rec_schema schema_stats_domain = { "stats", stats_domain_fields, ST_NFIELDS };
const struct rec_schema schema_stats_rhost = { "stats", stats_rhost_fields, ST_NFIELDS };
const struct rec_schema schema_stats_status = { "stats", stats_status_fields, ST_FULL_DAYS };
const struct rec_schema schema_stats_reason = { "stats", stats_reason_fields, ST_FULL_DAYS };
const struct rec_schema schema_stats_day = { "stats", stats_day_fields, ST_FULL_DAYS };

static const struct rec_field stats_rcpt_fields[SG_NFIELDS] = {
	[SG_RCPT] = REC_FIELD("rcpt", REC_STR, 0),
	[SG_DOMAIN] = REC_FIELD("domain", REC_STR, 0),
	[SG_EVENTS] = REC_FIELD("events", REC_INT, 0),
	[SG_DEFERRALS] = REC_FIELD("deferrals", REC_INT, 0),
	[SG_FAILURES] = REC_FIELD("failures", REC_INT, 0),
	[SG_DELIVERIES] = REC_FIELD("deliveries", REC_INT, 0),
	[SG_REASONS] = REC_FIELD("reasons", REC_COUNTS, 0),
	[SG_FIRST_SEEN] = REC_FIELD("first_seen", REC_TIME, N),
	[SG_LAST_SEEN] = REC_FIELD("last_seen", REC_TIME, N),
	[SG_LAST_STATUS] = REC_FIELD("last_status", REC_STR, N),
	[SG_LAST_REASON] = REC_FIELD("last_reason", REC_STR, 0),
};
const struct rec_schema schema_stats_rcpt = { "segment", stats_rcpt_fields, SG_NFIELDS };

const struct rec_schema *const schema_all[] = {
	&schema_event, &schema_plan, &schema_supp, &schema_supp_match, &schema_offset,
	&schema_qid, &schema_stats_domain, &schema_stats_rhost, &schema_stats_status, &schema_stats_reason,
	&schema_stats_day, &schema_stats_throttle, &schema_stats_rcpt, NULL,
};
