/* retry-plan: event records -> per-recipient retry plans (soft bounces),
 * merged into a state file under a lock and replaced atomically. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
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
#include "opt.h"
#include "plan.h"
#include "planstore.h"
#include "policy.h"
#include "recovery.h"
#include "sandbox.h"
#include "util.h"

static struct plan_set plans;
static struct plan_opts opts;
static struct plan_store *store;	/* NULL: no --state */
static int store_failed;		/* a read of the store failed: commit nothing */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-Dv] [-c duration] [-k duration] [-n time] [-p policy] [-S seed]\n"
	    "       %*s [--recovery file] [-s state [-w] [-r duration] [--no-strict-modes]]\n"
	    "       %*s [file ...]\n"
	    "       %s -P [-p policy]\n"
	    "       %s -s state --dump [-k duration]\n"
	    "       %s -s state.db --import file [-w]\n",
	    util_progname, (int)strlen(util_progname), "", (int)strlen(util_progname), "",
	    util_progname, util_progname,
	    util_progname);
	exit(BK_ERR);
}

static void
help(void)
{
	printf("usage: %s [options] [file ...]\n"
	    "Reads event records (bounce-parse output) and keeps one retry plan per\n"
	    "recipient; prints the plans that changed. See retry-plan(1).\n\n"
	    "  -c, --claim-timeout DUR  an unconfirmed claim is due again after this (6h)\n"
	    "  -D, --plan-delayed       delayed events open plans too (MTA does not retry)\n"
	    "      --dump               with -s: print every plan of the state, then exit\n"
	    "  -h, --help               this text\n"
	    "      --import FILE        with -s: put the plans of a JSON-lines state FILE\n"
	    "                           into the state (a .db), then exit\n"
	    "  -k, --keep DUR           resolved and failed plans stay this long (30d)\n"
	    "  -n, --now TIME           the clock: RFC 3339 or @epoch (default: now)\n"
	    "  -P, --print-policy       print the effective rules as JSON lines, then exit\n"
	    "  -p, --policy FILE        retry rules (default: built-in rules only)\n"
	    "      --recovery FILE      recovery times (bounce-stats --recovery) for the\n"
	    "                           adaptive rules of the policy\n"
	    "  -r, --resolve-after DUR  with -s: a claim quiet this long counts as delivered (7d)\n"
	    "  -S, --seed N             seed of the backoff jitter (reproducible runs)\n"
	    "  -s, --state FILE         merge into this state (JSON lines, locked, atomic;\n"
	    "                           *.db, postgresql://...)\n"
	    "  -V, --version            print the version\n"
	    "  -v, --verbose            a summary, and the sandbox in place, on stderr\n"
	    "  -w, --wait               with -s: wait for a run holding the lock (default: fail)\n"
	    "      --no-strict-modes    with -s: use a state others may write to\n",
	    util_progname);
	exit(util_close_stdout(BK_OK));
}

static struct event_reader reader;

/* A store where each look-up is a round trip (PostgreSQL) gets the events
 * by the BATCH: their recipients looked up in one go, then the events
 * applied one after another as they came. */
#define BATCH 512

struct batched {
	size_t off, len;	/* in batch.text */
	struct input_loc loc;
};

static struct {
	struct util_buf text;	/* the lines, a NUL after each */
	struct batched *v;
	size_t n;
	struct util_buf rcpts;	/* their recipients, a NUL after each */
} batch;

static int
apply(const struct input_loc *loc, const char *line, size_t len)
{
	struct event e;
	char why[200];
	int rc;

	if ((rc = event_read(&reader, line, len, &e, why, sizeof why)) == 0)
		return BK_OK;
	if (rc > 0 && e.time == (time_t)-1) {
		snprintf(why, sizeof why, "\"time\" is null: a plan needs the time of each event");
		rc = -1;
	}
	if (rc < 0) {
		util_locwarn(loc->file, loc->line, "%s", why);
		return BK_ERR;
	}
	if (store && plan_store_lookup(store, &plans, e.rcpt) != 0) {
		store_failed = 1;
		return BK_ERR;
	}
	plan_apply(&plans, &e, &opts);
	return BK_OK;
}

/* The events gathered: their recipients looked up, then each applied. */
static int
batch_flush(void)
{
	int status = BK_OK;
	struct event e;
	char why[200];

	if (batch.n == 0)
		return BK_OK;
	if (!store_failed) {
		const char **v = util_xcalloc(batch.n, sizeof *v);
		size_t n = 0;

		/* Events that are not read now are reported when applied. */
		util_buf_reset(&batch.rcpts);
		for (size_t i = 0; i < batch.n; i++)
			if (event_read(&reader, batch.text.p + batch.v[i].off, batch.v[i].len, &e,
			    why, sizeof why) > 0)
				util_buf_add(&batch.rcpts, e.rcpt, strlen(e.rcpt) + 1);
		for (size_t off = 0; off < batch.rcpts.len; off += strlen(v[n++]) + 1)
			v[n] = batch.rcpts.p + off;
		if (plan_store_lookup_many(store, &plans, v, n) != 0)
			store_failed = 1;
		free(v);
	}
	for (size_t i = 0; i < batch.n; i++)
		status = input_worse(status, store_failed ? BK_ERR :
		    apply(&batch.v[i].loc, batch.text.p + batch.v[i].off, batch.v[i].len));
	batch.n = 0;
	util_buf_reset(&batch.text);
	return status;
}

static int
on_line(void *ctx, const struct input_loc *loc, char *line, size_t len)
{
	(void)ctx;
	if (store == NULL || !plan_store_batches(store))
		return apply(loc, line, len);
	if (batch.v == NULL)
		batch.v = util_xcalloc(BATCH, sizeof *batch.v);
	batch.v[batch.n] = (struct batched){ batch.text.len, len, *loc };
	util_buf_add(&batch.text, line, len);
	util_buf_addc(&batch.text, '\0');
	return ++batch.n == BATCH ? batch_flush() : BK_OK;
}

/* Writes the plans (or only the changed ones) and flushes them. 0, or
 * the errno of a write error. */
static int
write_plans(int only_changed)
{
	for (size_t i = 0; i < plan_count(&plans); i++) {
		const struct plan *p = plan_at(&plans, i);

		if ((p->flags & PLAN_F_REMOVED) || (only_changed && !(p->flags & PLAN_F_CHANGED)))
			continue;
		if (plan_write(stdout, p, &opts) != 0)
			return errno ? errno : EIO;
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		return errno ? errno : EIO;
	return 0;
}

static void
print_plans(int only_changed)
{
	if ((errno = write_plans(only_changed)) != 0) {
		util_warn("write error on standard output");
		exit(BK_ERR);
	}
}

/* write_plans of the changed plans on a thread of its own: *arg, its
 * result. */
static void *
print_changed(void *arg)
{
	*(int *)arg = write_plans(1);
	jsonl_thread_end();
	return NULL;
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
	sandbox_report();
}

/* Long options without a letter. */
enum { O_RECOVERY = 1, O_DUMP, O_IMPORT };

struct args {
	const char *state, *policy_file, *recovery, *import;
	int wait, verbose, print_policy, dump;
};

/* Reads the options into opts and a; returns the operands in *argcp, *argvp. */
static void
options(int *argcp, char ***argvp, struct args *a)
{
	/* Long only; the letters' long names are opt.c's. */
	static const struct option longonly[] = {
		{ AFILE_NO_STRICT_OPTION, no_argument, NULL, AFILE_NO_STRICT_VAL },
		{ "dump", no_argument, NULL, O_DUMP },
		{ "import", required_argument, NULL, O_IMPORT },
		{ "recovery", required_argument, NULL, O_RECOVERY },
		{ NULL, 0, NULL, 0 },
	};
	struct opt o;
	int ch;

	opt_init(&o, *argcp, *argvp, "c:Dhk:n:Pp:r:S:s:Vvw", longonly, usage);
	while ((ch = opt_next(&o)) != -1) {
		if (plan_opts_option(&opts, &o, ch, optarg))
			continue;
		switch (ch) {
		case 'D': opts.plan_delayed = 1; break;
		case O_DUMP: a->dump = 1; break;
		case 'h': help(); break;
		case O_IMPORT:
			a->import = optarg;
			sandbox_allow_path(optarg, SANDBOX_READ);
			break;
		case 'P': a->print_policy = 1; break;
		case 'p': a->policy_file = optarg; break;
		case O_RECOVERY:
			a->recovery = optarg;
			sandbox_allow_path(optarg, SANDBOX_READ);
			break;
		case 'S': opts.seed = (uint64_t)opt_count(&o, optarg, 0, INT64_MAX); break;
		case 's': a->state = optarg; break;
		case 'v': a->verbose = 1; break;
		case 'w': a->wait = 1; break;
		default: usage();
		}
	}
	if (a->print_policy)
		opt_alone(&o, "cDknrSsvw\001", "--print-policy");
	if (a->dump || a->import) {
		opt_reject(&o, a->dump ? "cDnPprSvw\001\003" : "cDnPprSv\001\002",
		    a->dump ? "with --dump" : "with --import");
		if (a->state == NULL || opt_argc(&o) > 0)
			opt_fail(&o, "--dump and --import take --state and no operands");
	}
	if (a->state == NULL)
		opt_reject(&o, "rw" AFILE_NO_STRICT_LETTER, "without --state");
	if (!opt_given(&o, 'S'))
		opts.seed = (uint64_t)time(NULL) * 2654435761U ^ (uint64_t)getpid();
	*argcp = opt_argc(&o);
	*argvp = opt_argv(&o);
	opt_free(&o);
}

/* Merges the events into the store, locked; prints the plans that changed.
 * -1: the store could not be locked or read (reported). */
static int
merge(const char *state, int wait, int argc, char **argv)
{
	struct plan_store st;
	pthread_t printer;
	size_t changed = 0;
	int status, threaded, print_errno, put;

	if (plan_store_open(&st, state, PLAN_STORE_WRITE | (wait ? PLAN_STORE_WAIT : 0)) != 0)
		return -1;
	if ((status = plan_store_load(&st, &plans)) < 0) {
		util_warnx("%s: state not read, nothing changed", state);
		plan_store_close(&st);
		return -1;
	}
	store = &st;
	sandbox_enter_reading(argc, argv);
	event_reader_init(&reader);
	status = input_worse(status, input_run(argc, argv, on_line, NULL));
	status = input_worse(status, batch_flush());
	event_reader_free(&reader);
	util_buf_free(&batch.text);
	util_buf_free(&batch.rcpts);
	free(batch.v);
	if (store_failed || plan_store_domains_back(&st, &plans) != 0 ||
	    plan_store_aging(&st, &plans, &opts) != 0) {
		util_warnx("%s: not read, nothing changed", state);
		plan_store_close(&st);
		return -1;
	}
	plan_domains_back(&plans, &opts);
	plan_age(&plans, &opts);
	/* The changes go out before the state moves on: if the reader of
	 * stdout (suppress, a full disk) fails, the state stays as it was
	 * and the next run prints them again (at least once, never lost).
	 * Many go out while the store writes them (not yet its state): both
	 * only read the plans. */
	for (size_t i = 0; i < plan_count(&plans); i++)
		changed += (plan_at(&plans, i)->flags & PLAN_F_CHANGED) != 0;
	threaded = changed >= 10000 && pthread_create(&printer, NULL, print_changed,
	    &print_errno) == 0;
	if (!threaded)
		print_errno = write_plans(1);
	put = threaded || print_errno == 0 ? plan_store_put(&st, &plans, &opts) : 0;
	if (threaded)
		pthread_join(printer, NULL);
	if ((errno = print_errno) != 0) {
		util_warn("write error on standard output; %s left as it was", state);
		plan_store_close(&st);
		exit(BK_ERR);
	}
	if (put != 0 || plan_store_commit(&st) != 0) {
		util_warnx("%s: left as it was", state);
		status = BK_ERR;
	}
	plan_store_close(&st);
	store = NULL;
	return status;
}

/* --dump: every plan of the store as JSON lines, in its order; --import:
 * the plans of a JSON-lines state into the store (those of the same
 * recipients replaced), all or nothing. */
static int
transfer(const struct args *a)
{
	struct plan_store from, to;
	int status;

	if (plan_store_open(&from, a->dump ? a->state : a->import, 0) != 0)
		return BK_ERR;
	if ((status = plan_store_load_all(&from, &plans)) != BK_OK) {
		util_warnx("%s: %s", from.path, a->dump ? "not read whole" : "not read whole, "
		    "nothing imported");
		plan_store_close(&from);
		if (a->dump)
			print_plans(0);
		return BK_ERR;
	}
	plan_store_close(&from);
	if (a->dump) {
		print_plans(0);
		return BK_OK;
	}
	for (size_t i = 0; i < plan_count(&plans); i++)
		plan_at(&plans, i)->flags |= PLAN_F_CHANGED;	/* all of them go in */
	if (plan_store_open(&to, a->state, PLAN_STORE_WRITE |
	    (a->wait ? PLAN_STORE_WAIT : 0)) != 0)
		return BK_ERR;
	if (plan_store_put(&to, &plans, &opts) != 0 || plan_store_commit(&to) != 0) {
		util_warnx("%s: left as it was", a->state);
		status = BK_ERR;
	}
	plan_store_close(&to);
	return status;
}

int
main(int argc, char *argv[])
{
	struct args a = { NULL, NULL, NULL, NULL, 0, 0, 0, 0 };
	struct policy policy;
	struct recovery_table recovery;
	int status = BK_OK;

	util_setprogname(argv[0]);
	/* Plans go out by the hundred thousand: fewer, larger writes. */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	plan_opts_init(&opts, time(NULL));
	options(&argc, &argv, &a);
	plan_set_init(&plans);
	if (a.dump || a.import) {
		status = transfer(&a);
		plan_set_free(&plans);
		return util_close_stdout(status);
	}
	policy_init(&policy);
	if (a.policy_file && policy_load(&policy, a.policy_file) != 0) {
		util_warnx("%s: policy not used, nothing changed", a.policy_file);
		policy_free(&policy);
		return BK_ERR;
	}
	policy_add_defaults(&policy);
	opts.policy = &policy;
	if (a.print_policy) {
		if (policy_print(&policy, stdout) != 0) {
			util_warn("write error on standard output");
			status = BK_ERR;
		}
		policy_free(&policy);
		return util_close_stdout(status);
	}
	/* Figures the file cannot give fall back: a bad line is reported and
	 * the run goes on. */
	recovery_table_init(&recovery);
	if (a.recovery && recovery_table_load(&recovery, a.recovery) != 0)
		status = BK_ERR;
	opts.recovery = &recovery;
	if (a.state) {
		int merged = merge(a.state, a.wait, argc, argv);

		status = merged < 0 ? merged : input_worse(status, merged);
	} else {
		sandbox_enter_reading(argc, argv);
		event_reader_init(&reader);
		status = input_worse(status, input_run(argc, argv, on_line, NULL));
		event_reader_free(&reader);
		plan_domains_back(&plans, &opts);
		print_plans(0);
	}
	if (recovery.errors)
		status = status < 0 ? status : BK_ERR;
	recovery_table_free(&recovery);
	if (status < 0)
		status = BK_ERR;
	else if (a.verbose)
		summary();
	plan_set_free(&plans);
	policy_free(&policy);
	return util_close_stdout(status);
}
