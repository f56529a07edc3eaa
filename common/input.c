#include "input.h"
#include "jsonl.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *
input_display_name(const char *name)
{
	return strcmp(name, "-") == 0 ? "<stdin>" : name;
}

FILE *
input_open(const char *name)
{
	FILE *fp;
	struct stat st;

	if (strcmp(name, "-") == 0)
		return stdin;
	if ((fp = fopen(name, "r")) == NULL) {
		util_warn("%s", name);
		return NULL;
	}
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		util_warnx("%s: is a directory", name);
		fclose(fp);
		return NULL;
	}
	return fp;
}

int
input_lines(FILE *fp, const char *name, input_line_fn fn, void *ctx)
{
	struct input_loc loc = { input_display_name(name), 0 };
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int status = 0;

	while ((n = getline(&line, &cap, fp)) != -1) {
		loc.line++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		status = input_worse(status, fn(ctx, &loc, line, (size_t)n));
	}
	if (ferror(fp)) {
		util_warn("%s: read error", loc.file);
		status = 2;
	}
	free(line);
	return status;
}

int
input_run(int argc, char **argv, input_line_fn fn, void *ctx)
{
	int status = 0;
	char *dash[] = { "-" };

	if (argc == 0) {
		argc = 1;
		argv = dash;
	}
	for (int i = 0; i < argc; i++) {
		FILE *fp = input_open(argv[i]);

		if (fp == NULL) {
			status = 2;
			continue;
		}
		status = input_worse(status, input_lines(fp, argv[i], fn, ctx));
		if (fp != stdin)
			fclose(fp);
	}
	return status;
}

struct json_adapter {
	input_json_fn fn;
	void *ctx;
};

static int
json_line(void *arg, const struct input_loc *loc, char *line, size_t len)
{
	struct json_adapter *a = arg;
	char why[200];
	json_t *obj;
	size_t i;
	int rc;

	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (i == len)
		return 0;
	if ((obj = jsonl_parse_object(line, len, why, sizeof why)) == NULL) {
		util_locwarn(loc->file, loc->line, "%s", why);
		return 2;
	}
	rc = a->fn(a->ctx, loc, obj);
	json_decref(obj);
	return rc;
}

int
input_run_json(int argc, char **argv, input_json_fn fn, void *ctx)
{
	struct json_adapter a = { fn, ctx };

	return input_run(argc, argv, json_line, &a);
}

int
input_lines_json(FILE *fp, const char *name, input_json_fn fn, void *ctx)
{
	struct json_adapter a = { fn, ctx };

	return input_lines(fp, name, json_line, &a);
}
