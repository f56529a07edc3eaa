/* bounce-parse's offset file (--offset-file): hostile or torn records, and
 * offsets that point anywhere in (or past) the log they name. The seeds name
 * the log /tmp/bk-fuzz-offset.log; each process writes its own log (other
 * users and runs share /tmp) and puts its name where an input has that one. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "offset.h"

#define LOG "/tmp/bk-fuzz-offset.log"

static char log_path[64];

static void
log_remove(void)
{
	unlink(log_path);
}

/* data with every LOG replaced by log_path, in a buffer kept for the next call */
static const uint8_t *
log_renamed(const uint8_t *data, size_t size, size_t *outlen)
{
	static uint8_t *buf;
	static size_t cap;
	size_t from = strlen(LOG), to = strlen(log_path), n = 0, need;

	need = size / from * (to > from ? to : from) + size % from + 1;
	if (need > cap) {
		free(buf);
		if ((buf = malloc(need)) == NULL)
			abort();
		cap = need;
	}
	for (size_t i = 0; i < size;) {
		if (size - i >= from && memcmp(data + i, LOG, from) == 0) {
			memcpy(buf + n, log_path, to);
			n += to;
			i += from;
		} else
			buf[n++] = data[i++];
	}
	*outlen = n;
	return buf;
}

static int
discard(void *ctx, const struct input_loc *loc, char *line, size_t len)
{
	(void)loc;
	if (strlen(line) > len)
		abort();	/* a line's bytes end at len */
	(*(unsigned long *)ctx)++;
	return 0;
}

static int
flushed(void *ctx)
{
	(void)ctx;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const rotated[] = { NULL };
	char *argv[] = { log_path, NULL };
	struct offset_opts o;
	unsigned long lines = 0;
	const uint8_t *renamed;
	size_t len;

	if (log_path[0] == '\0') {
		FILE *fp;
		int fd;

		snprintf(log_path, sizeof log_path, "/tmp/bk-fuzz-log-XXXXXX");
		if ((fd = mkstemp(log_path)) == -1 || (fp = fdopen(fd, "w")) == NULL)
			abort();
		atexit(log_remove);
		for (int i = 0; i < 200; i++)
			fprintf(fp, "Nov 27 10:00:%02d mx postfix/smtp[1]: 4A%d: to=<u%d@example.com>, "
			    "relay=none, delay=1, dsn=4.4.1, status=deferred (timeout)\n", i % 60, i, i);
		fputs("a last line without its line end", fp);
		if (fclose(fp) != 0)
			abort();
	}
	renamed = log_renamed(data, size, &len);
	memset(&o, 0, sizeof o);
	o.offset_file = fuzz_file(renamed, len);
	o.rotated_globs = rotated;
	o.flush = flushed;
	offset_run(&o, 1, argv, discard, &lines);
	if (lines > 201)
		abort();	/* never more lines than the log has */
	return 0;
}
