/* webhook_int: what the webhook providers (webhook_*.c) share; not for programs. */
#ifndef BK_WEBHOOK_INT_H
#define BK_WEBHOOK_INT_H

#include <time.h>

#include "event.h"
#include "jtree.h"
#include "webhook.h"

/* What a provider's mapper made of an object: these, or the number of events. */
enum { WEBHOOK_MAP_UNKNOWN = -2, WEBHOOK_MAP_ERR = -1, WEBHOOK_MAP_NONE = 0 };

/* One value being mapped. */
struct webhook_ctx {
	struct webhook *w;
	struct jtree *inner;	/* for JSON inside a string (an SNS Message) */
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
	int (*is)(const struct jnode *o);
	int (*map)(struct webhook_ctx *c, const struct jnode *o);
};

extern const struct webhook_provider webhook_ses, webhook_sendgrid, webhook_mailgun,
    webhook_postmark, webhook_sparkpost, webhook_mandrill, webhook_brevo, webhook_mailjet,
    webhook_resend, webhook_postal, webhook_kumomta, webhook_mailersend, webhook_azure,
    webhook_smtp2go;

/* The first provider (of format f, or any for WEBHOOK_AUTO) whose is takes
 * object o, or NULL. */
const struct webhook_provider *webhook_provider_of(const struct jnode *o, enum webhook_format f);

/* What one kind of a provider's events (or one of its reason words) means
 * for the recipient. */
struct webhook_kind {
	const char *name;
	const char *action;	/* NULL: no recipient outcome */
	const char *reason;	/* the provider's word as a reason, or NULL */
	const char *cls;	/* the provider's hard/soft, or NULL: from the reason */
	int force;		/* reason taken even where the reply text tells one */
};

/* The entry named name (ASCII case ignored) of tab[0..n), or NULL. */
const struct webhook_kind *webhook_kind_find(const struct webhook_kind *tab, size_t n,
    const char *name);
#define WEBHOOK_KIND(tab, name) webhook_kind_find((tab), sizeof (tab) / sizeof (tab)[0], (name))

/* Each element of list (an array: a batch, a page of an API, a list export)
 * mapped by fn: the number of events, or WEBHOOK_MAP_UNKNOWN as soon as an
 * element is none of the provider's. */
int webhook_each(struct webhook_ctx *c, const struct jnode *list,
    int (*fn)(struct webhook_ctx *c, const struct jnode *o));

/* ---- small helpers over parsed values ---- */

static inline const struct jnode *
webhook_get(const struct jnode *o, const char *key)
{
	return jtree_get(o, key);
}

/* A non-empty string member, else NULL. */
static inline const char *
webhook_str(const struct jnode *o, const char *key)
{
	const char *s = jtree_str(jtree_get(o, key));

	return s && *s ? s : NULL;
}

/* The first non-empty string among members keys[0..n), else NULL: where a
 * provider spells one field several ways, or keeps a fallback for it. */
const char *webhook_str_of(const struct jnode *o, const char *const *keys, size_t n);
/* Whether o has any of members keys[0..n). */
int webhook_has_any(const struct jnode *o, const char *const *keys, size_t n);
#define WEBHOOK_KEYS(...) (const char *const[]){ __VA_ARGS__ }, \
	sizeof (const char *const[]){ __VA_ARGS__ } / sizeof (const char *)
/* webhook_str_of(o, the keys given): WEBHOOK_STR_OF(o, "comment", "error"). */
#define WEBHOOK_STR_OF(o, ...) webhook_str_of((o), WEBHOOK_KEYS(__VA_ARGS__))
#define WEBHOOK_HAS_ANY(o, ...) webhook_has_any((o), WEBHOOK_KEYS(__VA_ARGS__))
/* Whether o has the string members "event" and "email" that SendGrid's
 * events have, and Brevo's and Mailjet's after their own keys. */
int webhook_event_email(const struct jnode *o);
/* An integer (a real cut to one, in range), else def. */
long long webhook_int(const struct jnode *v, long long def);
/* Whether member key is the string want (ASCII case ignored). */
int webhook_str_is(const struct jnode *o, const char *key, const char *want);
/* A time given as RFC 3339 text, epoch number, or epoch digits in a string;
 * (time_t)-1 when none. */
time_t webhook_time(const struct jnode *v);
/* A time as webhook_time, where a number past 1e11 counts milliseconds. */
time_t webhook_time_ms(const struct jnode *v);
/* "smtp; 550 5.1.1 ..." (RFC 3464 diagnostic-type prefix) -> "550 5.1.1 ...";
 * NULL for NULL or nothing left. */
const char *webhook_skip_type(const char *s, const char *type);

/* SES bounce subtypes (also Resend's): the reason, and whether it is forced. */
const char *webhook_ses_bounce_reason(const char *sub, int *force);

/* ---- building and handing out events ---- */

/* Whether events of action are passed over (deliveries, not wanted): a
 * reader of high volumes checks before it builds one. */
int webhook_skips(const struct webhook_ctx *c, const char *action);
/* A buffer for text put together for one event (emptied): it lives until
 * the next call. */
struct util_buf *webhook_scratch(struct webhook_ctx *c);
/* Clears e, sets action, source and origin ("file:line"). */
void webhook_ev_start(struct webhook_ctx *c, struct event *e, const char *action);
/* Sets the recipient; -1 (reported, c->status set) when missing or not an address. */
int webhook_ev_rcpt(struct webhook_ctx *c, struct event *e, const char *addr);
/* An enhanced status code from s, when it is one. */
void webhook_ev_status(struct event *e, const char *s);
/* The message's ids: its Message-ID msgid, and the provider's own id qid;
 * without a Message-ID the provider's id stands in its place (qid then null). */
void webhook_ev_ids(struct event *e, const char *msgid, const char *qid);
/* An SMTP reply code (200-599) from a number or digits; other codes ignored. */
void webhook_ev_code(struct event *e, const struct jnode *v);
/* Settles reason and class and hands e to the sink. hint: the provider's own
 * word, taken when forced or when status and text tell nothing; cls: the
 * provider's hard/soft, or NULL to derive it from the reason. Returns 1 (the
 * events handed out), for a mapper to return. */
int webhook_ev_send(struct webhook_ctx *c, struct event *e, const char *hint, int force,
    const char *cls);
/* The same with the reason, force and class of k (NULL: none). */
int webhook_ev_send_kind(struct webhook_ctx *c, struct event *e, const struct webhook_kind *k);

/* An entry of a provider's bounce or suppression list (an export, a page of
 * its API) as a failed event: the address, when it was listed, the
 * provider's text, status and code (may be NULL), and the provider's reason
 * and class as for webhook_ev_send. 1, or WEBHOOK_MAP_ERR (reported). */
int webhook_list_entry(struct webhook_ctx *c, const char *addr, time_t when, const char *diag,
    const char *status, const struct jnode *code, const char *hint, int force, const char *cls);

#endif
