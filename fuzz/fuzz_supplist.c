/* suppress's list file: both loaders (the full list and the compact index),
 * lookups, and writing the list back. */
#include <string.h>

#include "fuzz.h"
#include "supplist.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size);
	static const char *const probes[] = { "user@example.com", "@example.com", "x@y.example",
		"User@Example.COM" };
	struct supplist l;
	struct supplist_index ix;
	char key[ADDR_MAX];
	int len;

	for (int fold = 0; fold <= 1; fold++) {
		supplist_init(&l, fold);
		if (supplist_load(&l, path) >= 0) {
			for (size_t i = 0; i < 4; i++) {
				if ((len = supplist_key(probes[i], strlen(probes[i]), fold, key)) < 0)
					continue;
				supplist_match(&l, key, (size_t)len, 1764237600);
				supplist_find(&l, key, (size_t)len);
			}
			supplist_write(fuzz_devnull(), &l);
		}
		supplist_free(&l);
		memset(&ix, 0, sizeof ix);
		if (supplist_index_load(&ix, path, fold) >= 0) {
			for (size_t i = 0; i < 4; i++)
				if ((len = supplist_key(probes[i], strlen(probes[i]), fold, key)) >= 0)
					supplist_index_match(&ix, key, (size_t)len, 1764237600);
		}
		supplist_index_free(&ix);
	}
	return 0;
}
