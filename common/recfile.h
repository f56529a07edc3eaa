/* recfile: a file of records (a state file, an offset file) read line by
 * line, each line handed over as the record it is or why it is not. */
#ifndef BK_RECFILE_H
#define BK_RECFILE_H

#include <stddef.h>

#include "record.h"

struct recfile_line {
	const char *path;
	unsigned long lineno;
	char *line;		/* as read, len bytes, no line end */
	size_t len;
	int rc;			/* 1: v is a record of the schema; -1: it is not, why */
	const struct rec_val *v;
	const char *why;
};

/* Calls fn with each line of path that is not blank. fn returns BK_OK,
 * BK_ERR (the file is read on) or -1 (stop). A missing file is empty.
 * Returns BK_OK, BK_ERR when fn said so once, or -1 when the file could
 * not be opened or read, or is a directory (reported), or fn stopped. */
int recfile_read(const char *path, const struct rec_schema *sc,
    int (*fn)(void *ctx, const struct recfile_line *l), void *ctx);

#endif
