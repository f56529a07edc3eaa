/* bouncesim: a simulated mail world that runs the real bouncekit pipeline.
 *
 * Thousands of recipient domains whose storage fills up and is freed again
 * at random, a list of recipients that gets a message every day, and the
 * sender's Postfix, which writes the log lines a real one writes. Every
 * simulated hour a cron job runs the programs themselves over the new log
 * lines (bounce-parse, retry-plan, bounce-stats, retry-due, suppress), with
 * --now set to the simulated clock, and the retries that retry-due hands out
 * are sent in the next hour. The simulator knows the truth (which domain was
 * full when) and measures what the pipeline did with it.
 *
 * The world (all drawn from --seed, so a run is reproducible):
 *  - recipients (--recipients, 100000) spread over domains (--domains,
 *    recipients/20) by a Zipf law of exponent 1: a few large providers and a
 *    long tail of small ones;
 *  - each domain has its own character: a mean time between storage outages
 *    drawn log-uniformly from 10 to 200 days (times recipients/50 for a
 *    domain of more than 50: large providers have storage to spare), and a
 *    typical outage length (median) drawn log-uniformly from 30 minutes to
 *    7 days; each outage lasts that median times e^(0.5 Z), Z standard
 *    normal (a log-normal spread: half of the outages within a factor 1.4 of
 *    the median, nine in ten within a factor 2.3); outages start as a
 *    Poisson process, long before the first send, so that the world is in a
 *    steady state;
 *  - each domain accepts at most max(30, recipients/4) messages an hour;
 *    beyond that it answers 421 4.7.0 "rate limited" (--no-rate-limit turns
 *    this off): retries that pile onto a server are refused;
 *  - the daily send starts at 06:00 UTC and goes out evenly over 16 hours,
 *    each recipient at its own place in the list: every recipient every day
 *    (--every 1), or a seventh of the list each day (--every 7: a weekly
 *    newsletter sent in daily parts); the day's list is filtered through
 *    suppress(1) an hour before it starts;
 *  - the sender's Postfix tries each message once (maximal_queue_lifetime
 *    = 0, so that the application owns the retries): a full server answers
 *    452 4.3.1 and the message is returned at once ("status=expired").
 *
 * The pipeline, every hour at the tick T (a cron job of a user):
 *    bounce-parse --delivered --year Y last-hour.log |
 *        retry-plan --state plans --now T --policy P [--recovery R] -
 *        (the two at once, as in a shell pipeline)
 *        exhausted plans: suppress --list L add (their pause)
 *    retry-due --state plans --now T [--per-domain N --list L]
 *        the retries go out during the next hour
 * and once a day at midnight (--stats-every, hours) for the adaptive
 * schedule (the recovery times move slowly; each run rewrites the whole
 * recovery state), in the background, done before the next retry-plan:
 *    bounce-stats --recovery --state S --now T events-since-then > R
 * before which the recovery state S is started from the mail log of the 28
 * days before (--history), as a user starts from the logs there are: four
 * weeks is what Debian's logrotate keeps of mail.log (weekly, rotate 4). The
 * policies: fixed "schedule 24h,48h,72h,1w retries 4", backoff "backoff 24h
 * x2 max 1w jitter 20% retries 4", adaptive "adaptive min 1h max 1w" (its
 * fallback is the fixed schedule); all with pause 30d; --policy FILE
 * instead.
 *
 * What is measured, from the truth:
 *  - time to delivery: from a recipient's first bounce to its next delivery
 *    (by a retry or by the daily send), mean and 90th percentile;
 *  - wasted retries: retries handed out by retry-due that bounced again;
 *  - given up: plans that ran out of retries (exhausted, paused 30 days),
 *    and of them those whose domain's storage outage had already ended;
 *  - sent while full: messages (daily or retries) sent to a domain while its
 *    storage was full;
 *  - open: recipients still waiting for a delivery at the end.
 *
 * Output: one JSON line of figures on standard output, with the wall and
 * CPU time of the run (the programs' included); --verbose adds the time per
 * program on standard error. --trace FILE writes what happened, for the
 * tests.
 *
 * Build: cc -O2 -std=c11 -D_DEFAULT_SOURCE -o bouncesim bench/bouncesim.c -lm
 * Usage: bouncesim --dir WORKDIR [--bin DIR] [--schedule fixed|backoff|adaptive]
 *        [--policy FILE] [--seed N] [--days N] [--send-days N] [--every N]
 *        [--recipients N] [--domains N] [--history DAYS] [--stats-every HOURS]
 *        [--per-domain N] [--no-rate-limit] [--trace FILE] [--keep-files]
 *        [--verbose] */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define HOUR 3600LL
#define DAY 86400LL
/* Monday 2026-04-06 00:00:00 UTC: the first day of the simulation; the
 * history (--history) goes back at most to the start of the year. */
#define START 1775433600LL
#define MAX_HISTORY 95
#define SEND_START (6 * HOUR)
#define SEND_SPAN (16 * HOUR)
#define WARM ((MAX_HISTORY + 60) * DAY)	/* outages drawn from this long before START */

/* --- options --- */
static const char *bin = "bin", *dir, *schedule = "fixed", *trace_path, *policy_path;
static uint64_t seed = 1;
static long days = 30, send_days = -1, nrcpt = 100000, ndom = -1, per_domain, every = 1;
static long history = -1, stats_every = 24;
static int rate_limit = 1, keep_files, verbose;

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("bouncesim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (p == NULL)
		die("out of memory");
	return p;
}

/* --- random numbers: splitmix64, one stream per purpose --- */
struct rng {
	uint64_t s;
};

static uint64_t
rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in (0, 1). */
static double
rng_unit(struct rng *r)
{
	return ((double)(rng_next(r) >> 11) + 0.5) / 9007199254740992.0;
}

static double
rng_normal(struct rng *r)
{
	return sqrt(-2.0 * log(rng_unit(r))) * cos(6.283185307179586 * rng_unit(r));
}

static double
log_uniform(struct rng *r, double lo, double hi)
{
	return lo * exp(rng_unit(r) * log(hi / lo));
}

/* --- the world --- */
struct outage {
	int64_t start, end;
};

struct domain {
	char name[32];
	uint32_t nrcpt;
	double mtbo, median;	/* seconds */
	struct outage *out;
	uint32_t nout, cur;	/* cur: the first outage not over at the last look */
	int64_t hour;		/* the clock hour of sent_hour */
	uint32_t sent_hour, cap;
};

enum { EP_NONE, EP_OPEN, EP_GIVEN_UP };

struct rcpt {
	uint32_t dom;
	uint32_t slot;		/* seconds after SEND_START */
	int64_t since;		/* first bounce of the open episode */
	uint8_t episode;	/* EP_* */
};

static struct domain *doms;
static struct rcpt *rcpts;
static uint32_t *by_slot;	/* recipients in the order of the daily send */

/* Whether d's storage is full at t. Looks only forward in time, as the
 * simulation does (t never decreases for one domain). */
static int
is_full(struct domain *d, int64_t t)
{
	while (d->cur < d->nout && d->out[d->cur].end <= t)
		d->cur++;
	return d->cur < d->nout && d->out[d->cur].start <= t;
}

static void
make_world(void)
{
	struct rng r = { seed * 0x2545F4914F6CDD1DULL + 1 };
	double *cum = xcalloc((size_t)ndom, sizeof *cum), total = 0;
	int64_t end = START + (days + 30) * DAY;

	doms = xcalloc((size_t)ndom, sizeof *doms);
	for (long i = 0; i < ndom; i++) {
		total += 1.0 / (double)(i + 1);
		cum[i] = total;
	}
	rcpts = xcalloc((size_t)nrcpt, sizeof *rcpts);
	by_slot = xcalloc((size_t)nrcpt, sizeof *by_slot);
	for (long i = 0; i < nrcpt; i++) {
		double u = rng_unit(&r) * total;
		long lo = 0, hi = ndom - 1;

		while (lo < hi) {
			long mid = (lo + hi) / 2;

			if (cum[mid] < u)
				lo = mid + 1;
			else
				hi = mid;
		}
		rcpts[i].dom = (uint32_t)lo;
		doms[lo].nrcpt++;
		by_slot[i] = (uint32_t)i;
	}
	free(cum);
	/* The order of the daily send: a shuffled list. */
	for (long i = nrcpt - 1; i > 0; i--) {
		long j = (long)(rng_next(&r) % (uint64_t)(i + 1));
		uint32_t t = by_slot[i];

		by_slot[i] = by_slot[j];
		by_slot[j] = t;
	}
	for (long i = 0; i < nrcpt; i++)
		rcpts[by_slot[i]].slot = (uint32_t)((double)i * (double)SEND_SPAN / (double)nrcpt);
	for (long i = 0; i < ndom; i++) {
		struct domain *d = &doms[i];
		int64_t t = START - WARM;
		size_t cap = 0;

		snprintf(d->name, sizeof d->name, "d%ld.example", i);
		d->mtbo = log_uniform(&r, 10.0 * DAY, 200.0 * DAY) *
		    (d->nrcpt > 50 ? (double)d->nrcpt / 50.0 : 1.0);
		d->median = log_uniform(&r, 0.5 * HOUR, 7.0 * DAY);
		d->cap = d->nrcpt / 4 > 30 ? d->nrcpt / 4 : 30;
		for (;;) {
			int64_t len;

			t += (int64_t)(-log(rng_unit(&r)) * d->mtbo);
			if (t >= end)
				break;
			len = (int64_t)(d->median * exp(0.5 * rng_normal(&r)));
			if (len < 60)
				len = 60;
			if (d->nout > 0 && d->out[d->nout - 1].end >= t) {
				/* Overlapping outages are one. */
				if (t + len > d->out[d->nout - 1].end)
					d->out[d->nout - 1].end = t + len;
				continue;
			}
			if (d->nout == cap) {
				cap = cap ? cap * 2 : 4;
				d->out = realloc(d->out, cap * sizeof *d->out);
				if (d->out == NULL)
					die("out of memory");
			}
			d->out[d->nout++] = (struct outage){ t, t + len };
		}
	}
}

/* --- running the programs --- */
static double pipeline_secs;
static unsigned long runs;

/* CPU seconds per program, for --verbose. */
static struct cost {
	const char *name;
	double cpu, wall;
	unsigned long runs;
} costs[8];

static double
clock_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Starts argv[0] from --bin: stdin from the descriptor in_fd, else the file
 * in (NULL: /dev/null); stdout to out_fd, else the file out (NULL:
 * /dev/null). */
static pid_t
start(char *const argv[], int in_fd, const char *in, int out_fd, const char *out)
{
	posix_spawn_file_actions_t fa;
	char path[4096];
	pid_t pid;
	int rc;

	snprintf(path, sizeof path, "%s/%s", bin, argv[0]);
	posix_spawn_file_actions_init(&fa);
	if (in_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, in ? in : "/dev/null", O_RDONLY, 0);
	if (out_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	else
		posix_spawn_file_actions_addopen(&fa, 1, out ? out : "/dev/null",
		    O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if ((rc = posix_spawn(&pid, path, &fa, NULL, argv, environ)) != 0)
		die("%s: %s", path, strerror(rc));
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

/* Waits for a program started at t0; its exit status must be 0. Its time
 * goes to its name. */
static void
finish(char *const argv[], pid_t pid, double t0)
{
	struct rusage ru;
	int st;
	size_t c;

	while (wait4(pid, &st, 0, &ru) == -1)
		if (errno != EINTR)
			die("wait4: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bouncesim: failed (status %d):", WIFEXITED(st) ?
		    WEXITSTATUS(st) : 128 + WTERMSIG(st));
		for (size_t i = 0; argv[i]; i++)
			fprintf(stderr, " %s", argv[i]);
		fputc('\n', stderr);
		exit(2);
	}
	pipeline_secs += clock_secs() - t0;
	runs++;
	for (c = 0; c < sizeof costs / sizeof costs[0] - 1 && costs[c].name &&
	    strcmp(costs[c].name, argv[0]) != 0; c++)
		;
	costs[c].name = argv[0];
	costs[c].runs++;
	costs[c].wall += clock_secs() - t0;
	costs[c].cpu += (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Runs argv[0] from --bin with stdin and stdout redirected (NULL: /dev/null);
 * the exit status must be 0. */
static void
run(char *const argv[], const char *in, const char *out)
{
	double t0 = clock_secs();

	finish(argv, start(argv, -1, in, -1, out), t0);
}

/* DIR/name, made once per name and kept. */
static char *
path_of(const char *name)
{
	static struct { const char *name; char *path; } known[32];
	size_t i;

	for (i = 0; i < sizeof known / sizeof known[0] && known[i].name; i++)
		if (strcmp(known[i].name, name) == 0)
			return known[i].path;
	if (i == sizeof known / sizeof known[0])
		die("too many file names");
	known[i].name = name;
	known[i].path = xcalloc(strlen(dir) + strlen(name) + 2, 1);
	sprintf(known[i].path, "%s/%s", dir, name);
	return known[i].path;
}

static char *
stamp_arg(int64_t t)
{
	static char buf[4][32];
	static int next;
	char *p = buf[next++ % 4];
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(p, sizeof buf[0], "%Y-%m-%dT%H:%M:%SZ", &tm);
	return p;
}

/* --- the metrics --- */
static double *ttd;		/* times to delivery, hours */
static size_t nttd, cap_ttd;
static unsigned long long sent_daily, sent_retry, wasted, sent_full, rate_limited;
static unsigned long long given_up, given_up_recovered, bounces, deliveries, episodes;
static FILE *trace;
static int counting = 1;	/* 0 while writing the history */

static void
add_ttd(double hours)
{
	if (nttd == cap_ttd) {
		cap_ttd = cap_ttd ? cap_ttd * 2 : 4096;
		if ((ttd = realloc(ttd, cap_ttd * sizeof *ttd)) == NULL)
			die("out of memory");
	}
	ttd[nttd++] = hours;
}

/* --- one hour of sending --- */
struct send {
	int64_t t;
	uint32_t r;
	uint8_t retry;		/* an index of retry_kinds */
};

/* What made a retry due (its record's "schedule"), for the trace: a send's
 * retry field (0 is the daily send). */
static const char *const retry_kinds[] = { "daily", "retry", "adaptive", "fallback",
	"recovered" };

static struct send *sends;
static size_t nsends, cap_sends;
static unsigned long long qid_next = 0x3A0000000ULL;

static void
add_send(int64_t t, uint32_t r, int retry)
{
	if (nsends == cap_sends) {
		cap_sends = cap_sends ? cap_sends * 2 : 8192;
		if ((sends = realloc(sends, cap_sends * sizeof *sends)) == NULL)
			die("out of memory");
	}
	sends[nsends++] = (struct send){ t, r, (uint8_t)retry };
}

static int
send_cmp(const void *a, const void *b)
{
	const struct send *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->r < y->r ? -1 : x->r > y->r;
}

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
	"Aug", "Sep", "Oct", "Nov", "Dec" };

/* A log line built by hand: fprintf for each of millions of lines made the
 * harness cost as much as some of the programs under test. */
struct line {
	char *p;
	char buf[1024];
};

#define L_LIT(l, s) (memcpy((l)->p, (s), sizeof(s) - 1), (l)->p += sizeof(s) - 1)

static void
l_str(struct line *l, const char *s)
{
	size_t n = strlen(s);

	memcpy(l->p, s, n);
	l->p += n;
}

static void
l_dec(struct line *l, unsigned long long v)
{
	char t[24];
	int n = 0;

	do
		t[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*l->p++ = t[--n];
}

/* Upper-case hexadecimal, zero-padded to width. */
static void
l_hex(struct line *l, unsigned long long v, int width)
{
	char t[24];
	int n = 0;

	do
		t[n++] = "0123456789ABCDEF"[v & 15];
	while ((v >>= 4) != 0);
	while (n < width)
		t[n++] = '0';
	while (n)
		*l->p++ = t[--n];
}

/* "Apr  7 10:00:00", syslog's stamp, for t. */
static void
l_stamp(struct line *l, int64_t t)
{
	static int64_t day = -1;
	static char prefix[16];
	int64_t sec = t % DAY;

	if (t / DAY != day) {
		time_t tt = (time_t)t;
		struct tm tm;

		gmtime_r(&tt, &tm);
		snprintf(prefix, sizeof prefix, "%s %2d ", months[tm.tm_mon], tm.tm_mday);
		day = t / DAY;
	}
	l_str(l, prefix);
	*l->p++ = (char)('0' + sec / 36000);
	*l->p++ = (char)('0' + sec / 3600 % 10);
	*l->p++ = ':';
	*l->p++ = (char)('0' + sec / 600 % 6);
	*l->p++ = (char)('0' + sec / 60 % 10);
	*l->p++ = ':';
	*l->p++ = (char)('0' + sec % 60 / 10);
	*l->p++ = (char)('0' + sec % 10);
}

/* Postfix's lines for one delivery attempt that was tried once. */
static void
log_lines(FILE *fp, const struct send *s, unsigned long long qid, int full, int limited)
{
	struct rcpt *r = &rcpts[s->r];
	struct domain *d = &doms[r->dom];
	struct line l;

	l.p = l.buf;
	l_stamp(&l, s->t);
	L_LIT(&l, " mx1 postfix/smtp[");
	l_dec(&l, 2000 + s->r % 997);
	L_LIT(&l, "]: ");
	l_hex(&l, qid, 10);
	L_LIT(&l, ": to=<r");
	l_dec(&l, s->r);
	*l.p++ = '@';
	l_str(&l, d->name);
	L_LIT(&l, ">, relay=mx.");
	l_str(&l, d->name);
	L_LIT(&l, "[192.0.2.");
	l_dec(&l, 1 + r->dom % 250);
	if (!full && !limited) {
		L_LIT(&l, "]:25, delay=0.4, delays=0.1/0/0.1/0.2, dsn=2.0.0, status=sent (250 2.0.0 "
		    "Ok: queued as ");
		l_hex(&l, qid ^ 0x5A5A5ULL, 1);
		L_LIT(&l, ")\n");
		l_stamp(&l, s->t);
		L_LIT(&l, " mx1 postfix/qmgr[812]: ");
		l_hex(&l, qid, 10);
		L_LIT(&l, ": removed\n");
	} else {
		L_LIT(&l, "]:25, delay=0.3, delays=0.1/0/0.1/0.1, dsn=");
		l_str(&l, full ? "4.3.1" : "4.7.0");
		L_LIT(&l, ", status=deferred (host mx.");
		l_str(&l, d->name);
		L_LIT(&l, "[192.0.2.");
		l_dec(&l, 1 + r->dom % 250);
		L_LIT(&l, "] said: ");
		l_str(&l, full ? "452 4.3.1 Insufficient system storage" :
		    "421 4.7.0 Try again later, closing connection. (RCPT) rate limited");
		L_LIT(&l, " (in reply to RCPT TO command))\n");
		l_stamp(&l, s->t);
		L_LIT(&l, " mx1 postfix/qmgr[812]: ");
		l_hex(&l, qid, 10);
		L_LIT(&l, ": from=<news@shop.example>, status=expired, returned to sender\n");
	}
	fwrite(l.buf, 1, (size_t)(l.p - l.buf), fp);
}

/* One delivery attempt: the truth decides, the log tells, the figures count. */
static void
log_send(FILE *fp, const struct send *s)
{
	struct rcpt *r = &rcpts[s->r];
	struct domain *d = &doms[r->dom];
	unsigned long long qid = qid_next++;
	int full = is_full(d, s->t), limited = 0;
	int64_t hour = s->t / HOUR;

	if (d->hour != hour) {
		d->hour = hour;
		d->sent_hour = 0;
	}
	if (rate_limit && ++d->sent_hour > d->cap)
		limited = 1;
	if (!counting) {
		log_lines(fp, s, qid, full, limited);
		return;
	}
	if (s->retry)
		sent_retry++;
	else
		sent_daily++;
	if (full)
		sent_full++;
	log_lines(fp, s, qid, full, limited);
	if (!full && !limited) {
		deliveries++;
		if (r->episode == EP_OPEN)
			add_ttd((double)(s->t - r->since) / HOUR);
		if (trace)
			fprintf(trace, "deliver\tr%u\t%s\t%lld\t%s\t%s\n", s->r, d->name,
			    (long long)s->t, s->retry ? "retry" : "daily", retry_kinds[s->retry]);
		r->episode = EP_NONE;
		return;
	}
	if (limited && !full)
		rate_limited++;
	bounces++;
	if (s->retry)
		wasted++;
	if (r->episode == EP_NONE) {
		r->episode = EP_OPEN;
		r->since = s->t;
		episodes++;
	}
	if (trace)
		fprintf(trace, "bounce\tr%u\t%s\t%lld\t%s\t%s\t%s\n", s->r, d->name,
		    (long long)s->t, s->retry ? "retry" : "daily", full ? "full" : "rate",
		    retry_kinds[s->retry]);
}

/* --- reading the programs' output --- */


static int
retry_kind(const char *line)
{
	const char *p = strstr(line, "\"schedule\":\"");

	if (p == NULL)
		return 1;
	p += 12;
	for (int k = 2; k < 5; k++)
		if (strncmp(p, retry_kinds[k], strlen(retry_kinds[k])) == 0 &&
		    p[strlen(retry_kinds[k])] == '"')
			return k;
	return 1;
}

/* The recipient of a record line ("rcpt":"r123@..."), or -1. */
static long
rcpt_of(const char *line)
{
	const char *p = strstr(line, "\"rcpt\":\"r");
	char *end;
	long v;

	if (p == NULL)
		return -1;
	v = strtol(p + 9, &end, 10);
	return *end == '@' && v >= 0 && v < nrcpt ? v : -1;
}

static FILE *
xfopen(const char *path, const char *mode)
{
	FILE *fp = fopen(path, mode);

	if (fp == NULL)
		die("%s: %s", path, strerror(errno));
	return fp;
}

static void
write_policy(void)
{
	FILE *fp;

	if (policy_path)
		return;
	policy_path = path_of("policy");
	fp = xfopen(policy_path, "w");
	if (strcmp(schedule, "fixed") == 0)
		fputs("* * schedule 24h,48h,72h,1w retries 4 pause 30d name fixed\n", fp);
	else if (strcmp(schedule, "backoff") == 0)
		fputs("* * backoff 24h x2 max 1w jitter 20% retries 4 pause 30d name backoff\n", fp);
	else if (strcmp(schedule, "adaptive") == 0)
		fputs("* * adaptive min 1h max 1w retries 4 pause 30d name adaptive\n", fp);
	else
		die("--schedule: fixed, backoff or adaptive, not %s", schedule);
	fclose(fp);
}

static int
file_empty(const char *path)
{
	struct stat sb;

	return stat(path, &sb) != 0 || sb.st_size == 0;
}

/* Both ends of a new pipe, closed on exec: each program is given only its
 * own end. */
static void
xpipe(int p[2])
{
	if (pipe(p) != 0)
		die("pipe: %s", strerror(errno));
	fcntl(p[0], F_SETFD, FD_CLOEXEC);
	fcntl(p[1], F_SETFD, FD_CLOEXEC);
}

static void
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("pipe: write error: %s", strerror(errno));
		p += w;
		n -= (size_t)w;
	}
}

/* bounce-parse | retry-plan > out, as a user's cron job runs them: the two
 * at once, retry-plan reading its state while bounce-parse reads the log.
 * With keep, the events are also appended to that file (as tee would). */
static void
parse_and_plan(char *const bp[], char *const rp[], const char *keep, const char *out)
{
	double t0 = clock_secs();
	pid_t bpid, rpid;
	int p1[2], p2[2];

	xpipe(p1);
	if (keep == NULL) {
		bpid = start(bp, -1, NULL, p1[1], NULL);
		rpid = start(rp, p1[0], NULL, -1, out);
		close(p1[0]);
		close(p1[1]);
	} else {
		FILE *ks = xfopen(keep, "a");
		char buf[1 << 16];
		ssize_t n;

		xpipe(p2);
		bpid = start(bp, -1, NULL, p1[1], NULL);
		rpid = start(rp, p2[0], NULL, -1, out);
		close(p1[1]);
		close(p2[0]);
		while ((n = read(p1[0], buf, sizeof buf)) != 0) {
			if (n < 0) {
				if (errno == EINTR)
					continue;
				die("pipe: read error: %s", strerror(errno));
			}
			write_all(p2[1], buf, (size_t)n);
			if (fwrite(buf, 1, (size_t)n, ks) != (size_t)n)
				die("%s: write error", keep);
		}
		close(p1[0]);
		close(p2[1]);
		if (fclose(ks) != 0)
			die("%s: write error", keep);
	}
	finish(bp, bpid, t0);
	finish(rp, rpid, t0);
}

/* bounce-stats --recovery, in the background: its records (without the
 * open observations of the state) replace the file retry-plan reads, as
 * "> tmp && mv" would, before the next retry-plan runs (stats_join). */
static struct {
	pid_t pid;
	double t0;
	char now[32];
	char *argv[8];
} bg_stats;

static void
stats_join(void)
{
	if (bg_stats.pid == 0)
		return;
	finish(bg_stats.argv, bg_stats.pid, bg_stats.t0);
	bg_stats.pid = 0;
	if (rename(path_of("recovery.tmp"), path_of("recovery.jsonl")) != 0)
		die("recovery.jsonl: %s", strerror(errno));
	unlink(path_of("stats.run.jsonl"));
}

static void
stats_start(char *now)
{
	char *const argv[] = { "bounce-stats", "--recovery", "--state", path_of("recovery.state"),
		"--now", bg_stats.now, path_of("stats.run.jsonl"), NULL };

	stats_join();
	snprintf(bg_stats.now, sizeof bg_stats.now, "%s", now);
	/* The events read so far: those of the next hours go to a new file. */
	if (rename(path_of("stats.jsonl"), path_of("stats.run.jsonl")) != 0)
		die("stats.jsonl: %s", strerror(errno));
	memcpy(bg_stats.argv, argv, sizeof argv);
	bg_stats.t0 = clock_secs();
	bg_stats.pid = start(bg_stats.argv, -1, NULL, -1, path_of("recovery.tmp"));
}

/* The cron job at tick T: the log of the hour before it is complete. */
static void
cron(int64_t T)
{
	char *now = stamp_arg(T), seedbuf[32], perbuf[32];
	char *log = path_of("hour.log");
	char *changed = path_of("changed.jsonl"), *due = path_of("due.jsonl");
	int adaptive = strcmp(schedule, "adaptive") == 0;
	char line[8192];
	FILE *fp;

	snprintf(seedbuf, sizeof seedbuf, "%llu", (unsigned long long)seed);
	/* The recovery times of the day before, for this hour's retry-plan. */
	stats_join();
	if (!file_empty(log)) {
		char *bp[] = { "bounce-parse", "--delivered", "--year", "2026", log, NULL };
		char *rp[20] = { "retry-plan", "--state", path_of("plans.jsonl"), "--now", now,
			"--policy", (char *)policy_path, "--seed", seedbuf, "--keep", "1d", NULL };
		size_t n = 11;
		FILE *ex = NULL;

		if (adaptive) {
			rp[n++] = "--recovery";
			rp[n++] = path_of("recovery.jsonl");
		}
		rp[n++] = "-";
		rp[n] = NULL;
		parse_and_plan(bp, rp, adaptive ? path_of("stats.jsonl") : NULL, changed);
		fp = xfopen(changed, "r");
		while (fgets(line, sizeof line, fp)) {
			long r;

			if (strstr(line, "\"state\":\"exhausted\"") == NULL || (r = rcpt_of(line)) < 0)
				continue;
			/* An exhausted plan is printed again when another message
			 * bounces: it is one give-up, added to the list again. */
			if (ex == NULL)
				ex = xfopen(path_of("exhausted.jsonl"), "w");
			fputs(line, ex);
			if (rcpts[r].episode == EP_GIVEN_UP)
				continue;
			given_up++;
			if (!is_full(&doms[rcpts[r].dom], T))
				given_up_recovered++;
			if (rcpts[r].episode == EP_OPEN)
				rcpts[r].episode = EP_GIVEN_UP;
			if (trace)
				fprintf(trace, "giveup\tr%ld\t%s\t%lld\n", r,
				    doms[rcpts[r].dom].name, (long long)T);
		}
		fclose(fp);
		if (ex) {
			char *sp[] = { "suppress", "--list", path_of("suppressed.jsonl"), "--now", now,
				"add", path_of("exhausted.jsonl"), NULL };

			fclose(ex);
			run(sp, NULL, NULL);
		}
	}
	/* The recovery times, from the events since the last time: ready for
	 * the next hour's retry-plan. */
	if (adaptive && (T - START) % (stats_every * HOUR) == 0 &&
	    !file_empty(path_of("stats.jsonl")))
		stats_start(now);
	/* The retries due now go out during the next hour. */
	{
		char *dp[16] = { "retry-due", "--state", path_of("plans.jsonl"), "--now", now,
			"--keep", "1d", NULL };
		size_t n = 7, k = 0;

		if (per_domain > 0) {
			snprintf(perbuf, sizeof perbuf, "%ld", per_domain);
			dp[n++] = "--per-domain";
			dp[n++] = perbuf;
			dp[n++] = "--list";
			dp[n++] = path_of("suppressed.jsonl");
			dp[n] = NULL;
		}
		if (!file_empty(path_of("plans.jsonl"))) {
			run(dp, NULL, due);
			fp = xfopen(due, "r");
			while (fgets(line, sizeof line, fp)) {
				long r = rcpt_of(line);

				if (r >= 0)
					add_send(T + 1 + (int64_t)(k++ % 600), (uint32_t)r,
					    retry_kind(line));
			}
			fclose(fp);
		}
	}
}

/* The day's send, filtered through the list an hour before it starts (as a
 * sender prepares a mailing); its messages go out in their hours. */
static uint32_t *today;
static size_t ntoday, next_today;

static void
prepare_day(int64_t T)
{
	int64_t day = (T - START) / DAY;
	char *list = path_of("rcpts.txt"), *keep = path_of("send.txt"), line[256];
	FILE *fp;

	ntoday = next_today = 0;
	if (day >= send_days)
		return;
	if (today == NULL)
		today = xcalloc((size_t)nrcpt, sizeof *today);
	fp = xfopen(list, "w");
	for (long i = 0; i < nrcpt; i++) {
		uint32_t r = by_slot[i];
		struct line l;

		if ((long)(r % (uint32_t)every) != ((day % every) + every) % every)
			continue;
		l.p = l.buf;
		*l.p++ = 'r';
		l_dec(&l, r);
		*l.p++ = '@';
		l_str(&l, doms[rcpts[r].dom].name);
		*l.p++ = '\n';
		fwrite(l.buf, 1, (size_t)(l.p - l.buf), fp);
	}
	if (fclose(fp) != 0)
		die("%s: write error", list);
	if (file_empty(path_of("suppressed.jsonl"))) {
		fp = xfopen(list, "r");
	} else {
		char *sp[] = { "suppress", "--list", path_of("suppressed.jsonl"), "--now",
			stamp_arg(T), "filter", list, NULL };

		run(sp, NULL, keep);
		fp = xfopen(keep, "r");
	}
	while (fgets(line, sizeof line, fp)) {
		long r = line[0] == 'r' ? strtol(line + 1, NULL, 10) : -1;

		if (r >= 0 && r < nrcpt)
			today[ntoday++] = (uint32_t)r;
	}
	fclose(fp);
}

/* The messages of the day's send in the hour after T. */
static void
daily(int64_t T)
{
	int64_t base = START + (T - START) / DAY * DAY + SEND_START;

	if (T - START - (T - START) / DAY * DAY == SEND_START - HOUR)
		prepare_day(T);
	while (next_today < ntoday) {
		uint32_t r = today[next_today];
		int64_t t = base + rcpts[r].slot;

		if (t > T + HOUR)
			break;
		if (t > T)
			add_send(t, r, 0);
		next_today++;
	}
}

/* The mail log of the days before the scenario (the daily send alone: no
 * retries, nothing filtered), read once by bounce-stats --recovery, as a
 * user starts from the logs they have. */
static double history_secs;

static void
seed_history(void)
{
	char *now = stamp_arg(START);
	char *bp[] = { "bounce-parse", "--delivered", "--year", "2026", "-", NULL };
	char *sp[] = { "bounce-stats", "--recovery", "--state", path_of("recovery.state"),
		"--now", now, NULL };
	double t0;
	pid_t bpid, spid;
	int p1[2], p2[2];
	FILE *fp;

	if (history <= 0)
		return;
	/* log | bounce-parse | bounce-stats: weeks of log written to files
	 * and read back made the harness and the file system cost more than
	 * the programs. */
	if (pipe(p1) != 0 || pipe(p2) != 0)
		die("pipe: %s", strerror(errno));
	/* Only the ends each program is given: the others close on exec. */
	for (int i = 0; i < 2; i++) {
		fcntl(p1[i], F_SETFD, FD_CLOEXEC);
		fcntl(p2[i], F_SETFD, FD_CLOEXEC);
	}
	t0 = clock_secs();
	bpid = start(bp, p1[0], NULL, p2[1], NULL);
	spid = start(sp, p2[0], NULL, -1, path_of("recovery.tmp"));
	close(p1[0]);
	close(p2[0]);
	close(p2[1]);
	if ((fp = fdopen(p1[1], "w")) == NULL)
		die("fdopen: %s", strerror(errno));
	counting = 0;
	for (long day = -history; day < 0; day++) {
		int64_t base = START + day * DAY + SEND_START;
		long pick = ((day % every) + every) % every;

		for (long i = 0; i < nrcpt; i++) {
			uint32_t r = by_slot[i];
			struct send snd = { base + rcpts[r].slot, r, 0 };

			if ((long)(r % (uint32_t)every) == pick)
				log_send(fp, &snd);
		}
	}
	counting = 1;
	if (fclose(fp) != 0)
		die("history: write error");
	finish(bp, bpid, t0);
	finish(sp, spid, t0);
	if (rename(path_of("recovery.tmp"), path_of("recovery.jsonl")) != 0)
		die("recovery.jsonl: %s", strerror(errno));
	history_secs = clock_secs() - t0;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bouncesim --dir DIR [--bin DIR] [--schedule fixed|backoff|adaptive]\n"
	    "       [--policy FILE] [--seed N] [--days N] [--send-days N] [--every N]\n"
	    "       [--recipients N] [--domains N] [--history DAYS] [--stats-every HOURS]\n"
	    "       [--per-domain N] [--no-rate-limit] [--trace FILE] [--keep-files] [--verbose]\n");
	exit(2);
}

static long
num(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		die("not a number from %ld to %ld: %s", min, max, s);
	return v;
}

static long seed_opt = 1;

/* The options, all long: a number within bounds, a string, or a switch. */
static const struct {
	const char *name;
	long *num;
	long min, max;
	const char **str;
	int *flag, set;
} opts[] = {
	{ "bin", NULL, 0, 0, &bin, NULL, 0 },
	{ "days", &days, 1, 3650, NULL, NULL, 0 },
	{ "dir", NULL, 0, 0, &dir, NULL, 0 },
	{ "domains", &ndom, 1, 10000000, NULL, NULL, 0 },
	{ "every", &every, 1, 365, NULL, NULL, 0 },
	{ "history", &history, 0, MAX_HISTORY, NULL, NULL, 0 },
	{ "keep-files", NULL, 0, 0, NULL, &keep_files, 1 },
	{ "no-rate-limit", NULL, 0, 0, NULL, &rate_limit, 0 },
	{ "per-domain", &per_domain, 1, 1000000000, NULL, NULL, 0 },
	{ "policy", NULL, 0, 0, &policy_path, NULL, 0 },
	{ "recipients", &nrcpt, 1, 100000000, NULL, NULL, 0 },
	{ "schedule", NULL, 0, 0, &schedule, NULL, 0 },
	{ "seed", &seed_opt, 0, 0x7fffffffL, NULL, NULL, 0 },
	{ "send-days", &send_days, 0, 3650, NULL, NULL, 0 },
	{ "stats-every", &stats_every, 1, 24 * 365, NULL, NULL, 0 },
	{ "trace", NULL, 0, 0, &trace_path, NULL, 0 },
	{ "verbose", NULL, 0, 0, NULL, &verbose, 1 },
};
#define NOPTS (sizeof opts / sizeof opts[0])

static void
options(int argc, char *argv[])
{
	struct option longopts[NOPTS + 1];
	int ch;

	memset(longopts, 0, sizeof longopts);
	for (size_t i = 0; i < NOPTS; i++) {
		longopts[i].name = opts[i].name;
		longopts[i].has_arg = opts[i].flag ? no_argument : required_argument;
		longopts[i].val = 256 + (int)i;
	}
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		size_t i = (size_t)ch - 256;

		if (ch < 256 || i >= NOPTS)
			usage();
		if (opts[i].num)
			*opts[i].num = num(optarg, opts[i].min, opts[i].max);
		else if (opts[i].str)
			*opts[i].str = optarg;
		else
			*opts[i].flag = opts[i].set;
	}
	seed = (uint64_t)seed_opt;
	if (optind != argc || dir == NULL)
		usage();
	if (ndom < 0)
		ndom = nrcpt / 20 > 0 ? nrcpt / 20 : 1;
	if (send_days < 0 || send_days > days)
		send_days = days;
}

/* The figures of the run, one JSON line on standard output (t0: when it
 * began). */
static void
report(double t0)
{
	unsigned long long open = 0;
	struct rusage self, kids;
	double cpu, mean = 0, p90 = 0;

	if (nttd > 0) {
		qsort(ttd, nttd, sizeof *ttd, dbl_cmp);
		for (size_t i = 0; i < nttd; i++)
			mean += ttd[i];
		mean /= (double)nttd;
		p90 = ttd[(size_t)ceil(0.9 * (double)nttd) - 1];
	}
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	cpu = (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec +
	    kids.ru_stime.tv_sec) + (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec +
	    kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) / 1e6;
	for (long i = 0; i < nrcpt; i++)
		open += rcpts[i].episode == EP_OPEN;
	printf("{\"schedule\":\"%s\",\"seed\":%llu,\"days\":%ld,\"recipients\":%ld,"
	    "\"domains\":%ld,\"episodes\":%llu,\"delivered\":%zu,\"mean_hours\":%.1f,"
	    "\"p90_hours\":%.1f,\"retries\":%llu,\"wasted\":%llu,\"given_up\":%llu,"
	    "\"given_up_recovered\":%llu,\"open\":%llu,\"sent\":%llu,\"sent_full\":%llu,"
	    "\"rate_limited\":%llu,\"runs\":%lu,\"pipeline_secs\":%.1f,\"secs\":%.1f,"
	    "\"cpu_secs\":%.1f,\"history_days\":%ld,\"history_secs\":%.1f}\n",
	    schedule, (unsigned long long)seed, days, nrcpt, ndom, episodes, nttd, mean,
	    p90, sent_retry, wasted, given_up, given_up_recovered, open,
	    sent_daily + sent_retry, sent_full, rate_limited, runs, pipeline_secs,
	    clock_secs() - t0, cpu, history, history_secs);
	if (verbose)
		for (size_t c = 0; c < sizeof costs / sizeof costs[0] && costs[c].name; c++)
			fprintf(stderr, "bouncesim: %-13s %6lu runs %7.1f s cpu %7.1f s wall\n",
			    costs[c].name, costs[c].runs, costs[c].cpu, costs[c].wall);
}

/* The files of the run removed, unless --keep-files. */
static void
clean_up(void)
{
	static const char *const files[] = { "hour.log", "stats.run.jsonl", "changed.jsonl",
		"due.jsonl", "plans.jsonl", "plans.jsonl.lock", "suppressed.jsonl",
		"suppressed.jsonl.lock", "recovery.jsonl", "recovery.state",
		"recovery.state.lock", "recovery.tmp",
		"exhausted.jsonl", "rcpts.txt", "send.txt", "policy", "stats.jsonl" };

	if (keep_files)
		return;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		unlink(path_of(files[i]));
	rmdir(dir);
}

int
main(int argc, char *argv[])
{
	double t0 = clock_secs();

	options(argc, argv);
	setenv("TZ", "UTC", 1);
	/* A program that dies early is told by its exit status, not by a
	 * signal to the simulator writing to it. */
	signal(SIGPIPE, SIG_IGN);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		die("%s: %s", dir, strerror(errno));
	if (trace_path)
		trace = xfopen(trace_path, "w");
	write_policy();
	make_world();
	if (history < 0)
		history = strcmp(schedule, "adaptive") == 0 ? 28 : 0;
	seed_history();
	if (trace)
		for (long i = 0; i < ndom; i++)
			for (uint32_t k = 0; k < doms[i].nout; k++)
				if (doms[i].out[k].end > START)
					fprintf(trace, "outage\t%s\t%lld\t%lld\n", doms[i].name,
					    (long long)doms[i].out[k].start,
					    (long long)doms[i].out[k].end);
	for (int64_t T = START; T < START + days * DAY; T += HOUR) {
		FILE *log;

		cron(T);
		daily(T);
		/* The hour after T: its sends, in time order, into the log. */
		qsort(sends, nsends, sizeof *sends, send_cmp);
		log = xfopen(path_of("hour.log"), "w");
		for (size_t i = 0; i < nsends; i++)
			log_send(log, &sends[i]);
		if (fclose(log) != 0)
			die("hour.log: write error");
		nsends = 0;
	}
	stats_join();
	report(t0);
	if (trace)
		fclose(trace);
	clean_up();
	return 0;
}
