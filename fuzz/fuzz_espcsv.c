/* The CSV exports of ESP lists (webhook_csv): the first line is the header
 * (taken when webhook_csv_header takes it, else the input is dropped), the
 * rest are rows. The first byte picks the format, its low 3 bits mod 7:
 * auto, SES, SendGrid, Mailgun, Postmark, SparkPost, Mandrill. */
#include "fuzz.h"
#include "webhook.h"

struct export {
	enum webhook_format f;
	struct webhook_csv *c;	/* once the header is taken */
	unsigned long events;
};

static int
export_line(void *arg, const struct input_loc *loc, const char *line, size_t len)
{
	struct export *x = arg;

	if (x->c != NULL)
		webhook_csv_line(x->c, loc, line, len);
	else if (webhook_csv_header(line, len, x->f))
		x->c = webhook_csv_new(x->f, "fuzz", fuzz_event_sink, &x->events, line, len);
	return x->c == NULL;	/* no header: not a list export */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum webhook_format formats[] = { WEBHOOK_AUTO, WEBHOOK_SES,
		WEBHOOK_SENDGRID, WEBHOOK_MAILGUN, WEBHOOK_POSTMARK, WEBHOOK_SPARKPOST,
		WEBHOOK_MANDRILL };
	struct export x = { WEBHOOK_AUTO, NULL, 0 };

	if (size == 0)
		return 0;
	x.f = formats[(data[0] & 0x07) % 7];
	fuzz_lines(data + 1, size - 1, export_line, &x);
	if (x.c != NULL)
		webhook_csv_end(x.c);
	return 0;
}
