/* FNV-1a, 64 bits: a stable hash (the same on every host and run) for
 * hash tables and the policy digest. Not for anything secret. */
#ifndef ALLOCSEL_FNV_H
#define ALLOCSEL_FNV_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A64_INIT 0xcbf29ce484222325ULL

static inline uint64_t fnv1a64(uint64_t h, const void *data, size_t len)
{
        const unsigned char *p = data;

        for (size_t i = 0; i < len; i++) {
                h ^= p[i];
                h *= 0x100000001b3ULL;
        }
        return h;
}

#endif
