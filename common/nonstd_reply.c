/* nonstd_reply: the reply text of a recipient that a notice names on a line
 * of its own: the lines after it, up to the notice's own text again, or what
 * the notice says before its list of recipients. */
#include "nonstd.h"
#include "nonstd_int.h"
#include "ascii.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* Whether text holds an SMTP reply code or an enhanced status code. */
int
nonstd_has_code(const char *p, size_t n)
{
	for (size_t i = 0; i + 3 <= n; i++) {
		if (p[i] < '2' || p[i] > '5' || (i > 0 && isalnum((unsigned char)p[i - 1])))
			continue;
		if (isdigit((unsigned char)p[i + 1]) && isdigit((unsigned char)p[i + 2]) &&
		    (i + 3 == n || !isalnum((unsigned char)p[i + 3])))
			return 1;
		if (p[i + 1] == '.' && isdigit((unsigned char)p[i + 2]))
			return 1;
	}
	return 0;
}

int
nonstd_is_separator(const char *p, size_t n)
{
	static const unsigned char sep[256] = { ['*'] = 1, ['='] = 1, ['-'] = 1, ['_'] = 1,
		['#'] = 1 };
	size_t k = 0, i = 0;

	nonstd_trim(&p, &n);
	if (n < 5)
		return 0;
	/* Separator bytes must be 60% of it: read until the other bytes are
	 * more than 40%, at once on a line of words. Counted by a table, and
	 * that looked at each 8 bytes: a line ends on most notices' lines. */
	while (i < n) {
		size_t stop = n - i > 8 ? i + 8 : n;

		for (; i < stop; i++)
			k += sep[(unsigned char)p[i]];
		if ((i - k) * 10 > n * 4)
			return 0;
	}
	return k * 10 >= n * 6;
}


static void
add_line(struct util_buf *diag, const char *p, size_t len)
{
	if (diag->len >= NONSTD_TEXT_MAX)
		return;
	if (diag->len)
		util_buf_addc(diag, ' ');
	util_buf_add(diag, p, len);
}

static int message_detail(const char *p, size_t n);

static int
line_detail(const struct line *l)
{
	const char *p = l->p;
	size_t n = l->n;

	nonstd_trim(&p, &n);
	return message_detail(p, n);
}

/* Paragraphs with which notices go on after their list of recipients, in
 * their producers' words: Exim's delay warning (deliver.c), OpenSMTPD's
 * (bounce.c), Postfix's (bounce_templates.c: "For further assistance,
 * please send mail to postmaster", which others word alike: "Please reply
 * to postmaster@... if you feel this message to be in error", "Please
 * contact your system administrator"). Not a reply. */
static int
closing_text(const char *p, size_t n)
{
	static const char *const starts[] = { "no action is required on your part",
		"please note that this is only a temporary failure report",
		"for further assistance", "please reply to", "please contact",
		"if you need assistance", "if you have any questions" };

	return nonstd_starts_with(p, n, starts, sizeof starts / sizeof starts[0]);
}

/* Whether a line is a heading framed by rules ("----- Transcript of session
 * follows -----", "----- Non-delivered information -----"): it starts a
 * section of the notice. */
static int
framed_heading(const char *p, size_t n)
{
	size_t a = 0, b = 0;

	while (a < n && (p[a] == '-' || p[a] == '=' || p[a] == '*' || p[a] == '_'))
		a++;
	while (b < n - a && (p[n - 1 - b] == '-' || p[n - 1 - b] == '=' || p[n - 1 - b] == '*' ||
	    p[n - 1 - b] == '_'))
		b++;
	return a >= 3 && b >= 3 && a + b < n && n <= 100;
}

/* Whether line p[0..n) (trimmed) is a line of its own in Sendmail's
 * transcript: a message of its own ("550 example.org (smtp)... 550 Host
 * unknown": err.c fmtmsg() puts the reply code first; "NNN-" the lines of a
 * multi-line one), a command sent or a reply read (usersmtp.c reply():
 * ">>> %s", "<<< %s") or the heading of a session ("... while talking to
 * %s:", older "While talking to %s:"). Only a line without any of these
 * continues the one before. */
int
nonstd_transcript_line(const char *p, size_t n)
{
	if (n >= 3 && p[0] >= '1' && p[0] <= '5' && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && (n == 3 || p[3] == ' ' || p[3] == '-'))
		return 1;
	if (n >= 4 && (memcmp(p, ">>> ", 4) == 0 || memcmp(p, "<<< ", 4) == 0))
		return 1;
	while (n > 0 && (*p == '.' || *p == ' ')) {
		p++;
		n--;
	}
	return n >= 16 && strncasecmp(p, "while talking to", 16) == 0;
}

/* The exchange of Sendmail's transcript that refused the session's sender
 * before line at, a recipient's message: ">>> MAIL From:<s>" and the "<<< "
 * replies after it (usersmtp.c reply() writes both when the reply is 4xx or
 * 5xx; smtpmailfrom() then fails the session's recipients each with a
 * message of its own, deliver.c giveresponse(): "554 <a@b>... Remote
 * protocol error"). Looks back over the transcript's lines alone, at most
 * 16, not past the session's heading nor another command. Returns the
 * exchange's first line and its end in *end; at if none. */
size_t
nonstd_mail_refusal(const struct line *lines, size_t at, size_t *end)
{
	/* Where the replies right after the command end: before the first
	 * message passed on the way back. */
	size_t e = at;

	for (size_t i = at; i > 0 && at - i < 16; i--) {
		const char *p = lines[i - 1].p;
		size_t len = lines[i - 1].n;

		/* The rest of a reply that a mail program wrapped onto the next
		 * line ("<<< 501 <s>... no access from mail server\n
		 *    [192.0.2.55] which is an open relay."). */
		if (i >= 2 && lines[i - 1].indent > 0 && nonstd_wrapped_line(lines[i - 2].p,
		    lines[i - 2].n, 0, p, len))
			continue;
		nonstd_trim(&p, &len);
		if (!nonstd_transcript_line(p, len) || p[0] == '.' || isalpha((unsigned char)p[0]))
			return at;	/* not the transcript, or the session's heading */
		if (isdigit((unsigned char)p[0]))
			e = i - 1;
		if (p[0] == '<' || isdigit((unsigned char)p[0]))
			continue;
		/* ">>> ": the command answered last; its first reply (a "<<< "
		 * line, five bytes at least) must refuse it. */
		if (len < 14 || strncasecmp(p + 4, "MAIL From:", 10) != 0 || e == i)
			return at;
		p = lines[i].p;
		len = lines[i].n;
		nonstd_trim(&p, &len);
		if (p[4] != '4' && p[4] != '5')
			return at;
		*end = e;
		return i - 1;
	}
	return at;
}

/* Columns that a mail program fills before it wraps a long line: RFC 5322
 * 2.1.1 asks for lines of at most 78 characters, and wrappers fill to 72-78
 * (Postfix's bounce templates, Exchange's and Gmail's notices). */
#define WRAP_WIDTH 72
#define WRAP_MAX 80

/* Characters of p[0..n): bytes that do not continue a UTF-8 sequence. */
static size_t
columns(const char *p, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)p[i] & 0xc0) != 0x80;
	return c;
}

static size_t
indent_of(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i;
}

int
nonstd_overflows(const char *up, size_t upn, const char *word, size_t wordlen)
{
	size_t c;

	while (upn > 0 && ascii_space((unsigned char)up[upn - 1]))
		upn--;
	if (upn + 1 + wordlen <= WRAP_WIDTH)
		return 0;	/* no more characters than bytes: fits */
	c = columns(up, upn);
	/* A line longer than a wrapper leaves is none that it wrapped. */
	return c <= WRAP_MAX && c + 1 + columns(word, wordlen) > WRAP_WIDTH;
}

int
nonstd_wrapped_line(const char *up, size_t upn, int up_wrapped, const char *l, size_t ln)
{
	size_t li = indent_of(l, ln), ui, w;

	if (li == 0)
		return 0;	/* most lines: not indented */
	ui = indent_of(up, upn);
	if (li < ui || (li == ui && !up_wrapped))
		return 0;
	while (upn > ui && ascii_space((unsigned char)up[upn - 1]))
		upn--;
	if (upn == ui || up[upn - 1] == ':')
		return 0;
	for (w = li; w < ln && !ascii_space((unsigned char)l[w]); w++)
		;
	return nonstd_overflows(up, upn, l + li, w - li);
}

int
nonstd_flush_wrapped(const char *up, size_t upn, const char *l, size_t ln)
{
	size_t w;

	if (indent_of(up, upn) != 0 || indent_of(l, ln) != 0)
		return 0;
	while (upn > 0 && ascii_space((unsigned char)up[upn - 1]))
		upn--;
	/* A sentence or a lead-in ends there: the next line is its own. */
	if (upn == 0 || ascii_in_set(".:;!?", (unsigned char)up[upn - 1]))
		return 0;
	for (w = 0; w < ln && !ascii_space((unsigned char)l[w]); w++)
		;
	return w > 0 && nonstd_overflows(up, upn, l, w);
}

const char *
nonstd_wrapped_from(const char *lo, const char *ls, const char *end)
{
	for (int n = 0; n < NONSTD_REPLY_LINES && ls > lo; n++) {
		const char *le = memchr(ls, '\n', (size_t)(end - ls)), *us, *ue = ls - 1;

		if (le == NULL)
			le = end;
		/* The line above: one a wrapper filled is at most WRAP_MAX
		 * characters of up to 4 bytes; a longer one was not wrapped
		 * (and is not walked back over). */
		for (us = ue; us > lo && us[-1] != '\n' && ue - us <= 4 * WRAP_MAX; us--)
			;
		if (us > lo && us[-1] != '\n')
			break;
		while (ue > us && ascii_space((unsigned char)ue[-1]))
			ue--;
		if (ue == us || !(ascii_alpha((unsigned char)ue[-1]) || ascii_digit((unsigned char)ue[-1])) ||
		    !nonstd_wrapped_line(us, (size_t)(ue - us), 0, ls, (size_t)(le - ls)))
			break;
		ls = us;
	}
	return ls;
}

/* The reply text on the lines after a recipient's line (at), up to the next
 * recipient (stop; intro set if that is another one), a separator, the
 * notice's closing text or NONSTD_REPLY_LINES lines (a line wrapped onto the next
 * counts once: how a mail program wraps its lines does not cut the reply
 * shorter). Where the recipient's line is
 * a message of Sendmail's transcript ("554 <a@b>... Remote protocol error";
 * transcript set), only lines that continue it: the next message of the
 * transcript is not this one's (nonstd_transcript_line). Where the recipient's line is indented and its reply more so (a
 * list, as Exim writes it), a paragraph further left after an empty line is
 * the notice's own text again ("Recommend that you check the addresses"),
 * unless it holds a reply code. */
size_t
nonstd_take_after(const struct line *lines, size_t at, size_t stop, int intro,
    int transcript, struct util_buf *diag)
{
	size_t base = lines[at].indent, taken = 0, end = at + 1;
	int blank = 0, nested = 0, wrapped = 0;

	for (size_t i = at + 1; i < stop && diag->len < NONSTD_TEXT_MAX; i++) {
		const char *p = lines[i].p;
		size_t len = lines[i].n;

		nonstd_trim(&p, &len);
		if (len == 0) {
			blank = 1;
			continue;
		}
		wrapped = i > at + 1 && lines[i].indent > 0 && nonstd_wrapped_line(lines[i - 1].p,
		    lines[i - 1].n, wrapped, lines[i].p, lines[i].n);
		if (!wrapped && taken >= NONSTD_REPLY_LINES)
			break;
		if (transcript && nonstd_transcript_line(p, len))
			break;
		/* After the reply, a paragraph that runs into the next
		 * recipient's line introduces it ("The following address
		 * failed:"), unless that names this recipient again. */
		if (intro && blank && diag->len > 0) {
			size_t j = i;

			while (j < stop && lines[j].n > 0 && !(lines[j].n == 1 && lines[j].p[0] == '\r'))
				j++;
			if (j == stop)
				break;
		}
		if (nonstd_is_separator(p, len)) {
			if (diag->len == 0)
				continue;
			break;
		}
		if (closing_text(p, len))
			break;
		/* A new section: its text is this recipient's reply only if
		 * nothing came before it. */
		if (framed_heading(p, len)) {
			if (taken > 0)
				break;
			continue;
		}
		/* The returned message's details ("Subject: ...", "From:
		 * ...", two or more together) are no reply. */
		if (message_detail(p, len) && ((i > at + 1 && line_detail(&lines[i - 1])) ||
		    (i + 1 < stop && line_detail(&lines[i + 1]))))
			continue;
		/* A section heading ("Additional Information" over "======"). */
		if (i + 1 < stop && lines[i + 1].n > 0 && nonstd_is_separator(lines[i + 1].p, lines[i + 1].n))
			break;
		if (nested && blank && lines[i].indent < base + 1 && !nonstd_has_code(p, len))
			break;
		if (taken == 0 && !blank && base > 0 && lines[i].indent > base)
			nested = 1;
		blank = 0;
		add_line(diag, p, len);
		if (!wrapped)
			taken++;
		end = i + 1;
	}
	return end;
}

/* Whether line p[0..n) (trimmed) is one of the returned message's details
 * that notices quote: a field of its header (RFC 5322 3.6) or of its
 * envelope, its size, written as "Name: value" ("Subject: News", "MAIL FROM:
 * a@b", "Size (in bytes): 222"). Not a reply, nor "Reason: ..." or "Error:
 * ...", which say what went wrong. */
static int
message_detail(const char *p, size_t n)
{
	static const char *const names[] = { "from", "to", "cc", "bcc", "subject", "date",
		"sent", "sent date", "date sent", "message-id", "message id", "sender", "reply-to",
		"return-path", "in-reply-to", "references", "mime-version", "content-type",
		"received", "mail from", "rcpt to", "envelope-from", "envelope-to", "size",
		"size (in bytes)", "message size", "number of lines", "x-mailer", "importance",
		"the subject of the message is", "the date of the message is" };
	size_t i = 0;

	if (n == 0 || !isalpha((unsigned char)p[0]))
		return 0;
	while (i < n && i <= 40 && (isalnum((unsigned char)p[i]) || p[i] == ' ' || p[i] == '-' ||
	    p[i] == '(' || p[i] == ')'))
		i++;
	if (i >= n || p[i] != ':' || i + 1 >= n)
		return 0;
	while (i > 0 && p[i - 1] == ' ')
		i--;
	/* The first byte first: it rules out most names without a call. */
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
		if (ascii_lower((unsigned char)p[0]) == (unsigned char)names[k][0] &&
		    strlen(names[k]) == i && strncasecmp(p, names[k], i) == 0)
			return 1;
	return 0;
}

/* Whether p[0..n) (trimmed) heads a list of details: short, ending in ':'
 * ("Message details:", "Your message:"). */
static int
details_heading(const char *p, size_t n)
{
	return n > 1 && n <= 40 && p[n - 1] == ':';
}

/* What the notice says before the list that holds line at (not before lo,
 * the line after the previous recipient), for a recipient whose own lines
 * say nothing: up to six lines, back to a separator or to a paragraph of the
 * returned message's details (its subject is no reason). Rules that frame
 * the list itself ("-----" above and below the address) are passed over, and
 * so is the paragraph of details that holds the recipient's own line
 * ("Message details:", "Subject: ...", "RCPT TO: a@b"). */
void
nonstd_take_before(const struct line *lines, size_t lo, size_t at, struct util_buf *diag)
{
	size_t first, end = at, i, fields = 0, nonblank = 0;

	while (end > lo && message_detail(lines[end - 1].p + lines[end - 1].indent,
	    lines[end - 1].n - lines[end - 1].indent))
		end--;
	if (end < at && end > lo) {
		const char *p = lines[end - 1].p;
		size_t len = lines[end - 1].n;

		nonstd_trim(&p, &len);
		if (details_heading(p, len))
			end--;
	}
	first = i = end;
	while (i > lo && end - i < 12 && nonblank < 6) {
		const char *p = lines[i - 1].p;
		size_t len = lines[i - 1].n;

		nonstd_trim(&p, &len);
		if (nonstd_is_separator(p, len)) {
			if (nonblank > 0 || fields > 0)
				break;
			i--;
			continue;
		}
		if (len == 0) {
			/* The paragraph above was the message's details: it stays out. */
			if (fields > 0)
				break;
			i--;
			continue;
		}
		if (message_detail(p, len)) {
			fields++;
			i--;
			continue;
		}
		if (fields > 0)
			break;	/* details and text in one paragraph: stop at the details */
		nonblank++;
		first = --i;
	}
	for (i = first; i < end; i++) {
		const char *p = lines[i].p;
		size_t len = lines[i].n;

		nonstd_trim(&p, &len);
		if (len > 0 && !message_detail(p, len) && !nonstd_is_separator(p, len))
			add_line(diag, p, len);
	}
}

/* Whether the label of a recipient's line says what went wrong ("Unknown
 * user", "Bad address") rather than only that it is a recipient. */
int
nonstd_meaningful_label(const char *p, size_t n)
{
	static const char *const words[] = { "unknown", "invalid", "bad ", "fail", "undeliver",
		"error", "reject", "not ", "no such", "full", "denied", "refused" };

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (util_memcasemem(p, n, words[i]))
			return 1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return 1;
	return 0;
}

