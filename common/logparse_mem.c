/* logparse_mem: what the log parsers remember per queue id (sender,
 * message-id, recipients still deferred and their last deferral), bounded,
 * and kept between --offset-file runs as JSON lines. */
#include "logparse_int.h"
#include "bktime.h"
#include "hmap.h"
#include "record.h"
#include "schema.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* At most this many queue ids are remembered; past it the oldest go first. A
 * busy server has far fewer messages in flight. */
#define QID_CAP 100000
/* Deferred recipients remembered per message (for expiry), in bytes. */
#define DEFERRED_CAP 4096
/* Of each deferred recipient's last reply text, kept to say why it expired. */
#define DEFERRED_DIAG_MAX 300
/* A message is surely out of the queue this long after it was first seen:
 * Postfix's maximal_queue_lifetime and Sendmail's Timeout.queuereturn are 5
 * days by default, Exim's default retry rule gives up after 4 days (plus its
 * last 6-hour interval). Older entries are not kept between runs. */
#define QID_KEEP_SECONDS (8 * 24 * 3600)
#define NONE UINT32_MAX		/* no entry in the age list */

/* A remembered string: short ones inline, so that a busy log costs no malloc. */
struct qstr {
	char *heap;
	char inl[88];
};

struct qent {
	uint32_t older, newer;		/* age list, by number */
	time_t first;			/* log time when first seen, -1 unknown */
	char qid[LOGPARSE_QID_MAX];
	struct qstr from, msgid;
	char *host;			/* of an attempt whose outcome is to come */
	struct util_buf deferred;	/* "rcpt\0status\0rhost\0diag\0" */
};

/* The entries by their number in the table (which keys on their qid); a
 * removed one stays allocated, emptied, for the id that takes its number. */
struct logparse_mem {
	struct hmap ids;
	struct qent **ent;
	size_t nent;
	uint32_t oldest, newest;
	uint32_t last;			/* the entry found last: the next line's, often */
	char *taken;			/* the host logparse_take_host gave */
};

static const char *
qent_key(const void *ctx, size_t n)
{
	const struct logparse_mem *m = ctx;

	return m->ent[n]->qid;
}

struct logparse_mem *
logparse_mem_new(void)
{
	struct logparse_mem *m = util_xcalloc(1, sizeof *m);

	hmap_init_keyed(&m->ids, qent_key, m);
	m->oldest = m->newest = m->last = NONE;
	return m;
}

static void
qstr_set(struct qstr *q, const char *s, size_t n)
{
	char buf[LOGPARSE_FIELD_MAX];

	free(q->heap);
	q->heap = NULL;
	if (n < sizeof q->inl) {
		logparse_copy(q->inl, sizeof q->inl, s, n);
	} else {
		q->inl[0] = '\0';
		q->heap = util_xstrdup(logparse_copy(buf, sizeof buf, s, n));
	}
}

static const char *
qstr_get(const struct qstr *q)
{
	const char *s = q->heap ? q->heap : q->inl;

	return s[0] ? s : NULL;
}

static void
qstr_clear(struct qstr *q)
{
	free(q->heap);
	q->heap = NULL;
	q->inl[0] = '\0';
}

/* Empties q, keeping its deferred list's memory for the next id. */
static void
qent_clear(struct qent *q)
{
	qstr_clear(&q->from);
	qstr_clear(&q->msgid);
	free(q->host);
	q->host = NULL;
	util_buf_reset(&q->deferred);
}

void
logparse_mem_free(struct logparse_mem *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nent; i++)
		if (m->ent[i] != NULL) {
			qent_clear(m->ent[i]);
			util_buf_free(&m->ent[i]->deferred);
			free(m->ent[i]);
		}
	hmap_free(&m->ids, NULL);
	free(m->ent);
	free(m->taken);
	free(m);
}

/* Takes entry n (just removed from the table) out of the age list. */
static void
qent_drop(struct logparse_mem *m, size_t n)
{
	struct qent *q = m->ent[n];

	if (m->last == n)
		m->last = NONE;
	if (q->older != NONE)
		m->ent[q->older]->newer = q->newer;
	else
		m->oldest = q->newer;
	if (q->newer != NONE)
		m->ent[q->newer]->older = q->older;
	else
		m->newest = q->older;
	qent_clear(q);
}

/* The entry of qid, or NULL; with create, added if absent (*added, may be
 * NULL, says so: its first time is the newest read, which the caller may
 * set later). */
static struct qent *
qid_get(struct logparse *lp, const char *qid, size_t n, int create, int *added)
{
	struct logparse_mem *m = lp->state->mem;
	struct qent *q;
	size_t k;
	int is_new;

	if (added)
		*added = 0;
	if (n == 0 || n >= LOGPARSE_QID_MAX)
		return NULL;
	/* A line looks its id up more than once, and the lines of one message
	 * often come together: the same id again costs no hash. */
	if (m->last != NONE && memcmp((q = m->ent[m->last])->qid, qid, n) == 0 &&
	    q->qid[n] == '\0')
		return q;
	if (!create) {
		if ((k = hmap_find(&m->ids, qid, n)) == HMAP_NONE)
			return NULL;
		m->last = (uint32_t)k;
		return m->ent[k];
	}
	k = hmap_add(&m->ids, qid, n, &is_new);
	if (!is_new) {
		m->last = (uint32_t)k;
		return m->ent[k];
	}
	if (k == m->nent) {
		/* numbers are handed out in order until ids are removed */
		m->nent = m->nent ? m->nent * 2 : 1024;
		m->ent = util_xreallocarray(m->ent, m->nent, sizeof *m->ent);
		memset(m->ent + k, 0, (m->nent - k) * sizeof *m->ent);
	}
	if ((q = m->ent[k]) == NULL)
		q = m->ent[k] = util_xcalloc(1, sizeof *q);
	memcpy(q->qid, qid, n);
	q->qid[n] = '\0';
	q->first = lp->state->latest;
	q->newer = NONE;
	q->older = m->newest;
	if (m->newest != NONE)
		m->ent[m->newest]->newer = (uint32_t)k;
	else
		m->oldest = (uint32_t)k;
	m->newest = m->last = (uint32_t)k;
	if (m->ids.count > QID_CAP) {
		struct qent *old = m->ent[m->oldest];

		qent_drop(m, hmap_remove(&m->ids, old->qid, strlen(old->qid)));
	}
	if (added)
		*added = 1;
	return q;
}

void
logparse_remember(struct logparse_ctx *c, const char *qid, size_t qlen, const char *from,
    size_t flen, const char *msgid, size_t mlen)
{
	int added;
	struct qent *q = qid_get(c->lp, qid, qlen, 1, &added);

	if (q == NULL)
		return;
	/* A new entry's first is the newest time read: this line's (read
	 * only then: most lines of a message come after its first). */
	if (added) {
		logparse_time(c);
		q->first = c->lp->state->latest;
	}
	if (from)
		qstr_set(&q->from, from, flen);
	/* The first Message-ID field is the message's: Postfix's cleanup logs
	 * one line for each field, Exim and the DSN path take the first. */
	if (msgid && qstr_get(&q->msgid) == NULL)
		qstr_set(&q->msgid, msgid, mlen);
}

void
logparse_recall(struct logparse *lp, const char *qid, size_t qlen, const char **from,
    const char **msgid)
{
	struct qent *q = qid_get(lp, qid, qlen, 0, NULL);

	*from = q ? qstr_get(&q->from) : NULL;
	*msgid = q ? qstr_get(&q->msgid) : NULL;
}

void
logparse_remember_host(struct logparse_ctx *c, const char *qid, size_t qlen, const char *host)
{
	struct qent *q;

	logparse_time(c);
	if ((q = qid_get(c->lp, qid, qlen, 1, NULL)) == NULL)
		return;
	free(q->host);
	q->host = util_xstrdup(host);
}

const char *
logparse_take_host(struct logparse *lp, const char *qid, size_t qlen)
{
	struct logparse_mem *m = lp->state->mem;
	struct qent *q = qid_get(lp, qid, qlen, 0, NULL);

	if (q == NULL || q->host == NULL)
		return NULL;
	free(m->taken);
	m->taken = q->host;
	q->host = NULL;
	return m->taken;
}

void
logparse_forget(struct logparse *lp, const char *qid, size_t qlen)
{
	struct logparse_mem *m = lp->state->mem;
	size_t k;

	if (qlen == 0 || qlen >= LOGPARSE_QID_MAX)
		return;
	if ((k = hmap_remove(&m->ids, qid, qlen)) != HMAP_NONE)
		qent_drop(m, k);
}

/* ---- the deferred list of a queue id: "rcpt\0status\0rhost\0diag\0" ---- */

/* The length of the entry at b->p + i. */
static size_t
deferred_len(const struct util_buf *b, size_t i)
{
	size_t n = 0;

	for (int k = 0; k < 4; k++)
		n += strlen(b->p + i + n) + 1;
	return n;
}

/* Offset of rcpt in the deferred list, or -1. */
static long
deferred_find(const struct util_buf *b, const char *rcpt)
{
	for (size_t i = 0; i < b->len; i += deferred_len(b, i))
		if (strcmp(b->p + i, rcpt) == 0)
			return (long)i;
	return -1;
}

static void
deferred_remove(struct util_buf *b, long at)
{
	size_t i = (size_t)at, n = deferred_len(b, i);

	memmove(b->p + i, b->p + i + n, b->len - i - n);
	b->len -= n;
}

/* Adds rcpt's last deferral; a full list keeps the recipient and its status
 * all the same, without the host and the text. */
static void
deferred_add(struct util_buf *b, const char *rcpt, const char *status, const char *rhost,
    const char *diag)
{
	size_t rl = strlen(rcpt), sl = strlen(status), hl = rhost ? strlen(rhost) : 0;
	size_t dl = diag ? strlen(diag) : 0;

	/* The reply text a few lines long at most, cut at a character. */
	if (dl > DEFERRED_DIAG_MAX) {
		dl = DEFERRED_DIAG_MAX;
		while (dl > 0 && ((unsigned char)diag[dl] & 0xc0) == 0x80)
			dl--;
	}
	if (hl >= LOGPARSE_FIELD_MAX)
		hl = 0;
	if (b->len + rl + sl + hl + dl + 4 > DEFERRED_CAP)
		hl = dl = 0;
	if (b->len + rl + sl + 4 > DEFERRED_CAP)
		return;
	util_buf_add(b, rcpt, rl + 1);
	util_buf_add(b, status, sl + 1);
	util_buf_add(b, hl ? rhost : "", hl);
	util_buf_addc(b, '\0');
	util_buf_add(b, dl ? diag : "", dl);
	util_buf_addc(b, '\0');
}

void
logparse_track(struct logparse *lp, const char *qid, size_t qlen, const char *rcpt,
    const struct logparse_deferral *deferred, struct logparse_fields *f, const char **from,
    const char **msgid)
{
	struct qent *q = qid_get(lp, qid, qlen, deferred != NULL, NULL);
	const char *s;
	long at;

	*from = *msgid = NULL;
	if (q == NULL)
		return;
	if ((s = qstr_get(&q->from)) != NULL)
		*from = logparse_copy(f->from, sizeof f->from, s, strlen(s));
	if ((s = qstr_get(&q->msgid)) != NULL)
		*msgid = logparse_copy(f->msgid, sizeof f->msgid, s, strlen(s));
	if (q->deferred.len && (at = deferred_find(&q->deferred, rcpt)) >= 0)
		deferred_remove(&q->deferred, at);
	if (deferred)
		deferred_add(&q->deferred, rcpt, deferred->status ? deferred->status : "",
		    deferred->rhost, deferred->diag);
}

void
logparse_note_done(struct logparse *lp, const char *qid, size_t qlen, const char *rcpt)
{
	struct qent *q = qid_get(lp, qid, qlen, 0, NULL);
	long at;

	if (q && q->deferred.len && (at = deferred_find(&q->deferred, rcpt)) >= 0)
		deferred_remove(&q->deferred, at);
}

/* The four strings of the entry at p. */
static const char *
deferral_at(const char *p, struct logparse_deferral *d)
{
	const char *rcpt = p;

	d->status = rcpt + strlen(rcpt) + 1;
	d->rhost = d->status + strlen(d->status) + 1;
	d->diag = d->rhost + strlen(d->rhost) + 1;
	return rcpt;
}

int
logparse_last_deferral(struct logparse *lp, const char *qid, size_t qlen, const char *rcpt,
    struct logparse_deferral *d, struct util_buf *keep)
{
	struct qent *q = qid_get(lp, qid, qlen, 0, NULL);
	long at;

	if (q == NULL || q->deferred.len == 0 || (at = deferred_find(&q->deferred, rcpt)) < 0)
		return -1;
	util_buf_reset(keep);
	util_buf_add(keep, q->deferred.p + at, deferred_len(&q->deferred, (size_t)at));
	deferral_at(keep->p, d);
	deferred_remove(&q->deferred, at);
	return 0;
}

void
logparse_take_deferred(struct logparse *lp, const char *qid, size_t qlen,
    void (*fn)(void *arg, const char *rcpt, const struct logparse_deferral *d), void *arg)
{
	struct qent *q = qid_get(lp, qid, qlen, 0, NULL);
	struct util_buf list;
	size_t i = 0;

	if (q == NULL || q->deferred.len == 0)
		return;
	/* Taken out first: fn may change the memory. */
	list = q->deferred;
	memset(&q->deferred, 0, sizeof q->deferred);
	while (i < list.len) {
		struct logparse_deferral d;
		const char *rcpt = deferral_at(list.p + i, &d);

		fn(arg, rcpt, &d);
		i += deferred_len(&list, i);
	}
	util_buf_free(&list);
}

/* ---- kept between runs ---- */

int
logparse_save(struct logparse *lp, FILE *fp)
{
	struct logparse_mem *m = lp->state->mem;
	time_t latest = lp->state->latest;
	struct util_buf rows = {0};
	struct rec_val v[QI_NFIELDS];
	int rc = 0;

	for (uint32_t k = m->oldest; k != NONE && rc == 0; k = m->ent[k]->newer) {
		const struct qent *q = m->ent[k];
		time_t first = q->first != (time_t)-1 ? q->first : latest;
		long long n = 0;

		if (first != (time_t)-1 && latest != (time_t)-1 && latest - first > QID_KEEP_SECONDS)
			continue;	/* surely out of the queue */
		util_buf_reset(&rows);
		for (size_t i = 0; i < q->deferred.len; i += deferred_len(&q->deferred, i), n++) {
			struct logparse_deferral d;
			const char *rcpt = deferral_at(q->deferred.p + i, &d);

			util_buf_add(&rows, rcpt, strlen(rcpt) + 1);
			util_buf_add(&rows, d.status, strlen(d.status) + 1);
			util_buf_add(&rows, d.rhost, strlen(d.rhost) + 1);
			util_buf_add(&rows, d.diag, strlen(d.diag) + 1);
		}
		rec_str(&v[QI_QID], q->qid);
		if (first != (time_t)-1)
			rec_int(&v[QI_FIRST], (long long)first);
		else
			rec_null(&v[QI_FIRST]);
		rec_str(&v[QI_FROM], qstr_get(&q->from));
		rec_str(&v[QI_MSGID], qstr_get(&q->msgid));
		rec_str(&v[QI_HOST], q->host);
		v[QI_DEFERRED].set = 1;
		v[QI_DEFERRED].s = rows.p;
		v[QI_DEFERRED].i = n;
		rc = rec_write(fp, &schema_qid, v);
	}
	util_buf_free(&rows);
	return rc;
}

int
logparse_load(struct logparse *lp, const json_t *o)
{
	struct rec_reader rd;
	struct rec_val v[QI_NFIELDS];
	const char *qid, *host, *d;
	struct qent *q;
	char why[128];
	time_t t;
	int rc;

	rec_reader_init(&rd, &schema_qid);
	rc = rec_read_json(&rd, o, v, why, sizeof why);
	qid = v[QI_QID].s;
	if (rc != 1 || strlen(qid) >= LOGPARSE_QID_MAX ||
	    (q = qid_get(lp, qid, strlen(qid), 1, NULL)) == NULL) {
		rec_reader_free(&rd);
		return -1;
	}
	t = v[QI_FIRST].set ? (time_t)v[QI_FIRST].i : (time_t)-1;
	q->first = t;
	if (t != (time_t)-1 && (lp->state->latest == (time_t)-1 || t > lp->state->latest))
		lp->state->latest = t;
	if (v[QI_FROM].set)
		qstr_set(&q->from, v[QI_FROM].s, strlen(v[QI_FROM].s));
	if (v[QI_MSGID].set)
		qstr_set(&q->msgid, v[QI_MSGID].s, strlen(v[QI_MSGID].s));
	host = v[QI_HOST].set ? v[QI_HOST].s : NULL;
	free(q->host);
	q->host = host && *host && strlen(host) < LOGPARSE_FIELD_MAX ? util_xstrdup(host) : NULL;
	util_buf_reset(&q->deferred);
	d = v[QI_DEFERRED].s;
	for (long long i = 0; i < v[QI_DEFERRED].i; i++) {
		const char *f[QI_DEFERRED_WIDTH];

		for (int k = 0; k < QI_DEFERRED_WIDTH; k++, d += strlen(d) + 1)
			f[k] = d;
		deferred_add(&q->deferred, f[QI_DEF_RCPT], f[QI_DEF_STATUS], f[QI_DEF_RHOST],
		    f[QI_DEF_DIAG]);
	}
	rec_reader_free(&rd);
	return 0;
}
