/* email_int: what the parts of the email reader share: email.c (one message
 * and the order in which its parts are trusted), email_header.c (its header
 * fields), email_text.c (its readable text), email_dsn.c (its reports) and
 * email_folder.c (mailbox folders).
 * Private to them. */
#ifndef BK_EMAIL_INT_H
#define BK_EMAIL_INT_H

#include "email.h"
#include "hmap.h"
#include "mime.h"
#include "util.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* What one message yields, gathered while walking its parts. */
struct msg {
	const char *origin;
	int fd;			/* the message's file, or -1 */
	const struct email_opts *o;
	struct mime_header top;
	time_t date;
	struct util_buf dsn;	/* delivery-status parts, decoded */
	struct util_buf arf;	/* feedback-report parts */
	struct util_buf text;	/* text/plain parts, UTF-8 (email_text) */
	struct util_buf html;	/* text/html parts, tags stripped */
	size_t ntext_parts;	/* noted by email_text_add */
	struct mime_part preamble;	/* of the top multipart (MIME_PREAMBLE), or bodylen 0 */
	int text_loaded;
	struct util_buf orig;	/* the returned message, decoded (quoted-printable, base64) */
	/* The returned message: its part's body where that is not encoded
	 * (most are 7bit or 8bit: read where it is, not copied), else orig. */
	const char *orig_p;
	size_t orig_len;
	struct util_buf subject;	/* decoded, by message_subject */
	int subject_done;
	int subject_delayed;	/* email_kind_delayed, -1 until known */
	int success;		/* email_kind_success, -1 until known */
	int final;		/* email_kind_final, -1 until known */
	int subject_only;	/* email_kind_bounce: a word of the subject its only sign */
	int lists_delivered;	/* the notice has a list of deliveries, -1 until known */
	int has_orig;
	int receipt;		/* holds a message/disposition-notification part (2: a Sieve reject's) */
	int nested;		/* reports read inside returned messages (email.c) */
	struct mime_header orig_header;	/* parsed, in orig or text */
	int orig_to_done;	/* orig_to looked up (email_original_recipient) */
	char from[ADDR_MAX], msgid[ADDR_MAX], orig_to[ADDR_MAX];
	char qid[64];		/* from the returned message's top Received */
	/* For recipients named by a local part or an X.400 address: whom the
	 * notice may mean (email.c original_recipients), found once. */
	char (*cands)[ADDR_MAX];
	size_t ncands;
	/* "@domain" of the MAILER-DAEMON or postmaster that sent the notice,
	 * or "": found with cands. */
	char daemon_at[ADDR_MAX];
	/* The recipients written, when track is set (X-Failed-Recipients). */
	struct hmap emitted;
	int track;
	/* The address the notice was sent to, once looked up. */
	char notice_to[ADDR_MAX];
	int notice_to_done;
	unsigned long events;
	/* Reply texts that the human-readable part gives per recipient, for
	 * reports that lack a Diagnostic-Code; filled when first needed. */
	struct hmap textdiag;
	int textdiag_done;
	unsigned textdiag_misses;	/* addresses looked up before it, not in the notice */
	size_t notice;		/* the length of the notice, by email_notice_len */
	int notice_done;
	int notice_delayed;	/* email_notice_delayed, -1 until known */
	unsigned notice_lookups;	/* email_notice_diag calls: each scans the notice */
	/* Sendmail's headings of sections in the notice (savemail.c errbody(),
	 * email_kind_listed_delayed): where the first 16 are and whether each
	 * is that of delays, found once. */
	int sections_done;
	size_t nsections;
	size_t section_at[16];
	unsigned char section_delayed[16];
	unsigned name_lookups;	/* display names looked up (email_rcpt_complete) */
};

/* Scratch buffers of email_message and the checks it calls. */
struct bufs {
	struct util_buf v, w;
};

/* One recipient outcome, before it becomes an event (email_emit). */
struct rcpt {
	const char *addr;
	size_t addrlen;
	const char *orig_rcpt;
	const char *action;
	const char *status;
	const char *diag;
	const char *rhost;
	const char *reason;
	const char *class;
	const char *qid;
	const char *hint;	/* more text about it, for the reason */
	int hint_status;	/* and for the status: the report gives none */
	time_t time;
};

/* Above this, a buffer goes back to the system: one huge message does not
 * hold its memory for the rest of the run. */
#define KEEP_MAX (1u << 20)

/* Buffers kept per thread from one message to the next (fresh allocations
 * per message cost more than the parsing of a small one): reuse takes one,
 * emptied, keep gives it back. */
static inline struct util_buf
reuse(struct util_buf *k)
{
	struct util_buf b = *k;

	*k = (struct util_buf){ NULL, 0, 0 };
	b.len = 0;
	if (b.p)
		b.p[0] = '\0';
	return b;
}

static inline void
keep(struct util_buf *k, struct util_buf *b)
{
	if (b->cap > KEEP_MAX)
		util_buf_free(b);
	*k = *b;
}

/* The same for the field arrays of parsed headers. */
static inline struct mime_header
reuse_header(struct mime_header *k)
{
	struct mime_header h = { NULL, k->f, 0, k->cap };

	*k = (struct mime_header){ NULL, NULL, 0, 0 };
	return h;
}

static inline void
keep_header(struct mime_header *k, struct mime_header *h)
{
	if (h->cap * sizeof *h->f > KEEP_MAX)
		mime_header_free(h);
	*k = *h;
}

/* email.c */
/* One message (fd: its file, whose time stands in for a missing Date, and
 * then raw[rawlen] is a NUL; or -1). */
void email_message(const char *raw, size_t rawlen, const char *origin, int fd,
    const struct email_opts *o);
/* r as an event, handed to the sink. */
void email_emit(struct msg *m, const struct rcpt *r);
/* An RFC 5322 date, or (time_t)-1. */
time_t email_date(const char *v);

/* email_header.c */
/* The addr-spec in an address header value ("Name <a@b>", "a@b (c)") into
 * out (ADDR_MAX); 0, or -1 if there is none. */
int email_extract_addr(const char *v, size_t n, char *out);
/* Whether field i of g is called name (ASCII case ignored). Inline: the
 * callers name fields by literals, whose length the compiler knows, and ask
 * of every field of a header. */
static inline int
email_field_is(const struct mime_header *g, size_t i, const char *name)
{
	size_t len = strlen(name);

	return g->f[i].namelen == len && strncasecmp(g->base + g->f[i].name, name, len) == 0;
}
/* The Subject of the message, encoded words decoded; "" if none. */
const char *email_subject(struct msg *m);
/* The returned message's header s[0..n): parsed into m->orig_header, its
 * author, Message-ID and queue id into m->from, m->msgid and m->qid. */
void email_read_original(struct msg *m, const char *s, size_t n);
/* The recipient of the returned message, "" if none. */
const char *email_original_recipient(struct msg *m);
void email_header_thread_end(void);

/* email_kind.c */
/* Signs that the message is a delivery failure notice: 0 none (or it is an
 * automatic reply or a read receipt that merely looks like one), 1 one sign,
 * 2 both its sender and its subject say so. */
int email_kind_bounce(struct msg *m, struct bufs *b);
int email_kind_sends_on(struct msg *m, struct bufs *b);
/* Whether m is a person's forward ("Fwd:", from no mail system). */
int email_kind_forwarded(struct msg *m, struct bufs *b);
/* Whether a notice with one sign only says that delivery failed, in words
 * that are no automatic reply's: enough to stand for the returned message's
 * recipient. */
int email_kind_says_failed(struct msg *m, struct bufs *b);
/* Whether it comes from MAILER-DAEMON@ and is no automatic reply and no
 * report of delivery. */
int email_kind_from_daemon(struct msg *m, struct bufs *b);
/* Whether it is an automatic reply (RFC 3834 headers, the subjects of
 * vacation and challenge-response systems). */
int email_kind_autoreply(struct msg *m, struct bufs *b);
/* The same but for Auto-Submitted, which mail systems put on bounces too. */
int email_kind_responder(struct msg *m, struct bufs *b);
/* Whether its subject is that of a warning that delivery is still tried. */
int email_kind_delayed(struct msg *m);
/* Whether it reports successful delivery (and no failure). */
int email_kind_success(struct msg *m);
/* Whether the recipient whose name starts at at (in the notice's text)
 * is listed under a heading of delays (1), another heading (0) or none
 * (-1); and under an introduction of deliveries in a notice that lists
 * failures too. */
int email_kind_listed_delayed(struct msg *m, const char *at);
int email_kind_listed_delivered(struct msg *m, const char *at, struct bufs *b);
/* Whether it reports that delivery was given up: a failure, even where the
 * last reply was temporary. */
int email_kind_final(struct msg *m);

/* email_rcpt.c */
struct nonstd_hit;
/* An RFC 5322 address into out (ADDR_MAX) for a recipient the notice names
 * by a local part or an X.400 address (NONSTD_LOCAL, NONSTD_X400); -1 if
 * none is sound. */
int email_rcpt_complete(struct msg *m, const struct nonstd_hit *h, char *out);
/* Whether addr[0..n) is the returned message's author or the address the
 * notice was sent to. */
int email_rcpt_is_sender(struct msg *m, const char *addr, size_t n);

/* email_text.c */
/* Notes a text part (its Content-Transfer-Encoding cte) for email_text. */
void email_text_add(struct msg *m, const struct mime_part *p, const struct util_buf *cte);
/* The text of the message (its text/plain parts, else its text/html ones
 * stripped of their tags) in UTF-8, decoded when first asked for. */
struct util_buf *email_text(struct msg *m);
/* The length of the notice: the text before the returned copy. */
size_t email_notice_len(struct msg *m);
/* nonstd_says_delayed of the notice, found once: scans of the notice
 * (nonstd_scan_notice) and email_kind_final ask it. */
int email_notice_delayed(struct msg *m);
/* The reply text that the notice gives the recipient addr, or NULL. */
const char *email_text_diag(struct msg *m, const char *addr);
/* The lines of the notice from where addr[0..n) is named into out. */
void email_notice_diag(struct msg *m, const char *addr, size_t n, struct util_buf *out);
/* Whether the notice names a delivery program ("|/usr/bin/procmail", Exim's
 * "pipe to |cmd") or file as the failed address that recipient addr was
 * expanded to. */
int email_notice_program(struct msg *m, const char *addr);
int email_notice_alias_of(struct msg *m, const char *name, size_t n, char *out);
/* The next recipient from *at on (an offset in the notice, moved past it)
 * that Sendmail's list names only as what a failed program or file was
 * "(expanded from: <rcpt>)": where the notice names it, its length in
 * *len; NULL when there is none. */
const char *email_notice_expanded(struct msg *m, size_t *at, size_t *len);
/* src[0..n) into dst with white space collapsed, at most limit bytes out;
 * dst may be src. Returns the length out. */
size_t email_collapse_ws(char *dst, const char *src, size_t n, size_t limit);
/* Before and after each message, and when a thread ends. */
void email_text_begin(void);
void email_text_done(void);
void email_text_thread_end(void);

/* email_dsn.c */
/* RFC 3464 report fields (s[0..n)): an event per recipient. */
void email_dsn_parse(struct msg *m, const char *s, size_t n);
void email_dsn_parse_pasted(struct msg *m, const char *s, size_t n);
/* RFC 5965 feedback report fields: a complaint. */
void email_arf_parse(struct msg *m, const char *s, size_t n);
/* The first SMTP reply code in a reply text s[0..n), 0 if none. */
int email_reply_code(const char *s, size_t n);
/* status (STATUS_MAX, "" for none) against the reply text diag[0..n) that
 * the server gave: its code where it says more. */
void email_status_from_reply(char *status, const char *diag, size_t n);
void email_dsn_thread_end(void);

/* email_folder.c */
void email_folder_thread_end(void);

#endif
