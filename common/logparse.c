#include "logparse.h"
#include "util.h"

#include <ctype.h>
#include <string.h>

struct logparse_state {
	int unused;
};

void
logparse_init(struct logparse *lp, enum logparse_format format, int year, time_t now,
    event_sink sink, void *sink_arg)
{
	memset(lp, 0, sizeof *lp);
	lp->format = format;
	bktime_syslog_init(&lp->stamps, year, now);
	lp->sink = sink;
	lp->sink_arg = sink_arg;
}

void
logparse_free(struct logparse *lp)
{
	(void)lp;
}

int
logparse_line(struct logparse *lp, const struct input_loc *loc, const char *line, size_t len)
{
	(void)lp, (void)loc, (void)line, (void)len;
	return BK_OK;
}

int
logparse_looks_like_log(const char *line, size_t len)
{
	return len > 0 && (isdigit((unsigned char)line[0]) || isupper((unsigned char)line[0]));
}
