/* Unit tests of common/sandbox.c: each case runs in a child process, which
 * declares what it needs, enters the sandbox and then tries what it must no
 * longer be able to do. Run by tests/05-sandbox.bats through make check as
 * $BK_UNIT_SANDBOX, in a fresh folder given as the only argument.
 * Cases the kernel cannot check (no Landlock, no seccomp) say "skip". */
#define _GNU_SOURCE	/* syscall(2) */
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "batchread.h"
#include "sandbox.h"
#include "util.h"

/* The sanitizers' builds relax the filter (see sandbox.c). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZER 1
#endif
#endif
#ifndef SANITIZER
#define SANITIZER 0
#endif

static const char *dir;
static int failures, checks, skips;

/* In a child: a failed check prints and makes the child exit 1. */
static int child_failed;
#define CHECK(cond) do { if (!(cond)) { child_failed = 1; \
	fprintf(stderr, "%s:%d: failed: %s (errno %d, %s)\n", __FILE__, __LINE__, #cond, \
	    errno, strerror(errno)); } } while (0)

static char *
in_dir(const char *name)
{
	static char buf[8][4096];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
	return buf[i];
}

static void
put(const char *name, const char *text)
{
	FILE *fp = fopen(in_dir(name), "w");

	if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) != 0) {
		perror(name);
		exit(2);
	}
}

static int
opens(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0600);

	if (fd == -1)
		return 0;
	close(fd);
	return 1;
}

/* Runs fn in a child; it returns what it needs in place (SANDBOX_*), and
 * the case is skipped when the kernel did not put that in place. */
static void
run(const char *name, int (*fn)(void), int needs)
{
	pid_t pid;
	int st;

	fflush(NULL);
	if ((pid = fork()) == -1) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		int got = fn();

		if ((got & needs) != needs)
			_exit(77);
		_exit(child_failed ? 1 : 0);
	}
	checks++;
	if (waitpid(pid, &st, 0) == -1) {
		perror("waitpid");
		exit(2);
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
		skips++;
		printf("skip: %s (the kernel does not offer it)\n", name);
	} else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		failures++;
		printf("FAILED: %s (%s %d)\n", name, WIFEXITED(st) ? "exit" : "signal",
		    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	} else {
		printf("ok: %s\n", name);
	}
}

/* Inputs: what was given is read, nothing else is, nothing is written. */
static int
case_inputs(void)
{
	int got;

	sandbox_allow_path(in_dir("given.txt"), SANDBOX_READ);
	sandbox_allow_path(in_dir("folder"), SANDBOX_READ);
	sandbox_allow_path(in_dir("nonexistent"), SANDBOX_READ);
	got = sandbox_enter();
	CHECK(opens(in_dir("given.txt"), O_RDONLY));
	CHECK(!opens(in_dir("given.txt"), O_WRONLY) && errno == EACCES);
	CHECK(opens(in_dir("folder/inside.txt"), O_RDONLY));
	CHECK(opens(in_dir("folder"), O_RDONLY | O_DIRECTORY));
	CHECK(!opens(in_dir("secret.txt"), O_RDONLY) && errno == EACCES);
	/* A link inside a folder that was given, to a file that was not. */
	CHECK(!opens(in_dir("folder/link-to-secret"), O_RDONLY) && errno == EACCES);
	CHECK(!opens(in_dir("folder/new.txt"), O_WRONLY | O_CREAT) && errno == EACCES);
	CHECK(!opens("/etc/passwd", O_RDONLY) && errno == EACCES);
	CHECK(!opens(dir, O_RDONLY | O_DIRECTORY) && errno == EACCES);
	/* A path not there stays "not there" (the programs' messages hold). */
	CHECK(!opens(in_dir("nonexistent"), O_RDONLY) && errno == ENOENT);
	/* Read lazily by the hash tables. */
	CHECK(opens("/dev/urandom", O_RDONLY));
	return got;
}

/* A state folder: a file opened before is renamed over the state, no other
 * file is read or written. */
static int
case_replace(void)
{
	int got, fd = open(in_dir("state/.state.tmp"), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	CHECK(fd != -1);
	sandbox_allow_path(in_dir("state"), SANDBOX_REPLACE);
	got = sandbox_enter();
	CHECK(write(fd, "new\n", 4) == 4);
	CHECK(close(fd) == 0);
	CHECK(rename(in_dir("state/.state.tmp"), in_dir("state/state.jsonl")) == 0);
	CHECK(!opens(in_dir("state/state.jsonl"), O_RDONLY) && errno == EACCES);
	CHECK(!opens(in_dir("state/other.jsonl"), O_RDONLY) && errno == EACCES);
	CHECK(!opens(in_dir("state/other.jsonl"), O_WRONLY) && errno == EACCES);
	CHECK(!opens(in_dir("state/sub/deep.jsonl"), O_WRONLY) && errno == EACCES);
	/* No move to another folder (Landlock's "refer" is never given). */
	CHECK(rename(in_dir("state/other.jsonl"), in_dir("state/sub/moved")) == -1 &&
	    (errno == EXDEV || errno == EACCES));
	return got;
}

/* A store that writes files of its own in its folder (SQLite). */
static int
case_write(void)
{
	int got;

	sandbox_allow_path(in_dir("db"), SANDBOX_READ | SANDBOX_WRITE);
	got = sandbox_enter();
	CHECK(opens(in_dir("db/x.db-wal"), O_RDWR | O_CREAT));
	CHECK(unlink(in_dir("db/x.db-wal")) == 0);
	CHECK(!opens(in_dir("secret.txt"), O_RDONLY) && errno == EACCES);
	CHECK(mkdir(in_dir("db/sub"), 0700) == -1 && errno == EACCES);
	CHECK(symlink("/etc/passwd", in_dir("db/link")) == -1 && errno == EACCES);
	return got;
}

static void *
thread_main(void *arg)
{
	*(int *)arg = opens(in_dir("secret.txt"), O_RDONLY) ? 0 : errno;
	return NULL;
}

/* System calls: no other program, no process, no socket, no mode by name. */
static int
case_syscalls(void)
{
	char *argv[] = { "/bin/true", NULL };
	pthread_t t;
	int got, fd, thread_errno = -1;
	pid_t pid;

	got = sandbox_enter();
	errno = 0;
	CHECK(socket(AF_INET, SOCK_STREAM, 0) == -1 && errno == EPERM);
	CHECK(socket(AF_INET6, SOCK_DGRAM, 0) == -1 && errno == EPERM);
	CHECK(socket(AF_UNIX, SOCK_STREAM, 0) == -1 && errno == EPERM);
	CHECK(socket(AF_NETLINK, SOCK_RAW, 0) == -1 && errno == EPERM);
	CHECK(chmod(in_dir("given.txt"), 0666) == -1 && errno == EPERM);
	CHECK(syscall(SYS_io_uring_setup, 1, NULL) == -1 && errno == EPERM);
	CHECK(syscall(SYS_io_uring_enter, 0, 0, 0, 0, NULL, 0) == -1 && errno == EPERM);
	CHECK((fd = open("/dev/urandom", O_RDONLY)) != -1);
	if (fd != -1)
		close(fd);
	/* Threads still start, and are in the sandbox too. */
	CHECK(pthread_create(&t, NULL, thread_main, &thread_errno) == 0 &&
	    pthread_join(t, NULL) == 0);
	if (got & SANDBOX_LANDLOCK)
		CHECK(thread_errno == EACCES);
	if (!SANITIZER) {
		CHECK(ptrace(PTRACE_TRACEME, 0, NULL, NULL) == -1 && errno == EPERM);
		CHECK(execve(argv[0], argv, NULL) == -1 && (errno == EPERM || errno == EACCES));
		pid = fork();
		if (pid == 0)
			_exit(0);
		CHECK(pid == -1 && errno == EPERM);
	}
	return got;
}

/* What a store declares for a database server. */
static int
case_network(void)
{
	struct sockaddr_in sin;
	int got, fd;

	sandbox_allow_network(SANDBOX_NET_UNIX | SANDBOX_NET_TCP);
	got = sandbox_enter();
	CHECK((fd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
	close(fd);
	CHECK((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(9);	/* discard: nobody listens, refused */
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1 && errno == ECONNREFUSED);
	close(fd);
	CHECK(socket(AF_NETLINK, SOCK_RAW, 0) == -1 && errno == EPERM);
	return got;
}

/* Landlock alone (ABI 4): TCP is gone even through a socket made before. */
static int
case_tcp_landlock(void)
{
	struct sockaddr_in sin;
	int got, fd = socket(AF_INET, SOCK_STREAM, 0);

	CHECK(fd != -1);
	got = sandbox_enter();
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(9);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* seccomp answers EPERM, Landlock EACCES: either is a no. */
	CHECK(connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1 &&
	    (errno == EACCES || errno == EPERM));
	close(fd);
	return got;
}

static void
hook(void *arg)
{
	*(int *)arg = opens(in_dir("secret.txt"), O_RDONLY);
}

/* What is done before: sandbox_before runs while everything is allowed;
 * a second sandbox_enter changes nothing. */
static int
case_before(void)
{
	int got, could = 0;

	sandbox_before(hook, &could);
	got = sandbox_enter();
	CHECK(could == 1);
	CHECK(sandbox_enter() == got);
	CHECK(!opens(in_dir("secret.txt"), O_RDONLY) && errno == EACCES);
	return got;
}

static void
hook_thread(void *arg)
{
	pthread_t t;

	if (pthread_create(&t, NULL, thread_main, arg) == 0)
		pthread_join(t, NULL);
}

/* What is done after: sandbox_after runs under the restrictions, so that a
 * thread it starts has them (a store's copy of its log); once the sandbox
 * is in place it runs at once. */
static int
case_after(void)
{
	int got, first = -1, second = -1;

	sandbox_after(hook_thread, &first);
	CHECK(first == -1);
	got = sandbox_enter();
	CHECK(first != -1);
	sandbox_after(hook_thread, &second);
	CHECK(second != -1);
	if (got & SANDBOX_LANDLOCK)
		CHECK(first == EACCES && second == EACCES);
	return got;
}

/* A character set first met after the sandbox went on (a bounce names
 * it): its iconv module still loads. */
static int
case_iconv(void)
{
	int got = sandbox_enter();
	iconv_t cd = iconv_open("UTF-8", "KOI8-R");

	CHECK(cd != (iconv_t)-1);
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	return got;
}

/* Rings set up before (batchread, for folders of messages): files are still
 * opened and read through them, Landlock limits what they open as it limits
 * openat(2), and no ring can be made or its restriction undone. */
static int
case_rings(void)
{
	struct batchread_file f[3];
	int got, dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	CHECK(dfd != -1);
	batchread_prepare(1);
	sandbox_allow_path(in_dir("folder"), SANDBOX_READ);
	got = sandbox_enter();
	CHECK(syscall(SYS_io_uring_setup, 1, NULL) == -1 && errno == EPERM);
	CHECK(syscall(SYS_io_uring_register, 0, 0, NULL, 0) == -1 && errno == EPERM);
	/* Only the rings set up before may be entered: any other descriptor
	 * (here a folder's; an inherited ring's alike) is refused by the
	 * filter, where the kernel would answer EOPNOTSUPP. */
	if (got & SANDBOX_SECCOMP)
		CHECK(syscall(SYS_io_uring_enter, dfd, 0, 0, 0, NULL, 0) == -1 && errno == EPERM);
	memset(f, 0, sizeof f);
	f[0].dir = f[1].dir = f[2].dir = dfd;
	f[0].name = "folder/inside.txt";
	f[1].name = "secret.txt";
	f[2].name = "folder/none";
	if (batchread_run(f, 3) == 0) {	/* a kernel without io_uring: not */
		CHECK(f[0].fd != -1 && f[0].err == 0 && f[0].len == 7 && !f[0].more &&
		    memcmp(f[0].p, "inside\n", 8) == 0);
		CHECK(f[1].fd == -1 && (got & SANDBOX_LANDLOCK ? f[1].err == EACCES : 1));
		CHECK(f[2].fd == -1 && f[2].err == ENOENT);
	}
	batchread_thread_end();
	return got;
}

/* BOUNCEKIT_SANDBOX=off: nothing in place. */
static int
case_off(void)
{
	int got;

	setenv("BOUNCEKIT_SANDBOX", "off", 1);
	got = sandbox_enter();
	CHECK(got == 0);
	CHECK(opens(in_dir("secret.txt"), O_RDONLY));
	return 0;
}

int
main(int argc, char *argv[])
{
	if (argc != 2) {
		fprintf(stderr, "usage: unit-sandbox empty-folder\n");
		return 2;
	}
	dir = argv[1];
	util_setprogname("unit-sandbox");
	put("given.txt", "given\n");
	put("secret.txt", "secret\n");
	if (mkdir(in_dir("folder"), 0700) != 0 || mkdir(in_dir("state"), 0700) != 0 ||
	    mkdir(in_dir("state/sub"), 0700) != 0 || mkdir(in_dir("db"), 0700) != 0) {
		perror(dir);
		return 2;
	}
	put("folder/inside.txt", "inside\n");
	put("state/state.jsonl", "old\n");
	put("state/other.jsonl", "other\n");
	put("state/sub/deep.jsonl", "deep\n");
	if (symlink(in_dir("secret.txt"), in_dir("folder/link-to-secret")) != 0) {
		perror("symlink");
		return 2;
	}
	run("inputs: only what was given is read", case_inputs, SANDBOX_LANDLOCK);
	run("state folder: atomic replacement, nothing read", case_replace, SANDBOX_LANDLOCK);
	run("store folder: files of its own", case_write, SANDBOX_LANDLOCK);
	run("system calls: no exec, process, socket, chmod", case_syscalls, SANDBOX_SECCOMP);
	run("network declared: Unix and TCP sockets", case_network, SANDBOX_SECCOMP);
	run("no TCP connect (Landlock ABI 4)", case_tcp_landlock, SANDBOX_LANDLOCK);
	run("sandbox_before and a second sandbox_enter", case_before, SANDBOX_LANDLOCK);
	run("sandbox_after: a thread it starts is in the sandbox", case_after, SANDBOX_LANDLOCK);
	run("iconv modules load after the sandbox", case_iconv, SANDBOX_LANDLOCK);
	run("rings set up before: opening and reading only, Landlock applies", case_rings,
	    SANDBOX_SECCOMP);
	run("BOUNCEKIT_SANDBOX=off", case_off, 0);
	printf("%d cases, %d skipped, %d failed\n", checks, skips, failures);
	return failures ? 1 : 0;
}
