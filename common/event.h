/* event: the record that bounce-parse writes and the other programs read, one
 * per recipient outcome. See bouncekit-records(5). */
#ifndef BK_EVENT_H
#define BK_EVENT_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>
#include <jansson.h>

#include "addr.h"
#include "reason.h"
#include "status.h"

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
 * (unless already set). Call before event_to_json. */
void event_finish(struct event *e);
/* The record, keys in the documented order. */
json_t *event_to_json(const struct event *e);

/* Writes the record as one JSON line, the same bytes as jsonl_write of
 * event_to_json, without building it. 0, or -1 on a write error. */
int event_write(FILE *fp, const struct event *e);
/* The same; with why, the rules that decided reason and class and their
 * sources follow (reason_rule, reason_source, class_rule, class_source). */
int event_write_why(FILE *fp, const struct event *e, int why);

/* Actions: RFC 3464 names. Returns the static name or NULL. */
const char *event_action_name(const char *s, size_t n);

/* Reading records back. A view into obj: strings stay owned by obj. Returns
 * 0, or -1 with a short reason in why (a missing or malformed field). */
int event_from_json(const json_t *obj, struct event *e, char *why, size_t whylen);

#endif
