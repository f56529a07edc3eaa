/* nonstd: recipients and reply texts from the human-readable body of bounces
 * that carry no RFC 3464 report (qmail, Exim, Gmail, Yahoo, Exchange, ...).
 * Patterns are families of wording, not single servers. */
#ifndef BK_NONSTD_H
#define BK_NONSTD_H

#include <stddef.h>

struct util_buf;

/* How a recipient was named, when not by an RFC 5322 address. */
enum {
	NONSTD_LOCAL = 1,	/* a local part without its domain */
	NONSTD_X400 = 2,	/* an X.400 O/R address ("/C=JP/.../S=NAME/") */
	NONSTD_WEAK = 4,	/* after a label in another language than English,
				 * which may also name the sender */
	NONSTD_NAME = 16,	/* a display name alone (Exchange's "Name on
				 * <date>"): the returned message's recipient
				 * of that name */
};

/* One failed (or, with delayed set, delayed) recipient; diag may be empty. */
struct nonstd_hit {
	const char *addr;
	size_t addrlen;
	const char *diag;	/* reply text, white space collapsed, NUL-terminated */
	int delayed;
	int context;		/* diag is the text about the whole list (before it,
				 * or the label of its line), not this recipient's */
	unsigned kind;		/* NONSTD_* */
};
typedef void (*nonstd_fn)(void *arg, const struct nonstd_hit *hit);

/* Scans text[0..n) (UTF-8, LF line ends). Calls fn for each recipient found
 * and returns the offset where a copy of the original message starts (n if
 * none was seen). */
size_t nonstd_scan(const char *text, size_t n, nonstd_fn fn, void *arg);

/* The same, for text that already ends where the returned copy starts
 * (nonstd_original_start of the caller): saves a second search. *delayed
 * is nonstd_says_delayed(text, n), or -1 until known: then it is found out
 * (and kept there) once a recipient is, so that the callers that ask again
 * of the same text need not read it again. delayed NULL: fn does not ask
 * (hit->delayed is 0). */
void nonstd_scan_notice(const char *text, size_t n, int *delayed, nonstd_fn fn, void *arg);
/* The output of Exim's delivery programs that is addr's (deliver.c
 * return_output: after "The following text was generated during the
 * delivery attempt(s):", groups of "------ <address> ------" headings over
 * the output they share), appended to diag after the line that introduces
 * them; nothing if no heading names addr. For a recipient that only
 * X-Failed-Recipients names: its heading is the notice's only mention. */
void nonstd_exim_output(const char *text, size_t n, const char *addr, size_t addrlen,
    struct util_buf *diag);

/* Offset of the line that starts the returned original message in text, or n
 * (nonstd_notice.c). */
size_t nonstd_original_start(const char *text, size_t n);
/* Whether p[0..n) starts with one of words (ASCII case ignored). */
int nonstd_starts_with(const char *p, size_t n, const char *const *words, size_t nwords);
/* Whether the notice text[0..n) says the message is still being tried. */
int nonstd_says_delayed(const char *text, size_t n);
/* Whether it says that delivery was given up, whatever else it says: the
 * notice says it is final if this and not nonstd_says_delayed. */
int nonstd_says_given_up(const char *text, size_t n);
/* The lines of a notice that a recipient's reply text is taken from, at
 * most: a line wrapped onto the next (nonstd_wrapped_line) counts once. */
#define NONSTD_REPLY_LINES 10
/* Whether line l[0..ln) is the rest of the line up[0..upn) above it that a
 * mail program wrapped at about 72 columns with an indent (Exchange, Gmail
 * and Postfix indent what they wrap): up is not empty, is less indented (or
 * as much, if up is itself such a rest: up_wrapped) and ends no lead-in with
 * ':', and the first word of l would not have fit on it. Rules that read so
 * many lines count such a line with the one above: how a notice's lines are
 * wrapped does not cut its reply text shorter. */
int nonstd_wrapped_line(const char *up, size_t upn, int up_wrapped, const char *l, size_t ln);
/* The start of the logical line that the line starting at ls continues: the
 * lines above it, not before lo, that were wrapped mid-sentence onto the
 * next (nonstd_wrapped_line, the line above ending in a word: "Remote host
 * said: 554 ... This user doesn't have a yahoo.com\n    account (a@b)"), at
 * most NONSTD_REPLY_LINES; ls if none. lo is the start of a line. */
const char *nonstd_wrapped_from(const char *lo, const char *ls, const char *end);

#endif
