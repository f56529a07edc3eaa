/* opt: the command-line contract of every program: options anywhere among
 * the operands, checked time, duration and count arguments with one message
 * each, and options refused where they do not apply (exit 2).
 *
 * One letter has one meaning in every program: the letters and their long
 * names are one table (opt.c), from which each program takes its letters;
 * tests/03-options.bats checks each --help against that table and against
 * its man page. A new option takes a free letter there (or none: long
 * only, given by the program). Renamed letters keep their long names,
 * which never change. */
#ifndef BK_OPT_H
#define BK_OPT_H

#include <getopt.h>
#include <time.h>

struct opt {
	int argc;
	char **argv;
	struct option *longopts;	/* of the letters, then the long only ones */
	char *shortopts;	/* "+" and the program's letters */
	void (*usage)(void);	/* prints the synopsis; exits 2 */
	int noperands;		/* gathered at the front of argv + 1 */
	int ended;		/* "--" seen: the rest are operands */
	const char *name;	/* "--long" of the option just read */
	unsigned char given[256];	/* letters seen (long options by their letter) */
};

/* shortopts: the program's letters, as for getopt_long, each with its long
 * name from the table; longonly: its options without a letter (NULL, or
 * ended by a zeroed entry), their values not letters. usage is called for
 * every error. A letter not in the table, or with an argument where the
 * table has none (or the reverse), aborts: a programming error. */
void opt_init(struct opt *o, int argc, char **argv, const char *shortopts,
    const struct option *longonly, void (*usage)(void));
/* The next option (its letter, as getopt_long returns it, with optarg), or -1
 * at the end. Operands may come before, between and after options, in any
 * libc; "--" ends the options. Two are done here, the same in every
 * program: -V --version prints the version and exits, --no-strict-modes
 * (AFILE_NO_STRICT_OPTION) turns afile_check off; neither is returned. */
int opt_next(struct opt *o);
/* After the last opt_next: the operands, in their order. */
int opt_argc(const struct opt *o);
char **opt_argv(const struct opt *o);
void opt_free(struct opt *o);

/* Arguments of the option just read. Each reports "--name: ..." and calls
 * usage when the argument is bad. */
/* RFC 3339, @EPOCH or "now". */
time_t opt_time(const struct opt *o, const char *arg);
/* 90s, 30m, 24h, 2d, 1w, 1d12h or seconds; positive: more than 0. */
long long opt_duration(const struct opt *o, const char *arg, int positive);
/* A decimal integer in [min, max]. */
long long opt_count(const struct opt *o, const char *arg, long long min, long long max);
/* One of the NULL-terminated names; returns its index. */
int opt_choice(const struct opt *o, const char *arg, const char *const *names);

/* Whether option ch was given. */
int opt_given(const struct opt *o, int ch);
/* Each option of letters that was given is refused: "--x does not apply
 * WHY" (why: "with --explain", "without --offset-file", "to list"), then
 * usage. */
void opt_reject(const struct opt *o, const char *letters, const char *why);
/* A mode that stands alone (--explain, --print-policy): the options of
 * letters are refused "with MODE", and so are operands. */
void opt_alone(const struct opt *o, const char *letters, const char *mode);
/* A usage error of the program's own: "prog: message", then usage. */
_Noreturn void opt_fail(const struct opt *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
