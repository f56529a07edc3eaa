/* reason.c: the decision of the reason classifier: the reasons, the status
 * and reply code rules, the conditions that weigh text against codes and
 * commands, the hard/soft class, and the rule list (--why, --explain). */
/* memmem(3): glibc declares it for _GNU_SOURCE; the BSDs always. */
#define _GNU_SOURCE
#include "reason_int.h"
#include "ascii.h"
#include "status.h"
#include "util.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	{ "securityerror", "soft", "a security or policy check failed (authentication, encryption, X.7.x)" },
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

/* Enhanced status codes: a rule for each entry of the registry (status.c),
 * made once, named by its code and the registry's title. generic: the code says little
 * (X.0.0, "not authorized"), so that any reply text that names a reason says
 * more. */
#define CODES_MAX 128
static struct code_rule {
	struct reason_rule rule;
	unsigned char subject, detail, generic;
	const char *reason;	/* NULL: the text decides */
} code_rules[CODES_MAX];
static size_t ncode_rules;
static pthread_once_t code_rules_once = PTHREAD_ONCE_INIT;

static void
code_rules_init(void)
{
	static char names[CODES_MAX][160], sources[CODES_MAX][160];
	size_t n;
	const struct status_detail *d = status_details(&n);

	if (n > CODES_MAX)
		abort();
	for (size_t i = 0; i < n; i++, d++) {
		struct code_rule *c = &code_rules[i];

		/* An unregistered detail counts as X.Y.0 (MS_OXCMAIL). */
		if (d->detail == 0)
			snprintf(names[i], sizeof names[i], "status X.%u.0 (%s), or an unregistered X.%u.Y",
			    d->subject, d->title, d->subject);
		else
			snprintf(names[i], sizeof names[i], "status X.%u.%u (%s)", d->subject, d->detail,
			    d->title);
		snprintf(sources[i], sizeof sources[i], "%s%s", d->ref, d->detail == 0 ?
		    "; " MS_OXCMAIL : "");
		c->rule.name = names[i];
		c->rule.source = sources[i];
		c->subject = d->subject;
		c->detail = d->detail;
		c->generic = d->generic;
		c->reason = d->reason;
	}
	ncode_rules = n;
}

/* SMTP reply codes whose text in RFC 5321 (or the extension that added
 * them) names a reason, alone or in answer to one command (cmd 0: any). Of
 * the rules for a code, the last that fits decides. */
#define RFC1870		"RFC 1870 6.1 (SIZE: 552 message size exceeds fixed maximum)"
#define RFC5321_SYNTAX	"RFC 5321 4.2.2, 4.2.3 (5yz: syntax error, command unrecognized or not implemented)"
static const struct reply_rule {
	struct reason_rule rule;
	int code, cmd;
	const char *reason;
} reply_rules[] = {
	{ { "reply code 421 (service not available, closing channel)", RFC5321 }, 421, 0, "toomanyconn" },
	{ { "reply code 451 (local error in processing)", RFC5321 }, 451, 0, "systemerror" },
	{ { "reply code 452 (insufficient system storage)", RFC5321 }, 452, 0, "systemfull" },
	{ { "reply code 454 (TLS or authentication not available for now)", RFC3207 "; " RFC4954 },
	    454, 0, "securityerror" },
	{ { "reply code 500 (syntax error, command unrecognized)", RFC5321_SYNTAX }, 500, 0, "syntaxerror" },
	{ { "reply code 501 (syntax error in parameters or arguments)", RFC5321_SYNTAX }, 501, 0,
	    "syntaxerror" },
	{ { "reply code 502 (command not implemented)", RFC5321_SYNTAX }, 502, 0, "syntaxerror" },
	{ { "reply code 503 (bad sequence of commands)", RFC5321_SYNTAX }, 503, 0, "syntaxerror" },
	{ { "reply code 504 (command parameter not implemented)", RFC5321_SYNTAX }, 504, 0, "syntaxerror" },
	{ { "reply code 521 (host does not accept mail)", RFC7505 }, 521, 0, "notaccept" },
	{ { "reply code 530 (authentication or STARTTLS required)", RFC3207 "; " RFC4954 }, 530, 0,
	    "securityerror" },
	{ { "reply code 534 (authentication mechanism is too weak)", RFC4954 }, 534, 0, "securityerror" },
	{ { "reply code 535 (authentication credentials invalid)", RFC4954 }, 535, 0, "securityerror" },
	{ { "reply code 538 (encryption required for the authentication mechanism)", RFC4954 }, 538, 0,
	    "securityerror" },
	{ { "reply code 551 (user not local)", RFC5321 }, 551, 0, "hasmoved" },
	{ { "reply code 552 (exceeded storage allocation)", RFC5321 }, 552, 0, "mailboxfull" },
	{ { "reply code 552 in answer to DATA (message size exceeds the maximum)", RFC1870 }, 552,
	    REASON_CMD_DATA, "mesgtoobig" },
	{ { "reply code 553 (mailbox name not allowed)", RFC5321 }, 553, 0, "userunknown" },
	{ { "reply code 555 (MAIL FROM/RCPT TO parameters not recognized)", RFC5321_SYNTAX }, 555, 0,
	    "syntaxerror" },
	{ { "reply code 556 (domain does not accept mail)", RFC7505 }, 556, 0, "notaccept" },
};

/* Rules that are conditions rather than texts or codes. */
static const struct reason_rule
    r_delivered = { "action delivered, relayed or expanded: not a failure", "RFC 3464 2.3.3" },
    r_success = { "status 2.X.X: success", RFC3463 },
    r_mail_from = { "answered MAIL FROM or a sender's code: the sender was refused, not the recipient",
	"RFC 5321 3.3 (MAIL FROM), RFC 3463 X.1.7/X.1.8" },
    r_connect_refused = { "refused at the connection or HELO/EHLO, and the reply names no other reason: the sending client was refused",
	"RFC 5321 3.1 (554 at the greeting), 4.1.1.1 (HELO/EHLO)" },
    r_expired_input = { "the reporting MTA gave up when the queue lifetime ran out, and quotes no remote reply",
	"RFC 5321 4.5.4.1 (give-up time)" },
    r_failed_temp = { "failed with a temporary (4.X.X) status: retries ran out",
	"RFC 3464 2.3.3 (Action failed), RFC 3463 (class 4)" },
    r_excuse = { "\"user unknown\" with no X.1.x code and not in answer to RCPT TO: filters give it as an excuse",
	"RFC 5321 3.3 (a mailbox is refused at RCPT TO); " JP_CARRIER },
    r_rcpt_refused = { "a permanent refusal in answer to RCPT TO that names no other reason: the recipient's address was refused",
	"RFC 5321 3.3 (RCPT: a 550 reply when the recipient is not a deliverable address)" },
    r_rcpt_named = { "a permanent refusal that names the recipient's address and no other reason: the recipient's address was refused",
	"RFC 5321 3.3, 4.2 (a reply to RCPT TO speaks of that forward-path); Sendmail sendmail/err.c fmtmsg() ('<%s>... ' before the text), "
	"Postfix src/smtpd/smtpd_check.c ('<%s>: Recipient address rejected'): replies name the address they refuse" },
    r_sender_named = { "a refusal that names the sender's address, not the recipient's, and no other reason or a recipient's (user unknown): the sender was refused",
	"RFC 5321 3.3 (MAIL FROM: the reverse-path refused); Sendmail sendmail/err.c fmtmsg() ('<%s>... ' before the text), "
	"Postfix src/smtpd/smtpd_check.c ('<%s>: Sender address rejected'): replies name the address they refuse" },
    r_relay = { "status X.7.x (security or policy) and a reply that speaks of relaying: the server does not relay for this client",
	"RFC 5321 3.6.2, 7.1 (relaying), RFC 3463 3.8 (X.7.1 delivery not authorized)" },
    r_dns_temp = { "a host or domain not found, reported as temporary (4.X.X, or in words): DNS trouble",
	"RFC 3463 2 (class 4), RFC 5321 5.1 (temporary DNS errors)" },
    r_delayed = { "delayed, and no text or code tells more than a temporary failure: still retrying, no reason yet (a warning is no expiry)",
	"RFC 3464 2.3.3 (Action delayed), 2.3.6 (Will-Retry-Until)" },
    r_default = { "no text, status or reply code tells the reason", "bouncekit-records(5)" };
const struct reason_rule reason_rule_input = { "set by the reader of the input (an ESP's bounce type, "
    "a feedback report, an auto-reply, a delivery program's exit status or address: X-Unix, |command)", "bouncekit-records(5)" };

/* Rules of the class. */
static const struct reason_rule
    c_none = { "not a failure: delivered, feedback or auto-reply", "RFC 3464 2.3.3, RFC 5965, RFC 3834" },
    c_temp_status = { "soft: status 4.X.X, a persistent transient failure", "RFC 3463 2 (class 4)" },
    c_temp_code = { "soft: reply code 4xx, transient negative completion", "RFC 5321 4.2.1 (4yz)" },
    c_delayed = { "soft: the report says the delivery is delayed: the reporting MTA is still retrying",
	"RFC 3464 2.3.3 (Action delayed)" },
    c_expiry = { "soft: the MTA gave up after temporary failures (queue lifetime)",
	"RFC 5321 4.5.4.1 (give-up time)" },
    c_temp_text = { "soft: the reply text says the failure is temporary (try again, greylisted, "
	"temporarily deferred)", "RFC 5321 4.2.1 (transient failures)" },
    c_soft_reason = { "soft: the reason is not a permanent failure of the recipient",
	"bouncekit-records(5) (hard only for a permanent recipient failure)" },
    c_sender_cmd = { "soft: refused at the connection, HELO or MAIL FROM: the sender's side",
	"RFC 5321 3.3, 4.2.5" },
    c_sender_status = { "soft: status X.1.7/X.1.8/X.7.27: the sender's address", RFC3463 },
    c_policy_status = { "soft: status X.7.X (security or policy) and no text that names the recipient's mailbox",
	"RFC 3463 3.8 (X.7.X security or policy status)" },
    c_hard_5xx = { "hard: a permanent failure (5.X.X or 5xx) about this recipient or its domain",
	"RFC 3463 (class 5), RFC 5321 4.2.1 (5yz)" },
    c_hard_failed = { "hard: failed with no sign of a temporary cause, about this recipient or its domain",
	"RFC 3464 2.3.3 (Action failed)" },
    c_weak_basis = { "soft: only a text that any restriction may follow (\"address rejected\") and a generic code",
	"bouncekit-records(5) (hard only on evidence)" },
    c_code_only = { "soft: only the reply code 553 (mailbox name not allowed) names a recipient's reason, and the reply is not known to answer RCPT TO",
	"RFC 5321 4.2.2, 4.2.3 (553 also refuses a MAIL FROM mailbox name), bouncekit-records(5) (hard only on evidence)" },
    c_not_permanent = { "soft: no sign that the failure is permanent", "RFC 5321 4.2.1" };

/* The first bytes compared first: this runs a hundred thousand times on the
 * bench's folder, and most names differ there. */
static int
is(const char *a, const char *b)
{
	return a && a[0] == b[0] && strcmp(a, b) == 0;
}

/* The reasons that may be hard: a permanent failure of the recipient. */
static int
recipient_reason(const char *r)
{
	return is(r, "userunknown") || is(r, "hostunknown") || is(r, "hasmoved") ||
	    is(r, "notaccept");
}

/* Reasons of a vague refusal ("access denied", "blocked", "policy"): at
 * MAIL FROM it is the sender that was refused. */
static int
vague_refusal(const char *r)
{
	return is(r, "blocked") || is(r, "policyviolation");
}

/* Whether a reply says no more than that it refuses: besides its codes and
 * addresses only words such as "recipient rejected", "refused", "denied",
 * "not accepted". */
static int
bare_refusal(const char *diag, int code)
{
	static const char *const words[] = { "rejected", "refused", "denied", "recipient",
		"address", "rcpt", "to", "not", "accepted", "sorry", "no", NULL };
	int refused = 0;

	if (diag == NULL)
		return 0;
	/* A notice may put its own words before the reply ("SMTP error from
	 * remote mail server after RCPT TO:<...>: 542 ..."): the reply starts
	 * at its code. */
	if (code >= 200 && code <= 599) {
		for (const char *q = diag; (q = strchr(q, '0' + code / 100)) != NULL; q++) {
			if ((q == diag || q[-1] == ' ' || q[-1] == ':' || q[-1] == '\n') &&
			    status_find_reply(q, strlen(q), NULL) == code) {
				diag = q;
				break;
			}
		}
	}
	for (const char *p = diag; *p; ) {
		const char *w = p, *e;
		size_t n;
		int known = 0;

		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		e = p;
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (memchr(w, '@', (size_t)(e - w)) || *w == '<')
			continue;	/* an address */
		while (w < e && !ascii_alpha((unsigned char)*w))
			w++;
		while (e > w && !ascii_alpha((unsigned char)e[-1]))
			e--;
		if (w == e)
			continue;	/* codes, punctuation */
		n = (size_t)(e - w);
		/* qmail-remote ends the quoted reply with "Giving up on
		 * 192.0.2.1.". */
		if (n == 6 && strncasecmp(w, "giving", 6) == 0 && strncasecmp(p, "up on", 5) == 0)
			break;
		for (const char *const *k = words; *k && !known; k++)
			if (strlen(*k) == n && strncasecmp(w, *k, n) == 0) {
				known = 1;
				refused |= k - words < 3 || strcmp(*k, "accepted") == 0;
			}
		if (!known)
			return 0;
	}
	return refused;
}

/* Whether text names the address addr (case aside). Only for a reply that
 * bare_refusal() found short of words. */
static int
names_address(const char *text, const char *addr)
{
	size_t n = strlen(addr);

	if (n < 3)
		return 0;
	for (const char *p = text; (p = strchr(p, '@')) != NULL; p++) {
		const char *at = strchr(addr, '@');
		size_t local = at ? (size_t)(at - addr) : 0;

		if (at && (size_t)(p - text) >= local && strncasecmp(p - local, addr, n) == 0)
			return 1;
	}
	return 0;
}

/* Whether text has the word "relay" on its own (not a host name's
 * "relay.example.net" or "smtp-relay"). */
static int
says_relay(const char *text)
{
	for (const char *p = text; *p; p++) {
		unsigned char before, after;

		if ((*p != 'r' && *p != 'R') || strncasecmp(p, "relay", 5) != 0)
			continue;
		before = p == text ? ' ' : (unsigned char)p[-1];
		after = (unsigned char)p[5];
		if (ascii_alpha(before) || ascii_digit(before) || before == '-' || before == '.')
			continue;
		if (after == '.' && (ascii_alpha((unsigned char)p[6]) || ascii_digit((unsigned char)p[6])))
			continue;
		if (ascii_digit(after) || after == '-' || after == '=' || after == '_')
			continue;
		if (ascii_alpha(after) && strncasecmp(p + 5, "ing", 3) != 0)
			continue;
		return 1;
	}
	return 0;
}

/* Whether the reply names the envelope sender's address and not the
 * recipient's: then it speaks of the sender. */
static int
names_sender_only(const struct reason_input *in)
{
	return in->from && in->diag && names_address(in->diag, in->from) &&
	    !(in->rcpt && names_address(in->diag, in->rcpt));
}

/* Reasons that say no more than "it did not work out": a quoted reply that
 * says only this does not explain an expiry. */
static int
generic_reason(const char *r)
{
	return is(r, "systemerror") || is(r, "undefined") || is(r, "onhold") ||
	    is(r, "expired") || is(r, "networkerror");
}

/* A code "C.S.D" in parts; 0 if status is not one. */
static int
status_parts(const char *status, int *sub, int *det)
{
	char *end;
	long s, d;

	if (status == NULL || (status[0] != '2' && status[0] != '4' && status[0] != '5') ||
	    status[1] != '.')
		return 0;
	s = strtol(status + 2, &end, 10);
	if (*end != '.' || end == status + 2)
		return 0;
	d = strtol(end + 1, &end, 10);
	if (*end != '\0')
		return 0;
	*sub = (int)s;
	*det = (int)d;
	return status[0] - '0';
}

static const struct code_rule *
code_rule(int sub, int det)
{
	pthread_once(&code_rules_once, code_rules_init);
	for (size_t i = 0; i < ncode_rules; i++)
		if (code_rules[i].subject == sub && code_rules[i].detail == det)
			return &code_rules[i];
	return NULL;
}

static int
sender_status(int sub, int det)
{
	return (sub == 1 && (det == 7 || det == 8)) || (sub == 7 && det == 27);
}

/* The command the marks found name: the one named last. A session
 * transcript (Sendmail's ">>> RCPT TO", ">>> DATA", "<<< 550 ...") shows each
 * command sent, and the reply follows the last; a notice names the command
 * of each reply ("in reply to RCPT TO command"). */
static int
marks_command(const struct match *m)
{
	static const struct {
		int bit, cmd;
	} cmds[] = { { 0, REASON_CMD_MAIL }, { 1, REASON_CMD_RCPT }, { 2, REASON_CMD_DATA },
		{ 3, REASON_CMD_CONNECT } };
	unsigned best = 0;
	int cmd = REASON_CMD_UNKNOWN;

	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (m->last[cmds[i].bit] > best) {
			best = m->last[cmds[i].bit];
			cmd = cmds[i].cmd;
		}
	return cmd;
}

static const int bit_command[] = { REASON_CMD_MAIL, REASON_CMD_RCPT, REASON_CMD_DATA,
	REASON_CMD_CONNECT };

/* The command the reply diag answered, from a notice (ctx) that quotes it
 * (its first bytes, the last time) among others: Postfix names it just after
 * the reply ("(in reply to RCPT TO command)"), a transcript or Exim just
 * before (">>> RCPT To:<...>", "after RCPT TO:<...>:"). Where the reply is
 * not found in the notice, the command named last. */
static int
context_command(const struct match *mc, const char *ctx, size_t n, const char *diag)
{
	size_t dn = strlen(diag), key = dn < 24 ? dn : 24;
	const char *at = NULL, *next;
	size_t p, q;
	int cmd = REASON_CMD_UNKNOWN;

	/* The last time the reply is quoted: a transcript comes after the
	 * summary of the failures. */
	for (const char *from = ctx; key >= 8 && (size_t)(from - ctx) < n &&
	    (next = memmem(from, n - (size_t)(from - ctx), diag, key)) != NULL; from = next + 1)
		at = next;
	if (at == NULL)
		return marks_command(mc);
	p = (size_t)(at - ctx);
	q = p + dn;
	for (unsigned k = 0; k < mc->ncmd; k++) {
		if (mc->cmd[k].follows) {
			if (mc->cmd[k].start + 16 >= q && mc->cmd[k].start < q + 96)
				return bit_command[mc->cmd[k].bit];
		} else if (mc->cmd[k].end <= p) {
			cmd = bit_command[mc->cmd[k].bit];
		}
	}
	return cmd;
}

/* The class of reason r, and the rule that decided it. st: the status class
 * (0 if none), sub/det its parts; temp: the text says temporary; expiry: the
 * MTA gave up on the queue lifetime. */
static const char *
class_of(const char *r, int st, int sub, int det, int code, const char *action, int cmd,
    int temp, int expiry, int weak, int strong, const struct reason_rule **rule)
{
	const struct reason_desc *d = reason_describe(r);

	if (d == NULL || strcmp(d->class, "none") == 0) {
		*rule = d ? &c_none : &c_soft_reason;
		return d ? "none" : "soft";
	}
	if (st == 4) {
		*rule = &c_temp_status;
		return "soft";
	}
	if (is(action, "delayed")) {
		*rule = &c_delayed;
		return "soft";
	}
	if (code >= 400 && code < 500) {
		*rule = &c_temp_code;
		return "soft";
	}
	if (expiry) {
		*rule = &c_expiry;
		return "soft";
	}
	if (temp) {
		*rule = &c_temp_text;
		return "soft";
	}
	if (strcmp(d->class, "soft") == 0) {
		*rule = &c_soft_reason;
		return "soft";
	}
	/* A recipient's reason: hard only if nothing says it was about the
	 * sender, and something says it is permanent. */
	if (cmd == REASON_CMD_MAIL || cmd == REASON_CMD_CONNECT) {
		*rule = &c_sender_cmd;
		return "soft";
	}
	if (st && sender_status(sub, det)) {
		*rule = &c_sender_status;
		return "soft";
	}
	if (st && sub == 7 && det != 17 && det != 18 && !strong) {
		*rule = &c_policy_status;
		return "soft";
	}
	if (weak == 1) {
		*rule = &c_weak_basis;
		return "soft";
	}
	if (weak == 2) {
		*rule = &c_code_only;
		return "soft";
	}
	if (st == 5 || (code >= 500 && code < 600)) {
		*rule = &c_hard_5xx;
		return "hard";
	}
	if (st == 0 && code == 0 && is(action, "failed")) {
		*rule = &c_hard_failed;
		return "hard";
	}
	*rule = &c_not_permanent;
	return "soft";
}

/* Where a delivery program's own words start in diag, or NULL: after
 * Postfix's "Command output:", or after Exim's "generated during the
 * delivery attempt(s):" and its headings "------ <address> ------" (one an
 * address the output is about; the address and command they name are not
 * the program's words). */
static const char *
wrapped_words(const char *diag)
{
	static const char out[] = "command output:", exim[] = "during the delivery attempt";
	const char *p, *q;

	if ((p = strcasestr(diag, out)) != NULL)
		return p + sizeof out - 1;
	if ((p = strcasestr(diag, exim)) == NULL)
		return NULL;
	p += sizeof exim - 1;
	p += strspn(p, "s: \t\r\n");
	while (strncmp(p, "------", 6) == 0) {
		if ((q = strstr(p + 6, "------")) == NULL)
			return NULL;
		p = q + strspn(q, "-");
		p += strspn(p, " \t\r\n");
	}
	return p;
}

/* A delivery program's own words after a wrapper phrase ("Command output:
 * maildrop: maildir over quota"): the phrase they name, if one that says
 * more than the wrapper; else the wrapper. */
static const struct phrase *
unwrap(const struct phrase *ph, const char *diag)
{
	const char *p;
	struct match mo;

	if (!(ph->flags & F_WRAPS) || diag == NULL || (p = wrapped_words(diag)) == NULL)
		return ph;
	reason_phrase_match(p, strlen(p), &mo);
	/* Not a "user unknown" either: from a program it is no filter's
	 * excuse, and the program's exit status says what it is. */
	if (mo.i < 0 || (reason_phrases[mo.i].flags & (F_WEAK | F_WRAPS | F_EXCUSE)))
		return ph;
	return &reason_phrases[mo.i];
}

static int
delivered_action(const char *action)
{
	return action && (strcmp(action, "delivered") == 0 || strcmp(action, "relayed") == 0 ||
	    strcmp(action, "expanded") == 0);
}

/* X.7.1 (RFC 3463: "Delivery not authorized, message refused", a refusal
 * by policy) says all that a vague policy word says ("policy", "not
 * authorized", "administrative prohibition"), and more than RFC 5321's
 * generic reply texts ("Transaction failed", "local error", "system
 * error"): beside those its own reason stands. A text that names what the
 * policy refused (a block list, spam, a relay) still says more. */
static int
restates_x71(const struct phrase *ph, int sub, int det)
{
	return sub == 7 && det == 1 && (ph->flags & F_WEAK) &&
	    (is(ph->reason, "policyviolation") || is(ph->reason, "systemerror"));
}

void
reason_decide(const struct reason_input *in, struct reason_verdict *v)
{
	struct match m, mc;
	const struct code_rule *cr = NULL;
	const struct phrase *ph = NULL;
	const char *r = NULL;
	const struct reason_rule *rr = NULL;
	int st, sub = 0, det = 0, cmd, expiry, temp, code_only;

	memset(v, 0, sizeof *v);
	st = status_parts(in->status, &sub, &det);
	if (delivered_action(in->action) || st == 2) {
		v->reason = "delivered";
		v->class = "none";
		v->reason_rule = delivered_action(in->action) ? &r_delivered : &r_success;
		v->class_rule = &c_none;
		return;
	}
	if (st)
		cr = code_rule(sub, det) ? code_rule(sub, det) : code_rule(sub, 0);
	reason_phrase_match(in->diag, in->diag ? strlen(in->diag) : 0, &m);
	if (m.i >= 0)
		ph = unwrap(&reason_phrases[m.i], in->diag);
	cmd = in->command ? in->command : marks_command(&m);
	expiry = in->expired || (m.marks & MK_EXPIRY);
	temp = (m.marks & MK_TEMP) || (ph && (ph->flags & F_TEMP));

	/* The text against the code: a named reason beats a generic code, a
	 * specific code beats a vague phrase. */
	if (ph) {
		r = ph->reason;
		rr = &ph->rule;
		if (cr && cr->reason && (!cr->generic || restates_x71(ph, sub, det)) &&
		    (ph->flags & (F_WEAK | F_LAST)) && !((ph->flags & F_DBEB) && sub == 4 && det == 1)) {
			r = cr->reason;
			rr = &cr->rule;
		} else if (cr && ((is(cr->reason, "hasmoved") && is(r, "userunknown")) ||
		    (sub == 6 && recipient_reason(r)))) {
			/* X.6.X (RFC 3463 3.7) is about the message's content
			 * or media: an address word beside it ("5.6.0 Invalid
			 * address in header") is about the content, not the
			 * recipient's mailbox. */
			r = cr->reason;
			rr = &cr->rule;
		} else if ((ph->flags & F_CONN) && cr && is(cr->reason, "expired")) {
			/* X.4.7: the time to deliver ran out, on failures to
			 * connect as the text tells (a delay notice may say so
			 * too: Exchange's "#4.4.7"). */
			r = cr->reason;
			rr = &cr->rule;
		} else if ((ph->flags & F_CONN) && is(in->action, "failed") && st == 4) {
			r = "expired";
			rr = &r_failed_temp;
		}
	} else if (is(in->action, "failed") && st == 4 && (cr == NULL || cr->reason == NULL ||
	    is(cr->reason, "networkerror") || cr->generic)) {
		/* Failed with a temporary code: the MTA gave up retrying, unless
		 * a code says what was wrong (4.2.2 full mailbox, 4.4.3 directory
		 * server failure, 452). */
		r = "expired";
		rr = &r_failed_temp;
		/* 421 and 451 say no more than X.4.2 does. */
		for (size_t i = 0; i < sizeof reply_rules / sizeof reply_rules[0]; i++)
			if (reply_rules[i].code == in->code && (!reply_rules[i].cmd ||
			    reply_rules[i].cmd == cmd) && (cr == NULL || cr->reason == NULL ||
			    (in->code != 421 && in->code != 451))) {
				r = reply_rules[i].reason;
				rr = &reply_rules[i].rule;
			}
	} else if (cr && cr->reason) {
		r = cr->reason;
		rr = &cr->rule;
	} else {
		for (size_t i = 0; i < sizeof reply_rules / sizeof reply_rules[0]; i++)
			if (reply_rules[i].code == in->code && (!reply_rules[i].cmd ||
			    reply_rules[i].cmd == cmd)) {
				r = reply_rules[i].reason;
				rr = &reply_rules[i].rule;
			}
	}
	if (r == NULL) {
		r = "undefined";
		rr = &r_default;
	}
	/* Which command the reply answered matters for a recipient's reason
	 * only; the notice may tell it where the reply does not. */
	if (!cmd && in->context && (recipient_reason(r) || is(r, "undefined") ||
	    (ph && rr == &ph->rule && (ph->flags & F_WEAK) && vague_refusal(r)))) {
		size_t cn = strlen(in->context);

		reason_phrase_match(in->context, cn, &mc);
		cmd = in->diag ? context_command(&mc, in->context, cn > SCAN_MAX ? SCAN_MAX : cn,
		    in->diag) : marks_command(&mc);
	}
	if ((recipient_reason(r) || is(r, "undefined") || (ph && rr == &ph->rule &&
	    (ph->flags & F_WEAK) && !(ph->flags & F_CLIENT) && vague_refusal(r) &&
	    cmd == REASON_CMD_MAIL) ||
	    (cr && rr == &cr->rule && cr->generic && cmd == REASON_CMD_MAIL) ||
	    /* 501 to MAIL FROM refuses the reverse-path or its parameters
	     * (RFC 5321 4.2.3, 4.3.2): the sender's, whatever the text. */
	    (in->code == 501 && is(r, "syntaxerror") && cmd == REASON_CMD_MAIL)) &&
	    (cmd == REASON_CMD_MAIL ||
	    (st && sender_status(sub, det) && (!(ph && rr == &ph->rule) || sub == 1)))) {
		/* The sender was refused: not the recipient's fault. X.1.7
		 * and X.1.8 name the sender's address outright, so that a
		 * recipient's word beside them ("Domain not found") is about
		 * the sender's. */
		r = "rejected";
		rr = cmd == REASON_CMD_MAIL || cr == NULL ? &r_mail_from : &cr->rule;
	} else if (cmd == REASON_CMD_CONNECT && (is(r, "undefined") ||
	    (cr && rr == &cr->rule && cr->generic))) {
		/* Refused at the greeting or HELO, and the reply names no
		 * other reason ("554 No SMTP service here"): the client, not
		 * the message or a recipient, was refused. */
		r = "blocked";
		rr = &r_connect_refused;
	} else if (recipient_reason(r) && cmd == REASON_CMD_UNKNOWN && names_sender_only(in)) {
		/* A recipient's word about the sender's own address ("550
		 * 5.1.1 <sender@example.net>... User unknown", a sender check
		 * where the report does not tell the command): the sender was
		 * refused. */
		r = "rejected";
		rr = &r_sender_named;
	} else if (ph && rr == &ph->rule && (ph->flags & F_EXCUSE) && cmd != REASON_CMD_RCPT &&
	    !(st && sub == 1 && det != 7 && det != 8)) {
		/* A mailbox is refused in answer to RCPT TO; "user unknown" in
		 * answer to DATA, with no 5.1.x code, is a content filter's
		 * excuse. */
		r = "filtered";
		rr = &r_excuse;
	} else if (is(r, "undefined") && cmd == REASON_CMD_RCPT && !(st && sub == 7) &&
	    (st == 5 || (st == 0 && in->code >= 500 && in->code < 600)) && bare_refusal(in->diag, in->code)) {
		/* Refused for good at RCPT TO, and the reply says nothing but
		 * that ("542 <who@example.org> Rejected"): the recipient's
		 * address. A text this classifier does not know is not
		 * "nothing". */
		r = "userunknown";
		rr = &r_rcpt_refused;
	} else if (is(r, "undefined") && cmd == REASON_CMD_UNKNOWN && in->rcpt && !(st && sub == 7) &&
	    (st == 5 || (st == 0 && in->code >= 500 && in->code < 600)) && bare_refusal(in->diag, in->code) &&
	    names_address(in->diag, in->rcpt)) {
		/* The same where the command is not told, but the reply names
		 * the recipient's address ("542 who@example.org Rejected"):
		 * servers name the address they refuse, and a refused sender
		 * is named as the sender. */
		r = "userunknown";
		rr = &r_rcpt_named;
	} else if (is(r, "undefined") && cmd == REASON_CMD_UNKNOWN && !(st && sub == 7) &&
	    (st == 5 || (st == 0 && in->code >= 500 && in->code < 600)) && bare_refusal(in->diag, in->code) &&
	    names_sender_only(in)) {
		/* And one that names the sender's address refused the
		 * sender. */
		r = "rejected";
		rr = &r_sender_named;
	}
	/* A security refusal (X.7.x) that speaks of relaying ("550 5.7.1 We do
	 * not relay", "Relay not allowed"): the server will not relay for
	 * this client. */
	if (cr && rr == &cr->rule && sub == 7 && cr->generic && in->diag && says_relay(in->diag)) {
		r = "norelaying";
		rr = &r_relay;
	}
	/* A delay notice is no expiry: the MTA is still retrying (RFC 3464
	 * 2.3.3), whatever its boilerplate says (Exim's deliver.c: "Delivery
	 * attempts will continue for some time"). A specific status says what
	 * there is to say; a notice that tells no more than that delivery is
	 * being retried (no code, no specific text) gives no reason yet. A
	 * delayed attempt with its own reply code is that reply. */
	if (is(in->action, "delayed") && !expiry && is(r, "expired") &&
	    !(cr && is(cr->reason, "expired"))) {
		r = cr && cr->reason && !cr->generic ? cr->reason : "undefined";
		rr = cr && cr->reason && !cr->generic ? &cr->rule : &r_delayed;
	}
	if (is(in->action, "delayed") && in->code == 0 && (st == 0 || (cr && cr->generic)) &&
	    (is(r, "undefined") || (is(r, "systemerror") && ph && rr == &ph->rule &&
	    (ph->flags & F_WEAK)))) {
		r = "undefined";
		rr = &r_delayed;
	}
	/* A host not found that the reporter will retry, or that the reply
	 * calls temporary: DNS trouble. */
	if (is(r, "hostunknown") && (st == 4 || temp)) {
		r = "networkerror";
		rr = &r_dns_temp;
	}
	/* The queue lifetime ran out: expired (the time ran out on failures
	 * to connect), unless the last failure says more: a quoted remote
	 * reply, a text that names another cause (DNS lookups, a full
	 * mailbox), or a specific status (X.4.3 directory server failure). */
	if (expiry && !((m.marks & MK_QUOTE) && ph && rr == &ph->rule && !generic_reason(r)) &&
	    !(ph && rr == &ph->rule && !(ph->flags & (F_CONN | F_WEAK)) && !is(r, "expired")) &&
	    !(cr && rr == &cr->rule && !cr->generic && !(sub == 4 && (det == 1 || det == 2 ||
	    det == 7)))) {
		r = "expired";
		rr = in->expired || m.first[MKB_EXPIRY] < 0 ? &r_expired_input : &reason_phrases[m.first[MKB_EXPIRY]].rule;
	}
	v->reason = reason_describe(r)->name;
	v->reason_rule = rr;
	v->command = cmd;
	/* A reply code alone (553 "mailbox name not allowed") also refuses
	 * a sender: hard only where the reply answered RCPT TO. */
	code_only = 0;
	for (size_t i = 0; i < sizeof reply_rules / sizeof reply_rules[0]; i++)
		code_only |= rr == &reply_rules[i].rule && reply_rules[i].code == 553 &&
		    cmd != REASON_CMD_RCPT;
	v->class = class_of(v->reason, st, sub, det, in->code, in->action, cmd, temp, expiry,
	    ph && rr == &ph->rule && (ph->flags & F_LAST) && (cr == NULL || cr->generic) ? 1 :
	    code_only ? 2 : 0,
	    ph && rr == &ph->rule && !(ph->flags & (F_WEAK | F_LAST)), &v->class_rule);
}

const char *
reason_classify(const char *action, const char *status, int code, const char *diag)
{
	return reason_classify_ctx(action, status, code, diag, NULL);
}

const char *
reason_classify_ctx(const char *action, const char *status, int code, const char *diag,
    const char *context)
{
	struct reason_input in = { action, status, code, diag, context, 0, 0, NULL, NULL };
	struct reason_verdict v;

	reason_decide(&in, &v);
	return v.reason;
}

const char *
reason_from_text(const char *text, size_t n)
{
	struct match m;

	reason_phrase_match(text, n, &m);
	return m.i < 0 ? NULL : reason_phrases[m.i].reason;
}

int
reason_needs_command(const char *diag, const char *status)
{
	struct match m;
	int specific = status && status[0] && status[1] == '.' && strstr(status, ".0.0") == NULL;

	reason_phrase_match(diag, strlen(diag), &m);
	if (m.i < 0) {
		int sub, det;
		const struct code_rule *cr;

		if (!specific || status_parts(status, &sub, &det) == 0)
			return 1;
		cr = code_rule(sub, det);
		return cr == NULL || recipient_reason(cr->reason);
	}
	if ((reason_phrases[m.i].flags & F_WEAK) && vague_refusal(reason_phrases[m.i].reason))
		return 1;
	/* A recipient's reason is hard only if the reply did not answer
	 * MAIL FROM or the connection, whatever the status ("550 5.1.1 User
	 * unknown" in reply to MAIL FROM is about the sender). */
	return recipient_reason(reason_phrases[m.i].reason);
}

const char *
reason_class_action(const char *reason, const char *action, const char *status, int code,
    const struct reason_rule **rule)
{
	const struct reason_rule *dummy;
	int sub = 0, det = 0, st = status_parts(status, &sub, &det);

	return class_of(reason ? reason : "undefined", st, sub, det, code, action ? action : "failed",
	    0, 0, 0, 0, 0, rule ? rule : &dummy);
}

const char *
reason_class_why(const char *reason, const char *status, int code, const struct reason_rule **rule)
{
	return reason_class_action(reason, "failed", status, code, rule);
}

const char *
reason_class(const char *reason, const char *status, int code)
{
	return reason_class_why(reason, status, code, NULL);
}

const struct reason_desc *
reason_describe(const char *name)
{
	/* The first byte first: most names differ there, and this is called
	 * for every event. */
	for (const struct reason_desc *r = reason_table; r->name; r++)
		if (r->name[0] == name[0] && strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

void
reason_rules_each(void (*fn)(void *arg, const struct reason_rule *r, const char *reason,
    const char *kind), void *arg)
{
	static const char *const mark_kind[NMARKBITS] = { "command MAIL FROM", "command RCPT TO",
		"command DATA", "command connection/HELO", "expiry", "quoted remote reply",
		"temporary" };
	static const struct reason_rule *const conds[] = { &r_delivered, &r_success, &r_mail_from,
		&r_connect_refused, &r_expired_input, &r_failed_temp, &r_excuse, &r_rcpt_refused,
		&r_rcpt_named, &r_sender_named, &r_relay, &r_dns_temp, &r_delayed, &r_default, &reason_rule_input };
	static const struct reason_rule *const classes[] = { &c_none, &c_temp_status, &c_temp_code,
		&c_delayed, &c_expiry, &c_temp_text, &c_soft_reason, &c_sender_cmd, &c_sender_status,
		&c_policy_status, &c_weak_basis, &c_code_only, &c_hard_5xx, &c_hard_failed, &c_not_permanent };

	for (size_t i = 0; i < reason_nphrases; i++) {
		int b = 0;

		while (reason_phrases[i].mark >> (b + 1))
			b++;
		fn(arg, &reason_phrases[i].rule, reason_phrases[i].reason, reason_phrases[i].reason ? "text" :
		    mark_kind[b]);
	}
	pthread_once(&code_rules_once, code_rules_init);
	for (size_t i = 0; i < ncode_rules; i++)
		fn(arg, &code_rules[i].rule, code_rules[i].reason, "status");
	for (size_t i = 0; i < sizeof reply_rules / sizeof reply_rules[0]; i++)
		fn(arg, &reply_rules[i].rule, reply_rules[i].reason, "reply code");
	for (size_t i = 0; i < sizeof conds / sizeof conds[0]; i++)
		fn(arg, conds[i], NULL, "condition");
	for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
		fn(arg, classes[i], NULL, "class");
}
