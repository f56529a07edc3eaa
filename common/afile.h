/* afile: state files replaced atomically under a lock. The new contents go to
 * a temporary file in the same folder, which is fsynced and renamed over the
 * old one, and the folder is fsynced: a crash leaves the old file or the new
 * one, never a torn one. The lock is an fcntl(2) lock on "FILE.lock", so it
 * survives the rename and dies with the process. */
#ifndef BK_AFILE_H
#define BK_AFILE_H

#include <stdio.h>

/* Takes the lock for path. wait: block until free; else fail at once.
 * Returns a descriptor to pass to afile_unlock, or -1 with a message printed
 * ("locked by another run" when busy). */
int afile_lock(const char *path, int wait);
void afile_unlock(int fd);

struct afile {
	char *path;	/* the file to replace */
	char *tmp;	/* the temporary file beside it */
	FILE *fp;	/* write the new contents here */
};

/* Opens a temporary file beside path. 0, or -1 with a message. */
int afile_begin(struct afile *af, const char *path);
/* Flushes, fsyncs, renames over path, fsyncs the folder. 0, or -1 with a
 * message; on failure the old file is untouched and the temporary removed. */
int afile_commit(struct afile *af);
/* Drops the temporary file; the old file is untouched. */
void afile_abort(struct afile *af);

#endif
