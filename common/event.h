/* event: the record that bounce-parse writes and the other programs read, one
 * per recipient outcome. See bouncekit-records(5). */
#ifndef BK_EVENT_H
#define BK_EVENT_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "addr.h"
#include "reason.h"
#include "schema.h"
#include "status.h"
#include "util.h"

struct event {
	time_t time;		/* (time_t)-1 when unknown */
	char rcpt[ADDR_MAX];
	const char *domain;	/* points into rcpt */
	const char *action;	/* failed, delayed, delivered, relayed, expanded */
	char status[STATUS_MAX];	/* "" when none */
	int code;		/* SMTP reply code, 0 when none */
	const char *reason;
	const char *class;	/* hard, soft, none */
	const char *rhost, *diag, *from, *msgid, *qid;	/* NULL when unknown */
	const char *pool;	/* sending pool (PowerMTA vmta, KumoMTA egress_pool, ...), NULL */
	const char *orig_rcpt;
	const char *source;	/* postfix, exim, sendmail, email, ses, ... */
	const char *origin;	/* file:line */
	/* For the classifier: more text that may name the SMTP command the
	 * reply answered (a notice), and that the reporter gave up when the
	 * queue lifetime ran out. */
	const char *context;
	int expired;
	/* What decided reason and class (bounce-parse --why); set by
	 * event_finish. */
	const struct reason_rule *reason_rule, *class_rule;
};

/* Where parsers hand their events: bounce-parse finishes, filters and prints them. */
typedef void (*event_sink)(void *arg, struct event *e);

/* Clears e. */
void event_init(struct event *e);
/* Sets rcpt (normalised) and domain; -1 if addr is not an address. */
int event_set_rcpt(struct event *e, const char *addr, size_t n);
/* Fills in status (from diag when absent), code (from diag), reason and class
 * (unless already set). Call before writing. */
void event_finish(struct event *e);

/* Writes the record (bouncekit-records(5)) as one JSON line. 0, or -1 on a
 * write error. */
int event_write(FILE *fp, const struct event *e);
/* The same; with why, the rules that decided reason and class and their
 * sources follow (reason_rule, reason_source, class_rule, class_source). */
int event_write_why(FILE *fp, const struct event *e, int why);
/* The record, without a line end, appended to b. */
void event_format(struct util_buf *b, const struct event *e);

/* Actions: RFC 3464 names. Returns the static name or NULL. */
const char *event_action_name(const char *s, size_t n);

/* Reading records back (the record reader of record.h for the event schema,
 * then the checks of an event: an address, an action, a status code). The
 * event is a view into the reader's strings, valid until the next call; its
 * time is (time_t)-1 when the record's is null. */
struct event_reader {
	struct rec_reader rec;
	struct rec_val v[EV_NFIELDS];
};
void event_reader_init(struct event_reader *r);
void event_reader_free(struct event_reader *r);
/* 1: an event; 0: a blank line; -1: a bad record, the reason in why. */
int event_read(struct event_reader *r, const char *line, size_t len, struct event *e, char *why,
    size_t whylen);

#endif
