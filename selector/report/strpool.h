/* Interned strings: each distinct string stored once, so that the fleet
 * report's 100,000 runs share their host, service and allocator names and
 * compare them by pointer. */
#ifndef ALLOCSEL_STRPOOL_H
#define ALLOCSEL_STRPOOL_H

#include <stddef.h>
#include <stdint.h>

struct strpool_slot {
        const char *s;
        size_t len;
        uint64_t hash;
};

struct strpool_chunk;

struct strpool {
        struct strpool_slot *slots;     /* open addressing, a power of two */
        size_t cap, n;
        struct strpool_chunk *chunks;   /* where the strings live */
};

/* The pool's copy of s[0..len) (NUL-terminated; s need not be), or NULL
 * when out of memory. Valid until strpool_free(). */
const char *strpool_intern(struct strpool *p, const char *s, size_t len);
void strpool_free(struct strpool *p);

#endif
