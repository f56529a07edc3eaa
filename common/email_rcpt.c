/* email_rcpt: whom a notice means where it names a recipient otherwise
 * than by an RFC 5322 address (a local part alone, an X.400 O/R address),
 * and whether an address it names is the sender's. */
#include "email_int.h"
#include "ascii.h"
#include "nonstd.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The next mailbox of an address list field's value at *cur, split at the
 * commas outside quotes and angle brackets (RFC 5322 3.4): its start, its
 * length into *len, and *cur past it; NULL at the end. */
static const char *
next_mailbox(const char **cur, size_t *len)
{
	const char *p = *cur, *q;
	int quoted = 0, angle = 0;

	if (p == NULL)
		return NULL;
	for (q = p; *q != '\0' && (*q != ',' || quoted || angle); q++) {
		if (*q == '"')
			quoted = !quoted;
		else if (*q == '<' && !quoted)
			angle = 1;
		else if (*q == '>' && !quoted)
			angle = 0;
	}
	*len = (size_t)(q - p);
	*cur = *q == '\0' ? NULL : q + 1;
	return p;
}

/* The recipients a notice may mean: those of its X-Failed-Recipients field
 * (Exim), then those of the returned message's To and Cc, at most
 * CANDIDATES_MAX. Found once per message, into m->cands. */
#define CANDIDATES_MAX 16
static size_t
original_recipients(struct msg *m)
{
	static const char *const fields[] = { "x-failed-recipients", "to", "cc" };
	struct util_buf v = {0};
	char (*out)[ADDR_MAX];
	size_t n = 0, max = CANDIDATES_MAX;

	if (m->cands != NULL)
		return m->ncands;
	out = m->cands = util_xcalloc(max, sizeof *m->cands);
	/* The sender's domain, looked up once: a notice may name thousands. */
	m->daemon_at[0] = '\0';
	if (mime_header_get(&m->top, "from", &v) && email_extract_addr(v.p, v.len, out[0]) == 0 &&
	    (util_strcaseprefix(out[0], "mailer-daemon@") || util_strcaseprefix(out[0], "postmaster@")))
		strcpy(m->daemon_at, strchr(out[0], '@'));
	out[0][0] = '\0';

	for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
		const char *cur, *p;
		size_t len;

		if (!mime_header_get(f == 0 ? &m->top : &m->orig_header, fields[f], &v))
			continue;
		for (cur = v.p; n < max && (p = next_mailbox(&cur, &len)) != NULL;)
			if (email_extract_addr(p, len, out[n]) == 0)
				n++;
	}
	util_buf_free(&v);
	return m->ncands = n;
}

/* The value of X.400 attribute name ("S", "G") in an O/R address, into out
 * (ASCII lower case); 0 if absent. */
static int
x400_attr(const char *a, size_t n, const char *name, char *out, size_t sz)
{
	size_t l = strlen(name);

	for (size_t i = 0; i + l + 1 < n; i++) {
		size_t k = 0;

		if ((i > 0 && a[i - 1] != '/' && a[i - 1] != ';') || strncasecmp(a + i, name, l) != 0 ||
		    a[i + l] != '=')
			continue;
		for (i += l + 1; i < n && a[i] != '/' && a[i] != ';' && k + 1 < sz; i++)
			out[k++] = (char)ascii_lower((unsigned char)a[i]);
		out[k] = '\0';
		return k > 0 && strcmp(out, " ") != 0;
	}
	return 0;
}

/* The address of the returned message's recipient (To, Cc) whose display
 * name is name[0..n) (quotes and case aside), into out; -1 if none. */
static int
recipient_by_name(struct msg *m, const char *name, size_t n, char *out)
{
	static const char *const fields[] = { "to", "cc" };
	struct util_buf v = {0};
	int found = -1;

	for (size_t f = 0; f < sizeof fields / sizeof fields[0] && found != 0; f++) {
		const char *cur, *p, *lt, *s, *e;
		size_t len;

		if (!mime_header_get(&m->orig_header, fields[f], &v))
			continue;
		for (cur = v.p; found != 0 && (p = next_mailbox(&cur, &len)) != NULL;) {
			if ((lt = memchr(p, '<', len)) == NULL)
				continue;
			for (e = lt; e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '"' ||
			    e[-1] == '\''); e--)
				;
			for (s = p; s < e && (*s == ' ' || *s == '\t' || *s == '"' || *s == '\''); s++)
				;
			if ((size_t)(e - s) == n && strncasecmp(s, name, n) == 0 &&
			    email_extract_addr(lt, (size_t)(p + len - lt), out) == 0)
				found = 0;
		}
	}
	util_buf_free(&v);
	return found;
}

/* An RFC 5322 address for a recipient the notice names by a local part
 * alone, by an X.400 O/R address or by its display name, into out: the
 * returned message's recipient that it names (the same local part; the
 * X.400 surname in the local part; the same display name), or its only
 * recipient for an X.400 address; where the
 * returned message is not there to tell, a local part at the domain of the
 * MAILER-DAEMON that reports it. -1 if none is sound. */
int
email_rcpt_complete(struct msg *m, const struct nonstd_hit *h, char *out)
{
	char key[ADDR_MAX];
	size_t n = original_recipients(m);
	char (*rcpts)[ADDR_MAX] = m->cands;

	/* Each looks through the returned message's To and Cc: a few only. */
	if (h->kind & NONSTD_NAME)
		return m->name_lookups++ < 64 ? recipient_by_name(m, h->addr, h->addrlen, out) : -1;
	if (h->kind & NONSTD_X400) {
		if (n == 1) {
			memcpy(out, rcpts[0], ADDR_MAX);
			return 0;
		}
		if (!x400_attr(h->addr, h->addrlen, "S", key, sizeof key))
			return -1;
		for (size_t i = 0; i < n; i++) {
			const char *at = strchr(rcpts[i], '@');

			if (at && util_memcasemem(rcpts[i], (size_t)(at - rcpts[i]), key)) {
				memcpy(out, rcpts[i], ADDR_MAX);
				return 0;
			}
		}
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (strncasecmp(rcpts[i], h->addr, h->addrlen) == 0 && rcpts[i][h->addrlen] == '@') {
			memcpy(out, rcpts[i], ADDR_MAX);
			return 0;
		}
	/* Listed by Sendmail as expanded from an alias, which the returned
	 * message names (savemail.c errbody(): the failed address as the
	 * aliases file gave it, then "(expanded from: <rcpt>)"): a user of the
	 * same host, whose aliases(5) and users are keyed by local part for
	 * each of its local domains. The alias's domain is one. */
	if (email_notice_alias_of(m, h->addr, h->addrlen, key) == 0) {
		const char *at = strchr(key, '@');

		for (size_t i = 0; at == NULL && i < n; i++)
			if (strncasecmp(rcpts[i], key, strlen(key)) == 0 &&
			    rcpts[i][strlen(key)] == '@')
				at = strchr(rcpts[i], '@');
		if (at != NULL && h->addrlen + strlen(at) < ADDR_MAX) {
			memcpy(out, h->addr, h->addrlen);
			strcpy(out + h->addrlen, at);
			return 0;
		}
	}
	/* The returned message names its recipients, and not this one: it is
	 * no recipient of it, or one by another name (an alias). */
	if (n > 0)
		return -1;
	/* Sendmail at AOL wrote its own users so: the reporting domain is theirs. */
	if (m->daemon_at[0] == '\0' || h->addrlen + strlen(m->daemon_at) >= ADDR_MAX)
		return -1;
	memcpy(out, h->addr, h->addrlen);
	strcpy(out + h->addrlen, m->daemon_at);
	return 0;
}

/* Whether addr[0..n) is the returned message's author or the address the
 * notice was sent to. */
int
email_rcpt_is_sender(struct msg *m, const char *addr, size_t n)
{
	if (m->from[0] && strlen(m->from) == n && strncasecmp(m->from, addr, n) == 0)
		return 1;
	if (!m->notice_to_done) {
		struct util_buf v = {0};

		m->notice_to_done = 1;
		if (!mime_header_get(&m->top, "to", &v) || email_extract_addr(v.p, v.len,
		    m->notice_to) != 0)
			m->notice_to[0] = '\0';
		util_buf_free(&v);
	}
	return m->notice_to[0] && strlen(m->notice_to) == n &&
	    strncasecmp(m->notice_to, addr, n) == 0;
}

