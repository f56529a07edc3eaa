/* afile: state files replaced atomically under a lock. The new contents go to
 * a temporary file in the same folder, which is fsynced and renamed over the
 * old one, and the folder is fsynced: a crash leaves the old file or the new
 * one, never a torn one. The lock is an fcntl(2) lock on "FILE.lock", so it
 * survives the rename and dies with the process.
 *
 * Private by default: a new file (lock, temporary, state) is 0600, or 0660
 * in a set-group-ID folder (shared with its group on purpose), whatever the
 * umask; a replaced file keeps its mode, owner and group. Lock and temporary
 * files are never opened through a symbolic link. A state file that others
 * may write to, or that lies in a folder they may write to, is refused, as
 * OpenSSH's StrictModes refuses such keys (see afile_check). */
#ifndef BK_AFILE_H
#define BK_AFILE_H

#include <stdio.h>

/* The long option that turns afile_check off, the same in every program
 * that writes files: { AFILE_NO_STRICT_OPTION, no_argument, NULL,
 * AFILE_NO_STRICT_VAL }, no letter (AFILE_NO_STRICT_LETTER for opt_reject).
 * Its value is far from the 1, 2, ... that programs number their own long
 * options without a letter by. */
#define AFILE_NO_STRICT_OPTION "no-strict-modes"
#define AFILE_NO_STRICT_VAL 31
#define AFILE_NO_STRICT_LETTER "\37"

/* 0: afile_check accepts anything (--no-strict-modes). Default 1. */
void afile_strict_modes(int on);

/* Refuses, with a message naming the problem and the fix, a state file
 * that is a symbolic link, that others than its owner (or, in a group-shared
 * set-group-ID folder, its group) may write to, that is owned by another
 * user, or whose folder or a folder above it others may write to (a sticky
 * folder above, such as /tmp, is fine) or is owned by another user than root.
 * 0 when fine, or when the file or its folder does not exist (the caller
 * reports that as it does today); -1 refused. afile_lock calls it. */
int afile_check(const char *path);

/* Checks path (afile_check), takes the lock for path. wait: block until
 * free; else fail at once. Returns a descriptor to pass to afile_unlock, or
 * -1 with a message printed ("locked by another run" when busy). Declares the
 * folder to the sandbox for the atomic replacement, and has the temporary
 * file made before the sandbox goes on (sandbox_before). With the lock taken,
 * the temporary files that killed runs left beside path are removed, whatever
 * the kind of state (plans, the suppression list, offsets). */
int afile_lock(const char *path, int wait);
void afile_unlock(int fd);
/* Makes path, unless there is one, as a new state file is made (0600, 0660
 * in a group-shared folder; never through a symbolic link), for a store
 * that then opens it itself (SQLite). 0, or -1 with a message. */
int afile_create(const char *path);

struct afile {
	char *path;	/* the file to replace */
	char *tmp;	/* the temporary file beside it */
	FILE *fp;	/* write the new contents here */
	int dirfd;	/* the folder, to fsync it; -1: opened at commit */
};

/* Opens a temporary file beside path (the one made for the sandbox if there
 * is one). 0, or -1 with a message. */
int afile_begin(struct afile *af, const char *path);
/* Flushes, fsyncs, renames over path, fsyncs the folder. 0, or -1 with a
 * message; on failure the old file is untouched and the temporary removed. */
int afile_commit(struct afile *af);
/* Drops the temporary file; the old file is untouched. */
void afile_abort(struct afile *af);

#endif
