/* The bounce email parser: one message (RFC 3464 DSNs, non-standard bounces,
 * feedback reports), any line ends. */
#include "email.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long events = 0;
	const struct email_opts o = { fuzz_event_sink, &events };
	const char *nl;

	email_parse((const char *)data, size, "fuzz", &o);
	nl = size > 0 ? memchr(data, '\n', size) : NULL;
	email_looks_like_header((const char *)data, nl ? (size_t)(nl - (const char *)data) : size);
	return 0;
}
