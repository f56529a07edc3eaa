/* The retry state file of retry-plan and retry-due: loading hostile or torn
 * lines, then the moves every run makes (events, ageing, claims, writing). */
#include <string.h>

#include "fuzz.h"
#include "plan.h"
#include "planstore.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policy policy;
	static int have_policy;
	struct plan_set s;
	struct plan_store st;
	struct plan_opts o;
	struct event e;
	int fatal = 0;

	if (!have_policy) {
		policy_init(&policy);
		policy_add_defaults(&policy);
		have_policy = 1;
	}
	memset(&o, 0, sizeof o);
	o.policy = &policy;
	o.now = (time_t)1764237600;
	o.keep = 30LL * 86400;
	o.resolve_after = 7LL * 86400;
	o.claim_timeout = 6LL * 3600;
	o.seed = 42;
	o.plan_delayed = size > 0 && (data[0] & 1);
	plan_set_init(&s);
	if (plan_store_open(&st, fuzz_file(data, size), 0) == 0) {
		fatal = plan_store_load(&st, &s) < 0;
		plan_store_close(&st);
	}
	if (!fatal) {
		/* A soft bounce, a hard one and a delivery for recipients the state may hold. */
		static const char *const rcpts[] = { "user@example.com", "a@b.example",
			"User@Example.COM" };

		for (size_t i = 0; i < 3; i++) {
			event_init(&e);
			if (event_set_rcpt(&e, rcpts[i], strlen(rcpts[i])) != 0)
				abort();
			e.time = (time_t)1764237600 - 3600;
			e.action = i == 0 ? "failed" : i == 1 ? "delayed" : "delivered";
			memcpy(e.status, i == 0 ? "5.2.2" : i == 1 ? "4.3.1" : "2.0.0", 6);
			event_finish(&e);
			plan_apply(&s, &e, &o);
		}
		plan_age(&s, &o);
		for (size_t i = 0; i < plan_count(&s); i++) {
			struct plan *p = plan_at(&s, i);

			if (plan_is_due(p, &o)) {
				plan_due_time(p, &o);
				plan_claim(p, &o);
			}
			plan_write(fuzz_devnull(), p, &o);
			plan_find(&s, p->rcpt);
		}
	}
	plan_set_free(&s);
	return 0;
}
