/* Whether a file may be trusted: a policy injects code into a service, so
 * the file and every directory on its path (symlinks followed, each link a
 * trusted user's too) must belong to a trusted user and be writable by
 * nobody else. Trusted are root and the user allocsel runs as (a User=
 * service may hold capabilities: a third user's file must never reach it).
 * A sticky directory such as /tmp is allowed only above the directory that
 * holds the file. Nothing but a regular file (or directory) is opened, so
 * a FIFO never blocks. */
#ifndef ALLOCSEL_TRUST_H
#define ALLOCSEL_TRUST_H

#include <stdbool.h>
#include <sys/types.h>

/* uid is root or the user allocsel runs as (its effective UID). */
bool trusted_owner(uid_t uid);

/* 0 when trusted_owner(uid); else -EPERM with *ret_why a sentence naming
 * path and whom it belongs to. */
int trusted_owner_check(uid_t uid, const char *path, char **ret_why);

/* Opens path read-only, checking it as given, component by component.
 * With check_owner (allocsel always asks for it; tests may not), refuses
 * (-EPERM, or -ELOOP, with *ret_why set to a sentence naming the offending
 * path) a file, symlink or directory that is not a trusted user's or is
 * writable by group or others. Without, only refuses what is not a regular
 * file. -ENOENT when missing; other -errno otherwise. */
int trusted_open(const char *path, bool check_owner, int *ret_fd, char **ret_why);

enum {
        TRUST_OWNER = 1 << 0,           /* the ownership rules above */
        TRUST_STICKY_HOLDER = 1 << 1,   /* a candidate to validate, never used
                                           in place: a tool's temporary file in /tmp */
};
int trusted_open_flags(const char *path, unsigned flags, int *ret_fd, char **ret_why);

/* The same checks for a path allocsel will not read itself (a library):
 * the path checked is exactly the one to hand to ld.so. */
int trusted_path(const char *path, bool check_owner, char **ret_why);

/* name below dirfd, a directory trusted_dir_open() opened as dir: the same
 * checks as trusted_open_flags(dir/name), without walking dir again. */
int trusted_open_at(int dirfd, const char *dir, const char *name, unsigned flags, int *ret_fd, char **ret_why);

/* A directory, opened O_RDONLY|O_DIRECTORY (a policy directory): as the
 * holder of trusted files, it may not be writable by others even if sticky. */
int trusted_dir_open(const char *path, bool check_owner, int *ret_fd, char **ret_why);

#endif
