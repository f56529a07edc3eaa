/* The CSV exports of ESP lists (webhook_csv): the first line is the header
 * (taken when webhook_csv_header takes it, else the input is dropped), the
 * rest are rows. The first byte picks the format, its low 3 bits mod 7:
 * auto, SES, SendGrid, Mailgun, Postmark, SparkPost, Mandrill. */
#include "fuzz.h"
#include "webhook.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum webhook_format formats[] = { WEBHOOK_AUTO, WEBHOOK_SES,
		WEBHOOK_SENDGRID, WEBHOOK_MAILGUN, WEBHOOK_POSTMARK, WEBHOOK_SPARKPOST,
		WEBHOOK_MANDRILL };
	enum webhook_format f;
	struct input_loc loc = { "fuzz", 0 };
	unsigned long events = 0;
	struct webhook_csv *c = NULL;
	size_t start = 1;

	if (size == 0)
		return 0;
	f = formats[(data[0] & 0x07) % 7];
	for (size_t i = 1; i < size; i++) {
		char *line;
		size_t len;

		if (data[i] != '\n' && i + 1 < size)
			continue;
		len = i - start + (data[i] != '\n');
		if (len > 0 && data[start + len - 1] == '\r')
			len--;
		line = fuzz_cstr(data + start, len);
		loc.line++;
		if (c != NULL)
			webhook_csv_line(c, &loc, line, len);
		else if (webhook_csv_header(line, len, f))
			c = webhook_csv_new(f, "fuzz", fuzz_event_sink, &events, line, len);
		free(line);
		start = i + 1;
		if (c == NULL)
			break;	/* no header: not a list export */
	}
	if (c != NULL)
		webhook_csv_end(c);
	return 0;
}
