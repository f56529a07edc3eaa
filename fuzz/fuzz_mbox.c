/* The mbox reader: messages split at "From " lines, each to the email parser. */
#include "email.h"
#include "fuzz.h"

static int
mbox_line(void *arg, const struct input_loc *loc, const char *line, size_t len)
{
	(void)loc;
	email_mbox_line(arg, line, len);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long events = 0;
	const struct email_opts o = { fuzz_event_sink, &events };
	struct email_mbox *m = email_mbox_new("fuzz", &o);

	fuzz_lines(data, size, mbox_line, m);
	email_mbox_end(m);
	return 0;
}
