/* nonstd_reply: the reply text of a recipient that a notice names on a line
 * of its own: the lines after it, up to the notice's own text again, or what
 * the notice says before its list of recipients. */
#include "nonstd.h"
#include "nonstd_int.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define DIAG_LINES 10
#define DIAG_MAX 2000

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
	size_t k = 0;

	nonstd_trim(&p, &n);
	if (n < 5)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] == '*' || p[i] == '=' || p[i] == '-' || p[i] == '_' || p[i] == '#')
			k++;
	return k * 10 >= n * 6;
}


static void
add_line(struct util_buf *diag, const char *p, size_t len)
{
	if (diag->len >= DIAG_MAX)
		return;
	if (diag->len)
		util_buf_addc(diag, ' ');
	util_buf_add(diag, p, len);
}

/* Paragraphs with which notices go on after their list of recipients, in
 * their producers' words: Exim's delay warning (deliver.c), OpenSMTPD's
 * (bounce.c), Postfix's (bounce_templates.c). Not a reply. */
static int
closing_text(const char *p, size_t n)
{
	static const char *const starts[] = { "no action is required on your part",
		"please note that this is only a temporary failure report",
		"for further assistance, please send mail to" };

	return nonstd_starts_with(p, n, starts, sizeof starts / sizeof starts[0]);
}

/* The reply text on the lines after a recipient's line (at), up to the next
 * recipient (stop), a separator, the notice's closing text or DIAG_LINES
 * lines. Where the recipient's line is indented and its reply more so (a
 * list, as Exim writes it), a paragraph further left after an empty line is
 * the notice's own text again ("Recommend that you check the addresses"),
 * unless it holds a reply code. */
void
nonstd_take_after(const struct line *lines, size_t at, size_t stop, struct util_buf *diag)
{
	size_t base = lines[at].indent, taken = 0;
	int blank = 0, nested = 0;

	for (size_t i = at + 1; i < stop && taken < DIAG_LINES && diag->len < DIAG_MAX; i++) {
		const char *p = lines[i].p;
		size_t len = lines[i].n;

		nonstd_trim(&p, &len);
		if (len == 0) {
			blank = 1;
			continue;
		}
		if (nonstd_is_separator(p, len)) {
			if (diag->len == 0)
				continue;
			break;
		}
		if (closing_text(p, len))
			break;
		/* A section heading ("Additional Information" over "======"). */
		if (i + 1 < stop && lines[i + 1].n > 0 && nonstd_is_separator(lines[i + 1].p, lines[i + 1].n))
			break;
		if (nested && blank && lines[i].indent < base + 1 && !nonstd_has_code(p, len))
			break;
		if (taken == 0 && !blank && base > 0 && lines[i].indent > base)
			nested = 1;
		blank = 0;
		add_line(diag, p, len);
		taken++;
	}
}

/* Whether line p[0..n) (trimmed) is a header field or something written
 * like one ("Subject: News", "The subject of the message is: News"): a short
 * name, a colon, then a value. */
static int
field_like(const char *p, size_t n)
{
	size_t i = 0;

	if (n == 0 || !isalpha((unsigned char)p[0]))
		return 0;
	while (i < n && i <= 40 && (isalnum((unsigned char)p[i]) || p[i] == ' ' || p[i] == '-'))
		i++;
	return i < n && p[i] == ':' && i + 1 < n;
}

/* What the notice says before the list that holds line at (not before lo,
 * the line after the previous recipient), for a recipient whose own lines
 * say nothing: up to six lines, back to a separator or to a paragraph that
 * quotes header fields (the returned message's subject is no reason). */
void
nonstd_take_before(const struct line *lines, size_t lo, size_t at, struct util_buf *diag)
{
	size_t first = at, i = at, fields = 0, nonblank = 0;

	while (i > lo && at - i < 12 && nonblank < 6) {
		const char *p = lines[i - 1].p;
		size_t len = lines[i - 1].n;

		nonstd_trim(&p, &len);
		if (nonstd_is_separator(p, len))
			break;
		if (len == 0) {
			/* The paragraph above was header fields: it stays out. */
			if (fields > 0)
				break;
			i--;
			continue;
		}
		if (field_like(p, len) && p[len - 1] != ':') {
			fields++;
			i--;
			continue;
		}
		if (fields > 0)
			break;	/* fields and text in one paragraph: stop at the fields */
		nonblank++;
		first = --i;
	}
	for (i = first; i < at; i++) {
		const char *p = lines[i].p;
		size_t len = lines[i].n;

		nonstd_trim(&p, &len);
		if (len > 0 && !(field_like(p, len) && p[len - 1] != ':'))
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

