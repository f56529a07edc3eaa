/* nonstd_named: recipient lines that name the recipient otherwise than by
 * an address at the start of the line: in a sentence, after a display name,
 * by a local part or an X.400 address; and the lines that introduce a list
 * of recipients or someone to contact. Part of nonstd (nonstd_int.h). */
/* memmem(3): glibc declares it for _GNU_SOURCE; the BSDs always. */
#define _GNU_SOURCE
#include "ascii.h"
#include "nonstd.h"
#include "nonstd_int.h"
#include "util.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* An anchor that is an address (or a name standing for one) with no label
 * before it and no reply text after it on its line: rest points at the
 * line's end. */
static void
anchor_bare(struct anchor *a, unsigned kind, const char *addr, size_t len, const char *end)
{
	a->label = NULL;
	a->labellen = 0;
	a->kind = kind;
	a->addr = addr;
	a->addrlen = len;
	a->rest = end;
	a->restlen = 0;
}

/* Whether line p[0..n) speaks of a delivery, of its failure or of a
 * recipient, by its words or a preposition before an address in angle
 * brackets ("... to <a@b>", "for <a@b>"). */
static int
sentence_of_delivery(const char *p, size_t n)
{
	static const char *const words[] = { "deliver", "fail", "reject", "error", "unknown",
		"invalid", "exist", "unable", "could not", "couldn't", "not ", "recipient",
		"address", "user", "mailbox", "bounce", "refused", "denied", "rcpt", " to <", "to:<",
		"to: <", "for <" };

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (util_memcasemem(p, n, words[i]) != NULL)
			return 1;
	return 0;
}

/* Whether the word that ends at p[end] (exclusive) introduces the
 * recipient's address: "to", or a noun that names it ("The address
 * a@b does not exist", "Recipient address a@b rejected", "Mailbox a@b is
 * full", "User a@b unknown"). 2 for the English "to", which also sends
 * the reader somewhere ("please post event notices to a@b"). */
static int
names_recipient_before(const char *p, size_t end)
{
	/* The first five of words count as "to" (the preposition), in the
	 * languages of localized notices too (German "an", Dutch "aan",
	 * Spanish and Italian "a", Portuguese "para"; French "à" below), the
	 * rest are nouns (German and French "Adresse", Dutch "adres", Italian
	 * "indirizzo", French "destinataire", Spanish and Italian
	 * "destinatario"). */
	static const char *const words[] = { "to", "an", "aan", "a", "para", "address",
		"recipient", "mailbox", "user", "adresse", "adres", "indirizzo", "destinataire",
		"destinatario" };
	static const char *const whose[] = { "your", "sender", "from", "sender's" };
	size_t b = end, pb;

	/* French "à" (U+00E0 in UTF-8) after a space: "distribué à a@b". */
	if (end >= 3 && memcmp(p + end - 2, "\xc3\xa0", 2) == 0 && p[end - 3] == ' ')
		return 1;

	while (b > 0 && isalpha((unsigned char)p[b - 1]))
		b--;
	if (b > 0 && isalnum((unsigned char)p[b - 1]))
		return 0;
	for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
		if (strlen(words[k]) == end - b && strncasecmp(p + b, words[k], end - b) == 0) {
			if (k < 5)
				return k == 0 ? 2 : 1;
			/* Not the sender's: "Your address a@b is blocked", "The
			 * sender address a@b ...". */
			if (b < 2 || p[b - 1] != ' ')
				return 1;
			pb = b - 1;
			while (pb > 0 && (isalpha((unsigned char)p[pb - 1]) || p[pb - 1] == '\''))
				pb--;
			for (size_t w = 0; w < sizeof whose / sizeof whose[0]; w++)
				if (strlen(whose[w]) == b - 1 - pb &&
				    strncasecmp(p + pb, whose[w], b - 1 - pb) == 0)
					return 0;
			return 1;
		}
	return 0;
}

/* A sentence that names the recipient in angle brackets: "There was an error
 * delivering your mail to <user@example.org>." Not after "from". */
int
nonstd_sentence_anchor(const char *p, size_t n, const char *para, const char *paraend,
    struct anchor *a)
{
	/* Quoted header fields that name other addresses than a recipient's. */
	static const char *const others[] = { "from:", "sender:", "message-id:", "message id:",
		"references:", "in-reply-to:", "reply-to:", "return-path:", "resent-from:",
		"resent-sender:" };
	size_t w = 0;
	int delivery = -1;	/* the line or its paragraph speaks of a delivery */

	while (w < n && (p[w] == ' ' || p[w] == '\t'))
		w++;
	if (nonstd_starts_with(p + w, n - w, others, sizeof others / sizeof others[0]))
		return 0;
	for (size_t i = 0; i + 1 < n; i++) {
		size_t len, k;

		if (p[i] != '<' || (len = nonstd_addr_at(p + i + 1, n - i - 1)) == 0 ||
		    i + 1 + len >= n || p[i + 1 + len] != '>')
			continue;
		k = i > 12 ? i - 12 : 0;
		if (util_memcasemem(p + k, i - k, "from") || util_memcasemem(p + k, i - k, "sender") ||
		    util_memcasemem(p + k, i - k, "contact"))
			continue;
		/* The sentence speaks of a delivery or of a recipient: mlmmj's
		 * "Hi, this is the mlmmj program managing the <list@host>" (its
		 * listtexts/bounce-probe) names a list, not a failure. */
		if (!sentence_of_delivery(p, n))
			continue;
		a->label = NULL;
		a->labellen = 0;
		a->kind = 0;
		a->addr = p + i + 1;
		a->addrlen = len;
		/* The sentence itself says what happened. */
		a->rest = p;
		a->restlen = n;
		return 1;
	}
	/* "Your message wasn't delivered to user@example.org because ..." */
	for (size_t i = 3; i < n; i++) {
		size_t len, q, e = i - 1;
		int named;

		if (p[i] == '@' || !ascii_space((unsigned char)p[i - 1]))
			continue;
		/* White space before it: a space, or a line end and the indent
		 * of a sentence wrapped there (nonstd_scan_notice). */
		while (e > 0 && ascii_space((unsigned char)p[e - 1]))
			e--;
		if ((named = names_recipient_before(p, e)) == 0)
			continue;
		/* Someone to write to: "For help, write to help@example.net". */
		{
			size_t k = i > 16 ? i - 16 : 0;

			if (util_memcasemem(p + k, i - k, "write") || util_memcasemem(p + k, i - k, "reply") ||
			    util_memcasemem(p + k, i - k, "contact"))
				continue;
		}
		q = 0;
		/* Or in quotes: 'Your message to "user@example.org" could not be
		 * delivered'. */
		if ((p[i] == '"' || p[i] == '\'') && i + 1 < n &&
		    (len = nonstd_addr_at(p + i + 1, n - i - 1)) > 0 && i + 1 + len < n &&
		    p[i + 1 + len] == p[i])
			q = 1;
		else if ((len = nonstd_addr_at(p + i, n - i)) == 0)
			continue;
		/* "To" an address in English: the sentence speaks of a
		 * delivery or its failure around the address ("Your message to
		 * a@b could not be delivered"), on its line or on the lines of
		 * its paragraph next to it (a sentence wraps); a moderator's
		 * quoted reason ("Please post event notices to a@b") sends the
		 * reader there. Asked once a line: a line of many "to a@b" is
		 * read once. */
		if (named == 2 && delivery < 0)
			delivery = sentence_of_delivery(p, n) ||
			    sentence_of_delivery(para, (size_t)(p - para)) ||
			    sentence_of_delivery(p + n, (size_t)(paraend - (p + n)));
		if (named == 2 && !delivery)
			continue;
		a->label = NULL;
		a->labellen = 0;
		a->kind = 0;
		a->addr = p + i + q;
		a->addrlen = len;
		/* The sentence says what happened, before the address too
		 * ("undeliverable to user@example.org"). */
		a->rest = p;
		a->restlen = n;
		return 1;
	}
	/* The address first, then what befell it: "user@example.org is not a
	 * valid mailbox", "... does not exist". */
	{
		static const char *const verbs[] = { " is ", " was ", " does ", " doesn't ",
			" has ", " could ", " cannot ", " can't ", " did " };
		size_t len, s0 = w;

		if (s0 < n && p[s0] == '<')
			s0++;
		if ((len = nonstd_addr_at(p + s0, n - s0)) > 0) {
			size_t e = s0 + len + (s0 + len < n && p[s0 + len] == '>');

			if (nonstd_starts_with(p + e, n - e, verbs, sizeof verbs / sizeof verbs[0]) &&
			    sentence_of_delivery(p + e, n - e)) {
				a->label = NULL;
				a->labellen = 0;
				a->kind = 0;
				a->addr = p + s0;
				a->addrlen = len;
				a->rest = p;
				a->restlen = n;
				return 1;
			}
		}
	}
	return 0;
}

/* A recipient named after its display name, the address in angle
 * brackets or parentheses, alone on its line or before a colon, a mailto
 * link or Exchange's " on <date>": "Wendy Example (wendy@example.org)",
 * "Wendy Example <wendy@example.org>: 550 ...". The name is words, without
 * a colon (a header field's) or digits; it may also be the sender's, which
 * the caller checks (NONSTD_WEAK). */
int
nonstd_named_anchor(const char *p, size_t n, struct anchor *a)
{
	size_t i, len, j, k;
	size_t words = 0;
	int coded;

	for (i = 0; i < n && i < 64 && p[i] != '<' && p[i] != '('; i++) {
		if (!isalpha((unsigned char)p[i]) && (unsigned char)p[i] < 0x80 &&
		    !ascii_in_set(" .,'\"-", (unsigned char)p[i]))
			return 0;
		words += p[i] == ' ' && i > 0 && p[i - 1] != ' ';
	}
	/* A name is a few words; "For further assistance, please contact
	 * <a@b>" is a sentence. */
	if (i == 0 || i >= n || i >= 64 || p[i - 1] != ' ' || words > 4 ||
	    util_memcasemem(p, i, "contact") != NULL ||
	    (len = nonstd_addr_at(p + i + 1, n - i - 1)) == 0)
		return 0;
	j = i + 1 + len;
	if (j >= n || p[j] != (p[i] == '<' ? '>' : ')'))
		return 0;
	j++;
	/* Or white space and the reply: "Name <a@b>   550 5.1.1 ...". */
	for (k = j; k < n && (p[k] == ' ' || p[k] == '\t'); k++)
		;
	coded = k > j && n - k >= 4 && (p[k] == '4' || p[k] == '5') &&
	    isdigit((unsigned char)p[k + 1]) && isdigit((unsigned char)p[k + 2]) &&
	    (p[k + 3] == ' ' || p[k + 3] == '-');
	if (j < n && p[j] != ':' && !coded &&
	    !(n - j >= 8 && strncasecmp(p + j, "<mailto:", 8) == 0) &&
	    !nonstd_date_after(p + j, n - j))
		return 0;
	a->addr = p + i + 1;
	a->addrlen = len;
	a->kind = NONSTD_WEAK;
	a->rest = p + (coded ? k : j);
	a->restlen = coded ? n - k : j < n && p[j] == ':' ? n - j : 0;
	while (a->restlen > 0 && (*a->rest == ':' || *a->rest == ' ')) {
		a->rest++;
		a->restlen--;
	}
	return 1;
}

/* Whether line l introduces a list of recipients: it ends in ':' or is a
 * heading between dashes, and speaks of addresses or recipients ("The
 * following address(es) failed:", Exim; "----- The following addresses had
 * permanent fatal errors -----", Sendmail). */
int
nonstd_introduces_recipients(const struct line *l)
{
	const char *p = l->p;
	size_t n = l->n;

	nonstd_trim(&p, &n);
	if (n == 0 || (p[n - 1] != ':' && p[n - 1] != '-'))
		return 0;
	return util_memcasemem(p, n, "address") != NULL ||
	    util_memcasemem(p, n, "recipient") != NULL;
}

/* Whether the line above line i (the nearest that is not empty, at most
 * three up) introduces someone to contact, not a recipient: it ends in ':'
 * and asks to contact or for help ("For more help, contact your mail
 * administrator:", "If you need assistance, contact:"). "Could not contact
 * the following hosts:" says what failed. */
int
nonstd_contact_intro(const struct line *lines, size_t i)
{
	static const char *const cannot[] = { "not contact", "unable to contact",
		"couldn't contact", "failed to contact", "cannot contact" };
	const char *p;
	size_t n, k;

	for (k = 1; k <= 3 && k <= i && lines[i - k].n == 0; k++)
		;
	if (k > 3 || k > i)
		return 0;
	p = lines[i - k].p;
	n = lines[i - k].n;
	nonstd_trim(&p, &n);
	if (n == 0 || n > 200 || p[n - 1] != ':')
		return 0;
	/* The end of a sentence wrapped onto a line of its own (Mailman's
	 * refuse.txt: "Any questions or comments should be directed to the
	 * list administrator\nat:"): the whole sentence; over one more line
	 * where the line above is a word or two that a narrower wrap left
	 * ("... directed to the list\nadministrator\nat:"). */
	if (n < 12 && k < i && lines[i - k - 1].n > 0 && lines[i - k - 1].n <= 200) {
		const struct line *a = &lines[i - k - 1];
		size_t off = (size_t)(p - a->p);

		p = a->p;
		n += off;
		if (a->n - a->indent < 20 && k + 1 < i && lines[i - k - 2].n > 0 &&
		    lines[i - k - 2].n <= 200) {
			off = (size_t)(p - lines[i - k - 2].p);
			p = lines[i - k - 2].p;
			n += off;
		}
	}
	if (util_memcasemem(p, n, "help") == NULL && util_memcasemem(p, n, "assistance") == NULL &&
	    util_memcasemem(p, n, "contact") == NULL && util_memcasemem(p, n, "questions") == NULL &&
	    util_memcasemem(p, n, "directed to") == NULL)
		return 0;
	for (size_t c = 0; c < sizeof cannot / sizeof cannot[0]; c++)
		if (util_memcasemem(p, n, cannot[c]) != NULL)
			return 0;
	return 1;
}

/* Whether line l is one of Sendmail's list of failed addresses after its
 * first: a parenthesized note ("(reason: 550 ...)", "(expanded from:
 * <a@b>)") or a name alone in angle brackets ("<kijitora>"). */
static int
sendmail_list_line(const struct line *l)
{
	const char *p = l->p;
	size_t n = l->n, i;

	nonstd_trim(&p, &n);
	if (n < 3)
		return 0;
	if (p[0] == '(' && p[n - 1] == ')')
		return strncasecmp(p, "(reason:", 8) == 0 || strncasecmp(p, "(expanded from:", 15) == 0;
	if (p[0] != '<' || p[n - 1] != '>')
		return 0;
	for (i = 1; i < n - 1 && (isalnum((unsigned char)p[i]) ||
	    ascii_in_set("._+-", (unsigned char)p[i])); i++)
		;
	return i == n - 1;
}

/* A local part without its domain (AOL and other Sendmail sites wrote
 * those of their own users so): alone on an indented line after a line
 * ending in ':' (Exim), alone on a line after one that introduces
 * recipients, or before Sendmail's "..." with a reply code or in angle
 * brackets ("550 kijitora... User unknown", "<kijitora>... User unknown"). */
int
nonstd_local_anchor(const struct line *l, const struct line *prev, struct anchor *a)
{
	const char *p = l->p, *tok;
	size_t n = l->n, i, k, toklen;
	int coded = 0;

	nonstd_trim(&p, &n);
	if (n > 4 && p[0] >= '4' && p[0] <= '5' && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && p[3] == ' ') {
		p += 4;
		n -= 4;
		coded = 1;
	}
	k = n > 0 && p[0] == '<';
	for (i = k; i < n && (isalnum((unsigned char)p[i]) ||
	    ascii_in_set("._+-", (unsigned char)p[i])); i++)
		;
	while (i > k && p[i - 1] == '.')	/* "henry..." */
		i--;
	if (i == k || i - k > 64 || !isalnum((unsigned char)p[k]))
		return 0;
	tok = p + k;
	toklen = i - k;
	if (k) {
		if (i >= n || p[i] != '>')
			return 0;
		i++;
	}
	anchor_bare(a, NONSTD_LOCAL, tok, toklen, p + n);
	if (i + 3 <= n && memcmp(p + i, "...", 3) == 0 && (coded || k)) {
		if (coded)	/* Sendmail's "550 <name>... User unknown" */
			a->code = p - 4;
		a->rest = p + i + 3;
		a->restlen = n - i - 3;
		nonstd_trim(&a->rest, &a->restlen);
		return 1;
	}
	if (i != n || prev == NULL || coded)
		return 0;
	/* Not a word that a wrap left alone on the line right under a line
	 * it filled: Postfix wraps its notice at about 76 columns with an
	 * indent ("...[192.0.2.7]:25:\n    Connection timed out" may leave
	 * "Connection" alone); Exim leaves an empty line after its lead-in. */
	if (k == 0 && l->indent > 0 && prev->n > 0 && prev->p[prev->n - 1] == ':')
		return !(prev + 1 == l && l->indent > prev->indent &&
		    nonstd_overflows(prev->p, prev->n, tok, toklen));
	/* Further down Sendmail's list (savemail.c errbody(): each failed
	 * address on its line, then "(reason: ...)" and "(expanded from:
	 * ...)"): after such a line or another "<name>" alone. */
	if (k && sendmail_list_line(prev))
		return 1;
	return nonstd_introduces_recipients(prev);
}

/* An X.400 O/R address (RFC 1685) where an RFC 5322 one would be: the slash
 * form "/C=JP/ADMD=/PRMD=EXAMPLE/O=CORP/S=KIJITORA/" or Microsoft's
 * "c=JP;a= ;p=Example;o=Corp;s=Kijitora;", alone or after a label. It needs
 * a country and a surname or organisation attribute. */
int
nonstd_x400_anchor(const char *p, size_t n, struct anchor *a)
{
	size_t i, end;
	char sep;

	nonstd_trim(&p, &n);
	for (i = 0; i + 4 < n; i++) {
		if ((p[i] == 'c' || p[i] == 'C') && p[i + 1] == '=' && (i == 0 || p[i - 1] == '/' ||
		    p[i - 1] == ' ' || p[i - 1] == ':' || p[i - 1] == '<' || p[i - 1] == '"'))
			break;
	}
	if (i + 4 >= n)
		return 0;
	/* Exchange's "The MTS-ID of the original message is: c=US;a= ;p=..."
	 * names the message, not a recipient. */
	if (util_memcasemem(p, i, "mts-id") != NULL)
		return 0;
	if (i > 0 && p[i - 1] == '/')
		i--;
	/* The separator: the byte after the country's value. */
	for (end = i + 2 + (p[i] == '/'); end < n && p[end] != '/' && p[end] != ';'; end++)
		;
	if (end >= n)
		return 0;
	sep = p[end];
	for (end = n; end > i && (p[end - 1] == '>' || p[end - 1] == '"' || p[end - 1] == ')' ||
	    p[end - 1] == ' '); end--)
		;
	/* Text after it ("c=JP;...;s=Name; on Fri, 27 Nov 2026", Exchange). */
	{
		const char *last = NULL;

		for (size_t k = i; k < end; k++)
			if (p[k] == sep)
				last = p + k;
		if (last && memchr(last, ' ', (size_t)(p + end - last)) && last[1] == ' ')
			end = (size_t)(last - p) + 1;
	}
	{
		int attrs = 0, named = 0;

		for (size_t k = i; k + 2 < end; k++)
			if (p[k] == sep && p[k + 2] == '=') {
				attrs++;
				named |= ascii_in_set("sSoO", (unsigned char)p[k + 1]);
			} else if (p[k] == sep && k + 3 < end && p[k + 3] == '=' &&
			    (strncasecmp(p + k + 1, "ou", 2) == 0 || strncasecmp(p + k + 1, "cn", 2) == 0)) {
				attrs++;
				named = 1;
			}
		if (attrs < 2 || !named)
			return 0;
	}
	anchor_bare(a, NONSTD_X400, p + i, end - i, p + end);
	return 1;
}

/* An X.400 O/R address that carries the Internet address in a domain
 * defined attribute, as Exchange writes recipients that came in by SMTP:
 * "c=US;a= ;p=Org;o=Exchange;dda:SMTP=user@example.org; on <date>". */
int
nonstd_dda_anchor(const char *p, size_t n, struct anchor *a)
{
	const char *d;
	size_t len;

	nonstd_trim(&p, &n);
	if (n < 12 || (p[0] != 'c' && p[0] != 'C') || p[1] != '=' ||
	    (d = util_memcasemem(p, n, "dda:smtp=")) == NULL ||
	    (len = nonstd_addr_at(d + 9, n - (size_t)(d + 9 - p))) == 0)
		return 0;
	anchor_bare(a, 0, d + 9, len, p + n);
	return 1;
}

/* A recipient named by its display name alone, as Exchange lists those it
 * knows by name: "Bob Jones on 12/6/2026 10:00 AM" (Exchange 2003, the
 * date in the language of its text, nonstd_date_after), or a name alone on
 * its line under an introduction of recipients ("Delivery has failed to
 * these recipients or distribution lists:", Exchange 2007). Two to five
 * words of letters, optionally in single quotes. Only the returned
 * message's recipient of that display name stands for it
 * (email_rcpt_complete). */
int
nonstd_name_anchor(const struct line *l, const struct line *prev, struct anchor *a)
{
	const char *p = l->p;
	size_t n = l->n, i, q, end, sp[6], ns = 0;

	nonstd_trim(&p, &n);
	q = n > 0 && p[0] == '\'';
	/* A quote alone ends the line (and maybe the text). */
	if (n <= q || n > 100 || !isalpha((unsigned char)p[q]))
		return 0;
	/* One pass over the words of the name: letters (any script), '.' and
	 * '-', single spaces; most lines are sentences and stop it early. */
	for (i = q; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == ' ') {
			if (p[i - 1] == ' ' || ns == sizeof sp / sizeof sp[0])
				return 0;
			sp[ns++] = i;
		} else if (!isalpha(c) && c < 0x80 && c != '.' && c != '-') {
			break;
		}
	}
	if (q) {
		/* 'Name' then the date, or nothing. */
		if (i >= n || p[i] != '\'' || (ns > 0 && sp[ns - 1] > i))
			return 0;
		end = i;
		i++;
		if (!(i == n || nonstd_date_after(p + i, n - i)))
			return 0;
		if (i == n && (prev == NULL || !nonstd_introduces_recipients(prev)))
			return 0;
	} else if (i < n) {
		/* "Name on 12/6/2026 ...": the short word before the date's
		 * first digit. */
		if (!isdigit((unsigned char)p[i]) || ns < 2 || sp[ns - 1] + 1 != i ||
		    !nonstd_date_after(p + sp[ns - 2], n - sp[ns - 2]))
			return 0;
		end = sp[ns - 2];
		ns -= 2;
	} else {
		/* A name alone, under an introduction of recipients. */
		if (prev == NULL || !nonstd_introduces_recipients(prev))
			return 0;
		end = n;
	}
	/* Two to five words (ns spaces inside the name). */
	if (ns < 1 || ns > 4 || end - q > 64)
		return 0;
	anchor_bare(a, NONSTD_NAME, p + q, end - q, p + n);
	return 1;
}
