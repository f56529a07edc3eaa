/* bounce-parse's offset file (--offset-file): hostile or torn records, and
 * offsets that point anywhere in (or past) the log they name. The log is a
 * fixed file, /tmp/bk-fuzz-offset.log, that the seeds name. */
#include <string.h>

#include "fuzz.h"
#include "offset.h"

#define LOG "/tmp/bk-fuzz-offset.log"

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
	static int have_log;
	static const char *const rotated[] = { NULL };
	char *argv[] = { LOG, NULL };
	struct offset_opts o;
	unsigned long lines = 0;

	if (!have_log) {
		FILE *fp = fopen(LOG, "w");

		if (fp == NULL)
			abort();
		for (int i = 0; i < 200; i++)
			fprintf(fp, "Nov 27 10:00:%02d mx postfix/smtp[1]: 4A%d: to=<u%d@example.com>, "
			    "relay=none, delay=1, dsn=4.4.1, status=deferred (timeout)\n", i % 60, i, i);
		fputs("a last line without its line end", fp);
		if (fclose(fp) != 0)
			abort();
		have_log = 1;
	}
	memset(&o, 0, sizeof o);
	o.offset_file = fuzz_file(data, size);
	o.rotated_globs = rotated;
	o.flush = flushed;
	offset_run(&o, 1, argv, discard, &lines);
	if (lines > 201)
		abort();	/* never more lines than the log has */
	return 0;
}
