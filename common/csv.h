/* csv: RFC 4180 records one line at a time (the CSV logs of PowerMTA and
 * Exchange, the CSV exports of ESPs): fields split and unquoted, columns
 * found by the names of a header line. A quoted field that spans lines is
 * not joined: the line is reported as malformed. */
#ifndef BK_CSV_H
#define BK_CSV_H

#include <stddef.h>

#include "util.h"

struct csv {
	struct util_buf buf;	/* the fields, unquoted, NUL-terminated back to back */
	size_t *off;		/* where each field starts in buf */
	size_t n, cap;
};

#define CSV_INIT { { NULL, 0, 0 }, NULL, 0, 0 }

/* Splits line[0..len) (no line end) at sep. 0, or -1 when a quoted field is
 * not closed or is followed by anything but sep. */
int csv_split(struct csv *c, const char *line, size_t len, char sep);
/* Field i, NUL-terminated; "" for a missing one (past the end). */
const char *csv_field(const struct csv *c, size_t i);
/* The first field named name (ASCII case ignored), or -1. */
long csv_column(const struct csv *c, const char *name);
void csv_free(struct csv *c);

#endif
