/* The fast flat-JSON reader against jansson: whatever flatjson accepts,
 * jansson must accept too, repeated keys refused as the record reader asks,
 * and give the same values (the header promises one code path for both);
 * whatever it refuses goes to jansson anyway. */
#include <string.h>

#include "flatjson.h"
#include "fuzz.h"

static const char *const keys[] = { "time", "rcpt", "action", "status", "code", "reason",
	"class", "msgids", "a" };
#define NKEYS (sizeof keys / sizeof keys[0])

static void
same(const struct flatjson *a, const struct flatjson *b)
{
	for (size_t k = 0; k < NKEYS; k++) {
		const struct flatjson_val *x = &a->v[k], *y = &b->v[k];

		if (x->type != y->type)
			abort();
		if (x->type == FLATJSON_INT && x->num != y->num)
			abort();
		if (x->type == FLATJSON_STR && strcmp(flatjson_str(a, k), flatjson_str(b, k)) != 0)
			abort();
		if (x->type == FLATJSON_STRS) {
			if (x->num != y->num)
				abort();
			for (size_t i = 0; i < (size_t)x->num; i++)
				if (strcmp(flatjson_strs(a, k, i), flatjson_strs(b, k, i)) != 0)
					abort();
			if (flatjson_strs(a, k, (size_t)x->num) != NULL)
				abort();
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flatjson fast, full;
	json_error_t err;
	json_t *obj;

	flatjson_init(&fast, keys, NKEYS);
	flatjson_init(&full, keys, NKEYS);
	obj = json_loadb((const char *)data, size, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &err);
	if (flatjson_parse(&fast, (const char *)data, size) == 0) {
		if (obj == NULL || !json_is_object(obj))
			abort();	/* the fast path took what is no JSON object */
		flatjson_from_json(&full, obj);
		same(&fast, &full);
	} else if (obj != NULL && json_is_object(obj)) {
		flatjson_from_json(&full, obj);
		for (size_t k = 0; k < NKEYS; k++)
			flatjson_str(&full, k), flatjson_strs(&full, k, 0);
	}
	json_decref(obj);
	flatjson_free(&fast);
	flatjson_free(&full);
	return 0;
}
