/* The MTA log parsers (Postfix, Exim, Sendmail, PowerMTA, Exchange,
 * OpenSMTPD, qmail, Haraka, and the detection between them), fed line by
 * line as bounce-parse does. The first byte of the input picks the format
 * (its value modulo 9: 0 auto, 1 postfix, 2 exim, 3 sendmail, 4 powermta,
 * 5 exchange, 6 opensmtpd, 7 qmail, 8 haraka) and, by its bit 0x80, whether a
 * year is forced; the rest is the log. */
#include <string.h>

#include "fuzz.h"
#include "logparse.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum logparse_format formats[] = { LOGPARSE_AUTO, LOGPARSE_POSTFIX,
		LOGPARSE_EXIM, LOGPARSE_SENDMAIL, LOGPARSE_POWERMTA, LOGPARSE_EXCHANGE,
		LOGPARSE_OPENSMTPD, LOGPARSE_QMAIL, LOGPARSE_HARAKA };
	struct logparse lp;
	struct input_loc loc = { "fuzz", 0 };
	unsigned long events = 0;
	const char *s;
	size_t start = 0, n;
	char *copy;

	if (size == 0)
		return 0;
	logparse_init(&lp, formats[(data[0] & 0x7f) % 9], data[0] & 0x80 ? 2026 : 0,
	    (time_t)1764237600,
	    fuzz_event_sink, &events);
	copy = fuzz_cstr(data + 1, size - 1);
	s = copy;
	n = size - 1;
	for (size_t i = 0; i <= n; i++) {
		char *line;
		size_t len;

		if (i < n && s[i] != '\n')
			continue;
		/* Each line in a buffer of its own size, so that reads past it are caught. */
		len = i - start;
		if (len > 0 && s[start + len - 1] == '\r')
			len--;
		line = fuzz_cstr((const uint8_t *)s + start, len);
		loc.line++;
		logparse_looks_like_log(line, len);
		logparse_line(&lp, &loc, line, len);
		free(line);
		start = i + 1;
	}
	logparse_free(&lp);
	free(copy);
	return 0;
}
