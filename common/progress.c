/* progress: a one-line progress display on a terminal's stderr. */
#include "progress.h"
#include "util.h"

#include <stdio.h>
#include <unistd.h>

static double
secs_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void
progress_start(struct progress *p, int wanted, const unsigned long *events)
{
	p->on = wanted && isatty(STDERR_FILENO);
	p->bytes = 0;
	p->events = events;
	p->shown = 0;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
	p->last.tv_sec -= 1;	/* the first chunk shows the line at once */
}

void
progress_add(struct progress *p, unsigned long long bytes)
{
	struct timespec now;
	double el;

	p->bytes += bytes;
	if (!p->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (secs_between(&p->last, &now) < 0.25)
		return;
	p->last = now;
	el = secs_between(&p->start, &now);
	fprintf(stderr, "\r%s: %.1f MB read, %.1f MB/s", util_progname, (double)p->bytes / 1e6,
	    el > 0 ? (double)p->bytes / 1e6 / el : 0.0);
	if (p->events)
		fprintf(stderr, ", %lu events", *p->events);
	fputs("\033[K", stderr);
	fflush(stderr);
	p->shown = 1;
}

void
progress_end(struct progress *p)
{
	if (p->on && p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
}
