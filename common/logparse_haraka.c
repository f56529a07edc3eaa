/* logparse_haraka: Haraka's log ("[LEVEL] [uuid] [plugin] message", with its
 * own stamps, tai64nlocal's or syslog's): the outbound lines "recipient <R>
 * rejected|deferred: reply", "delivered file=... domain=D ...", "Temp failing
 * ...: why" and "bouncing mail: why", joined with the transaction's
 * "recipient <R> ..." and "message mid=<M>" lines (the uuid "T.1" of a
 * transaction is that of its outbound items "T.1.1", "T.1.2" less a part). */
#include "logparse_acct.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A transaction: "sender\0msgid\0" then "rcpt\0" for each recipient. */
static void
txn_add(struct logparse_acct *a, const char *uuid, size_t ul, const char *sender, size_t sl,
    const char *mid, size_t ml, const char *rcpt, size_t rl)
{
	struct hmap_entry *he = acct_recent_put(&a->haraka_txn, uuid, ul);
	struct util_buf b = { 0 };

	if (he->val) {
		const char *old = he->val, *s = old, *m = s + strlen(s) + 1, *r = m + strlen(m) + 1;
		size_t rest = 0;

		for (const char *q = r; *q; q += strlen(q) + 1)
			rest += strlen(q) + 1;
		util_buf_add(&b, sender ? sender : s, sender ? sl : strlen(s));
		util_buf_addc(&b, '\0');
		util_buf_add(&b, mid ? mid : m, mid ? ml : strlen(m));
		util_buf_addc(&b, '\0');
		util_buf_add(&b, r, rest);
	} else {
		util_buf_add(&b, sender ? sender : "", sender ? sl : 0);
		util_buf_addc(&b, '\0');
		util_buf_add(&b, mid ? mid : "", mid ? ml : 0);
		util_buf_addc(&b, '\0');
	}
	if (rcpt && b.len < 65536) {
		util_buf_add(&b, rcpt, rl);
		util_buf_addc(&b, '\0');
	}
	util_buf_addc(&b, '\0');	/* the end of the list */
	free(he->val);
	he->val = b.p;
}

/* "X.1.1" -> "X.1": the transaction of an outbound item. */
static size_t
txn_of(const char *uuid, size_t n)
{
	const char *dot = NULL;

	for (size_t i = 0; i < n; i++)
		if (uuid[i] == '.')
			dot = uuid + i;
	return dot ? (size_t)(dot - uuid) : 0;
}

/* Excluded: recipients of an outbound item already reported (rejected or
 * deferred at RCPT), kept under the item's uuid as "rcpt\0rcpt\0...\0". */
static void
item_note(struct logparse_acct *a, const char *uuid, size_t ul, const char *rcpt, size_t rl)
{
	char key[160];
	struct hmap_entry *he;
	struct util_buf b = { 0 };
	size_t len = 0;

	if (ul + 1 >= sizeof key)
		return;
	key[0] = '@';	/* items and transactions share the table */
	memcpy(key + 1, uuid, ul);
	he = acct_recent_put(&a->haraka_txn, key, ul + 1);
	if (he->val)
		for (const char *q = he->val; *q; q += strlen(q) + 1)
			len += strlen(q) + 1;
	if (len > 65536)
		return;
	util_buf_add(&b, he->val ? he->val : "", len);
	util_buf_add(&b, rcpt, rl);
	util_buf_addc(&b, '\0');
	util_buf_addc(&b, '\0');
	free(he->val);
	he->val = b.p;
}

static int
item_has(struct logparse_acct *a, const char *uuid, size_t ul, const char *rcpt)
{
	char key[160];
	struct hmap_entry *he;

	if (ul + 1 >= sizeof key)
		return 0;
	key[0] = '@';
	memcpy(key + 1, uuid, ul);
	if ((he = acct_recent_get(&a->haraka_txn, key, ul + 1)) == NULL || he->val == NULL)
		return 0;
	for (const char *q = he->val; *q; q += strlen(q) + 1)
		if (strcasecmp(q, rcpt) == 0)
			return 1;
	return 0;
}

static void
send_one(struct logparse_ctx *c, const char *action, const char *rcpt, size_t rl,
    const char *diag, const char *rhost, const char *from, const char *msgid, const char *qid)
{
	struct event e;

	acct_start(c, &e, action, "haraka");
	if (acct_rcpt(c, &e, rcpt, rl) != 0)
		return;
	e.time = logparse_time(c);
	e.diag = diag && *diag ? diag : NULL;
	e.rhost = rhost && *rhost ? rhost : NULL;
	e.from = from && *from ? from : NULL;
	e.msgid = msgid && *msgid ? msgid : NULL;
	e.qid = qid;
	acct_send(c, &e, NULL, 0, NULL);
}

/* The outcome of a whole outbound item for its transaction's recipients:
 * those of domain (NULL: of the one domain they share, or those the text
 * names), less the ones already reported. */
static int
item_outcome(struct logparse_ctx *c, struct logparse_acct *a, const char *action,
    const char *uuid, size_t ul, const char *domain, size_t dl, const char *diag,
    const char *rhost)
{
	size_t tl = txn_of(uuid, ul);
	struct hmap_entry *he = tl ? acct_recent_get(&a->haraka_txn, uuid, tl) : NULL;
	const char *sender, *mid, *r, *first_dom = NULL;
	char qid[160];
	int one_domain = 1;

	if (he == NULL || he->val == NULL)
		return BK_OK;	/* its transaction came before what was read */
	sender = he->val;
	mid = sender + strlen(sender) + 1;
	r = mid + strlen(mid) + 1;
	for (const char *q = r; *q; q += strlen(q) + 1) {
		const char *at = strrchr(q, '@');

		if (at && first_dom && strcasecmp(at, first_dom) != 0)
			one_domain = 0;
		if (at && !first_dom)
			first_dom = at;
	}
	snprintf(qid, sizeof qid, "%.*s", (int)ul, uuid);
	for (; *r; r += strlen(r) + 1) {
		const char *at = strrchr(r, '@');

		if (domain && (at == NULL || strlen(at + 1) != dl || strncasecmp(at + 1, domain,
		    dl) != 0))
			continue;
		if (!domain && !one_domain && (at == NULL || diag == NULL ||
		    strstr(diag, at + 1) == NULL))
			continue;
		if (item_has(a, uuid, ul, r))
			continue;
		send_one(c, action, r, strlen(r), diag, rhost, sender, mid, qid);
	}
	return BK_OK;
}

int
logparse_haraka_line(struct logparse_ctx *c, struct logparse_acct *a, const char *msg,
    size_t n)
{
	const char *end = msg + n, *uuid, *plugin, *text, *p, *v;
	size_t ul, pl, tl, vl;
	char diag[LOGPARSE_DIAG_MAX], rhost[LOGPARSE_FIELD_MAX];

	/* "[LEVEL] [uuid] [plugin] text" */
	if ((p = memchr(msg, ']', n)) == NULL || end - p < 4 || p[2] != '[')
		return BK_OK;
	uuid = p + 3;
	if ((p = memchr(uuid, ']', (size_t)(end - uuid))) == NULL || end - p < 3 || p[2] != '[')
		return BK_OK;
	ul = (size_t)(p - uuid);
	plugin = p + 3;
	if ((p = memchr(plugin, ']', (size_t)(end - plugin))) == NULL)
		return BK_OK;
	pl = (size_t)(p - plugin);
	for (text = p + 1; text < end && *text == ' '; text++)
		;
	tl = (size_t)(end - text);
	if (c->stamp_kind != LOGPARSE_STAMP_NONE && logparse_check_time(c) != 0)
		return BK_ERR;
	if (pl == 4 && memcmp(plugin, "core", 4) == 0) {
		/* the transaction: "recipient <R> code=OK ... sender=S", "message mid=<M>" */
		if (logparse_prefix(text, tl, "recipient <") && (p = memchr(text + 11, '>',
		    tl - 11)) != NULL && logparse_find(p, (size_t)(end - p), "code=OK")) {
			v = acct_kv(p, (size_t)(end - p), "sender", &vl);
			txn_add(a, uuid, ul, v, vl, NULL, 0, text + 11, (size_t)(p - text - 11));
		} else if (logparse_prefix(text, tl, "message mid=") &&
		    (v = acct_kv(text, tl, "mid", &vl)) != NULL) {
			while (vl > 0 && (*v == '<' || *v == '"')) {
				v++;
				vl--;
			}
			while (vl > 0 && (v[vl - 1] == '>' || v[vl - 1] == '"'))
				vl--;
			txn_add(a, uuid, ul, NULL, 0, v, vl, NULL, 0);
		}
		return BK_OK;
	}
	if (pl != 8 || memcmp(plugin, "outbound", 8) != 0)
		return BK_OK;
	/* "recipient <R> rejected: 550 ..." / "recipient <R> deferred: 450 ..." */
	if (logparse_prefix(text, tl, "recipient <") &&
	    (p = memchr(text + 11, '>', tl - 11)) != NULL) {
		const char *rcpt = text + 11, *why;
		size_t rl = (size_t)(p - rcpt);
		const char *action = logparse_prefix(p, (size_t)(end - p), "> rejected: ") ?
		    "failed" : logparse_prefix(p, (size_t)(end - p), "> deferred: ") ? "delayed" : NULL;
		struct hmap_entry *he;
		size_t tx = txn_of(uuid, ul);
		char qid[160];

		if (action == NULL)
			return BK_OK;
		why = p + 12;
		item_note(a, uuid, ul, rcpt, rl);
		he = tx ? acct_recent_get(&a->haraka_txn, uuid, tx) : NULL;
		snprintf(qid, sizeof qid, "%.*s", (int)ul, uuid);
		logparse_copy(diag, sizeof diag, why, (size_t)(end - why));
		send_one(c, action, rcpt, rl, diag, NULL, he && he->val ? he->val : NULL,
		    he && he->val ? (char *)he->val + strlen(he->val) + 1 : NULL, qid);
		return BK_OK;
	}
	/* "delivered file=F domain=D host=H ip=I ... response="R" ..." */
	if (logparse_prefix(text, tl, "delivered ")) {
		const char *dom = acct_kv(text, tl, "domain", &vl);

		if (c->lp->skip_delivered || dom == NULL)
			return BK_OK;
		if ((p = acct_kv(text, tl, "response", &pl)) != NULL)
			logparse_copy(diag, sizeof diag, p, pl);
		else
			diag[0] = '\0';
		rhost[0] = '\0';
		if ((p = acct_kv(text, tl, "host", &pl)) != NULL)
			logparse_copy(rhost, sizeof rhost, p, pl);
		return item_outcome(c, a, "delivered", uuid, ul, dom, vl, diag, rhost);
	}
	/* "Temp failing FILE for N seconds: why" / "bouncing mail: why" */
	if (logparse_prefix(text, tl, "Temp failing ") &&
	    (p = logparse_find(text, tl, " seconds: ")) != NULL) {
		p += 10;
		if (logparse_prefix(p, (size_t)(end - p), "Some recipients temp failed: "))
			return BK_OK;	/* each was reported on its own line */
		if (logparse_prefix(p, (size_t)(end - p), "Upstream error: "))
			p += 16;
		logparse_copy(diag, sizeof diag, p, (size_t)(end - p));
		return item_outcome(c, a, "delayed", uuid, ul, NULL, 0, diag, NULL);
	}
	if (logparse_prefix(text, tl, "bouncing mail: ")) {
		p = text + 15;
		if (logparse_prefix(p, (size_t)(end - p), "Some recipients failed: "))
			return BK_OK;
		if (logparse_prefix(p, (size_t)(end - p), "Upstream error: "))
			p += 16;
		logparse_copy(diag, sizeof diag, p, (size_t)(end - p));
		return item_outcome(c, a, "failed", uuid, ul, NULL, 0, diag, NULL);
	}
	return BK_OK;
}
