/* retry-plan's policy file: a hostile or mistyped rule file must be reported,
 * never crash; and whatever loads must match and compute gaps. */
#include <string.h>

#include "fuzz.h"
#include "policy.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const domains[] = { "example.com", "mx.example.com", "gmail.com", "" };
	static const char *const reasons[] = { "mailboxfull", "systemfull", NULL, "x" };
	static const char *const statuses[] = { "4.2.2", "4.3.1", NULL, "5.1.1" };
	struct policy p;
	const struct policy_rule *r;

	policy_init(&p);
	policy_load(&p, fuzz_file(data, size));
	policy_add_defaults(&p);
	for (size_t d = 0; d < 4; d++) {
		for (size_t k = 0; k < 4; k++) {
			if ((r = policy_match(&p, domains[d], reasons[k], statuses[k])) == NULL)
				abort();	/* the defaults match every soft bounce */
			for (unsigned a = 0; a < 20; a++)
				if (policy_gap(r, a, (uint64_t)a * 0x9E3779B97F4A7C15ULL) < -1)
					abort();
		}
	}
	policy_print(&p, fuzz_devnull());
	policy_free(&p);
	return 0;
}
