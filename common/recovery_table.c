/* recovery_table: the recovery figures of a recovery file by domain and
 * kind, for retry-plan's adaptive rules. */
#include "recovery.h"
#include "recovery_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"
#include "jsonl.h"
#include "reason.h"
#include "util.h"

void
recovery_table_init(struct recovery_table *t)
{
	memset(t, 0, sizeof *t);
	t->fd = -1;
}

static int
bucket_cmp(const void *a, const void *b)
{
	const struct recovery_bucket *x = a, *y = b;

	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The histogram of a record into e (sorted); none is no error: the
 * percentiles then come from median and p90. */
static int
entry_hist(struct recovery_entry *e, const json_t *h)
{
	const char *k;
	json_t *v;
	unsigned long long sum = 0;

	if (h == NULL || json_is_null(h))
		return 0;
	if (!json_is_object(h))
		return -1;
	e->hist = util_xcalloc(json_object_size(h) + 1, sizeof *e->hist);
	json_object_foreach((json_t *)h, k, v) {
		char *end;
		unsigned long idx;

		errno = 0;
		idx = strtoul(k, &end, 10);
		if (errno || end == k || *end || idx > 64 * RECOVERY_SUB || !json_is_integer(v) ||
		    json_integer_value(v) < 0)
			goto bad;
		e->hist[e->nhist++] = (struct recovery_bucket){ (uint32_t)idx,
		    (unsigned long long)json_integer_value(v) };
		sum += (unsigned long long)json_integer_value(v);
	}
	if (sum != e->recovered || (sum > 0 && (e->min < 0 || e->max < e->min)))
		goto bad;
	qsort(e->hist, e->nhist, sizeof *e->hist, bucket_cmp);
	return 0;
bad:
	free(e->hist);
	e->hist = NULL;
	e->nhist = 0;
	return -1;
}

/* The figures of a domain's record into e. */
static int
entry_from_json(const json_t *o, struct recovery_entry *e, char *why, size_t whylen)
{
	const json_t *share = json_object_get(o, "never_share");

	memset(e, 0, sizeof *e);
	if (recovery_get_count(o, "count", &e->count) || recovery_get_count(o, "recovered", &e->recovered) ||
	    recovery_get_count(o, "never", &e->never) || recovery_get_count(o, "episodes", &e->episodes) ||
	    recovery_get_duration(o, "median", &e->median) || recovery_get_duration(o, "p90", &e->p90) ||
	    recovery_get_duration(o, "min", &e->min) || recovery_get_duration(o, "max", &e->max) ||
	    (share && !json_is_null(share) && !json_is_number(share))) {
		snprintf(why, whylen, "a count, duration or share of the wrong type");
		return -1;
	}
	if (entry_hist(e, json_object_get(o, "hist")) != 0) {
		snprintf(why, whylen, "\"hist\" is not buckets of counts adding up to "
		    "\"recovered\"");
		return -1;
	}
	e->never_share = share && json_is_number(share) ? json_number_value(share) : -1;
	return 0;
}

/* The table's key of domain and kind, "domain\tkind", in b (or in the
 * room of size bytes at stack when it fits: a run looks up thousands). */
static const char *
table_key(const char *key, size_t keylen, const char *kind, char *stack, size_t size,
    struct util_buf *b, size_t *len)
{
	size_t kindlen = strlen(kind);
	char *p = stack;

	*len = keylen + 1 + kindlen;
	if (*len >= size)
		p = util_buf_room(b, *len);
	memcpy(p, key, keylen);
	p[keylen] = '\t';
	memcpy(p + keylen + 1, kind, kindlen);
	return p;
}

static struct hmap_entry *
table_slot(struct recovery_table *t, const char *key, size_t keylen, const char *kind,
    int *added)
{
	struct util_buf b = {0};
	struct hmap_entry *he;
	char stack[256];
	size_t len;
	const char *k = table_key(key, keylen, kind, stack, sizeof stack, &b, &len);

	he = hmap_put(&t->map, k, len, added);
	util_buf_free(&b);
	return he;
}

/* A string of plain characters at *p, up to its closing quote. */
static const char *
plain_string(const char *p, size_t *len)
{
	const char *q = p;

	while (*q && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
		q++;
	*len = (size_t)(q - p);
	return *q == '"' && q > p ? q + 1 : NULL;
}

/* Lines as bounce-stats writes them begin {"domain":"D","kind":"K": such
 * a line is only kept, and read when its figures are asked for. Others are
 * read at once (or skipped: servers). */
static int
table_line(struct recovery_table *t, const struct input_loc *loc, char *line, size_t len,
    int64_t off)
{
	static const char dom[] = "{\"domain\":\"", kin[] = ",\"kind\":\"";
	const char *p, *key, *kind;
	size_t keylen, kindlen;
	char k[64], why[200];
	const struct reason_desc *d;
	struct hmap_entry *he;
	json_t *o;
	int added, by_rhost;

	if (strspn(line, " \t") == len)
		return BK_OK;
	if (t->fd >= 0 && strncmp(line, dom, sizeof dom - 1) == 0 &&
	    (p = plain_string(key = line + sizeof dom - 1, &keylen)) != NULL &&
	    strncmp(p, kin, sizeof kin - 1) == 0 &&
	    plain_string(kind = p + sizeof kin - 1, &kindlen) != NULL && kindlen < sizeof k) {
		memcpy(k, kind, kindlen);
		k[kindlen] = '\0';
		if ((d = reason_describe(k)) != NULL) {
			he = table_slot(t, key, keylen, d->name, &added);
			if (!added) {
				util_locwarn(loc->file, loc->line, "a second record of %.*s %s",
				    (int)(keylen > 80 ? 80 : keylen), key, d->name);
				return BK_ERR;
			}
			if (t->nlines == t->caplines) {
				t->caplines = t->caplines ? 2 * t->caplines : 64;
				t->off = util_xreallocarray(t->off, t->caplines, sizeof *t->off);
				t->len = util_xreallocarray(t->len, t->caplines, sizeof *t->len);
				t->where = util_xreallocarray(t->where, t->caplines, sizeof *t->where);
			}
			/* The line stays where it is, in the file. */
			t->off[t->nlines] = off;
			t->len[t->nlines] = len;
			he->val = NULL;
			t->where[t->nlines++] = loc->line;
			he->num = (long long)t->nlines;	/* index + 1 */
			return BK_OK;
		}
	}
	if ((o = jsonl_parse_object(line, len, why, sizeof why)) == NULL ||
	    recovery_record_key(o, &by_rhost, &key, &kind, why, sizeof why) != 0) {
		util_locwarn(loc->file, loc->line, "%s", why);
		json_decref(o);
		return BK_ERR;
	}
	if (!by_rhost) {
		struct recovery_entry e;

		if (entry_from_json(o, &e, why, sizeof why) != 0) {
			util_locwarn(loc->file, loc->line, "%s", why);
			json_decref(o);
			return BK_ERR;
		}
		he = table_slot(t, key, strlen(key), kind, &added);
		if (!added) {
			util_locwarn(loc->file, loc->line, "a second record of %.80s %s", key, kind);
			free(e.hist);
			json_decref(o);
			return BK_ERR;
		}
		he->val = util_xmalloc(sizeof e);
		memcpy(he->val, &e, sizeof e);
	}
	json_decref(o);
	return BK_OK;
}

int
recovery_table_load(struct recovery_table *t, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), status = BK_OK;
	struct input_loc loc = { path, 0 };
	struct input_reader in;
	struct stat sb;
	int64_t off = 0;
	size_t len;
	char *line;

	t->path = path;
	if (fd == -1) {
		if (errno == ENOENT)
			return 0;
		util_warn("%s", path);
		return -1;
	}
	/* Read through a block, the records left in the file: holding the whole
	 * file in memory cost more than reading it. Read once: the index grows
	 * as it goes (a count of the lines first read the file twice). */
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
		t->fd = fd;
	input_reader_init(&in, fd);
	while (input_next_line(&in, &line, &len)) {
		int64_t at = off;

		off += (int64_t)len;
		loc.line++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		status = input_worse(status, table_line(t, &loc, line, len, at));
	}
	if (in.error) {
		errno = in.error;
		util_warn("%s: read error", path);
		status = BK_ERR;
	}
	input_reader_free(&in);
	if (t->fd != fd)
		close(fd);
	return status == BK_OK ? 0 : -1;
}

const struct recovery_entry *
recovery_table_find(struct recovery_table *t, const char *domain, const char *kind)
{
	struct util_buf b = {0};
	struct hmap_entry *he;
	char stack[256];
	const char *k;
	size_t len;

	if (domain == NULL || kind == NULL || t->map.count == 0)
		return NULL;
	k = table_key(domain, strlen(domain), kind, stack, sizeof stack, &b, &len);
	he = hmap_get(&t->map, k, len);
	util_buf_free(&b);
	if (he == NULL)
		return NULL;
	if (he->val == NULL && he->num > 0) {
		/* Read now: the first time its figures are asked for. */
		size_t i = (size_t)he->num - 1, n = t->len[i];
		struct recovery_entry e;
		char why[200], *line;
		json_t *o = NULL;
		ssize_t got;

		util_buf_reset(&t->text);
		line = util_buf_room(&t->text, n + 1);
		do
			got = pread(t->fd, line, n, (off_t)t->off[i]);
		while (got < 0 && errno == EINTR);
		if (got != (ssize_t)n)
			snprintf(why, sizeof why, "the record changed since it was read%s%s",
			    got < 0 ? ": " : "", got < 0 ? strerror(errno) : "");
		else {
			line[n] = '\0';
			o = jsonl_parse_object(line, n, why, sizeof why);
		}
		if (o == NULL || entry_from_json(o, &e, why, sizeof why) != 0) {
			util_locwarn(t->path, t->where[i], "%s", why);
			t->errors++;
		} else {
			he->val = util_xmalloc(sizeof e);
			memcpy(he->val, &e, sizeof e);
		}
		json_decref(o);
		he->num = 0;
	}
	return he->val;
}

static void
free_entry(void *p)
{
	struct recovery_entry *e = p;

	if (e)
		free(e->hist);
	free(e);
}

void
recovery_table_free(struct recovery_table *t)
{
	hmap_free(&t->map, free_entry);
	util_buf_free(&t->text);
	if (t->fd >= 0)
		close(t->fd);
	free(t->off);
	free(t->len);
	free(t->where);
	recovery_table_init(t);
}
