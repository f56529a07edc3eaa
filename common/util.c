/* util: diagnostics, checked allocation, the growable buffer, checked stdout close. */
#include "util.h"
#include "ascii.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <signal.h>
#include <fcntl.h>
#include <unistd.h>

const char *util_progname = "bouncekit";

void
util_setprogname(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	slash = strrchr(argv0, '/');
	util_progname = slash ? slash + 1 : argv0;
	/* A closed pipe must come back as EPIPE on write, so that it is reported. */
	signal(SIGPIPE, SIG_IGN);
	/* A closed standard descriptor would be reused by the next open (a lock
	 * or state file read as input, output written into it). Fill it with
	 * /dev/null opened the wrong way round, so that using it fails loudly. */
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF)
			if (open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY) == -1)
				exit(BK_ERR);
}

/* Writes a formatted message to stderr with control characters (other than
 * tab) shown as '?': messages quote hostile input, which must not drive the
 * terminal of whoever reads them (escape sequences, carriage returns). */
static void
vput_clean(const char *fmt, va_list ap)
{
	char buf[1024], *msg = buf;
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(buf, sizeof buf, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof buf) {
		if ((msg = malloc((size_t)n + 1)) == NULL)
			msg = buf;	/* cut, as vsnprintf left it */
		else
			vsnprintf(msg, (size_t)n + 1, fmt, ap);
	}
	for (char *c = msg; *c; c++)
		if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
			*c = '?';
	fputs(msg, stderr);
	if (msg != buf)
		free(msg);
}

static void
put_clean(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
put_clean(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vput_clean(fmt, ap);
	va_end(ap);
}

static void
vwarn_common(int with_errno, const char *fmt, va_list ap)
{
	int saved = errno;

	fprintf(stderr, "%s: ", util_progname);
	vput_clean(fmt, ap);
	if (with_errno)
		fprintf(stderr, ": %s", strerror(saved));
	fputc('\n', stderr);
}

void
util_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_common(0, fmt, ap);
	va_end(ap);
}

void
util_vwarnx(const char *fmt, va_list ap)
{
	vwarn_common(0, fmt, ap);
}

void
util_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_common(1, fmt, ap);
	va_end(ap);
}

void
util_locwarn(const char *file, unsigned long line, const char *fmt, ...)
{
	va_list ap;

	if (line > 0)
		put_clean("%s: %s:%lu: ", util_progname, file, line);
	else
		put_clean("%s: %s: ", util_progname, file);
	va_start(ap, fmt);
	vput_clean(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
util_errx(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_common(0, fmt, ap);
	va_end(ap);
	exit(status);
}

void
util_err(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_common(1, fmt, ap);
	va_end(ap);
	exit(status);
}

void *
util_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		util_err(BK_ERR, "malloc");
	return p;
}

void *
util_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		util_err(BK_ERR, "calloc");
	return p;
}

void *
util_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		util_err(BK_ERR, "realloc");
	return p;
}

void *
util_xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size) {
		errno = ENOMEM;
		util_err(BK_ERR, "reallocarray");
	}
	return util_xrealloc(p, n * size);
}

char *
util_xstrdup(const char *s)
{
	return util_xstrndup(s, strlen(s));
}

char *
util_xstrndup(const char *s, size_t n)
{
	char *p = util_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
util_check_stdout(void)
{
	if (ferror(stdout)) {
		util_warn("write error on standard output");
		exit(BK_ERR);
	}
}

int
util_close_stdout(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		util_warn("write error on standard output");
		fclose(stdout);
		return BK_ERR;
	}
	if (fclose(stdout) != 0) {
		util_warn("write error on standard output");
		return BK_ERR;
	}
	return status;
}

void
util_version(void)
{
	printf("%s (bouncekit) %s\n", util_progname, BK_VERSION);
	exit(util_close_stdout(BK_OK));
}

char *
util_buf_grow(struct util_buf *b, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;

		while (cap < b->len + n + 1) {
			if (cap > SIZE_MAX / 2)
				util_errx(BK_ERR, "buffer too large");
			cap *= 2;
		}
		b->p = util_xrealloc(b->p, cap);
		b->cap = cap;
	}
	return b->p + b->len;
}

void
util_buf_adds(struct util_buf *b, const char *s)
{
	util_buf_add(b, s, strlen(s));
}

char *
util_buf_str_grow(struct util_buf *b)
{
	if (b->cap == 0 || b->len + 1 > b->cap) {
		b->p = util_xrealloc(b->p, b->len + 1);
		b->cap = b->len + 1;
	}
	b->p[b->len] = '\0';
	return b->p;
}


/* The needle (m bytes, m > 0) in hay[from..n): each place whose byte is
 * its first in either case is tried, going forward. Work up to the match
 * found, not to the end of hay: callers look for the next one after it in a
 * loop, and memchr(3) for a case that is absent would scan the rest of hay
 * at each call (quadratic). Bounded by n*m only for pathological needles:
 * needles here are short constants and addresses. */
static const char *
casemem_from(const char *hay, size_t n, const char *needle, size_t m, size_t from)
{
	unsigned char first = ascii_lower((unsigned char)needle[0]);

	if (m > n)
		return NULL;
	for (size_t i = from; i <= n - m; i++) {
		size_t k = 1;

		if (ascii_lower((unsigned char)hay[i]) != first)
			continue;
		while (k < m && ascii_lower((unsigned char)hay[i + k]) ==
		    ascii_lower((unsigned char)needle[k]))
			k++;
		if (k == m)
			return hay + i;
	}
	return NULL;
}

const char *
util_memcasemem(const char *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle), i = 0;

	if (m == 0)
		return hay;
	if (m > n)
		return NULL;
#if defined(__SSE2__) && defined(__GNUC__)
	{
		/* 16 places at a time, those whose first and last bytes are the
		 * needle's in either case (a letter's two cases differ in bit
		 * 0x20 only): one is rarely both, where memchr(3) stopped at
		 * each first byte, a call each (a fifth of its calls here). */
		unsigned char first = ascii_lower((unsigned char)needle[0]),
		    last = ascii_lower((unsigned char)needle[m - 1]);
		const __m128i f = _mm_set1_epi8((char)first), l = _mm_set1_epi8((char)last),
		    ff = _mm_set1_epi8(ascii_alpha(first) ? 0x20 : 0),
		    lf = _mm_set1_epi8(ascii_alpha(last) ? 0x20 : 0);

		for (; n - i >= m - 1 + 16; i += 16) {
			__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(hay + i)),
			    b = _mm_loadu_si128((const __m128i *)(const void *)(hay + i + m - 1));
			unsigned bits = (unsigned)_mm_movemask_epi8(_mm_and_si128(
			    _mm_cmpeq_epi8(_mm_or_si128(a, ff), f),
			    _mm_cmpeq_epi8(_mm_or_si128(b, lf), l)));

			for (; bits != 0; bits &= bits - 1) {
				const char *p = hay + i + (size_t)__builtin_ctz(bits);
				size_t k = 1;

				while (k + 1 < m && ascii_lower((unsigned char)p[k]) ==
				    ascii_lower((unsigned char)needle[k]))
					k++;
				if (k + 1 >= m)
					return p;
			}
		}
	}
#endif
	/* The last places (all of them without SSE2). */
	return casemem_from(hay, n, needle, m, i);
}

int
util_strcaseprefix(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}
