/* bktime: times and durations. Out: RFC 3339 UTC with seconds. In: RFC 3339
 * (offset honoured), "@epoch", RFC 3164 syslog stamps (local time, TZ honoured). */
#ifndef BK_BKTIME_H
#define BK_BKTIME_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define BKTIME_BUFSZ 32

/* "2026-11-27T10:00:00Z" into buf (BKTIME_BUFSZ bytes); returns buf. */
char *bktime_format(time_t t, char *buf);
/* "Fri, 27 Nov 2026 10:00:00 UTC" (RFC 2822, as some providers' imports take
 * it) into buf (BKTIME_BUFSZ bytes); returns buf, or NULL for a time out of
 * range. */
char *bktime_format_rfc2822(time_t t, char *buf);
/* A duration in its largest unit that divides it: "1w", "2d", "36h", "90m",
 * "45s"; "0s" for none. */
char *bktime_format_duration(long long secs, char *buf, size_t size);
/* A measured span in units, largest first: "1d9h20m", "1w6d" (recovery
 * figures). Parsed back by bktime_parse_duration, as the form above. */
char *bktime_format_span(long long secs, char *buf, size_t size);

/* RFC 3339 / ISO 8601 "YYYY-MM-DD[T ]HH:MM[:SS[.frac]][Z|+HH:MM|+HHMM]" at the
 * start of s (n bytes); no offset means UTC. Returns bytes used, 0 if none. */
size_t bktime_parse_rfc3339(const char *s, size_t n, time_t *out);
/* A date "YYYY-MM-DD", the whole of s[0..n), as days since 1970-01-01 into
 * *day: 0, or -1 if it is not one. */
int bktime_parse_day(const char *s, size_t n, int64_t *day);
/* An RFC 3339 time that is the whole of the string s: 0, or -1. */
int bktime_parse_time(const char *s, time_t *out);
/* A whole option argument: RFC 3339, "@EPOCH" or "now". 0 ok, -1 bad. */
int bktime_parse_arg(const char *s, time_t *out);
/* "90s", "30m", "24h", "2d", "1w", combinations ("1d12h"), or plain seconds.
 * 0 ok, -1 bad. */
int bktime_parse_duration(const char *s, long long *secs);

/* timegm(3) without the extension: fields are UTC. */
time_t bktime_timegm(int year, int mon, int mday, int hour, int min, int sec);

/* Local time (TZ honoured) to seconds, as mktime(3), for stamps of logs: one
 * mktime per hour of log, the rest added. Zeroed: nothing converted yet. */
struct bktime_local {
	long long hour;		/* the local hour last converted: YYYYMMDDHH */
	time_t base;		/* its first second */
};
/* Fields in range (the caller checked them); sec 60 (a leap second) counts
 * as 59. (time_t)-1 when the time cannot be represented. */
time_t bktime_local(struct bktime_local *c, int year, int mon, int mday, int hour, int min,
    int sec);

/* RFC 3164 stamps ("Nov 27 10:00:00") have no year: the context infers it. */
struct bktime_syslog {
	int forced_year;	/* --year, or 0 to infer from reference */
	time_t reference;	/* usually now */
	int year, last_mon;	/* running state: rolls over at New Year */
	struct bktime_local local;
};
void bktime_syslog_init(struct bktime_syslog *ctx, int forced_year, time_t reference);
/* Parses "Mmm dd HH:MM:SS" at s; returns bytes used or 0. */
size_t bktime_parse_syslog(struct bktime_syslog *ctx, const char *s, size_t n, time_t *out);

#endif
