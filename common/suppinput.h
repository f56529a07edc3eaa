/* suppinput: the input lines of suppress add and remove, each a JSON record
 * (its address in a field) or a plain address, read into keys and handed on
 * in batches, so that a database brings in the entries of a batch at once
 * (supplist_prefetch) instead of one round trip each. */
#ifndef BK_SUPPINPUT_H
#define BK_SUPPINPUT_H

#include <jansson.h>
#include <stddef.h>

#include "input.h"
#include "supplist.h"

#define SUPPINPUT_BATCH 512

struct suppinput {
	struct supplist *list;
	const char *field;	/* the address of a record */
	/* Each line's key (key form) and record (NULL for an address line),
	 * in input order; returns a status (BK_OK, BK_ERR). */
	int (*fn)(const struct input_loc *loc, const char *key, json_t *obj);
	struct suppinput_line *pend;
	size_t n;
	int status;		/* of fn, so far */
};

/* The first non-blank byte of line[0..len), or NULL for a blank line. */
const char *suppinput_content(const char *line, size_t len);
/* A line for input_run (ctx: the suppinput): a bad one is reported. */
int suppinput_line(void *ctx, const struct input_loc *loc, char *line, size_t len);
/* Hands on the last batch; the status of fn over the whole input. */
int suppinput_end(struct suppinput *k);

#endif
