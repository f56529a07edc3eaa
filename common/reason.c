#include "reason.h"
#include "status.h"
#include "util.h"

#include <ctype.h>
#include <pthread.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
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

/* Phrases of reply texts, lower case, at least 3 bytes (ANCHOR_LEN), most
 * specific reasons first: the first match wins. Full storage comes before "unknown user", since servers often
 * say "user ... over quota". */
static const struct phrase {
	const char *reason;
	const char *text;
} phrases[] = {
	/* Specific wordings that would otherwise match a vaguer phrase below. */
	{ "expired", "envelope expired" },
	/* Lotus Notes and Domino: the recipient is not in the directory
	 * (not a block list's "listed in"). */
	{ "userunknown", "not listed in public name & address book" },
	{ "userunknown", "not listed in domino directory" },
	/* RFC 7505: the domain says it takes no mail; a "DNS error" to some. */
	{ "notaccept", "null mx" },
	{ "notaccept", "doesn't receive email" },
	{ "notaccept", "does not receive email" },
	{ "networkerror", "dns error" },
	{ "userunknown", "address couldn't be found" },
	{ "userunknown", "address could not be found" },
	{ "expired", "not delivered within" },
	{ "expired", "unable to deliver this message after" },
	{ "authfailure", "unauthenticated email" },
	{ "authfailure", "sender is unauthenticated" },
	{ "policyviolation", "content presents a potential" },
	{ "rejected", "permission to post" },
	{ "rejected", "send mail as" },
	{ "blocked", "service refuse" },
	{ "systemerror", "upstream error" },
	{ "systemerror", "could not load" },
	{ "rejected", "sender address rejected" },
	{ "rejected", "domain of sender address" },
	{ "rejected", "sender verify failed" },
	{ "rejected", "sender rejected" },
	{ "blocked", "my name was rejected" },
	{ "blocked", "refused to talk to me" },
	{ "blocked", "invalid ip for sending" },
	{ "badreputation", "user complaints" },
	{ "badreputation", "low reputation" },
	{ "rejected", "sender was rejected" },
	{ "userunknown", "recipient address rejected: access denied" },
	{ "userunknown", "user doesn't have a" },
	{ "userunknown", "user does not have a" },
	{ "exceedlimit", "exceeds administrative limit" },
	{ "notcompliantrfc", "duplicate header" },
	{ "notcompliantrfc", "multiple addresses in from" },
	{ "notaccept", "no smtp service" },
	{ "suspend", "temporary locked" },
	{ "suspend", "temporarily locked" },
	{ "suspend", "account is locked" },
	{ "authfailure", "dmarc" },
	{ "securityerror", "delivery not authorized" },
	{ "securityerror", "unauthenticated" },
	{ "norelaying", "no relaying" },
	{ "norelaying", "not configured to relay" },
	{ "spamdetected", "message content rejected" },
	{ "mailererror", "procmail" },
	{ "hostunknown", "domain is not reachable" },
	{ "hostunknown", "unrouteable address" },
	{ "speeding", "receiving mail at a rate" },
	{ "policyviolation", "protocol violation" },
	{ "systemerror", "transaction failed" },
	{ "systemerror", "service currently unavailable" },
	{ "toomanyconn", "connection frequency limited" },
	{ "requireptr", "rdns" },
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
	{ "mailboxfull", "over-quota" },
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
	{ "userunknown", "recipient name is not recognized" },
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
	{ "networkerror", "mail loop" },
	{ "networkerror", "too many hops" },
	{ "networkerror", "temporary failure in name resolution" },
	{ "networkerror", "host name lookup failure" },
	{ "networkerror", "dns lookup" },
	{ "networkerror", "dns failure" },
	{ "policyviolation", "policy" },
	{ "policyviolation", "not authorized" },
	{ "policyviolation", "prohibited" },
	{ "filtered", "content rejected" },
	{ "filtered", "filter" },
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
	/* Last resort: Postfix says this before any restriction's own text. */
	{ "userunknown", "address rejected" },
};

/* How much of a reply text is looked at: servers put the reason up front. */
#define SCAN_MAX 8192

#define NPHRASES (sizeof phrases / sizeof phrases[0])

/*
 * Phrase search. Each phrase has an anchor: three of its bytes, the ones
 * fewest other phrase positions share a hash bucket with. One pass over the
 * text keeps its last bytes (as matched) in an integer and looks the last
 * three up in a hash table of the anchors; where they are a phrase's anchor,
 * the phrase is compared at the place the anchor puts it. That finds every
 * occurrence of every phrase at about a dozen instructions a byte, instead of
 * a substring search per phrase, and a hit compares few phrases.
 */
#define ANCHOR_LEN 3		/* the shortest phrases ("spf", "rbl") */
#define ANCHOR_MASK 0xffffffu	/* the last ANCHOR_LEN bytes of a key */
#define ANCHOR_BITS 12
#define ANCHOR_BUCKETS (1u << ANCHOR_BITS)

struct anchor {
	uint32_t key;		/* the anchor's bytes, the first one highest */
	unsigned short phrase;	/* index in phrases[] */
	unsigned short off;	/* where in the phrase the anchor starts */
};

/* The anchors of a bucket are anchors[first .. first + count), in table
 * order. */
static struct anchor anchors[NPHRASES];
static struct bucket {
	unsigned short first, count;
} buckets[ANCHOR_BUCKETS];
static unsigned short phrase_len[NPHRASES];
/* The entry of each phrase's reason, looked up once. */
static const struct reason_desc *phrase_reason[NPHRASES];
/* Bytes as matched: ASCII lower case, white space and NUL folded to a space
 * (so that "mailbox  full" and line breaks match). */
static unsigned char match_fold[256];
static pthread_once_t phrases_once = PTHREAD_ONCE_INIT;

/* The bucket of the last three bytes of key. Multiplicative hashing: the top
 * bits of the product depend on all the bits below; a factor that is a
 * multiple of 256 drops the top byte of the key, the one before the three,
 * so that the search need not mask it off. */
static unsigned
anchor_hash(uint32_t key)
{
	return (unsigned)((uint32_t)(key * (UINT32_C(0x9e3779b1) << 8)) >> (32 - ANCHOR_BITS));
}

static void
phrases_init(void)
{
	/* How many phrase positions hash to each bucket: an anchor in a
	 * crowded bucket would be looked at often for nothing. */
	unsigned short crowd[ANCHOR_BUCKETS] = {0};
	unsigned short fill[ANCHOR_BUCKETS] = {0};
	struct anchor by_phrase[NPHRASES];
	unsigned short hash_of[NPHRASES];

	for (unsigned c = 0; c < 256; c++)
		match_fold[c] = (unsigned char)(c == '\t' || c == '\r' || c == '\n' || c == '\0' ?
		    ' ' : c >= 'A' && c <= 'Z' ? c + 32 : c);
	for (size_t i = 0; i < NPHRASES; i++) {
		const char *t = phrases[i].text;
		size_t len = strlen(t);
		uint32_t key = 0;

		if (len < ANCHOR_LEN || len > USHRT_MAX ||
		    (phrase_reason[i] = reason_describe(phrases[i].reason)) == NULL)
			abort();	/* the built-in phrases are tested */
		phrase_len[i] = (unsigned short)len;
		for (size_t k = 0; k < len; k++) {
			key = key << 8 | (unsigned char)t[k];
			if (k + 1 >= ANCHOR_LEN)
				crowd[anchor_hash(key)]++;
		}
	}
	/* Each phrase's anchor: in the least crowded bucket, the first such. */
	for (size_t i = 0; i < NPHRASES; i++) {
		const char *t = phrases[i].text;
		unsigned best = UINT_MAX;
		uint32_t key = 0;

		for (size_t k = 0; k < phrase_len[i]; k++) {
			unsigned h;

			key = key << 8 | (unsigned char)t[k];
			if (k + 1 < ANCHOR_LEN || crowd[h = anchor_hash(key)] >= best)
				continue;
			best = crowd[h];
			hash_of[i] = (unsigned short)h;
			by_phrase[i].key = key & ANCHOR_MASK;
			by_phrase[i].phrase = (unsigned short)i;
			by_phrase[i].off = (unsigned short)(k + 1 - ANCHOR_LEN);
		}
		buckets[hash_of[i]].count++;
	}
	/* Into their buckets, in table order within each (a counting sort). */
	for (size_t h = 1; h < ANCHOR_BUCKETS; h++)
		buckets[h].first = buckets[h - 1].first + buckets[h - 1].count;
	for (size_t i = 0; i < NPHRASES; i++)
		anchors[buckets[hash_of[i]].first + fill[hash_of[i]]++] = by_phrase[i];
}

/* Whether phrase i is in text at s, bytes as matched. */
static int
phrase_at(const char *text, size_t s, size_t i)
{
	const unsigned char *p = (const unsigned char *)phrases[i].text;

	for (size_t k = 0; k < phrase_len[i]; k++)
		if (match_fold[(unsigned char)text[s + k]] != p[k])
			return 0;
	return 1;
}

/* The first phrase (in table order, before found) whose anchor in bucket b
 * is the one ending at text[j], key the bytes up to there; or found. */
static size_t
bucket_match(const char *text, size_t n, size_t j, uint32_t key, const struct bucket *b,
    size_t found)
{
	for (const struct anchor *a = &anchors[b->first]; a < &anchors[b->first + b->count]; a++) {
		size_t at;	/* where the phrase would start */

		if (a->phrase >= found)
			break;	/* an earlier phrase is found already */
		if (a->key != (key & ANCHOR_MASK) || j + 1 < ANCHOR_LEN + (size_t)a->off)
			continue;
		at = j + 1 - ANCHOR_LEN - a->off;
		if (at + phrase_len[a->phrase] <= n && phrase_at(text, at, a->phrase))
			return a->phrase;
	}
	return found;
}

/* Index of the first phrase (in table order) found in text, or -1. */
static long
phrase_match(const char *text, size_t n)
{
	/* The last text and its answer: a reply text is often classified twice
	 * in a row (once for context, once for the record). */
	static _Thread_local char last[SCAN_MAX];
	static _Thread_local size_t last_n = (size_t)-1;
	static _Thread_local long last_i;
	size_t found = NPHRASES;
	uint32_t key = 0;

	if (text == NULL || n == 0)
		return -1;
	pthread_once(&phrases_once, phrases_init);
	if (n > SCAN_MAX)
		n = SCAN_MAX;
	if (n == last_n && memcmp(text, last, n) == 0)
		return last_i;
	for (const char *p = text; p < text + n; p++) {
		const struct bucket *b;

		/* The bytes up to *p, folded. Most buckets are empty. */
		key = key << 8 | match_fold[(unsigned char)*p];
		b = &buckets[anchor_hash(key)];
		if (b->count != 0)
			found = bucket_match(text, n, (size_t)(p - text), key, b, found);
	}
	memcpy(last, text, n);
	last_n = n;
	last_i = found < NPHRASES ? (long)found : -1;
	return last_i;
}

const char *
reason_from_text(const char *text, size_t n)
{
	long i = phrase_match(text, n);

	return i < 0 ? NULL : phrase_reason[i]->name;
}

/* Phrases of "user unknown" that filters also use as an excuse; the others
 * name the recipient's mailbox or account outright. */
static int
weak_unknown(long i)
{
	static const char *const weak[] = { "user unknown", "unknown user", "no such user",
		"user not found", "user doesn't exist", "user does not exist", "does not exist",
		"recipient address rejected: user", "address rejected: user", "user invalid" };

	if (i < 0)
		return 0;
	for (size_t k = 0; k < sizeof weak / sizeof weak[0]; k++)
		if (strcmp(phrases[i].text, weak[k]) == 0)
			return 1;
	return 0;
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

static const char *
from_reply_code(int code)
{
	switch (code) {
	case 421: return "toomanyconn";
	case 450: return "undefined";
	case 451: return "systemerror";
	case 452: return "systemfull";
	case 521: case 556: return "notaccept";
	case 550: return NULL;	/* servers use it for every refusal */
	case 551: return "hasmoved";
	case 552: return "mailboxfull";
	case 553: return "userunknown";
	case 554: return "undefined";
	default: return NULL;
	}
}

/* The SMTP command a reply text says it answered: 'M' (MAIL FROM), 'D'
 * (DATA), or 0. */
static int
smtp_command(const char *diag)
{
	/* key: a part of the text that several share, looked for once. */
	static const char *const keys[] = { "mail from", "rcpt", "data" };
	static const struct { const char *text; int cmd; int key; } cmds[] = {
		{ "after mail from", 'M', 0 }, { "in reply to mail from", 'M', 0 },
		{ ">>> mail from", 'M', 0 }, { "sender was rejected", 'M', -1 },
		{ "after rcpt to", 'R', 1 }, { "in reply to rcpt to", 'R', 1 }, { ">>> rcpt to", 'R', 1 },
		{ "rcpt_to", 'R', 1 }, { "does not like recipient", 'R', -1 }, { "rcpt command", 'R', 1 },
		{ "our rcpt to", 'R', 1 }, { "smtp:rcpt", 'R', 1 }, { "rcpt to:<", 'R', 1 },
		{ "end of data", 'D', 2 }, { "in reply to data", 'D', 2 },
		{ ">>> data", 'D', 2 }, { "final data", 'D', 2 }, { "after data", 'D', 2 },
	};
	char low[SCAN_MAX + 1];
	int has[3] = { -1, -1, -1 };	/* key found: unknown yet, 0, 1 */
	size_t n;

	if (diag == NULL)
		return 0;
	/* One lower-case copy, then the C library's fast search. */
	for (n = 0; diag[n] && n < SCAN_MAX; n++) {
		unsigned char c = (unsigned char)diag[n];

		low[n] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	low[n] = '\0';
	if (memchr(low, 'm', n) == NULL && memchr(low, 'r', n) == NULL &&
	    memchr(low, 'd', n) == NULL)
		return 0;
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		int k = cmds[i].key;

		if (k >= 0) {
			if (has[k] < 0)
				has[k] = strstr(low, keys[k]) != NULL;
			if (!has[k])
				continue;
		}
		if (strstr(low, cmds[i].text))
			return cmds[i].cmd;
	}
	return 0;
}

/* The SMTP command the reply text diag, or else the text about it (context,
 * may be NULL), says the reply answered. */
static int
answered_command(const char *diag, const char *context)
{
	int cmd = smtp_command(diag);

	return cmd == 0 && context ? smtp_command(context) : cmd;
}

static int
is(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
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
	struct status_info info;
	const char *by_status = NULL, *by_text;
	long pi;

	if (action && (strcmp(action, "delivered") == 0 || strcmp(action, "relayed") == 0 ||
	    strcmp(action, "expanded") == 0))
		return "delivered";
	if (status && status_lookup(status, &info) == 0) {
		if (status[0] == '2')
			return "delivered";
		by_status = info.reason;
	}
	pi = diag ? phrase_match(diag, strlen(diag)) : -1;
	by_text = pi < 0 ? NULL : phrase_reason[pi]->name;
	if (by_text && by_status && strcmp(phrases[pi].text, "address rejected") == 0)
		return by_status;
	if (by_text) {
		/* "User unknown" is only trusted with a 5.1.1 or in answer to RCPT TO.
		 * In answer to MAIL FROM it is about the sender; after DATA, or with
		 * no telling when, it is often a content filter's excuse (Sisimai
		 * reads it so too). A hard bounce suppresses the address at once, so
		 * only unambiguous ones count as hard. */
		if (is(by_text, "userunknown")) {
			/* An addressing code about the recipient (5.1.1, 5.1.10, ...),
			 * not the sender's (5.1.7, 5.1.8). */
			int x1 = status && strncmp(status + 1, ".1.", 3) == 0 &&
			    strcmp(status + 3, "7") != 0 && strcmp(status + 3, "8") != 0;
			int cmd = answered_command(diag, context);

			if (cmd == 'M')
				return "rejected";
			if (weak_unknown(pi) && !x1 && cmd != 'R')
				return "filtered";
		}
		/* A specific code beats a vague phrase. */
		if ((is(by_status, "mailboxfull") || is(by_status, "mesgtoobig") ||
		    is(by_status, "hostunknown")) &&
		    (is(by_text, "blocked") || is(by_text, "policyviolation") ||
		    is(by_text, "systemerror") || is(by_text, "networkerror") ||
		    is(by_text, "filtered") || is(by_text, "rejected")))
			return by_status;
		if (is(by_status, "userunknown") && status && strcmp(status + 1, ".1.1") == 0 &&
		    (is(by_text, "policyviolation") || is(by_text, "systemerror") ||
		    is(by_text, "networkerror") || is(by_text, "filtered")))
			return by_status;
		/* Given up after temporary failures to connect: the time ran out. */
		if (action && strcmp(action, "failed") == 0 && status && status[0] == '4' &&
		    is(by_text, "networkerror") && (strstr(phrases[pi].text, "timed out") ||
		    strstr(phrases[pi].text, "refused") || strstr(phrases[pi].text, "unreachable")))
			return "expired";
		if (is(by_status, "hasmoved") && is(by_text, "userunknown"))
			return by_status;
		return by_text;
	}
	/* Failed with a temporary code: the MTA gave up retrying, unless the code
	 * itself says what was wrong (4.2.2 full mailbox, 4.3.1 full system). */
	if (action && strcmp(action, "failed") == 0 && status && status[0] == '4' &&
	    (by_status == NULL || is(by_status, "networkerror") || is(by_status, "systemerror")))
		return "expired";
	/* Refused at MAIL FROM: the sender. */
	if ((by_status == NULL || is(by_status, "userunknown")) &&
	    answered_command(diag, context) == 'M')
		return "rejected";
	if (by_status)
		return by_status;
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
	/* The server said to try again: nothing is permanent about it. */
	if (strcmp(r->class, "none") != 0 && ((status && status[0] == '4') ||
	    (status == NULL && code >= 400 && code < 500)))
		return "soft";
	if (strcmp(r->class, "hard-if-5xx") == 0) {
		if ((status && status[0] == '4') || (code >= 400 && code < 500))
			return "soft";
		return "hard";
	}
	return r->class;
}
