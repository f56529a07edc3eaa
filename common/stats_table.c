/* stats_table: bounce-stats' tables for a terminal (--format table). */
#include "stats_table.h"

#include <stdio.h>
#include <stdlib.h>

#include "bktime.h"
#include "reason.h"
#include "util.h"

#define SPARK_DAYS 14
#define KEY_WIDTH_MAX 48

/* A cell for a terminal: no control characters (escape sequences in hostile
 * keys), at most max columns. Returns its width in columns. */
size_t
stats_table_clean(const char *s, size_t max, struct util_buf *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t cols = 0;

	util_buf_reset(out);
	for (size_t i = 0; u[i]; ) {
		size_t len = 1;

		if (u[i] >= 0xC0)
			while (len < 4 && (u[i + len] & 0xC0) == 0x80)
				len++;
		if (cols + 1 == max && u[i + len] != '\0') {
			util_buf_adds(out, "\xE2\x80\xA6");	/* … */
			cols++;
			break;
		}
		if (u[i] < 0x20 || u[i] == 0x7F || (u[i] == 0xC2 && u[i + 1] >= 0x80 &&
		    u[i + 1] <= 0x9F))
			util_buf_addc(out, '?');
		else
			util_buf_add(out, s + i, len);
		cols++;
		i += len;
	}
	util_buf_str(out);
	return cols;
}

/* Events per day over the SPARK_DAYS days up to the reference day, each day a
 * block scaled to the busiest day of the row; a blank for none. */
static void
sparkline(const struct stats_group *g, time_t now, struct util_buf *out)
{
	static const char *const blocks[] = { "\xE2\x96\x81", "\xE2\x96\x82", "\xE2\x96\x83",
		"\xE2\x96\x84", "\xE2\x96\x85", "\xE2\x96\x86", "\xE2\x96\x87", "\xE2\x96\x88" };
	long long counts[SPARK_DAYS], max = 0, last = stats_day_of(now);

	util_buf_reset(out);
	for (int i = 0; i < SPARK_DAYS; i++) {
		char k[STATS_DAY_KEY];
		struct hmap_entry *he = hmap_get(&g->days, k, stats_day_key(last - (SPARK_DAYS - 1) +
		    i, k));

		counts[i] = he ? he->num : 0;
		if (counts[i] > max)
			max = counts[i];
	}
	for (int i = 0; i < SPARK_DAYS; i++) {
		if (counts[i] == 0)
			util_buf_addc(out, ' ');
		else
			util_buf_adds(out, blocks[(counts[i] * 8 + max - 1) / max - 1]);
	}
	util_buf_str(out);
}

#define MAXCOLS 12

struct row {
	char *cell[MAXCOLS];
	size_t width[MAXCOLS];
};

static void
row_set(struct row *r, int col, const char *s, size_t maxw)
{
	struct util_buf b = {0};

	r->width[col] = stats_table_clean(s, maxw, &b);
	r->cell[col] = b.p ? b.p : util_xstrdup("");
}

static void
row_setf(struct row *r, int col, const char *fmt, unsigned long long n)
{
	char buf[64];

	snprintf(buf, sizeof buf, fmt, n);
	row_set(r, col, buf, sizeof buf);
}

static const char *
top_reason(const struct stats_group *g)
{
	size_t nreasons = stats_nreasons(), best = nreasons;

	for (size_t i = 0; i < nreasons; i++)
		if (g->reasons[i] && (best == nreasons || g->reasons[i] > g->reasons[best]))
			best = i;
	return best < nreasons ? reason_table[best].name : "-";
}

void
stats_table_print(struct stats_group **v, size_t n, const struct stats_table_opts *o)
{
	const char *head[MAXCOLS];
	int ncols = 0, numeric[MAXCOLS] = {0};
	struct row *rows = util_xcalloc(n + 1, sizeof *rows);
	struct util_buf b = {0};
	char upper[16], sparkhead[48], tbuf[BKTIME_BUFSZ];
	size_t w[MAXCOLS] = {0};

	for (size_t i = 0; o->by[i] && i + 1 < sizeof upper; i++)
		upper[i] = (char)(o->by[i] - 'a' + 'A'), upper[i + 1] = '\0';
	snprintf(sparkhead, sizeof sparkhead, "%d DAYS TO %.10s", SPARK_DAYS,
	    bktime_format(o->now, tbuf));
	head[ncols++] = upper;
	if (o->by_rcpt) {
		const char *h[] = { "EVENTS", "DEFER", "FAIL", "LAST", "STATUS", "REASON" };

		for (size_t i = 0; i < sizeof h / sizeof h[0]; i++)
			numeric[ncols] = i < 3, head[ncols++] = h[i];
	} else {
		const char *h[] = { "EVENTS", "RCPTS", "DEFER", "FAIL", "SHARE", "DAYS" };

		for (size_t i = 0; i < sizeof h / sizeof h[0]; i++)
			numeric[ncols] = 1, head[ncols++] = h[i];
		if (o->advice) {
			numeric[ncols] = 1, head[ncols++] = "FULL";
			head[ncols++] = "ADVICE";
		}
		head[ncols++] = "TOP REASON";
	}
	head[ncols++] = sparkhead;
	rows[0].cell[0] = NULL;
	for (int c = 0; c < ncols; c++) {
		row_set(&rows[0], c, head[c], 64);
		w[c] = rows[0].width[c];
	}
	for (size_t i = 0; i < n; i++) {
		const struct stats_group *g = v[i];
		struct row *r = &rows[i + 1];
		int c = 0;

		row_set(r, c++, g->key ? g->key : "-", KEY_WIDTH_MAX);
		row_setf(r, c++, "%llu", g->events);
		if (o->by_rcpt) {
			row_setf(r, c++, "%llu", g->deferrals);
			row_setf(r, c++, "%llu", g->failures);
			row_set(r, c++, g->timed ? bktime_format(g->last, tbuf) : "-", 64);
			row_set(r, c++, g->last_status[0] ? g->last_status : "-", 64);
			row_set(r, c++, g->last_reason ? g->last_reason : "-", 64);
		} else {
			char pct[16];

			row_setf(r, c++, "%llu", stats_recipients(g));
			row_setf(r, c++, "%llu", g->deferrals);
			row_setf(r, c++, "%llu", g->failures);
			snprintf(pct, sizeof pct, "%.1f%%", stats_share(g, o->events) * 100.0);
			row_set(r, c++, pct, 16);
			row_setf(r, c++, "%llu", g->days.count);
			if (o->advice) {
				unsigned long long full_days;
				const char *word;

				o->advice_of(g, &full_days, &word);
				row_setf(r, c++, "%llu", full_days);
				row_set(r, c++, word, 16);
			}
			row_set(r, c++, top_reason(g), 64);
		}
		sparkline(g, o->now, &b);
		r->cell[c] = util_xstrdup(b.p);
		r->width[c++] = SPARK_DAYS;
		for (int k = 0; k < ncols; k++)
			if (r->width[k] > w[k])
				w[k] = r->width[k];
	}
	for (size_t i = 0; i < n + 1; i++) {
		for (int c = 0; c < ncols; c++) {
			size_t pad = w[c] - rows[i].width[c];
			int lastcol = c == ncols - 1;

			if (c > 0)
				fputs("  ", stdout);
			if (numeric[c])
				printf("%*s%s", (int)pad, "", rows[i].cell[c]);
			else
				printf("%s%*s", rows[i].cell[c], lastcol ? 0 : (int)pad, "");
			free(rows[i].cell[c]);
		}
		putchar('\n');
		util_check_stdout();
	}
	util_buf_free(&b);
	free(rows);
}

void
stats_table_recovery(struct recovery_group **v, size_t n, const struct recovery *rec,
    time_t now)
{
	char b1[32], b2[32];

	if (n == 0)
		return;
	printf("%-*s  %-12s  %7s  %9s  %9s  %6s  %5s\n", KEY_WIDTH_MAX / 2,
	    rec->by_rhost ? "RHOST" : "DOMAIN", "KIND", "COUNT", "MEDIAN", "P90", "NEVER", "OPEN");
	for (size_t i = 0; i < n; i++) {
		struct recovery_figures f;
		struct util_buf key = {0};
		size_t w = stats_table_clean(v[i]->key, KEY_WIDTH_MAX, &key);

		recovery_figures(v[i], &f, now, rec->window);
		printf("%s%*s  %-12s  %7llu  %9s  %9s  %5.1f%%  %5llu\n", key.p,
		    (int)(w < KEY_WIDTH_MAX / 2 ? KEY_WIDTH_MAX / 2 - w : 0), "", v[i]->kind,
		    f.count, f.median < 0 ? "-" : recovery_format_duration(f.median, b1, sizeof b1),
		    f.p90 < 0 ? "-" : recovery_format_duration(f.p90, b2, sizeof b2),
		    f.never_share < 0 ? 0.0 : f.never_share * 100.0, f.open);
		util_buf_free(&key);
		util_check_stdout();
	}
}
