/* retry-plan: event records -> per-recipient retry plans (soft bounces),
 * merged into a state file under a lock and replaced atomically. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "afile.h"
#include "bktime.h"
#include "event.h"
#include "input.h"
#include "jsonl.h"
#include "plan.h"
#include "policy.h"
#include "util.h"

static struct plan_set plans;
static struct plan_opts opts;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-dvw] [-c duration] [-k duration] [-n time] [-p policy]\n"
	    "       %*s [-r duration] [-S seed] [-s state] [file ...]\n"
	    "       %s -P [-p policy]\n",
	    util_progname, (int)strlen(util_progname), "", util_progname);
	exit(BK_ERR);
}

static void
help(void)
{
	printf("usage: %s [options] [file ...]\n"
	    "Reads event records (bounce-parse output) and keeps one retry plan per\n"
	    "recipient; prints the plans that changed. See retry-plan(1).\n\n"
	    "  -c, --claim-timeout DUR  an unconfirmed claim is due again after this (6h)\n"
	    "  -d, --plan-delayed       delayed events open plans too (MTA does not retry)\n"
	    "  -h, --help               this text\n"
	    "  -k, --keep DUR           resolved and failed plans stay this long (30d)\n"
	    "  -n, --now TIME           the clock: RFC 3339 or @epoch (default: now)\n"
	    "  -P, --print-policy       print the effective rules as JSON lines, then exit\n"
	    "  -p, --policy FILE        retry rules (default: built-in rules only)\n"
	    "  -r, --resolve-after DUR  a claim quiet this long counts as delivered (7d)\n"
	    "  -S, --seed N             seed of the backoff jitter (reproducible runs)\n"
	    "  -s, --state FILE         merge into this state file (locked, atomic)\n"
	    "  -V, --version            print the version\n"
	    "  -v, --verbose            a summary on standard error\n"
	    "  -w, --wait               wait for a run holding the lock (default: fail)\n",
	    util_progname);
	exit(util_close_stdout(BK_OK));
}

static struct plan_reader reader;

static int
on_line(void *ctx, const struct input_loc *loc, char *line, size_t len)
{
	struct event e;
	char why[200];
	size_t i;

	(void)ctx;
	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (i == len)
		return BK_OK;
	if (plan_read_event(&reader, line, len, &e, why, sizeof why) != 0) {
		util_locwarn(loc->file, loc->line, "%s", why);
		return BK_ERR;
	}
	plan_apply(&plans, &e, &opts);
	return BK_OK;
}

static void
print_plans(int only_changed)
{
	for (size_t i = 0; i < plan_count(&plans); i++) {
		const struct plan *p = plan_at(&plans, i);

		if ((p->flags & PLAN_F_REMOVED) || (only_changed && !(p->flags & PLAN_F_CHANGED)))
			continue;
		if (plan_write(stdout, p, &opts) != 0) {
			util_warn("write error on standard output");
			exit(BK_ERR);
		}
	}
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

static void
summary(void)
{
	const struct plan_stats *st = &plans.stats;

	util_warnx("%lu events: %lu plans opened, %lu duplicates, %lu delays counted, "
	    "%lu delays without a plan (the MTA still retries), %lu resolved, %lu exhausted, "
	    "%lu failed, %lu deliveries without a plan", st->events, st->opened,
	    st->duplicates, st->delays, st->delays_unplanned, st->resolved, st->exhausted,
	    st->failed, st->ignored);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "claim-timeout", required_argument, NULL, 'c' },
		{ "plan-delayed", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "keep", required_argument, NULL, 'k' },
		{ "now", required_argument, NULL, 'n' },
		{ "print-policy", no_argument, NULL, 'P' },
		{ "policy", required_argument, NULL, 'p' },
		{ "resolve-after", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 'S' },
		{ "state", required_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'V' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "wait", no_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	struct policy policy;
	const char *state = NULL, *policy_file = NULL;
	int ch, wait = 0, verbose = 0, print_policy = 0, have_seed = 0, fatal, lock = -1;
	int status = BK_OK;
	time_t now;

	util_setprogname(argv[0]);
	/* Plans go out by the hundred thousand: fewer, larger writes. */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	plan_opts_init(&opts, time(NULL));
	while ((ch = getopt_long(argc, argv, "c:dhk:n:Pp:r:S:s:Vvw", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			opts.claim_timeout = duration_arg(optarg, "--claim-timeout");
			break;
		case 'd':
			opts.plan_delayed = 1;
			break;
		case 'h':
			help();
			break;
		case 'k':
			opts.keep = duration_arg(optarg, "--keep");
			break;
		case 'n':
			if (bktime_parse_arg(optarg, &now) != 0) {
				util_warnx("--now: bad time \"%s\" (RFC 3339 or @epoch)", optarg);
				usage();
			}
			opts.now = now;
			break;
		case 'P':
			print_policy = 1;
			break;
		case 'p':
			policy_file = optarg;
			break;
		case 'r':
			opts.resolve_after = duration_arg(optarg, "--resolve-after");
			break;
		case 'S':
			opts.seed = (uint64_t)util_strtonum(optarg, 0, 0x7fffffffffffffffLL, "--seed");
			have_seed = 1;
			break;
		case 's':
			state = optarg;
			break;
		case 'V':
			util_version();
			break;
		case 'v':
			verbose = 1;
			break;
		case 'w':
			wait = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (print_policy && (argc > 0 || state))
		usage();
	if (!have_seed)
		opts.seed = (uint64_t)time(NULL) * 2654435761U ^ (uint64_t)getpid();

	policy_init(&policy);
	if (policy_file && policy_load(&policy, policy_file) != 0) {
		util_warnx("%s: policy not used, nothing changed", policy_file);
		policy_free(&policy);
		return BK_ERR;
	}
	policy_add_defaults(&policy);
	opts.policy = &policy;
	if (print_policy) {
		if (policy_print(&policy, stdout) != 0) {
			util_warn("write error on standard output");
			status = BK_ERR;
		}
		policy_free(&policy);
		return util_close_stdout(status);
	}

	plan_set_init(&plans);
	if (state) {
		if ((lock = afile_lock(state, wait)) == -1) {
			policy_free(&policy);
			return BK_ERR;
		}
		plan_clean_temps(state);
		status = plan_load(&plans, state, &fatal);
		if (fatal) {
			util_warnx("%s: state not read, nothing changed", state);
			afile_unlock(lock);
			plan_set_free(&plans);
			policy_free(&policy);
			return BK_ERR;
		}
	}
	plan_reader_init(&reader);
	status = input_worse(status, input_run(argc, argv, on_line, NULL));
	plan_reader_free(&reader);
	if (state) {
		plan_age(&plans, &opts);
		/* The changes go out before the state moves on: if the reader of
		 * stdout (suppress, a full disk) fails, the state stays as it was
		 * and the next run prints them again (at least once, never lost). */
		print_plans(1);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			util_warn("write error on standard output; %s left as it was", state);
			exit(BK_ERR);
		}
		if (plan_save(&plans, state, &opts) != 0) {
			util_warnx("%s: left as it was", state);
			status = BK_ERR;
		}
		afile_unlock(lock);
	} else {
		print_plans(0);
	}
	if (verbose)
		summary();
	plan_set_free(&plans);
	policy_free(&policy);
	return util_close_stdout(status);
}
