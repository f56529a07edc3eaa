/* bounce-parse: MTA logs, bounce emails and ESP webhooks -> one event record
 * (JSON line) per recipient outcome. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "afile.h"
#include "ascii.h"
#include "batchread.h"
#include "bktime.h"
#include "email.h"
#include "event.h"
#include "explain.h"
#include "input.h"
#include "jsonl.h"
#include "logparse.h"
#include "offset.h"
#include "opt.h"
#include "pool.h"
#include "reason.h"
#include "sandbox.h"
#include "status.h"
#include "util.h"
#include "webhook.h"

enum kind { K_AUTO, K_LOG, K_EMAIL, K_MBOX, K_MAILDIR, K_WEBHOOK, K_LIST };

static const struct format {
	const char *name;
	enum kind kind;
	enum logparse_format log;
	enum webhook_format webhook;
	const char *reads;	/* for -f list */
} formats[] = {
	{ "auto", K_AUTO, LOGPARSE_AUTO, WEBHOOK_AUTO,
	    "each input told by its first line, each log line and JSON value by itself" },
	{ "postfix", K_LOG, LOGPARSE_POSTFIX, WEBHOOK_AUTO,
	    "Postfix logs (syslog): smtp, lmtp, local, virtual, pipe, bounce, qmgr expiry" },
	{ "exim", K_LOG, LOGPARSE_EXIM, WEBHOOK_AUTO,
	    "Exim main logs, own stamps or syslog" },
	{ "sendmail", K_LOG, LOGPARSE_SENDMAIL, WEBHOOK_AUTO,
	    "Sendmail logs (syslog)" },
	{ "powermta", K_LOG, LOGPARSE_POWERMTA, WEBHOOK_AUTO,
	    "PowerMTA accounting CSV, columns named by its header line" },
	{ "exchange", K_LOG, LOGPARSE_EXCHANGE, WEBHOOK_AUTO,
	    "Microsoft Exchange message tracking logs (#Fields: CSV)" },
	{ "opensmtpd", K_LOG, LOGPARSE_OPENSMTPD, WEBHOOK_AUTO,
	    "OpenSMTPD delivery lines (syslog, program smtpd)" },
	{ "qmail", K_LOG, LOGPARSE_QMAIL, WEBHOOK_AUTO,
	    "qmail-send logs: multilog (tai64n), splogger or bare" },
	{ "haraka", K_LOG, LOGPARSE_HARAKA, WEBHOOK_AUTO,
	    "Haraka logs: outbound lines joined to their transactions" },
	{ "email", K_EMAIL, LOGPARSE_AUTO, WEBHOOK_AUTO,
	    "one bounce message: RFC 3464 DSN, non-standard bounce, ARF report" },
	{ "mbox", K_MBOX, LOGPARSE_AUTO, WEBHOOK_AUTO,
	    "an mbox file of bounce messages" },
	{ "maildir", K_MAILDIR, LOGPARSE_AUTO, WEBHOOK_AUTO,
	    "a Maildir or a folder of bounce messages" },
	{ "ses", K_WEBHOOK, LOGPARSE_AUTO, WEBHOOK_SES,
	    "Amazon SES notifications and events: bare, SNS envelope, EventBridge; "
	    "list-suppressed-destinations output" },
	{ "sendgrid", K_WEBHOOK, LOGPARSE_AUTO, WEBHOOK_SENDGRID,
	    "SendGrid event webhook batches; bounces, blocks, spam reports, invalid "
	    "emails, unsubscribes lists (v3 API, older list format, CSV download)" },
	{ "mailgun", K_WEBHOOK, LOGPARSE_AUTO, WEBHOOK_MAILGUN,
	    "Mailgun webhooks and events API pages; bounces, complaints, unsubscribes "
	    "lists (API pages, CSV)" },
	{ "postmark", K_WEBHOOK, LOGPARSE_AUTO, WEBHOOK_POSTMARK,
	    "Postmark bounce, delivery and spam complaint webhooks, bounces API, "
	    "suppression dumps" },
	{ "sparkpost", K_WEBHOOK, LOGPARSE_AUTO, WEBHOOK_SPARKPOST,
	    "SparkPost message events: webhook batches, events API pages; "
	    "suppression list (API pages, CSV)" },
	{ "mandrill", K_WEBHOOK, LOGPARSE_AUTO, WEBHOOK_MANDRILL,
	    "Mandrill (Mailchimp Transactional) events and messages API; rejection "
	    "list (rejects/list, CSV)" },
	{ "brevo", K_WEBHOOK, LOGPARSE_AUTO, WEBHOOK_BREVO,
	    "Brevo transactional and marketing webhooks, statistics API events" },
	{ "sendinblue", K_WEBHOOK, LOGPARSE_AUTO, WEBHOOK_BREVO,
	    "the former name of brevo" },
	{ "mailjet", K_WEBHOOK, LOGPARSE_AUTO, WEBHOOK_MAILJET,
	    "Mailjet event API posts, single or grouped" },
	{ "resend", K_WEBHOOK, LOGPARSE_AUTO, WEBHOOK_RESEND,
	    "Resend webhooks" },
	{ "postal", K_WEBHOOK, LOGPARSE_AUTO, WEBHOOK_POSTAL,
	    "Postal webhooks, posted or bare payloads" },
	{ "kumomta", K_WEBHOOK, LOGPARSE_AUTO, WEBHOOK_KUMOMTA,
	    "KumoMTA JSON log records" },
	{ "mailersend", K_WEBHOOK, LOGPARSE_AUTO, WEBHOOK_MAILERSEND,
	    "MailerSend webhooks" },
	{ "smtp2go", K_WEBHOOK, LOGPARSE_AUTO, WEBHOOK_SMTP2GO,
	    "SMTP2GO webhooks (JSON output)" },
	{ "azure", K_WEBHOOK, LOGPARSE_AUTO, WEBHOOK_AZURE,
	    "Azure Communication Services email delivery reports (Event Grid)" },
};

static const struct format *format = &formats[0];
static int with_delivered;
/* --why: the rules that decided reason and class, with each record. */
static int with_why;
static unsigned long events_written;
/* The time of an outcome whose input gives none (a bounce without any date, a
 * log line without a stamp): the file's modification time, else the clock. */
static time_t fallback_time;
static struct logparse logs;
static struct email_opts email_opts;
/* Threads that parse the messages of a folder. */
static unsigned jobs;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-dvx] [-f format] [-j jobs] [-y year] [file ...]\n"
	    "       %s [-dgvx] [-f format] [-O glob] [-y year] [--no-strict-modes]\n"
	    "           -o offset-file file ...\n"
	    "       %s -e code | reply-line | rules | -\n", util_progname, util_progname,
	    util_progname);
	exit(BK_ERR);
}

/* -f list: each format as a JSON line. */
static _Noreturn void
list_formats(void)
{
	static const char *const kinds[] = { [K_AUTO] = "auto", [K_LOG] = "log",
		[K_EMAIL] = "email", [K_MBOX] = "mbox", [K_MAILDIR] = "maildir",
		[K_WEBHOOK] = "json", [K_LIST] = "csv" };

	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		json_t *o = json_object();

		jsonl_set_str(o, "format", formats[i].name);
		jsonl_set_str(o, "kind", kinds[formats[i].kind]);
		jsonl_set_str(o, "reads", formats[i].reads);
		jsonl_print(o);
		json_decref(o);
	}
	exit(util_close_stdout(BK_OK));
}

static void
help(void)
{
	printf("usage: %s [options] [file ...]\n"
	    "Reads MTA logs, bounce emails (single, mbox, Maildir) and ESP webhook JSON;\n"
	    "writes one JSON event per recipient outcome. See bounce-parse(1).\n\n"
	    "  -d, --delivered         also write deliveries (they close retry plans)\n"
	    "  -e, --explain WHAT      how a status code or a reply line (\"550 5.1.1 ...\",\n"
	    "                          \"-\": lines on stdin) is classified, or \"rules\":\n"
	    "                          every rule and its source; then exit\n"
	    "  -f, --format FORMAT     auto (default), postfix, exim, sendmail, powermta,\n"
	    "                          kumomta, exchange, opensmtpd, qmail, haraka, email,\n"
	    "                          mbox, maildir, ses, sendgrid, mailgun, postmark,\n"
	    "                          sparkpost, mandrill, brevo, mailjet, resend, postal,\n"
	    "                          mailersend, smtp2go, azure\n"
	    "                          (\"list\": them all as JSON lines)\n"
	    "  -g, --progress          with -o: progress line on stderr (a terminal)\n"
	    "  -h, --help              this text\n"
	    "  -j, --jobs N            threads for the messages of a folder (default:\n"
	    "                          the processors, at most 8); output as with 1\n"
	    "  -O, --rotated GLOB      with -o: more names under which logs are rotated\n"
	    "  -o, --offset-file FILE  read only what is new in growing log files\n"
	    "  -V, --version           print the version\n"
	    "  -v, --verbose           say what the sandbox put in place, on stderr\n"
	    "  -x, --why               add the rules that decided reason and class\n"
	    "  -y, --year YYYY         year of syslog stamps that have none\n"
	    "      --no-strict-modes   with -o: use an offset file others may write to\n",
	    util_progname);
	exit(util_close_stdout(BK_OK));
}

/* Every parser's events end here. arg: the stream to write to, NULL for
 * stdout (a worker of a folder's messages has its own). */
static void
sink(void *arg, struct event *e)
{
	FILE *out = arg ? arg : stdout;

	if (e->time == (time_t)-1)
		e->time = fallback_time;
	event_finish(e);
	if (!with_delivered && strcmp(e->class, "none") == 0 && e->action &&
	    strcmp(e->action, "delayed") != 0 && strcmp(e->action, "failed") != 0 &&
	    strcmp(e->action, "complained") != 0)
		return;
	if (event_write_why(out, e, with_why) != 0) {
		util_warn(out == stdout ? "write error on standard output" : "event buffer");
		exit(BK_ERR);
	}
	/* What --offset-file counts; only logs go there, never from a worker. */
	if (out == stdout)
		events_written++;
}

static int
log_line(void *ctx, const struct input_loc *loc, char *line, size_t len)
{
	(void)ctx;
	return logparse_line(&logs, loc, line, len);
}

/* What the log parser learnt of queue ids still in flight (message-id,
 * sender, last deferral) is kept with the offsets for the next run. */
static int
log_state_load(void *ctx, const json_t *o)
{
	(void)ctx;
	return logparse_load(&logs, o);
}

static int
log_state_save(void *ctx, FILE *fp)
{
	(void)ctx;
	return logparse_save(&logs, fp);
}

static enum kind
detect(const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (len >= 5 && memcmp(line, "From ", 5) == 0)
		return K_MBOX;
	/* One message saved with its envelope line quoted (mboxrd). */
	if (len >= 6 && memcmp(line, ">From ", 6) == 0)
		return K_EMAIL;
	if (i < len && line[i] == '{')
		return K_WEBHOOK;
	/* a JSON array, not a log line in brackets ("[NOTICE] [...]" of Haraka) */
	if (i < len && line[i] == '[') {
		for (i++; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
			;
		if (i == len || ascii_in_set("{[]\"-0123456789tfn", (unsigned char)line[i]))
			return K_WEBHOOK;
	}
	if (email_looks_like_header(line, len))
		return K_EMAIL;
	return K_LOG;
}

/* One input stream, its kind decided by the format or by its first line. */
static int
parse_stream(FILE *fp, const char *name)
{
	struct input_loc loc = { input_display_name(name), 0 };
	enum kind kind = format->kind;
	struct util_buf msg = {0};
	struct email_mbox *mbox = NULL;
	struct webhook *wh = NULL;
	struct webhook_csv *list = NULL;
	struct input_reader rd;
	char *line;
	size_t n;
	int status = BK_OK;

	input_reader_init(&rd, fileno(fp));
	while (input_next_line(&rd, &line, &n)) {
		size_t len = n;

		loc.line++;
		if (kind == K_EMAIL) {
			/* Whole message, line ends and all: the MIME parser wants them. */
			util_buf_add(&msg, line, len);
			continue;
		}
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (kind == K_AUTO || (kind == K_WEBHOOK && wh == NULL && list == NULL)) {
			size_t bom = loc.line == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
			size_t w = bom;

			/* Empty or blank lines, and a byte order mark, before the first. */
			while (w < len && (line[w] == ' ' || line[w] == '\t'))
				w++;
			if (w == len)
				continue;
			line += bom;
			len -= bom;
			/* An ESP's list export (CSV): its header names the columns */
			if (webhook_csv_header(line, len, format->webhook)) {
				kind = K_LIST;
				list = webhook_csv_new(format->webhook, loc.file, sink, NULL, line, len);
				webhook_csv_skip_delivered(list, !with_delivered);
				continue;
			}
			if (kind == K_AUTO)
				kind = detect(line, len);
			if (kind == K_EMAIL) {
				util_buf_add(&msg, line - bom, n);
				continue;
			}
		}
		switch (kind) {
		case K_LIST:
			status = input_worse(status, webhook_csv_line(list, &loc, line, len));
			break;
		case K_MBOX:
			if (mbox == NULL)
				mbox = email_mbox_new(loc.file, &email_opts);
			status = input_worse(status, email_mbox_line(mbox, line, len));
			break;
		case K_WEBHOOK:
			if (wh == NULL) {
				wh = webhook_new(format->webhook, loc.file, sink, NULL);
				webhook_skip_delivered(wh, !with_delivered);
			}
			status = input_worse(status, webhook_line(wh, &loc, line, len));
			break;
		default:
			status = input_worse(status, logparse_line(&logs, &loc, line, len));
			break;
		}
	}
	if (rd.error) {
		errno = rd.error;
		util_warn("%s: read error", loc.file);
		status = BK_ERR;
	}
	input_reader_free(&rd);
	if (kind == K_EMAIL)
		status = input_worse(status, email_parse(msg.p ? msg.p : "", msg.len, loc.file,
		    &email_opts));
	if (mbox)
		status = input_worse(status, email_mbox_end(mbox));
	if (wh)
		status = input_worse(status, webhook_end(wh));
	if (list)
		status = input_worse(status, webhook_csv_end(list));
	util_buf_free(&msg);
	return status;
}

static int
parse_folder_item(void *ctx, size_t i, FILE *out)
{
	struct email_opts o = email_opts;

	o.sink_arg = out;
	return email_folder_parse(ctx, i, &o);
}

static void
parse_folder_thread_end(void)
{
	email_thread_end();
	jsonl_thread_end();
}

/* A Maildir or a folder of messages, in name order. */
static int
parse_folder(const char *name)
{
	struct email_folder *f;
	int status = email_folder_open(name, &f), rc;

	/* What threads share is set up before they start. */
	json_object_seed(0);
	jsonl_buffer_stdout();
	rc = pool_run(email_folder_count(f), jobs, parse_folder_item, parse_folder_thread_end, f,
	    stdout);
	if (rc < 0) {
		util_warn("write error on standard output");
		exit(BK_ERR);
	}
	email_folder_close(f);
	return input_worse(status, rc);
}

static int
parse_operand(const char *name)
{
	struct stat st;
	FILE *fp;
	int status;

	fallback_time = time(NULL);
	if (strcmp(name, "-") != 0 && stat(name, &st) == 0 && S_ISREG(st.st_mode))
		fallback_time = st.st_mtime;
	if (strcmp(name, "-") != 0 && stat(name, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (format->kind != K_AUTO && format->kind != K_MAILDIR &&
		    format->kind != K_EMAIL) {
			util_warnx("%s: is a directory", name);
			return BK_ERR;
		}
		return parse_folder(name);
	}
	if (format->kind == K_MAILDIR) {
		util_warnx("%s: not a Maildir (a directory)", name);
		return BK_ERR;
	}
	if ((fp = input_open(name)) == NULL)
		return BK_ERR;
	status = parse_stream(fp, name);
	if (fp != stdin)
		fclose(fp);
	return status;
}

static int
flush_stdout(void *ctx)
{
	(void)ctx;
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : -1;
}

/* What the options ask for beyond the globals they set. */
struct args {
	const char *offset_file, *explain;
	const char **rotated;	/* NULL-terminated */
	int year, progress, verbose;
};

/* Reads the options; returns the operands in *argcp, *argvp. */
static void
options(int *argcp, char ***argvp, struct args *a)
{
	/* Long only; the letters' long names are opt.c's. */
	static const struct option longonly[] = {
		{ AFILE_NO_STRICT_OPTION, no_argument, NULL, AFILE_NO_STRICT_VAL },
		{ NULL, 0, NULL, 0 },
	};
	const char *names[sizeof formats / sizeof formats[0] + 1] = { NULL };
	size_t nrotated = 0;
	char why[64];
	struct opt o;
	int ch;

	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
		names[i] = formats[i].name;
	a->rotated = util_xcalloc((size_t)*argcp + 1, sizeof *a->rotated);
	opt_init(&o, *argcp, *argvp, "de:f:ghj:O:o:Vvxy:", longonly, usage);
	while ((ch = opt_next(&o)) != -1) {
		switch (ch) {
		case 'd': with_delivered = 1; break;
		case 'e': a->explain = optarg; break;
		case 'f':
			if (strcmp(optarg, "list") == 0)
				list_formats();
			format = &formats[opt_choice(&o, optarg, names)];
			break;
		case 'g': a->progress = 1; break;
		case 'h': help(); break;
		case 'j': jobs = (unsigned)opt_count(&o, optarg, 1, 64); break;
		case 'O': a->rotated[nrotated++] = optarg; break;
		case 'o': a->offset_file = optarg; break;
		case 'v': a->verbose = 1; break;
		case 'x': with_why = 1; break;
		case 'y': a->year = (int)opt_count(&o, optarg, 1970, 9999); break;
		default: usage();
		}
	}
	if (a->explain)
		opt_alone(&o, "dfgjOovxy", "--explain");
	if (a->offset_file == NULL)
		opt_reject(&o, "gO" AFILE_NO_STRICT_LETTER, "without --offset-file");
	else
		opt_reject(&o, "j", "with --offset-file (it reads logs, not folders)");
	snprintf(why, sizeof why, "to --format %s", format->name);
	if (format->kind != K_AUTO && format->kind != K_LOG)
		opt_reject(&o, "y", why);
	if (format->kind == K_LOG || format->kind == K_WEBHOOK)
		opt_reject(&o, "j", why);
	if (a->offset_file && format->kind != K_AUTO && format->kind != K_LOG)
		opt_fail(&o, "--offset-file reads logs only");
	if (a->offset_file && opt_argc(&o) == 0)
		opt_fail(&o, "--offset-file needs log files named as operands");
	*argcp = opt_argc(&o);
	*argvp = opt_argv(&o);
	opt_free(&o);
}

/* Whether an operand is a folder (of messages). */
static int
any_folder(int argc, char *argv[])
{
	struct stat st;

	if (format->kind != K_AUTO && format->kind != K_MAILDIR && format->kind != K_EMAIL)
		return 0;
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "-") != 0 && stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			return 1;
	return 0;
}

int
main(int argc, char *argv[])
{
	struct args a = { NULL, NULL, NULL, 0, 0, 0 };
	int status = BK_OK;

	util_setprogname(argv[0]);
	options(&argc, &argv, &a);
	if (jobs == 0)
		jobs = pool_default_jobs(8);
	/* With -o, offset_run enters it once it holds the offsets (logs only). */
	if (a.offset_file == NULL) {
		/* Folders of messages are read through rings set up now. */
		if (any_folder(argc, argv))
			batchread_prepare(jobs);
		sandbox_enter_reading(argc, argv);
	}
	if (a.explain) {
		free(a.rotated);
		return util_close_stdout(explain_main(a.explain));
	}
	fallback_time = time(NULL);
	logparse_init(&logs, format->log, a.year, time(NULL), sink, NULL);
	logs.skip_delivered = !with_delivered;
	email_opts.sink = sink;
	email_opts.sink_arg = NULL;
	if (a.offset_file) {
		struct offset_opts oo = { a.offset_file, a.rotated, a.progress, flush_stdout,
		    &events_written, log_state_load, log_state_save };

		status = offset_run(&oo, argc, argv, log_line, NULL);
	} else if (argc == 0) {
		status = parse_operand("-");
	} else {
		for (int i = 0; i < argc; i++)
			status = input_worse(status, parse_operand(argv[i]));
	}
	logparse_free(&logs);
	free(a.rotated);
	if (a.verbose)
		sandbox_report();
	return util_close_stdout(status);
}
