/* Whether a file may be trusted: a policy injects code into a service, so
 * as root every file and every directory above it must belong to root and be
 * writable by nobody else (a sticky directory such as /tmp excepted). */
#ifndef ALLOCSEL_TRUST_H
#define ALLOCSEL_TRUST_H

#include <stdbool.h>

/* Opens path read-only. With check_owner, refuses (-EPERM, *ret_why set to
 * a sentence naming the offending path) a file or ancestor directory that is
 * not root's or is writable by group or others. -ENOENT when missing. */
int trusted_open(const char *path, bool check_owner, int *ret_fd, char **ret_why);

/* The same checks for a path allocsel will not open itself (a library). */
int trusted_path(const char *path, bool check_owner, char **ret_why);

#endif
