/* Building the program's environment as a new array, and editing the list
 * variables in it (LD_PRELOAD, GLIBC_TUNABLES, MALLOC_CONF) entry by entry. */
#ifndef ALLOCSEL_ENVBUILD_H
#define ALLOCSEL_ENVBUILD_H

#include <stdbool.h>

#include "catalog.h"
#include "strv.h"

/* LD_PRELOAD with lib first (none for glibc), then the NULL-terminated
 * after (allocsel's own helpers, or NULL), the caller's other entries kept
 * and every allocator entry removed. *ret is NULL when nothing is left. */
int preload_edit(const char *old, const char *lib, const char *const *after, const struct catalog *c,
                 char **ret);

/* Merges "key<assign>value" entries, separated by sep, of updates over old:
 * a key already there gets the new value in its place, new keys go last. */
int list_merge(const char *old, char sep, char assign, const struct strv *updates, char **ret);

/* envp with every "NAME=value" of changes set (replacing NAME) and every
 * bare "NAME" of changes removed. */
int env_apply(char *const *envp, const struct strv *changes, struct strv *ret);

/* The kernel's limit for one "NAME=value" passed to a program, its NUL
 * included (MAX_ARG_STRLEN: 32 pages); execve() fails with E2BIG beyond. */
size_t env_string_max(void);

/* 1 with *ret_why saying which variable of envp is over that limit, 0 when
 * none is, -ENOMEM. */
int env_too_long(char *const *envp, char **ret_why);

#endif
