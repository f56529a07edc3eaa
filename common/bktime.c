/* bktime: times and durations, parsed and formatted (RFC 3339 UTC out). */
#include "bktime.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

static int
days_from_civil(int y, int m, int d, long long *days)
{
	/* Howard Hinnant's algorithm: exact for the proleptic Gregorian calendar. */
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	*days = era * 146097 + doe - 719468;
	return 0;
}

time_t
bktime_timegm(int year, int mon, int mday, int hour, int min, int sec)
{
	long long days;

	days_from_civil(year, mon, mday, &days);
	return (time_t)(days * 86400LL + hour * 3600LL + min * 60LL + sec);
}

/* The inverse of days_from_civil, by the same author. */
static void
civil_from_days(long long z, long long *y, int *m, int *d)
{
	long long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static void
put_digits(char *p, long long v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* By hand rather than gmtime_r and snprintf: every record written has a time,
 * and those two were a tenth of the cost of writing one. */
char *
bktime_format(time_t t, char *buf)
{
	long long secs = (long long)t, days = secs / 86400, rem = secs % 86400, year;
	int mon, mday;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &year, &mon, &mday);
	if (year < 0 || year > 9999) {
		memcpy(buf, "1970-01-01T00:00:00Z", 21);
		return buf;
	}
	memcpy(buf, "0000-00-00T00:00:00Z", 21);
	put_digits(buf, year, 4);
	put_digits(buf + 5, mon, 2);
	put_digits(buf + 8, mday, 2);
	put_digits(buf + 11, rem / 3600, 2);
	put_digits(buf + 14, rem / 60 % 60, 2);
	put_digits(buf + 17, rem % 60, 2);
	return buf;
}

char *
bktime_format_rfc2822(time_t t, char *buf)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
		"Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		return NULL;
	snprintf(buf, BKTIME_BUFSZ, "%s, %02d %s %04d %02d:%02d:%02d UTC", wd[tm.tm_wday],
	    tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return buf;
}

/* One writer of both forms: split into units (largest first) or in one. */
static char *
format_duration(long long secs, int split, char *buf, size_t size)
{
	static const struct { long long secs; char unit; } units[] = {
		{ 604800, 'w' }, { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' },
	};
	size_t used = 0;

	if (secs <= 0 || size == 0) {
		snprintf(buf, size, "0s");
		return buf;
	}
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof units / sizeof units[0] && secs > 0 && used < size; i++) {
		long long n = units[i].secs;
		int w;

		if (secs < n || (!split && secs % n != 0))
			continue;
		w = snprintf(buf + used, size - used, "%lld%c", secs / n, units[i].unit);
		if (w < 0)
			break;
		used += (size_t)w;
		secs %= n;
	}
	return buf;
}

char *
bktime_format_duration(long long secs, char *buf, size_t size)
{
	return format_duration(secs, 0, buf, size);
}

char *
bktime_format_span(long long secs, char *buf, size_t size)
{
	return format_duration(secs, 1, buf, size);
}

/* Reads exactly k digits. */
static int
digits(const char *s, size_t n, size_t k, int *v)
{
	int x = 0;

	if (n < k)
		return -1;
	for (size_t i = 0; i < k; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return 0;
}

static int
valid_date(int y, int mo, int d, int h, int mi, int s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return 0;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 0;
	return h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 60;
}

/* "2026-11-27T10:00:00Z" as bktime_format writes it, the form of every time
 * read back from a state file: 0 and *out, or -1 for anything else. */
static int
parse_canonical(const char *s, size_t n, time_t *out)
{
	/* Unrolled, no table: state files hold a time in every record. */
#define DIGIT(i) ((unsigned)((unsigned char)s[i] - '0') <= 9)
#define VAL2(i) ((s[i] - '0') * 10 + (s[(i) + 1] - '0'))
	int y, mo, dd, h, mi, sec;
	long long days;

	if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z' || !(DIGIT(0) && DIGIT(1) && DIGIT(2) && DIGIT(3) &&
	    DIGIT(5) && DIGIT(6) && DIGIT(8) && DIGIT(9) && DIGIT(11) && DIGIT(12) &&
	    DIGIT(14) && DIGIT(15) && DIGIT(17) && DIGIT(18)))
		return -1;
	y = VAL2(0) * 100 + VAL2(2);
	mo = VAL2(5);
	dd = VAL2(8);
	h = VAL2(11);
	mi = VAL2(14);
	sec = VAL2(17);
#undef DIGIT
#undef VAL2
	if (!valid_date(y, mo, dd, h, mi, sec) || sec == 60)
		return -1;
	days_from_civil(y, mo, dd, &days);
	*out = (time_t)(days * 86400LL + h * 3600LL + mi * 60LL + sec);
	return 0;
}

size_t
bktime_parse_rfc3339(const char *s, size_t n, time_t *out)
{
	int y, mo, d, h, mi, sec = 0, oh, om;
	size_t i;
	long off = 0;

	/* What follows the Z is no part of the time: as below. */
	if (parse_canonical(s, n, out) == 0)
		return 20;

	if (digits(s, n, 4, &y) || n < 16 || s[4] != '-' || digits(s + 5, n - 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, n - 8, 2, &d) || (s[10] != 'T' && s[10] != 't' &&
	    s[10] != ' ') || digits(s + 11, n - 11, 2, &h) || s[13] != ':' ||
	    digits(s + 14, n - 14, 2, &mi))
		return 0;
	i = 16;
	if (i < n && s[i] == ':') {
		if (digits(s + i + 1, n - i - 1, 2, &sec))
			return 0;
		i += 3;
		if (i < n && (s[i] == '.' || s[i] == ',')) {
			size_t j = i + 1;

			while (j < n && isdigit((unsigned char)s[j]))
				j++;
			if (j == i + 1)
				return 0;
			i = j;
		}
	}
	if (!valid_date(y, mo, d, h, mi, sec))
		return 0;
	if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < n && (s[i] == '+' || s[i] == '-')) {
		int sign = s[i] == '-' ? -1 : 1;

		if (digits(s + i + 1, n - i - 1, 2, &oh))
			return 0;
		if (i + 3 < n && s[i + 3] == ':') {
			if (digits(s + i + 4, n - i - 4, 2, &om))
				return 0;
			i += 6;
		} else if (digits(s + i + 3, n - i - 3, 2, &om) == 0) {
			i += 5;
		} else {
			om = 0;
			i += 3;
		}
		if (oh > 23 || om > 59)
			return 0;
		off = sign * (oh * 3600L + om * 60L);
	}
	*out = bktime_timegm(y, mo, d, h, mi, sec == 60 ? 59 : sec) - off;
	return i;
}

int
bktime_parse_day(const char *s, size_t n, int64_t *day)
{
	int y, mo, d;
	long long days;

	if (n != 10 || digits(s, n, 4, &y) || s[4] != '-' || digits(s + 5, n - 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, n - 8, 2, &d) || !valid_date(y, mo, d, 0, 0, 0))
		return -1;
	days_from_civil(y, mo, d, &days);
	*day = days;
	return 0;
}

int
bktime_parse_time(const char *s, time_t *out)
{
	size_t n = strlen(s);

	return n > 0 && bktime_parse_rfc3339(s, n, out) == n ? 0 : -1;
}

int
bktime_parse_arg(const char *s, time_t *out)
{
	size_t n = strlen(s);

	if (strcmp(s, "now") == 0) {
		*out = time(NULL);
		return 0;
	}
	if (s[0] == '@') {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(s + 1, &end, 10);
		if (s[1] == '\0' || *end != '\0' || errno == ERANGE || v < 0 || v > 253402300799LL)
			return -1;
		*out = (time_t)v;
		return 0;
	}
	if (bktime_parse_time(s, out) == 0)
		return 0;
	/* A bare date means its midnight UTC. */
	if (n == 10) {
		char tmp[32];

		snprintf(tmp, sizeof tmp, "%sT00:00:00Z", s);
		if (bktime_parse_rfc3339(tmp, strlen(tmp), out) == strlen(tmp))
			return 0;
	}
	return -1;
}

int
bktime_parse_duration(const char *s, long long *secs)
{
	long long total = 0;
	const char *p = s;

	if (*p == '\0')
		return -1;
	while (*p) {
		long long v = 0, mul;

		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p)) {
			if (v > 1000000000LL)
				return -1;
			v = v * 10 + (*p++ - '0');
		}
		switch (*p) {
		case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		case 'w': mul = 604800; break;
		case '\0':
			if (p == s || total != 0)
				return -1;
			mul = 1;
			p--;
			break;
		default:
			return -1;
		}
		p++;
		total += v * mul;
		if (total > 100LL * 365 * 86400)
			return -1;
	}
	*secs = total;
	return 0;
}

void
bktime_syslog_init(struct bktime_syslog *ctx, int forced_year, time_t reference)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->forced_year = forced_year;
	ctx->reference = reference;
}

time_t
bktime_local(struct bktime_local *c, int year, int mon, int mday, int hour, int min, int sec)
{
	long long key = (((long long)year * 100 + mon) * 100 + mday) * 100 + hour;

	if (key != c->hour) {
		struct tm tm = { 0 };

		tm.tm_year = year - 1900;
		tm.tm_mon = mon - 1;
		tm.tm_mday = mday;
		tm.tm_hour = hour;
		tm.tm_isdst = -1;
		c->base = mktime(&tm);
		c->hour = key;
	}
	if (c->base == (time_t)-1)
		return (time_t)-1;
	return c->base + min * 60 + (sec == 60 ? 59 : sec);
}

static int
month_index(const char *s)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

	for (int i = 0; i < 12; i++)
		if (strncmp(names + 3 * i, s, 3) == 0)
			return i + 1;
	return 0;
}

size_t
bktime_parse_syslog(struct bktime_syslog *ctx, const char *s, size_t n, time_t *out)
{
	int mon, mday, h, mi, sec;
	size_t i;

	if (n < 15 || (mon = month_index(s)) == 0 || s[3] != ' ')
		return 0;
	/* Day is space- or zero-padded: "Nov  7" or "Nov 07". */
	if (s[4] == ' ' && isdigit((unsigned char)s[5]))
		mday = s[5] - '0';
	else if (digits(s + 4, 2, 2, &mday))
		return 0;
	i = 6;
	if (s[i] != ' ' || digits(s + 7, n - 7, 2, &h) || s[9] != ':' ||
	    digits(s + 10, n - 10, 2, &mi) || s[12] != ':' || digits(s + 13, n - 13, 2, &sec))
		return 0;
	i = 15;
	/* Some syslogs add fractions ("10:00:00.123"). */
	if (i < n && s[i] == '.')
		for (i++; i < n && isdigit((unsigned char)s[i]); i++)
			;
	if (ctx->year == 0) {
		struct tm rt;
		time_t ref = ctx->reference;

		if (ctx->forced_year) {
			ctx->year = ctx->forced_year;
		} else {
			localtime_r(&ref, &rt);
			ctx->year = rt.tm_year + 1900;
			/* A month after the reference's is last year's (December read in January). */
			if (mon > rt.tm_mon + 1)
				ctx->year--;
		}
	} else if (ctx->last_mon == 12 && mon == 1) {
		ctx->year++;	/* New Year inside the log */
	}
	ctx->last_mon = mon;
	if (!valid_date(ctx->year, mon, mday, h, mi, sec))
		return 0;
	*out = bktime_local(&ctx->local, ctx->year, mon, mday, h, mi, sec);
	return i;
}
