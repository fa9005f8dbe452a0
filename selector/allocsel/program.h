/* Finding the program like env(1) does and looking at it before exec:
 * some programs cannot take a preloaded allocator. */
#ifndef ALLOCSEL_PROGRAM_H
#define ALLOCSEL_PROGRAM_H

#include "catalog.h"

/* name as given when it has a '/', else the first executable match on
 * path_env (or the default path). Returns 0, -ENOENT or -EACCES. */
int program_find(const char *name, const char *path_env, char **ret_path);

/* 0 when a library can be preloaded into path, 1 when it cannot (with
 * *ret_reason saying why, e.g. "static executable"), or -errno. */
int program_preload_obstacle(const char *path, const struct catalog *c, char **ret_reason);

#endif
