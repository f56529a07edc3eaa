/* progress: a one-line progress display on a terminal's stderr (bytes read,
 * rate, events written), redrawn at most four times a second. */
#ifndef BK_PROGRESS_H
#define BK_PROGRESS_H

#include <time.h>

struct progress {
	int on;				/* asked for, and stderr is a terminal */
	unsigned long long bytes;	/* read so far */
	const unsigned long *events;	/* written so far, or NULL */
	struct timespec start, last;
	int shown;
};

/* Starts the clock; the display is on only if wanted and stderr is a terminal. */
void progress_start(struct progress *p, int wanted, const unsigned long *events);
/* Counts bytes read and redraws the line if it is time to. */
void progress_add(struct progress *p, unsigned long long bytes);
/* Clears the line, if one was drawn. */
void progress_end(struct progress *p);

#endif
