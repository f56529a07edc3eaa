/* jtree against jansson: the same verdict on every input (both read it, or
 * neither does), and when they read it, the same tree: types, keys in order,
 * strings byte for byte, numbers. */
#include "fuzz.h"
#include "jtree.h"

#include <math.h>

static int
same(const struct jnode *n, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *m;
		const struct jnode *c = n->first;

		if (n->type != JT_OBJ || n->len != json_object_size(v))
			return 0;
		json_object_foreach((json_t *)v, k, m) {
			if (c == NULL || c->keylen != strlen(k) || memcmp(c->key, k, c->keylen) != 0 ||
			    !same(c, m))
				return 0;
			c = c->next;
		}
		return c == NULL;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *m;
		const struct jnode *c = n->first;

		if (n->type != JT_ARR || n->len != json_array_size(v))
			return 0;
		json_array_foreach(v, i, m) {
			if (c == NULL || !same(c, m))
				return 0;
			c = c->next;
		}
		return c == NULL;
	}
	case JSON_STRING:
		return n->type == JT_STR && n->len == json_string_length(v) &&
		    memcmp(n->str, json_string_value(v), n->len) == 0 && n->str[n->len] == '\0';
	case JSON_INTEGER:
		return n->type == JT_INT && n->i == (long long)json_integer_value(v);
	case JSON_REAL:
		return n->type == JT_REAL && (n->d == json_real_value(v) ||
		    (isnan(n->d) && isnan(json_real_value(v))));
	case JSON_TRUE:
		return n->type == JT_TRUE;
	case JSON_FALSE:
		return n->type == JT_FALSE;
	default:
		return n->type == JT_NULL;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jtree t;
	json_error_t err, err2;
	const struct jnode *root = jtree_parse(&t, (const char *)data, size, &err);
	json_t *v = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err2);

	if ((root == NULL) != (v == NULL))
		abort();
	if (root == NULL && strcmp(err.text, err2.text) != 0)
		abort();
	if (v != NULL && !same(root, v))
		abort();
	json_decref(v);
	return 0;
}
