/* esplist: suppression lists in and out of email service providers. In: their
 * bounce and suppression list exports (JSON pages, CSV downloads) as event
 * records, through the webhook readers. Out: entries of suppress(1)'s list in
 * the form each provider imports. */
#ifndef BK_ESPLIST_H
#define BK_ESPLIST_H

#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "supplist.h"
#include "webhook.h"

/* The provider named name for reading (any of bounce-parse's JSON formats,
 * "auto"), or -1. */
int esplist_read_format(const char *name, enum webhook_format *f);
/* Reads the export in file name ("-": standard input), JSON or CSV (told by a
 * header line), handing each event to sink. BK_OK or BK_ERR (reported). */
int esplist_read(const char *name, enum webhook_format f, event_sink sink, void *arg);

/* The providers one can export to: sendgrid, mailgun, postmark, ses,
 * sparkpost, mandrill. -1 for another name. */
int esplist_export_format(const char *name);
/* Writes the entries of l in force at now, in the import form of provider
 * fmt, to fp. Domain entries cannot be imported by providers: they are
 * counted in *skipped. 0, or -1 on a write error. */
int esplist_export(FILE *fp, const struct supplist *l, int fmt, int64_t now, size_t *skipped);

#endif
