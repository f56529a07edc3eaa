#include "webhook.h"
#include "util.h"

#include <stdlib.h>

struct webhook {
	const char *name;
	int warned;
};

struct webhook *
webhook_new(enum webhook_format f, const char *name, event_sink sink, void *arg)
{
	struct webhook *w = util_xcalloc(1, sizeof *w);

	(void)f, (void)sink, (void)arg;
	w->name = name;
	return w;
}

int
webhook_line(struct webhook *w, const struct input_loc *loc, const char *line, size_t len)
{
	(void)line, (void)len;
	if (!w->warned++)
		util_locwarn(loc->file, loc->line, "webhook JSON is not supported yet");
	return BK_ERR;
}

int
webhook_end(struct webhook *w)
{
	free(w);
	return BK_OK;
}
