/* recfile: a file of records read line by line (see recfile.h). */
#include "recfile.h"
#include "input.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int
recfile_read(const char *path, const struct rec_schema *sc,
    int (*fn)(void *ctx, const struct recfile_line *l), void *ctx)
{
	struct input_reader in;
	struct rec_reader rd;
	struct rec_val *v;
	struct recfile_line l = { path, 0, NULL, 0, 0, NULL, NULL };
	struct stat st;
	char why[200];
	int fd, status = BK_OK, rc;

	if ((fd = open(path, O_RDONLY)) == -1) {
		if (errno == ENOENT)
			return BK_OK;	/* the first run */
		util_warn("%s", path);
		return -1;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		util_warnx("%s: is a directory", path);
		close(fd);
		return -1;
	}
	v = util_xcalloc(sc->nfields, sizeof *v);
	l.v = v;
	l.why = why;
	input_reader_init(&in, fd);
	rec_reader_init(&rd, sc);
	while (input_next_line(&in, &l.line, &l.len)) {
		l.lineno++;
		if (l.len > 0 && l.line[l.len - 1] == '\n')
			l.len--;
		if ((l.rc = rec_read(&rd, l.line, l.len, v, why, sizeof why)) == 0)
			continue;
		if ((rc = fn(ctx, &l)) < 0) {
			status = -1;
			break;
		}
		if (rc != BK_OK)
			status = BK_ERR;
	}
	rec_reader_free(&rd);
	if (in.error) {
		errno = in.error;
		util_warn("%s: read error", path);
		status = -1;
	}
	input_reader_free(&in);
	close(fd);
	free(v);
	return status;
}
