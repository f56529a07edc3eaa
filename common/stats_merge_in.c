/* stats_merge_in: the operands of bounce-stats --merge opened (what is not a
 * file copied to one), and their partials found by their header lines and
 * checked to be of one scope, before stats_merge.c merges them. */
#include "stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "bktime.h"
#include "jsonl.h"
#include "reason.h"
#include "stats_merge_int.h"
#include "util.h"

/* A time or null at key of a jansson object: 0 (*have says which), -1 if
 * neither. */
static int
get_time(const json_t *o, const char *key, int *have, time_t *t)
{
	const json_t *v = json_object_get(o, key);

	*have = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || bktime_parse_time(json_string_value(v), t) != 0)
		return -1;
	*have = 1;
	return 0;
}

static int
get_count(const json_t *o, const char *key, unsigned long long *n)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*n = (unsigned long long)json_integer_value(v);
	return 0;
}


static int
same_segment(const char **a, const char **b)
{
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	for (i = 0; a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return a[i] == b[i];
}



void
stats_merge_open(struct stats_merge *m, struct stats_set *s, int argc, char **argv)
{
	static char *dash[] = { "-" };

	memset(m, 0, sizeof *m);
	m->set = s;
	m->status = BK_OK;
	m->sums = util_xcalloc(1, sizeof *m->sums);
	if (argc == 0) {
		argc = 1;
		argv = dash;
	}
	m->in = util_xcalloc((size_t)argc, sizeof *m->in);
	m->nin = (size_t)argc;
	for (int i = 0; i < argc; i++) {
		struct stats_merge_input *in = &m->in[i];
		struct stat st;

		in->name = input_display_name(argv[i]);
		if ((in->fp = input_open(argv[i])) == NULL) {
			m->status = BK_ERR;
			continue;
		}
		if (fstat(fileno(in->fp), &st) == 0 && S_ISREG(st.st_mode)) {
			/* Standard input redirected from a file: from where it is. */
			off_t at = lseek(fileno(in->fp), 0, SEEK_CUR);

			in->start = at > 0 ? (long long)at : 0;
			continue;
		}
		/* Read many times at different places: copied first. */
		in->orig = in->fp;
		if ((in->fp = tmpfile()) == NULL) {
			util_warn("%s: a temporary copy", in->name);
			if (in->orig != stdin)
				fclose(in->orig);
			in->orig = NULL;
			m->status = BK_ERR;
		}
	}
}
/* Copies in->orig into the temporary file: 0, or -1 (reported). */
static int
copy_input(struct stats_merge_input *in)
{
	char b[65536];
	size_t n;

	while ((n = fread(b, 1, sizeof b, in->orig)) > 0)
		if (fwrite(b, 1, n, in->fp) != n)
			break;
	if (ferror(in->orig)) {
		util_warn("%s: read error", in->name);
		return -1;
	}
	if (ferror(in->fp) || fflush(in->fp) != 0) {
		util_warn("%s: its temporary copy", in->name);
		return -1;
	}
	return 0;
}

/* A partial's header read into h and sc (sc.segment allocated); 0, or -1
 * with why. */
static int
header(const json_t *o, struct stats_merge_src *h, struct stats_scope *sc, char *why,
    size_t whylen)
{
	static const char *const bys[] = { "domain", "rhost", "status", "reason", "day",
		"rcpt", NULL };
	const json_t *seg = json_object_get(o, "segment"), *ver = json_object_get(o, "version");
	const char *by = jsonl_get_str(o, "by");
	size_t i;

	memset(sc, 0, sizeof *sc);
	if (!json_is_string(json_object_get(o, "partial")) ||
	    strcmp(jsonl_get_str(o, "partial"), STATS_PARTIAL_NAME) != 0) {
		snprintf(why, whylen, "not a partial of " STATS_PARTIAL_NAME " (--partial): no "
		    "header line");
		return -1;
	}
	if (!json_is_integer(ver) || json_integer_value(ver) != STATS_PARTIAL_VERSION) {
		snprintf(why, whylen, "a partial of version %lld: this bounce-stats reads "
		    "version %d (write the partial again with it)",
		    json_is_integer(ver) ? (long long)json_integer_value(ver) : 0LL,
		    STATS_PARTIAL_VERSION);
		return -1;
	}
	for (i = 0; by && bys[i] && strcmp(by, bys[i]) != 0; i++)
		;
	if (by == NULL || bys[i] == NULL || get_count(o, "events", &h->events) ||
	    get_count(o, "groups", &h->groups) || get_count(o, "lines", &h->lines) ||
	    get_time(o, "since", &sc->have_since, &sc->since) ||
	    get_time(o, "until", &sc->have_until, &sc->until) ||
	    get_time(o, "now", &sc->have_now, &sc->now) ||
	    get_time(o, "latest", &h->have_latest, &h->latest) ||
	    !(json_is_null(seg) || json_is_array(seg))) {
		snprintf(why, whylen, "a partial header without by, events, groups, lines or "
		    "times");
		return -1;
	}
	sc->by = bys[i];
	if (json_is_array(seg)) {
		sc->segment = util_xcalloc(json_array_size(seg) + 1, sizeof *sc->segment);
		for (i = 0; i < json_array_size(seg); i++) {
			const json_t *r = json_array_get(seg, i);
			const struct reason_desc *d = json_is_string(r) ?
			    reason_describe(json_string_value(r)) : NULL;

			if (d == NULL) {
				free(sc->segment);
				sc->segment = NULL;
				snprintf(why, whylen, "a partial header with an unknown reason");
				return -1;
			}
			sc->segment[i] = d->name;
		}
	}
	return 0;
}

/* The scope of a partial, the first one's or the same: 0, or -1 with why
 * (sc's segment is taken or freed). */
static int
scope_take(struct stats_merge *m, struct stats_scope *sc, char *why, size_t whylen)
{
	const struct stats_scope *w = &m->scope;

	if (!m->have_scope) {
		m->scope = *sc;
		m->have_scope = 1;
		return 0;
	}
	if (strcmp(w->by, sc->by) != 0 || !same_segment(w->segment, sc->segment) ||
	    w->have_since != sc->have_since || (sc->have_since && w->since != sc->since) ||
	    w->have_until != sc->have_until || (sc->have_until && w->until != sc->until) ||
	    w->have_now != sc->have_now || (sc->have_now && w->now != sc->now)) {
		free(sc->segment);
		snprintf(why, whylen, "a partial of other options (--by, --segment, --since, "
		    "--until or --now) than the first");
		return -1;
	}
	free(sc->segment);
	return 0;
}
/* The partials of an input, found by their headers' line counts without
 * reading their groups; the good ones' totals counted. */
static void
scan_input(struct stats_merge *m, struct stats_merge_input *in, size_t *cap)
{
	struct input_reader rd;
	char *line, why[200];
	size_t len;
	unsigned long lineno = 0;
	long long off = in->start;
	int fd = fileno(in->fp);

	input_reader_init_at(&rd, fd, in->start, 0);
	while (input_next_line(&rd, &line, &len)) {
		struct stats_merge_src h;
		struct stats_scope sc;
		unsigned long hline = ++lineno;
		unsigned long long k;
		json_t *o;
		int rc;

		off += (long long)len;
		input_chomp(line, &len);
		memset(&h, 0, sizeof h);
		if ((o = jsonl_parse_object(line, len, why, sizeof why)) == NULL) {
			util_locwarn(in->name, hline, "%s; the rest of this file is skipped", why);
			m->status = BK_ERR;
			break;
		}
		rc = header(o, &h, &sc, why, sizeof why);
		json_decref(o);
		if (rc != 0) {
			util_locwarn(in->name, hline, "%s; the rest of this file is skipped", why);
			m->status = BK_ERR;
			break;
		}
		h.at = off;
		for (k = 0; k < h.lines && input_next_line(&rd, &line, &len); k++) {
			off += (long long)len;
			lineno++;
		}
		if (k < h.lines) {
			free(sc.segment);
			util_locwarn(in->name, hline, "partial cut short: %llu of its %llu lines "
			    "missing; not merged", h.lines - k, h.lines);
			m->status = BK_ERR;
			break;
		}
		if (scope_take(m, &sc, why, sizeof why) != 0) {
			util_locwarn(in->name, hline, "%s; not merged", why);
			m->status = BK_ERR;
			continue;
		}
		m->set->events += h.events;
		if (h.have_latest && (!m->set->any_time || h.latest > m->set->max_time))
			m->set->max_time = h.latest;
		m->set->any_time |= h.have_latest;
		if (m->nsrc == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			m->src = util_xreallocarray(m->src, *cap, sizeof *m->src);
		}
		h.file = in->name;
		h.fd = fd;
		h.line = hline;
		m->src[m->nsrc++] = h;
	}
	if (rd.error) {
		errno = rd.error;
		util_warn("%s: read error", in->name);
		m->status = BK_ERR;
	}
	input_reader_free(&rd);
}

int
stats_merge_headers(struct stats_merge *m)
{
	size_t cap = 0;

	for (size_t i = 0; i < m->nin; i++) {
		struct stats_merge_input *in = &m->in[i];

		if (in->fp == NULL)
			continue;
		if (in->orig && copy_input(in) != 0) {
			m->status = BK_ERR;
			continue;
		}
		scan_input(m, in, &cap);
	}
	if (!m->have_scope) {
		util_warnx("no partial to merge");
		m->status = BK_ERR;
	}
	return m->status;
}
