/* batchread: io_uring(7) through raw system calls and the kernel's header
 * (no library). A system call costs about a microsecond on a virtual
 * machine, more than the kernel's work of opening or reading a small file
 * from the page cache: a run of 8 opens and reads took 2.5 us a file
 * against 4.5-5.4 us by openat(2) and read(2) (6,200 files).
 *
 * The sandbox's seccomp filter takes io_uring away (its operations are out
 * of the filter's sight): the rings are set up before it, each restricted
 * for good to opening and reading (IORING_REGISTER_RESTRICTIONS, Linux
 * 5.10), which the program may do by system calls anyway; the filter then
 * leaves io_uring_enter(2) only. The operations run with the credentials of
 * the thread that submits them: Landlock limits them as it does openat(2). */
#define _GNU_SOURCE	/* syscall(2) */
#include "batchread.h"
#include "sandbox.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__linux__) && defined(__NR_io_uring_setup) && defined(__GNUC__) && \
    defined(__has_include)
#if __has_include(<linux/io_uring.h>)
#define BR_URING 1
#endif
#endif

#ifdef BR_URING
#include <sys/mman.h>
#include <linux/io_uring.h>

struct ring {
	int fd;
	unsigned *sq_tail, sq_mask, *sq_array;
	unsigned *cq_head, *cq_tail, cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	void *sq_map, *cq_map;
	size_t sq_len, cq_len, sqes_len;
	char *buf;		/* BATCHREAD_MAX slots of BATCHREAD_SLOT */
};

/* The rings set up by batchread_prepare, a thread's from its first run to
 * batchread_thread_end. */
#define RINGS_MAX SANDBOX_RINGS_MAX
static struct ring rings[RINGS_MAX];
static int ring_used[RINGS_MAX];
static size_t nrings;
static pthread_mutex_t rings_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local struct ring *mine;

static void
ring_free(struct ring *r)
{
	if (r->sqes)
		munmap(r->sqes, r->sqes_len);
	if (r->cq_map && r->cq_map != r->sq_map)
		munmap(r->cq_map, r->cq_len);
	if (r->sq_map)
		munmap(r->sq_map, r->sq_len);
	if (r->fd >= 0)
		close(r->fd);
	free(r->buf);
	memset(r, 0, sizeof *r);
	r->fd = -1;
}

/* Opening and reading only, without flags (no fixed files, no links), and
 * no more io_uring_register(2). */
static int
ring_restrict(int fd)
{
	struct io_uring_restriction res[2];

	memset(res, 0, sizeof res);
	res[0].opcode = IORING_RESTRICTION_SQE_OP;
	res[0].sqe_op = IORING_OP_OPENAT;
	res[1].opcode = IORING_RESTRICTION_SQE_OP;
	res[1].sqe_op = IORING_OP_READ;
	return syscall(__NR_io_uring_register, fd, IORING_REGISTER_RESTRICTIONS, res, 2) == 0 &&
	    syscall(__NR_io_uring_register, fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0) == 0 ?
	    0 : -1;
}

/* Whether the kernel knows the operations used (5.6). */
static int
ring_ops(int fd)
{
	size_t len = sizeof(struct io_uring_probe) + 256 * sizeof(struct io_uring_probe_op);
	struct io_uring_probe *p = util_xcalloc(1, len);
	int ok = 0;

	if (syscall(__NR_io_uring_register, fd, IORING_REGISTER_PROBE, p, 256) == 0)
		ok = p->ops_len > IORING_OP_READ && p->ops_len > IORING_OP_OPENAT &&
		    (p->ops[IORING_OP_READ].flags & IO_URING_OP_SUPPORTED) &&
		    (p->ops[IORING_OP_OPENAT].flags & IO_URING_OP_SUPPORTED);
	free(p);
	return ok;
}

/* valgrind does not see the kernel fill the buffers (its memcheck would
 * call every byte read undefined). */
static int
ring_setup(struct ring *r)
{
	struct io_uring_params pa;
	const char *pre = getenv("LD_PRELOAD");
	char *sq, *cq;

	memset(r, 0, sizeof *r);
	if (pre != NULL && strstr(pre, "vgpreload_") != NULL)
		return -1;
	/* Disabled until restricted. Not for one thread only: the thread
	 * that sets it up is not the one that uses it. */
	memset(&pa, 0, sizeof pa);
	pa.flags = IORING_SETUP_R_DISABLED;
	if ((r->fd = (int)syscall(__NR_io_uring_setup, 2 * BATCHREAD_MAX, &pa)) < 0)
		return -1;
	/* Reads at the file's position (5.6), so that read(2) goes on. */
	if (!(pa.features & IORING_FEAT_RW_CUR_POS) || !ring_ops(r->fd) ||
	    ring_restrict(r->fd) != 0)
		goto fail;
	r->sq_len = pa.sq_off.array + pa.sq_entries * sizeof(unsigned);
	r->cq_len = pa.cq_off.cqes + pa.cq_entries * sizeof(struct io_uring_cqe);
	if (pa.features & IORING_FEAT_SINGLE_MMAP) {
		if (r->cq_len > r->sq_len)
			r->sq_len = r->cq_len;
		r->cq_len = r->sq_len;
	}
	r->sq_map = mmap(NULL, r->sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
	    r->fd, IORING_OFF_SQ_RING);
	if (r->sq_map == MAP_FAILED) {
		r->sq_map = NULL;
		goto fail;
	}
	r->cq_map = r->sq_map;
	if (!(pa.features & IORING_FEAT_SINGLE_MMAP)) {
		r->cq_map = mmap(NULL, r->cq_len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
		if (r->cq_map == MAP_FAILED) {
			r->cq_map = NULL;
			goto fail;
		}
	}
	r->sqes_len = pa.sq_entries * sizeof(struct io_uring_sqe);
	r->sqes = mmap(NULL, r->sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
	    r->fd, IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED) {
		r->sqes = NULL;
		goto fail;
	}
	sq = r->sq_map;
	cq = r->cq_map;
	r->sq_tail = (unsigned *)(void *)(sq + pa.sq_off.tail);
	r->sq_mask = *(unsigned *)(void *)(sq + pa.sq_off.ring_mask);
	r->sq_array = (unsigned *)(void *)(sq + pa.sq_off.array);
	r->cq_head = (unsigned *)(void *)(cq + pa.cq_off.head);
	r->cq_tail = (unsigned *)(void *)(cq + pa.cq_off.tail);
	r->cq_mask = *(unsigned *)(void *)(cq + pa.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(void *)(cq + pa.cq_off.cqes);
	return 0;
fail:
	ring_free(r);
	return -1;
}

void
batchread_prepare(unsigned n)
{
	if (n > RINGS_MAX)
		n = RINGS_MAX;
	while (nrings < n && ring_setup(&rings[nrings]) == 0)
		nrings++;
	for (size_t i = 0; i < nrings; i++)
		sandbox_allow_rings(&rings[i].fd, 1);
}

/* The calling thread's ring, or NULL if none is left. */
static struct ring *
ring_take(void)
{
	if (mine != NULL)
		return mine;
	pthread_mutex_lock(&rings_lock);
	for (size_t i = 0; i < nrings && mine == NULL; i++)
		if (!ring_used[i]) {
			ring_used[i] = 1;
			mine = &rings[i];
		}
	pthread_mutex_unlock(&rings_lock);
	if (mine != NULL && mine->buf == NULL)
		mine->buf = util_xmalloc((size_t)BATCHREAD_MAX * BATCHREAD_SLOT);
	return mine;
}

/* Queues an operation on file k (its user data). */
static void
ring_put(struct ring *r, unsigned op, int fd, const void *addr, unsigned len, size_t k)
{
	unsigned tail = *r->sq_tail, i = tail & r->sq_mask;
	struct io_uring_sqe *s = &r->sqes[i];

	memset(s, 0, sizeof *s);
	s->opcode = (unsigned char)op;
	s->fd = fd;
	s->addr = (unsigned long)addr;
	s->len = len;
	if (op == IORING_OP_OPENAT)
		s->open_flags = O_RDONLY;
	else
		s->off = (unsigned long long)-1;	/* the file's position */
	s->user_data = k;
	r->sq_array[i] = i;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
}

/* Submits the n queued operations and takes their results: res[user data].
 * Returns -1 on an error of io_uring_enter(2) itself (none expected). */
static int
ring_wait(struct ring *r, size_t n, int *res)
{
	size_t submitted = 0, done = 0;

	while (done < n) {
		unsigned head = *r->cq_head, tail;
		long rc = syscall(__NR_io_uring_enter, r->fd, (unsigned)(n - submitted),
		    (unsigned)(n - done), IORING_ENTER_GETEVENTS, NULL, 0);

		if (rc < 0 && errno != EINTR && errno != EAGAIN && errno != EBUSY)
			return -1;
		if (rc > 0)
			submitted += (size_t)rc;
		tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
		for (; head != tail; head++) {
			struct io_uring_cqe *c = &r->cqes[head & r->cq_mask];

			if (c->user_data < BATCHREAD_MAX)
				res[c->user_data] = c->res;
			done++;
		}
		__atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
	}
	return 0;
}

int
batchread_run(struct batchread_file *files, size_t n)
{
	struct ring *r;
	int res[BATCHREAD_MAX];
	size_t reads = 0;

	if (n == 0 || n > BATCHREAD_MAX || nrings == 0 || (r = ring_take()) == NULL)
		return -1;
	for (size_t k = 0; k < n; k++)
		ring_put(r, IORING_OP_OPENAT, files[k].dir, files[k].name, 0, k);
	if (ring_wait(r, n, res) != 0)
		util_err(BK_ERR, "io_uring_enter");
	for (size_t k = 0; k < n; k++) {
		files[k].fd = res[k] >= 0 ? res[k] : -1;
		files[k].err = res[k] >= 0 ? 0 : -res[k];
		files[k].p = r->buf + k * BATCHREAD_SLOT;
		files[k].p[0] = '\0';
		files[k].len = 0;
		files[k].more = 0;
		if (files[k].fd >= 0) {
			ring_put(r, IORING_OP_READ, files[k].fd, files[k].p, BATCHREAD_SLOT - 1, k);
			reads++;
		}
	}
	if (reads > 0 && ring_wait(r, reads, res) != 0)
		util_err(BK_ERR, "io_uring_enter");
	for (size_t k = 0; k < n; k++) {
		if (files[k].fd < 0)
			continue;
		if (res[k] == -EAGAIN || res[k] == -EINTR) {
			files[k].more = 1;	/* nothing read: read(2) tries */
			continue;
		}
		if (res[k] < 0) {
			files[k].err = -res[k];
			continue;
		}
		files[k].len = (size_t)res[k];
		files[k].p[files[k].len] = '\0';
		/* A short read is the end of a regular file (as read_fd). */
		files[k].more = files[k].len == BATCHREAD_SLOT - 1;
	}
	return 0;
}

void
batchread_thread_end(void)
{
	if (mine == NULL)
		return;
	free(mine->buf);	/* half a megabyte */
	mine->buf = NULL;
	pthread_mutex_lock(&rings_lock);
	ring_used[mine - rings] = 0;
	pthread_mutex_unlock(&rings_lock);
	mine = NULL;
}

#else	/* no io_uring */

void
batchread_prepare(unsigned n)
{
	(void)n;
}

int
batchread_run(struct batchread_file *files, size_t n)
{
	(void)files;
	(void)n;
	return -1;
}

void
batchread_thread_end(void)
{
}

#endif
