/* nonstd_notice: what the readable text of a bounce says as a whole, not per
 * recipient: where the notice ends (the copy of the returned message starts),
 * and whether it says the message is still being tried. */
#include "nonstd.h"
#include "ascii.h"
#include "phraseset.h"
#include "util.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

/* Lines that introduce the returned message. */
static const char *const original_markers[] = {
	"below this line is a copy of the message",
	"this is a copy of the message",
	"original message follows",
	"original message ---",
	"original message -----",
	"----- original message",
	"--- original message",
	"-----original message",
	"message headers follow",
	"headers of the original message",
	"original message header",
	"returned message follows",
	"unsent message below",
	"copy of original message",
	"your message reads",
	"text of the returned message",
	"the header of the original message",
	"------ original message",
	"original message:",
	"returned message --",
	"end of message ***",
	"---original message",
};

/* Header fields that start a copy of a message (when another field follows). */
static const char *const original_fields[] = {
	"received:", "return-path:", "dkim-signature:", "x-received:", "arc-seal:",
	"delivered-to:", "x-google-dkim-signature:", "authentication-results:",
	"mime-version:", "message-id:", "x-original-to:", "received-spf:",
};

/* Phrases of notices that say the message is still being tried. */
static const char *const delay_phrases[] = {
	"continue to attempt",
	"has been delayed", "have been delayed", "delivery is delayed", "message is delayed",
	"delivery delayed", "will retry", "will continue trying", "will keep trying",
	"still trying", "warning message only", "not yet been delivered", "temporarily deferred",
	/* Postfix bounce_templates.c, Exim deliver.c, OpenSMTPD bounce.c,
	 * Courier dsndelayed.txt. */
	"this is a warning only", "no action is required on your part",
	"only a temporary failure report", "delays in delivering", "advisory notice only",
	/* Exchange 2010 and later: "This message hasn't been delivered yet.
	 * Delivery will continue to be attempted." */
	"hasn't been delivered yet", "has not been delivered yet",
	"delivery will continue to be attempted",
	"will be retried", "still being retried",
	/* Sendmail envelope.c: "Warning: message still undelivered after %s". */
	"still undelivered",
	/* PMDF and its heir (Oracle Communications Messaging Server): "The
	 * mail system will continue to try to deliver your message". */
	"continue to try",
	/* "delayed" in German and Dutch, as Exchange's delay notices and
	 * translated Postfix templates say it ("Die Zustellung ... ist
	 * verzögert", "vertraagd"). */
	"verz\xc3\xb6gert", "vertraagd",
};
/* NUL reads as a space, as line breaks do in the words of a notice. */
static struct phraseset delay_set = PHRASESET(delay_phrases, PHRASESET_NUL_SPACE);
#define NMARKERS (sizeof original_markers / sizeof original_markers[0])

/* Built once (pthread_once), read only after. */
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
static unsigned char field_first[256];	/* first letter of one of original_fields */
static unsigned char lower[256];	/* ASCII lower case */
/* ASCII lower case, NUL as a space: what markers and phrases are compared with. */
static unsigned char folded[256];
static size_t marker_at[NMARKERS], marker_len[NMARKERS];	/* of "message" */
static size_t field_len[sizeof original_fields / sizeof original_fields[0]];

static void
tables_init(void)
{
	for (unsigned c = 0; c < 256; c++) {
		lower[c] = (unsigned char)ascii_lower((unsigned char)c);
		folded[c] = (unsigned char)(c == 0 ? ' ' : ascii_lower((unsigned char)c));
	}
	for (size_t i = 0; i < sizeof original_fields / sizeof original_fields[0]; i++) {
		unsigned char c = (unsigned char)original_fields[i][0];

		field_first[c] = 1;
		field_first[toupper(c)] = 1;
		field_len[i] = strlen(original_fields[i]);
	}
	for (size_t i = 0; i < NMARKERS; i++) {
		marker_at[i] = (size_t)(strstr(original_markers[i], "message") - original_markers[i]);
		marker_len[i] = strlen(original_markers[i]);
	}
}

/* Whether p[0..n) is s, ASCII case folded and NUL read as a space. */
static int
folded_eq(const char *p, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (folded[(unsigned char)p[i]] != (unsigned char)s[i])
			return 0;
	return 1;
}

/* The offset of the first "message" (either case) in text[from..n), or
 * SIZE_MAX: the word that every marker holds. Found once for the lines
 * before it, and looked for again only past it, so that the text is read
 * once. */
static size_t
next_message(const char *text, size_t n, size_t from)
{
	const char *p = from < n ? util_memcasemem(text + from, n - from, "message") : NULL;

	return p != NULL ? (size_t)(p - text) : SIZE_MAX;
}

/* The field name of a header line ("Received:"): its length with the colon,
 * 0 if the line is not one. */
static size_t
field_name_len(const char *p, size_t n)
{
	size_t i = 0;

	if (n == 0 || !isalpha((unsigned char)p[0]))
		return 0;
	while (i < n && (isalnum((unsigned char)p[i]) || p[i] == '-' || p[i] == '_'))
		i++;
	return i < n && p[i] == ':' ? i + 1 : 0;
}

/* Whether the line text[pos..end) (of text[0..n)) holds one of
 * original_markers. Each says "message": the markers are compared where the
 * line does, from *word (the first "message" at or after pos) on; *word
 * moves past those looked at. */
static int
has_marker(const char *text, size_t pos, size_t end, size_t n, size_t *word)
{
	size_t w;

	for (w = *word; w < end; w = next_message(text, n, w + 1)) {
		size_t off = w - pos;

		for (size_t i = 0; i < NMARKERS; i++)
			if (off >= marker_at[i] && off - marker_at[i] + marker_len[i] <= end - pos &&
			    folded_eq(text + w - marker_at[i], original_markers[i], marker_len[i]))
				return 1;
	}
	*word = w;
	return 0;
}

/* Whether the line p[0..len) starts with one of original_fields. */
static int
has_original_field(const char *p, size_t len)
{
	if (!(field_first[(unsigned char)p[0]]))
		return 0;
	for (size_t i = 0; i < sizeof original_fields / sizeof original_fields[0]; i++) {
		const char *f = original_fields[i];

		if (lower[(unsigned char)p[0]] == (unsigned char)f[0] && len >= field_len[i] &&
		    strncasecmp(p, f, field_len[i]) == 0)
			return 1;
	}
	return 0;
}

int
nonstd_starts_with(const char *p, size_t n, const char *const *words, size_t nwords)
{
	for (size_t i = 0; i < nwords; i++) {
		const char *w = words[i];
		size_t l;

		/* The first byte first: it rules out most words without a call
		 * (its length too). */
		if (w[0] == '\0')
			return 1;
		if (n == 0 || ascii_lower((unsigned char)p[0]) != ascii_lower((unsigned char)w[0]))
			continue;
		l = strlen(w);
		if (n >= l && strncasecmp(p, w, l) == 0)
			return 1;
	}
	return 0;
}

/* Whether p[0..n) starts with the name of a field of a message's header
 * (what its copy shows), and a colon. */
static int
message_field(const char *p, size_t n)
{
	static const char *const names[] = { "from:", "to:", "subject:", "date:", "message-id:",
		"cc:", "reply-to:", "sender:", "mime-version:", "content-type:", "received:",
		"return-path:" };

	return nonstd_starts_with(p, n, names, sizeof names / sizeof names[0]);
}

/* Whether the line text[pos..end) is a heading between rules ("------
 * 元のメッセージ ------", "----- Исходное сообщение -----") over the header of
 * a message: the marker of the copy in any language. */
static int
rule_over_header(const char *text, size_t pos, size_t end, size_t n)
{
	const char *p = text + pos;
	size_t len = end - pos, fields = 0;

	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	if (len < 8 || !((p[0] == '-' && p[1] == '-' && p[2] == '-' && p[len - 1] == '-' &&
	    p[len - 2] == '-' && p[len - 3] == '-') || (p[0] == '=' && p[1] == '=' &&
	    p[2] == '=' && p[len - 1] == '=' && p[len - 2] == '=' && p[len - 3] == '=')))
		return 0;
	/* Two fields of a message's header follow, after empty lines. */
	for (size_t at = end + 1, lines = 0; at < n && lines < 6 && fields < 2; lines++) {
		const char *nl = memchr(text + at, '\n', n - at);
		size_t l = nl ? (size_t)(nl - (text + at)) : n - at;

		if (l > 0) {
			if (!message_field(text + at, l))
				return 0;
			fields++;
		} else if (fields > 0) {
			return 0;
		}
		at += l + 1;
	}
	return fields == 2;
}

size_t
nonstd_original_start(const char *text, size_t n)
{
	struct ascii_seek eol;
	size_t pos = 0, word;

	pthread_once(&tables_once, tables_init);
	word = next_message(text, n, 0);
	ascii_seek_init(&eol, text, n, '\n');
	while (pos < n) {
		size_t end = ascii_seek_next(&eol, pos), next = end < n ? end + 1 : n;
		const char *p = text + pos;
		size_t len = end - pos;

		/* Every marker says "message": only lines that do are looked at closer. */
		if (word < pos)
			word = next_message(text, n, pos);
		if (len > 0 && len < 200) {
			if (word < end && has_marker(text, pos, end, n, &word))
				return pos;
			if ((p[0] == '-' || p[0] == '=') && rule_over_header(text, pos, end, n))
				return pos;
			if (next < n && has_original_field(p, len)) {
				const char *q = text + next;
				const char *nl2 = memchr(q, '\n', n - next);
				size_t l2 = nl2 ? (size_t)(nl2 - q) : n - next;

				if (field_name_len(q, l2) || (l2 > 0 && (q[0] == ' ' || q[0] == '\t')))
					return pos;
			}
		}
		pos = next;
	}
	return n;
}

/* Whether a notice in another language says what the English phrases
 * above say: "this is only a warning", "not yet delivered", "will go on
 * trying" (as the translated bounce(5) templates of Postfix and the
 * localized delay notices of Exchange and of mailbox providers word them),
 * in German, French, Spanish, Italian, Dutch, Portuguese, Russian and
 * Japanese. Only the top of the notice, where its wording is: these are
 * searched one by one. */
static int
says_delayed_translated(const char *t, size_t n)
{
	/* First: a notice in English says so in its English words, which the
	 * caller has looked for, not these; the same pass looks for both. */
	static const char *const phrases[] = { " the ",
		"nur eine warnung", "noch nicht zugestellt", "weiterhin versucht",
		"seulement un avertissement", "simple avertissement", "pas encore pu \xc3\xaatre",
		"pas encore \xc3\xa9t\xc3\xa9", "solo es una advertencia",
		"s\xc3\xb3lo es una advertencia", "seguir\xc3\xa1 intentando",
		"solo un avviso", "continuer\xc3\xa0 a tentare", "alleen een waarschuwing",
		"nog niet afgeleverd", "nog niet bezorgd", "apenas um aviso",
		"continuar\xc3\xa1 tentando",
		/* только предупреждение, будут продолжены */
		"\xd1\x82\xd0\xbe\xd0\xbb\xd1\x8c\xd0\xba\xd0\xbe "
		    "\xd0\xbf\xd1\x80\xd0\xb5\xd0\xb4\xd1\x83\xd0\xbf\xd1\x80\xd0\xb5"
		    "\xd0\xb6\xd0\xb4\xd0\xb5\xd0\xbd\xd0\xb8\xd0\xb5",
		"\xd0\xb1\xd1\x83\xd0\xb4\xd1\x83\xd1\x82 "
		    "\xd0\xbf\xd1\x80\xd0\xbe\xd0\xb4\xd0\xbe\xd0\xbb\xd0\xb6\xd0\xb5"
		    "\xd0\xbd\xd1\x8b",
		/* 遅延 (delay); not 再送 (resend), which failure notices ask */
		"\xe9\x81\x85\xe5\xbb\xb6" };
	static struct phraseset set = PHRASESET(phrases, 0);
	uint64_t found;

	if (n > 8192)
		n = 8192;
	found = phraseset_find(&set, t, n, 1);
	return found != 0 && !(found & 1);
}

/* Whether the notice says the message is still being tried. */
int
nonstd_says_delayed(const char *t, size_t n)
{
	const char *p;

	pthread_once(&tables_once, tables_init);
	/* The wording is near the top. */
	if (n > 65536)
		n = 65536;
	/* A notice that says "permanent" first is no delay. Gmail's "Delivery
	 * incomplete": "Gmail will retry for 46 more hours. You'll be notified
	 * if the delivery fails permanently."
	 * (support.google.com/mail/answer/7720): "permanent" in a condition
	 * is no failure. */
	if ((p = util_memcasemem(t, n, "permanent")) != NULL && !((size_t)(p - t) >= 6 &&
	    (size_t)(p - t) + 11 <= n && folded_eq(p - 6, "fails permanently", 17)))
		return 0;
	return phraseset_any(&delay_set, t, n) || says_delayed_translated(t, n);
}

/* Whether the notice says that delivery was given up, in its producers'
 * words: "permanent" (qmail-send.c "This is a permanent error; I've given
 * up", Sendmail savemail.c "permanent fatal errors", Gmail "failed
 * permanently"), qmail-send.c "I'm not going to try again", Exim retry.c
 * "retry timeout exceeded", Sendmail envelope.c "Message could not be
 * delivered for %s", DMA dma.c "Giving up". (A notice that also says it
 * still tries is no final one: the caller asks nonstd_says_delayed first,
 * once for both.) */
int
nonstd_says_given_up(const char *t, size_t n)
{
	static const char *const words[] = { "permanent", "not going to try again",
		"retry timeout exceeded", "could not be delivered for", "giving up" };
	static struct phraseset set = PHRASESET(words, 0);

	if (n > 65536)
		n = 65536;	/* the wording is near the top */
	return phraseset_any(&set, t, n);
}
