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

/* The IANA "SMTP Enhanced Status Codes" registry, subject.detail, with the
 * reason that bouncekit gives a failure carrying that code (NULL: the code says
 * too little; the reply text decides). */
static const struct detail {
	int subject, detail;
	const char *title, *reason;
} details[] = {
	{ 0, 0, "Other undefined Status", NULL },
	{ 1, 0, "Other address status", NULL },
	{ 1, 1, "Bad destination mailbox address", "userunknown" },
	{ 1, 2, "Bad destination system address", "hostunknown" },
	{ 1, 3, "Bad destination mailbox address syntax", "userunknown" },
	{ 1, 4, "Destination mailbox address ambiguous", "userunknown" },
	{ 1, 5, "Destination address valid", "delivered" },
	{ 1, 6, "Destination mailbox has moved, No forwarding address", "hasmoved" },
	{ 1, 7, "Bad sender's mailbox address syntax", "rejected" },
	{ 1, 8, "Bad sender's system address", "rejected" },
	{ 1, 9, "Message relayed to non-compliant mailer", "delivered" },
	{ 1, 10, "Recipient address has null MX", "notaccept" },
	{ 2, 0, "Other or undefined mailbox status", NULL },
	{ 2, 1, "Mailbox disabled, not accepting messages", "suspend" },
	{ 2, 2, "Mailbox full", "mailboxfull" },
	{ 2, 3, "Message length exceeds administrative limit", "mesgtoobig" },
	{ 2, 4, "Mailing list expansion problem", "filtered" },
	{ 3, 0, "Other or undefined mail system status", "systemerror" },
	{ 3, 1, "Mail system full", "systemfull" },
	{ 3, 2, "System not accepting network messages", "notaccept" },
	{ 3, 3, "System not capable of selected features", "systemerror" },
	{ 3, 4, "Message too big for system", "mesgtoobig" },
	{ 3, 5, "System incorrectly configured", "systemerror" },
	{ 3, 6, "Requested priority was changed", NULL },
	{ 4, 0, "Other or undefined network or routing status", NULL },
	{ 4, 1, "No answer from host", "networkerror" },
	{ 4, 2, "Bad connection", "networkerror" },
	{ 4, 3, "Directory server failure", "systemerror" },
	{ 4, 4, "Unable to route", "hostunknown" },
	{ 4, 5, "Mail system congestion", "toomanyconn" },
	{ 4, 6, "Routing loop detected", "networkerror" },
	{ 4, 7, "Delivery time expired", "expired" },
	{ 5, 0, "Other or undefined protocol status", NULL },
	{ 5, 1, "Invalid command", "syntaxerror" },
	{ 5, 2, "Syntax error", "syntaxerror" },
	{ 5, 3, "Too many recipients", "exceedlimit" },
	{ 5, 4, "Invalid command arguments", "syntaxerror" },
	{ 5, 5, "Wrong protocol version", "syntaxerror" },
	{ 5, 6, "Authentication Exchange line is too long", "syntaxerror" },
	{ 6, 0, "Other or undefined media error", "contenterror" },
	{ 6, 1, "Media not supported", "contenterror" },
	{ 6, 2, "Conversion required and prohibited", "contenterror" },
	{ 6, 3, "Conversion required but not supported", "contenterror" },
	{ 6, 4, "Conversion with loss performed", "contenterror" },
	{ 6, 5, "Conversion Failed", "contenterror" },
	{ 6, 6, "Message content not available", "contenterror" },
	{ 6, 7, "Non-ASCII addresses not permitted for that sender/recipient", "contenterror" },
	{ 6, 8, "UTF-8 string reply is required, but not permitted by the SMTP client", "contenterror" },
	{ 6, 9, "UTF-8 header message cannot be transferred to one or more recipients", "contenterror" },
	{ 6, 10, "UTF-8 string reply is required, but not permitted by the SMTP client", "contenterror" },
	{ 7, 0, "Other or undefined security status", NULL },
	{ 7, 1, "Delivery not authorized, message refused", "rejected" },
	{ 7, 2, "Mailing list expansion prohibited", "rejected" },
	{ 7, 3, "Security conversion required but not possible", "securityerror" },
	{ 7, 4, "Security features not supported", "securityerror" },
	{ 7, 5, "Cryptographic failure", "securityerror" },
	{ 7, 6, "Cryptographic algorithm not supported", "securityerror" },
	{ 7, 7, "Message integrity failure", "securityerror" },
	{ 7, 8, "Authentication credentials invalid", "securityerror" },
	{ 7, 9, "Authentication mechanism is too weak", "securityerror" },
	{ 7, 10, "Encryption Needed", "securityerror" },
	{ 7, 11, "Encryption required for requested authentication mechanism", "securityerror" },
	{ 7, 12, "A password transition is needed", "securityerror" },
	{ 7, 13, "User Account Disabled", "suspend" },
	{ 7, 14, "Trust relationship required", "securityerror" },
	{ 7, 15, "Priority Level is too low", "policyviolation" },
	{ 7, 16, "Message is too big for the specified priority", "mesgtoobig" },
	{ 7, 17, "Mailbox owner has changed", "hasmoved" },
	{ 7, 18, "Domain owner has changed", "hasmoved" },
	{ 7, 19, "RRVS test cannot be completed", "securityerror" },
	{ 7, 20, "No passing DKIM signature found", "authfailure" },
	{ 7, 21, "No acceptable DKIM signature found", "authfailure" },
	{ 7, 22, "No valid author-matched DKIM signature found", "authfailure" },
	{ 7, 23, "SPF validation failed", "authfailure" },
	{ 7, 24, "SPF validation error", "authfailure" },
	{ 7, 25, "Reverse DNS validation failed", "requireptr" },
	{ 7, 26, "Multiple authentication checks failed", "authfailure" },
	{ 7, 27, "Sender address has null MX", "notaccept" },
	{ 7, 28, "Mail flood detected", "speeding" },
	{ 7, 29, "ARC validation failure", "authfailure" },
	{ 7, 30, "REQUIRETLS support required", "securityerror" },
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
	int c, sub, det;

	memset(info, 0, sizeof *info);
	if (status == NULL || scan(status, strlen(status), &c, &sub, &det) != strlen(status))
		return -1;
	info->class_title = class_titles[c];
	if (sub >= 0 && sub < (int)(sizeof subject_titles / sizeof subject_titles[0]))
		info->subject_title = subject_titles[sub];
	for (size_t i = 0; i < sizeof details / sizeof details[0]; i++) {
		if (details[i].subject == sub && details[i].detail == det) {
			info->detail_title = details[i].title;
			info->reason = details[i].reason;
			break;
		}
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
