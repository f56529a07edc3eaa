/* The JSON-lines record reader that every program after bounce-parse uses:
 * one line to an object, the object to an event, and the event back to a
 * record that must read back the same way. */
#include <string.h>

#include "fuzz.h"
#include "jsonl.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[200];
	json_t *obj, *out, *back;
	struct event e, e2;
	char *line, *clean;

	clean = jsonl_utf8_clean((const char *)data, size);
	free(clean);
	if ((obj = jsonl_parse_object((const char *)data, size, why, sizeof why)) == NULL)
		return 0;
	jsonl_get_str(obj, "rcpt");
	jsonl_get_int(obj, "code", 0);
	if (event_from_json(obj, &e, why, sizeof why) == 0) {
		out = event_to_json(&e);
		if ((line = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
			abort();
		/* What we write, we read. */
		if ((back = jsonl_parse_object(line, strlen(line), why, sizeof why)) == NULL ||
		    event_from_json(back, &e2, why, sizeof why) != 0 || strcmp(e.rcpt, e2.rcpt) != 0)
			abort();
		json_decref(back);
		free(line);
		json_decref(out);
	}
	json_decref(obj);
	return 0;
}
