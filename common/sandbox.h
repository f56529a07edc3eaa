/* sandbox: what a program may still do once its options are parsed and its
 * files are open, in the role of OpenBSD's pledge(2) and unveil(2). Linux
 * Landlock limits the files it may open to those it was given (and takes
 * away TCP and signals to other processes), and a seccomp filter takes away
 * the system calls no program here needs (execve, ptrace, sockets, mount,
 * ...). Whatever the kernel does not offer is done without.
 *
 * Modules declare what they need before the program calls sandbox_enter:
 * afile_lock declares the folder of a state file, a store that creates files
 * of its own (SQLite's -wal and -journal) declares its folder SANDBOX_READ |
 * SANDBOX_WRITE,
 * a database client declares SANDBOX_NET_*. Everything not declared is gone
 * after sandbox_enter, for the whole process and for good. */
#ifndef BK_SANDBOX_H
#define BK_SANDBOX_H

#include <stddef.h>

enum {
	/* Read the file; a folder: list it and read every file beneath it. */
	SANDBOX_READ = 1 << 0,
	/* Write (and truncate) the file; a folder: also create, write and
	 * remove files beneath it. */
	SANDBOX_WRITE = 1 << 1,
	/* A folder: create files in it and rename or remove them, but read or
	 * write none (the atomic replacement of a file opened beforehand). */
	SANDBOX_REPLACE = 1 << 2,
};

enum {
	SANDBOX_NET_UNIX = 1 << 0,	/* Unix-domain sockets (a local server) */
	SANDBOX_NET_TCP = 1 << 1,	/* TCP/IP, IPv4 and IPv6 (a remote server) */
};

/* What sandbox_enter put in place. */
enum {
	SANDBOX_LANDLOCK = 1 << 0,
	SANDBOX_SECCOMP = 1 << 1,
};

/* path keeps access after sandbox_enter (and, for a folder, what is beneath
 * it). A path that does not exist when sandbox_enter runs is left out. */
void sandbox_allow_path(const char *path, int access);
/* The operands of a program that reads files: each one that exists, read
 * only ("-" is standard input, already open). */
void sandbox_allow_inputs(int argc, char *const argv[]);
/* Sockets of these kinds (SANDBOX_NET_*) may still be made and connected. */
void sandbox_allow_network(int kinds);
/* io_uring_enter(2) stays allowed, for rings set up before sandbox_enter
 * and restricted by their maker (IORING_REGISTER_RESTRICTIONS) to what the
 * program may do by system calls anyway; io_uring_setup(2) and
 * io_uring_register(2) stay denied, so that no ring is made or loosened.
 * io_uring_enter(2) is allowed on these n descriptors only: a ring that
 * the program's parent left open to it stays out of reach. */
#define SANDBOX_RINGS_MAX 64
void sandbox_allow_rings(const int *fds, size_t n);
/* fn(arg) runs in sandbox_enter just before the restrictions: work that
 * must be done while everything is allowed (a file created now that is
 * written later). */
void sandbox_before(void (*fn)(void *), void *arg);
/* fn(arg) runs at the end of sandbox_enter, under the restrictions (at once
 * if sandbox_enter has run): a thread started now has them too. */
void sandbox_after(void (*fn)(void *), void *arg);

/* Puts the sandbox in place: Landlock, then the seccomp filter, for this
 * thread and the threads it starts later (call it before starting any).
 * Returns SANDBOX_* of what is in place. Once per process: a second call
 * returns the first one's answer. The environment variable
 * BOUNCEKIT_SANDBOX=off turns it off (for debuggers and tracers that need
 * what it takes away; see bouncekit(7)). */
int sandbox_enter(void);
/* sandbox_allow_inputs, then sandbox_enter: for a program about to read its
 * operands. */
int sandbox_enter_reading(int argc, char *const argv[]);
/* For --verbose: says on standard error what sandbox_enter put in place
 * and what the kernel does not offer. Once; nothing before sandbox_enter. */
void sandbox_report(void);

#endif
