/* What the runtime bench found a low-RSS policy's allocator cannot do, as
 * notes for --explain: where it does not give memory back, or costs more
 * than 1.10 times plain glibc's CPU, with the figures (make bench,
 * bench/runtimes.sh; the README's runtime table, 2026-12-07). Said where
 * the operator chooses, not only in the documentation. */
#include <stdbool.h>
#include <stddef.h>

#include "plan.h"

/* Below this total thread cache tcmalloc's CPU cost on many busy threads
 * was measured (1 MiB: the low-rss-tcmalloc policy); 16 MiB came within
 * 10 % of plain. */
#define TCMALLOC_SMALL_CACHE (16LL << 20)

/* Whether a limit applies to the plan: the shape of the shipped policy it
 * was measured on. */
static bool always(const struct plan *pl)
{
        (void)pl;
        return true;
}

static bool small_thread_cache(const struct plan *pl)
{
        const struct setting *cache = &pl->policy.s[K_TC_MAX_TOTAL_THREAD_CACHE_BYTES];

        return cache->set && cache->i < TCMALLOC_SMALL_CACHE;
}

static bool release_helper(const struct plan *pl)
{
        return pl->release.enabled;
}

static bool background_thread(const struct plan *pl)
{
        const struct setting *bg = &pl->policy.s[K_JE_BACKGROUND_THREAD];

        return bg->set && bg->i;
}

static const struct limit {
        enum alloc_family family;
        bool (*applies)(const struct plan *pl);
        const char *note;
} limits[] = {
        { FAMILY_MIMALLOC, always,
          "mimalloc gives a page freed by another thread back only when the thread that owns it allocates "
          "again: services whose threads free each other's memory and then idle keep it. make bench, 5 s "
          "into idle with low-rss-mimalloc, of what was freed: Ruby gave back 17 %, Java 30 %, Node 37 %, "
          "Python (asyncio + threads) 1 %; no setting of mimalloc 2.0 changed that (page_reset, "
          "abandoned_page_reset, eager_commit = 0, measured). For multi-threaded runtimes use "
          "low-rss-glibc or low-rss-jemalloc" },
        { FAMILY_GPERFTOOLS, small_thread_cache,
          "a total thread cache under 16 MiB costs CPU on many busy threads: make bench, low-rss-tcmalloc "
          "(1 MiB) against plain glibc: Ruby (16 threads) 1.54x the CPU and 0.64x the requests/s, Node "
          "(8 workers) 1.75x, Python (8 threads) 1.25x. 16 to 32 MiB brought Ruby to 1.02-1.09x but "
          "left 99-108 MiB resident instead of 67. For multi-threaded runtimes use low-rss-glibc or "
          "low-rss-jemalloc" },
        { FAMILY_GLIBC, release_helper,
          "make bench: the release helper gave back 89-99 % of what was freed on Ruby, Java, Node and "
          "Python at 0.67-1.00x plain glibc's CPU; but Ruby with 16 busy threads on a loaded machine "
          "cost 1.02-1.37x (eight runs; 0.94-1.13x without glibc.mxfast = 0). low-rss-jemalloc stayed "
          "within 1.07x on Ruby" },
        { FAMILY_JEMALLOC, background_thread,
          "make bench: gave back 88-98 % of what was freed on Ruby, Java, Node and Python at 0.67-1.02x "
          "plain glibc's CPU (over three runs, Node with 8 workers 0.93-1.11x)" },
};

int plan_limit_notes(struct plan *pl)
{
        if (!pl->allocator)
                return 0;
        for (size_t i = 0; i < sizeof(limits) / sizeof(*limits); i++)
                if (limits[i].family == pl->allocator->family && limits[i].applies(pl)) {
                        int r = strv_push(&pl->notes, limits[i].note);

                        if (r < 0)
                                return r;
                }
        return 0;
}
