/* reason: the bounce reason (Sisimai's vocabulary) and the hard/soft class of
 * an outcome, from the action, the enhanced status code, the SMTP reply code,
 * the SMTP command the reply answered and the reply text. Every rule that
 * decides carries the source its text or code comes from (an MTA's source, a
 * provider's published error reference, an RFC), so that a verdict can be
 * explained (bounce-parse --why, --explain). */
#ifndef BK_REASON_H
#define BK_REASON_H

#include <stddef.h>

struct reason_desc {
	const char *name;
	const char *class;	/* "hard", "soft", "none" or "hard-if-5xx" */
	const char *meaning;
};

/* All reasons, terminated by a NULL name. */
extern const struct reason_desc reason_table[];

/* A rule of the classifier: what it looks at, and where that comes from. */
struct reason_rule {
	const char *name;	/* the phrase matched, the code, or the condition */
	const char *source;	/* the producer's file or document, or an RFC */
};

/* The SMTP command a reply answered, where known. */
enum reason_cmd {
	REASON_CMD_UNKNOWN = 0,
	REASON_CMD_CONNECT = 'C',	/* greeting, HELO/EHLO, STARTTLS, AUTH */
	REASON_CMD_MAIL = 'M',
	REASON_CMD_RCPT = 'R',
	REASON_CMD_DATA = 'D',
};

/* What a record knows. NULL/0 where unknown. */
struct reason_input {
	const char *action;	/* RFC 3464: failed, delayed, delivered, ... */
	const char *status;	/* enhanced status code "5.1.1" */
	int code;		/* SMTP reply code */
	const char *diag;	/* the reply or diagnostic text */
	const char *context;	/* more text (a notice) that may name the command */
	int command;		/* enum reason_cmd; 0: told by the texts if at all */
	int expired;		/* the reporter gave up when the queue lifetime ran out */
	const char *rcpt;	/* the recipient's address the outcome is about */
	const char *from;	/* the envelope sender's address */
};

/* The verdict, and the rules that decided it (static objects). */
struct reason_verdict {
	const char *reason;	/* a name from reason_table */
	const char *class;	/* "hard", "soft" or "none" */
	const struct reason_rule *reason_rule, *class_rule;
	int command;		/* the command the reply answered, as worked out */
};

void reason_decide(const struct reason_input *in, struct reason_verdict *out);

/* The reason for an outcome. status and diag may be NULL, code 0 if unknown.
 * Returns a static string from reason_table. */
const char *reason_classify(const char *action, const char *status, int code,
    const char *diag);
/* The same, with context: more text about the outcome (e.g. the notice of
 * a bounce email) that may tell which SMTP command the reply answered. */
const char *reason_classify_ctx(const char *action, const char *status, int code,
    const char *diag, const char *context);
/* Whether the verdict on a reply text may depend on the SMTP command it
 * answered, so that a reader should pass more text (the notice) as context:
 * a "user unknown" without an X.1.x status, a vague refusal ("access
 * denied": the sender's, at MAIL FROM), or no known wording and no specific
 * status. */
int reason_needs_command(const char *diag, const char *status);
/* Only the reply text: the most specific reason it names, or NULL. */
const char *reason_from_text(const char *text, size_t n);
/* "hard", "soft" or "none" for a reason given the status/code that came with
 * it (no text: a reason set by a reader, e.g. an ESP's bounce type). The
 * rule that decided it goes to *rule unless rule is NULL. */
const char *reason_class(const char *reason, const char *status, int code);
const char *reason_class_why(const char *reason, const char *status, int code,
    const struct reason_rule **rule);
/* The same for an outcome whose action is known (NULL: failed): a delayed
 * one is never hard. */
const char *reason_class_action(const char *reason, const char *action, const char *status,
    int code, const struct reason_rule **rule);
/* The entry of a reason, or NULL. */
const struct reason_desc *reason_describe(const char *name);

/* The rule shown for a reason or class that the reader of an input set
 * itself (an ESP's bounce type, an ARF report, an auto-reply). */
extern const struct reason_rule reason_rule_input;

/* All rules that match reply text, in the order they are tried: calls fn for
 * each with the reason it gives (NULL for a mark: the command answered, an
 * expiry, a quoted remote reply, a temporary failure) and its kind. */
void reason_rules_each(void (*fn)(void *arg, const struct reason_rule *r, const char *reason,
    const char *kind), void *arg);

#endif
