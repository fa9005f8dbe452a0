/* Whether a file may be trusted: a policy injects code into a service, so
 * as root the file and every directory on its path (symlinks followed, each
 * link root's too) must belong to root and be writable by nobody else. A
 * sticky directory such as /tmp is allowed only above the directory that
 * holds the file. Nothing but a regular file (or directory) is opened, so
 * a FIFO never blocks. */
#ifndef ALLOCSEL_TRUST_H
#define ALLOCSEL_TRUST_H

#include <stdbool.h>

/* Opens path read-only, checking it as given, component by component.
 * With check_owner, refuses (-EPERM, or -ELOOP, with *ret_why set to a
 * sentence naming the offending path) a file, symlink or directory that is
 * not root's or is writable by group or others. Without, only refuses what
 * is not a regular file. -ENOENT when missing; other -errno otherwise. */
int trusted_open(const char *path, bool check_owner, int *ret_fd, char **ret_why);

enum {
        TRUST_OWNER = 1 << 0,           /* as root: the ownership rules above */
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
