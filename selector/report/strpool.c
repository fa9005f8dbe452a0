/* String interning: an open-addressing table over chunks of storage. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fnv.h"
#include "strpool.h"

#define CHUNK_SIZE ((size_t)64 * 1024)

struct strpool_chunk {
        struct strpool_chunk *next;
        size_t used, size;
        char data[];
};

static char *store(struct strpool *p, const char *s, size_t len)
{
        struct strpool_chunk *c = p->chunks;
        char *dst;

        if (!c || c->size - c->used < len + 1) {
                size_t size = len + 1 > CHUNK_SIZE ? len + 1 : CHUNK_SIZE;

                c = malloc(sizeof(*c) + size);
                if (!c)
                        return NULL;
                c->used = 0;
                c->size = size;
                /* a string too long for a chunk of its own goes behind the current one */
                if (size > CHUNK_SIZE && p->chunks) {
                        c->next = p->chunks->next;
                        p->chunks->next = c;
                } else {
                        c->next = p->chunks;
                        p->chunks = c;
                }
        }
        dst = c->data + c->used;
        memcpy(dst, s, len);
        dst[len] = '\0';
        c->used += len + 1;
        return dst;
}

static int grow(struct strpool *p)
{
        size_t cap = p->cap ? p->cap * 2 : 1024;
        struct strpool_slot *slots = calloc(cap, sizeof(*slots));

        if (!slots)
                return -ENOMEM;
        for (size_t i = 0; i < p->cap; i++) {
                size_t k;

                if (!p->slots[i].s)
                        continue;
                for (k = p->slots[i].hash & (cap - 1); slots[k].s; k = (k + 1) & (cap - 1))
                        ;
                slots[k] = p->slots[i];
        }
        free(p->slots);
        p->slots = slots;
        p->cap = cap;
        return 0;
}

const char *strpool_intern(struct strpool *p, const char *s, size_t len)
{
        uint64_t h = fnv1a64(FNV1A64_INIT, s, len);
        size_t k;

        if ((p->n + 1) * 10 > p->cap * 7 && grow(p) < 0)
                return NULL;
        for (k = h & (p->cap - 1); p->slots[k].s; k = (k + 1) & (p->cap - 1))
                if (p->slots[k].hash == h && p->slots[k].len == len && memcmp(p->slots[k].s, s, len) == 0)
                        return p->slots[k].s;
        p->slots[k].s = store(p, s, len);
        if (!p->slots[k].s)
                return NULL;
        p->slots[k].len = len;
        p->slots[k].hash = h;
        p->n++;
        return p->slots[k].s;
}

void strpool_free(struct strpool *p)
{
        while (p->chunks) {
                struct strpool_chunk *next = p->chunks->next;

                free(p->chunks);
                p->chunks = next;
        }
        free(p->slots);
        memset(p, 0, sizeof(*p));
}
