/* explain: bounce-parse --explain, what a status code or a reply line means and why. */
#include "explain.h"
#include "ascii.h"
#include "input.h"
#include "jsonl.h"
#include "reason.h"
#include "status.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The SMTP command a reply line may start with, as bounce-parse takes it. */
static const struct {
	const char *word;
	int cmd;
	const char *name;
} commands[] = {
	{ "mail from", REASON_CMD_MAIL, "MAIL FROM" },
	{ "rcpt to", REASON_CMD_RCPT, "RCPT TO" },
	{ "end of data", REASON_CMD_DATA, "DATA" },
	{ "data", REASON_CMD_DATA, "DATA" },
	{ "ehlo", REASON_CMD_CONNECT, "connection" },
	{ "helo", REASON_CMD_CONNECT, "connection" },
	{ "connect", REASON_CMD_CONNECT, "connection" },
	{ "greeting", REASON_CMD_CONNECT, "connection" },
};

static const char *
command_name(int cmd)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (commands[i].cmd == cmd)
			return commands[i].name;
	return NULL;
}

/* Skips a leading command ("RCPT TO:<x@y>", "DATA:") and sets *cmd. */
static const char *
skip_command(const char *s, int *cmd)
{
	*cmd = 0;
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		size_t n = strlen(commands[i].word);

		if (strncasecmp(s, commands[i].word, n) != 0 || (ascii_alpha((unsigned char)s[n]) || ascii_digit((unsigned char)s[n])))
			continue;
		s += n;
		while (*s == ':' || *s == ' ' || *s == '\t')
			s++;
		if (*s == '<' && strchr(s, '>'))
			s = strchr(s, '>') + 1;
		while (*s == ':' || *s == ' ' || *s == '\t')
			s++;
		*cmd = commands[i].cmd;
		return s;
	}
	return s;
}

/* Ends o with the verdict v and the rules that decided it, and prints it. */
static int
print_verdict(json_t *o, const struct reason_verdict *v, int temporary)
{
	jsonl_set_str(o, "reason", v->reason);
	jsonl_set_str(o, "class", v->class);
	jsonl_set_str(o, "reason_meaning", reason_describe(v->reason)->meaning);
	json_object_set_new(o, "temporary", json_boolean(temporary));
	jsonl_set_str(o, "reason_rule", v->reason_rule->name);
	jsonl_set_str(o, "reason_source", v->reason_rule->source);
	jsonl_set_str(o, "class_rule", v->class_rule->name);
	jsonl_set_str(o, "class_source", v->class_rule->source);
	jsonl_print(o);
	json_decref(o);
	return BK_OK;
}

static void
add_titles(json_t *o, const char *st)
{
	struct status_info info;

	if (st == NULL || status_lookup(st, &info) != 0)
		return;
	jsonl_set_str(o, "class_title", info.class_title);
	jsonl_set_str(o, "subject_title", info.subject_title);
	jsonl_set_str(o, "detail_title", info.detail_title);
	json_object_set_new(o, "registered", json_boolean(info.detail_title != NULL));
}

/* A bare status code: what it means and the reason it gives alone. */
static int
explain_status(const char *st)
{
	struct reason_input in = {0};
	struct reason_verdict v;
	json_t *o = json_object();

	in.action = st[0] == '2' ? "delivered" : st[0] == '4' ? "delayed" : "failed";
	in.status = st;
	reason_decide(&in, &v);
	json_object_set_new(o, "status", json_string(st));
	add_titles(o, st);
	return print_verdict(o, &v, st[0] == '4');
}

/* A reply line, maybe after the command it answered. */
static int
explain_reply(const char *line)
{
	struct reason_input in = {0};
	struct reason_verdict v;
	char st[STATUS_MAX];
	const char *text, *after = NULL;
	size_t n;
	int code, cmd, temp;
	json_t *o;

	text = skip_command(line, &cmd);
	n = strlen(text);
	code = status_find_reply(text, n, &after);
	st[0] = '\0';
	/* The enhanced code follows the reply code, near the start. */
	if (status_find(text, n < 64 ? n : 64, st) == NULL) {
		/* qmail ends its sentences with one: "... (#4.4.3)". */
		const char *q = strstr(text, "(#");

		if (q == NULL || status_find(q + 2, strlen(q + 2), st) != q + 2 + strcspn(q + 2, ")"))
			st[0] = '\0';
	}
	temp = st[0] ? st[0] == '4' : code >= 400 && code < 500;
	in.action = (st[0] ? st[0] == '2' : code >= 200 && code < 300) ? "delivered" :
	    temp ? "delayed" : "failed";
	in.status = st[0] ? st : NULL;
	in.code = code;
	in.diag = text;
	in.command = cmd;
	reason_decide(&in, &v);
	o = json_object();
	jsonl_set_str(o, "input", line);
	jsonl_set_str(o, "command", command_name(v.command));
	json_object_set_new(o, "code", code ? json_integer(code) : json_null());
	jsonl_set_str(o, "status", st[0] ? st : NULL);
	add_titles(o, in.status);
	return print_verdict(o, &v, temp);
}

static int
explain_one(const char *arg)
{
	char st[STATUS_MAX];

	while (*arg == ' ' || *arg == '\t')
		arg++;
	if (*arg == '\0') {
		util_warnx("--explain: an empty reply line");
		return BK_ERR;
	}
	if (status_parse(arg, strlen(arg), st) == 0)
		return explain_status(st);
	if (strspn(arg, "0123456789.") == strlen(arg) && strchr(arg, '.')) {
		util_warnx("%s: not an enhanced status code (class.subject.detail, e.g. 4.3.1)",
		    arg);
		return BK_ERR;
	}
	return explain_reply(arg);
}

static void
print_rule(void *arg, const struct reason_rule *r, const char *reason, const char *kind)
{
	json_t *o = json_object();

	(void)arg;
	jsonl_set_str(o, "kind", kind);
	jsonl_set_str(o, "rule", r->name);
	jsonl_set_str(o, "reason", reason);
	jsonl_set_str(o, "source", r->source);
	jsonl_print(o);
	json_decref(o);
}

/* A line of "-e -": a code or a reply line to explain. */
static int
explain_line(void *ctx, const struct input_loc *loc, char *line, size_t len)
{
	(void)ctx;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	if (len == 0 || explain_one(line) == BK_OK)
		return BK_OK;
	util_warnx("-:%lu: not explained", loc->line);
	return BK_ERR;
}

int
explain_main(const char *arg)
{
	if (strcmp(arg, "rules") == 0) {
		reason_rules_each(print_rule, NULL);
		return BK_OK;
	}
	if (strcmp(arg, "-") != 0)
		return explain_one(arg);
	return input_lines(stdin, "-", explain_line, NULL);
}
