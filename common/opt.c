/* opt: the command-line contract of every program (see opt.h). */
#include "opt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "ascii.h"
#include "bktime.h"
#include "util.h"

/* Every letter of every program, with its long name: one meaning each. */
static const struct option letter_table[] = {
	{ "since", required_argument, NULL, 'A' },
	{ "active", no_argument, NULL, 'a' },
	{ "by", required_argument, NULL, 'b' },
	{ "recurring-days", required_argument, NULL, 'C' },
	{ "claim-timeout", required_argument, NULL, 'c' },
	{ "plan-delayed", no_argument, NULL, 'D' },
	{ "delivered", no_argument, NULL, 'd' },
	{ "escalate", required_argument, NULL, 'E' },
	{ "explain", required_argument, NULL, 'e' },
	{ "field", required_argument, NULL, 'F' },
	{ "format", required_argument, NULL, 'f' },
	{ "segment", required_argument, NULL, 'G' },
	{ "progress", no_argument, NULL, 'g' },
	{ "help", no_argument, NULL, 'h' },
	{ "invert", no_argument, NULL, 'I' },
	{ "fold-local", no_argument, NULL, 'i' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "throttle-min", required_argument, NULL, 'K' },
	{ "keep", required_argument, NULL, 'k' },
	{ "limit", required_argument, NULL, 'L' },
	{ "list", required_argument, NULL, 'l' },
	{ "dry-run", no_argument, NULL, 'N' },
	{ "now", required_argument, NULL, 'n' },
	{ "rotated", required_argument, NULL, 'O' },
	{ "offset-file", required_argument, NULL, 'o' },
	{ "print-policy", no_argument, NULL, 'P' },
	{ "policy", required_argument, NULL, 'p' },
	{ "reason", required_argument, NULL, 'R' },
	{ "resolve-after", required_argument, NULL, 'r' },
	{ "seed", required_argument, NULL, 'S' },
	{ "state", required_argument, NULL, 's' },
	{ "for", required_argument, NULL, 'T' },
	{ "top", required_argument, NULL, 't' },
	{ "until", required_argument, NULL, 'u' },
	{ "version", no_argument, NULL, 'V' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "window", required_argument, NULL, 'W' },
	{ "wait", no_argument, NULL, 'w' },
	{ "why", no_argument, NULL, 'x' },
	{ "year", required_argument, NULL, 'y' },
};

/* The long options of shortopts' letters, then longonly's. */
static struct option *
long_options(const char *shortopts, const struct option *longonly)
{
	size_t n = 0, nlong = 0;
	struct option *v;

	while (longonly && longonly[nlong].name)
		nlong++;
	v = util_xcalloc(strlen(shortopts) + nlong + 1, sizeof *v);
	for (const char *c = shortopts; *c; c++) {
		size_t i = 0;
		int has_arg = c[1] == ':' ? required_argument : no_argument;

		if (*c == ':')
			continue;
		while (i < sizeof letter_table / sizeof letter_table[0] && letter_table[i].val != *c)
			i++;
		if (i == sizeof letter_table / sizeof letter_table[0] || letter_table[i].has_arg != has_arg)
			util_errx(BK_ERR, "opt: -%c is not in the table of letters as given", *c);
		v[n++] = letter_table[i];
	}
	for (size_t i = 0; i < nlong; i++)
		v[n++] = longonly[i];
	return v;
}

void
opt_init(struct opt *o, int argc, char **argv, const char *shortopts,
    const struct option *longonly, void (*usage)(void))
{
	size_t n = strlen(shortopts);

	memset(o, 0, sizeof *o);
	o->argc = argc;
	o->argv = argv;
	o->longopts = long_options(shortopts, longonly);
	o->usage = usage;
	/* "+": getopt_long stops at each operand and opt_next steps over it,
	 * which every libc does alike (GNU's reordering is not everywhere, and
	 * restarting getopt to read a command's own options is not portable). */
	o->shortopts = util_xmalloc(n + 2);
	o->shortopts[0] = '+';
	memcpy(o->shortopts + 1, shortopts, n + 1);
	optind = 1;
}

static _Noreturn void
fail(const struct opt *o)
{
	o->usage();
	exit(BK_ERR);	/* usage exits; in case it does not */
}

static void
set_name(struct opt *o, int ch, int longindex)
{
	static char buf[64];
	const char *name = NULL;

	if (longindex >= 0)
		name = o->longopts[longindex].name;
	for (const struct option *lo = o->longopts; name == NULL && lo->name; lo++)
		if (lo->flag == NULL && lo->val == ch)
			name = lo->name;
	if (name)
		snprintf(buf, sizeof buf, "--%s", name);
	else
		snprintf(buf, sizeof buf, "-%c", ch);
	o->name = buf;
}

int
opt_next(struct opt *o)
{
	while (optind < o->argc) {
		const char *a = o->argv[optind];
		int ch, longindex = -1;

		if (o->ended || a[0] != '-' || a[1] == '\0') {
			o->argv[1 + o->noperands++] = o->argv[optind++];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			o->ended = 1;
			optind++;
			continue;
		}
		ch = getopt_long(o->argc, o->argv, o->shortopts, o->longopts, &longindex);
		if (ch == -1)
			continue;	/* cannot happen: a[] is an option */
		if (ch == '?' || ch == ':')
			fail(o);	/* getopt_long said what */
		o->given[(unsigned char)ch] = 1;
		set_name(o, ch, longindex);
		/* The same in every program that has them. */
		if (ch == 'V')
			util_version();
		if (ch == AFILE_NO_STRICT_VAL) {
			afile_strict_modes(0);
			continue;
		}
		return ch;
	}
	o->argv[1 + o->noperands] = NULL;
	return -1;
}

int
opt_argc(const struct opt *o)
{
	return o->noperands;
}

char **
opt_argv(const struct opt *o)
{
	return o->argv + 1;
}

void
opt_free(struct opt *o)
{
	free(o->shortopts);
	free(o->longopts);
	o->shortopts = NULL;
	o->longopts = NULL;
}

void
opt_fail(const struct opt *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	util_vwarnx(fmt, ap);
	va_end(ap);
	fail(o);
}

time_t
opt_time(const struct opt *o, const char *arg)
{
	time_t t;

	if (bktime_parse_arg(arg, &t) != 0)
		opt_fail(o, "%s: not a time (RFC 3339, @EPOCH or now): %s", o->name, arg);
	return t;
}

long long
opt_duration(const struct opt *o, const char *arg, int positive)
{
	long long secs;

	if (bktime_parse_duration(arg, &secs) != 0 || (positive && secs <= 0))
		opt_fail(o, "%s: not a%s duration (e.g. 30m, 24h, 2d, 1w): %s", o->name,
		    positive ? " positive" : "", arg);
	return secs;
}

long long
opt_count(const struct opt *o, const char *arg, long long min, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	/* strtoll would also take leading blanks and a plus sign. */
	if (!ascii_digit(arg[0] == '-' ? arg[1] : arg[0]) || *end != '\0')
		opt_fail(o, "%s: not a number: %s", o->name, arg);
	if (errno == ERANGE || v < min || v > max)
		opt_fail(o, "%s: out of range (%lld..%lld): %s", o->name, min, max, arg);
	return v;
}

int
opt_choice(const struct opt *o, const char *arg, const char *const *names)
{
	struct util_buf b = {0};

	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], arg) == 0)
			return i;
	for (int i = 0; names[i]; i++) {
		if (i > 0)
			util_buf_adds(&b, names[i + 1] ? ", " : " or ");
		util_buf_adds(&b, names[i]);
	}
	opt_fail(o, "%s: %s, not %s", o->name, util_buf_str(&b), arg);
}

int
opt_given(const struct opt *o, int ch)
{
	return o->given[(unsigned char)ch];
}

void
opt_reject(const struct opt *o, const char *letters, const char *why)
{
	for (const char *c = letters; *c; c++) {
		struct opt tmp = *o;

		if (!opt_given(o, *c))
			continue;
		set_name(&tmp, *c, -1);
		opt_fail(o, "%s does not apply %s", tmp.name, why);
	}
}

void
opt_alone(const struct opt *o, const char *letters, const char *mode)
{
	char why[64];

	snprintf(why, sizeof why, "with %s", mode);
	opt_reject(o, letters, why);
	if (opt_argc(o) > 0)
		opt_fail(o, "%s takes no operands", mode);
}
