/* The webhook parser (SES, SendGrid, Mailgun, Postmark, SparkPost, Mandrill,
 * Brevo, Mailjet, Resend, Postal; one object a line, arrays, values over
 * several lines). The first byte picks the format, its low 4 bits mod 11: "0"
 * auto, "1" SES, "2" SendGrid, "3" Mailgun, "4" Postmark, "5" SparkPost, "6"
 * Mandrill, "7" Brevo, "8" Mailjet, "9" Resend, ":" Postal; KumoMTA, MailerSend,
 * SMTP2GO and Azure as auto finds them (more formats would move the seeds'
 * picks). */
#include "fuzz.h"
#include "webhook.h"

static int
webhook_fuzz_line(void *arg, const struct input_loc *loc, const char *line, size_t len)
{
	webhook_line(arg, loc, line, len);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum webhook_format formats[] = { WEBHOOK_AUTO, WEBHOOK_SES,
		WEBHOOK_SENDGRID, WEBHOOK_MAILGUN, WEBHOOK_POSTMARK, WEBHOOK_SPARKPOST,
		WEBHOOK_MANDRILL, WEBHOOK_BREVO, WEBHOOK_MAILJET, WEBHOOK_RESEND, WEBHOOK_POSTAL };
	unsigned long events = 0;
	struct webhook *w;

	if (size == 0)
		return 0;
	w = webhook_new(formats[(data[0] & 0x0f) % 11], "fuzz", fuzz_event_sink, &events);
	fuzz_lines(data + 1, size - 1, webhook_fuzz_line, w);
	webhook_end(w);
	return 0;
}
