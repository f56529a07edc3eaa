/* The mbox reader: messages split at "From " lines, each to the email parser. */
#include "email.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long events = 0;
	struct email_opts o;
	struct email_mbox *m;
	size_t start = 0;

	o.sink = fuzz_event_sink;
	o.sink_arg = &events;
	m = email_mbox_new("fuzz", &o);
	for (size_t i = 0; i < size; i++) {
		char *line;
		size_t len;

		if (data[i] != '\n' && i + 1 < size)
			continue;
		len = i - start + (data[i] != '\n');
		if (len > 0 && data[start + len - 1] == '\r')
			len--;
		line = fuzz_cstr(data + start, len);
		email_mbox_line(m, line, len);
		free(line);
		start = i + 1;
	}
	email_mbox_end(m);
	return 0;
}
