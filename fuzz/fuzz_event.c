/* The event record reader that every program after bounce-parse uses (the
 * record layer's reader for the event schema, both its fast path and jansson):
 * a line to an event, and the event back to a record, which must read back
 * to the same event. */
#include <string.h>

#include "event.h"
#include "fuzz.h"

static int
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
same_event(const struct event *a, const struct event *b)
{
	if (a->time != b->time || strcmp(a->rcpt, b->rcpt) != 0 || !same_str(a->domain, b->domain) ||
	    !same_str(a->action, b->action) || strcmp(a->status, b->status) != 0 ||
	    a->code != b->code || !same_str(a->reason, b->reason) || !same_str(a->class, b->class) ||
	    !same_str(a->rhost, b->rhost) || !same_str(a->diag, b->diag) ||
	    !same_str(a->from, b->from) || !same_str(a->msgid, b->msgid) ||
	    !same_str(a->qid, b->qid) || !same_str(a->orig_rcpt, b->orig_rcpt) ||
	    !same_str(a->source, b->source) || !same_str(a->origin, b->origin))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event_reader r, r2;
	struct util_buf b = {0};
	struct event e, e2;
	char why[200];

	event_reader_init(&r);
	event_reader_init(&r2);
	if (event_read(&r, (const char *)data, size, &e, why, sizeof why) > 0) {
		/* What we write, we read, to the same event. */
		event_format(&b, &e);
		if (event_read(&r2, b.p, b.len, &e2, why, sizeof why) != 1)
			abort();
		same_event(&e, &e2);
	}
	util_buf_free(&b);
	event_reader_free(&r);
	event_reader_free(&r2);
	return 0;
}
