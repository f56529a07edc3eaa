/* email: bounce messages (RFC 3464 DSNs and the non-standard ones real servers
 * send), single messages, mbox and Maildir. */
#ifndef BK_EMAIL_H
#define BK_EMAIL_H

#include <stddef.h>
#include <stdio.h>

#include "event.h"

struct email_opts {
	event_sink sink;
	void *sink_arg;
};

/* One RFC 5322 message (LF, CRLF or CR line ends). origin names it in the
 * events ("file" or "file#N"). Returns BK_OK, or BK_ERR after reporting. */
int email_parse(const char *msg, size_t len, const char *origin, const struct email_opts *o);

/* An mbox, fed line by line (lines without their line end). */
struct email_mbox;
struct email_mbox *email_mbox_new(const char *name, const struct email_opts *o);
int email_mbox_line(struct email_mbox *m, const char *line, size_t len);
int email_mbox_end(struct email_mbox *m);	/* parses the last message, frees m */

/* The message files of a Maildir (cur/ and new/) or a folder, in the order
 * of their paths. Returns BK_OK, or BK_ERR after reporting a folder it could
 * not read (what could be read is listed all the same); *f is set either way,
 * for email_folder_close. */
struct email_folder;
int email_folder_open(const char *path, struct email_folder **f);
size_t email_folder_count(const struct email_folder *f);
/* Message i of the folder; the origin of its events is its path, and its
 * modification time stands in for a missing Date. Safe to call from several
 * threads at once. Returns BK_OK, or BK_ERR after reporting. */
int email_folder_parse(const struct email_folder *f, size_t i, const struct email_opts *o);
void email_folder_close(struct email_folder *f);
/* Frees the calling thread's buffers: for threads that parsed messages and
 * end before the program does. */
void email_thread_end(void);

/* Whether a first line looks like the start of a message header. */
int email_looks_like_header(const char *line, size_t len);

#endif
