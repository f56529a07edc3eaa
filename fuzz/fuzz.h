/* Shared by the harnesses: the libFuzzer entry point, and a sink that turns
 * each event into its record and throws it away (so that event_finish and
 * event_to_json run on what the parsers produce, and stdout stays unused). */
#ifndef BK_FUZZ_H
#define BK_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input, for APIs that take C strings. */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Finishes and serialises an event, as bounce-parse's sink does, then drops it. */
static inline void
fuzz_event_sink(void *arg, struct event *e)
{
	json_t *o;
	char *s;

	if (arg)
		(*(unsigned long *)arg)++;
	event_finish(e);
	o = event_to_json(e);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	/* event_to_json promises a record for any event. */
	if (o == NULL || s == NULL)
		abort();
	free(s);
	json_decref(o);
}

#endif
