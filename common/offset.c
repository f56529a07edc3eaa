#include "offset.h"
#include "util.h"

int
offset_run(const struct offset_opts *o, int argc, char **argv, input_line_fn fn, void *ctx)
{
	(void)argc, (void)argv, (void)fn, (void)ctx;
	util_warnx("%s: --offset-file is not implemented yet", o->offset_file);
	return BK_ERR;
}
