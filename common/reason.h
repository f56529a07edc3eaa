/* reason: the bounce reason (Sisimai's vocabulary) from the action, the
 * enhanced status code, the SMTP reply code and the reply text; and whether a
 * reason is a hard or a soft bounce. */
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

/* The reason for an outcome. status and diag may be NULL, code 0 if unknown.
 * Returns a static string from reason_table. */
const char *reason_classify(const char *action, const char *status, int code,
    const char *diag);
/* The same, with context: more text about the outcome (e.g. the notice of
 * a bounce email) that may tell which SMTP command the reply answered. */
const char *reason_classify_ctx(const char *action, const char *status, int code,
    const char *diag, const char *context);
/* Only the reply text: the most specific reason it names, or NULL. */
const char *reason_from_text(const char *text, size_t n);
/* "hard", "soft" or "none" for a reason given the status/code that came with it. */
const char *reason_class(const char *reason, const char *status, int code);
/* The entry of a reason, or NULL. */
const struct reason_desc *reason_describe(const char *name);

#endif
