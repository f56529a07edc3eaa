/* afile: atomic replacement of state files, and their locks. */
/* realpath(3), S_ISVTX: X/Open System Interfaces. */
#define _XOPEN_SOURCE 700
#include "afile.h"
#include "sandbox.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int strict = 1;

void
afile_strict_modes(int on)
{
	strict = on;
}

static char *
dir_of(const char *path)
{
	char *copy = util_xstrdup(path);
	char *d = util_xstrdup(dirname(copy));

	free(copy);
	return d;
}

/* A folder shared with its group on purpose: set-group-ID, so that what is
 * made in it gets its group. Its new files are 0660, others' 0600. */
static mode_t
new_mode(const char *path)
{
	char *dir = dir_of(path);
	struct stat st;
	mode_t mode = stat(dir, &st) == 0 && (st.st_mode & S_ISGID) ? 0660 : 0600;

	free(dir);
	return mode;
}

/* ---- strict modes ---- */

static int
refuse(const char *path, const char *what, const struct stat *st)
{
	util_warnx("%s: %s (mode %04o, owner %lu): refused, as the file holds "
	    "addresses; fix the modes or owner, or run with --%s", path, what,
	    (unsigned)(st->st_mode & 07777), (unsigned long)st->st_uid, AFILE_NO_STRICT_OPTION);
	return -1;
}

/* A folder on the way to the state: others may not rename or replace what
 * is in it (a sticky folder such as /tmp only lets them do so with their
 * own files), and its owner is the user, root, or, for a group-shared
 * (set-group-ID) folder, anyone in its group. */
static int
check_folder(const char *dir, int is_parent, uid_t me)
{
	struct stat st;
	int sticky_ok;

	if (stat(dir, &st) != 0)
		return 0;
	sticky_ok = is_parent && (st.st_mode & S_ISVTX);
	if (st.st_uid != me && st.st_uid != 0 && !(st.st_mode & S_ISGID))
		return refuse(dir, "folder owned by another user", &st);
	if ((st.st_mode & S_IWOTH) && !sticky_ok)
		return refuse(dir, is_parent ? "folder writable by others" :
		    "folder writable by others, who could plant files under its names", &st);
	if ((st.st_mode & S_IWGRP) && !(st.st_mode & S_ISGID) && !sticky_ok)
		return refuse(dir, "folder writable by its group but not set-group-ID "
		    "(chmod g+s to share it with the group on purpose)", &st);
	return 0;
}

int
afile_check(const char *path)
{
	struct stat st, dst;
	char *dir, *real;
	uid_t me = geteuid();
	int rc = 0, exists;

	if (!strict)
		return 0;
	exists = lstat(path, &st) == 0;
	if (exists && S_ISLNK(st.st_mode)) {
		util_warnx("%s: a symbolic link: refused, as replacing the file would "
		    "replace the link; name the file it points to (or run with --%s)",
		    path, AFILE_NO_STRICT_OPTION);
		return -1;
	}
	dir = dir_of(path);
	real = realpath(dir, NULL);
	free(dir);
	if (real == NULL || stat(real, &dst) != 0 || !S_ISDIR(dst.st_mode)) {
		free(real);
		return 0;	/* the caller says what is wrong with it */
	}
	if (exists && S_ISREG(st.st_mode)) {
		/* In a group-shared folder, the group's files are the group's. */
		int shared = (dst.st_mode & S_ISGID) && st.st_gid == dst.st_gid;

		if (st.st_mode & S_IWOTH)
			rc = refuse(path, "writable by others", &st);
		else if ((st.st_mode & S_IWGRP) && !shared)
			rc = refuse(path, "writable by its group outside a group-shared "
			    "(set-group-ID) folder", &st);
		else if (st.st_uid != me && st.st_uid != 0 && !shared)
			rc = refuse(path, "owned by another user", &st);
	}
	/* The folder, then each one above it up to the root. */
	for (int parent = 0; rc == 0; parent = 1) {
		char *slash;

		rc = check_folder(real, parent, me);
		if (strcmp(real, "/") == 0 || (slash = strrchr(real, '/')) == NULL)
			break;
		if (slash == real)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	free(real);
	return rc;
}

/* ---- the lock ---- */

/* Temporary files made before the sandbox went on (afile_lock's), waiting
 * for afile_begin of their path. */
static struct reserved {
	char *path;
	char *tmp;	/* NULL: not made, or handed out */
	int fd, dirfd;
	int error;	/* errno of a failed attempt, reported by afile_begin */
} *reserved;
static size_t nreserved;

static int make_temp(const char *path, char **tmp);

static void
drop_unused(void)
{
	for (size_t i = 0; i < nreserved; i++) {
		if (reserved[i].tmp) {
			unlink(reserved[i].tmp);
			close(reserved[i].fd);
			free(reserved[i].tmp);
			reserved[i].tmp = NULL;
		}
		if (reserved[i].dirfd >= 0)
			close(reserved[i].dirfd);
		reserved[i].dirfd = -1;
	}
}

/* sandbox_before: the temporary files, and the folders to fsync, opened
 * while the sandbox still lets them be made. */
static void
reserve(void *arg)
{
	static int registered;

	(void)arg;
	for (size_t i = 0; i < nreserved; i++) {
		struct reserved *r = &reserved[i];
		char *dir;

		if (r->tmp || r->error)
			continue;
		if ((r->fd = make_temp(r->path, &r->tmp)) == -1) {
			r->error = errno;
			continue;
		}
		dir = dir_of(r->path);
		r->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		free(dir);
	}
	if (!registered && nreserved > 0) {
		registered = 1;
		atexit(drop_unused);
	}
}

static void
declare(const char *path)
{
	char *dir;

	for (size_t i = 0; i < nreserved; i++)
		if (strcmp(reserved[i].path, path) == 0)
			return;
	reserved = util_xreallocarray(reserved, nreserved + 1, sizeof *reserved);
	memset(&reserved[nreserved], 0, sizeof *reserved);
	reserved[nreserved].path = util_xstrdup(path);
	reserved[nreserved].fd = reserved[nreserved].dirfd = -1;
	if (nreserved++ == 0)
		sandbox_before(reserve, NULL);
	dir = dir_of(path);
	sandbox_allow_path(dir, SANDBOX_REPLACE);
	free(dir);
}

/* The lock file, never through a symbolic link (one planted in a shared
 * folder would have us create or lock a file elsewhere), made 0600/0660. */
static int
open_lock(const char *name, const char *path)
{
	struct stat st;
	int fd;

	for (;;) {
		if ((fd = open(name, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) != -1)
			break;
		if (errno == ENOENT) {
			mode_t mode = new_mode(path);

			fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
			if (fd != -1) {
				(void)fchmod(fd, mode);	/* whatever the umask */
				break;
			}
			if (errno == EEXIST)
				continue;	/* made meanwhile by another run */
		}
		if (errno == ELOOP || errno == EMLINK)
			util_warnx("%s: a symbolic link: not followed (a lock file is a "
			    "regular file; remove the link)", name);
		else
			util_warn("%s", name);
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		util_warnx("%s: not a regular file: not used as a lock", name);
		close(fd);
		return -1;
	}
	return fd;
}

int
afile_create(const char *path)
{
	int fd = open_lock(path, path);

	if (fd == -1)
		return -1;
	close(fd);
	return 0;
}

/* Temporary files of runs killed before their rename: ".BASE.XXXXXX" beside
 * path (make_temp's names). Only writers of this file make them, and they
 * all hold its lock, which the caller holds now: so they are stale. */
static void
clean_temps(const char *path)
{
	char *dcopy = util_xstrdup(path), *bcopy = util_xstrdup(path);
	const char *dir = dirname(dcopy), *base = basename(bcopy);
	size_t blen = strlen(base);
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			const char *n = de->d_name;
			struct util_buf full = {0};

			if (n[0] != '.' || strncmp(n + 1, base, blen) != 0 || n[1 + blen] != '.' ||
			    strlen(n + 2 + blen) != 6)
				continue;
			util_buf_adds(&full, dir);
			util_buf_addc(&full, '/');
			util_buf_adds(&full, n);
			unlink(util_buf_str(&full));
			util_buf_free(&full);
		}
		closedir(d);
	}
	free(dcopy);
	free(bcopy);
}

int
afile_lock(const char *path, int wait)
{
	struct util_buf name = {0};
	struct flock fl;
	int fd;

	if (afile_check(path) != 0)
		return -1;
	util_buf_adds(&name, path);
	util_buf_adds(&name, ".lock");
	if ((fd = open_lock(util_buf_str(&name), path)) == -1) {
		util_buf_free(&name);
		return -1;
	}
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	while (fcntl(fd, wait ? F_SETLKW : F_SETLK, &fl) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EACCES)
			util_warnx("%s: locked by another run (use --wait to wait for it)", path);
		else
			util_warn("%s: lock", name.p);
		close(fd);
		util_buf_free(&name);
		return -1;
	}
	util_buf_free(&name);
	clean_temps(path);
	declare(path);
	return fd;
}

void
afile_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* closing drops the fcntl lock */
}

/* ---- replacement ---- */

/* ".BASE.XXXXXX" beside path, made with O_EXCL (mkstemp): never through a
 * link. A descriptor, or -1 with errno. */
static int
make_temp(const char *path, char **tmp)
{
	struct util_buf t = {0};
	char *dir = dir_of(path), *copy = util_xstrdup(path);
	int fd, e;

	util_buf_adds(&t, dir);
	util_buf_adds(&t, "/.");
	util_buf_adds(&t, basename(copy));
	util_buf_adds(&t, ".XXXXXX");
	free(copy);
	free(dir);
	*tmp = util_buf_str(&t);
	if ((fd = mkstemp(*tmp)) == -1) {
		e = errno;
		free(*tmp);
		*tmp = NULL;
		errno = e;
		return -1;
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

int
afile_begin(struct afile *af, const char *path)
{
	struct stat st;
	int fd = -1;

	memset(af, 0, sizeof *af);
	af->dirfd = -1;
	for (size_t i = 0; i < nreserved; i++) {
		struct reserved *r = &reserved[i];

		if (strcmp(r->path, path) != 0)
			continue;
		if (r->tmp) {
			fd = r->fd;
			af->tmp = r->tmp;
			af->dirfd = r->dirfd;
			r->tmp = NULL;
			r->dirfd = -1;
		} else if (r->error) {
			errno = r->error;
			r->error = 0;
			util_warn("%s: cannot create a temporary file beside it", path);
			return -1;
		}
		break;
	}
	if (fd == -1 && (fd = make_temp(path, &af->tmp)) == -1) {
		util_warn("%s: cannot create a temporary file beside it", path);
		return -1;
	}
	/* The old file's mode, owner and group (the owner where permitted:
	 * root may, others may give their file to a group they are in); a new
	 * file 0600, or 0660 in a group-shared folder, whatever the umask. */
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		if ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
		    fchown(fd, st.st_uid, st.st_gid) != 0)
			(void)fchown(fd, (uid_t)-1, st.st_gid);
		(void)fchmod(fd, st.st_mode & 0777);
	} else {
		(void)fchmod(fd, new_mode(path));
	}
	if ((af->fp = fdopen(fd, "w")) == NULL) {
		util_warn("%s", af->tmp);
		close(fd);
		afile_abort(af);
		return -1;
	}
	af->path = util_xstrdup(path);
	return 0;
}

void
afile_abort(struct afile *af)
{
	if (af->fp)
		fclose(af->fp);
	if (af->tmp)
		unlink(af->tmp);
	if (af->dirfd >= 0)
		close(af->dirfd);
	free(af->tmp);
	free(af->path);
	memset(af, 0, sizeof *af);
	af->dirfd = -1;
}

int
afile_commit(struct afile *af)
{
	char *dir;
	int dfd, rc = 0;

	if (fflush(af->fp) != 0 || ferror(af->fp) || fsync(fileno(af->fp)) != 0) {
		util_warn("%s: write error, left unchanged", af->path);
		afile_abort(af);
		return -1;
	}
	if (fclose(af->fp) != 0) {
		af->fp = NULL;
		util_warn("%s: write error, left unchanged", af->path);
		afile_abort(af);
		return -1;
	}
	af->fp = NULL;
	if (rename(af->tmp, af->path) != 0) {
		util_warn("%s: cannot replace", af->path);
		afile_abort(af);
		return -1;
	}
	dir = dir_of(af->path);
	dfd = af->dirfd >= 0 ? af->dirfd : open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd != -1) {
		if (fsync(dfd) != 0 && errno != EINVAL) {
			util_warn("%s: fsync", dir);
			rc = -1;
		}
		close(dfd);
	}
	free(dir);
	free(af->tmp);
	free(af->path);
	memset(af, 0, sizeof *af);
	af->dirfd = -1;
	return rc;
}
