/* status.c: enhanced mail system status codes (RFC 3463, the IANA registry)
 * and SMTP reply codes (RFC 5321): finding, checking and naming them. */
#include "status.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const class_titles[] = {
	[2] = "Success",
	[4] = "Persistent Transient Failure",
	[5] = "Permanent Failure",
};

static const char *const subject_titles[] = {
	"Other or Undefined Status",
	"Addressing Status",
	"Mailbox Status",
	"Mail System Status",
	"Network and Routing Status",
	"Mail Delivery Protocol Status",
	"Message Content or Media Status",
	"Security or Policy Status",
};

/* The IANA "SMTP Enhanced Status Codes" registry (RFC 5248), subject.detail,
 * with its reference, and the reason that bouncekit gives a failure carrying
 * the code (NULL: the code says too little, the reply text decides). A
 * generic code (X.Y.0, X.7.1 "not authorized") gives way to any reply text
 * that names a reason. The one table of codes: reason.c makes its status
 * rules from it. */
#define R3463	"RFC 3463 (enhanced mail system status codes)"
#define R3886	"RFC 3886 (message tracking)"
#define R6710	"RFC 6710 (SMTP priorities)"
#define R7293	"RFC 7293 (RRVS)"
#define R7372	"RFC 7372"
#define R7505	"RFC 7505 (null MX), RFC 7504 (521/556 replies)"
#define R8617	"RFC 8617 (ARC)"
#define R8689	"RFC 8689 (REQUIRETLS)"
#define IANA	"IANA SMTP Enhanced Status Codes registry (RFC 5248)"
static const struct status_detail details[] = {
#include "status_registry.def"
};

/* One to three digits; returns count used, 0 if none. */
static size_t
num3(const char *s, size_t n, int *v)
{
	size_t i = 0;
	int x = 0;

	while (i < n && i < 3 && isdigit((unsigned char)s[i]))
		x = x * 10 + (s[i++] - '0');
	if (i < n && isdigit((unsigned char)s[i]))
		return 0;
	*v = x;
	return i;
}

static size_t
scan(const char *s, size_t n, int *c, int *sub, int *det)
{
	size_t i = 0, k;

	if (n < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return 0;
	*c = s[0] - '0';
	i = 2;
	if ((k = num3(s + i, n - i, sub)) == 0)
		return 0;
	i += k;
	if (i >= n || s[i] != '.')
		return 0;
	i++;
	if ((k = num3(s + i, n - i, det)) == 0)
		return 0;
	return i + k;
}

/* "c.sub.det" into out: by hand, as snprintf costs more than the scan. */
static void
status_format(int c, int sub, int det, char *out)
{
	int v[3] = { c, sub, det };
	size_t k = 0;

	for (int i = 0; i < 3; i++) {
		char d[4];
		int nd = 0, x = v[i];

		do
			d[nd++] = (char)('0' + x % 10);
		while ((x /= 10) > 0 && nd < 3);
		while (nd > 0)
			out[k++] = d[--nd];
		out[k++] = i < 2 ? '.' : '\0';
	}
}

int
status_parse(const char *s, size_t n, char *out)
{
	int c, sub, det;

	while (n > 0 && isspace((unsigned char)*s))
		s++, n--;
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	/* scan returns 0 for no code: an empty string is no code either. */
	if (n == 0 || scan(s, n, &c, &sub, &det) != n)
		return -1;
	status_format(c, sub, det, out);
	return 0;
}

const char *
status_find(const char *text, size_t n, char *out)
{
	const char *dot;
	size_t from = 1;

	/* A code starts with a class digit and a dot: go from dot to dot
	 * (memchr), far fewer than the bytes of a reply text, and look at the
	 * byte before each. A code at i needs i + 5 <= n: its dot is at n - 4
	 * at the latest. */
	while (from + 4 <= n && (dot = memchr(text + from, '.', n - 3 - from)) != NULL) {
		size_t i = (size_t)(dot - text) - 1, k;
		int c, sub, det;

		from = i + 2;

		if (text[i] != '2' && text[i] != '4' && text[i] != '5')
			continue;
		/* Not the tail of a number, version or address ("10.4.5.1", "v1.2.3");
		 * "550-5.1.1" of multi-line replies is fine. */
		if (i > 0 && (isalnum((unsigned char)text[i - 1]) || text[i - 1] == '.' ||
		    text[i - 1] == '_'))
			continue;
		if ((k = scan(text + i, n - i, &c, &sub, &det)) == 0)
			continue;
		if (i + k < n && (isalnum((unsigned char)text[i + k]) ||
		    (text[i + k] == '.' && i + k + 1 < n && isdigit((unsigned char)text[i + k + 1]))))
			continue;
		if (sub > 7)
			continue;
		status_format(c, sub, det, out);
		return text + i + k;
	}
	return NULL;
}

int
status_find_reply(const char *text, size_t n, const char **after)
{
	size_t i = 0;
	int code;

	while (i < n && (text[i] == ' ' || text[i] == '\t'))
		i++;
	if (i + 3 > n || !isdigit((unsigned char)text[i]) || !isdigit((unsigned char)text[i + 1]) ||
	    !isdigit((unsigned char)text[i + 2]))
		return 0;
	if (i + 3 < n && text[i + 3] != ' ' && text[i + 3] != '-' && text[i + 3] != '\t')
		return 0;
	code = (text[i] - '0') * 100 + (text[i + 1] - '0') * 10 + (text[i + 2] - '0');
	if (code < 200 || code > 599)
		return 0;
	if (after)
		*after = text + i + (i + 3 < n ? 4 : 3);
	return code;
}

int
status_lookup(const char *status, struct status_info *info)
{
	const struct status_detail *d;
	int c, sub, det;

	memset(info, 0, sizeof *info);
	if (status == NULL || scan(status, strlen(status), &c, &sub, &det) != strlen(status))
		return -1;
	info->class_title = class_titles[c];
	if (sub >= 0 && sub < (int)(sizeof subject_titles / sizeof subject_titles[0]))
		info->subject_title = subject_titles[sub];
	if ((d = status_detail(sub, det)) != NULL) {
		info->detail_title = d->title;
		info->reason = d->reason;
	}
	if (c == 2)
		info->reason = "delivered";
	return 0;
}

const char *
status_reply_title(int code)
{
	static const struct { int code; const char *title; } replies[] = {
		{ 211, "System status, or system help reply" },
		{ 214, "Help message" },
		{ 220, "Service ready" },
		{ 221, "Service closing transmission channel" },
		{ 250, "Requested mail action okay, completed" },
		{ 251, "User not local; will forward" },
		{ 252, "Cannot VRFY user, but will accept message and attempt delivery" },
		{ 354, "Start mail input" },
		{ 421, "Service not available, closing transmission channel" },
		{ 450, "Requested mail action not taken: mailbox unavailable" },
		{ 451, "Requested action aborted: local error in processing" },
		{ 452, "Requested action not taken: insufficient system storage" },
		{ 455, "Server unable to accommodate parameters" },
		{ 500, "Syntax error, command unrecognized" },
		{ 501, "Syntax error in parameters or arguments" },
		{ 502, "Command not implemented" },
		{ 503, "Bad sequence of commands" },
		{ 504, "Command parameter not implemented" },
		{ 521, "Host does not accept mail" },
		{ 550, "Requested action not taken: mailbox unavailable" },
		{ 551, "User not local; please try <forward-path>" },
		{ 552, "Requested mail action aborted: exceeded storage allocation" },
		{ 553, "Requested action not taken: mailbox name not allowed" },
		{ 554, "Transaction failed" },
		{ 555, "MAIL FROM/RCPT TO parameters not recognized or not implemented" },
		{ 556, "Domain does not accept mail" },
	};

	for (size_t i = 0; i < sizeof replies / sizeof replies[0]; i++)
		if (replies[i].code == code)
			return replies[i].title;
	return NULL;
}

const struct status_detail *
status_detail(int subject, int detail)
{
	for (size_t i = 0; i < sizeof details / sizeof details[0]; i++)
		if (details[i].subject == subject && details[i].detail == detail)
			return &details[i];
	return NULL;
}

const struct status_detail *
status_details(size_t *n)
{
	*n = sizeof details / sizeof details[0];
	return details;
}
