/* logparse_int: what the log parsers (logparse*.c) share; not for programs. */
#ifndef BK_LOGPARSE_INT_H
#define BK_LOGPARSE_INT_H

#include <stddef.h>
#include <string.h>
#include <time.h>

#include "logparse.h"
#include "util.h"

/* Field caps: longer values are cut, so that work per event stays bounded
 * (the reason classifier reads the whole diagnostic). */
#define LOGPARSE_DIAG_MAX 2048
#define LOGPARSE_FIELD_MAX 512
#define LOGPARSE_QID_MAX 64

enum logparse_stamp { LOGPARSE_STAMP_NONE, LOGPARSE_STAMP_SYSLOG, LOGPARSE_STAMP_RFC3339,
	LOGPARSE_STAMP_EXIM };

/* One line being read: where its stamp and message are. */
struct logparse_ctx {
	struct logparse *lp;
	const struct input_loc *loc;
	const char *line;
	size_t len;
	enum logparse_stamp stamp_kind;
	const char *stamp;	/* start of the time stamp */
	size_t stamp_len;
	const char *tag;	/* syslog program ("postfix/smtp[12]"), NULL without */
	size_t tag_len;
	int have_time;
	time_t time;
};

/* The per-event scratch: copies of fields that live until the sink returns. */
struct logparse_fields {
	char qid[LOGPARSE_QID_MAX];
	char rhost[LOGPARSE_FIELD_MAX];
	char diag[LOGPARSE_DIAG_MAX];
	char from[LOGPARSE_FIELD_MAX];
	char msgid[LOGPARSE_FIELD_MAX];
	char orig[LOGPARSE_FIELD_MAX];
	struct util_buf origin;
};

/* Bytes: the first occurrence of needle (short, constant) in s[0..n), or NULL.
 * Inline so that strlen of the constant folds. */
const char *logparse_findn(const char *s, size_t n, const char *needle, size_t m);
static inline const char *
logparse_find(const char *s, size_t n, const char *needle)
{
	return logparse_findn(s, n, needle, strlen(needle));
}
/* Whether s[0..n) starts with prefix (a constant: inline, strlen folds). */
static inline int
logparse_prefix(const char *s, size_t n, const char *prefix)
{
	size_t m = strlen(prefix);

	return n >= m && memcmp(s, prefix, m) == 0;
}
/* Copies s[0..n) into dst (cap bytes) without NUL bytes, cut at cap-1; returns dst. */
char *logparse_copy(char *dst, size_t cap, const char *s, size_t n);
/* Host name of "name[ip]...", "name. [ip]" or "[ip]" into dst; 0, or -1 if none. */
int logparse_host(char *dst, size_t cap, const char *s, size_t n);

/* The line's time, converted on first use; (time_t)-1 when unknown. */
time_t logparse_time(struct logparse_ctx *c);
/* -1 (after a warning) when the line has a stamp that cannot be read: an
 * outcome without its time is of no use to retry-plan. */
int logparse_check_time(struct logparse_ctx *c);
/* The scratch for the next event, reset. */
struct logparse_fields *logparse_fields(struct logparse *lp);
/* "file:line" in the scratch. */
const char *logparse_origin(struct logparse_ctx *c);
/* Warns "file:line: what" and returns BK_ERR. */
int logparse_bad(struct logparse_ctx *c, const char *what);

/* Per-queue-id memory (logparse_mem.c), bounded. Values are cut at
 * LOGPARSE_FIELD_MAX. */
struct logparse_mem;
struct logparse_mem *logparse_mem_new(void);
void logparse_mem_free(struct logparse_mem *m);
/* Remembers the sender (when from is not NULL) and the message id (the first
 * one given: a message's first Message-ID field) of the line being read (its
 * time tells when the message is surely gone). */
void logparse_remember(struct logparse_ctx *c, const char *qid, size_t qlen, const char *from,
    size_t flen, const char *msgid, size_t mlen);
/* The remembered sender and message id (NULL when unknown), valid until the next call
 * that changes the memory. */
void logparse_recall(struct logparse *lp, const char *qid, size_t qlen, const char **from,
    const char **msgid);
void logparse_forget(struct logparse *lp, const char *qid, size_t qlen);
/* The host of a delivery attempt logged before its outcome (Exim's "id H=mx
 * [ip] Connection refused"); taken (and forgotten) by the outcome: valid
 * until the next call that changes the memory, NULL if none. */
void logparse_remember_host(struct logparse_ctx *c, const char *qid, size_t qlen,
    const char *host);
const char *logparse_take_host(struct logparse *lp, const char *qid, size_t qlen);
/* A recipient's last deferral: status ("" if none), remote host and reply
 * text ("" when unknown). */
struct logparse_deferral {
	const char *status, *rhost, *diag;
};
/* Recipients still deferred are remembered too, so that a message that expires
 * can name them and say why. logparse_track does all of it for one outcome:
 * from and msgid copied into f (NULL when unknown), and rcpt noted as deferred
 * (deferred not NULL) or done (NULL). */
void logparse_track(struct logparse *lp, const char *qid, size_t qlen, const char *rcpt,
    const struct logparse_deferral *deferred, struct logparse_fields *f, const char **from,
    const char **msgid);
/* rcpt of qid is done (delivered): no longer deferred. */
void logparse_note_done(struct logparse *lp, const char *qid, size_t qlen, const char *rcpt);
/* The last deferral of rcpt of qid, copied into keep (d points there), and
 * forgotten; -1 if rcpt is not deferred. */
int logparse_last_deferral(struct logparse *lp, const char *qid, size_t qlen, const char *rcpt,
    struct logparse_deferral *d, struct util_buf *keep);
/* Calls fn for each deferred recipient of qid, then forgets them. */
void logparse_take_deferred(struct logparse *lp, const char *qid, size_t qlen,
    void (*fn)(void *arg, const char *rcpt, const struct logparse_deferral *d), void *arg);

/* Whether a reason says no more than "expired" would (systemerror, undefined). */
int logparse_generic_reason(const char *reason);

/* The format parsers: return BK_OK (also for lines they skip) or BK_ERR. */
int logparse_qid_line(struct logparse_ctx *c, const char *msg, size_t n);
/* "QID: key=value, ..." lines of Postfix and Sendmail (logparse_qid.c). */
enum logparse_key { K_TO, K_ORIG_TO, K_RELAY, K_DSN, K_STATUS, K_STAT, K_REPLY, K_FROM, K_MSGID,
	K_NKEYS };

/* The values of the keys above on one line (NULL when absent). */
struct logparse_kv {
	const char *p[K_NKEYS];
	size_t n[K_NKEYS];
};

/* One outcome line being turned into events. */
struct logparse_outcome {
	struct logparse_ctx *c;
	const char *qid;
	size_t qlen;
	const char *source;
	const char *action;
	const char *reason;	/* forced (expired), or NULL */
	const char *reason_text;	/* what may say more than reason, if not diag */
	const struct logparse_kv *kv;
	const char *diag;
	size_t diag_len;
	const char *rhost;	/* "name[ip]..." as logged */
	size_t rhost_len;
	const char *rhost_name;	/* or the host name itself (remembered) */
	int code;		/* the reply code, if not at the start of diag */
};

/* One event for one recipient; 0, or -1 when the recipient cannot be read,
 * 1 when it is a local name that is skipped. */
int logparse_qid_emit(struct logparse_outcome *o, const char *rcpt, size_t rlen, const char *orig,
    size_t olen, const char *status_text);
/* A message given up on (its queue lifetime ran out): each recipient still
 * deferred fails, reason expired unless its last reply says more, with diag
 * "TEXT; last reply: ..." and the last deferral's status and host. */
int logparse_qid_expire(struct logparse_ctx *c, const char *qid, size_t qlen, const char *source,
    const char *text);
/* "QID: to=..., status=..." of Postfix (logparse_postfix.c). */
int logparse_postfix_outcome(struct logparse_ctx *c, struct logparse_outcome *o,
    const struct logparse_kv *kv);
/* "QID: from=<a@b>, status=expired, ..." of Postfix's qmgr. */
int logparse_postfix_expired(struct logparse_ctx *c, const char *qid, size_t qlen,
    const struct logparse_kv *kv);
/* "QID: to=..., stat=..." of Sendmail (logparse_sendmail.c). */
int logparse_sendmail_outcome(struct logparse_ctx *c, struct logparse_outcome *o,
    struct logparse_kv *kv);
/* "QID: NEWQID: sender notify: Cannot send message for 5 days" of Sendmail:
 * the message given up on (and warnings, that make no event). */
int logparse_sendmail_notify(struct logparse_ctx *c, const char *qid, size_t qlen,
    const char *rest, size_t rn);

/* Exim (logparse_exim.c). */
/* Length of an Exim message id at s ("1abcDE-000123-AB", "1abcDE-0000000Ab-0000"), 0 if none. */
size_t logparse_exim_id(const char *s, size_t n);
/* Length of an Exim "YYYY-MM-DD HH:MM:SS[.fff][ +HHMM]" stamp at s, 0 if none. */
size_t logparse_exim_stamp(const char *s, size_t n);
/* The time of a stamp that logparse_exim_stamp measured; (time_t)-1 if invalid. */
time_t logparse_exim_time(struct bktime_local *clock, const char *s, size_t n);
/* Length of the "[1234] " of log_selector +pid at s, 0 if none. */
size_t logparse_exim_pid_len(const char *s, size_t n);
/* An Exim line's message after its stamp ("[pid] id flag ..."), if the format allows. */
int logparse_exim_message(struct logparse_ctx *c, const char *s, size_t n);
int logparse_exim_line(struct logparse_ctx *c, const char *msg, size_t n);

/* What a parser keeps across lines. */
struct logparse_state {
	struct logparse_mem *mem;
	time_t latest;			/* the newest log time read, -1 none yet */
	struct logparse_fields fields;
	struct util_buf keep;		/* a last deferral taken out of the memory */
	/* The syslog stamp last read and its time: lines of the same second
	 * come in runs. Only a stamp read without error is kept. */
	char stamp[32];
	size_t stamp_len;
	time_t stamp_time;
	struct bktime_local exim_clock;	/* Exim stamps without a zone are local time */
};

#endif
