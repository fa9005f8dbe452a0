/* A map from a pair (an interned string, a number) to an index: how the
 * fleet report finds the run that a record belongs to, by boot ID and PID
 * or by invocation ID. */
#ifndef ALLOCSEL_PAIRMAP_H
#define ALLOCSEL_PAIRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct pairmap_slot {
        const void *p;                  /* NULL: empty */
        long long n;
        size_t value;
};

struct pairmap {
        struct pairmap_slot *slots;     /* open addressing, a power of two */
        size_t cap, count;
};

/* p must not be NULL. Returns 0 or -ENOMEM; replaces an existing value. */
int pairmap_set(struct pairmap *m, const void *p, long long n, size_t value);
bool pairmap_get(const struct pairmap *m, const void *p, long long n, size_t *ret);
void pairmap_free(struct pairmap *m);

#endif
