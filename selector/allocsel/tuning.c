/* Per-allocator translation: one policy name, the variable this library reads. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envbuild.h"
#include "tuning.h"

bool glibc_at_least(const char *version, unsigned long want_minor)
{
        char *end;
        unsigned long major = strtoul(version, &end, 10), minor;

        if (*end != '.')
                return true;    /* unknown: assume a recent glibc */
        minor = strtoul(end + 1, &end, 10);
        return major > 2 || (major == 2 && minor >= want_minor);
}

bool glibc_has_tunables(const char *version)
{
        return glibc_at_least(version, 26);
}

static const struct setting *get(const struct policy *p, enum policy_key k)
{
        return p->s[k].set ? &p->s[k] : NULL;
}

struct glibc_knob {
        enum policy_key key;
        const char *tunable;
        const char *legacy;     /* NULL: no variable before tunables existed */
        unsigned long since;    /* the glibc 2.x that has the tunable */
};

static const struct glibc_knob glibc_knobs[] = {
        { K_GLIBC_ARENA_MAX, "glibc.malloc.arena_max", "MALLOC_ARENA_MAX", 26 },
        { K_GLIBC_TRIM_THRESHOLD, "glibc.malloc.trim_threshold", "MALLOC_TRIM_THRESHOLD_", 26 },
        { K_GLIBC_MMAP_THRESHOLD, "glibc.malloc.mmap_threshold", "MALLOC_MMAP_THRESHOLD_", 26 },
        { K_GLIBC_TOP_PAD, "glibc.malloc.top_pad", "MALLOC_TOP_PAD_", 26 },
        { K_GLIBC_TCACHE_COUNT, "glibc.malloc.tcache_count", NULL, 26 },
        { K_GLIBC_MXFAST, "glibc.malloc.mxfast", NULL, 31 },
        { K_GLIBC_HUGETLB, "glibc.malloc.hugetlb", NULL, 35 },
};

#define GLIBC_DEFAULT_THRESHOLD (128LL * 1024)    /* mmap and trim thresholds, until changed */

/* Setting trim_threshold, top_pad or mmap_threshold turns glibc's dynamic
 * mmap threshold off for good (mallopt(3)); the dynamic rule would have
 * raised the mmap threshold to the blocks freed (up to 32 MiB) and kept
 * trim_threshold at twice it. One without the other costs page faults. */
static void glibc_threshold_warnings(const struct policy *p, struct diags *d)
{
        const struct setting *trim = get(p, K_GLIBC_TRIM_THRESHOLD), *pad = get(p, K_GLIBC_TOP_PAD);
        const struct setting *mmap = get(p, K_GLIBC_MMAP_THRESHOLD), *fixes = trim ? trim : pad;

        if (fixes && !mmap)
                diags_add(d, DIAG_WARNING, fixes->file, fixes->line,
                          "glibc.%s without glibc.mmap_threshold: setting it turns off glibc's dynamic mmap "
                          "threshold, so every allocation over 128 KiB becomes an mmap and munmap of its own, "
                          "its pages faulted in again on every use; set mmap_threshold above the blocks the "
                          "service allocates over and over, or leave %s out",
                          trim ? "trim_threshold" : "top_pad", trim ? "trim_threshold" : "top_pad");
        if (mmap && !trim && mmap->i * 2 > GLIBC_DEFAULT_THRESHOLD)
                diags_add(d, DIAG_WARNING, mmap->file, mmap->line,
                          "glibc.mmap_threshold without glibc.trim_threshold: trim_threshold stays at 128 KiB "
                          "instead of twice the mmap threshold (glibc's own rule), so blocks of up to %lld bytes "
                          "freed at the top of the heap go back to the kernel and are faulted in again by the next "
                          "allocations; set trim_threshold to %lld or more", mmap->i, mmap->i * 2);
}

static int glibc_changes(const struct policy *p, const struct library_traits *t, char *const *envp,
                         struct strv *changes, struct diags *d)
{
        bool tunables = glibc_has_tunables(t->version);
        struct strv updates = { 0 };
        char *merged;
        int r = 0;

        glibc_threshold_warnings(p, d);

        for (size_t i = 0; r == 0 && i < sizeof(glibc_knobs) / sizeof(glibc_knobs[0]); i++) {
                const struct glibc_knob *g = &glibc_knobs[i];
                const struct setting *s = get(p, g->key);

                if (!s)
                        continue;
                if (tunables && glibc_at_least(t->version, g->since))
                        r = strv_pushf(&updates, "%s=%lld", g->tunable, s->i);
                else if (!tunables && g->legacy)
                        r = strv_pushf(changes, "%s=%lld", g->legacy, s->i);
                else
                        diags_add(d, DIAG_WARNING, s->file, s->line,
                                  "glibc %s has no %s (glibc 2.%lu and later); ignored", t->version,
                                  g->tunable, g->since);
        }
        if (r == 0 && updates.n > 0) {
                r = list_merge(env_lookup(envp, "GLIBC_TUNABLES"), ':', '=', &updates, &merged);
                if (r == 0) {
                        r = strv_pushf(changes, "GLIBC_TUNABLES=%s", merged);
                        free(merged);
                }
        }
        strv_free(&updates);
        return r;
}

static int jemalloc_changes(const struct policy *p, const struct library_traits *t, char *const *envp,
                            struct strv *changes, struct diags *d)
{
        const struct setting *s;
        struct strv updates = { 0 };
        char *merged;
        int r = 0;

        if ((s = get(p, K_JE_BACKGROUND_THREAD)))
                r = strv_pushf(&updates, "background_thread:%s", s->i ? "true" : "false");
        if (r == 0 && (s = get(p, K_JE_DIRTY_DECAY_MS)))
                r = strv_pushf(&updates, "dirty_decay_ms:%lld", s->i);
        if (r == 0 && (s = get(p, K_JE_MUZZY_DECAY_MS)))
                r = strv_pushf(&updates, "muzzy_decay_ms:%lld", s->i);
        if (r == 0 && (s = get(p, K_JE_NARENAS)))
                r = strv_pushf(&updates, "narenas:%lld", s->i);
        if (r == 0 && (s = get(p, K_JE_THP)))
                r = strv_pushf(&updates, "thp:%s", s->s);
        if (r == 0 && (s = get(p, K_JE_METADATA_THP)))
                r = strv_pushf(&updates, "metadata_thp:%s", s->s);
        if (r == 0 && (s = get(p, K_PROFILE_HEAP))) {
                if (!t->jemalloc_prof)
                        diags_add(d, DIAG_ERROR, s->file, s->line,
                                  "profile.heap: this jemalloc was built without profiling");
                else if (strpbrk(s->s, ",:"))
                        diags_add(d, DIAG_ERROR, s->file, s->line,
                                  "profile.heap: jemalloc cannot take a prefix containing ',' or ':'");
                else
                        r = strv_pushf(&updates, "prof:true,prof_prefix:%s", s->s);
        }
        if (r == 0 && (s = get(p, K_PROFILE_HEAP_CHECK)))
                diags_add(d, DIAG_ERROR, s->file, s->line,
                          "profile.heap_check: needs gperftools' full tcmalloc, not jemalloc");
        if (r == 0 && (s = get(p, K_JE_EXTRA)))
                r = strv_push(&updates, s->s);
        if (r == 0 && updates.n > 0) {
                /* Entries may hold several pairs ("prof:true,prof_prefix:x"): split first. */
                char *joined = strv_join(&updates, ',');
                struct strv pairs = { 0 };

                r = joined ? strv_split(&pairs, joined, ",") : -ENOMEM;
                if (r == 0)
                        r = list_merge(env_lookup(envp, t->conf_var), ',', ':', &pairs, &merged);
                if (r == 0) {
                        r = strv_pushf(changes, "%s=%s", t->conf_var, merged);
                        free(merged);
                }
                strv_free(&pairs);
                free(joined);
        }
        strv_free(&updates);
        return r;
}

static int profile_refused(const struct policy *p, const struct allocator *a, struct diags *d)
{
        const struct setting *s;

        if ((s = get(p, K_PROFILE_HEAP)) || (s = get(p, K_PROFILE_HEAP_CHECK)))
                diags_add(d, DIAG_ERROR, s->file, s->line,
                          "profile: %s cannot profile the heap (use tcmalloc or jemalloc)", a->name);
        return 0;
}

static int gperftools_changes(const struct policy *p, const struct allocator *a,
                              const struct library_traits *t, struct strv *changes, struct diags *d)
{
        const struct setting *s;
        int r = 0;

        if ((s = get(p, K_TC_RELEASE_RATE)))
                r = strv_pushf(changes, "TCMALLOC_RELEASE_RATE=%g", s->d);
        if (r == 0 && (s = get(p, K_TC_AGGRESSIVE_DECOMMIT)))
                r = strv_pushf(changes, "TCMALLOC_AGGRESSIVE_DECOMMIT=%s", s->i ? "true" : "false");
        if (r == 0 && (s = get(p, K_TC_MAX_TOTAL_THREAD_CACHE_BYTES)))
                r = strv_pushf(changes, "TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES=%lld", s->i);
        if (r == 0 && (s = get(p, K_PROFILE_HEAP))) {
                if (!a->gperftools_full || !t->heap_profiler)
                        diags_add(d, DIAG_ERROR, s->file, s->line,
                                  "profile.heap: %s has no heap profiler (use allocator = \"tcmalloc\")",
                                  a->name);
                else
                        r = strv_pushf(changes, "HEAPPROFILE=%s", s->s);
        }
        if (r == 0 && (s = get(p, K_PROFILE_HEAP_CHECK))) {
                if (!a->gperftools_full || !t->heap_checker)
                        diags_add(d, DIAG_ERROR, s->file, s->line,
                                  "profile.heap_check: %s %s has no heap checker (removed in gperftools 2.17)",
                                  a->name, t->version);
                else
                        r = strv_pushf(changes, "HEAPCHECK=%s", s->s);
        }
        return r;
}

static int mimalloc_changes(const struct policy *p, const struct library_traits *t,
                            struct strv *changes, struct diags *d)
{
        const struct setting *s;
        int r = 0;

        if ((s = get(p, K_MI_PURGE_DELAY)))
                r = strv_pushf(changes, "%s=%lld", t->mimalloc_purge_names ?
                               "MIMALLOC_PURGE_DELAY" : "MIMALLOC_DECOMMIT_DELAY", s->i);
        if (r == 0 && (s = get(p, K_MI_ARENA_EAGER_COMMIT))) {
                if (t->mimalloc_purge_names)
                        r = strv_pushf(changes, "MIMALLOC_ARENA_EAGER_COMMIT=%lld", s->i);
                else
                        diags_add(d, DIAG_WARNING, s->file, s->line,
                                  "mimalloc.arena_eager_commit: mimalloc %s has no arenas option; ignored",
                                  t->version);
        }
        if (r == 0 && (s = get(p, K_MI_EAGER_COMMIT)))
                r = strv_pushf(changes, "MIMALLOC_EAGER_COMMIT=%d", s->i ? 1 : 0);
        if (r == 0 && (s = get(p, K_MI_EAGER_COMMIT_DELAY)))
                r = strv_pushf(changes, "MIMALLOC_EAGER_COMMIT_DELAY=%lld", s->i);
        /* 2.1 renamed it allow_large_os_pages and still reads the old name */
        if (r == 0 && (s = get(p, K_MI_LARGE_OS_PAGES)))
                r = strv_pushf(changes, "MIMALLOC_LARGE_OS_PAGES=%d", s->i ? 1 : 0);
        return r;
}

int tuning_changes(const struct policy *p, const struct allocator *a, const struct library_traits *t,
                   char *const *envp, struct strv *changes, struct diags *d)
{
        switch (a->family) {
        case FAMILY_GLIBC:
                profile_refused(p, a, d);
                return glibc_changes(p, t, envp, changes, d);
        case FAMILY_JEMALLOC:
                return jemalloc_changes(p, t, envp, changes, d);
        case FAMILY_GPERFTOOLS:
                return gperftools_changes(p, a, t, changes, d);
        case FAMILY_MIMALLOC:
                profile_refused(p, a, d);
                return mimalloc_changes(p, t, changes, d);
        default:
                return profile_refused(p, a, d);
        }
}
