/* What an allocator library reads and can do, found by looking in it:
 * the launcher probes the library it preloads, the monitor asks the
 * version of the one a record names. */
#ifndef ALLOCSEL_LIBRARY_PROBE_H
#define ALLOCSEL_LIBRARY_PROBE_H

#include <stdbool.h>

#include "alloc_family.h"
#include "elf_info.h"

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

/* Probes a descriptor whose ELF headers were read into info (with
 * ELF_EXPORTS); what it cannot find stays empty. */
void library_probe_fd(int fd, const struct elf_info *info, enum alloc_family family, unsigned want,
                      struct library_traits *t);

/* glibc's malloc is in the C library allocsel runs on. */
void library_glibc_traits(struct library_traits *t);

#endif
