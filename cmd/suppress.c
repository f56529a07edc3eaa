/* suppress: the suppression list. Pauses that expire and permanent entries
 * for addresses and whole domains; adding, removing, expiring, and filtering
 * recipient lists against it. The list is a JSON-lines state file replaced
 * atomically under a lock. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "afile.h"
#include "bktime.h"
#include "esplist.h"
#include "input.h"
#include "jsonl.h"
#include "opt.h"
#include "sandbox.h"
#include "suppadd.h"
#include "suppinput.h"
#include "supplist.h"
#include "util.h"

#define DEFAULT_LADDER "30d,90d,permanent"

static const struct command {
	const char *name;
	int (*run)(int, char **);
	const char *options;	/* the letters of the command options that apply */
	int writes;	/* takes the lock and may replace the list */
} *cmd;

static const char *list_path;
static int64_t now;
static int fold_local, wait_lock, invert, active_only, verbose;
static const char *field = "rcpt", *format_opt;
static long long keep_secs;
static struct suppadd adds = { .until = SUPPLIST_NOTIME, .for_secs = -1 };
static struct supplist list;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s -l list [-i] [-n time] add [-w] [-E steps] [-F field] [-T duration | -u time]\n"
	    "           [-R reason] [--no-strict-modes] [file | address ...]\n"
	    "       %s -l list [-i] [-n time] remove [-w] [-F field] [--no-strict-modes] [address ...]\n"
	    "       %s -l list [-i] [-n time] filter [-I] [-F field] [file ...]\n"
	    "       %s -l list [-i] [-n time] check address ...\n"
	    "       %s -l list [-n time] expire [-w] [-k duration] [--no-strict-modes]\n"
	    "       %s -l list [-n time] list [-a]\n"
	    "       %s -l list [-i] [-n time] import [-w] [-f provider] [-T duration | -u time]\n"
	    "           [-R reason] [--no-strict-modes] [file ...]\n"
	    "       %s -l list [-n time] export -f provider\n",
	    util_progname, util_progname, util_progname, util_progname, util_progname,
	    util_progname, util_progname, util_progname);
	exit(BK_ERR);
}

static void
help(void)
{
	printf("usage: %s --list FILE COMMAND [options] [operand ...]\n"
	    "The suppression list: pauses that expire, permanent entries, whole domains.\n"
	    "See suppress(1).\n\n"
	    "commands:\n"
	    "  add [file | addr ...]   add addresses (\"@domain\": a whole domain), or the\n"
	    "                          recipients of event or plan records or address lines\n"
	    "  remove [address ...]    remove entries (none: addresses or records from stdin)\n"
	    "  filter [file ...]       write the recipients (lines) that are not suppressed\n"
	    "  check address ...       exit 1 and print the entry if any is suppressed\n"
	    "  expire                  drop the entries whose pause has ended\n"
	    "  list                    print the entries\n"
	    "  import [file ...]       add the addresses of ESP bounce and suppression\n"
	    "                          list exports (JSON or CSV)\n"
	    "  export                  write the entries in force as a provider imports\n"
	    "                          them\n\n"
	    "options:\n"
	    "  -a, --active            list: only the entries in force\n"
	    "  -E, --escalate STEPS    add: pauses for repeat offenders (default %s;\n"
	    "                          \"none\" turns escalation off)\n"
	    "  -F, --field NAME        the address in JSON records (default rcpt)\n"
	    "  -f, --format PROVIDER   import: the provider (default auto), or bouncekit\n"
	    "                          (another list); export: sendgrid, mailgun,\n"
	    "                          postmark, ses, sparkpost, mandrill\n"
	    "  -h, --help              this text\n"
	    "  -I, --invert            filter: write the suppressed ones, with the entry\n"
	    "  -i, --fold-local        local parts match case-insensitively\n"
	    "  -k, --keep DURATION     expire: keep ended pauses this long (for escalation)\n"
	    "  -l, --list FILE         the suppression list (JSON lines; *.db: SQLite;\n"
	    "                          postgresql://...: PostgreSQL)\n"
	    "  -n, --now TIME          the time to act at: RFC 3339 or @epoch\n"
	    "  -R, --reason WORD       add: the reason stored (default: the record's)\n"
	    "  -T, --for DURATION      add: pause for DURATION (30m, 24h, 2d, 1w)\n"
	    "  -u, --until TIME        add: pause until TIME\n"
	    "  -V, --version           print the version\n"
	    "  -w, --wait              wait for the lock instead of failing at once\n"
	    "      --no-strict-modes   use a list others may write to (bouncekit(7))\n"
	    "      --verbose           say what the sandbox put in place, on stderr\n",
	    util_progname, DEFAULT_LADDER);
	exit(util_close_stdout(BK_OK));
}

/* ---- add ------------------------------------------------------------------ */

static int
add_keyed(const struct input_loc *loc, const char *key, json_t *obj)
{
	struct suppadd_info in = { NULL, NULL, NULL, NULL, -1, SUPPLIST_NOTIME };
	int rc = 1;

	if (obj == NULL) {
		in.reason = adds.reason ? adds.reason : "manual";
		in.source = "manual";
	} else if ((rc = suppadd_record(&adds, loc, obj, &in)) <= 0) {
		return rc < 0 ? BK_ERR : BK_OK;
	}
	suppadd_key(&list, &adds, key, &in);
	return BK_OK;
}

static struct suppinput add_line = { &list, NULL, add_keyed, NULL, 0, 0 };


/* Entries by row (a database's order; its new rows were numbered as they
 * went in), else by place in the list (a file's). */
static int
by_row(const void *a, const void *b)
{
	const struct supplist_entry *x = *(const struct supplist_entry *const *)a;
	const struct supplist_entry *y = *(const struct supplist_entry *const *)b;

	if (x->dbid != y->dbid)
		return (x->dbid > y->dbid) - (x->dbid < y->dbid);
	return (x > y) - (x < y);
}

/* Makes the changes the list, then prints the entries touched. */
static int
commit(int status)
{
	struct supplist_entry **v;
	size_t n = 0;

	if (suppstore_commit(&list) != 0)
		return BK_ERR;
	v = util_xcalloc(list.len + 1, sizeof *v);
	for (size_t i = 0; i < list.len; i++)
		if (list.v[i].touched)
			v[n++] = &list.v[i];
	qsort(v, n, sizeof *v, by_row);
	for (size_t i = 0; i < n; i++)
		if (supplist_write_entry(stdout, v[i], NULL) != 0)
			util_check_stdout();
	free(v);
	return status;
}

static int
changed(void)
{
	for (size_t i = 0; i < list.len; i++)
		if (list.v[i].touched)
			return 1;
	return 0;
}

/* Operands are files, or addresses: "add --for 2d @example.com". A name
 * that exists is a file. */
static int
cmd_add(int argc, char **argv)
{
	int status = BK_OK;

	if (argc == 0)
		status = input_run(0, NULL, suppinput_line, &add_line);
	for (int i = 0; i < argc; i++) {
		char key[ADDR_MAX];

		if (strcmp(argv[i], "-") != 0 && access(argv[i], F_OK) != 0 &&
		    supplist_key(argv[i], strlen(argv[i]), fold_local, key) >= 0) {
			struct input_loc loc = { "<operand>", (unsigned long)i + 1 };

			status = input_worse(status, suppinput_line(&add_line, &loc, argv[i],
			    strlen(argv[i])));
		} else {
			status = input_worse(status, input_run(1, &argv[i], suppinput_line,
			    &add_line));
		}
	}
	status = input_worse(status, suppinput_end(&add_line));
	return changed() ? commit(status) : status;
}

/* ---- import, export (ESP lists: common/esplist.c) ---------------------------- */

static void
import_event(void *arg, struct event *e)
{
	(void)arg;
	suppadd_event(&list, &adds, e);
}

/* import -f bouncekit: the entries of another list of suppress(1) (JSON
 * lines, or a database), as they are: how a list moves into a database and
 * back. Entries of addresses the list has are left as they are. */
static struct supplist *sources;	/* per operand: a database opened before the sandbox */

static int
import_list(const char *path, struct supplist *opened)
{
	struct supplist src;
	size_t kept = 0;
	int status;

	if (opened != NULL) {
		src = *opened;
		memset(opened, 0, sizeof *opened);
		status = src.db == NULL || suppstore_load_all(&src) != 0 ? -1 : 0;
	} else {
		supplist_init(&src, 0);
		status = supplist_load(&src, path);
	}
	for (size_t i = 0; i < src.len && status >= 0; i++) {
		const struct supplist_entry *from = &src.v[i];
		struct supplist_entry *e;
		char key[ADDR_MAX];

		if (from->address == NULL ||
		    supplist_key(from->address, strlen(from->address), fold_local, key) < 0)
			continue;
		if ((e = supplist_find(&list, key, strlen(key))) != NULL && !e->dropped) {
			kept++;
			continue;
		}
		e = supplist_add(&list, key);
		free(e->address);
		e->address = util_xstrdup(from->address);
		e->reason = from->reason ? util_xstrdup(from->reason) : NULL;
		e->source = from->source ? util_xstrdup(from->source) : NULL;
		e->status = from->status ? util_xstrdup(from->status) : NULL;
		e->since = from->since;
		e->until = from->until;
		e->last_added = from->last_added;
		e->count = from->count;
		e->touched = 1;
	}
	if (kept > 0)
		util_warnx("%s: %zu entries of addresses already listed left as they were", path,
		    kept);
	suppstore_close(&src);
	supplist_free(&src);
	return status < 0 ? BK_ERR : status;
}

static int
cmd_import(int argc, char **argv)
{
	enum webhook_format f = WEBHOOK_AUTO;
	int status = BK_OK;

	if (format_opt != NULL && strcmp(format_opt, "bouncekit") == 0) {
		if (argc == 0)
			usage();
		for (int i = 0; i < argc; i++)
			status = input_worse(status, import_list(argv[i],
			    suppstore_db(argv[i]) ? &sources[i] : NULL));
		return changed() ? commit(status) : status;
	}
	if (format_opt != NULL && esplist_read_format(format_opt, &f) != 0) {
		util_warnx("import: not a provider whose lists are read: %s", format_opt);
		return BK_ERR;
	}
	if (argc == 0)
		status = esplist_read("-", f, import_event, NULL);
	for (int i = 0; i < argc; i++)
		status = input_worse(status, esplist_read(argv[i], f, import_event, NULL));
	return changed() ? commit(status) : status;
}

static int
cmd_export(int argc, char **argv)
{
	int fmt = format_opt ? esplist_export_format(format_opt) : -1;
	size_t skipped;

	(void)argv;
	if (argc > 0)
		usage();
	if (fmt < 0) {
		util_warnx("export: --format sendgrid, mailgun, postmark, ses, sparkpost or "
		    "mandrill%s%s", format_opt ? ", not " : " is needed", format_opt ? format_opt : "");
		return BK_ERR;
	}
	if (suppstore_load_all(&list) != 0)
		return BK_ERR;
	if (esplist_export(stdout, &list, fmt, now, &skipped) != 0)
		util_check_stdout();
	if (skipped > 0)
		util_warnx("%zu domain entries not exported: %s lists hold addresses only", skipped,
		    format_opt);
	return BK_OK;
}

/* ---- remove ------------------------------------------------------------------ */

static void
remove_key(const char *key)
{
	struct supplist_entry *e = supplist_find(&list, key, strlen(key));

	if (e != NULL && !e->dropped) {
		e->dropped = 1;
		e->touched = 1;
	}
}

static int
remove_keyed(const struct input_loc *loc, const char *key, json_t *obj)
{
	(void)loc, (void)obj;
	remove_key(key);
	return BK_OK;
}

static struct suppinput remove_line = { &list, NULL, remove_keyed, NULL, 0, 0 };

/* Printing the entries removed must come after the commit, and they are no
 * longer written by supplist_write: mark, commit, print. */
static int
cmd_remove(int argc, char **argv)
{
	int status = BK_OK;

	if (argc == 0) {
		status = input_run(0, NULL, suppinput_line, &remove_line);
	} else {
		for (int i = 0; i < argc; i++) {
			char key[ADDR_MAX];

			if (supplist_key(argv[i], strlen(argv[i]), fold_local, key) < 0) {
				util_warnx("%s: not an address or @domain", argv[i]);
				status = BK_ERR;
				continue;
			}
			remove_key(key);
		}
	}
	status = input_worse(status, suppinput_end(&remove_line));
	return changed() ? commit(status) : status;
}

/* ---- expire ------------------------------------------------------------------ */

static int
cmd_expire(int argc, char **argv)
{
	int64_t cut = now - keep_secs;

	(void)argv;
	if (argc > 0)
		usage();
	if (suppstore_load_ended(&list, cut) != 0)
		return BK_ERR;
	for (size_t i = 0; i < list.len; i++) {
		struct supplist_entry *e = &list.v[i];

		/* A pause ends at its until: from that second on it is over. */
		if (e->address != NULL && !e->dropped && e->until != SUPPLIST_FOREVER &&
		    e->until <= cut) {
			e->dropped = 1;
			e->touched = 1;
		}
	}
	return changed() ? commit(BK_OK) : BK_OK;
}

/* ---- list, check ---------------------------------------------------------- */

static int
cmd_list(int argc, char **argv)
{
	(void)argv;
	if (argc > 0)
		usage();
	if (suppstore_load_all(&list) != 0)
		return BK_ERR;
	for (size_t i = 0; i < list.len; i++) {
		const struct supplist_entry *e = &list.v[i];

		if (e->address != NULL && (!active_only || supplist_active(e, now)) &&
		    supplist_write_entry(stdout, e, NULL) != 0)
			util_check_stdout();
	}
	return BK_OK;
}

static int
cmd_check(int argc, char **argv)
{
	int status = BK_OK;

	if (argc == 0)
		usage();
	for (int i = 0; i < argc; i++) {
		char key[ADDR_MAX], shown[ADDR_MAX];
		const struct supplist_entry *e;
		int klen;

		if ((klen = supplist_key(argv[i], strlen(argv[i]), fold_local, key)) < 0) {
			util_warnx("%s: not an address or @domain", argv[i]);
			status = BK_ERR;
			continue;
		}
		if ((e = supplist_match(&list, key, (size_t)klen, now)) != NULL) {
			supplist_key(argv[i], strlen(argv[i]), 0, shown);
			if (supplist_write_entry(stdout, e, shown) != 0)
				util_check_stdout();
			status = input_worse(status, BK_NO);
		}
	}
	return status;
}

/* ---- filter ------------------------------------------------------------------ */

/* Whether the address key is suppressed: in the compact view of a file,
 * or asked of a database (a failed look-up fails the run, closed). */
static int
suppressed(const char *key, size_t len)
{
	int rc;

	if ((rc = suppstore_match(&list, key, len, now)) < 0)
		list.failed = 1;
	return rc != 0;
}

/* One recipient line, line[0..len) without its line end: 1 to write it as it
 * is, 0 not to (suppressed, blank, bad, or written as a match with --invert). */
static int
filter_line(const struct input_loc *loc, const char *line, size_t len, int *status)
{
	char key[ADDR_MAX], why[200];
	const char *addr = NULL, *p;
	json_t *obj = NULL;
	size_t klen;

	/* Most lines of a recipient list: no copy, no normalising. */
	if (!invert && supplist_simple(line, len))
		return !suppressed(line, len);
	if ((p = suppinput_content(line, len)) == NULL)
		return 0;
	if (*p == '{') {
		if ((obj = jsonl_parse_object(line, len, why, sizeof why)) == NULL) {
			util_locwarn(loc->file, loc->line, "%s", why);
			*status = BK_ERR;
			return 0;
		}
		if ((addr = jsonl_get_str(obj, field)) == NULL) {
			util_locwarn(loc->file, loc->line, "no \"%s\" string in the record", field);
			*status = BK_ERR;
			json_decref(obj);
			return 0;
		}
	}
	if (addr_normalize(addr ? addr : line, addr ? strlen(addr) : len, fold_local, key) < 0) {
		util_locwarn(loc->file, loc->line, addr ? "%s: not an address" : "not an address",
		    field);
		*status = BK_ERR;
		json_decref(obj);
		return 0;
	}
	klen = strlen(key);
	if (invert) {
		const struct supplist_entry *e = supplist_match(&list, key, klen, now);
		char shown[ADDR_MAX];

		if (e != NULL) {
			addr_normalize(addr ? addr : line, addr ? strlen(addr) : len, 0, shown);
			if (supplist_write_entry(stdout, e, shown) != 0)
				util_check_stdout();
		}
		json_decref(obj);
		return 0;
	}
	json_decref(obj);
	return !suppressed(key, klen);
}

static void
put_bytes(const char *p, size_t n)
{
	if (n > 0 && fwrite(p, 1, n, stdout) != n)
		util_check_stdout();
}

/* Takes the lines in blocks and writes the lines kept in runs straight from
 * them: most lines are kept, and copying them one by one would cost more
 * than deciding about them. */
static int
filter_file(const char *name)
{
	struct input_loc loc = { input_display_name(name), 0 };
	struct input_reader rd;
	int status = BK_OK;
	char *block;
	size_t n;
	FILE *fp;

	if ((fp = input_open(name)) == NULL)
		return BK_ERR;
	input_reader_init(&rd, fileno(fp));
	while (input_next_lines(&rd, &block, &n)) {
		size_t start = 0, run = 0;

		while (start < n) {
			char *q = memchr(block + start, '\n', n - start);
			size_t end = q ? (size_t)(q - block) : n, len = end - start;

			if (len > 0 && block[start + len - 1] == '\r')
				len--;
			loc.line++;
			if (!filter_line(&loc, block + start, len, &status)) {
				put_bytes(block + run, start - run);
				run = end < n ? end + 1 : n;
			}
			start = end + 1;
		}
		put_bytes(block + run, n - run);
		/* The last line has no line end: it gets one. */
		if (run < n && block[n - 1] != '\n')
			put_bytes("\n", 1);
	}
	if (rd.error) {
		errno = rd.error;
		util_warn("%s: read error", loc.file);
		status = BK_ERR;
	}
	input_reader_free(&rd);
	if (fp != stdin)
		fclose(fp);
	return status;
}

static int
cmd_filter(int argc, char **argv)
{
	int status = BK_OK;

	if (argc == 0)
		status = input_worse(status, filter_file("-"));
	for (int i = 0; i < argc; i++)
		status = input_worse(status, filter_file(argv[i]));
	return status;
}

static const struct command commands[] = {
	{ "add", cmd_add, "EFiRTuw" AFILE_NO_STRICT_LETTER, 1 },
	{ "check", cmd_check, "i", 0 },
	{ "expire", cmd_expire, "kw" AFILE_NO_STRICT_LETTER, 1 },
	{ "export", cmd_export, "f", 0 },
	{ "filter", cmd_filter, "FiI", 0 },
	{ "import", cmd_import, "EfiRTuw" AFILE_NO_STRICT_LETTER, 1 },
	{ "list", cmd_list, "a", 0 },
	{ "remove", cmd_remove, "Fiw" AFILE_NO_STRICT_LETTER, 1 },
};

/* Long options without a letter. */
enum { OPT_VERBOSE = 2 };

/* The options of some commands only. */
#define COMMAND_OPTIONS "aEfFiIkRTuw" AFILE_NO_STRICT_LETTER

/* Reads the options, before and after the command; returns the operands
 * after the command in *argcp, *argvp. */
static void
options(int *argcp, char ***argvp)
{
	/* Long only; the letters' long names are opt.c's. */
	static const struct option longonly[] = {
		/* Long only: -v was --invert in earlier versions; a verbose filter
		 * would let the suppressed through. */
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ AFILE_NO_STRICT_OPTION, no_argument, NULL, AFILE_NO_STRICT_VAL },
		{ NULL, 0, NULL, 0 },
	};
	char others[sizeof COMMAND_OPTIONS], why[32], **argv;
	size_t nothers = 0;
	struct opt o;
	int ch, argc;

	opt_init(&o, *argcp, *argvp, "aE:f:F:hIik:l:n:R:T:u:Vw", longonly, usage);
	while ((ch = opt_next(&o)) != -1) {
		switch (ch) {
		case 'a': active_only = 1; break;
		case 'E':
			if (suppadd_ladder(&adds, optarg) != 0)
				opt_fail(&o, "--escalate: not increasing durations, \"permanent\" "
				    "last, or \"none\": %s", optarg);
			break;
		case 'f': format_opt = optarg; break;
		case 'F': field = optarg; break;
		case 'h': help(); break;
		case 'I': invert = 1; break;
		case 'i': fold_local = 1; break;
		case 'k': keep_secs = opt_duration(&o, optarg, 0); break;
		case 'l': list_path = optarg; break;
		case 'n': now = opt_time(&o, optarg); break;
		case 'R': adds.reason = optarg; break;
		case 'T': adds.for_secs = opt_duration(&o, optarg, 0); break;
		case 'u': adds.until = opt_time(&o, optarg); break;
		case OPT_VERBOSE: verbose = 1; break;
		case 'w': wait_lock = 1; break;
		default: usage();
		}
	}
	argc = opt_argc(&o);
	argv = opt_argv(&o);
	if (argc == 0)
		opt_fail(&o, "no command");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, argv[0]) == 0)
			cmd = &commands[i];
	if (cmd == NULL)
		opt_fail(&o, "unknown command: %s", argv[0]);
	if (list_path == NULL)
		opt_fail(&o, "no --list FILE");
	for (const char *c = COMMAND_OPTIONS; *c; c++)
		if (strchr(cmd->options, *c) == NULL)
			others[nothers++] = *c;
	others[nothers] = '\0';
	snprintf(why, sizeof why, "to %s", cmd->name);
	opt_reject(&o, others, why);
	if (opt_given(&o, 'T') && opt_given(&o, 'u'))
		opt_fail(&o, "--for and --until exclude each other");
	*argcp = argc - 1;
	*argvp = argv + 1;
	opt_free(&o);
}

/* Opens the list as the command needs it: locked for a change; filter
 * asks only whether a recipient is suppressed (a file: a compact view of
 * it), unless --invert shows the entries. The status so far, or -1. */
static int
open_list(void)
{
	int filter = cmd->run == cmd_filter && !invert;

	if (filter) {
		/* A large stdout buffer: filter writes most of what it reads. */
		setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	}
	return suppstore_open(&list, list_path, (cmd->writes ? SUPPSTORE_WRITE : 0) |
	    (wait_lock ? SUPPSTORE_WAIT : 0) | (filter ? SUPPSTORE_MATCH : 0));
}

/* import -f bouncekit: the databases among the operands are opened while
 * they can be (no sandbox yet). */
static void
open_sources(int argc, char **argv)
{
	if (cmd->run != cmd_import || format_opt == NULL || strcmp(format_opt, "bouncekit") != 0)
		return;
	sources = util_xcalloc((size_t)argc + 1, sizeof *sources);
	for (int i = 0; i < argc; i++)
		if (suppstore_db(argv[i]) != NULL && suppstore_open(&sources[i], argv[i], 0) != 0)
			suppstore_close(&sources[i]);	/* reported; import_list fails it */
}

int
main(int argc, char *argv[])
{
	int status;

	util_setprogname(argv[0]);
	now = (int64_t)time(NULL);
	if (suppadd_ladder(&adds, DEFAULT_LADDER) != 0)
		abort();
	options(&argc, &argv);
	adds.now = now;
	add_line.field = remove_line.field = field;
	supplist_init(&list, fold_local);
	if ((status = open_list()) >= 0) {
		/* add reads the operands that are files; import, lists. */
		sandbox_allow_path(list_path, SANDBOX_READ);
		open_sources(argc, argv);
		sandbox_enter_reading(argc, argv);
		status = input_worse(status, cmd->run(argc, argv));
		if (list.failed)
			status = BK_ERR;	/* reported: a look-up in the database failed */
	} else {
		status = BK_ERR;
	}
	suppstore_close(&list);
	supplist_free(&list);
	free(sources);
	if (verbose)
		sandbox_report();
	return util_close_stdout(status);
}
