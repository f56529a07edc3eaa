/* offset: read only what is new in growing, rotating log files. The offset
 * file remembers, per path, the file's identity (device, inode) and the byte
 * offset read up to. */
#ifndef BK_OFFSET_H
#define BK_OFFSET_H

#include <stdio.h>
#include <jansson.h>

#include "input.h"

struct offset_opts {
	const char *offset_file;
	const char *const *rotated_globs;	/* extra rotated names, NULL-terminated */
	int progress;				/* progress line on a terminal */
	/* called after all events of a run are written; flushes stdout. 0 ok */
	int (*flush)(void *ctx);
	const unsigned long *events;		/* events written so far, for --progress; may be NULL */
	/* State that the line handler keeps with the offsets (the log parser's
	 * per-queue-id memory), or NULL: state_load gets each record of the
	 * offset file that is not an offset (0, or -1 if it is none of its own),
	 * state_save writes its records after the offsets (0, or -1). Both get
	 * the handler's ctx. */
	int (*state_load)(void *ctx, const json_t *o);
	int (*state_save)(void *ctx, FILE *fp);
};

/* Reads each path from its saved offset (and its rotated predecessor's tail),
 * passing complete lines to fn; then saves the new offsets atomically, only if
 * flush succeeded. Returns BK_OK or BK_ERR. */
int offset_run(const struct offset_opts *o, int argc, char **argv, input_line_fn fn, void *ctx);

#endif
