/* The allocators allocsel knows: the built-in ones and those defined in
 * /etc/allocsel.conf, and where their libraries are. */
#ifndef ALLOCSEL_CATALOG_H
#define ALLOCSEL_CATALOG_H

#include <stdbool.h>

#include "alloc_family.h"
#include "diag.h"
#include "library.h"
#include "strv.h"

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

int catalog_init(struct catalog *c);
/* Reads library_dirs, allocators and on_error from the global file
 * (missing is fine). */
int catalog_load_global(struct catalog *c, const char *path, bool check_owner, struct diags *d);
void catalog_free(struct catalog *c);

const struct allocator *catalog_find(const struct catalog *c, const char *name);
const char *catalog_suggest(const struct catalog *c, const char *name);

/* The first usable library for a (its own library, else the first of its
 * sonames in the directories), loaded with library_load(): 0 with
 * *ret_path and *ret_traits, or -errno with *ret_why saying what was tried. */
int catalog_locate(const struct catalog *c, const struct allocator *a, struct library_cache *cache,
                   const struct library_query *q, char **ret_path, struct library_traits *ret_traits,
                   char **ret_why);

/* Whether a library name or path (LD_PRELOAD entry, DT_NEEDED) is an allocator. */
bool catalog_is_allocator_library(const struct catalog *c, const char *name);

#endif
