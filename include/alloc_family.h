/* The allocator families: which tuning section applies, and the name
 * records carry in ALLOCSEL_ALLOCATOR_FAMILY. */
#ifndef ALLOCSEL_ALLOC_FAMILY_H
#define ALLOCSEL_ALLOC_FAMILY_H

enum alloc_family { FAMILY_GLIBC, FAMILY_JEMALLOC, FAMILY_GPERFTOOLS, FAMILY_MIMALLOC, FAMILY_NONE };

/* "glibc", "jemalloc", "tcmalloc" (gperftools), "mimalloc" or "none". */
const char *family_name(enum alloc_family f);

/* The family of such a name: 0, or -EINVAL for any other (NULL too). */
int family_from_name(const char *name, enum alloc_family *ret);

#endif
