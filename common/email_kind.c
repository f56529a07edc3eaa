/* email_kind: what kind of message a bounce parser is handed: a delivery
 * failure notice (and how sure that is), a warning that delivery is still
 * being tried, an automatic reply (RFC 3834: vacation, challenge-response)
 * or a read receipt (RFC 8098), by its header and the words of its notice. */
/* memmem(3): glibc declares it for _GNU_SOURCE; the BSDs always. */
#define _GNU_SOURCE
#include "email_int.h"
#include "ascii.h"
#include "nonstd.h"
#include "phraseset.h"
#include "status.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

static int
contains(const char *s, const char *needle)
{
	return s && util_memcasemem(s, strlen(s), needle) != NULL;
}

/* Whether s[0..n) (up to a NUL) holds one of the phrases of set, ASCII
 * case ignored: one pass over s for the whole list. */
static int
contains_anyn(const char *s, size_t n, struct phraseset *set)
{
	return phraseset_any(set, s, strnlen(s, n));
}

static int
contains_any(const char *s, struct phraseset *set)
{
	return phraseset_any(set, s, strlen(s));
}

/* Words of the senders of delivery notices (mail systems). */
static const char *const senders[] = { "mailer-daemon", "postmaster", "mail delivery",
	"mailer_daemon", "maildaemon", "mail-daemon", "mdaemon", "mail administrator",
	"post_master", "ndr administrator",
	/* Exchange's system mailbox, the sender of its NDRs
	 * ("MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@"). */
	"microsoftexchange",
	"mail system", "delivery subsystem", "delivery system" };
static struct phraseset sender_set = PHRASESET(senders, 0);

/* Signs that a message is a delivery failure notice at all: 1 for one
 * sign, 2 when both its sender and its subject say so. *strong is set for
 * signs that automatic replies do not give: X-Failed-Recipients (Exim), a
 * delivery-status report (2), a mail system as the sender (1). */
static int
bounce_signs(struct msg *m, struct bufs *b, int *strong)
{
	int subject = 0, sender = 0;

	/* Words of the subjects and senders of delivery notices. Newsletters
	 * come from "no-reply" senders and speak of "errors" too, so the words
	 * are about mail delivery, not trouble in general. */
	static const char *const subjects[] = { "undeliver", "delivery", "returned mail",
		"failure notice", "mail failure", "delivery failed", "mail delivery failed",
		"mail system error", "returned to sender", "could not send", "not delivered",
		"nondeliverable", "non-deliverable", "message not", "postmaster notify",
		"mail status", "delayed mail", "error sending your mail", "message you sent",
		"bulk email filter", "mail could not", "rejected", "bounce",
		/* Exchange's "Undeliverable:" in German (msxfaq.de, NDR). */
		"unzustellbar" };

	static struct phraseset subject_set = PHRASESET(subjects, 0);

	*strong = mime_header_get(&m->top, "x-failed-recipients", &b->v) ? 2 : 0;
	mime_header_get(&m->top, "content-type", &b->v);
	if (contains(b->v.p, "multipart/report") && contains(b->v.p, "delivery-status"))
		*strong = 2;
	subject = contains_any(email_subject(m), &subject_set) || email_kind_delayed(m);
	mime_header_get(&m->top, "from", &b->v);
	sender = contains_any(b->v.p, &sender_set);
	if (sender && *strong == 0)
		*strong = 1;
	if (subject && sender)
		return 2;
	if (subject || sender || *strong)
		return 1;
	/* The weakest signs: RFC 3834 asks a null sender of automatic replies
	 * too, and a report may be of another kind. */
	*strong = -1;
	if (mime_header_get(&m->top, "return-path", &b->v) && strcmp(b->v.p, "<>") == 0)
		return 1;
	mime_header_get(&m->top, "content-type", &b->v);
	return contains(b->v.p, "multipart/report");
}

/* Whether the notice says that delivery failed in a way that automatic
 * replies do not: an SMTP reply code or enhanced status code of class 4 or
 * 5, or the words of failure notices. */
static int says_failure_text(const char *t, size_t n, int codes_only);

static int
says_failure_in(struct msg *m, int codes_only)
{
	const char *t = email_text(m)->p;

	return says_failure_text(t, t ? email_notice_len(m) : 0, codes_only);
}

/* The same of the notice without the lines that quote another message ("> "
 * and ">" before text, as mail programs quote; not Sendmail's ">>> " of
 * its transcript): what a ticket system's or a person's automatic answer
 * says itself. */
static int
says_failure_unquoted(struct msg *m)
{
	const char *t = email_text(m)->p;
	size_t n = t ? email_notice_len(m) : 0;
	struct util_buf own = {0};
	int yes;

	if (n > 16384)
		n = 16384;
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(t + i, '\n', n - i);
		size_t k = nl ? (size_t)(nl - (t + i)) + 1 : n - i;

		if (!(t[i] == '>' && !(k >= 4 && memcmp(t + i, ">>> ", 4) == 0)))
			util_buf_add(&own, t + i, k);
		i += k;
	}
	util_buf_str(&own);
	yes = says_failure_text(own.p, own.len, 0);
	util_buf_free(&own);
	return yes;
}

static int
says_failure_text(const char *t, size_t n, int codes_only)
{
	static const char *const words[] = { "undeliverable", "could not be delivered",
		"couldn't be delivered", "delivery failed", "delivery has failed",
		"was not delivered", "wasn't delivered", "not be delivered", "did not reach",
		"unable to deliver", "could not deliver", "undelivered", "failed to deliver",
		"delivery failure", "recipients failed",
		"failed permanently", "user unknown", "unknown user", "does not exist",
		"no such user", "mailbox full", "mailbox is full", "rejected", "not found",
		"returned to sender", "permanent error", "fatal error" };
	static struct phraseset set = PHRASESET(words, 0);
	char st[STATUS_MAX];
	int code;

	if (n > 16384)
		n = 16384;	/* what a notice says comes first */
	if (n == 0)
		return 0;
	code = email_reply_code(t, n);
	if (code >= 400)
		return 1;
	for (const char *p = t; (p = status_find(p, (size_t)(t + n - p), st)) != NULL;)
		if (st[0] == '4' || st[0] == '5')
			return 1;
	if (codes_only)
		return 0;
	return contains_anyn(t, n, &set);
}

static int
says_failure(struct msg *m)
{
	return says_failure_in(m, 0);
}

/* Whether the message carries the fields of an automatic reply (RFC 3834
 * Auto-Submitted: auto-replied, X-Autoreply, X-Autorespond, Precedence:
 * auto_reply), not only its subject. */
static int
autoreply_fields(struct msg *m, struct bufs *b)
{
	return (mime_header_get(&m->top, "auto-submitted", &b->v) &&
	    util_strcaseprefix(b->v.p, "auto-replied")) ||
	    mime_header_get(&m->top, "x-autoreply", &b->v) ||
	    mime_header_get(&m->top, "x-autorespond", &b->v) ||
	    (mime_header_get(&m->top, "precedence", &b->v) && contains(b->v.p, "auto_reply"));
}

/* Whether the notice is what an automatic reply says, by the words of
 * vacation notices and of challenge-response systems (which hold mail
 * until its sender proves to be a person), for replies that carry none of
 * the headers of RFC 3834. */
static int
says_autoreply(struct msg *m)
{
	static const char *const words[] = { "out of the office", "out of office",
		"on vacation", "on holiday", "on leave", "annual leave", "away from the office",
		"away from my desk", "limited access to e-mail", "limited access to email",
		"i will be back", "i'll be back", "i will return", "automatic reply",
		"auto-reply", "autoreply", "automatically generated reply", "thank you for your email",
		"thank you for your e-mail", "thank you for your message", "thank you for contacting",
		"we have received your", "we received your", "your request has been received",
		"whitelist", "approved senders", "list of approved", "confirm your message",
		"confirm that you", "verify that you", "not a robot", "are a human",
		"challenge", "please confirm", "awaiting your confirmation",
		"held pending", "pending verification" };
	static struct phraseset set = PHRASESET(words, 0);
	const char *t = email_text(m)->p;
	size_t n = t ? email_notice_len(m) : 0;

	if (n > 16384)
		n = 16384;
	/* No phrase has a line break: none spans the subject and the text. */
	return contains_any(email_subject(m), &set) || (n > 0 && contains_anyn(t, n, &set));
}

/* Whether the subject begins with one of prefixes[0..n), after the tags
 * in brackets that list managers and ticket systems put first (Mailman's
 * subject_prefix "[list] ", RT's "[host #1234] "): "[Ticket #4471] Re:"
 * is a reply as "Re:" is. A mail system puts its own words first
 * ("Undeliverable: [list] Re: ..."). */
static int
subject_prefixed(struct msg *m, const char *const *prefixes, size_t n)
{
	const char *s = email_subject(m), *c;

	while (*s == ' ' || *s == '\t')
		s++;
	/* A few tags, each closed on its line; linear in the subject. */
	for (int tags = 0; tags < 4 && *s == '[' && (c = strchr(s, ']')) != NULL; tags++)
		for (s = c + 1; *s == ' ' || *s == '\t'; s++)
			;
	for (size_t i = 0; i < n; i++)
		if (util_strcaseprefix(s, prefixes[i]))
			return 1;
	return 0;
}

/* Whether the subject is that of a person's forward: Gmail's and
 * Thunderbird's "Fwd:" (its mail.forward_subject_prefix), Outlook's "FW:",
 * German Outlook's "WG:". */
static int
subject_is_forward(struct msg *m)
{
	static const char *const prefixes[] = { "fwd:", "fw:", "wg:" };

	return subject_prefixed(m, prefixes, sizeof prefixes / sizeof prefixes[0]);
}

/* Whether the subject is that of a person's reply ("Re: bounce handling"),
 * in the prefixes of RFC 5322 3.6.5 and of mail programs in other
 * languages (German "AW:", Nordic "SV:"/"VS:", Dutch "Antw:", Polish
 * "Odp:", Turkish "YNT:"), or of a person's forward: mail systems put their
 * own words first ("Returned mail: Re: ..."). */
static int
subject_is_reply(struct msg *m)
{
	static const char *const prefixes[] = { "re:", "aw:", "sv:", "vs:", "antw:", "odp:",
		"ynt:", "re ", "ref:", "rif:" };

	return subject_prefixed(m, prefixes, sizeof prefixes / sizeof prefixes[0]) ||
	    subject_is_forward(m);
}

/* Whether the message is a person's forward of other mail: a forward's
 * subject, from no mail system. A bounce forwarded inline is mail about a
 * bounce, as one forwarded as an attachment is (email_kind_sends_on): the
 * report fields and addresses it quotes are not its sender's, and the
 * header it quotes names the bounce's own addressee (the sender of the
 * failed mail) as "To:". */
int
email_kind_forwarded(struct msg *m, struct bufs *b)
{
	if (!subject_is_forward(m))
		return 0;
	mime_header_get(&m->top, "from", &b->v);
	return !contains_any(b->v.p, &sender_set);
}

/* Whether the subject is that of Outlook's message recall: the request
 * ("Recall: <subject>", learn.microsoft.com, "Work with Cloud-based Message
 * Recall") and the reports on it ("Message Recall Success:", "Message
 * Recall Failure:", Exchange Online's "Message Recall Report for message:"),
 * which Exchange's system mailbox may send: a recall that failed is no
 * failure of delivery. */
static int
subject_is_recall(struct msg *m)
{
	const char *s = email_subject(m);

	while (*s == ' ' || *s == '\t')
		s++;
	return util_strcaseprefix(s, "recall:") || util_strcaseprefix(s, "message recall ");
}

int
email_kind_bounce(struct msg *m, struct bufs *b)
{
	int strong, signs = bounce_signs(m, b, &strong);

	if (signs == 0)
		return 0;
	/* A recall report, without a delivery-status report or Exim's
	 * X-Failed-Recipients. */
	if (strong < 2 && subject_is_recall(m))
		return 0;
	/* Only a word of its subject, and that subject is a person's reply:
	 * mail about a bounce ("Re: why did this bounce?"), not one. */
	if (signs == 1 && strong == 0 && subject_is_reply(m))
		return 0;
	/* Only a word of its subject ("delivery", "rejected", "bounce"),
	 * which shipping notices, newsletters and people asking about a
	 * bounce use too: its own text must say that delivery of mail failed,
	 * not only the lines it quotes ("> 550 5.1.1 ..." of a bounce the
	 * writer received). */
	if (signs == 1 && strong == 0 && !says_failure_unquoted(m))
		return 0;
	/* A post that a mailing list sent on (RFC 2919 List-Id, RFC 2369
	 * List-Post, ezmlm's Mailing-List), neither from a mail system nor
	 * with a report: people on a list write about bounces and quote them
	 * ("bounce processing does not disable members"); a delivery notice
	 * goes to the envelope sender, never through a list. */
	if (strong <= 0 && (mime_header_get(&m->top, "list-id", &b->v) ||
	    mime_header_get(&m->top, "list-post", &b->v) ||
	    mime_header_get(&m->top, "mailing-list", &b->v)))
		return 0;
	/* A read receipt (RFC 8098) is a report of another kind; not a Sieve
	 * reject's (RFC 5429) that says it rejected the message. */
	mime_header_get(&m->top, "content-type", &b->v);
	if ((contains(b->v.p, "disposition-notification") || m->receipt) && !(m->receipt == 2 &&
	    (contains(email_subject(m), "reject") || (email_text(m)->p != NULL &&
	    util_memcasemem(email_text(m)->p, email_notice_len(m), "reject") != NULL))))
		return 0;
	/* One sign only, a word of its subject: an automatic reply from a
	 * person that says nothing of a failure is none. */
	if (signs == 1 && strong == 0 && (email_kind_autoreply(m, b) || says_autoreply(m)) &&
	    !says_failure_unquoted(m))
		return 0;
	/* The same with RFC 3834's fields (or a responder's): words of failure
	 * ("questions about rejected mail go to ...") do not make it a bounce
	 * from a person's address; only a reply code does. */
	if (signs == 1 && strong == 0 && autoreply_fields(m, b) && !says_failure_in(m, 1))
		return 0;
	/* Only its null sender: it must say that delivery failed (a reply
	 * code, the words of failure notices), as automatic replies in any
	 * language do not. */
	if (signs == 1 && strong < 0 && !says_failure(m))
		return 0;
	/* Only its null sender, and RFC 3834's fields or a responder's say it
	 * is an automatic reply: words of failure ("my old address is rejected
	 * from January") do not make it a bounce; only a reply code does. */
	if (signs == 1 && strong < 0 && autoreply_fields(m, b) && !says_failure_in(m, 1))
		return 0;
	/* Nor is an automatic reply sent in a mail system's name (a shared
	 * postmaster mailbox away, a challenge-response system's quarantine),
	 * by its subject, its responder fields or its words: not by
	 * Auto-Submitted alone, which MTAs put on their bounces. */
	if (signs == 1 && strong == 1 && (email_kind_responder(m, b) || says_autoreply(m)) &&
	    !says_failure(m))
		return 0;
	m->subject_only = signs == 1 && strong == 0;
	return signs;
}

/* Whether a message that carries another notice, with its report, as a
 * message/rfc822 part sends that notice on as its own: a gateway's or a mail
 * system's (its sender is one, or both its sender and its subject say it is
 * a notice, or it names the failed recipients in X-Failed-Recipients, or
 * it came with a null Return-Path, as RFC 5321 4.5.5 asks of notices). A
 * list manager's notice to its owner ("Uncaught bounce notification",
 * Mailman 2.1 templates/en/unrecognized.txt, from the list's -owner
 * address) or a person's forward only shows a bounce it received. */
int
email_kind_sends_on(struct msg *m, struct bufs *b)
{
	int strong, signs = bounce_signs(m, b, &strong);

	if (signs != 2 && strong <= 0 && !(mime_header_get(&m->top, "return-path", &b->v) &&
	    strcmp(b->v.p, "<>") == 0))
		return 0;
	return email_kind_bounce(m, b);
}

/* Whether a notice with one sign of a bounce may stand for the recipient of
 * the message it returns: its text says that delivery failed, and neither
 * its fields nor its words are an automatic reply's. */
int
email_kind_says_failed(struct msg *m, struct bufs *b)
{
	return says_failure(m) && !email_kind_autoreply(m, b) && !says_autoreply(m);
}

/* Whether a notice with one sign only comes from the address that mail
 * systems send their notices from (MAILER-DAEMON@host: Sendmail, Postfix,
 * Exim, Gmail and Google Groups in every language of their text), and is
 * no automatic reply and no report of delivery: enough, with a returned
 * message, to stand for that message's recipient whatever its words. */
int
email_kind_from_daemon(struct msg *m, struct bufs *b)
{
	char from[ADDR_MAX];

	if (!mime_header_get(&m->top, "from", &b->v) ||
	    email_extract_addr(b->v.p, b->v.len, from) != 0 ||
	    !util_strcaseprefix(from, "mailer-daemon@"))
		return 0;
	/* Auto-Submitted is no sign: mail systems put it on their notices. */
	return !email_kind_responder(m, b) && !says_autoreply(m) && !email_kind_success(m);
}

/* RFC 3834 and the headers and subjects of auto-responders. */
int
email_kind_autoreply(struct msg *m, struct bufs *b)
{
	if (mime_header_get(&m->top, "auto-submitted", &b->v) &&
	    util_strcaseprefix(b->v.p, "auto-replied"))
		return 1;
	return email_kind_responder(m, b);
}

/* The headers and subjects of auto-responders other than Auto-Submitted,
 * which mail systems put on their bounces too (Exim, Google). */
int
email_kind_responder(struct msg *m, struct bufs *b)
{
	static const char *const subjects[] = { "auto reply", "auto-reply", "autoreply",
		"automatic reply", "auto response", "autoresponse", "out of office",
		"out of the office", "vacation", "away from", "abwesenheit", "absence",
		"réponse automatique", "respuesta automática", "autosvar", "automaattinen",
		/* Outlook's "Automatic reply:" in other languages. */
		"automatische antwort", "automatisch antwoord", "risposta automatica",
		"resposta automática", "automatiskt svar", "automatisk svar",
		"automatická odpověď", "odpowiedź automatyczna", "otomatik yanıt",
		"自動応答", "自動返信", "自动回复", "自動回覆", "автоматический ответ",
		"Автоматический ответ" };
	static struct phraseset set = PHRASESET(subjects, 0);

	if (mime_header_get(&m->top, "x-autoreply", &b->v) ||
	    mime_header_get(&m->top, "x-autorespond", &b->v) ||
	    mime_header_get(&m->top, "x-autoresponder", &b->v))
		return 1;
	if (mime_header_get(&m->top, "precedence", &b->v) && contains(b->v.p, "auto_reply"))
		return 1;
	if (mime_header_get(&m->top, "x-apple-action", &b->v) && contains(b->v.p, "vacation"))
		return 1;
	return contains_any(email_subject(m), &set);
}


/* Whether the subject is that of a warning that the message is still being
 * tried, in its producers' words: Postfix "Delayed Mail (still being
 * retried)", Exim "Warning: message %s delayed %s", Sendmail "Warning: could
 * not send message for past %s", OpenSMTPD "Delivery status notification:
 * delayed", Courier "WARNING: delayed mail.", Exchange and Gmail "Delivery
 * Status Notification (Delay)". */
int
email_kind_delayed(struct msg *m)
{
	static const char *const words[] = { "still being retried", "delayed mail",
		"warning: message", "warning: could not send message", "notification: delayed",
		"notification (delay)", "delivery delayed", "delivery incomplete",
		/* PMDF: "Delivery Notification: Delivery has been delayed". */
		"has been delayed",
		/* "delayed" in the subjects of localized notices (Exchange's
		 * "Zustellung verzögert:", translated Postfix templates):
		 * German, Dutch, French, Spanish, Italian, Portuguese. */
		"verz\xc3\xb6gert", "vertraagd", "retard\xc3\xa9", "retrasad", "ritardat",
		"atrasad" };
	static struct phraseset set = PHRASESET(words, 0);

	if (m->subject_delayed >= 0)
		return m->subject_delayed;
	return m->subject_delayed = contains_any(email_subject(m), &set);
}

/* Whether the notice reports delivery, not its failure: its subject
 * (Exchange's and Gmail's "Delivery Status Notification (Relay)" and
 * "(Success)", Sendmail's "Return receipt", Postfix's "Successful Mail
 * Delivery Report") or its words ("successfully delivered", Postfix's
 * "delivered to the destination(s)"), and nothing of a failure. */
int
email_kind_success(struct msg *m)
{
	static const char *const subjects[] = { "(success)", "(relay)", "return receipt",
		"successful mail delivery", "delivered:", "delivery notification: delivered",
		"delivery notification: relayed" };
	static const char *const words[] = { "successfully delivered", "successfully relayed",
		"successful delivery", "delivery was successful", "has been delivered to",
		"delivery to these recipients or groups is complete",
		"was delivered to the following",
		/* Domino's report of a confirmed delivery, in the layout of its
		 * failure report ("Your message ... was not delivered to:"; HCL
		 * C API DELIVERY_REPORT_CONFIRMED: the sender is told that the
		 * message was or was not delivered). */
		"was delivered to:",
		/* The Windows SMTP service's and Exchange's report under any
		 * subject: "Delivery to the following recipients succeeded." */
		"recipients succeeded", "recipients was successful",
		/* Stalwart's mixed report: "Your message has been partially
		 * delivered:", "----- Delivery to the following addresses was
		 * successful -----" (crates/smtp/src/queue/dsn.rs). */
		"following addresses was successful" };
	static struct phraseset subject_set = PHRASESET(subjects, 0), word_set = PHRASESET(words, 0);
	const char *t;
	size_t n;
	int subject;

	if (m->success >= 0)
		return m->success;
	m->success = 0;
	subject = contains_any(email_subject(m), &subject_set);
	t = email_text(m)->p;
	n = t ? email_notice_len(m) : 0;
	if (n > 4096)
		n = 4096;	/* it says so at the top */
	/* Its words also tell whether it may list deliveries beside failures
	 * (email_kind_listed_delivered). */
	m->lists_delivered = contains_anyn(t ? t : "", n, &word_set);
	if (!subject && !m->lists_delivered)
		return 0;
	return m->success = !says_failure(m);
}

/* The introductions of lists of recipients delivered to (the Windows SMTP
 * service's "Delivery to the following recipients succeeded.", its relay
 * report's "successfully relayed to the following recipients", Exchange's
 * "Your message has been delivered to the following recipients:") and of
 * failures or delays. */
static const char *const delivered_intros[] = { "recipients succeeded",
	"recipients was successful", "successfully relayed to the following",
	"has been delivered to the following", "was delivered to the following",
	"recipients or groups is complete",
	/* Sendmail savemail.c errbody(): "----- The following addresses had
	 * successful delivery notifications -----". */
	"had successful delivery notifications",
	/* Stalwart's "----- Delivery to the following addresses was successful
	 * -----" (crates/smtp/src/queue/dsn.rs). */
	"following addresses was successful" };
static const char *const failed_intros[] = { "failed", "not delivered", "not be delivered",
	"delayed", "cannot be reached", "could not be reached", "undeliverable", "rejected" };

/* The offset after the last of words in s (lower case), or 0. */
static size_t
last_of(const char *s, const char *const *words, size_t nwords)
{
	size_t last = 0;

	for (size_t i = 0; i < nwords; i++)
		for (const char *p = s; (p = strstr(p, words[i])) != NULL; p++)
			if ((size_t)(p - s) + 1 > last)
				last = (size_t)(p - s) + 1;
	return last;
}

/* Whether the recipient named at "at" in the notice's text is listed
 * under Sendmail's heading of recipients still queued (savemail.c
 * errbody(): "----- The following addresses had transient non-fatal errors
 * -----", beside "... permanent fatal errors -----" in the same notice):
 * 1, a delay, whatever the notice's subject or other words say of the
 * others; 0 under another heading; -1 under none. */
int
email_kind_listed_delayed(struct msg *m, const char *at)
{
	/* The first NDELAYED of them head recipients still tried. Stalwart's
	 * mixed report (crates/smtp/src/queue/dsn.rs) heads its sections "-----
	 * There was a temporary problem delivering to these addresses -----",
	 * "----- Delivery to the following addresses failed -----" and "-----
	 * Delivery to the following addresses was successful -----". */
	static const char *const headings[] = { "transient non-fatal errors",
		"temporary problem delivering to these addresses",
		"permanent fatal errors", "had successful delivery notifications",
		"to the following addresses failed",
		"following addresses was successful" };
	enum { NDELAYED = 2 };
	static struct phraseset set = PHRASESET(headings, 0);
	const char *t = email_text(m)->p;
	size_t n = t ? email_notice_len(m) : 0, off;
	int delayed = -1;

	if (n == 0 || (uintptr_t)at < (uintptr_t)t || (uintptr_t)at >= (uintptr_t)(t + n))
		return -1;
	if (!m->sections_done) {
		/* Once per message, in order: a notice may name thousands. Most
		 * have none of the headings in any case (one pass tells), and
		 * then none as Sendmail writes them. */
		m->sections_done = 1;
		m->nsections = 0;
		for (size_t k = phraseset_any(&set, t, n) ? 0 : sizeof headings / sizeof headings[0];
		    k < sizeof headings / sizeof headings[0]; k++) {
			const char *o;

			for (const char *p = t; m->nsections < 16 &&
			    (o = memmem(p, n - (size_t)(p - t), headings[k], strlen(headings[k]))) != NULL;
			    p = o + 1) {
				size_t j = m->nsections++;

				/* Insertion by offset. */
				while (j > 0 && m->section_at[j - 1] > (size_t)(o - t)) {
					m->section_at[j] = m->section_at[j - 1];
					m->section_delayed[j] = m->section_delayed[j - 1];
					j--;
				}
				m->section_at[j] = (size_t)(o - t);
				m->section_delayed[j] = k < NDELAYED;
			}
		}
	}
	off = (size_t)((uintptr_t)at - (uintptr_t)t);
	/* The last heading above the address. */
	for (size_t j = 0; j < m->nsections && m->section_at[j] < off; j++)
		delayed = m->section_delayed[j];
	/* The other headings decide only beside one of delays: in a notice
	 * that mixes them. */
	if (delayed == 0) {
		size_t j = 0;

		while (j < m->nsections && !m->section_delayed[j])
			j++;
		if (j == m->nsections)
			delayed = -1;
	}
	return delayed;
}

int
email_kind_listed_delivered(struct msg *m, const char *at, struct bufs *b)
{
	const char *t = email_text(m)->p;
	size_t n = t ? email_notice_len(m) : 0, off, from, good;

	if (m->success < 0)
		email_kind_success(m);	/* sets lists_delivered */
	/* Only names in the notice's text (not in its HTML part or made up
	 * from a local part) have a place in it. */
	if (m->lists_delivered <= 0 || n == 0 || (uintptr_t)at < (uintptr_t)t ||
	    (uintptr_t)at >= (uintptr_t)(t + n))
		return 0;
	/* The introduction is in the 4 KiB above. */
	off = (size_t)((uintptr_t)at - (uintptr_t)t);
	from = off > 4096 ? off - 4096 : 0;
	util_buf_reset(&b->v);
	util_buf_add(&b->v, t + from, off - from);
	util_buf_str(&b->v);
	for (size_t i = 0; i < b->v.len; i++)
		b->v.p[i] = (char)ascii_lower((unsigned char)b->v.p[i]);
	good = last_of(b->v.p, delivered_intros, sizeof delivered_intros / sizeof delivered_intros[0]);
	return good > 0 && good > last_of(b->v.p, failed_intros,
	    sizeof failed_intros / sizeof failed_intros[0]);
}

/* Whether the notice reports that delivery was given up: by its subject,
 * in its producers' words (Sendmail savemail.c "Returned mail:", Postfix
 * "Undelivered Mail Returned to Sender", Exim "Mail delivery failed:
 * returning message to sender", qmail-send.c "failure notice", DMA "Mail
 * delivery failed", Exchange "Undeliverable:", Exchange and Gmail "Delivery
 * Status Notification (Failure)"), or by its text (nonstd_says_given_up).
 * A warning that delivery is still tried is none. */
int
email_kind_final(struct msg *m)
{
	static const char *const words[] = { "returned mail", "returned to sender",
		"returning message to sender", "failure notice", "mail delivery failed",
		"undeliverable", "undelivered mail", "notification (failure)", "unzustellbar" };
	static struct phraseset set = PHRASESET(words, 0);
	const char *t;

	if (m->final >= 0)
		return m->final;
	m->final = 0;
	if (email_kind_delayed(m))
		return 0;
	if (email_notice_delayed(m))
		return 0;
	t = email_text(m)->p;
	m->final = contains_any(email_subject(m), &set) ||
	    (t && nonstd_says_given_up(t, email_notice_len(m)));
	return m->final;
}
