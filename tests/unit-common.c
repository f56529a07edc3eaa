/* Unit tests of common/: run by tests/01-common.bats through make check. */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "ascii.h"
#include "charset.h"
#include "bktime.h"
#include "email_int.h"
#include "event.h"
#include "jsonl.h"
#include "nonstd.h"
#include "phraseset.h"
#include "reason.h"
#include "record.h"
#include "recovery.h"
#include "schema.h"
#include "status.h"
#include "util.h"

static int failures, checks;

#define CHECK(cond) do { checks++; if (!(cond)) { failures++; \
	fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); checks++; \
	if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) { failures++; \
	fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, \
	    a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } } while (0)

static time_t
rfc(const char *s)
{
	time_t t = -1;

	if (bktime_parse_time(s, &t) != 0)
		return -1;
	return t;
}

static void
test_time(void)
{
	char buf[BKTIME_BUFSZ], d[32];
	long long secs;
	time_t t;

	CHECK(rfc("2026-11-27T10:00:00Z") == 1795773600);
	CHECK(rfc("2026-11-27T11:00:00+01:00") == 1795773600);
	CHECK(rfc("2026-11-27T05:30:00-0430") == 1795773600);
	CHECK(rfc("2026-11-27 10:00:00.123456Z") == 1795773600);
	CHECK(rfc("2026-02-30T10:00:00Z") == -1);
	CHECK(rfc("2025-02-29T10:00:00Z") == -1);
	CHECK(rfc("2024-02-29T10:00:00Z") != -1);
	CHECK(rfc("2026-11-27T24:00:00Z") == -1);
	CHECK(rfc("2026-11-27T10:00:00Zx") == -1 && rfc("") == -1);
	{
		int64_t day;

		CHECK(bktime_parse_day("2026-11-27", 10, &day) == 0 && day * 86400 == 1795737600);
		CHECK(bktime_parse_day("1970-01-01", 10, &day) == 0 && day == 0);
		CHECK(bktime_parse_day("2024-02-29", 10, &day) == 0);
		CHECK(bktime_parse_day("2026-02-29", 10, &day) == -1);
		CHECK(bktime_parse_day("2026-11-27T", 11, &day) == -1);
		CHECK(bktime_parse_day("2026-1-277", 10, &day) == -1);
	}
	CHECK_STR(bktime_format(1795773600, buf), "2026-11-27T10:00:00Z");
	CHECK(bktime_parse_arg("@1795773600", &t) == 0 && t == 1795773600);
	CHECK(bktime_parse_arg("2026-11-27", &t) == 0 && t == 1795737600);
	CHECK(bktime_parse_arg("@-5", &t) == -1);
	CHECK(bktime_parse_arg("yesterday", &t) == -1);
	CHECK(bktime_parse_duration("24h", &secs) == 0 && secs == 86400);
	CHECK(bktime_parse_duration("1w", &secs) == 0 && secs == 604800);
	CHECK(bktime_parse_duration("1d12h", &secs) == 0 && secs == 129600);
	CHECK(bktime_parse_duration("30m", &secs) == 0 && secs == 1800);
	CHECK(bktime_parse_duration("90", &secs) == 0 && secs == 90);
	CHECK(bktime_parse_duration("", &secs) == -1);
	CHECK(bktime_parse_duration("2x", &secs) == -1);
	CHECK(bktime_parse_duration("h", &secs) == -1);
	CHECK(bktime_parse_duration("99999999999999999999d", &secs) == -1);
	CHECK_STR(bktime_format_duration(129600, d, sizeof d), "36h");
	CHECK_STR(bktime_format_duration(5400, d, sizeof d), "90m");
	CHECK_STR(bktime_format_duration(0, d, sizeof d), "0s");
	CHECK_STR(bktime_format_duration(604800, d, sizeof d), "1w");
	CHECK_STR(bktime_format_span(129600, d, sizeof d), "1d12h");
	CHECK_STR(bktime_format_span(1123200, d, sizeof d), "1w6d");
	CHECK_STR(bktime_format_span(120001, d, sizeof d), "1d9h20m1s");
	CHECK_STR(bktime_format_span(0, d, sizeof d), "0s");
}

/* bktime_format formats by hand: it must agree with gmtime_r and strftime
 * everywhere in years 0 to 9999, and at the edges of days and leap years. */
static void
test_time_format(void)
{
	static const long long edges[] = { 0, -1, 86399, 86400, 951782400, 951868799,
	    4107542399LL, 253402300799LL, -62167219200LL, 1795773600 };
	char buf[BKTIME_BUFSZ], want[64];
	unsigned long long x = 88172645463325252ULL;
	int bad = 0;

	for (int i = 0; i < 200000 + (int)(sizeof edges / sizeof edges[0]); i++) {
		long long v;
		time_t t;
		struct tm tm;

		if (i < (int)(sizeof edges / sizeof edges[0])) {
			v = edges[i];
		} else {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;	/* xorshift64 */
			v = (long long)(x % (253402300800ULL + 62167219200ULL)) - 62167219200LL;
		}
		t = (time_t)v;
		if (gmtime_r(&t, &tm) == NULL)
			continue;
		strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (tm.tm_year + 1900 < 1000)	/* %Y does not pad */
			snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
			    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		if (strcmp(bktime_format(t, buf), want) != 0 && bad++ < 5)
			fprintf(stderr, "bktime_format(%lld) = %s, want %s\n", v, buf, want);
	}
	CHECK(bad == 0);
	/* Out of the range of four digits: the epoch, as before. */
	CHECK_STR(bktime_format((time_t)253402300800LL, buf), "1970-01-01T00:00:00Z");
	CHECK_STR(bktime_format((time_t)-62167219201LL, buf), "1970-01-01T00:00:00Z");
}

/* jsonl's writer is to write the bytes jansson writes, for any string. */
static void
test_jsonl_bytes(void)
{
	/* Mostly plain text, with quotes, controls and UTF-8 here and there. */
	static const char *const odd[] = { "\"", "\\", "\n", "\t", "\x01", "\xc3\xa9", "\x7f",
	    "\xe2\x82\xac" };
	unsigned long long x = 2463534242ULL;
	int bad = 0, compared = 0;

	for (int i = 0; i < 20000; i++) {
		char s[64 * 3];
		size_t n = 0;
		json_t *o;
		char *want, *got = NULL;
		size_t gotlen = 0;
		FILE *fp;

		for (int k = 0; k < i % 64; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			if (x % 8) {
				s[n++] = (char)(' ' + x / 8 % 95);
			} else {
				const char *p = odd[x / 8 % 8];

				memcpy(s + n, p, strlen(p));
				n += strlen(p);
			}
		}
		o = json_object();
		json_object_set_new(o, "k", json_stringn(s, n));
		if ((fp = open_memstream(&got, &gotlen)) == NULL)
			break;
		jsonl_write(fp, o);
		fclose(fp);
		want = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		compared++;
		if ((want == NULL || gotlen != strlen(want) + 1 || memcmp(got, want, gotlen - 1) != 0) &&
		    bad++ < 5)
			fprintf(stderr, "jsonl_write: %.*s, want %s\n", (int)gotlen, got,
			    want ? want : "(null)");
		free(want);
		free(got);
		json_decref(o);
	}
	CHECK(bad == 0 && compared == 20000);
}

/* util_memcasemem against the plainest search there is, on texts of a few
 * letters in both cases (many near misses) and NUL bytes. */
static void
test_memcasemem(void)
{
	static const char alphabet[] = "aAbB \0";
	static const char *const needles[] = { "a", "B", "ab", "Ba b", "aaB", "b\0a", "abba" };
	unsigned long long x = 88172645463325252ULL;
	int bad = 0;

	for (int i = 0; i < 20000; i++) {
		char hay[40];
		size_t n = (size_t)(i % 40);
		const char *needle = needles[i % (sizeof needles / sizeof needles[0])];
		size_t m = strlen(needle);
		const char *want = NULL;

		for (size_t k = 0; k < n; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			hay[k] = alphabet[x % (sizeof alphabet - 1)];
		}
		for (size_t at = 0; want == NULL && at + m <= n; at++) {
			size_t k = 0;

			while (k < m && tolower((unsigned char)hay[at + k]) == tolower((unsigned char)needle[k]))
				k++;
			if (k == m)
				want = hay + at;
		}
		if (util_memcasemem(hay, n, needle) != want && bad++ < 5)
			fprintf(stderr, "util_memcasemem: case %d differs\n", i);
	}
	CHECK(bad == 0);
	CHECK(util_memcasemem("xyz", 3, "") != NULL);
	CHECK(util_memcasemem("Final-Recipient: x", 18, "final-RECIPIENT:") != NULL);
}

static void
test_syslog(void)
{
	struct bktime_syslog ctx;
	time_t t;

	setenv("TZ", "UTC", 1);
	tzset();
	/* --year 2025 and a log that crosses New Year. */
	bktime_syslog_init(&ctx, 2025, 0);
	CHECK(bktime_parse_syslog(&ctx, "Dec 31 23:59:59 host x", 22, &t) == 15);
	CHECK(t == rfc("2025-12-31T23:59:59Z"));
	CHECK(bktime_parse_syslog(&ctx, "Jan  1 00:00:01 host x", 22, &t) == 15);
	CHECK(t == rfc("2026-01-01T00:00:01Z"));
	/* Inferred: December read in January is last year's. */
	bktime_syslog_init(&ctx, 0, rfc("2026-01-02T00:00:00Z"));
	CHECK(bktime_parse_syslog(&ctx, "Dec 30 10:00:00 h", 17, &t) == 15);
	CHECK(t == rfc("2025-12-30T10:00:00Z"));
	bktime_syslog_init(&ctx, 0, rfc("2026-11-27T12:00:00Z"));
	CHECK(bktime_parse_syslog(&ctx, "Nov 27 10:00:00 h", 17, &t) == 15);
	CHECK(t == rfc("2026-11-27T10:00:00Z"));
	CHECK(bktime_parse_syslog(&ctx, "Nov 27 25:00:00 h", 17, &t) == 0);
	CHECK(bktime_parse_syslog(&ctx, "Foo 27 10:00:00 h", 17, &t) == 0);
	/* The local zone is honoured. */
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	bktime_syslog_init(&ctx, 2026, 0);
	CHECK(bktime_parse_syslog(&ctx, "Nov 27 11:00:00 h", 17, &t) == 15);
	CHECK(t == rfc("2026-11-27T10:00:00Z"));
	CHECK(bktime_parse_syslog(&ctx, "Jul  1 12:00:00 h", 17, &t) == 15);
	CHECK(t == rfc("2026-07-01T10:00:00Z"));
	setenv("TZ", "UTC", 1);
	tzset();
}

static void
test_addr(void)
{
	char out[ADDR_MAX];
	int d;

	d = addr_normalize("<Ann.Lee@Example.COM>", 21, 0, out);
	CHECK(d == 8);
	CHECK_STR(out, "Ann.Lee@example.com");
	CHECK(addr_normalize(" rfc822; bob@Example.org ", 25, 0, out) > 0);
	CHECK_STR(out, "bob@example.org");
	CHECK(addr_normalize("Bob@Example.org.", 16, 1, out) > 0);
	CHECK_STR(out, "bob@example.org");
	CHECK(addr_normalize("\"a b\"@example.org", 17, 0, out) > 0);
	CHECK(addr_normalize("no-at-sign", 10, 0, out) == -1);
	CHECK(addr_normalize("a@", 2, 0, out) == -1);
	CHECK(addr_normalize("@example.org", 12, 0, out) == -1);
	CHECK(addr_normalize("a b@example.org", 15, 0, out) == -1);
	CHECK(addr_normalize("a@exa mple.org", 14, 0, out) == -1);
	CHECK(addr_normalize("a@b..c", 6, 0, out) == -1);
	CHECK(addr_normalize("", 0, 0, out) == -1);
	CHECK_STR(addr_domain("x@y.z"), "y.z");
}

static void
test_status(void)
{
	char st[STATUS_MAX];
	struct status_info info;
	const char *text = "452 4.3.1 Insufficient system storage";
	const char *after;

	CHECK(status_parse("4.3.1", 5, st) == 0);
	CHECK_STR(st, "4.3.1");
	CHECK(status_parse("5.01.001", 8, st) == 0);
	CHECK_STR(st, "5.1.1");
	CHECK(status_parse("3.1.1", 5, st) == -1);
	CHECK(status_parse("4.3", 3, st) == -1);
	CHECK(status_parse("4.3.1.2", 7, st) == -1);
	CHECK(status_find(text, strlen(text), st) != NULL);
	CHECK_STR(st, "4.3.1");
	CHECK(status_find("host 10.4.5.1 said", 18, st) == NULL);
	CHECK(status_find("version v5.4.1", 14, st) == NULL);
	CHECK(status_find("550-5.1.1 The email", 19, st) != NULL);
	CHECK_STR(st, "5.1.1");
	CHECK(status_find_reply(text, strlen(text), &after) == 452);
	CHECK(status_find_reply("999 x", 5, NULL) == 0);
	CHECK(status_find_reply("45", 2, NULL) == 0);
	CHECK(status_lookup("4.3.1", &info) == 0);
	CHECK_STR(info.detail_title, "Mail system full");
	CHECK_STR(info.reason, "systemfull");
	CHECK(status_lookup("5.9.99", &info) == 0 && info.detail_title == NULL);
	/* The one registry table: every entry in order, generic ones marked. */
	{
		size_t n;
		const struct status_detail *d = status_details(&n);

		CHECK(n >= 80);
		for (size_t i = 1; i < n; i++)
			CHECK(d[i].subject > d[i - 1].subject || (d[i].subject == d[i - 1].subject &&
			    d[i].detail > d[i - 1].detail));
		CHECK_STR(status_detail(1, 1)->reason, "userunknown");
		CHECK(status_detail(7, 1)->generic && !status_detail(2, 2)->generic);
		CHECK(status_detail(9, 9) == NULL && status_detail(1, 99) == NULL);
	}
}

static void
test_reason(void)
{
	CHECK_STR(reason_classify("failed", "5.2.2", 552, "552 5.2.2 Mailbox full"), "mailboxfull");
	CHECK_STR(reason_classify("delayed", "4.3.1", 452, "452 4.3.1 Insufficient system storage"),
	    "systemfull");
	CHECK_STR(reason_classify("failed", "5.0.0", 550, "550 5.0.0 quota exceeded"), "mailboxfull");
	CHECK_STR(reason_classify("failed", "5.1.1", 550, "550 5.1.1 User unknown"), "userunknown");
	CHECK_STR(reason_classify("failed", NULL, 550, "550 sorry, no mailbox here by that name"),
	    "userunknown");
	CHECK_STR(reason_classify("delivered", "2.0.0", 250, "250 ok"), "delivered");
	CHECK_STR(reason_classify("failed", NULL, 0, "User not listed in public Name & Address "
	    "Book"), "userunknown");
	CHECK_STR(reason_classify("failed", "5.7.1", 554, "554 5.7.1 Service unavailable; client "
	    "host [192.0.2.1] is listed in bl.example.net"), "blocked");
	/* RFC 7505 null MX, which Gmail words as a DNS error. */
	CHECK_STR(reason_classify("failed", "4.0.0", 0, "DNS Error: DNS type 'mx' lookup of "
	    "example.org responded with code NOERROR The domain example.org doesn't receive "
	    "email according to the administrator: returned Null MX"), "notaccept");
	CHECK_STR(reason_classify("failed", "5.1.10", 550, "550 5.1.10 Recipient address has "
	    "null MX"), "notaccept");
	CHECK_STR(reason_class("mailboxfull", "5.2.2", 552), "soft");
	CHECK_STR(reason_class("systemfull", "5.3.1", 552), "soft");
	CHECK_STR(reason_class("userunknown", "5.1.1", 550), "hard");
	CHECK_STR(reason_class("notaccept", "5.1.10", 556), "hard");
	CHECK_STR(reason_class("notaccept", "4.3.2", 421), "soft");
	for (const struct reason_desc *r = reason_table; r->name; r++)
		CHECK(reason_describe(r->name) == r);
}

static void
test_jsonl(void)
{
	char *c = jsonl_utf8_clean("a\xff" "b\0c\xc3\xa9\xed\xa0\x80", 10);

	CHECK_STR(c, "a\xef\xbf\xbd" "bc\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	free(c);
}

static void
test_event(void)
{
	static const char good[] = "{\"time\":\"2026-11-27T10:00:00Z\",\"rcpt\":\"A@X.ORG\","
	    "\"action\":\"failed\",\"status\":\"4.2.2\",\"diag\":\"452 4.2.2 box full\"}";
	static const char bad[] = "{\"time\":\"2026-11-27T10:00:00Z\",\"rcpt\":\"nope\","
	    "\"action\":\"failed\"}";
	static const char untimed[] = "{\"time\":null,\"rcpt\":\"a@x.org\",\"action\":\"failed\"}";
	static const char nokey[] = "{\"rcpt\":\"a@x.org\",\"action\":\"failed\"}";
	struct event_reader r;
	struct event e;
	char why[128];

	event_reader_init(&r);
	CHECK(event_read(&r, good, strlen(good), &e, why, sizeof why) == 1);
	CHECK_STR(e.rcpt, "A@x.org");
	CHECK_STR(e.domain, "x.org");
	CHECK(e.code == 452);
	CHECK_STR(e.reason, "mailboxfull");
	CHECK_STR(e.class, "soft");
	CHECK(event_read(&r, bad, strlen(bad), &e, why, sizeof why) == -1);
	/* time may be null (unknown), but is required. */
	CHECK(event_read(&r, untimed, strlen(untimed), &e, why, sizeof why) == 1);
	CHECK(e.time == (time_t)-1);
	CHECK(event_read(&r, nokey, strlen(nokey), &e, why, sizeof why) == -1);
	CHECK_STR(why, "no \"time\"");
	CHECK(event_read(&r, "  \t", 3, &e, why, sizeof why) == 0);
	event_reader_free(&r);
}

/* The record reader: the fast path and jansson's agree on odd lines (a
 * repeated key, known or not; reals; escapes), and wrong types are refused. */
static void
test_record(void)
{
	static const struct {
		const char *line;
		int rc;
	} cases[] = {
		{ "{\"address\":\"a@b.example\",\"count\":2}", 1 },
		{ "{\"address\":\"a@b.example\",\"x\":1,\"x\":2}", -1 },
		{ "{\"address\":\"a@b.example\",\"address\":\"c@d.example\"}", -1 },
		{ "{\"address\":\"a\\u0040b.example\",\"y\":[1,{\"z\":2}]}", 1 },
		{ "{\"address\":\"a@b.example\",\"count\":2.5}", -1 },
		{ "{\"address\":\"a@b.example\",\"count\":\"2\"}", -1 },
		{ "{\"address\":\"a@b.example\",\"since\":\"yesterday\"}", -1 },
		{ "{\"address\":null}", -1 },
		{ "{\"reason\":\"x\"}", -1 },
		{ "{\"address\":\"\u00e9@b.example\",\"until\":null}", 1 },
		{ "[1]", -1 },
	};
	struct rec_reader rd;
	struct rec_val v[SU_NFIELDS];
	struct util_buf b = {0};
	char why[128];

	rec_reader_init(&rd, &schema_supp);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = rec_read(&rd, cases[i].line, strlen(cases[i].line), v, why, sizeof why);

		if (rc != cases[i].rc) {
			fprintf(stderr, "rec_read(%s) = %d (%s), want %d\n", cases[i].line, rc,
			    rc < 0 ? why : "", cases[i].rc);
			failures++;
		}
	}
	rec_reader_free(&rd);
	/* Reals as jansson writes them. */
	for (int i = 0; i <= 2000; i++) {
		double d = i == 2000 ? 1e-7 : i / 1999.0 * (i % 2 ? 1 : 123.0);
		json_t *j = json_real(d);
		char *want = json_dumps(j, JSON_ENCODE_ANY | JSON_REAL_PRECISION(4));

		util_buf_reset(&b);
		jsonl_add_real(&b, d, 4);
		if (want == NULL || b.len != strlen(want) || memcmp(b.p, want, b.len) != 0) {
			fprintf(stderr, "jsonl_add_real(%g) = %.*s, want %s\n", d, (int)b.len, b.p,
			    want ? want : "(null)");
			failures++;
		}
		free(want);
		json_decref(j);
	}
	util_buf_free(&b);
}

/* Packed records: a plan record packs and unpacks to the same line; every
 * cut or changed byte of it is refused or read as some record, never past
 * its end. */
static void
test_record_pack(void)
{
	static const char line[] = "{\"rcpt\":\"a@b.example\",\"domain\":\"b.example\","
	    "\"state\":\"waiting\",\"status\":null,\"reason\":\"mailboxfull\",\"attempts\":2,"
	    "\"max_attempts\":4,\"first_bounce\":\"1970-01-01T00:00:00Z\","
	    "\"last_bounce\":\"2026-11-27T10:00:00Z\",\"last_attempt\":\"2026-11-27T10:00:00Z\","
	    "\"next_retry\":\"2026-11-28T10:00:00Z\",\"claimed_at\":null,\"resolved_at\":null,"
	    "\"msgids\":[\"<m1@x>\",\"<m2@x>\"],\"from\":null,\"rule\":\"r\","
	    "\"pause\":\"30d\",\"expires\":null,\"delays\":0,"
	    "\"last_event\":\"2026-11-27T10:00:00Z\",\"since\":\"2026-11-27T10:00:00Z\","
	    "\"seen_upto\":null,\"seen\":\"\"}";
	struct rec_reader rd;
	struct rec_val v[PL_NFIELDS], w[PL_NFIELDS];
	struct util_buf packed = {0}, out = {0};
	unsigned char wire[PL_NFIELDS], older[PL_NFIELDS];
	char why[128];

	/* Any numbering; then a reader of an older schema (no "seen", its
	 * number taken by nothing) still reads the record. */
	for (size_t i = 0; i < PL_NFIELDS; i++)
		older[i] = wire[i] = (unsigned char)(PL_NFIELDS - i);
	older[PL_SEEN] = 0;
	rec_reader_init(&rd, &schema_plan);
	if (rec_read(&rd, line, strlen(line), v, why, sizeof why) != 1) {
		fprintf(stderr, "rec_read(plan): %s\n", why);
		failures++;
	} else if (rec_pack(&packed, &schema_plan, wire, v) != 0 ||
	    rec_unpack(packed.p, packed.len, &schema_plan, wire, w) != 0) {
		fprintf(stderr, "rec_pack/rec_unpack(plan) failed\n");
		failures++;
	} else {
		rec_format(&out, &schema_plan, w);
		if (out.len != strlen(line) || memcmp(out.p, line, out.len) != 0) {
			fprintf(stderr, "unpacked: %.*s\nwant:     %s\n", (int)out.len, out.p, line);
			failures++;
		}
		if (rec_unpack(packed.p, packed.len, &schema_plan, older, w) != 0 || w[PL_SEEN].set) {
			fprintf(stderr, "rec_unpack with a field unknown to the reader failed\n");
			failures++;
		}
		for (size_t n = 0; n < packed.len; n++)
			if (rec_unpack(packed.p, n, &schema_plan, wire, w) == 0) {
				fprintf(stderr, "rec_unpack took %zu of %zu bytes\n", n, packed.len);
				failures++;
			}
		for (size_t n = 0; n < packed.len; n++) {
			char *p = util_xmalloc(packed.len);

			memcpy(p, packed.p, packed.len);
			p[n] ^= 0x5a;
			if (rec_unpack(p, packed.len, &schema_plan, wire, w) == 0) {
				util_buf_reset(&out);
				rec_format(&out, &schema_plan, w);	/* no crash, no overread */
			}
			free(p);
		}
	}
	rec_reader_free(&rd);
	util_buf_free(&packed);
	util_buf_free(&out);
}

/* The schemas, one field a line: "number kind key type flags" (flags: R
 * required, N nullable, O optional, - none), for tests/04-records.bats. */
static int
print_schemas(void)
{
	static const char *const types[] = { "string", "integer", "boolean", "time", "duration",
		"strings", "real", "counts", "object", "rows" };

	for (size_t i = 0; schema_all[i]; i++) {
		const struct rec_schema *sc = schema_all[i];

		for (size_t k = 0; k < sc->nfields; k++) {
			const struct rec_field *f = &sc->fields[k];

			printf("%zu %s %s %s %s%s%s%s\n", i, sc->name, f->key, types[f->type],
			    f->flags & REC_REQUIRED ? "R" : "", f->flags & REC_NULLABLE ? "N" : "",
			    f->flags & REC_OPTIONAL ? "O" : "", f->flags ? "" : "-");
		}
	}
	return 0;
}

static int
ll_cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static void
rec_event(struct event *e, const char *rcpt, const char *action, const char *reason,
    const char *class, time_t t)
{
	event_init(e);
	event_set_rcpt(e, rcpt, strlen(rcpt));
	e->action = action;
	e->reason = reason;
	e->class = class;
	e->time = t;
}

/* Recovery times: percentiles from the histogram within 4.5% of the exact
 * ones; a recipient counts once until the delivery; the recipient's own full
 * mailbox waits for a delivery to it; the window makes "never". */
static void
test_recovery(void)
{
	enum { N = 5000 };
	static long long len[N];
	struct recovery r;
	struct event e;
	struct recovery_group *g;
	struct recovery_figures f;
	uint64_t x = 42;
	time_t t = 1795773600;
	char rcpt[64];

	recovery_init(&r, 0, RECOVERY_WINDOW);
	for (int i = 0; i < N; i++) {
		/* Log-uniform from a second to a week. */
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		len[i] = (long long)exp((double)(x >> 11) / 9007199254740992.0 * log(604800.0));
		snprintf(rcpt, sizeof rcpt, "r%d@full.example", i);
		rec_event(&e, rcpt, "delayed", "systemfull", "soft", t);
		recovery_add(&r, &e);
		/* The same recipient again: still one observation. */
		rec_event(&e, rcpt, "failed", "systemfull", "soft", t + len[i] / 2);
		recovery_add(&r, &e);
		rec_event(&e, "other@full.example", "delivered", "delivered", "none", t + len[i]);
		recovery_add(&r, &e);
		t += len[i] + 1;
	}
	recovery_finish(&r, t);
	CHECK(r.ngroups == 1);
	g = r.groups[0];
	CHECK(g->recovered == N && g->never == 0 && g->episodes == N);
	CHECK(g->nwaiting == 0 && g->heap == NULL);
	qsort(len, N, sizeof len[0], ll_cmp);
	for (int k = 1; k <= 99; k++) {
		double q = k / 100.0, exact = (double)len[(int)ceil(q * N) - 1];
		long long got = recovery_quantile(g, q);

		CHECK(fabs((double)got - exact) <= 0.045 * exact + 0.5);
	}
	CHECK(g->min == len[0] && g->max == len[N - 1]);
	recovery_free(&r);

	/* Domain scope: three recipients wait, one delivery to anyone closes
	 * them; a mailbox waits for its own delivery; a hard bounce is no
	 * observation; the window turns an old one into never. */
	recovery_init(&r, 0, 86400);
	t = 1795773600;
	rec_event(&e, "a@d.example", "failed", "systemfull", "soft", t);
	recovery_add(&r, &e);
	rec_event(&e, "b@d.example", "delayed", "systemfull", "soft", t + 600);
	recovery_add(&r, &e);
	rec_event(&e, "c@d.example", "delayed", "systemfull", "soft", t + 1200);
	recovery_add(&r, &e);
	rec_event(&e, "m@d.example", "delayed", "mailboxfull", "soft", t);
	recovery_add(&r, &e);
	rec_event(&e, "h@d.example", "failed", "userunknown", "hard", t);
	recovery_add(&r, &e);
	rec_event(&e, "z@d.example", "delivered", "delivered", "none", t + 3600);
	recovery_add(&r, &e);
	CHECK(r.ngroups == 2);
	recovery_finish(&r, t + 7200);
	g = r.groups[0];
	recovery_figures(g, &f, t + 7200, r.window);
	CHECK(f.count == 3 && f.recovered == 3 && f.episodes == 1 && f.open == 0);
	CHECK(f.min == 2400 && f.max == 3600);
	g = r.groups[1];
	CHECK(g->rcpt_scope && g->nwaiting == 1);
	rec_event(&e, "m@d.example", "delivered", "delivered", "none", t + 7200);
	recovery_add(&r, &e);
	CHECK(g->recovered == 1 && g->min == 7200 && g->nwaiting == 0);
	rec_event(&e, "m@d.example", "delayed", "mailboxfull", "soft", t + 8000);
	recovery_add(&r, &e);
	recovery_finish(&r, t + 8000 + 86401);
	recovery_figures(g, &f, t + 8000 + 86401, r.window);
	CHECK(f.never == 1 && f.open == 0 && f.never_share == 0.5);
	recovery_free(&r);
}

/* Which of phrases p[0..np) t[0..n) holds, one search per phrase: what
 * phraseset_find answers in one pass. */
static uint64_t
phrases_plain(const char *const *p, size_t np, const char *t, size_t n, int nul_space)
{
	uint64_t found = 0;

	for (size_t i = 0; i < np; i++) {
		size_t m = strlen(p[i]);

		for (size_t at = 0; at + m <= n; at++) {
			size_t k = 0;

			while (k < m && (nul_space && t[at + k] == '\0' ? ' ' :
			    ascii_lower((unsigned char)t[at + k])) == (unsigned char)p[i][k])
				k++;
			if (k == m) {
				found |= UINT64_C(1) << i;
				break;
			}
		}
	}
	return found;
}

/* phraseset against the plain search, on texts of the phrases' own letters
 * in both cases (near misses, phrases overlapping and at either end), NUL
 * bytes and eight-bit bytes; and the stop set. */
static void
test_phraseset(void)
{
	static const char *const words[] = { "delay", "layer", "will retry", "ab", "a b",
		"yer\xc3\xa9", "retry later", "ray" };
	static const char *const longer[] = { "successfully delivered", "delivered to",
		"recipients succeeded" };
	static struct phraseset set = PHRASESET(words, 0);
	static struct phraseset set_nul = PHRASESET(words, PHRASESET_NUL_SPACE);
	static struct phraseset set_long = PHRASESET(longer, 0);
	static const char alphabet[] = "dDeElLaAyYrRwWiItT bB\0\xc3\xa9.";
	unsigned long long x = 88172645463325252ULL;
	int bad = 0;

	for (int i = 0; i < 30000; i++) {
		char t[64];
		size_t n = (size_t)(i % 64);

		for (size_t k = 0; k < n; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			t[k] = alphabet[x % (sizeof alphabet - 1)];
		}
		/* Now and then a whole phrase, in upper case, somewhere. */
		if (i % 3 == 0 && n > 0) {
			const char *w = (i % 2 ? longer : words)[(size_t)i / 3 % 3];
			size_t m = strlen(w), at = (size_t)x % n;

			for (size_t k = 0; k < m && at + k < n; k++)
				t[at + k] = (char)ascii_upper((unsigned char)w[k]);
		}
		if ((phraseset_find(&set, t, n, 0) != phrases_plain(words, 8, t, n, 0) ||
		    phraseset_find(&set_nul, t, n, 0) != phrases_plain(words, 8, t, n, 1) ||
		    phraseset_find(&set_long, t, n, 0) != phrases_plain(longer, 3, t, n, 0) ||
		    phraseset_any(&set, t, n) != (phrases_plain(words, 8, t, n, 0) != 0)) &&
		    bad++ < 5)
			fprintf(stderr, "phraseset: case %d differs\n", i);
	}
	CHECK(bad == 0);
	CHECK(phraseset_find(&set, "WILL RETRY", 10, 0) == 1u << 2);
	CHECK(phraseset_find(&set, "will\0retry", 10, 0) == 0);
	CHECK(phraseset_find(&set_nul, "will\0retry", 10, 0) == 1u << 2);
	CHECK(phraseset_find(&set, "a", 1, 0) == 0 && phraseset_find(&set, NULL, 0, 0) == 0);
	/* Stopped at the first of stop: "layer" comes before "retry later". */
	CHECK(phraseset_find(&set, "layer retry later", 17, 1u << 1) == 1u << 1);
	CHECK(phraseset_find(&set, "layer retry later", 17, 0) == (1u << 1 | 1u << 6));
	CHECK(phraseset_any(&set_long, "...Recipients Succeeded.", 24));
	CHECK(!phraseset_any(&set_long, "recipients succeede", 19));
}

/* ascii_seek (64 bytes a block; a letter in either case too) and
 * ascii_find2 (16 at a time, the last 16 overlapping) against a plain loop:
 * texts of 0-199 bytes (blocks, their ends and a short last one), the
 * offsets asked for going on by one past each place found or jumping ahead,
 * and a byte of 0 (the padding of the last block must not count). */
static void
test_ascii_seek(void)
{
	static const char alphabet[] = "aA\n\r\t\0@`";
	unsigned long long x = 88172645463325252ULL;
	int bad = 0;

	for (int i = 0; i < 8000; i++) {
		char text[200];
		size_t n = (size_t)(i % 200);
		unsigned char c = (unsigned char)alphabet[i % 8], c2 = (unsigned char)alphabet[(i / 8) % 8];
		int fold = i % 3 == 0;
		struct ascii_seek s;
		size_t want, from = 0;

		for (size_t k = 0; k < n; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			text[k] = alphabet[x % (sizeof alphabet - 1)];
		}
		if (fold)
			ascii_seek_init_fold(&s, text, n, c);
		else
			ascii_seek_init(&s, text, n, c);
		while (from <= n) {
			for (want = from; want < n && (fold ? ascii_lower((unsigned char)text[want]) !=
			    ascii_lower(c) : (unsigned char)text[want] != c); want++)
				;
			if (ascii_seek_next(&s, from) != want && bad++ < 5)
				fprintf(stderr, "ascii_seek: case %d, from %zu differs\n", i, from);
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			from = want + 1 + (x % 4 == 0 ? (size_t)(x >> 8) % 90 : 0);
		}
		for (want = 0; want < n && (unsigned char)text[want] != c &&
		    (unsigned char)text[want] != c2; want++)
			;
		if (ascii_find2(text, n, c, c2) != want && bad++ < 5)
			fprintf(stderr, "ascii_find2: case %d differs\n", i);
	}
	CHECK(bad == 0);
}

/* ascii_lower_copy folds eight bytes at a time: every byte value at every
 * place of a word, among others, as tolower(3) of the C locale. */
static void
test_lower_copy(void)
{
	int bad = 0;

	for (unsigned c = 0; c < 256; c++)
		for (size_t at = 0; at < 19; at++) {
			char src[19], dst[19];

			for (size_t k = 0; k < sizeof src; k++)
				src[k] = (char)("Zz@[`{AaQ\x80\xc1"[(k + c) % 12]);
			src[at] = (char)c;
			ascii_lower_copy(dst, src, sizeof src);
			for (size_t k = 0; k < sizeof src; k++)
				if (dst[k] != (char)tolower((unsigned char)src[k]))
					bad++;
		}
	CHECK(bad == 0);
}

/* charset_utf8_len against the table of well-formed sequences (RFC 3629,
 * section 4): every lead and second byte, with good and bad third and
 * fourth bytes, whole and cut short; and every code point as
 * charset_put_utf8 writes it. */
static size_t
utf8_ref(const unsigned char *s, size_t n)
{
	static const struct { unsigned char lead_lo, lead_hi, lo, hi; size_t len; } seq[] = {
		{ 0xc2, 0xdf, 0x80, 0xbf, 2 },
		{ 0xe0, 0xe0, 0xa0, 0xbf, 3 }, { 0xe1, 0xec, 0x80, 0xbf, 3 },
		{ 0xed, 0xed, 0x80, 0x9f, 3 }, { 0xee, 0xef, 0x80, 0xbf, 3 },
		{ 0xf0, 0xf0, 0x90, 0xbf, 4 }, { 0xf1, 0xf3, 0x80, 0xbf, 4 },
		{ 0xf4, 0xf4, 0x80, 0x8f, 4 },
	};

	if (s[0] < 0x80)
		return 1;
	for (size_t k = 0; k < sizeof seq / sizeof seq[0]; k++) {
		if (s[0] < seq[k].lead_lo || s[0] > seq[k].lead_hi)
			continue;
		if (n < seq[k].len || s[1] < seq[k].lo || s[1] > seq[k].hi)
			return 0;
		for (size_t i = 2; i < seq[k].len; i++)
			if (s[i] < 0x80 || s[i] > 0xbf)
				return 0;
		return seq[k].len;
	}
	return 0;
}

static void
test_charset_utf8_len(void)
{
	static const unsigned char tail[] = { 0x80, 0xbf, 0x7f, 0xc0 };
	int bad = 0;

	for (unsigned x = 0; x < 0x100; x++)
		for (unsigned y = 0; y < 0x100; y++)
			for (size_t t = 0; t < sizeof tail * sizeof tail; t++) {
				unsigned char s[4] = { (unsigned char)x, (unsigned char)y,
				    tail[t % sizeof tail], tail[t / sizeof tail] };

				for (size_t n = 1; n <= 4; n++)
					if (charset_utf8_len(s, n) != utf8_ref(s, n) && bad++ < 5)
						fprintf(stderr, "utf8_len %02x %02x %02x %02x (%zu): %zu\n",
						    s[0], s[1], s[2], s[3], n, charset_utf8_len(s, n));
			}
	for (unsigned long c = 0; c <= 0x10ffff; c++) {
		unsigned char u[4];
		size_t l;

		if (c >= 0xd800 && c <= 0xdfff)
			continue;
		l = charset_put_utf8((char *)u, c);
		if ((charset_utf8_len(u, l) != l || (l > 1 && charset_utf8_len(u, l - 1) != 0)) &&
		    bad++ < 5)
			fprintf(stderr, "utf8_len U+%04lX: %zu\n", c, charset_utf8_len(u, l));
	}
	CHECK(bad == 0);
}

/* The \u escapes of JSON, as jtree and flatjson read them. */
static void
test_charset_json_escape(void)
{
	static const struct { const char *s; size_t len; unsigned long cp; } t[] = {
		{ "\\u0041", 6, 0x41 }, { "\\u00e9x", 6, 0xe9 }, { "\\uFFFD", 6, 0xfffd },
		{ "\\ud83d\\ude00", 12, 0x1f600 }, { "\\uDBFF\\uDFFF", 12, 0x10ffff },
		{ "\\u0000", 0, 0 },			/* no NUL in the strings read */
		{ "\\u12g4", 0, 0 }, { "\\u123", 0, 0 }, { "\\x0041", 0, 0 },
		{ "\\ude00", 0, 0 },			/* a low surrogate alone */
		{ "\\ud83d", 0, 0 }, { "\\ud83d\\u0041", 0, 0 }, { "\\ud83d\\ud83d", 0, 0 },
		{ "\\ud83dx\\ude00", 0, 0 }, { "\\ud83d\\ude0", 0, 0 },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		unsigned long cp = 0;
		size_t len = charset_json_escape(t[i].s, strlen(t[i].s), &cp);

		CHECK(len == t[i].len);
		CHECK(len == 0 || cp == t[i].cp);
	}
	/* n is the end: the digits past it are not read */
	{
		unsigned long cp;

		CHECK(charset_json_escape("\\u0041", 5, &cp) == 0);
		CHECK(charset_json_escape("\\ud83d\\ude00", 11, &cp) == 0);
	}
}

static void
nul_hit(void *arg, const struct nonstd_hit *h)
{
	int *bad = arg;

	*bad += h->addrlen == 0 || memchr(h->addr, '\0', h->addrlen) != NULL;
}

/* A NUL byte of hostile input is no member of a set of bytes that a
 * strchr(3) of the set would say it is (the set's own NUL): not what makes
 * "550" part of a word before it, nor a byte of a local part. */
static void
test_nul_in_set(void)
{
	static const char reply[] = "Remote host said:\0" "550 no such mailbox";
	static const char notice[] = "I was not able to deliver your message to the "
	    "following addresses.\n\n<al\0ce@example.org>:\n550 no such mailbox\n";
	int bad = 0;

	CHECK(!ascii_in_set("._+-", '\0'));
	CHECK(ascii_in_set("._+-", '+') && !ascii_in_set("._+-", 'a'));
	CHECK(email_reply_code(reply, sizeof reply - 1) == 550);
	nonstd_scan(notice, sizeof notice - 1, nul_hit, &bad);
	CHECK(bad == 0);
}

/* s[0..n) through iconv from `from`, each byte it refuses one U+FFFD: what
 * charset.c did before it read UTF-8 and EUC-JP pairs by itself. */
static void
iconv_ref(iconv_t cd, const char *s, size_t n, struct util_buf *out)
{
	char *in = (char *)(uintptr_t)s;
	size_t left = n;

	iconv(cd, NULL, NULL, NULL, NULL);
	while (left > 0) {
		size_t room = left * 4 + 16;
		char *o = util_buf_room(out, room), *o0 = o;
		size_t r = iconv(cd, &in, &left, &o, &room);

		out->len += (size_t)(o - o0);
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		util_buf_add(out, "\xef\xbf\xbd", 3);
		in++;
		left--;
	}
}

/* charset.c reads UTF-8 by hand and EUC-JP's pairs from a table: the same
 * UTF-8 as iconv for every sequence of up to two bytes (and the three of
 * EUC-JP's katakana and JIS X 0212), between ASCII and at the end. */
static void
test_charset_iconv(void)
{
	static const struct { const char *label, *iconv; } sets[] = {
		{ "utf-8", "UTF-8" }, { "euc-jp", "EUC-JP-MS" },
	};
	int bad = 0;

	for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++) {
		iconv_t cd = iconv_open("UTF-8", sets[k].iconv);
		struct util_buf a = {0}, b = {0};

		if (cd == (iconv_t)-1)
			continue;	/* a C library without it: nothing to compare */
		for (unsigned x = 0x80; x < 0x100; x++)
			for (unsigned y = 0; y < 0x100; y++)
				for (unsigned z = 0; z < (x == 0x8e || x == 0x8f ? 0x100u : 1u); z++) {
					/* "a" x y [z] "b", and x y [z] at the end of the text */
					char s[5] = { 'a', (char)x, (char)y, (char)z, 'b' };
					size_t len = x == 0x8e || x == 0x8f ? 5 : 4;

					if (len == 4)
						s[3] = 'b';
					for (int end = 0; end < 2; end++) {
						const char *p = s + end;
						size_t n = len - 2 * (size_t)end;

						util_buf_reset(&a);
						util_buf_reset(&b);
						iconv_ref(cd, p, n, &a);
						charset_to_utf8(p, n, sets[k].label, &b);
						if ((a.len != b.len || memcmp(a.p, b.p, a.len) != 0) && bad++ < 5)
							fprintf(stderr, "charset %s: %02x %02x %02x differs from iconv\n",
							    sets[k].label, x, y, z);
					}
				}
		util_buf_free(&a);
		util_buf_free(&b);
		iconv_close(cd);
	}
	CHECK(bad == 0);
}

int
main(int argc, char *argv[])
{
	if (argc > 1 && strcmp(argv[1], "--schemas") == 0)
		return print_schemas();
	test_time();
	test_time_format();
	test_jsonl_bytes();
	test_memcasemem();
	test_lower_copy();
	test_ascii_seek();
	test_phraseset();
	test_charset_iconv();
	test_charset_utf8_len();
	test_charset_json_escape();
	test_nul_in_set();
	test_syslog();
	test_addr();
	test_status();
	test_reason();
	test_jsonl();
	test_event();
	test_recovery();
	test_record();
	test_record_pack();
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
