/* sqlmem: SQLite's memory, its page buffers from huge pages.
 *
 * A run of a store reads and changes thousands of pages (retry-due: some
 * 3,000 at 10 million plans; a first import: 40,000), each in a buffer of
 * its own. Fresh memory costs a page fault at its first touch, and a fault
 * is dear in a virtual machine (30 us a 4 KB page where this was measured,
 * most of it outside the process's CPU time): the faults were half of what
 * retry-due spent. So the buffers SQLite asks for (larger than SMALL) come
 * from arenas the kernel backs with 2 MB pages (MADV_HUGEPAGE: one fault
 * for 512 pages), are kept by size on free and handed out again; small
 * objects, many to a page, go to malloc. Larger than BIG: a mapping each.
 * Nothing goes back to the system before exit: a run is short. The large
 * arrays a store's run keeps itself (sqlmem_map) are huge pages too. */
#define _GNU_SOURCE	/* MAP_NORESERVE, MADV_HUGEPAGE, mremap */
#include "sqlmem.h"
#include "util.h"

#include <sys/mman.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SMALL 512
#define STEP 512			/* classes: multiples of STEP up to BIG */
#define BIG (256 * 1024)
#define NCLASS (BIG / STEP)
#define ARENA (64UL << 20)
#define HUGE_PAGE (2UL << 20)

enum { K_MALLOC = 0, K_MAP = NCLASS + 1 };

/* Before each block: what was asked (sqlite3_msize) and where it is from
 * (K_MALLOC, a class 1..NCLASS, K_MAP); 16 bytes keep blocks aligned. */
struct head {
	size_t size;
	size_t kind;
};

static struct {
	pthread_mutex_t lock;
	char *next, *end;		/* the arena's unused part */
	void *free[NCLASS + 1];		/* blocks given back, by class */
} mem = { PTHREAD_MUTEX_INITIALIZER, NULL, NULL, {0} };

static void *
map(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
	    MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	if (n >= HUGE_PAGE)
		madvise(p, n, MADV_HUGEPAGE);
#endif
	return p;
}

/* A block of class k (k * STEP bytes with its head), or NULL. */
static struct head *
from_arena(size_t k)
{
	size_t n = k * STEP;
	struct head *h;

	pthread_mutex_lock(&mem.lock);
	if ((h = mem.free[k]) != NULL) {
		mem.free[k] = *(void **)(h + 1);
	} else {
		if ((size_t)(mem.end - mem.next) < n) {
			/* Aligned to a huge page: a part mapped short of one
			 * would be backed by small pages. */
			char *a = map(ARENA + HUGE_PAGE);

			if (a == NULL) {
				pthread_mutex_unlock(&mem.lock);
				return NULL;
			}
			mem.next = (char *)(((uintptr_t)a + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
			mem.end = mem.next + ARENA;
		}
		h = (struct head *)mem.next;
		mem.next += n;
	}
	pthread_mutex_unlock(&mem.lock);
	h->kind = k;
	return h;
}

static void *
mem_malloc(int size)
{
	size_t n = (size_t)size + sizeof(struct head);
	struct head *h;

	if (size <= 0)
		return NULL;
	if (n <= SMALL) {
		h = malloc(n);
		if (h != NULL)
			h->kind = K_MALLOC;
	} else if (n <= BIG) {
		h = from_arena((n + STEP - 1) / STEP);
	} else {
		n = (n + 4095) & ~(size_t)4095;
		if ((h = map(n)) != NULL)
			h->kind = K_MAP;
	}
	if (h == NULL)
		return NULL;
	h->size = (size_t)size;
	return h + 1;
}

static size_t
mapped_size(const struct head *h)
{
	return (h->size + sizeof *h + 4095) & ~(size_t)4095;
}

static void
mem_free(void *p)
{
	struct head *h;

	if (p == NULL)
		return;
	h = (struct head *)p - 1;
	if (h->kind == K_MALLOC) {
		free(h);
	} else if (h->kind == K_MAP) {
		munmap(h, mapped_size(h));
	} else {
		pthread_mutex_lock(&mem.lock);
		*(void **)p = mem.free[h->kind];
		mem.free[h->kind] = h;
		pthread_mutex_unlock(&mem.lock);
	}
}

static int
mem_size(void *p)
{
	return p == NULL ? 0 : (int)((struct head *)p - 1)->size;
}

static void *
mem_realloc(void *p, int size)
{
	struct head *h = (struct head *)p - 1;
	void *q;

	if (size <= 0)
		return NULL;
	/* A large block grows where it is, or moves without a copy. */
	if (h->kind == K_MAP && (size_t)size + sizeof *h > BIG) {
		size_t n = ((size_t)size + sizeof *h + 4095) & ~(size_t)4095;

		if ((h = mremap(h, mapped_size(h), n, MREMAP_MAYMOVE)) == MAP_FAILED)
			return NULL;
		h->size = (size_t)size;
		return h + 1;
	}
	if ((q = mem_malloc(size)) == NULL)
		return NULL;
	memcpy(q, p, h->size < (size_t)size ? h->size : (size_t)size);
	mem_free(p);
	return q;
}

static int
mem_roundup(int n)
{
	return (n + 7) & ~7;
}

static int
mem_init(void *arg)
{
	(void)arg;
	return SQLITE_OK;
}

static void
mem_shutdown(void *arg)
{
	(void)arg;
}

/* Under a sanitizer, malloc(3), where overruns are caught (as SQLite's). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MAP_MIN SIZE_MAX
#else
#define MAP_MIN HUGE_PAGE
#endif

void *
sqlmem_map(size_t n, size_t size)
{
	char *a, *p;

	if (size != 0 && n > SIZE_MAX / size - HUGE_PAGE)
		util_errx(BK_ERR, "out of memory");
	if ((n *= size) < MAP_MIN)
		return util_xmalloc(n > 0 ? n : 1);
	n = (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	/* Aligned to a huge page (see from_arena); the slack on either side
	 * goes back at once. */
	if ((a = map(n + HUGE_PAGE)) == NULL)
		util_errx(BK_ERR, "out of memory");
	p = (char *)(((uintptr_t)a + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
	if (p > a)
		munmap(a, (size_t)(p - a));
	munmap(p + n, HUGE_PAGE - (size_t)(p - a));
	return p;
}

void
sqlmem_unmap(void *p, size_t n, size_t size)
{
	if ((n *= size) < MAP_MIN)
		free(p);
	else if (p != NULL)
		munmap(p, (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
}

void
sqlmem_init(void)
{
	static const sqlite3_mem_methods methods = {
		mem_malloc, mem_free, mem_realloc, mem_size, mem_roundup, mem_init,
		mem_shutdown, NULL,
	};
	static int done;

	if (done)
		return;
	done = 1;
	/* Under AddressSanitizer SQLite keeps malloc, where it is checked. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	(void)methods;
#else
	sqlite3_config(SQLITE_CONFIG_MALLOC, &methods);
#endif
	/* No count of the memory in use: a lock taken for every block. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
