/* Recipients and reply texts from the free-form text of non-standard bounces
 * (qmail, Exim, Gmail, Exchange, ...). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jsonl.h"
#include "nonstd.h"

struct bounds {
	const char *base;
	size_t len;
	unsigned long hits;
};

static void
hit(void *arg, const struct nonstd_hit *h)
{
	const struct bounds *b = arg;
	struct event e;

	((struct bounds *)arg)->hits++;
	if (h->addr == NULL || h->diag == NULL)
		abort();
	/* Addresses may be copies; when they point into the text, they stay in it. */
	if (h->addr >= b->base && h->addr <= b->base + b->len &&
	    h->addr + h->addrlen > b->base + b->len)
		abort();
	if (strlen(h->diag) > b->len * 4 + 64)	/* collapsed, so never much longer */
		abort();
	event_init(&e);
	if (event_set_rcpt(&e, h->addr, h->addrlen) == 0) {
		e.action = h->delayed ? "delayed" : "failed";
		e.diag = h->diag;
		fuzz_event_sink(NULL, &e);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The scanner gets UTF-8 with LF line ends: clean the bytes the same way.
	 * And no NUL after them, in a buffer of their size: the text the email
	 * reader hands it is decoded into a buffer without one, and ASan sees a
	 * read past its end only so. */
	char *clean = jsonl_utf8_clean((const char *)data, size);
	size_t n = strlen(clean);
	char *text = malloc(n > 0 ? n : 1);
	struct bounds b = { text, n, 0 };
	size_t orig;

	memcpy(text, clean, n);
	free(clean);
	for (size_t i = 0; i < n; i++)
		if (text[i] == '\r')
			text[i] = '\n';
	if ((orig = nonstd_scan(text, n, hit, &b)) > n)
		abort();
	if (nonstd_original_start(text, n) > n)
		abort();
	free(text);
	return 0;
}
