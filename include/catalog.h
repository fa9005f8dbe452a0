/* The allocators allocsel knows: the built-in ones and those defined in
 * /etc/allocsel.conf, where their libraries are, and what each library reads. */
#ifndef ALLOCSEL_CATALOG_H
#define ALLOCSEL_CATALOG_H

#include <stdbool.h>

#include "diag.h"
#include "strv.h"

enum alloc_family { FAMILY_GLIBC, FAMILY_JEMALLOC, FAMILY_GPERFTOOLS, FAMILY_MIMALLOC, FAMILY_NONE };

struct allocator {
        char *name;
        enum alloc_family family;       /* which tuning section applies */
        bool gperftools_full;           /* libtcmalloc, not _minimal */
        struct strv sonames;            /* file names looked for in the directories */
        char *library;                  /* custom allocators: an absolute path */
        const char *file;               /* custom allocators: where defined */
        int line;
};

struct catalog {
        struct allocator *v;
        size_t n;
        struct strv dirs;               /* library directories, searched in order */
        char *global_file;              /* allocsel.conf if it was read */
        char *on_error;                 /* allocsel.conf's fleet-wide on_error, or NULL */
};

/* What the library that was found reads and can do, found by looking in it. */
struct library_traits {
        char version[64];
        char conf_var[32];              /* jemalloc: MALLOC_CONF or its prefixed name */
        bool jemalloc_prof;             /* jemalloc built with profiling */
        bool mimalloc_purge_names;      /* mimalloc >= 2.1: purge_delay, arena_eager_commit */
        bool heap_profiler;             /* gperftools: HEAPPROFILE */
        bool heap_checker;              /* gperftools < 2.17: HEAPCHECK */
};

int catalog_init(struct catalog *c);
/* Reads library_dirs, allocators and on_error from the global file
 * (missing is fine). */
int catalog_load_global(struct catalog *c, const char *path, bool check_owner, struct diags *d);
void catalog_free(struct catalog *c);

const struct allocator *catalog_find(const struct catalog *c, const char *name);
const char *catalog_suggest(const struct catalog *c, const char *name);
const char *family_name(enum alloc_family f);

/* The first usable library for a, or -ENOENT with *ret_why saying what was tried. */
int catalog_locate(const struct catalog *c, const struct allocator *a, char **ret_path, char **ret_why);

/* 0 when path is a regular ELF shared object of our class and machine,
 * otherwise -errno with *ret_why a sentence naming path. */
int library_check(const char *path, char **ret_why);

/* Whether a library name or path (LD_PRELOAD entry, DT_NEEDED) is an allocator. */
bool catalog_is_allocator_library(const struct catalog *c, const char *name);

/* What to find out: looking through a whole library costs page faults on
 * every start, so the exec path asks only for what its plan uses. */
enum {
        PROBE_VERSION = 1 << 0,
        PROBE_CONF_VAR = 1 << 1,        /* jemalloc's MALLOC_CONF name */
        PROBE_PROFILING = 1 << 2,       /* jemalloc prof, gperftools heap tools */
        PROBE_OPTION_NAMES = 1 << 3,    /* mimalloc 2.0 or 2.1 names */
        PROBE_ALL = (1 << 4) - 1,
};

int library_probe(const char *path, enum alloc_family family, unsigned want, struct library_traits *t);

#endif
