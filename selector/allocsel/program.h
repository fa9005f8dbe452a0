/* Finding the program like env(1) does and looking at it before exec:
 * some programs cannot take a preloaded allocator. */
#ifndef ALLOCSEL_PROGRAM_H
#define ALLOCSEL_PROGRAM_H

#include "catalog.h"

/* As execvp finds it: name as given when it has a '/', else the first
 * executable match on path_env (NULL: execvp's default), an empty element
 * being the current directory. Returns 0 with *ret_path, or the error
 * execvp would end with (-ENOENT, -EACCES, -ENOTDIR...), or -ENOMEM. */
int program_find(const char *name, const char *path_env, char **ret_path);

/* 0 when the preloads can reach path, 1 when they cannot or it cannot be
 * told (with *ret_reason saying why, e.g. "static executable", "cannot be
 * inspected"), or -ENOMEM. allocator: an allocator library is preloaded,
 * so a program that links one already is an obstacle too. */
int program_preload_obstacle(const char *path, const struct catalog *c, bool allocator, char **ret_reason);

#endif
