/* webhook_csv: the CSV exports of ESP bounce and suppression lists (SendGrid's
 * downloads, Mailgun's and SparkPost's list exports, Mandrill's rejection
 * list), read through the providers' mappers of the same records in JSON:
 * each row becomes the object of the header's names, so that a provider
 * knows its list's records once, whatever the form they come in. */
#include "webhook.h"
#include "webhook_int.h"
#include "csv.h"
#include "jsonl.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* The keys of a header line: each name JSON-quoted with its ':' (NULL for
 * an empty one), and its length. */
struct keys {
	char **name;
	size_t *len;
	size_t n;
};

struct webhook_csv {
	struct webhook *w;
	struct csv hdr, row;
	struct util_buf json;
	struct keys k;
};

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
 * keys: 0, or -1 when it is not a header of at least two names. */
static int
read_header(struct csv *c, struct keys *k, const char *line, size_t len)
{
	size_t named = 0;

	memset(k, 0, sizeof *k);
	if (len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
		line += 3;
		len -= 3;
	}
	if (csv_split(c, line, len, ',') != 0 || c->n < 2)
		return -1;
	k->n = c->n;
	k->name = util_xcalloc(k->n, sizeof *k->name);
	k->len = util_xcalloc(k->n, sizeof *k->len);
	for (size_t i = 0; i < k->n; i++)
		if ((k->name[i] = key_of(csv_field(c, i))) != NULL) {
			k->len[i] = strlen(k->name[i]);
			named++;
		}
	return named >= 2 ? 0 : -1;
}

static void
free_keys(struct keys *k)
{
	for (size_t i = 0; k->name && i < k->n; i++)
		free(k->name[i]);
	free(k->name);
	free(k->len);
	memset(k, 0, sizeof *k);
}

/* The length of field i of row (0 past its end): each field is followed by
 * its NUL. */
static size_t
field_len(const struct csv *row, size_t i)
{
	if (i >= row->n)
		return 0;
	return (i + 1 < row->n ? row->off[i + 1] : row->buf.len) - row->off[i] - 1;
}

/* The row's object: {"key":"value",...}, an empty column as "". Runs for
 * every row; the values are written as every JSON string of the toolkit is
 * (jsonl.h: invalid UTF-8 replaced). */
static void
row_json(struct util_buf *b, const struct keys *k, const struct csv *row)
{
	util_buf_reset(b);
	util_buf_addc(b, '{');
	for (size_t i = 0; i < k->n; i++) {
		if (k->name[i] == NULL)
			continue;
		if (b->len > 1)
			util_buf_addc(b, ',');
		util_buf_add(b, k->name[i], k->len[i]);
		jsonl_add_string(b, csv_field(row, i), field_len(row, i));
	}
	util_buf_addc(b, '}');
}

/* The provider whose list has records of the header's keys, or NULL. */
static const struct webhook_provider *
header_provider(const struct csv *hdr, const struct keys *k, enum webhook_format f)
{
	const struct webhook_provider *p = NULL;
	struct util_buf b = {0};
	const struct jnode *o;
	struct jtree t;

	/* The header itself as a row: each name its own value. What a
	 * provider's test looks at are the keys. */
	row_json(&b, k, hdr);
	jtree_init(&t);
	if ((o = jtree_try(&t, b.p, b.len)) != NULL)
		p = webhook_provider_of(o, f);
	jtree_free(&t);
	util_buf_free(&b);
	return p;
}

int
webhook_csv_header(const char *line, size_t len, enum webhook_format f)
{
	struct csv c = CSV_INIT;
	struct keys k;
	int known = 0;

	/* Cheap first: a log line is no header of a list */
	if (len == 0 || len > 4096 || memchr(line, ',', len) == NULL)
		return 0;
	if (read_header(&c, &k, line, len) == 0)
		known = header_provider(&c, &k, f) != NULL;
	free_keys(&k);
	csv_free(&c);
	return known;
}

struct webhook_csv *
webhook_csv_new(enum webhook_format f, const char *name, event_sink sink, void *arg,
    const char *hdr, size_t hlen)
{
	struct webhook_csv *c = util_xcalloc(1, sizeof *c);
	const struct webhook_provider *p;

	/* Every row is a record of the provider the header names: its rows
	 * go to it alone, not told one by one. */
	if (read_header(&c->hdr, &c->k, hdr, hlen) == 0 &&
	    (p = header_provider(&c->hdr, &c->k, f)) != NULL)
		f = p->format;
	c->w = webhook_new(f, name, sink, arg);
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
	row_json(&c->json, &c->k, &c->row);
	return webhook_line(c->w, loc, c->json.p, c->json.len);
}

int
webhook_csv_end(struct webhook_csv *c)
{
	int status = webhook_end(c->w);

	free_keys(&c->k);
	csv_free(&c->hdr);
	csv_free(&c->row);
	util_buf_free(&c->json);
	free(c);
	return status;
}
