/* esplist: ESP suppression lists in (exports read as events) and out (the
 * import form of each provider). See esplist.h and suppress(1). */
#include "esplist.h"
#include "bktime.h"
#include "input.h"
#include "jsonl.h"
#include "util.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- in ---- */

static const struct {
	const char *name;
	enum webhook_format f;
} read_formats[] = {
	{ "auto", WEBHOOK_AUTO }, { "sendgrid", WEBHOOK_SENDGRID }, { "mailgun", WEBHOOK_MAILGUN },
	{ "postmark", WEBHOOK_POSTMARK }, { "ses", WEBHOOK_SES },
	{ "sparkpost", WEBHOOK_SPARKPOST }, { "mandrill", WEBHOOK_MANDRILL },
};

int
esplist_read_format(const char *name, enum webhook_format *f)
{
	for (size_t i = 0; i < sizeof read_formats / sizeof read_formats[0]; i++)
		if (strcasecmp(name, read_formats[i].name) == 0) {
			*f = read_formats[i].f;
			return 0;
		}
	return -1;
}

int
esplist_read(const char *name, enum webhook_format f, event_sink sink, void *arg)
{
	struct input_loc loc = { input_display_name(name), 0 };
	struct webhook *json = NULL;
	struct webhook_csv *csv = NULL;
	struct input_reader rd;
	int status = BK_OK;
	size_t len;
	char *line;
	FILE *fp;

	if ((fp = input_open(name)) == NULL)
		return BK_ERR;
	input_reader_init(&rd, fileno(fp));
	while (input_next_line(&rd, &line, &len)) {
		loc.line++;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (csv != NULL) {
			status = input_worse(status, webhook_csv_line(csv, &loc, line, len));
			continue;
		}
		if (json == NULL) {
			if (len == 0)
				continue;
			if (webhook_csv_header(line, len, f)) {
				csv = webhook_csv_new(f, loc.file, sink, arg, line, len);
				continue;
			}
			json = webhook_new(f, loc.file, sink, arg);
		}
		status = input_worse(status, webhook_line(json, &loc, line, len));
	}
	if (rd.error) {
		errno = rd.error;
		util_warn("%s: read error", loc.file);
		status = BK_ERR;
	}
	input_reader_free(&rd);
	if (json)
		status = input_worse(status, webhook_end(json));
	if (csv)
		status = input_worse(status, webhook_csv_end(csv));
	if (fp != stdin)
		fclose(fp);
	return status;
}

/* ---- out ---- */

enum { X_SENDGRID, X_MAILGUN, X_POSTMARK, X_SES, X_SPARKPOST, X_MANDRILL };

static const char *const export_names[] = {
	[X_SENDGRID] = "sendgrid", [X_MAILGUN] = "mailgun", [X_POSTMARK] = "postmark",
	[X_SES] = "ses", [X_SPARKPOST] = "sparkpost", [X_MANDRILL] = "mandrill",
};

int
esplist_export_format(const char *name)
{
	for (size_t i = 0; i < sizeof export_names / sizeof export_names[0]; i++)
		if (strcasecmp(name, export_names[i]) == 0)
			return (int)i;
	return -1;
}

/* A CSV field (RFC 4180): quoted when it holds a separator, quote or line end. */
static void
put_field(FILE *fp, const char *s)
{
	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, fp);
		return;
	}
	putc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			putc('"', fp);
		putc(*s, fp);
	}
	putc('"', fp);
}

static int
is_complaint(const struct supplist_entry *e)
{
	return e->reason != NULL && strcmp(e->reason, "feedback") == 0;
}

/* Mailgun's bounce code: the SMTP class of the stored status, else its
 * default 550. */
static const char *
mailgun_code(const struct supplist_entry *e)
{
	if (e->status != NULL && e->status[0] == '4')
		return "450";
	return "550";
}

/* The time as Mailgun's import takes it (RFC 2822); nothing when unknown. */
static void
put_rfc2822(FILE *fp, int64_t t)
{
	char buf[BKTIME_BUFSZ];

	if (t != SUPPLIST_NOTIME && bktime_format_rfc2822((time_t)t, buf) != NULL)
		fprintf(fp, "\"%s\"", buf);
}

/* {"EmailAddress":"..."}, the address as every JSON string is written. */
static void
put_json_address(FILE *fp, const char *addr)
{
	struct util_buf *b = jsonl_line();

	util_buf_adds(b, "{\"EmailAddress\":");
	jsonl_add_string(b, addr, strlen(addr));
	util_buf_addc(b, '}');
	fwrite(b->p, 1, b->len, fp);
}

static void
put_header(FILE *fp, int fmt)
{
	switch (fmt) {
	case X_SENDGRID:
		fputs("email\n", fp);
		break;
	case X_MAILGUN:
		fputs("address,code,error,created_at\n", fp);
		break;
	case X_SPARKPOST:
		fputs("recipient,type,description\n", fp);
		break;
	default:
		break;	/* SES, Mandrill: none; Postmark: JSON */
	}
}

/* Postmark takes suppressions through its API only, 50 addresses a request:
 * each line is the body of one POST /message-streams/{stream}/suppressions. */
#define POSTMARK_BATCH 50

static void
put_entry(FILE *fp, int fmt, const struct supplist_entry *e, size_t nth)
{
	const char *why = e->reason ? e->reason : "manual";

	switch (fmt) {
	case X_SENDGRID:
	case X_MANDRILL:
		put_field(fp, e->address);
		putc('\n', fp);
		break;
	case X_MAILGUN:
		put_field(fp, e->address);
		fprintf(fp, ",%s,", mailgun_code(e));
		put_field(fp, why);
		putc(',', fp);
		put_rfc2822(fp, e->since);
		putc('\n', fp);
		break;
	case X_SES:
		put_field(fp, e->address);
		fputs(is_complaint(e) ? ",COMPLAINT\n" : ",BOUNCE\n", fp);
		break;
	case X_SPARKPOST:
		/* A complaint stops marketing mail; the rest stop both kinds */
		if (!is_complaint(e)) {
			put_field(fp, e->address);
			fputs(",transactional,", fp);
			put_field(fp, why);
			putc('\n', fp);
		}
		put_field(fp, e->address);
		fputs(",non_transactional,", fp);
		put_field(fp, why);
		putc('\n', fp);
		break;
	case X_POSTMARK:
		fputs(nth % POSTMARK_BATCH == 0 ? "{\"Suppressions\":[" : ",", fp);
		put_json_address(fp, e->address);
		if (nth % POSTMARK_BATCH == POSTMARK_BATCH - 1)
			fputs("]}\n", fp);
		break;
	}
}

int
esplist_export(FILE *fp, const struct supplist *l, int fmt, int64_t now, size_t *skipped)
{
	size_t n = 0;

	*skipped = 0;
	put_header(fp, fmt);
	for (size_t i = 0; i < l->len; i++) {
		const struct supplist_entry *e = &l->v[i];

		if (e->address == NULL || e->dropped || !supplist_active(e, now))
			continue;
		if (e->address[0] == '@') {
			(*skipped)++;
			continue;
		}
		put_entry(fp, fmt, e, n++);
	}
	if (fmt == X_POSTMARK && n % POSTMARK_BATCH != 0)
		fputs("]}\n", fp);
	return fflush(fp) == 0 && !ferror(fp) ? 0 : -1;
}
