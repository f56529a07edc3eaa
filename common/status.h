/* status: enhanced mail system status codes (RFC 3463 and the IANA registry)
 * and SMTP reply codes (RFC 5321). */
#ifndef BK_STATUS_H
#define BK_STATUS_H

#include <stddef.h>

#define STATUS_MAX 16	/* "5.123.123" and NUL fit */

/* Checks and copies a code "C.SSS.DDD" (class 2, 4 or 5) from s[0..n) into
 * out (STATUS_MAX bytes), leading zeros dropped. Returns 0, or -1. */
int status_parse(const char *s, size_t n, char *out);
/* Finds the first enhanced code in text (a word "C.S.D" not inside a longer
 * number or version string); copies it to out. Returns a pointer just past it
 * in text, or NULL. */
const char *status_find(const char *text, size_t n, char *out);
/* Finds a leading SMTP reply code ("452 ", "452-") in text; 0 if none. */
int status_find_reply(const char *text, size_t n, const char **after);

/* Meaning of a status: the class title, subject title and detail title;
 * NULLs for unknown parts. Returns 0 if the class is valid. */
struct status_info {
	const char *class_title;	/* "Persistent Transient Failure" */
	const char *subject_title;	/* "Mail System Status" */
	const char *detail_title;	/* "Mail system full", NULL if unregistered */
	const char *reason;		/* bouncekit's reason for it, NULL if generic */
};
int status_lookup(const char *status, struct status_info *info);
/* An entry of the IANA registry of enhanced status codes. */
struct status_detail {
	unsigned char subject, detail;
	unsigned char generic;	/* says little: a reply text that names a reason says more */
	const char *title;	/* the registry's description */
	const char *reason;	/* bouncekit's reason for it, NULL: the text decides */
	const char *ref;	/* the registry's reference */
};
/* The entry of subject.detail, or NULL if unregistered. */
const struct status_detail *status_detail(int subject, int detail);
/* All entries, by subject and detail; their count goes to *n. */
const struct status_detail *status_details(size_t *n);
/* Meaning of an SMTP reply code (RFC 5321 4.2.3), NULL if unknown. */
const char *status_reply_title(int code);

#endif
