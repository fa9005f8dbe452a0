/* The policy schema: every key, its type, its range and, for the settings
 * the plan reads as numbers (monitor, release), its default, in one table. */
#include <limits.h>

#include "policy.h"

static const char *const on_error_choices[] = { "fallback", "fail", NULL };
static const char *const children_choices[] = { "inherit", "clean", NULL };
static const char *const je_thp_choices[] = { "default", "always", "never", NULL };
static const char *const je_metadata_thp_choices[] = { "disabled", "auto", "always", NULL };
static const char *const heap_check_choices[] = {
        "minimal", "normal", "strict", "draconian", "as-is", "local", NULL
};

#define GIB (1LL << 30)
#define HOUR_MS (3600LL * 1000)

const struct key_spec policy_keys[K__COUNT] = {
        [K_ALLOCATOR]            = { NULL, "allocator", VK_STRING, 0, 0, 0, 0, NULL },
        [K_LIBRARY]              = { NULL, "library", VK_PATH, 0, 0, 0, 0, NULL },
        [K_ON_ERROR]             = { NULL, "on_error", VK_CHOICE, 0, 0, 0, 0, on_error_choices },
        [K_CHILDREN]             = { NULL, "children", VK_CHOICE, 0, 0, 0, 0, children_choices },
        /* glibc clamps what it cannot use; these ranges are what it accepts */
        [K_GLIBC_ARENA_MAX]      = { "glibc", "arena_max", VK_INT_AUTO, 1, 1024, 0, 0, NULL },
        [K_GLIBC_TRIM_THRESHOLD] = { "glibc", "trim_threshold", VK_SIZE, 0, 64 * GIB, 0, 0, NULL },
        [K_GLIBC_MMAP_THRESHOLD] = { "glibc", "mmap_threshold", VK_SIZE, 0, 32LL << 20, 0, 0, NULL },
        [K_GLIBC_TOP_PAD]        = { "glibc", "top_pad", VK_SIZE, 0, 64 * GIB, 0, 0, NULL },
        [K_GLIBC_TCACHE_COUNT]   = { "glibc", "tcache_count", VK_INT, 0, 65535, 0, 0, NULL },
        [K_GLIBC_MXFAST]         = { "glibc", "mxfast", VK_INT, 0, 160, 0, 0, NULL },
        /* 1: madvise(MADV_HUGEPAGE), 2: MAP_HUGETLB pages of the default size */
        [K_GLIBC_HUGETLB]        = { "glibc", "hugetlb", VK_INT, 0, 2, 0, 0, NULL },
        [K_JE_BACKGROUND_THREAD] = { "jemalloc", "background_thread", VK_BOOL, 0, 1, 0, 0, NULL },
        /* -1 means "never decay" to jemalloc */
        [K_JE_DIRTY_DECAY_MS]    = { "jemalloc", "dirty_decay_ms", VK_INT, -1, 24 * HOUR_MS, 0, 0, NULL },
        [K_JE_MUZZY_DECAY_MS]    = { "jemalloc", "muzzy_decay_ms", VK_INT, -1, 24 * HOUR_MS, 0, 0, NULL },
        [K_JE_NARENAS]           = { "jemalloc", "narenas", VK_INT_AUTO, 1, 4096, 0, 0, NULL },
        [K_JE_EXTRA]             = { "jemalloc", "extra", VK_STRING, 0, 0, 0, 0, NULL },
        [K_JE_THP]               = { "jemalloc", "thp", VK_CHOICE, 0, 0, 0, 0, je_thp_choices },
        [K_JE_METADATA_THP]      = { "jemalloc", "metadata_thp", VK_CHOICE, 0, 0, 0, 0, je_metadata_thp_choices },
        [K_TC_RELEASE_RATE]      = { "tcmalloc", "release_rate", VK_DOUBLE, 0, 0, 0.0, 100.0, NULL },
        [K_TC_AGGRESSIVE_DECOMMIT] = { "tcmalloc", "aggressive_decommit", VK_BOOL, 0, 1, 0, 0, NULL },
        [K_TC_MAX_TOTAL_THREAD_CACHE_BYTES] = {
                "tcmalloc", "max_total_thread_cache_bytes", VK_SIZE, 0, 16 * GIB, 0, 0, NULL },
        [K_MI_PURGE_DELAY]       = { "mimalloc", "purge_delay", VK_INT, -1, HOUR_MS, 0, 0, NULL },
        [K_MI_ARENA_EAGER_COMMIT] = { "mimalloc", "arena_eager_commit", VK_INT, 0, 2, 0, 0, NULL },
        [K_MI_EAGER_COMMIT]      = { "mimalloc", "eager_commit", VK_BOOL, 0, 1, 0, 0, NULL },
        [K_MI_EAGER_COMMIT_DELAY] = { "mimalloc", "eager_commit_delay", VK_INT, 0, 1024, 0, 0, NULL },
        [K_MI_LARGE_OS_PAGES]    = { "mimalloc", "large_os_pages", VK_BOOL, 0, 1, 0, 0, NULL },
        [K_PROFILE_HEAP]         = { "profile", "heap", VK_PATH, 0, 0, 0, 0, NULL },
        [K_PROFILE_HEAP_CHECK]   = { "profile", "heap_check", VK_CHOICE, 0, 0, 0, 0, heap_check_choices },
        [K_MON_ENABLED]          = { "monitor", "enabled", VK_BOOL, 0, 1, 0, 0, NULL, 1 },
        [K_MON_STARTUP_SAMPLE_MS] = { "monitor", "startup_sample_ms", VK_INT, 0, HOUR_MS, 0, 0, NULL, 5000 },
        [K_MON_SAMPLE_INTERVAL_MS] = { "monitor", "sample_interval_ms", VK_INT, 10, HOUR_MS, 0, 0, NULL, 1000 },
        [K_MON_LOG_SAMPLES]      = { "monitor", "log_samples", VK_BOOL, 0, 1, 0, 0, NULL },
        [K_REL_ENABLED]          = { "release", "enabled", VK_BOOL, 0, 1, 0, 0, NULL },
        [K_REL_INTERVAL_MS]      = { "release", "interval_ms", VK_INT, 100, HOUR_MS, 0, 0, NULL, 1000 },
        [K_REL_MIN_FREE_KB]      = { "release", "min_free_kb", VK_INT, 0, 16LL << 20, 0, 0, NULL, 65536 },
};
