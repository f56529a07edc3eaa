/* email_header: the header fields of a bounce and of the message it
 * returns: the Subject, addresses, the Message-ID and the queue id of the
 * top Received field. */
#include "email_int.h"
#include "ascii.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

/* Buffers kept per thread from one message to the next (email_int.h). */
static _Thread_local struct {
	struct util_buf raw_subject;	/* of email_subject */
	struct util_buf orig_value;	/* of email_read_original, email_original_recipient */
} kept_header;

/* Whether s[0..n) holds "=?", which starts every RFC 2047 encoded word. */
static int
has_encoded_word(const char *s, size_t n)
{
	const char *end = s + n;

	for (const char *p = s; (p = memchr(p, '=', (size_t)(end - p))) != NULL; p++)
		if (p + 1 < end && p[1] == '?')
			return 1;
	return 0;
}

/* The Subject of the message, encoded words decoded; "" if none. Looked
 * up once: several checks read it. */
const char *
email_subject(struct msg *m)
{
	struct util_buf raw;

	if (m->subject_done)
		return m->subject.p;
	m->subject_done = 1;
	raw = reuse(&kept_header.raw_subject);
	if (mime_header_get(&m->top, "subject", &raw)) {
		/* Without an encoded word a value is its own text. */
		if (has_encoded_word(raw.p, raw.len))
			mime_decode_words(raw.p, raw.len, &m->subject);
		else
			util_buf_add(&m->subject, raw.p, raw.len);
	}
	util_buf_str(&m->subject);
	keep(&kept_header.raw_subject, &raw);
	return m->subject.p;
}

/* Bytes that end an address found by its '@' (NUL too, as strchr(3)
 * finds it): a table, not a strchr(3) call per byte. */
static const unsigned char addr_stop[256] = {
	[0] = 1, [' '] = 1, ['\t'] = 1, ['\n'] = 1, ['<'] = 1, ['>'] = 1, ['"'] = 1,
	['\''] = 1, ['('] = 1, [')'] = 1, [','] = 1, [';'] = 1, [':'] = 1, ['['] = 1,
	[']'] = 1,
};

/* The addr-spec in an address header value ("Name <a@b>", "a@b (c)"). */
int
email_extract_addr(const char *v, size_t n, char *out)
{
	const char *lt = memchr(v, '<', n), *gt, *at;

	if (lt && (gt = memchr(lt, '>', n - (size_t)(lt - v))) != NULL && memchr(lt, '@',
	    (size_t)(gt - lt)))
		return addr_normalize(lt + 1, (size_t)(gt - lt - 1), 0, out) >= 0 ? 0 : -1;
	if ((at = memchr(v, '@', n)) != NULL) {
		const char *a = at, *b = at;

		while (a > v && !addr_stop[(unsigned char)a[-1]])
			a--;
		while (b < v + n && !addr_stop[(unsigned char)*b])
			b++;
		return addr_normalize(a, (size_t)(b - a), 0, out) >= 0 ? 0 : -1;
	}
	return -1;
}

/* Bytes left out of a Message-ID: white space (isspace(3) of the C locale)
 * and angle brackets. A table: one test per byte. */
static const unsigned char msgid_drop[256] = {
	[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, ['<'] = 1,
	['>'] = 1,
};

static void
msgid_copy(const char *v, size_t n, char *out)
{
	size_t a = 0, k = 0;

	while (a < n && (ascii_space((unsigned char)v[a]) || v[a] == '<'))
		a++;
	while (n > a && (ascii_space((unsigned char)v[n - 1]) || v[n - 1] == '>'))
		n--;
	for (size_t i = a; i < n && k + 1 < ADDR_MAX; i++)
		if (!msgid_drop[(unsigned char)v[i]])
			out[k++] = v[i];
	out[k] = '\0';
}


/* The queue id in a Received field's " id " clause (RFC 5321 4.4), outside
 * comments: "by mx (Postfix) with ESMTP id 4Abc12", Exim's "id
 * 1xa7XZ-0006mP-1K". v[n] is a NUL (a util_buf's value).
 * The top Received of a returned message is the reporting MTA's own, so it
 * is the id that MTA's log knows the message by. */
static void
received_id(const char *v, size_t n, char *out, size_t cap)
{
	int depth = 0;

	out[0] = '\0';
	for (size_t i = 0; i + 4 < n; i++) {
		size_t k, j = 0;

		/* Only parentheses and white space matter here: the bytes
		 * between them are passed over by strcspn(3), many at a time
		 * (it stops at a NUL in the value too, which is then passed
		 * over like any other byte). */
		i += strcspn(v + i, " \t\n\v\f\r()");
		if (i + 4 >= n)
			break;
		k = i + 4;
		if (v[i] == '(')
			depth++;
		else if (v[i] == ')' && depth > 0)
			depth--;
		if (depth > 0 || !ascii_space((unsigned char)v[i]) ||
		    ascii_lower((unsigned char)v[i + 1]) != 'i' ||
		    ascii_lower((unsigned char)v[i + 2]) != 'd' || !ascii_space((unsigned char)v[i + 3]))
			continue;
		while (k < n && j < cap - 1 && (ascii_alpha((unsigned char)v[k]) ||
		    ascii_digit((unsigned char)v[k]) || v[k] == '-' || v[k] == '.'))
			out[j++] = v[k++];
		if (k < n && j > 0 && (j == cap - 1 || !(ascii_space((unsigned char)v[k]) ||
		    v[k] == ';')))
			j = 0;	/* cut or glued to other text: not an id */
		out[j] = '\0';
		return;
	}
}

/* The returned message's header (read once per message): author and
 * Message-ID, from the first field of each name, found in one pass. Its
 * recipient waits until it is asked for (email_original_recipient): few messages
 * need it. */
void
email_read_original(struct msg *m, const char *s, size_t n)
{
	struct mime_header *h = &m->orig_header;
	struct util_buf v = reuse(&kept_header.orig_value);
	size_t from = SIZE_MAX, return_path = SIZE_MAX, msgid = SIZE_MAX, received = SIZE_MAX;

	mime_header_parse(s, n, h);
	for (size_t i = 0; i < h->n; i++) {
		if (from == SIZE_MAX && email_field_is(h, i, "from"))
			from = i;
		else if (received == SIZE_MAX && email_field_is(h, i, "received"))
			received = i;
		else if (return_path == SIZE_MAX && email_field_is(h, i, "return-path"))
			return_path = i;
		else if (msgid == SIZE_MAX && email_field_is(h, i, "message-id"))
			msgid = i;
	}
	if (from != SIZE_MAX) {
		mime_field_value(h, from, &v);
		email_extract_addr(v.p, v.len, m->from);
	}
	if (m->from[0] == '\0' && return_path != SIZE_MAX) {
		mime_field_value(h, return_path, &v);
		email_extract_addr(v.p, v.len, m->from);
	}
	if (msgid != SIZE_MAX) {
		mime_field_value(h, msgid, &v);
		msgid_copy(v.p, v.len, m->msgid);
	}
	if (received != SIZE_MAX) {
		mime_field_value(h, received, &v);
		received_id(v.p, v.len, m->qid, sizeof m->qid);
	}
	keep(&kept_header.orig_value, &v);
}

/* The recipient of the returned message, "" if none. */
const char *
email_original_recipient(struct msg *m)
{
	struct util_buf v;

	if (m->orig_to_done)
		return m->orig_to;
	m->orig_to_done = 1;
	v = reuse(&kept_header.orig_value);
	/* Microsoft's complaint reports name the recipient here. */
	if (mime_header_get(&m->orig_header, "x-hmxmroriginalrecipient", &v))
		email_extract_addr(v.p, v.len, m->orig_to);
	if (m->orig_to[0] == '\0' && mime_header_get(&m->orig_header, "to", &v))
		email_extract_addr(v.p, v.len, m->orig_to);
	keep(&kept_header.orig_value, &v);
	return m->orig_to;
}

void
email_header_thread_end(void)
{
	util_buf_free(&kept_header.raw_subject);
	util_buf_free(&kept_header.orig_value);
}
