/* suppinput: the input lines of suppress add and remove (see suppinput.h). */
#include "suppinput.h"
#include "jsonl.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

const char *
suppinput_content(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return line + i;
	return NULL;
}

/* A line of add or remove input: a JSON record or a plain address. Returns
 * 1 with the key in key (and the record in *obj, to be released by the
 * caller), 0 for a blank line, -1 for a bad line (reported). */
static int
read_key(const struct suppinput *k, const struct input_loc *loc, char *line, size_t len,
    char *key, json_t **obj)
{
	const char *p = suppinput_content(line, len), *addr, *field = k->field;
	int fold_local = k->list->fold_local;
	char why[200];

	*obj = NULL;
	if (p == NULL)
		return 0;
	if (*p != '{') {
		if (supplist_key(line, len, fold_local, key) < 0) {
			util_locwarn(loc->file, loc->line, "neither a JSON record nor an address");
			return -1;
		}
		return 1;
	}
	if ((*obj = jsonl_parse_object(line, len, why, sizeof why)) == NULL) {
		util_locwarn(loc->file, loc->line, "%s", why);
		return -1;
	}
	if ((addr = jsonl_get_str(*obj, field)) == NULL) {
		util_locwarn(loc->file, loc->line, "no \"%s\" string in the record", field);
		goto bad;
	}
	if (supplist_key(addr, strlen(addr), fold_local, key) < 0) {
		util_locwarn(loc->file, loc->line, "%s: not an address", field);
		goto bad;
	}
	return 1;
bad:
	/* Callers release the record only on success. */
	json_decref(*obj);
	*obj = NULL;
	return -1;
}

struct suppinput_line {
	char key[ADDR_MAX];
	json_t *obj;
	struct input_loc loc;
};

/* Hands the batch to fn; the status of fn since the last call. */
static int
key_flush(struct suppinput *k)
{
	const char *keys[SUPPINPUT_BATCH];
	int status = k->status;

	for (size_t i = 0; i < k->n; i++)
		keys[i] = k->pend[i].key;
	supplist_prefetch(k->list, keys, k->n);
	for (size_t i = 0; i < k->n; i++) {
		status = input_worse(status, k->fn(&k->pend[i].loc, k->pend[i].key,
		    k->pend[i].obj));
		json_decref(k->pend[i].obj);
	}
	k->n = 0;
	k->status = BK_OK;
	return status;
}

/* The last batch, at the end of the input. */
int
suppinput_end(struct suppinput *k)
{
	int status = key_flush(k);

	free(k->pend);
	k->pend = NULL;
	return status;
}

int
suppinput_line(void *ctx, const struct input_loc *loc, char *line, size_t len)
{
	struct suppinput *k = ctx;
	struct suppinput_line *p;
	int rc;

	if (k->pend == NULL)
		k->pend = util_xcalloc(SUPPINPUT_BATCH, sizeof *k->pend);
	p = &k->pend[k->n];
	if ((rc = read_key(k, loc, line, len, p->key, &p->obj)) <= 0)
		return rc < 0 ? BK_ERR : BK_OK;
	p->loc = *loc;
	if (++k->n == SUPPINPUT_BATCH)
		k->status = key_flush(k);
	return BK_OK;
}

