/* retry-due: the plans whose retry is due, each handed out once: they are
 * marked claimed in the state file (locked, replaced atomically) before they
 * are printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "afile.h"
#include "opt.h"
#include "pace.h"
#include "sandbox.h"
#include "input.h"
#include "plan.h"
#include "planstore.h"
#include "policy.h"
#include "sandbox.h"
#include "util.h"

static struct plan_opts opts;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-N | -w] [-v] [-c duration] [-k duration] [-L limit] [-l list]\n"
	    "       %*s [-n time] [-r duration] [--per-domain n] [--throttle file]\n"
	    "       %*s [--no-strict-modes] -s state\n",
	    util_progname, (int)strlen(util_progname), "", (int)strlen(util_progname), "");
	exit(BK_ERR);
}

static void
help(void)
{
	printf("usage: %s [options] -s state\n"
	    "Prints the retry plans that are due and marks them claimed, so that the\n"
	    "next run does not hand them out again. See retry-due(1).\n\n"
	    "  -c, --claim-timeout DUR  an unconfirmed claim is due again after this (6h)\n"
	    "  -h, --help               this text\n"
	    "  -k, --keep DUR           resolved and failed plans stay this long (30d)\n"
	    "  -L, --limit N            hand out at most N plans (the longest due first)\n"
	    "  -l, --list FILE          hold back retries the suppression list pauses\n"
	    "                           (JSON lines, *.db, postgresql://...)\n"
	    "  -N, --dry-run            print what is due, claim nothing, change nothing\n"
	    "      --no-strict-modes    use a state others may write to (bouncekit(7))\n"
	    "  -n, --now TIME           the clock: RFC 3339 or @epoch (default: now)\n"
	    "      --per-domain N       hand out at most N retries to one domain a run\n"
	    "  -r, --resolve-after DUR  a claim quiet this long counts as delivered (7d)\n"
	    "  -s, --state FILE         the state of retry-plan(1) (JSON lines, *.db,\n"
	    "                           postgresql://...)\n"
	    "      --throttle FILE      one retry a run to the domains these bounce-stats(1)\n"
	    "                           records advise to throttle\n"
	    "  -V, --version            print the version\n"
	    "  -v, --verbose            how many were due, handed out, held back, and\n"
	    "                           what the sandbox put in place: on stderr\n"
	    "  -w, --wait               wait for a run holding the lock (default: fail)\n",
	    util_progname);
	exit(util_close_stdout(BK_OK));
}

/* Long options without a letter. */
enum { O_PER_DOMAIN = 1, O_THROTTLE };

struct args {
	const char *state, *list, *throttle;
	long long limit;	/* -1: none */
	long long per_domain;	/* 0: none */
	int wait, dry_run, verbose;
};

static void
options(int argc, char **argv, struct args *a)
{
	/* Long only; the letters' long names are opt.c's. */
	static const struct option longonly[] = {
		{ AFILE_NO_STRICT_OPTION, no_argument, NULL, AFILE_NO_STRICT_VAL },
		{ "per-domain", required_argument, NULL, O_PER_DOMAIN },
		{ "throttle", required_argument, NULL, O_THROTTLE },
		{ NULL, 0, NULL, 0 },
	};
	struct opt o;
	int ch;

	opt_init(&o, argc, argv, "c:hk:L:l:Nn:r:s:Vvw", longonly, usage);
	while ((ch = opt_next(&o)) != -1) {
		if (plan_opts_option(&opts, &o, ch, optarg))
			continue;
		switch (ch) {
		case 'h': help(); break;
		case 'L': a->limit = opt_count(&o, optarg, 0, 1000000000LL); break;
		case 'l':
			a->list = optarg;
			sandbox_allow_path(optarg, SANDBOX_READ);
			break;
		case 'N': a->dry_run = 1; break;
		case O_PER_DOMAIN: a->per_domain = opt_count(&o, optarg, 1, 1000000000LL); break;
		case 's': a->state = optarg; break;
		case O_THROTTLE:
			a->throttle = optarg;
			sandbox_allow_path(optarg, SANDBOX_READ);
			break;
		case 'v': a->verbose = 1; break;
		case 'w': a->wait = 1; break;
		default: usage();
		}
	}
	if (a->dry_run)
		opt_reject(&o, "w" AFILE_NO_STRICT_LETTER, "with --dry-run (it takes no lock)");
	if (opt_argc(&o) > 0)
		opt_fail(&o, "no operands: the plans come from --state");
	if (a->state == NULL)
		opt_fail(&o, "--state is needed");
	opt_free(&o);
}

/* What the run hands out: the plans due at opts.now, the longest due first,
 * at most a->limit of those that pacing lets go (see pace.h); the others
 * stay due. */
struct take {
	const struct args *a;
	struct pace *pace;
	struct plan_store *st;
	struct plan_set *plans;
	struct hmap probes;	/* domain -> val: its probe (NULL none), num 1: one out */
	struct plan **go;
	size_t ndue, ngo;
	int failed;		/* the store could not be read */
	int more;		/* due plans left for --limit */
};

/* A store that answers from an index: the probe of a domain whose plans
 * wait on its server, asked when its first due plan comes. */
static int
probe_of(struct take *t, struct plan *p, size_t i)
{
	const char *domain = plan_domain(p);
	int added;
	struct hmap_entry *he = hmap_put(&t->probes, domain, strlen(domain), &added);

	if (added) {
		struct plan *probe;
		int rc = plan_store_probe(t->st, t->plans, &opts, domain, &probe);

		if (rc < 0)
			return -1;
		he = hmap_get(&t->probes, domain, strlen(domain));
		he->val = probe;
		if (rc == 1)
			pace_probe_out(t->pace, domain);
	}
	if (he->val == p)
		pace_probe_offer(t->pace, domain, i, p->attempts);
	return 0;
}

/* The due plan number i offered: handed out if pacing lets it go. 0 when
 * the run has all it takes (--limit) or failed. */
static int
offer(struct take *t, struct plan *p, size_t i)
{
	long long limit = t->a->limit;
	int waits = plan_waits_on_server(p);

	if (limit >= 0 && t->ngo >= (size_t)limit) {
		t->more = 1;
		return 0;
	}
	t->ndue++;
	if (waits && plan_store_has_probe(t->st) && probe_of(t, p, i) != 0) {
		t->failed = 1;
		return 0;
	}
	if (pace_admit(t->pace, p->rcpt, plan_domain(p), waits ? (long)i : -1) == PACE_GO) {
		t->go = util_xreallocarray(t->go, t->ngo + 1, sizeof *t->go);
		t->go[t->ngo++] = p;
	}
	return 1;
}

/* From an index: each due plan decided as it comes, until the limit. */
static int
take_indexed(void *ctx, struct plan *p)
{
	struct take *t = ctx;

	return offer(t, p, t->ndue);
}

/* Every due plan, in the store's order: the longest due first. */
static int
take_due(void *ctx, struct plan *p)
{
	struct take *t = ctx;

	t->go = util_xreallocarray(t->go, t->ndue + 1, sizeof *t->go);
	t->go[t->ndue++] = p;
	return 1;
}

/* Without an index, the probes are chosen from every due plan. */
static int
take_all(struct plan_store *st, struct plan_set *plans, struct take *t)
{
	struct plan **due;
	size_t ndue;

	if (plan_store_due(st, plans, &opts, take_due, t) != 0)
		return -1;
	due = t->go;
	ndue = t->ndue;
	/* Adaptive plans waiting on a full server: one probe a domain. A probe
	 * out is a claimed plan the run has (all of a JSON-lines state; of
	 * PostgreSQL, those its ageing brought in). */
	for (size_t i = 0; i < plan_count(plans); i++) {
		struct plan *p = plan_at(plans, i);

		if (p->state == PLAN_CLAIMED && plan_waits_on_server(p) && !plan_is_due(p, &opts) &&
		    p->last_event < p->claimed_at)
			pace_probe_out(t->pace, plan_domain(p));
	}
	for (size_t i = 0; i < ndue; i++)
		if (plan_waits_on_server(due[i]))
			pace_probe_offer(t->pace, plan_domain(due[i]), i, due[i]->attempts);
	/* The run takes what it chose; plans another run took meanwhile make
	 * room for the next ones (a database shared by several hosts). */
	t->go = NULL;
	t->ndue = 0;
	for (size_t next = 0; next < ndue;) {
		size_t from = t->ngo, chose;
		long kept;

		t->more = 0;
		while (next < ndue && offer(t, due[next], next))
			next++;
		chose = t->ngo - from;
		if ((kept = plan_store_take(st, t->go + from, chose)) < 0) {
			free(due);
			return -1;
		}
		t->ngo = from + (size_t)kept;
		if (t->more && (size_t)kept == chose)
			break;
	}
	t->ndue = ndue;
	free(due);
	return 0;
}

static int
due_plans(struct plan_store *st, struct plan_set *plans, struct take *t)
{
	const struct args *a = t->a;
	struct pace *pace = t->pace;

	if (plan_store_has_probe(st) ? plan_store_due(st, plans, &opts, take_indexed, t) != 0 ||
	    t->failed : take_all(st, plans, t) != 0)
		return -1;
	if (a->verbose)
		util_warnx("%zu due: %zu handed out, held back %lu by --per-domain, %lu paused "
		    "by the list, %lu by --throttle, %lu for a probe%s", t->ndue, t->ngo,
		    pace->held[PACE_CAP], pace->held[PACE_PAUSED], pace->held[PACE_THROTTLE],
		    pace->held[PACE_PROBE], t->more ? ", the rest by --limit" : "");
	return 0;
}

/* Claims what the run hands out and commits: nothing claimed, nothing
 * handed out. */
static int
claim(struct plan_store *st, struct plan_set *plans, struct take *t)
{
	for (size_t i = 0; i < t->ngo; i++)
		plan_claim(t->go[i], &opts);
	if (plan_store_put(st, plans, &opts) != 0 || plan_store_commit(st) != 0) {
		util_warnx("%s: left as it was, nothing handed out", st->path);
		t->ngo = 0;
		return BK_ERR;
	}
	return BK_OK;
}

/* The pacing of the run: its files are read before the state is locked. */
static int
pacing(const struct args *a, struct pace *pace)
{
	pace_init(pace, a->per_domain, opts.now);
	if (a->list && pace_load_list(pace, a->list) != 0) {
		/* Not named: its name may hold a secret (refused, said so). */
		util_warnx("--list: not read, nothing handed out");
		return -1;
	}
	if (a->throttle && pace_load_throttle(pace, a->throttle) != 0) {
		util_warnx("%s: not read, nothing handed out", a->throttle);
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct args a = { NULL, NULL, NULL, -1, 0, 0, 0, 0 };
	struct pace pace;
	struct take t;
	struct plan_set plans;
	struct plan_store st;
	int status;

	util_setprogname(argv[0]);
	/* Plans go out by the hundred thousand: fewer, larger writes. */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	plan_opts_init(&opts, time(NULL));
	options(argc, argv, &a);
	if (pacing(&a, &pace) != 0) {
		pace_free(&pace);
		return BK_ERR;
	}
	memset(&t, 0, sizeof t);
	t.a = &a;
	t.pace = &pace;
	t.st = &st;
	t.plans = &plans;
	plan_set_init(&plans);
	/* A dry run changes nothing: it takes no lock. */
	if (plan_store_open(&st, a.state, a.dry_run ? 0 :
	    PLAN_STORE_WRITE | (a.wait ? PLAN_STORE_WAIT : 0)) != 0) {
		pace_free(&pace);
		return BK_ERR;
	}
	if ((status = plan_store_load(&st, &plans)) < 0 ||
	    plan_store_aging(&st, &plans, &opts) != 0) {
		util_warnx("%s: state not read, nothing changed", a.state);
		status = BK_ERR;
		goto out;
	}
	sandbox_enter();
	plan_age(&plans, &opts);
	if (due_plans(&st, &plans, &t) != 0) {
		util_warnx("%s: state not read, nothing changed", a.state);
		status = BK_ERR;
		goto out;
	}
	if (!a.dry_run)
		status = input_worse(status, claim(&st, &plans, &t));
	plan_store_close(&st);
	for (size_t i = 0; i < t.ngo; i++) {
		if (plan_write(stdout, t.go[i], &opts) != 0) {
			/* util_close_stdout reports it, once. */
			status = BK_ERR;
			break;
		}
	}
out:
	plan_store_close(&st);
	pace_free(&pace);
	free(t.go);
	hmap_free(&t.probes, NULL);
	plan_set_free(&plans);
	if (a.verbose)
		sandbox_report();
	return util_close_stdout(status);
}
