#include "afile.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
afile_lock(const char *path, int wait)
{
	struct util_buf name = {0};
	struct flock fl;
	int fd;

	util_buf_adds(&name, path);
	util_buf_adds(&name, ".lock");
	if ((fd = open(util_buf_str(&name), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1) {
		util_warn("%s", name.p);
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
	return fd;
}

void
afile_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* closing drops the fcntl lock */
}

static char *
dir_of(const char *path)
{
	char *copy = util_xstrdup(path);
	char *d = util_xstrdup(dirname(copy));

	free(copy);
	return d;
}

int
afile_begin(struct afile *af, const char *path)
{
	struct util_buf t = {0};
	struct stat st;
	char *dir = dir_of(path);
	char *copy = util_xstrdup(path);
	int fd;

	memset(af, 0, sizeof *af);
	util_buf_adds(&t, dir);
	util_buf_adds(&t, "/.");
	util_buf_adds(&t, basename(copy));
	util_buf_adds(&t, ".XXXXXX");
	free(copy);
	free(dir);
	af->tmp = util_buf_str(&t);
	if ((fd = mkstemp(af->tmp)) == -1) {
		util_warn("%s: cannot create a temporary file beside it", path);
		free(af->tmp);
		af->tmp = NULL;
		return -1;
	}
	/* Keep the old file's mode; a new file gets 0644 less the umask. */
	if (stat(path, &st) == 0) {
		fchmod(fd, st.st_mode & 07777);
	} else {
		mode_t um = umask(0);

		umask(um);
		fchmod(fd, 0644 & ~um);
	}
	if ((af->fp = fdopen(fd, "w")) == NULL) {
		util_warn("%s", af->tmp);
		close(fd);
		unlink(af->tmp);
		free(af->tmp);
		af->tmp = NULL;
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
	free(af->tmp);
	free(af->path);
	memset(af, 0, sizeof *af);
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
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
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
	return rc;
}
