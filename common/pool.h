/* pool: a job per item on worker threads, their outputs written in item
 * order, the same bytes as one thread would write. */
#ifndef BK_POOL_H
#define BK_POOL_H

#include <stddef.h>
#include <stdio.h>

/* Items i / POOL_RUN alike are run by one thread, in order, one after the
 * other: a job may make ready (read ahead) the rest of its item's run. */
#define POOL_RUN 8

/* Runs item i, writing its output to out. Returns BK_OK, BK_NO or BK_ERR. */
typedef int (*pool_job)(void *ctx, size_t i, FILE *out);

/* The number of threads worth running: the processors online, at most max. */
unsigned pool_default_jobs(unsigned max);

/* Runs job for items 0 .. n-1 on nthreads threads (1: in the calling thread,
 * straight to out). The calling thread writes each item's output to out as
 * soon as it and all before it are done; workers stay at most a window of
 * items ahead of it, so memory does not grow with n. Jobs must be safe to run
 * at the same time. Each worker calls thread_end (unless NULL) before it
 * ends, to free what its jobs kept per thread. Returns the worst job status,
 * or -1 after a write error on out (the remaining items are not run). */
int pool_run(size_t n, unsigned nthreads, pool_job job, void (*thread_end)(void), void *ctx,
    FILE *out);

#endif
