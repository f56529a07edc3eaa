/* util: diagnostics, checked allocation, a growable buffer, checked stdout close. */
#ifndef BK_UTIL_H
#define BK_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exit statuses shared by every program. */
enum { BK_OK = 0, BK_NO = 1, BK_ERR = 2 };

extern const char *util_progname;

void util_setprogname(const char *argv0);
/* "prog: msg" on stderr. */
void util_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void util_vwarnx(const char *fmt, va_list ap);
/* "prog: msg: strerror(errno)" on stderr. */
void util_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: file:line: msg" on stderr; line 0 omits the line. */
void util_locwarn(const char *file, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
_Noreturn void util_errx(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn void util_err(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void *util_xmalloc(size_t n);
void *util_xcalloc(size_t n, size_t size);
void *util_xrealloc(void *p, size_t n);
/* realloc of an array, with overflow checked. */
void *util_xreallocarray(void *p, size_t n, size_t size);
char *util_xstrdup(const char *s);
char *util_xstrndup(const char *s, size_t n);

/* Flushes and closes stdout; reports a write error (disk full, closed pipe).
 * Returns BK_ERR on error, else status unchanged. Call once at the end of main. */
int util_close_stdout(int status);

/* After a write error on stdout there is no point going on (EPIPE, ENOSPC). */
void util_check_stdout(void);

/* Prints "prog (bouncekit) VERSION" and exits 0. */
_Noreturn void util_version(void);

/* Growable byte buffer. */
struct util_buf {
	char *p;
	size_t len, cap;
};
/* util_buf_room when the buffer must grow. */
char *util_buf_grow(struct util_buf *b, size_t n);
/* Room for n more bytes and a NUL after b's bytes: where they go (b->len is
 * left to the caller). Inline: records are written and read a byte or a
 * field at a time, and a call each cost a tenth of reading a state file. */
#ifdef BK_FUZZ_POISON
/* Fuzz builds (fuzz/run.sh): the bytes past the room asked for are
 * poisoned, so that ASan reports a read past a buffer's bytes (and their
 * NUL) as it would past a block of their size: str*(3) calls on decoded
 * text that has no NUL at its end. */
#include <sanitizer/asan_interface.h>
#endif
static inline char *
util_buf_room(struct util_buf *b, size_t n)
{
	char *r = b->len + n + 1 <= b->cap ? b->p + b->len : util_buf_grow(b, n);

#ifdef BK_FUZZ_POISON
	ASAN_UNPOISON_MEMORY_REGION(r, n + 1);
	ASAN_POISON_MEMORY_REGION(r + n + 1, b->cap - b->len - n - 1);
#endif
	return r;
}

static inline void
util_buf_addc(struct util_buf *b, char c)
{
	util_buf_room(b, 1)[0] = c;
	b->len++;
}

/* Inline as util_buf_room: a message's parse adds to buffers a few hundred
 * times (header values a line at a time), and a call each was a tenth of
 * the cost of the additions. */
static inline void
util_buf_add(struct util_buf *b, const void *data, size_t n)
{
	if (n == 0)
		return;
	memcpy(util_buf_room(b, n), data, n);
	b->len += n;
}

void util_buf_adds(struct util_buf *b, const char *s);
/* util_buf_str when the buffer has no room for the NUL. */
char *util_buf_str_grow(struct util_buf *b);
/* NUL-terminates without counting it; returns b->p. */
static inline char *
util_buf_str(struct util_buf *b)
{
	if (b->len >= b->cap)
		return util_buf_str_grow(b);
	b->p[b->len] = '\0';
	return b->p;
}

static inline void
util_buf_reset(struct util_buf *b)
{
	b->len = 0;
}

/* Inline, and no free(3) call for a buffer never grown: parsers free a
 * dozen per message, most of them unused. */
static inline void
util_buf_free(struct util_buf *b)
{
	if (b->p != NULL)
		free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* Case-insensitive search of needle in hay[0..n). NULL if absent. */
const char *util_memcasemem(const char *hay, size_t n, const char *needle);
int util_strcaseprefix(const char *s, const char *prefix);

#endif
