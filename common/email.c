#include "email.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>

int
email_parse(const char *msg, size_t len, const char *origin, const struct email_opts *o)
{
	(void)msg, (void)len, (void)o;
	util_warnx("%s: bounce emails are not supported yet", origin);
	return BK_ERR;
}

struct email_mbox {
	const struct email_opts *o;
	const char *name;
};

struct email_mbox *
email_mbox_new(const char *name, const struct email_opts *o)
{
	struct email_mbox *m = util_xcalloc(1, sizeof *m);

	m->o = o;
	m->name = name;
	return m;
}

int
email_mbox_line(struct email_mbox *m, const char *line, size_t len)
{
	(void)m, (void)line, (void)len;
	return BK_OK;
}

int
email_mbox_end(struct email_mbox *m)
{
	util_warnx("%s: mbox is not supported yet", m->name);
	free(m);
	return BK_ERR;
}

int
email_parse_dir(const char *path, const struct email_opts *o)
{
	(void)o;
	util_warnx("%s: Maildir is not supported yet", path);
	return BK_ERR;
}

int
email_looks_like_header(const char *line, size_t len)
{
	size_t i = 0;

	/* A field name starts with a letter: "2026-11-27T10:00:00Z host ..." is a log. */
	if (len == 0 || !isalpha((unsigned char)line[0]))
		return 0;
	while (i < len && line[i] > 32 && line[i] < 127 && line[i] != ':')
		i++;
	return i > 0 && i < len && line[i] == ':';
}
