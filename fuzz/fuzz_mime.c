/* The MIME layer under the bounce email parser: line ends, header fields,
 * parameters, encoded words, transfer encodings, charsets, multipart walking
 * and RFC 5322 dates. */
#include <string.h>

#include "fuzz.h"
#include "mime.h"
#include "charset.h"

struct walked {
	unsigned long leaves;
	const char *base;
	size_t len;
};

static void
leaf(void *arg, const struct mime_part *p)
{
	struct walked *w = arg;
	struct util_buf b = {0}, u = {0};
	const char *cte = NULL;

	w->leaves++;
	if (p->body < w->base || p->bodylen > w->len ||
	    p->body + p->bodylen > w->base + w->len || p->depth < 0 ||
	    p->depth > MIME_MAX_DEPTH + 1)
		abort();
	if (mime_header_get(p->header, "Content-Transfer-Encoding", &b))
		cte = util_buf_str(&b);
	mime_decode_body(p->body, p->bodylen, cte, &u);
	charset_to_utf8(u.p ? u.p : "", u.len, "windows-1252", &b);
	util_buf_free(&b);
	util_buf_free(&u);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_header h;
	struct util_buf v = {0}, out = {0}, lf = {0};
	struct walked w = { 0, NULL, 0 };
	char ctype[128];
	size_t len, body;
	const char *msg;
	time_t t;

	/* A fresh buffer of the exact size each time: ASan sees over-reads. */
	mime_lf_buf((const char *)data, size, &lf);
	msg = lf.p;
	len = lf.len;
	if (len > size)
		abort();
	memset(&h, 0, sizeof h);
	body = mime_header_parse(msg, len, &h);
	if (body > len)
		abort();
	for (size_t i = 0; i < h.n; i++) {
		mime_field_value(&h, i, &v);
		mime_decode_words(v.p ? v.p : "", v.len, &out);
		util_buf_reset(&out);
		mime_param(v.p ? v.p : "", v.len, "boundary", &out);
		mime_param(v.p ? v.p : "", v.len, "charset", &out);
		mime_content_type(v.p ? v.p : "", v.len, ctype, sizeof ctype);
		if (strlen(ctype) >= sizeof ctype)
			abort();
		mime_parse_date(v.p ? v.p : "", v.len, &t);
	}
	mime_header_get(&h, "Content-Type", &v);
	mime_header_free(&h);
	/* The raw bytes straight into the decoders too. */
	util_buf_reset(&out);
	mime_qp_decode(msg, len, &out);
	util_buf_reset(&out);
	mime_b64_decode(msg, len, &out);
	util_buf_reset(&out);
	charset_to_utf8(msg, len, "iso-8859-15", &out);
	mime_parse_date(msg, len, &t);
	w.base = msg;
	w.len = len;
	mime_walk(msg, len, leaf, &w);
	mime_walk_thread_end();
	util_buf_free(&v);
	util_buf_free(&out);
	util_buf_free(&lf);
	return 0;
}
