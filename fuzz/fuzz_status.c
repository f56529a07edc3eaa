/* Enhanced status codes, reply codes and the reason classifier, on reply
 * text as remote servers write it. */
#include <string.h>

#include "fuzz.h"
#include "reason.h"
#include "status.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *p = s, *after;
	char *c = fuzz_cstr(data, size);
	char st[STATUS_MAX], first[STATUS_MAX] = "";
	struct status_info info;
	const char *reason;
	int code;

	if (status_parse(s, size, st) == 0 && status_lookup(st, &info) != 0)
		abort();
	/* Every code in the text, as a scanner would walk it. */
	while ((p = status_find(p, size - (size_t)(p - s), st)) != NULL) {
		if (p < s || p > s + size || strlen(st) >= STATUS_MAX)
			abort();
		if (first[0] == '\0')
			memcpy(first, st, sizeof st);
		if (status_lookup(st, &info) != 0)
			abort();
	}
	if ((code = status_find_reply(s, size, &after)) != 0) {
		if (code < 200 || code > 599 || after > s + size)
			abort();
		status_reply_title(code);
	}
	reason_from_text(s, size);
	reason = reason_classify(size > 0 && (data[0] & 1) ? "failed" : "delayed",
	    first[0] ? first : NULL, code, c);
	if (reason == NULL || reason_describe(reason) == NULL)
		abort();
	reason = reason_class(reason, first[0] ? first : NULL, code);
	if (strcmp(reason, "hard") != 0 && strcmp(reason, "soft") != 0 &&
	    strcmp(reason, "none") != 0)
		abort();
	reason_class(c, NULL, 0);
	free(c);
	return 0;
}
