/* mime: the parts of an RFC 5322 / MIME message that bounce parsing needs:
 * header fields (unfolded), parameters, RFC 2047 encoded words,
 * quoted-printable and base64 bodies, multipart walking and RFC 5322 dates.
 * Every function does bounded work per input byte: input is hostile. */
#ifndef BK_MIME_H
#define BK_MIME_H

#include <stddef.h>
#include <time.h>

#include "util.h"

/* Nesting of multiparts beyond this is taken as an opaque leaf. */
#define MIME_MAX_DEPTH 64

/* s[0..n) with CRLF and CR-only line ends turned into LF, into out (reused:
 * no allocation per message once it is large enough); NUL-terminated,
 * out->len its length. */
void mime_lf_buf(const char *s, size_t n, struct util_buf *out);

/* One header field: offsets into the text it was parsed from. */
struct mime_field {
	size_t name, namelen;	/* "Content-Type" */
	size_t value, valuelen;	/* raw, folded, after the colon */
};

struct mime_header {
	const char *base;
	struct mime_field *f;
	size_t n, cap;
};

/* Parses the header at s[0..n) (LF line ends) into h; returns the offset of
 * the body (after the empty line), or n when there is none. Lines that are
 * not fields end the header. */
size_t mime_header_parse(const char *s, size_t n, struct mime_header *h);
/* The same, but a line that is no field (no "name:") after one goes on
 * with it, as if folded: for report fields that gateways fold without the
 * indent (RFC 3464 groups end only at an empty line). */
size_t mime_header_parse_loose(const char *s, size_t n, struct mime_header *h);
void mime_header_free(struct mime_header *h);
/* The unfolded value of the first field called name (case-insensitive) into
 * out (reset first), white space trimmed. Returns 1 if found, else 0. */
int mime_header_getn(const struct mime_header *h, const char *name, size_t len,
    struct util_buf *out);
/* Inline, so that the length of a constant name is known where it is called. */
static inline int
mime_header_get(const struct mime_header *h, const char *name, struct util_buf *out)
{
	return mime_header_getn(h, name, strlen(name), out);
}
/* Same for field i. */
void mime_field_value(const struct mime_header *h, size_t i, struct util_buf *out);

/* "type/subtype" of a Content-Type value, lower case, into out (size sz);
 * "text/plain" when empty. */
void mime_content_type(const char *v, size_t n, char *out, size_t sz);
/* Parameter name of a structured value (Content-Type) into out. 1 if found. */
int mime_param(const char *v, size_t n, const char *name, struct util_buf *out);

/* Body decoding, appended to out. */
void mime_qp_decode(const char *s, size_t n, struct util_buf *out);
void mime_b64_decode(const char *s, size_t n, struct util_buf *out);
/* By Content-Transfer-Encoding cte (NULL: identity). */
void mime_decode_body(const char *s, size_t n, const char *cte, struct util_buf *out);
/* Whether cte leaves the body as it is (7bit, 8bit, binary, none, any other
 * than quoted-printable and base64): mime_decode_body would copy it. */
int mime_cte_identity(const char *cte);
/* An unfolded header value with RFC 2047 encoded words decoded to UTF-8,
 * appended to out. */
void mime_decode_words(const char *s, size_t n, struct util_buf *out);

/* A leaf part of a message handed to the walker's callback. */
struct mime_part {
	const struct mime_header *header;
	const char *ctype;	/* lower case "type/subtype" */
	const char *body;	/* raw (still encoded) */
	size_t bodylen;
	int depth;
};
typedef void (*mime_leaf_fn)(void *arg, const struct mime_part *p);
/* The ctype of the preamble of the top multipart (the text before its first
 * boundary), if it holds any: no MIME type, so that callers that look at
 * types only pass it by. */
#define MIME_PREAMBLE "x-mime/preamble"
/* Walks the message s[0..n) (LF line ends): calls leaf for every part that
 * is not a multipart, in order; message/rfc822 parts are leaves too. */
void mime_walk(const char *s, size_t n, mime_leaf_fn leaf, void *arg);
/* The same for a message whose header h mime_header_parse(s, n, h) parsed,
 * returning body: the header is not parsed twice. */
void mime_walk_parsed(const char *s, size_t n, const struct mime_header *h, size_t body,
    mime_leaf_fn leaf, void *arg);
/* Frees the buffers the calling thread keeps for its walks (before it ends). */
void mime_walk_thread_end(void);

/* An RFC 5322 date ("Mon, 1 Jul 2014 08:30:40 +0900", obsolete zones,
 * missing weekday or seconds) at s. Returns 0 and sets *out, or -1. */
int mime_parse_date(const char *s, size_t n, time_t *out);

#endif
