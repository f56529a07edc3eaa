/* webhook_int: what the webhook providers (webhook_*.c) share; not for programs. */
#ifndef BK_WEBHOOK_INT_H
#define BK_WEBHOOK_INT_H

#include <jansson.h>
#include <time.h>

#include "event.h"
#include "webhook.h"

/* What a provider's mapper made of an object: these, or the number of events. */
enum { WEBHOOK_MAP_UNKNOWN = -2, WEBHOOK_MAP_ERR = -1, WEBHOOK_MAP_NONE = 0 };

/* One value being mapped. */
struct webhook_ctx {
	struct webhook *w;
	const char *file;	/* the input's name, for diagnostics */
	unsigned long line;	/* where the value begins */
	const char *source;	/* the provider's name, the events' "source" */
	int status;		/* BK_ERR once a recipient could not be read */
};

/* A provider: is tells whether an object is one of its events (cheap, keys
 * only), map turns it into events. */
struct webhook_provider {
	const char *name;
	enum webhook_format format;
	int (*is)(const json_t *o);
	int (*map)(struct webhook_ctx *c, const json_t *o);
};

extern const struct webhook_provider webhook_ses, webhook_sendgrid, webhook_mailgun,
    webhook_postmark;

/* ---- small helpers over jansson values ---- */

static inline json_t *
webhook_get(const json_t *o, const char *key)
{
	return json_object_get(o, key);
}

/* A non-empty string member, else NULL. */
static inline const char *
webhook_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s && *s ? s : NULL;
}

/* Whether member key is the string want (ASCII case ignored). */
int webhook_str_is(const json_t *o, const char *key, const char *want);
/* A time given as RFC 3339 text, epoch number, or epoch digits in a string;
 * (time_t)-1 when none. */
time_t webhook_time(const json_t *v);
/* "smtp; 550 5.1.1 ..." (RFC 3464 diagnostic-type prefix) -> "550 5.1.1 ...";
 * NULL for NULL or nothing left. */
const char *webhook_skip_type(const char *s, const char *type);

/* ---- building and handing out events ---- */

/* Clears e, sets action, source and origin ("file:line"). */
void webhook_ev_start(struct webhook_ctx *c, struct event *e, const char *action);
/* Sets the recipient; -1 (reported, c->status set) when missing or not an address. */
int webhook_ev_rcpt(struct webhook_ctx *c, struct event *e, const char *addr);
/* An enhanced status code from s, when it is one. */
void webhook_ev_status(struct event *e, const char *s);
/* An SMTP reply code (200-599) from a number or digits; other codes ignored. */
void webhook_ev_code(struct event *e, const json_t *v);
/* Settles reason and class and hands e to the sink. hint: the provider's own
 * word, taken when forced or when status and text tell nothing; cls: the
 * provider's hard/soft, or NULL to derive it from the reason. */
void webhook_ev_send(struct webhook_ctx *c, struct event *e, const char *hint, int force,
    const char *cls);

#endif
