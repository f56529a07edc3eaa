/* nonstd_int: what the parts of the non-standard notice reader share:
 * nonstd.c (the recipients' lines) and nonstd_reply.c (their reply texts).
 * Private to them. */
#ifndef BK_NONSTD_INT_H
#define BK_NONSTD_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ascii.h"
#include "util.h"

/* One line of a notice: 16 bytes, as a notice of empty lines has one for
 * every byte (scan_notice reads at most NOTICE_SCAN_MAX bytes, so that the
 * lengths fit). */
struct line {
	const char *p;
	uint32_t n;
	uint32_t indent : 31;	/* white space bytes before the text */
	uint32_t has_at : 1;	/* holds an '@', as an address does */
};

#define NOTICE_SCAN_MAX ((size_t)INT32_MAX)

/* A recipient's reply text: at most NONSTD_REPLY_LINES lines of the
 * notice (nonstd.h), about NONSTD_TEXT_MAX bytes. */
#define NONSTD_TEXT_MAX 2000

/* Skips white space and transcript arrows. */
static inline void
nonstd_trim(const char **p, size_t *n)
{
	while (*n > 0 && ascii_space((unsigned char)**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && ascii_space((unsigned char)(*p)[*n - 1]))
		(*n)--;
}

/* Whether word[0..wordlen) would not have fit after line up[0..upn) within
 * the columns a mail program fills before it wraps (nonstd_wrapped_line),
 * up being no longer than such a program leaves its lines. */
int nonstd_overflows(const char *up, size_t upn, const char *word, size_t wordlen);
/* Whether line l[0..ln) is the rest of the line up[0..upn) above it that a
 * relay or a mail program hard-wrapped with no indent (both flush left): up
 * ends no sentence nor lead-in (".:;!?") and l's first word would not have
 * fit on it (nonstd_overflows). Weaker evidence than an indent: for a
 * sentence that names the recipient, where no line names one. */
int nonstd_flush_wrapped(const char *up, size_t upn, const char *l, size_t ln);
/* Whether p[0..n) holds an SMTP reply code or an enhanced status code. */
int nonstd_has_code(const char *p, size_t n);
/* Whether a line is a rule ("-----", "=====") more than anything else. */
int nonstd_is_separator(const char *p, size_t n);
/* The reply text on the lines after the recipient's line at, up to the
 * next recipient's line stop (intro: of another recipient), appended to
 * diag. Returns the line after the last one taken. */
size_t nonstd_take_after(const struct line *lines, size_t at, size_t stop, int intro,
    int transcript, struct util_buf *diag);
/* Whether p[0..n) (trimmed) is a line of its own in Sendmail's transcript:
 * a coded message, ">>> "/"<<< ", "... while talking to". */
int nonstd_transcript_line(const char *p, size_t n);
/* The ">>> MAIL From:" exchange of Sendmail's transcript that refused the
 * session's sender before line at: its first line, its end in *end; at if
 * none. */
size_t nonstd_mail_refusal(const struct line *lines, size_t at, size_t *end);
/* What the notice says before the list holding line at (not before lo). */
void nonstd_take_before(const struct line *lines, size_t lo, size_t at, struct util_buf *diag);
/* Whether a recipient line's label says what went wrong ("Unknown user"). */
int nonstd_meaningful_label(const char *p, size_t n);

/* A recipient line (nonstd.c scans for them). */
struct anchor {
	size_t line;		/* index of its line */
	const char *addr;
	size_t addrlen;
	const char *rest;	/* reply text on the same line */
	size_t restlen;
	const char *label;	/* "Unknown user" of "Unknown user: a@b", or NULL */
	const char *code;	/* the reply code that starts the line ("550 a@b... User
				 * unknown", Sendmail's transcript), or NULL */
	size_t labellen;
	const char *list;	/* more recipients after the address on a labelled
				 * line ("Intended Recipients: <a@b>, <c@d>",
				 * Haraka's bounce), or NULL */
	size_t listlen;
	unsigned kind;		/* NONSTD_LOCAL, NONSTD_X400, NONSTD_WEAK */
};

/* nonstd.c: an address starting exactly at p (n bytes left): its length,
 * 0 if none. Valid once nonstd_scan has built its tables. */
size_t nonstd_addr_at(const char *p, size_t n);

/* nonstd_named.c: whether line p[0..n) names a recipient in a sentence
 * ("... delivering your mail to <a@b>."), or after a display name ("Name
 * (a@b)"); fill a. The lines of its paragraph around it are [para, p) and
 * [p + n, paraend) (none: para == p and paraend == p + n). */
int nonstd_sentence_anchor(const char *p, size_t n, const char *para, const char *paraend,
    struct anchor *a);
int nonstd_date_after(const char *p, size_t n);
int nonstd_named_anchor(const char *p, size_t n, struct anchor *a);
/* Whether line l introduces a list of recipients. */
int nonstd_introduces_recipients(const struct line *l);
/* Whether the line above line i introduces someone to contact. */
int nonstd_contact_intro(const struct line *lines, size_t i);
/* Whether line l (after prev) names a recipient by a local part, or p[0..n)
 * by an X.400 address; fill a. */
int nonstd_local_anchor(const struct line *l, const struct line *prev, struct anchor *a);
int nonstd_name_anchor(const struct line *l, const struct line *prev, struct anchor *a);
int nonstd_x400_anchor(const char *p, size_t n, struct anchor *a);
/* Whether line p[0..n) is an X.400 address with an SMTP domain defined
 * attribute ("c=US;...;dda:SMTP=a@b;"); fill a with the Internet address. */
int nonstd_dda_anchor(const char *p, size_t n, struct anchor *a);

#endif
