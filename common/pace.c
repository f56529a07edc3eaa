/* pace: pacing the retries that retry-due hands out (see pace.h). */
#include "pace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "input.h"
#include "record.h"
#include "schema.h"
#include "util.h"

void
pace_init(struct pace *p, long long per_domain, int64_t now)
{
	memset(p, 0, sizeof *p);
	p->per_domain = per_domain;
	p->now = now;
}

int
pace_load_list(struct pace *p, const char *path)
{
	/* Bad lines are reported and make no pause: the retry goes out. */
	if (supplist_index_load(&p->list, path, 0) < 0)
		return -1;
	p->have_list = 1;
	return 0;
}

struct throttle_ctx {
	struct pace *p;
	struct rec_reader rr;
	struct rec_val v[ST_NFIELDS];
};

/* A record of bounce-stats by domain: its advice. Records of servers,
 * statuses or days have no domain and say nothing of one. */
static int
throttle_line(void *ctx, const struct input_loc *loc, char *line, size_t len)
{
	struct throttle_ctx *c = ctx;
	const struct rec_val *v = c->v;
	char why[200], key[ADDR_MAX];
	struct util_buf b = {0};
	int rc = BK_OK, dom;

	switch (rec_read(&c->rr, line, len, c->v, why, sizeof why)) {
	case 0:
		return BK_OK;
	case -1:
		util_locwarn(loc->file, loc->line, "%s", why);
		return BK_ERR;
	}
	if (!v[ST_KEY].set || !v[ST_ADVICE].set || strcmp(v[ST_ADVICE].s, "throttle") != 0)
		return BK_OK;
	util_buf_adds(&b, "x@");
	util_buf_adds(&b, v[ST_KEY].s);
	if ((dom = addr_normalize(b.p, b.len, 0, key)) < 0) {
		util_locwarn(loc->file, loc->line, "not a domain: %.80s", v[ST_KEY].s);
		rc = BK_ERR;
	} else {
		hmap_put(&c->p->throttled, key + dom, strlen(key + dom), NULL)->num = 1;
	}
	util_buf_free(&b);
	return rc;
}

int
pace_load_throttle(struct pace *p, const char *path)
{
	struct throttle_ctx c;
	FILE *fp = fopen(path, "r");
	int status;

	if (fp == NULL) {
		util_warn("%s", path);
		return -1;
	}
	c.p = p;
	rec_reader_init(&c.rr, &schema_stats_domain);
	status = input_lines(fp, path, throttle_line, &c);
	rec_reader_free(&c.rr);
	fclose(fp);
	return status == BK_OK ? 0 : -1;
}

void
pace_probe_out(struct pace *p, const char *domain)
{
	hmap_put(&p->probes, domain, strlen(domain), NULL)->num = -1;
}

void
pace_probe_offer(struct pace *p, const char *domain, size_t i, unsigned attempts)
{
	struct hmap_entry *he = hmap_put(&p->probes, domain, strlen(domain), NULL);

	if (he->num == 0 || (he->num > 0 && attempts < (unsigned long long)he->num >> 40))
		he->num = (long long)attempts << 40 | (long long)(i + 1);
}

enum pace_verdict
pace_admit(struct pace *p, const char *rcpt, const char *domain, long probe)
{
	enum pace_verdict v = PACE_GO;
	long long cap = p->per_domain;
	struct hmap_entry *he;

	/* Retries to a server still full wait for what its probe finds. */
	if (probe >= 0 && ((he = hmap_get(&p->probes, domain, strlen(domain))) == NULL ||
	    he->num < 0 || (he->num & ((1LL << 40) - 1)) != probe + 1)) {
		p->held[PACE_PROBE]++;
		return PACE_PROBE;
	}
	if (p->have_list) {
		char key[ADDR_MAX];
		int n = supplist_key(rcpt, strlen(rcpt), p->list.fold_local, key);

		if (n >= 0 && supplist_index_match(&p->list, key, (size_t)n, p->now))
			v = PACE_PAUSED;
	}
	if (v == PACE_GO && hmap_get(&p->throttled, domain, strlen(domain)) != NULL) {
		cap = 1;	/* a probe: it finds out whether the server is back */
		if ((he = hmap_get(&p->sent, domain, strlen(domain))) && he->num >= cap)
			v = PACE_THROTTLE;
	}
	if (v == PACE_GO && cap > 0 && (he = hmap_get(&p->sent, domain, strlen(domain))) &&
	    he->num >= cap)
		v = PACE_CAP;
	if (v != PACE_GO) {
		p->held[v]++;
		return v;
	}
	if (cap > 0)
		hmap_put(&p->sent, domain, strlen(domain), NULL)->num++;
	return PACE_GO;
}

void
pace_free(struct pace *p)
{
	if (p->have_list)
		supplist_index_free(&p->list);
	hmap_free(&p->throttled, NULL);
	hmap_free(&p->sent, NULL);
	hmap_free(&p->probes, NULL);
	memset(p, 0, sizeof *p);
}
