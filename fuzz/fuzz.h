/* Shared by the harnesses: the libFuzzer entry point, and a sink that turns
 * each event into its record and throws it away (so that event_finish and
 * event_to_json run on what the parsers produce, and stdout stays unused). */
#ifndef BK_FUZZ_H
#define BK_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input, for APIs that take C strings. */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Hands each line of data[0..size) to fn, as the input reader would: line
 * numbers from 1, without its "\n" and a "\r" before it, in a NUL-terminated
 * copy of its own size (so that reads past it are caught). Stops when fn
 * returns nonzero. */
static inline void
fuzz_lines(const uint8_t *data, size_t size,
    int (*fn)(void *arg, const struct input_loc *loc, const char *line, size_t len), void *arg)
{
	struct input_loc loc = { "fuzz", 0 };
	size_t start = 0;

	for (size_t i = 0; i < size; i++) {
		char *line;
		size_t len;
		int stop;

		if (data[i] != '\n' && i + 1 < size)
			continue;
		len = i - start + (data[i] != '\n');
		if (len > 0 && data[start + len - 1] == '\r')
			len--;
		line = fuzz_cstr(data + start, len);
		loc.line++;
		stop = fn(arg, &loc, line, len);
		free(line);
		start = i + 1;
		if (stop)
			break;
	}
}

/* Finishes and serialises an event, as bounce-parse's sink does, then drops it. */
static inline void
fuzz_event_sink(void *arg, struct event *e)
{
	struct util_buf b = {0};

	if (arg)
		(*(unsigned long *)arg)++;
	event_finish(e);
	event_format(&b, e);
	/* Every event has a record. */
	if (b.len < 2 || b.p[0] != '{' || b.p[b.len - 1] != '}')
		abort();
	util_buf_free(&b);
}

static char fuzz_path[64], fuzz_lock[80];

static inline void
fuzz_file_remove(void)
{
	unlink(fuzz_path);
	unlink(fuzz_lock);	/* state writers lock FILE.lock */
}

/* Loaders that take a path get the input through a file, one per process,
 * rewritten for each input and removed at exit. Returns its path; aborts when
 * /tmp fails. */
static inline const char *
fuzz_file(const uint8_t *data, size_t size)
{
	const char *path = fuzz_path;
	FILE *fp;

	if (fuzz_path[0] == '\0') {
		int fd;

		snprintf(fuzz_path, sizeof fuzz_path, "/tmp/bk-fuzz-XXXXXX");
		if ((fd = mkstemp(fuzz_path)) == -1)
			abort();
		close(fd);
		snprintf(fuzz_lock, sizeof fuzz_lock, "%s.lock", fuzz_path);
		atexit(fuzz_file_remove);
	}
	if ((fp = fopen(path, "wb")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, fp) != size)
		abort();
	if (fclose(fp) != 0)
		abort();
	return path;
}

/* A stream that discards what is written (the writers under test take one). */
static inline FILE *
fuzz_devnull(void)
{
	static FILE *fp;

	if (fp == NULL && (fp = fopen("/dev/null", "w")) == NULL)
		abort();
	return fp;
}

#endif
