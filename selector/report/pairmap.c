/* Open addressing with linear probing; keys are compared by pointer. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pairmap.h"

/* splitmix64's finalizer over the pair: interned pointers differ in few bits */
static size_t slot_of(const struct pairmap *m, const void *p, long long n)
{
        uint64_t x = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ULL ^ (uint64_t)n;

        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        return (size_t)(x ^ (x >> 31)) & (m->cap - 1);
}

static struct pairmap_slot *find(const struct pairmap *m, const void *p, long long n)
{
        size_t k = slot_of(m, p, n);

        while (m->slots[k].p && (m->slots[k].p != p || m->slots[k].n != n))
                k = (k + 1) & (m->cap - 1);
        return &m->slots[k];
}

static int grow(struct pairmap *m)
{
        struct pairmap old = *m;

        m->cap = old.cap ? old.cap * 2 : 1024;
        m->slots = calloc(m->cap, sizeof(*m->slots));
        if (!m->slots) {
                *m = old;
                return -ENOMEM;
        }
        for (size_t i = 0; i < old.cap; i++)
                if (old.slots[i].p)
                        *find(m, old.slots[i].p, old.slots[i].n) = old.slots[i];
        free(old.slots);
        return 0;
}

int pairmap_set(struct pairmap *m, const void *p, long long n, size_t value)
{
        struct pairmap_slot *s;

        if ((m->count + 1) * 10 > m->cap * 7 && grow(m) < 0)
                return -ENOMEM;
        s = find(m, p, n);
        if (!s->p)
                m->count++;
        *s = (struct pairmap_slot){ p, n, value };
        return 0;
}

bool pairmap_get(const struct pairmap *m, const void *p, long long n, size_t *ret)
{
        const struct pairmap_slot *s;

        if (m->cap == 0)
                return false;
        s = find(m, p, n);
        if (s->p)
                *ret = s->value;
        return s->p != NULL;
}

void pairmap_free(struct pairmap *m)
{
        free(m->slots);
        memset(m, 0, sizeof(*m));
}
