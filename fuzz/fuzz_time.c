/* Times and durations: RFC 3339 stamps, option arguments, durations and
 * RFC 3164 syslog stamps (one a line, so that the New Year inference sees a
 * sequence). */
#include <time.h>

#include "bktime.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char *c = fuzz_cstr(data, size);
	char buf[BKTIME_BUFSZ], dbuf[64];
	struct bktime_syslog ctx;
	long long secs;
	time_t t;
	size_t used, start = 0;

	if ((used = bktime_parse_rfc3339(s, size, &t)) > 0) {
		if (used > size)
			abort();
		bktime_format(t, buf);
	}
	if (bktime_parse_arg(c, &t) == 0)
		bktime_format(t, buf);
	if (bktime_parse_duration(c, &secs) == 0) {
		if (secs < 0)
			abort();
		bktime_format_duration(secs, dbuf, sizeof dbuf);
	}
	/* The reference and the year come from the input too. */
	bktime_syslog_init(&ctx, size > 0 && data[0] == 'Y' ? 2030 : 0,
	    (time_t)1700000000 + (time_t)(size > 1 ? data[1] : 0) * 86400 * 3);
	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		if ((used = bktime_parse_syslog(&ctx, s + start, i - start, &t)) > 0) {
			if (used > i - start)
				abort();
			bktime_format(t, buf);
		}
		start = i + 1;
	}
	free(c);
	return 0;
}
