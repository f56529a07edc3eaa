/* The webhook parser (SES, SendGrid, Mailgun, Postmark, SparkPost, Mandrill,
 * Brevo, Mailjet, Resend, Postal; one object a line, arrays, values over
 * several lines). The first byte picks the format, its low 4 bits mod 11: "0"
 * auto, "1" SES, "2" SendGrid, "3" Mailgun, "4" Postmark, "5" SparkPost, "6"
 * Mandrill, "7" Brevo, "8" Mailjet, "9" Resend, ":" Postal. */
#include "fuzz.h"
#include "webhook.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum webhook_format formats[] = { WEBHOOK_AUTO, WEBHOOK_SES,
		WEBHOOK_SENDGRID, WEBHOOK_MAILGUN, WEBHOOK_POSTMARK, WEBHOOK_SPARKPOST,
		WEBHOOK_MANDRILL, WEBHOOK_BREVO, WEBHOOK_MAILJET, WEBHOOK_RESEND, WEBHOOK_POSTAL };
	struct input_loc loc = { "fuzz", 0 };
	unsigned long events = 0;
	struct webhook *w;
	size_t start = 1;

	if (size == 0)
		return 0;
	w = webhook_new(formats[(data[0] & 0x0f) % 11], "fuzz", fuzz_event_sink, &events);
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
		webhook_line(w, &loc, line, len);
		free(line);
		start = i + 1;
	}
	webhook_end(w);
	return 0;
}
