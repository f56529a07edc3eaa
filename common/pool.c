/* pool: parallel jobs, ordered output. Each item writes to a memory stream of
 * its own; whichever thread finishes the item next in line writes it out. */
#include "pool.h"
#include "input.h"
#include "util.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

/* Items are handed out in runs of POOL_RUN (pool.h): a memory stream, a
 * lock and a write per run rather than per item. */
/* Runs a worker may finish ahead of the writer: enough that a slow item does
 * not idle the others, few enough that the buffered output stays small. */
#define WINDOW_PER_THREAD 8

struct slot {
	char *buf;
	size_t len;
	int status, done;
};

/* No thread only writes: the one that finishes the item next in line writes
 * it and the finished items after it, while the others go on parsing. A
 * writer thread of its own would sleep and wake once an item, which costs
 * more than the writing on a machine with few processors. */
struct pool {
	pthread_mutex_t lock;
	pthread_cond_t room;	/* the writer moved on, or the run stops */
	size_t items;		/* what the caller asked for */
	size_t n, next, written, window;	/* in runs of POOL_RUN items */
	struct slot *slots;	/* run i in slots[i % window] */
	pool_job job;
	void (*thread_end)(void);
	void *ctx;
	FILE *out;
	int status;		/* the worst so far */
	int writing;		/* a thread is writing (the lock is not held then) */
	int stop, write_error;
};

unsigned
pool_default_jobs(unsigned max)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return (unsigned long)n < max ? (unsigned)n : max;
}

static void
run_item(struct pool *p, size_t i, struct slot *out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	int status;

	if (fp == NULL) {
		util_warn("open_memstream");
		out->status = BK_ERR;
		return;
	}
	status = BK_OK;
	for (size_t k = i * POOL_RUN; k < p->items && k < (i + 1) * POOL_RUN; k++)
		status = input_worse(status, p->job(p->ctx, k, fp));
	if (fclose(fp) != 0) {
		util_warn("output of items %zu to %zu", i * POOL_RUN, (i + 1) * POOL_RUN - 1);
		status = BK_ERR;
	}
	out->buf = buf;
	out->len = len;
	out->status = status;
}

/* With the lock held: writes the finished items next in line, unless another
 * thread is at it (it will see them). */
static void
write_ready(struct pool *p)
{
	if (p->writing)
		return;
	p->writing = 1;
	while (!p->write_error && p->slots[p->written % p->window].done) {
		struct slot got = p->slots[p->written % p->window];

		p->slots[p->written % p->window] = (struct slot){ NULL, 0, BK_OK, 0 };
		pthread_mutex_unlock(&p->lock);
		if (got.len > 0 && (fwrite(got.buf, 1, got.len, p->out) != got.len ||
		    ferror(p->out)))
			p->write_error = 1;	/* only the writer touches it */
		free(got.buf);
		pthread_mutex_lock(&p->lock);
		p->status = input_worse(p->status, got.status);
		p->written++;
		if (p->write_error)
			p->stop = 1;
		pthread_cond_broadcast(&p->room);
	}
	p->writing = 0;
}

static void *
worker(void *arg)
{
	struct pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct slot done = { NULL, 0, BK_OK, 1 };
		size_t i;

		while (!p->stop && p->next < p->n && p->next >= p->written + p->window)
			pthread_cond_wait(&p->room, &p->lock);
		if (p->stop || p->next >= p->n)
			break;
		i = p->next++;
		pthread_mutex_unlock(&p->lock);
		run_item(p, i, &done);
		pthread_mutex_lock(&p->lock);
		p->slots[i % p->window] = done;
		write_ready(p);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void *
worker_thread(void *arg)
{
	struct pool *p = arg;

	worker(p);
	if (p->thread_end)
		p->thread_end();
	return NULL;
}

static int
run_serial(size_t n, pool_job job, void *ctx, FILE *out)
{
	int status = BK_OK;

	for (size_t i = 0; i < n; i++) {
		status = input_worse(status, job(ctx, i, out));
		if (ferror(out))
			return -1;
	}
	return status;
}

int
pool_run(size_t n, unsigned nthreads, pool_job job, void (*thread_end)(void), void *ctx,
    FILE *out)
{
	struct pool p = { .items = n, .n = (n + POOL_RUN - 1) / POOL_RUN, .job = job,
	    .thread_end = thread_end, .ctx = ctx, .out = out };
	pthread_t *threads;
	unsigned started = 0;

	if (nthreads > p.n)
		nthreads = (unsigned)p.n;
	if (nthreads <= 1)
		return run_serial(n, job, ctx, out);
	p.window = (size_t)nthreads * WINDOW_PER_THREAD;
	p.slots = util_xcalloc(p.window, sizeof *p.slots);
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.room, NULL);
	/* The calling thread is one of the workers. */
	threads = util_xcalloc(nthreads - 1, sizeof *threads);
	for (unsigned t = 0; t + 1 < nthreads; t++)
		if (pthread_create(&threads[started], NULL, worker_thread, &p) == 0)
			started++;
	worker(&p);
	for (unsigned t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	/* Items finished after a write error and never written. */
	for (size_t k = 0; k < p.window; k++)
		free(p.slots[k].buf);
	pthread_cond_destroy(&p.room);
	pthread_mutex_destroy(&p.lock);
	free(threads);
	free(p.slots);
	return p.write_error ? -1 : p.status;
}
