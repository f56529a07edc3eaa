/* webhook_csv: the CSV exports of ESP bounce and suppression lists (SendGrid's
 * downloads, Mailgun's and SparkPost's list exports, Mandrill's rejection
 * list), read through the providers' mappers of the same records in JSON:
 * each row becomes the object of the header's names, so that a provider
 * knows its list's records once, whatever the form they come in. */
#include "webhook.h"
#include "webhook_int.h"
#include "csv.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct webhook_csv {
	struct webhook *w;
	struct csv hdr, row;
	struct util_buf json;
	char **names;		/* the header's names, JSON-quoted with their ':' */
	size_t n;
};

/* s[0..n) as JSON string contents: quotes, backslashes and control bytes
 * escaped. */
static void
put_json_str(struct util_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s, *end = s + n;

	for (; s < end; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		util_buf_add(b, run, (size_t)(s - run));
		run = s + 1;
		if (ch == '"' || ch == '\\') {
			util_buf_addc(b, '\\');
			util_buf_addc(b, (char)ch);
		} else {
			char esc[6] = { '\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15] };

			util_buf_add(b, esc, sizeof esc);
		}
	}
	util_buf_add(b, run, (size_t)(s - run));
}

/* A header name as a key: lower case, blanks as '_' ("Created At" ->
 * "created_at"), quoted with its ':'. NULL for an empty name. */
static char *
key_of(const char *name)
{
	struct util_buf b = {0};
	char *k;

	while (*name == ' ')
		name++;
	if (*name == '\0')
		return NULL;
	util_buf_addc(&b, '"');
	for (const char *p = name; *p; p++) {
		char ch = *p;

		if (ch == ' ' || ch == '-')
			ch = '_';
		else if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (ch == '"' || ch == '\\' || (unsigned char)ch < 0x20)
			continue;
		util_buf_addc(&b, ch);
	}
	while (b.len > 1 && b.p[b.len - 1] == '_')
		b.len--;	/* trailing blanks */
	util_buf_adds(&b, "\":");
	k = util_xstrdup(util_buf_str(&b));
	util_buf_free(&b);
	return k;
}

/* Splits a header line (a UTF-8 byte order mark at its start dropped) into
 * keys; the number of them. */
static size_t
read_header(struct csv *c, char ***names, const char *line, size_t len)
{
	size_t n = 0;

	if (len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
		line += 3;
		len -= 3;
	}
	*names = NULL;
	if (csv_split(c, line, len, ',') != 0 || c->n < 2)
		return 0;
	*names = util_xcalloc(c->n, sizeof **names);
	for (size_t i = 0; i < c->n; i++)
		if (((*names)[i] = key_of(csv_field(c, i))) != NULL)
			n++;
	if (n < 2) {
		for (size_t i = 0; i < c->n; i++)
			free((*names)[i]);
		free(*names);
		*names = NULL;
		return 0;
	}
	return c->n;
}

static void
free_names(char **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

/* The row's object: {"key":"value",...}, an empty column as "". Runs for
 * every row: lengths from the field offsets, no strlen. */
static void
row_json(struct util_buf *b, char **names, size_t n, const struct csv *row)
{
	int first = 1;

	util_buf_reset(b);
	util_buf_addc(b, '{');
	for (size_t i = 0; i < n; i++) {
		size_t len = 0;

		if (names[i] == NULL)
			continue;
		if (i < row->n)	/* each field is followed by its NUL */
			len = (i + 1 < row->n ? row->off[i + 1] : row->buf.len) - row->off[i] - 1;
		if (!first)
			util_buf_addc(b, ',');
		first = 0;
		util_buf_adds(b, names[i]);
		util_buf_addc(b, '"');
		put_json_str(b, csv_field(row, i), len);
		util_buf_addc(b, '"');
	}
	util_buf_addc(b, '}');
}

int
webhook_csv_header(const char *line, size_t len, enum webhook_format f)
{
	struct csv c = CSV_INIT;
	struct util_buf b = {0};
	struct jtree t;
	char **names;
	size_t n;
	int known = 0;

	/* Cheap first: a log line is no header of a list */
	if (len == 0 || len > 4096 || memchr(line, ',', len) == NULL)
		return 0;
	if ((n = read_header(&c, &names, line, len)) > 0) {
		/* The header itself as a row: each name its own value. What a
		 * provider's test looks at are the keys. */
		const struct jnode *o;

		row_json(&b, names, n, &c);
		jtree_init(&t);
		o = jtree_try(&t, b.p, b.len);
		known = o != NULL && webhook_provider_of(o, f) != NULL;
		jtree_free(&t);
	}
	free_names(names, n);
	util_buf_free(&b);
	csv_free(&c);
	return known;
}

struct webhook_csv *
webhook_csv_new(enum webhook_format f, const char *name, event_sink sink, void *arg,
    const char *hdr, size_t hlen)
{
	struct webhook_csv *c = util_xcalloc(1, sizeof *c);

	c->w = webhook_new(f, name, sink, arg);
	c->n = read_header(&c->hdr, &c->names, hdr, hlen);
	return c;
}

void
webhook_csv_skip_delivered(struct webhook_csv *c, int skip)
{
	webhook_skip_delivered(c->w, skip);
}

int
webhook_csv_line(struct webhook_csv *c, const struct input_loc *loc, const char *line,
    size_t len)
{
	if (len == 0)
		return BK_OK;
	if (csv_split(&c->row, line, len, ',') != 0) {
		util_locwarn(loc->file, loc->line, "malformed CSV row (an unclosed quote?)");
		return BK_ERR;
	}
	row_json(&c->json, c->names, c->n, &c->row);
	return webhook_line(c->w, loc, c->json.p, c->json.len);
}

int
webhook_csv_end(struct webhook_csv *c)
{
	int status = webhook_end(c->w);

	free_names(c->names, c->n);
	csv_free(&c->hdr);
	csv_free(&c->row);
	util_buf_free(&c->json);
	free(c);
	return status;
}
