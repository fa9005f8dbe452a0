/* A library allocsel preloads (an allocator, the release helper): opened
 * once, by the path exactly as it goes into LD_PRELOAD, then checked and
 * probed through that one descriptor. */
#ifndef ALLOCSEL_LIBRARY_H
#define ALLOCSEL_LIBRARY_H

#include <stdbool.h>

#include "library_probe.h"

struct library_query {
        bool check_owner;               /* the ownership rules of trust.h */
        bool replaces_malloc;           /* an allocator: must export malloc and free */
        enum alloc_family family;       /* what to look for in it */
        unsigned probe;                 /* PROBE_* */
};

/* Results by path for one run over many policies (--check): a library
 * unchanged since (same device, inode, size, times) is not read again. */
struct library_cache;
struct library_cache *library_cache_new(void);
void library_cache_free(struct library_cache *cache);

/* ld.so splits LD_PRELOAD on whitespace and ':' and expands '$' tokens
 * ($ORIGIN, $LIB, $PLATFORM): 0, or -EINVAL with *ret_why a sentence
 * naming path and the character. */
int library_path_check(const char *path, char **ret_why);

/* Checks path as a library to preload and probes it, through one open
 * (trusted_open): 0 with *ret_traits filled, or -errno with *ret_why a
 * sentence naming path: -EINVAL (a path ld.so would split), -ENOENT,
 * -EPERM or -ELOOP (untrusted, or not a regular file), -ENOEXEC or
 * -EBADMSG (not a shared library of ours, or no malloc in it). cache may
 * be NULL. */
int library_load(struct library_cache *cache, const char *path, const struct library_query *q,
                 struct library_traits *ret_traits, char **ret_why);

#endif
