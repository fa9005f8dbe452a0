/* A library allocsel preloads (an allocator, the release helper): opened
 * once, by the path exactly as it goes into LD_PRELOAD, then checked and
 * probed through that one descriptor. */
#ifndef ALLOCSEL_LIBRARY_H
#define ALLOCSEL_LIBRARY_H

#include <stdbool.h>

#include "elf_info.h"

enum alloc_family { FAMILY_GLIBC, FAMILY_JEMALLOC, FAMILY_GPERFTOOLS, FAMILY_MIMALLOC, FAMILY_NONE };

/* What the library reads and can do, found by looking in it. */
struct library_traits {
        char version[64];
        char conf_var[32];              /* jemalloc: MALLOC_CONF or its prefixed name */
        bool jemalloc_prof;             /* jemalloc built with profiling */
        bool mimalloc_purge_names;      /* mimalloc >= 2.1: purge_delay, arena_eager_commit */
        bool heap_profiler;             /* gperftools: HEAPPROFILE */
        bool heap_checker;              /* gperftools < 2.17: HEAPCHECK */
};

/* What to find out: looking through a whole library costs reading it on
 * every start, so the exec path asks only for what its plan uses. */
enum {
        PROBE_VERSION = 1 << 0,
        PROBE_CONF_VAR = 1 << 1,        /* jemalloc's MALLOC_CONF name */
        PROBE_PROFILING = 1 << 2,       /* jemalloc prof, gperftools heap tools */
        PROBE_OPTION_NAMES = 1 << 3,    /* mimalloc 2.0 or 2.1 names */
        PROBE_ALL = (1 << 4) - 1,
};

struct library_query {
        bool check_owner;               /* as root: the rules of trust.h */
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

/* Probes a descriptor whose ELF headers were read into info (with
 * ELF_EXPORTS); what it cannot find stays empty. */
void library_probe_fd(int fd, const struct elf_info *info, enum alloc_family family, unsigned want,
                      struct library_traits *t);

/* glibc's malloc is in the C library allocsel runs on. */
void library_glibc_traits(struct library_traits *t);

#endif
