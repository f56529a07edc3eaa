/* webhook: events of email service providers (Amazon SES, SendGrid, Mailgun,
 * Postmark, SparkPost, Mandrill, Brevo, Mailjet, Resend, Postal, MailerSend,
 * SMTP2GO, Azure Communication Services), one JSON object a line, JSON
 * arrays, or values over many lines. */
#ifndef BK_WEBHOOK_H
#define BK_WEBHOOK_H

#include <stddef.h>

#include "event.h"
#include "input.h"

enum webhook_format { WEBHOOK_AUTO, WEBHOOK_SES, WEBHOOK_SENDGRID, WEBHOOK_MAILGUN,
	WEBHOOK_POSTMARK, WEBHOOK_SPARKPOST, WEBHOOK_MANDRILL, WEBHOOK_BREVO, WEBHOOK_MAILJET,
	WEBHOOK_RESEND, WEBHOOK_POSTAL, WEBHOOK_KUMOMTA, WEBHOOK_MAILERSEND, WEBHOOK_AZURE,
	WEBHOOK_SMTP2GO };

struct webhook;
struct webhook *webhook_new(enum webhook_format f, const char *name, event_sink sink, void *arg);
/* Deliveries are not wanted (bounce-parse without -d): a reader may then
 * pass over them early. Default: all outcomes. */
void webhook_skip_delivered(struct webhook *w, int skip);
/* Feeds a line; values may span lines. BK_OK or BK_ERR (reported). */
int webhook_line(struct webhook *w, const struct input_loc *loc, const char *line, size_t len);
/* Ends the stream (reports an unfinished value), frees w. */
int webhook_end(struct webhook *w);

/* The CSV exports of providers' bounce and suppression lists: a header line
 * names the columns, each row is read as the object of those keys (names in
 * lower case, blanks as '_') by the provider whose list has such records. */
struct webhook_csv;
/* Whether line[0..len) is the header line of such an export (of format f,
 * or of any provider for WEBHOOK_AUTO). */
int webhook_csv_header(const char *line, size_t len, enum webhook_format f);
/* A reader of the rows after header line hdr[0..hlen). */
struct webhook_csv *webhook_csv_new(enum webhook_format f, const char *name, event_sink sink,
    void *arg, const char *hdr, size_t hlen);
void webhook_csv_skip_delivered(struct webhook_csv *c, int skip);
/* Feeds a row (no line end). BK_OK or BK_ERR (reported). */
int webhook_csv_line(struct webhook_csv *c, const struct input_loc *loc, const char *line,
    size_t len);
/* Ends the stream, frees c. */
int webhook_csv_end(struct webhook_csv *c);

#endif
