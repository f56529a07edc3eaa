/* batchread: a run of files of a folder opened by one system call and read
 * by another (io_uring(7), Linux 5.10), where an openat(2) and a read(2) per
 * file were most of the kernel's work on small messages. Where it cannot
 * (other systems, older kernels, io_uring switched off, under valgrind, no
 * ring left) the caller opens and reads as before. */
#ifndef BK_BATCHREAD_H
#define BK_BATCHREAD_H

#include <stddef.h>

#define BATCHREAD_MAX 8		/* files in a run */
#define BATCHREAD_SLOT 16384	/* bytes read of each at once, with its NUL */

struct batchread_file {
	int dir;		/* in: the folder, open */
	const char *name;	/* in: the file's name in it */
	int fd;			/* out: the file, read-only, or -1 */
	int err;		/* out: errno of the open (fd -1) or read (fd open) */
	char *p;		/* out: its first len bytes and a NUL */
	size_t len;
	int more;		/* out: it may go on past len: the rest from fd */
};

/* Before sandbox_enter (which takes io_uring away but for the rings set up
 * here): sets up rings for n threads, each restricted to opening and
 * reading. A thread takes one at its first batchread_run. */
void batchread_prepare(unsigned n);

/* Opens (O_RDONLY) and reads files[0 .. n), n at most BATCHREAD_MAX: each
 * gets fd, or err. The bytes stay until the thread's next call. Returns 0,
 * or -1 if the thread cannot (nothing done: the caller opens and reads). */
int batchread_run(struct batchread_file *files, size_t n);

/* Gives the calling thread's ring back and frees its buffer (before the
 * thread ends, or when it is done with a folder). */
void batchread_thread_end(void);

#endif
