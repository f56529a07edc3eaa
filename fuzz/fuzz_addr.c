/* Address normalisation, as applied to every recipient from every source. */
#include <string.h>

#include "addr.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char out[ADDR_MAX], again[ADDR_MAX];
	struct event e;

	for (int fold = 0; fold <= 1; fold++) {
		int dom = addr_normalize(s, size, fold, out);

		if (dom < 0)
			continue;
		if ((size_t)dom >= strlen(out) + 1)
			abort();
		/* A normalised address normalises to itself. */
		if (addr_normalize(out, strlen(out), fold, again) != dom || strcmp(out, again) != 0)
			abort();
		if (addr_domain(out) == NULL)
			abort();
	}
	addr_is_domain(s, size);
	event_init(&e);
	if (event_set_rcpt(&e, s, size) == 0 && (e.domain == NULL || strlen(e.rcpt) >= ADDR_MAX))
		abort();
	return 0;
}
