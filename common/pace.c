/* pace: pacing the retries that retry-due hands out (see pace.h). */
#include "pace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "jsonl.h"
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

int
pace_load_throttle(struct pace *p, const char *path)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL, why[200];
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	int rc = 0;

	if (fp == NULL) {
		util_warn("%s", path);
		return -1;
	}
	while ((n = getline(&line, &cap, fp)) != -1) {
		json_t *o;
		const char *domain, *advice;
		char key[ADDR_MAX];

		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (strspn(line, " \t") == (size_t)n)
			continue;
		if ((o = jsonl_parse_object(line, (size_t)n, why, sizeof why)) == NULL) {
			util_locwarn(path, lineno, "%s", why);
			rc = -1;
			continue;
		}
		/* Records of servers (rhost) or statuses say nothing of a domain. */
		domain = jsonl_get_str(o, "domain");
		advice = jsonl_get_str(o, "advice");
		if (domain && advice && strcmp(advice, "throttle") == 0) {
			struct util_buf b = {0};
			int dom;

			util_buf_addc(&b, 'x');
			util_buf_addc(&b, '@');
			util_buf_adds(&b, domain);
			if ((dom = addr_normalize(b.p, b.len, 0, key)) < 0) {
				util_locwarn(path, lineno, "not a domain: %.80s", domain);
				rc = -1;
			} else {
				hmap_put(&p->throttled, key + dom, strlen(key + dom), NULL)->num = 1;
			}
			util_buf_free(&b);
		}
		json_decref(o);
	}
	if (ferror(fp)) {
		util_warn("%s: read error", path);
		rc = -1;
	}
	free(line);
	fclose(fp);
	return rc;
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
