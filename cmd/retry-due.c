/* retry-due: the plans whose retry is due, each handed out once: they are
 * marked claimed in the state file (locked, replaced atomically) before they
 * are printed. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "afile.h"
#include "bktime.h"
#include "plan.h"
#include "policy.h"
#include "util.h"

static struct plan_opts opts;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-dw] [-c duration] [-k duration] [-l limit] [-n time]\n"
	    "       %*s [-r duration] -s state\n",
	    util_progname, (int)strlen(util_progname), "");
	exit(BK_ERR);
}

static void
help(void)
{
	printf("usage: %s [options] -s state\n"
	    "Prints the retry plans that are due and marks them claimed, so that the\n"
	    "next run does not hand them out again. See retry-due(1).\n\n"
	    "  -c, --claim-timeout DUR  an unconfirmed claim is due again after this (6h)\n"
	    "  -d, --dry-run            print what is due, claim nothing, change nothing\n"
	    "  -h, --help               this text\n"
	    "  -k, --keep DUR           resolved and failed plans stay this long (30d)\n"
	    "  -l, --limit N            hand out at most N plans (the longest due first)\n"
	    "  -n, --now TIME           the clock: RFC 3339 or @epoch (default: now)\n"
	    "  -r, --resolve-after DUR  a claim quiet this long counts as delivered (7d)\n"
	    "  -s, --state FILE         the state file of retry-plan(1)\n"
	    "  -V, --version            print the version\n"
	    "  -w, --wait               wait for a run holding the lock (default: fail)\n",
	    util_progname);
	exit(util_close_stdout(BK_OK));
}

static long long
duration_arg(const char *s, const char *what)
{
	long long v;

	if (bktime_parse_duration(s, &v) != 0) {
		util_warnx("%s: bad duration \"%s\" (e.g. 30m, 24h, 2d, 1w)", what, s);
		usage();
	}
	return v;
}

struct due {
	int64_t when;
	struct plan *plan;
};

static int
due_cmp(const void *a, const void *b)
{
	const struct due *x = a, *y = b;

	if (x->when != y->when)
		return x->when < y->when ? -1 : 1;
	return strcmp(x->plan->rcpt, y->plan->rcpt);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "claim-timeout", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "keep", required_argument, NULL, 'k' },
		{ "limit", required_argument, NULL, 'l' },
		{ "now", required_argument, NULL, 'n' },
		{ "resolve-after", required_argument, NULL, 'r' },
		{ "state", required_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'V' },
		{ "wait", no_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	struct plan_set plans;
	struct due *due = NULL;
	size_t ndue = 0;
	const char *state = NULL;
	long long limit = -1;
	int ch, wait = 0, dry_run = 0, fatal, lock = -1, status;
	time_t now;

	util_setprogname(argv[0]);
	/* Plans go out by the hundred thousand: fewer, larger writes. */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	plan_opts_init(&opts, time(NULL));
	while ((ch = getopt_long(argc, argv, "c:dhk:l:n:r:s:Vw", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			opts.claim_timeout = duration_arg(optarg, "--claim-timeout");
			break;
		case 'd':
			dry_run = 1;
			break;
		case 'h':
			help();
			break;
		case 'k':
			opts.keep = duration_arg(optarg, "--keep");
			break;
		case 'l':
			limit = util_strtonum(optarg, 0, 1000000000LL, "--limit");
			break;
		case 'n':
			if (bktime_parse_arg(optarg, &now) != 0) {
				util_warnx("--now: bad time \"%s\" (RFC 3339 or @epoch)", optarg);
				usage();
			}
			opts.now = now;
			break;
		case 'r':
			opts.resolve_after = duration_arg(optarg, "--resolve-after");
			break;
		case 's':
			state = optarg;
			break;
		case 'V':
			util_version();
			break;
		case 'w':
			wait = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || state == NULL) {
		if (state == NULL)
			util_warnx("--state is needed");
		usage();
	}

	plan_set_init(&plans);
	/* A dry run reads a complete file (replaced atomically) without the lock. */
	if (!dry_run && (lock = afile_lock(state, wait)) == -1)
		return BK_ERR;
	if (!dry_run)
		plan_clean_temps(state);
	status = plan_load(&plans, state, &fatal);
	if (fatal) {
		util_warnx("%s: state not read, nothing changed", state);
		afile_unlock(lock);
		plan_set_free(&plans);
		return BK_ERR;
	}
	plan_age(&plans, &opts);
	for (size_t i = 0; i < plan_count(&plans); i++) {
		struct plan *p = plan_at(&plans, i);

		if (!plan_is_due(p, &opts))
			continue;
		due = util_xreallocarray(due, ndue + 1, sizeof *due);
		due[ndue].when = plan_due_time(p, &opts);
		due[ndue++].plan = p;
	}
	if (ndue > 0)
		qsort(due, ndue, sizeof *due, due_cmp);
	if (limit >= 0 && (size_t)limit < ndue)
		ndue = (size_t)limit;
	if (!dry_run) {
		for (size_t i = 0; i < ndue; i++)
			plan_claim(due[i].plan, &opts);
		if (plan_save(&plans, state, &opts) != 0) {
			/* Nothing claimed, so nothing handed out. */
			util_warnx("%s: left as it was, nothing handed out", state);
			ndue = 0;
			status = BK_ERR;
		}
		afile_unlock(lock);
	}
	for (size_t i = 0; i < ndue; i++) {
		if (plan_write(stdout, due[i].plan, &opts) != 0) {
			/* util_close_stdout reports it, once. */
			status = BK_ERR;
			break;
		}
	}
	free(due);
	plan_set_free(&plans);
	return util_close_stdout(status);
}
