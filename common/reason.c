#include "reason.h"
#include "status.h"

#include <ctype.h>
#include <string.h>

const struct reason_desc reason_table[] = {
	{ "authfailure", "soft", "SPF, DKIM or DMARC check of the sender failed" },
	{ "badreputation", "soft", "the sending IP or domain has a bad reputation" },
	{ "blocked", "soft", "the sending IP is blocked (blacklist, no rDNS, policy)" },
	{ "contenterror", "soft", "the message content or format was refused" },
	{ "delivered", "none", "delivered (not a bounce)" },
	{ "exceedlimit", "soft", "a limit other than size was exceeded (recipients, ...)" },
	{ "expired", "soft", "delivery time expired: the MTA gave up retrying" },
	{ "feedback", "none", "an ARF feedback (abuse) report, not a bounce" },
	{ "filtered", "soft", "refused by a filter of the recipient (header, content)" },
	{ "hasmoved", "hard", "the mailbox has moved, no forwarding address" },
	{ "hostunknown", "hard", "the recipient domain or host does not exist" },
	{ "mailboxfull", "soft", "the recipient's mailbox is full (quota)" },
	{ "mailererror", "soft", "a local delivery program (mailer) failed" },
	{ "mesgtoobig", "soft", "the message is too big" },
	{ "networkerror", "soft", "network or DNS trouble on the way (timeouts, loops)" },
	{ "norelaying", "soft", "relaying denied" },
	{ "notaccept", "hard-if-5xx", "the host accepts no mail (null MX, 521/556)" },
	{ "notcompliantrfc", "soft", "the message violates an RFC" },
	{ "onhold", "soft", "the outcome is not known yet" },
	{ "policyviolation", "soft", "refused by a policy of the recipient's site" },
	{ "rejected", "soft", "the sender address was rejected" },
	{ "requireptr", "soft", "the sending IP has no (matching) reverse DNS" },
	{ "securityerror", "soft", "authentication or encryption needed or failed" },
	{ "spamdetected", "soft", "the message was taken as spam" },
	{ "speeding", "soft", "rate limited: too many messages too fast" },
	{ "suppressed", "soft", "the provider suppressed the address without trying" },
	{ "suspend", "soft", "the mailbox is disabled or suspended" },
	{ "syntaxerror", "soft", "an SMTP syntax or protocol error" },
	{ "systemerror", "soft", "the receiving mail system had an error" },
	{ "systemfull", "soft", "the receiving mail system is out of storage" },
	{ "toomanyconn", "soft", "too many connections or recipients at once" },
	{ "undefined", "soft", "the reason could not be told" },
	{ "userunknown", "hard", "the recipient's mailbox does not exist" },
	{ "vacation", "none", "an automatic reply (vacation), not a bounce" },
	{ "virusdetected", "soft", "the message was taken as carrying a virus" },
	{ NULL, NULL, NULL },
};

/* Phrases of reply texts, lower case, most specific reasons first: the first
 * match wins. Full storage comes before "unknown user", since servers often
 * say "user ... over quota". */
static const struct phrase {
	const char *reason;
	const char *text;
} phrases[] = {
	{ "systemfull", "insufficient system storage" },
	{ "systemfull", "mail system full" },
	{ "systemfull", "system storage" },
	{ "systemfull", "out of disk space" },
	{ "systemfull", "disk full" },
	{ "systemfull", "disk is full" },
	{ "systemfull", "no space left on device" },
	{ "systemfull", "not enough disk space" },
	{ "systemfull", "insufficient disk space" },
	{ "systemfull", "file system full" },
	{ "systemfull", "filesystem full" },
	{ "mailboxfull", "mailbox full" },
	{ "mailboxfull", "mailbox is full" },
	{ "mailboxfull", "mailbox has exceeded" },
	{ "mailboxfull", "mailbox size limit" },
	{ "mailboxfull", "mailbox exceeds allowed size" },
	{ "mailboxfull", "quota exceeded" },
	{ "mailboxfull", "exceeded quota" },
	{ "mailboxfull", "exceeds quota" },
	{ "mailboxfull", "over quota" },
	{ "mailboxfull", "overquota" },
	{ "mailboxfull", "over the quota" },
	{ "mailboxfull", "quota full" },
	{ "mailboxfull", "disk quota" },
	{ "mailboxfull", "exceeded storage allocation" },
	{ "mailboxfull", "exceeded its storage" },
	{ "mailboxfull", "out of storage" },
	{ "mailboxfull", "storage quota" },
	{ "mailboxfull", "account is full" },
	{ "mailboxfull", "inbox is full" },
	{ "mailboxfull", "user is over" },
	{ "mailboxfull", "too much mail" },
	{ "mailboxfull", "maildir over" },
	{ "mailboxfull", "would exceed" },
	{ "mailboxfull", "mailfolder is full" },
	{ "mesgtoobig", "message too large" },
	{ "mesgtoobig", "message too big" },
	{ "mesgtoobig", "message is too big" },
	{ "mesgtoobig", "message is too large" },
	{ "mesgtoobig", "message size exceeds" },
	{ "mesgtoobig", "exceeds size limit" },
	{ "mesgtoobig", "size limit exceeded" },
	{ "mesgtoobig", "message length exceeds" },
	{ "mesgtoobig", "message file too big" },
	{ "hasmoved", "has moved" },
	{ "hasmoved", "address changed" },
	{ "hasmoved", "no longer in use" },
	{ "suspend", "mailbox disabled" },
	{ "suspend", "account disabled" },
	{ "suspend", "account has been disabled" },
	{ "suspend", "account is disabled" },
	{ "suspend", "mailbox is disabled" },
	{ "suspend", "account suspended" },
	{ "suspend", "has been suspended" },
	{ "suspend", "is inactive" },
	{ "suspend", "inactive account" },
	{ "suspend", "mailbox is inactive" },
	{ "suspend", "temporarily disabled" },
	{ "suspend", "not active" },
	{ "suspend", "account expired" },
	{ "userunknown", "user unknown" },
	{ "userunknown", "unknown user" },
	{ "userunknown", "no such user" },
	{ "userunknown", "user not found" },
	{ "userunknown", "user doesn't exist" },
	{ "userunknown", "user does not exist" },
	{ "userunknown", "recipient unknown" },
	{ "userunknown", "unknown recipient" },
	{ "userunknown", "recipient not found" },
	{ "userunknown", "invalid recipient" },
	{ "userunknown", "recipient address rejected: undeliverable" },
	{ "userunknown", "recipient address rejected: user" },
	{ "userunknown", "recipient address rejected: unknown" },
	{ "userunknown", "recipient address rejected: invalid" },
	{ "userunknown", "recipient address rejected: not" },
	{ "userunknown", "address rejected: user" },
	{ "userunknown", "no such mailbox" },
	{ "userunknown", "mailbox not found" },
	{ "userunknown", "mailbox does not exist" },
	{ "userunknown", "mailbox unknown" },
	{ "userunknown", "unknown mailbox" },
	{ "userunknown", "invalid mailbox" },
	{ "userunknown", "no mailbox" },
	{ "userunknown", "mailbox unavailable" },
	{ "userunknown", "email account that you tried to reach does not exist" },
	{ "userunknown", "address does not exist" },
	{ "userunknown", "account does not exist" },
	{ "userunknown", "does not exist" },
	{ "userunknown", "unknown local part" },
	{ "userunknown", "unknown address" },
	{ "userunknown", "no valid recipients" },
	{ "userunknown", "not a valid mailbox" },
	{ "userunknown", "no such recipient" },
	{ "userunknown", "address unknown" },
	{ "userunknown", "unrouteable address" },
	{ "userunknown", "not our customer" },
	{ "userunknown", "undeliverable address" },
	{ "userunknown", "is not a valid" },
	{ "userunknown", "no such account" },
	{ "userunknown", "user invalid" },
	{ "userunknown", "invalid address" },
	{ "hostunknown", "host not found" },
	{ "hostunknown", "host unknown" },
	{ "hostunknown", "unknown host" },
	{ "hostunknown", "domain not found" },
	{ "hostunknown", "no such domain" },
	{ "hostunknown", "domain does not exist" },
	{ "hostunknown", "domain name not found" },
	{ "hostunknown", "name or service not known" },
	{ "hostunknown", "host or domain name not found" },
	{ "hostunknown", "all relevant mx records point to non-existent hosts" },
	{ "hostunknown", "unrouteable mail domain" },
	{ "hostunknown", "domain isn't in my list of allowed rcpthosts" },
	{ "hostunknown", "unknown domain" },
	{ "hostunknown", "no mx" },
	{ "hostunknown", "nxdomain" },
	{ "notaccept", "does not accept mail" },
	{ "notaccept", "null mx" },
	{ "notaccept", "not accepting mail" },
	{ "norelaying", "relay access denied" },
	{ "norelaying", "relaying denied" },
	{ "norelaying", "relay not permitted" },
	{ "norelaying", "relaying not allowed" },
	{ "norelaying", "not permitted to relay" },
	{ "norelaying", "unable to relay" },
	{ "norelaying", "we do not relay" },
	{ "speeding", "rate limit" },
	{ "speeding", "ratelimit" },
	{ "speeding", "rate-limit" },
	{ "speeding", "too many messages" },
	{ "speeding", "sending too fast" },
	{ "speeding", "unusual rate" },
	{ "speeding", "receiving mail at a rate" },
	{ "speeding", "throttl" },
	{ "toomanyconn", "too many connections" },
	{ "toomanyconn", "too many concurrent" },
	{ "toomanyconn", "too many simultaneous" },
	{ "toomanyconn", "connection limit" },
	{ "toomanyconn", "too many sessions" },
	{ "toomanyconn", "too many recipients" },
	{ "virusdetected", "virus" },
	{ "virusdetected", "malware" },
	{ "spamdetected", "spam" },
	{ "spamdetected", "junk mail" },
	{ "spamdetected", "unsolicited" },
	{ "requireptr", "reverse dns" },
	{ "requireptr", "no ptr" },
	{ "requireptr", "ptr record" },
	{ "requireptr", "reverse lookup" },
	{ "requireptr", "cannot find your hostname" },
	{ "requireptr", "cannot resolve your" },
	{ "authfailure", "spf" },
	{ "authfailure", "dkim" },
	{ "authfailure", "dmarc" },
	{ "badreputation", "reputation" },
	{ "blocked", "blacklist" },
	{ "blocked", "blocklist" },
	{ "blocked", "block list" },
	{ "blocked", "black list" },
	{ "blocked", "listed at" },
	{ "blocked", "listed in" },
	{ "blocked", "spamhaus" },
	{ "blocked", "dnsbl" },
	{ "blocked", "rbl" },
	{ "blocked", "client host rejected" },
	{ "blocked", "access denied" },
	{ "blocked", "ip address is blocked" },
	{ "blocked", "your ip" },
	{ "blocked", "blocked" },
	{ "expired", "retry timeout exceeded" },
	{ "expired", "delivery time expired" },
	{ "expired", "message expired" },
	{ "expired", "too long in queue" },
	{ "expired", "queue too long" },
	{ "expired", "could not be delivered for" },
	{ "expired", "delivery attempts will continue" },
	{ "networkerror", "connection timed out" },
	{ "networkerror", "connection refused" },
	{ "networkerror", "timed out" },
	{ "networkerror", "lost connection" },
	{ "networkerror", "network is unreachable" },
	{ "networkerror", "no route to host" },
	{ "networkerror", "connection reset" },
	{ "networkerror", "mail loops back" },
	{ "networkerror", "routing loop" },
	{ "networkerror", "too many hops" },
	{ "networkerror", "temporary failure in name resolution" },
	{ "networkerror", "host name lookup failure" },
	{ "networkerror", "dns" },
	{ "policyviolation", "policy" },
	{ "policyviolation", "not authorized" },
	{ "policyviolation", "prohibited" },
	{ "filtered", "content rejected" },
	{ "filtered", "filter" },
	{ "rejected", "sender address rejected" },
	{ "rejected", "sender rejected" },
	{ "rejected", "domain of sender address" },
	{ "rejected", "sender verify failed" },
	{ "rejected", "sender not allowed" },
	{ "mailererror", "command died" },
	{ "mailererror", "command output" },
	{ "mailererror", "mailer error" },
	{ "mailererror", "pipe to |" },
	{ "mailererror", "local delivery failed" },
	{ "systemerror", "system error" },
	{ "systemerror", "internal error" },
	{ "systemerror", "server error" },
	{ "systemerror", "local error" },
	{ "systemerror", "configuration error" },
	{ "systemerror", "temporary failure" },
	{ "systemerror", "try again later" },
	{ "syntaxerror", "syntax error" },
	{ "syntaxerror", "command unrecognized" },
	{ "syntaxerror", "bad sequence of commands" },
};

/* How much of a reply text is looked at: servers put the reason up front. */
#define SCAN_MAX 8192

const char *
reason_from_text(const char *text, size_t n)
{
	char low[SCAN_MAX + 1];

	if (text == NULL || n == 0)
		return NULL;
	if (n > SCAN_MAX)
		n = SCAN_MAX;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		/* Folded white space, so that "mailbox  full" and line breaks match. */
		low[i] = (c == '\t' || c == '\r' || c == '\n' || c == '\0') ? ' ' : (char)tolower(c);
	}
	low[n] = '\0';
	for (size_t i = 0; i < sizeof phrases / sizeof phrases[0]; i++)
		if (strstr(low, phrases[i].text) != NULL)
			return reason_describe(phrases[i].reason)->name;
	return NULL;
}

const struct reason_desc *
reason_describe(const char *name)
{
	for (const struct reason_desc *r = reason_table; r->name; r++)
		if (strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

static const char *
from_reply_code(int code)
{
	switch (code) {
	case 421: return "toomanyconn";
	case 450: return "undefined";
	case 451: return "systemerror";
	case 452: return "systemfull";
	case 521: case 556: return "notaccept";
	case 550: return "userunknown";
	case 551: return "hasmoved";
	case 552: return "mailboxfull";
	case 553: return "userunknown";
	case 554: return "undefined";
	default: return NULL;
	}
}

const char *
reason_classify(const char *action, const char *status, int code, const char *diag)
{
	struct status_info info;
	const char *by_status = NULL, *by_text;

	if (action && (strcmp(action, "delivered") == 0 || strcmp(action, "relayed") == 0 ||
	    strcmp(action, "expanded") == 0))
		return "delivered";
	if (status && status_lookup(status, &info) == 0) {
		if (status[0] == '2')
			return "delivered";
		by_status = info.reason;
	}
	by_text = diag ? reason_from_text(diag, strlen(diag)) : NULL;
	/* A specific code is trusted over the text, but generic codes are common
	 * ("550 5.0.0", "552 5.2.2 ... quota"), and so are codes that servers use
	 * loosely: 5.1.1 for a suspended box, 5.7.1 for anything refused. */
	if (by_status && by_text) {
		if (strcmp(by_status, "rejected") == 0 || strcmp(by_status, "securityerror") == 0 ||
		    strcmp(by_status, "notaccept") == 0 || strcmp(by_status, "systemerror") == 0 ||
		    strcmp(by_status, "networkerror") == 0 || strcmp(by_status, "toomanyconn") == 0)
			return by_text;
		if (strcmp(by_status, "userunknown") == 0 && (strcmp(by_text, "suspend") == 0 ||
		    strcmp(by_text, "mailboxfull") == 0 || strcmp(by_text, "hasmoved") == 0))
			return by_text;
		return by_status;
	}
	if (by_status)
		return by_status;
	if (by_text)
		return by_text;
	if (action && strcmp(action, "delayed") == 0 && code == 0 && status == NULL)
		return "undefined";
	if ((by_status = from_reply_code(code)) != NULL)
		return by_status;
	return "undefined";
}

const char *
reason_class(const char *reason, const char *status, int code)
{
	const struct reason_desc *r = reason ? reason_describe(reason) : NULL;

	if (r == NULL)
		return "soft";
	if (strcmp(r->class, "hard-if-5xx") == 0) {
		if ((status && status[0] == '4') || (code >= 400 && code < 500))
			return "soft";
		return "hard";
	}
	return r->class;
}
