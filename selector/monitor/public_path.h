/* Paths a sender names (its library): the monitor runs as root, so it
 * reads or even stats only what any user could. */
#ifndef ALLOCSEL_PUBLIC_PATH_H
#define ALLOCSEL_PUBLIC_PATH_H

#include <sys/stat.h>

/* Whether path is a regular file of at most max_size bytes that any user
 * may read: every directory on its resolved path searchable by others, the
 * file readable by others. 0 with *ret_resolved (caller frees) and *ret_st,
 * or -EPERM (or -errno) without touching anything but directories' and the
 * file's metadata; nothing is opened. */
int public_file(const char *path, off_t max_size, char **ret_resolved, struct stat *ret_st);

/* Opens a file public_file() accepted, no link followed, without blocking,
 * and only if it is still the same file. The descriptor, or -errno. */
int public_file_open(const char *resolved, const struct stat *st);

#endif
