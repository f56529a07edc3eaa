/* logparse_acct: what the readers of bulk senders' MTA logs share
 * (logparse_acct.c: where their lines are told apart; PowerMTA, Exchange,
 * OpenSMTPD, qmail and Haraka in logparse_<format>.c); not for programs. */
#ifndef BK_LOGPARSE_ACCT_H
#define BK_LOGPARSE_ACCT_H

#include <stddef.h>
#include <time.h>

#include "csv.h"
#include "event.h"
#include "hmap.h"
#include "logparse_int.h"

/* Column indexes of a CSV log's header that a reader wants; -1 when absent. */
#define ACCT_COLS_MAX 24

/* A two-generation table: keys of the current one and the one before it are
 * found; when the current one is full, the older one is dropped. Memory
 * stays bounded however long the log, and recent keys are kept. */
struct acct_recent {
	struct hmap gen[2];
	size_t cap;
};

struct logparse_acct {
	/* The CSV header of the file being read: its name and the columns. */
	char *file;
	int kind;			/* LOGPARSE_POWERMTA or LOGPARSE_EXCHANGE */
	long col[ACCT_COLS_MAX];
	int have_cols;
	int header_reported;		/* once per file: no header found */
	struct csv row;			/* the line being read */
	struct util_buf scratch;	/* text put together for one event */
	/* qmail: delivery number -> "msg\0rcpt"; message number -> sender */
	struct acct_recent qmail_dlv, qmail_msg;
	/* Haraka: transaction id -> "sender\0msgid\0rcpt\0rcpt..." */
	struct acct_recent haraka_txn;
};

/* ---- the dispatch, called from logparse_line ---- */

/* A line with no syslog header (CSV records and headers, tai64n stamps,
 * Haraka's own stamps): BK_OK or BK_ERR when it was such a line (or the
 * format is one of these and the line is not theirs), -1 to go on. */
int logparse_acct_line(struct logparse_ctx *c);
/* A syslog line of OpenSMTPD (smtpd), qmail (splogger) or Haraka, msg[0..n)
 * after the tag: as above. */
int logparse_acct_tagged(struct logparse_ctx *c, const char *msg, size_t n);
void logparse_acct_free(struct logparse *lp);

/* ---- the formats: BK_OK (also for lines they skip) or BK_ERR ---- */

int logparse_powermta_header(struct logparse_ctx *c, struct logparse_acct *a);
int logparse_powermta_line(struct logparse_ctx *c, struct logparse_acct *a);
int logparse_exchange_header(struct logparse_ctx *c, struct logparse_acct *a,
    const char *fields, size_t n);
int logparse_exchange_line(struct logparse_ctx *c, struct logparse_acct *a);
int logparse_opensmtpd_line(struct logparse_ctx *c, struct logparse_acct *a, const char *msg,
    size_t n);
int logparse_qmail_line(struct logparse_ctx *c, struct logparse_acct *a, const char *msg,
    size_t n);
int logparse_haraka_line(struct logparse_ctx *c, struct logparse_acct *a, const char *msg,
    size_t n);

/* ---- shared helpers ---- */

/* Reads a CSV header line[0..n) of a log of kind: the index of each of
 * names[0..ncol) (ncol <= ACCT_COLS_MAX), -1 when absent. BK_OK, or BK_ERR
 * with the diagnostic unclosed on an unclosed quote. */
int acct_columns(struct logparse_ctx *c, struct logparse_acct *a, const char *line, size_t n,
    int kind, const char *const *names, size_t ncol, const char *unclosed);
/* Field col of the row being read, or NULL when the header lacks the column
 * or the field is empty. */
const char *acct_field(const struct logparse_acct *a, int col);

/* A new event of the line: action, source, origin "file:line". */
void acct_start(struct logparse_ctx *c, struct event *e, const char *action, const char *source);
/* The recipient, angle brackets dropped; -1 (reported) when it is not an address. */
int acct_rcpt(struct logparse_ctx *c, struct event *e, const char *addr, size_t n);
/* Settles reason and class (outcome_settle) and hands e to the sink. */
void acct_send(struct logparse_ctx *c, struct event *e, const char *hint, int force,
    const char *cls);
/* A time in a log field: epoch seconds, RFC 3339 ("T" or a space, any
 * offset, none meaning UTC); (time_t)-1 when none. */
time_t acct_time(const char *s);

/* "key=value" in s[0..n) (value up to a space, or quoted): value and its
 * length, or NULL. */
const char *acct_kv(const char *s, size_t n, const char *key, size_t *len);

void acct_recent_init(struct acct_recent *r, size_t cap);
/* The entry of key in either generation, or NULL. */
struct hmap_entry *acct_recent_get(struct acct_recent *r, const char *key, size_t len);
/* The entry of key, added to the current generation if it is in neither. */
struct hmap_entry *acct_recent_put(struct acct_recent *r, const char *key, size_t len);
void acct_recent_free(struct acct_recent *r);

#endif
