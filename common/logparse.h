/* logparse: delivery outcomes from MTA log lines (Postfix, Exim, Sendmail). */
#ifndef BK_LOGPARSE_H
#define BK_LOGPARSE_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "bktime.h"
#include "event.h"
#include "input.h"
#include "jsonl.h"

enum logparse_format { LOGPARSE_AUTO, LOGPARSE_POSTFIX, LOGPARSE_EXIM, LOGPARSE_SENDMAIL,
	/* bulk senders' MTAs: logparse_acct.c */
	LOGPARSE_POWERMTA, LOGPARSE_EXCHANGE, LOGPARSE_OPENSMTPD, LOGPARSE_QMAIL, LOGPARSE_HARAKA };

struct logparse_state;	/* per-queue-id memory (sender, message-id), bounded */
struct logparse_acct;	/* CSV headers and joins of the bulk senders' MTA logs */

struct logparse {
	enum logparse_format format;
	struct bktime_syslog stamps;	/* year inference for RFC 3164 stamps */
	event_sink sink;
	void *sink_arg;
	struct logparse_state *state;
	struct logparse_acct *acct;
	/* Set by the caller when deliveries are not wanted: they are then only
	 * noted (for expiry), not built into events. Default 0: all outcomes. */
	int skip_delivered;
};

/* format, forced year (0: infer), reference time for the inference. */
void logparse_init(struct logparse *lp, enum logparse_format format, int year, time_t now,
    event_sink sink, void *sink_arg);
void logparse_free(struct logparse *lp);
/* One line without its line end. Lines that are no delivery outcome are
 * skipped silently. Returns BK_OK, or BK_ERR after reporting "file:line: ..."
 * for a line that looked like an outcome but could not be read. */
int logparse_line(struct logparse *lp, const struct input_loc *loc, const char *line, size_t len);
/* The per-queue-id memory (sender, message-id, deferred recipients) as JSON
 * lines for a later run on the same logs (with --offset-file): save writes
 * it, leaving out messages surely out of the queue by now; load takes one
 * line back (-1: not such a line). */
int logparse_save(struct logparse *lp, FILE *fp);
int logparse_load(struct logparse *lp, const json_t *o);
/* Whether a line looks like a log line at all (for format detection). */
int logparse_looks_like_log(const char *line, size_t len);

#endif
