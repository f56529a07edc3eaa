/* sandbox: Landlock and a seccomp filter through raw system calls and the
 * kernel's headers (no library), with the constants of newer kernels written
 * out for older headers. A kernel without either goes on without it. */
#define _GNU_SOURCE	/* syscall(2), O_PATH */
#include "sandbox.h"
#include "util.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <libgen.h>
#include <link.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#if defined(__has_include)
#if __has_include(<linux/landlock.h>)
#include <linux/landlock.h>
#endif
#endif
#endif

#ifndef O_PATH
#define O_PATH 010000000
#endif

/* ---- Landlock constants (linux/landlock.h of 6.12, for older headers) ---- */

#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif
#define LL_FS_EXECUTE		(1ULL << 0)
#define LL_FS_WRITE_FILE	(1ULL << 1)
#define LL_FS_READ_FILE		(1ULL << 2)
#define LL_FS_READ_DIR		(1ULL << 3)
#define LL_FS_REMOVE_DIR	(1ULL << 4)
#define LL_FS_REMOVE_FILE	(1ULL << 5)
#define LL_FS_MAKE_CHAR		(1ULL << 6)
#define LL_FS_MAKE_DIR		(1ULL << 7)
#define LL_FS_MAKE_REG		(1ULL << 8)
#define LL_FS_MAKE_SOCK		(1ULL << 9)
#define LL_FS_MAKE_FIFO		(1ULL << 10)
#define LL_FS_MAKE_BLOCK	(1ULL << 11)
#define LL_FS_MAKE_SYM		(1ULL << 12)
#define LL_FS_REFER		(1ULL << 13)	/* ABI 2 */
#define LL_FS_TRUNCATE		(1ULL << 14)	/* ABI 3 */
#define LL_FS_IOCTL_DEV		(1ULL << 15)	/* ABI 5 */
#define LL_NET_BIND_TCP		(1ULL << 0)	/* ABI 4 */
#define LL_NET_CONNECT_TCP	(1ULL << 1)	/* ABI 4 */
#define LL_SCOPE_ABSTRACT_UNIX	(1ULL << 0)	/* ABI 6 */
#define LL_SCOPE_SIGNAL		(1ULL << 1)	/* ABI 6 */
#define LL_RULE_PATH_BENEATH	1
/* The rights a rule on a file (not a folder) may carry. */
#define LL_FS_FILE_RIGHTS (LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | \
	LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)

/* struct landlock_ruleset_attr as of ABI 6; older kernels are given the
 * prefix they know (size by ABI), newer headers are not needed. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};
struct ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

/* x86_64, i386, arm, aarch64, riscv, ... share these numbers (they came
 * after the unified table); others have no Landlock in their headers. */
#if defined(__NR_landlock_create_ruleset)
#define LL_NR_CREATE __NR_landlock_create_ruleset
#define LL_NR_ADD __NR_landlock_add_rule
#define LL_NR_RESTRICT __NR_landlock_restrict_self
#elif defined(__linux__) && (defined(__x86_64__) || defined(__i386__) || \
    defined(__aarch64__) || defined(__arm__) || defined(__riscv) || \
    defined(__powerpc__) || defined(__s390__) || defined(__loongarch__))
#define LL_NR_CREATE 444
#define LL_NR_ADD 445
#define LL_NR_RESTRICT 446
#endif

/* ---- what the program declared ---- */

struct rule {
	char *path;
	int access;
};

static struct rule *rules;
static size_t nrules;
static int net_kinds;
/* The descriptors of the rings set up before: io_uring_enter(2) on any
 * other (an unrestricted ring inherited from the parent) is denied. */
static int ring_fds[SANDBOX_RINGS_MAX];
static size_t nring_fds;
static struct hook {
	void (*fn)(void *);
	void *arg;
} *hooks, *after;
static size_t nhooks, nafter;
static int entered = -1;	/* the answer of the first sandbox_enter */
/* For sandbox_report: what is in place, or why not. */
static int landlock_abi;
static const char *landlock_why, *seccomp_why;
static int switched_off;

void
sandbox_allow_path(const char *path, int access)
{
	rules = util_xreallocarray(rules, nrules + 1, sizeof *rules);
	rules[nrules].path = util_xstrdup(path);
	rules[nrules++].access = access;
}

void
sandbox_allow_inputs(int argc, char *const argv[])
{
	struct stat st;

	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "-") != 0 && stat(argv[i], &st) == 0)
			sandbox_allow_path(argv[i], SANDBOX_READ);
}

void
sandbox_allow_network(int kinds)
{
	net_kinds |= kinds;
}

void
sandbox_allow_rings(const int *fds, size_t n)
{
	for (size_t i = 0; i < n && nring_fds < SANDBOX_RINGS_MAX; i++)
		ring_fds[nring_fds++] = fds[i];
}

void
sandbox_before(void (*fn)(void *), void *arg)
{
	hooks = util_xreallocarray(hooks, nhooks + 1, sizeof *hooks);
	hooks[nhooks].fn = fn;
	hooks[nhooks++].arg = arg;
}

void
sandbox_after(void (*fn)(void *), void *arg)
{
	if (entered >= 0) {
		fn(arg);
		return;
	}
	after = util_xreallocarray(after, nafter + 1, sizeof *after);
	after[nafter].fn = fn;
	after[nafter++].arg = arg;
}

/* The sanitizers' run-time needs more than the programs: LeakSanitizer stops
 * the threads with a clone(2)d tracer that ptrace(2)s them and reads
 * /proc/self, a report may run a symbolizer. Their builds relax the filter
 * (make asan, make tsan; bouncekit(7)). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SB_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer) || __has_feature(leak_sanitizer)
#define SB_SANITIZER 1
#endif
#endif
#ifndef SB_SANITIZER
#define SB_SANITIZER 0
#endif

/* valgrind (3.19) knows neither Landlock's system calls nor seccomp(2): it
 * warns about each (make valgrind counts that as a failure) and answers
 * ENOSYS. Its preloaded core gives it away; prctl(2) filters work under it. */
static int __attribute__((unused))
under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p != NULL && strstr(p, "vgpreload_") != NULL;
}

/* ---- Landlock ---- */

#ifdef LL_NR_CREATE
/* iconv(3) loads the module of a character set (and reads their cache) the
 * first time a message names it: glibc's gconv folder beside the C library,
 * or those of GCONV_PATH, stay readable. */
static void
allow_gconv(void)
{
	const char *env = getenv("GCONV_PATH");
	iconv_t (*fn)(const char *, const char *) = iconv_open;
	void *addr;
	Dl_info info;

	if (env && *env) {
		char *copy = util_xstrdup(env), *save = NULL;

		for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
			sandbox_allow_path(d, SANDBOX_READ);
		free(copy);
	}
	/* POSIX (dlsym) makes code and data pointers alike; ISO C does not
	 * convert between them. */
	memcpy(&addr, &fn, sizeof addr);
	if (dladdr(addr, &info) != 0 && info.dli_fname &&
	    info.dli_fname[0] == '/') {
		char *copy = util_xstrdup(info.dli_fname);
		struct util_buf b = {0};

		util_buf_adds(&b, dirname(copy));
		util_buf_adds(&b, "/gconv");
		sandbox_allow_path(util_buf_str(&b), SANDBOX_READ);
		util_buf_free(&b);
		free(copy);
	}
}

#if SB_SANITIZER
/* The sanitizers' symbolizer reads the program and its libraries. */
static int
add_module(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	(void)arg;
	if (info->dlpi_name && info->dlpi_name[0] == '/')
		sandbox_allow_path(info->dlpi_name, SANDBOX_READ);
	return 0;
}

static void
allow_sanitizer(void)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

	if (n > 0) {
		exe[n] = '\0';
		sandbox_allow_path(exe, SANDBOX_READ);
	}
	dl_iterate_phdr(add_module, NULL);
	sandbox_allow_path("/proc/self", SANDBOX_READ);
	sandbox_allow_path("/usr/lib/debug", SANDBOX_READ);
}
#endif

static int
ll_abi(void)
{
	long v = syscall(LL_NR_CREATE, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	return v < 0 ? 0 : (int)v;
}

static uint64_t
ll_rights(int access, int is_dir, uint64_t handled)
{
	uint64_t r = 0;

	if (access & SANDBOX_READ)
		r |= LL_FS_READ_FILE | LL_FS_READ_DIR;
	if (access & SANDBOX_WRITE)
		r |= LL_FS_WRITE_FILE | LL_FS_TRUNCATE | LL_FS_READ_DIR | LL_FS_MAKE_REG |
		    LL_FS_REMOVE_FILE;
	if (access & SANDBOX_REPLACE)
		r |= LL_FS_MAKE_REG | LL_FS_REMOVE_FILE;
	if (!is_dir)
		r &= LL_FS_FILE_RIGHTS;
	return r & handled;
}

static void
ll_add(int ruleset, const char *path, int access, uint64_t handled)
{
	struct ll_path_beneath_attr pb;
	struct stat st;
	int fd;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) == -1)
		return;	/* not there: nothing beneath it to open either */
	if (fstat(fd, &st) != 0) {
		close(fd);
		return;
	}
	pb.allowed_access = ll_rights(access, S_ISDIR(st.st_mode), handled);
	pb.parent_fd = fd;
	/* A pipe's /dev/stdin, say, takes no rule, and needs none: Landlock
	 * only guards what is on a file system. */
	if (pb.allowed_access != 0)
		(void)syscall(LL_NR_ADD, ruleset, LL_RULE_PATH_BENEATH, &pb, 0);
	close(fd);
}

/* Returns the ABI in place, 0 for none (*why says why). */
static int
landlock_on(const char **why)
{
	struct ll_ruleset_attr attr;
	size_t attr_size = sizeof attr.handled_access_fs;
	int abi, fd;

	if (under_valgrind()) {
		*why = "valgrind does not know Landlock's system calls";
		return 0;
	}
	if ((abi = ll_abi()) <= 0) {
		*why = errno == EOPNOTSUPP ? "Landlock is off (boot with lsm=...,landlock)" :
		    "the kernel has no Landlock (Linux 5.13 or later)";
		return 0;
	}
	memset(&attr, 0, sizeof attr);
	attr.handled_access_fs = LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE |
	    LL_FS_READ_DIR | LL_FS_REMOVE_DIR | LL_FS_REMOVE_FILE | LL_FS_MAKE_CHAR |
	    LL_FS_MAKE_DIR | LL_FS_MAKE_REG | LL_FS_MAKE_SOCK | LL_FS_MAKE_FIFO |
	    LL_FS_MAKE_BLOCK | LL_FS_MAKE_SYM;
	if (abi >= 2)
		attr.handled_access_fs |= LL_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= LL_FS_TRUNCATE;
	if (abi >= 5)
		attr.handled_access_fs |= LL_FS_IOCTL_DEV;
	if (abi >= 4) {
		attr_size = offsetof(struct ll_ruleset_attr, scoped);
		if (!(net_kinds & SANDBOX_NET_TCP))
			attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
	}
	if (abi >= 6) {
		attr_size = sizeof attr;
		attr.scoped = LL_SCOPE_SIGNAL;
		if (!(net_kinds & SANDBOX_NET_UNIX))
			attr.scoped |= LL_SCOPE_ABSTRACT_UNIX;
	}
	allow_gconv();
#if SB_SANITIZER
	allow_sanitizer();
#endif
	if ((fd = (int)syscall(LL_NR_CREATE, &attr, attr_size, 0)) < 0) {
		*why = "Landlock refused the ruleset";
		return 0;
	}
	for (size_t i = 0; i < nrules; i++)
		ll_add(fd, rules[i].path, rules[i].access, attr.handled_access_fs);
	/* The hash tables' seeds, read lazily. */
	ll_add(fd, "/dev/urandom", SANDBOX_READ, attr.handled_access_fs);
	if (syscall(LL_NR_RESTRICT, fd, 0) != 0) {
		*why = "Landlock refused to restrict the process";
		close(fd);
		return 0;
	}
	close(fd);
	return abi;
}
#else
static int
landlock_on(const char **why)
{
	*why = "built without Landlock (no system call numbers for this platform)";
	return 0;
}
#endif

/* ---- seccomp ---- */

#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif
#ifndef SECCOMP_SET_MODE_FILTER
#define SECCOMP_SET_MODE_FILTER 1
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC
#define SECCOMP_FILTER_FLAG_TSYNC (1UL << 0)
#endif
#ifndef PR_SET_NO_NEW_PRIVS
#define PR_SET_NO_NEW_PRIVS 38
#endif

#if defined(__x86_64__) && defined(__ILP32__)
#undef SB_ARCH	/* x32: not covered */
#elif defined(__x86_64__)
#define SB_ARCH AUDIT_ARCH_X86_64
#define SB_X32_BIT 0x40000000U
#elif defined(__i386__)
#define SB_ARCH AUDIT_ARCH_I386
#elif defined(__aarch64__) && !defined(__AARCH64EB__)
#define SB_ARCH AUDIT_ARCH_AARCH64
#elif defined(__arm__) && defined(__ARMEL__)
#define SB_ARCH AUDIT_ARCH_ARM
#elif defined(__riscv) && __riscv_xlen == 64
#define SB_ARCH AUDIT_ARCH_RISCV64
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SB_ARCH AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define SB_ARCH AUDIT_ARCH_S390X
#define SB_CLONE_FLAGS_ARG 1	/* clone(stack, flags, ...) */
#elif defined(__loongarch64)
#define SB_ARCH AUDIT_ARCH_LOONGARCH64
#endif
#ifndef SB_CLONE_FLAGS_ARG
#define SB_CLONE_FLAGS_ARG 0
#endif

#ifdef SB_ARCH
/* fchmodat2 (Linux 6.6) has one number on every platform above. */
#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif

#define DENY (SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))
#define STMT(code, k) ((struct sock_filter)BPF_STMT((code), (k)))
#define JUMP(code, k, jt, jf) ((struct sock_filter)BPF_JUMP((code), (k), (jt), (jf)))
/* The low 32 bits of a system call argument. */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ARG_LO(i) (offsetof(struct seccomp_data, args[i]) + 4)
#else
#define ARG_LO(i) offsetof(struct seccomp_data, args[i])
#endif
#define NS_FLAGS (0x00020000U /* NEWNS */ | 0x02000000U /* NEWCGROUP */ | \
	0x04000000U /* NEWUTS */ | 0x08000000U /* NEWIPC */ | 0x10000000U /* NEWUSER */ | \
	0x20000000U /* NEWPID */ | 0x40000000U /* NEWNET */)
#define CLONE_THREAD_FLAG 0x00010000U

/* System calls none of the programs makes once it runs: other programs,
 * other processes' memory, the kernel's and the machine's state, files by
 * handle (past Landlock), modes and owners by name (Landlock does not cover
 * them), and io_uring (whose operations seccomp does not see; entering
 * rings restricted before is allowed on request). */
static const int denied[] = {
#ifdef __NR_process_vm_readv
	__NR_process_vm_readv, __NR_process_vm_writev,
#endif
#ifdef __NR_pidfd_getfd
	__NR_pidfd_getfd,
#endif
#ifdef __NR_process_madvise
	__NR_process_madvise,
#endif
#ifdef __NR_kcmp
	__NR_kcmp,
#endif
#ifdef __NR_mount
	__NR_mount,
#endif
#ifdef __NR_umount2
	__NR_umount2,
#endif
#ifdef __NR_umount
	__NR_umount,
#endif
#ifdef __NR_pivot_root
	__NR_pivot_root,
#endif
#ifdef __NR_chroot
	__NR_chroot,
#endif
#ifdef __NR_setns
	__NR_setns,
#endif
#ifdef __NR_unshare
	__NR_unshare,
#endif
#ifdef __NR_fsopen
	__NR_fsopen, __NR_fsconfig, __NR_fsmount, __NR_fspick, __NR_move_mount,
	__NR_open_tree,
#endif
#ifdef __NR_mount_setattr
	__NR_mount_setattr,
#endif
#ifdef __NR_bpf
	__NR_bpf,
#endif
#ifdef __NR_perf_event_open
	__NR_perf_event_open,
#endif
#ifdef __NR_userfaultfd
	__NR_userfaultfd,
#endif
#ifdef __NR_io_uring_setup
	__NR_io_uring_setup, __NR_io_uring_register,
#endif
#ifdef __NR_keyctl
	__NR_keyctl, __NR_add_key, __NR_request_key,
#endif
#ifdef __NR_init_module
	__NR_init_module, __NR_delete_module,
#endif
#ifdef __NR_finit_module
	__NR_finit_module,
#endif
#ifdef __NR_kexec_load
	__NR_kexec_load,
#endif
#ifdef __NR_kexec_file_load
	__NR_kexec_file_load,
#endif
#ifdef __NR_reboot
	__NR_reboot,
#endif
#ifdef __NR_swapon
	__NR_swapon, __NR_swapoff,
#endif
#ifdef __NR_acct
	__NR_acct,
#endif
#ifdef __NR_quotactl
	__NR_quotactl,
#endif
#ifdef __NR_syslog
	__NR_syslog,
#endif
#ifdef __NR_vhangup
	__NR_vhangup,
#endif
#ifdef __NR_personality
	__NR_personality,
#endif
#ifdef __NR_uselib
	__NR_uselib,
#endif
#ifdef __NR_iopl
	__NR_iopl,
#endif
#ifdef __NR_ioperm
	__NR_ioperm,
#endif
#ifdef __NR_modify_ldt
	__NR_modify_ldt,
#endif
#ifdef __NR_open_by_handle_at
	__NR_open_by_handle_at,
#endif
#ifdef __NR_name_to_handle_at
	__NR_name_to_handle_at,
#endif
#ifdef __NR_chmod
	__NR_chmod,
#endif
	__NR_fchmodat, __NR_fchmodat2,
#ifdef __NR_chown
	__NR_chown,
#endif
#ifdef __NR_lchown
	__NR_lchown,
#endif
#ifdef __NR_chown32
	__NR_chown32, __NR_lchown32,
#endif
	__NR_fchownat,
	__NR_setxattr, __NR_lsetxattr, __NR_removexattr, __NR_lremovexattr,
};

/* What only the sanitizers' run-time does (see SB_SANITIZER). */
static const int denied_unless_sanitizer[] = {
	__NR_ptrace, __NR_execve,
#ifdef __NR_execveat
	__NR_execveat,
#endif
#ifdef __NR_fork
	__NR_fork,
#endif
#ifdef __NR_vfork
	__NR_vfork,
#endif
};

/* Sockets: no network at all unless declared. */
static const int denied_network[] = {
	__NR_connect, __NR_bind, __NR_listen, __NR_accept,
#ifdef __NR_accept4
	__NR_accept4,
#endif
};

struct bpf {
	struct sock_filter *v;
	size_t n;
};

static void
emit(struct bpf *b, struct sock_filter f)
{
	b->v = util_xreallocarray(b->v, b->n + 1, sizeof *b->v);
	b->v[b->n++] = f;
}

/* A = nr here: returns `ret` when nr matches, else falls through. */
static void
emit_nr(struct bpf *b, int nr, uint32_t ret)
{
	emit(b, JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 1));
	emit(b, STMT(BPF_RET | BPF_K, ret));
}

/* socket(2) and socketpair(2): only the declared families. A = nr on entry
 * and on the way out. */
static void
emit_socket(struct bpf *b, int nr)
{
	uint32_t families[3];
	size_t n = 0;

	if (net_kinds & SANDBOX_NET_UNIX)
		families[n++] = AF_UNIX;
	if ((net_kinds & SANDBOX_NET_TCP) && nr == __NR_socket) {
		families[n++] = AF_INET;
		families[n++] = AF_INET6;
	}
	/* if nr: load family; each allowed family -> allow; else deny */
	emit(b, JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, (uint8_t)(n + 3)));
	emit(b, STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)));
	for (size_t i = 0; i < n; i++)
		emit(b, JUMP(BPF_JMP | BPF_JEQ | BPF_K, families[i], (uint8_t)(n - i), 0));
	emit(b, STMT(BPF_RET | BPF_K, DENY));
	emit(b, STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
}

#ifdef __NR_io_uring_enter
/* io_uring_enter(2): only on the rings of sandbox_allow_rings (the kernel
 * takes the descriptor as an unsigned int: the low word is all of it). A =
 * nr on entry and on the way out. */
static void
emit_rings(struct bpf *b)
{
	size_t n = nring_fds;

	emit(b, JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_enter, 0,
	    (uint8_t)(n + 2 + (n > 0))));
	emit(b, STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)));
	for (size_t i = 0; i < n; i++)
		emit(b, JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)ring_fds[i], (uint8_t)(n - i), 0));
	emit(b, STMT(BPF_RET | BPF_K, DENY));
	if (n > 0)
		emit(b, STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
}
#endif

/* clone(2): threads only (no new process, no namespace). */
static void
emit_clone(struct bpf *b)
{
	emit(b, JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 5));
	emit(b, STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(SB_CLONE_FLAGS_ARG)));
	emit(b, JUMP(BPF_JMP | BPF_JSET | BPF_K, NS_FLAGS, 1, 0));
	emit(b, JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD_FLAG, 1, 0));
	emit(b, STMT(BPF_RET | BPF_K, DENY));
	emit(b, STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
}

static int
seccomp_on(const char **why)
{
	struct bpf b = {0};
	struct sock_fprog prog;
	int rc;

	emit(&b, STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
	emit(&b, JUMP(BPF_JMP | BPF_JEQ | BPF_K, SB_ARCH, 1, 0));
	emit(&b, STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
	emit(&b, STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
#ifdef SB_X32_BIT
	emit(&b, JUMP(BPF_JMP | BPF_JGE | BPF_K, SB_X32_BIT, 0, 1));
	emit(&b, STMT(BPF_RET | BPF_K, DENY));
#endif
	for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++)
		emit_nr(&b, denied[i], DENY);
	if (!SB_SANITIZER)
		for (size_t i = 0; i < sizeof denied_unless_sanitizer / sizeof *denied_unless_sanitizer; i++)
			emit_nr(&b, denied_unless_sanitizer[i], DENY);
	if (!(net_kinds & (SANDBOX_NET_UNIX | SANDBOX_NET_TCP))) {
		for (size_t i = 0; i < sizeof denied_network / sizeof denied_network[0]; i++)
			emit_nr(&b, denied_network[i], DENY);
#ifdef __NR_socketcall
		/* i386's multiplexer: its arguments are out of the filter's sight. */
		emit_nr(&b, __NR_socketcall, DENY);
#endif
	}
#ifdef __NR_io_uring_enter
	emit_rings(&b);
#endif
#ifdef __NR_clone3
	/* Its flags are out of sight (in memory): glibc falls back to clone. */
	if (!SB_SANITIZER)
		emit_nr(&b, __NR_clone3, SECCOMP_RET_ERRNO | ENOSYS);
#endif
	emit_socket(&b, __NR_socket);
	emit_socket(&b, __NR_socketpair);
	if (!SB_SANITIZER)
		emit_clone(&b);
	emit(&b, STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));

	prog.len = (unsigned short)b.n;
	prog.filter = b.v;
	/* Every thread (TSYNC), where the kernel can; one thread otherwise. */
	errno = ENOSYS;
	rc = -1;
#ifdef __NR_seccomp
	if (!under_valgrind())
		rc = (int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
		    SECCOMP_FILTER_FLAG_TSYNC, &prog);
#endif
	if (rc != 0 && errno == ENOSYS)
		rc = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
	free(b.v);
	if (rc != 0) {
		*why = errno == EINVAL ? "the kernel has no seccomp filters" :
		    "the kernel refused the seccomp filter";
		return 0;
	}
	return 1;
}
#else
static int
seccomp_on(const char **why)
{
	*why = "no seccomp filter for this platform";
	return 0;
}
#endif

static int enter(void);

int
sandbox_enter(void)
{
	if (entered >= 0)
		return entered;
	entered = enter();
	for (size_t i = 0; i < nafter; i++)
		after[i].fn(after[i].arg);
	free(after);
	after = NULL;
	nafter = 0;
	return entered;
}

/* sandbox_enter's restrictions: SANDBOX_* of what is in place. */
static int
enter(void)
{
	const char *env = getenv("BOUNCEKIT_SANDBOX");

	entered = 0;
	for (size_t i = 0; i < nhooks; i++)
		hooks[i].fn(hooks[i].arg);
	if (env && strcmp(env, "off") == 0) {
		switched_off = 1;
		return entered;
	}
	/* What the C library reads lazily, read while it still can. */
	tzset();
	/* Both need it unless privileged; it also keeps a set-user-ID program
	 * from gaining rights. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		landlock_why = seccomp_why = "no_new_privs refused";
		return entered;
	}
	if ((landlock_abi = landlock_on(&landlock_why)) > 0)
		entered |= SANDBOX_LANDLOCK;
	if (seccomp_on(&seccomp_why))
		entered |= SANDBOX_SECCOMP;
	return entered;
}

int
sandbox_enter_reading(int argc, char *const argv[])
{
	sandbox_allow_inputs(argc, argv);
	return sandbox_enter();
}

void
sandbox_report(void)
{
	static int done;

	if (entered < 0 || done)
		return;
	done = 1;
	if (switched_off) {
		util_warnx("sandbox: off (BOUNCEKIT_SANDBOX=off)");
		return;
	}
	if (entered & SANDBOX_LANDLOCK)
		util_warnx("sandbox: Landlock ABI %d: files limited to those given%s%s",
		    landlock_abi, landlock_abi >= 4 && !(net_kinds & SANDBOX_NET_TCP) ?
		    ", no TCP" : "",
		    landlock_abi >= 6 ? ", no signals to other processes" : "");
	else
		util_warnx("sandbox: files not limited: %s", landlock_why);
	if (entered & SANDBOX_SECCOMP)
		util_warnx("sandbox: seccomp filter: %s%s%s",
		    SB_SANITIZER ? "no sockets, mounts, modules (relaxed for the "
		    "sanitizer: execve, ptrace and fork allowed)" :
		    "no execve, ptrace, fork, sockets, mounts, modules",
		    net_kinds ? "; the sockets declared allowed" : "",
		    nring_fds > 0 ? "; io_uring only through the rings set up before "
		    "(restricted to opening and reading)" : "");
	else
		util_warnx("sandbox: system calls not limited: %s", seccomp_why);
}
