/* A service's policy: every setting of the schema, each remembering the
 * file and line it came from, merged default.conf first, SERVICE.conf over it. */
#ifndef ALLOCSEL_POLICY_H
#define ALLOCSEL_POLICY_H

#include <stdbool.h>

#include "diag.h"
#include "strv.h"

enum policy_key {
        K_ALLOCATOR,
        K_LIBRARY,
        K_ON_ERROR,
        K_CHILDREN,
        K_GLIBC_ARENA_MAX,
        K_GLIBC_TRIM_THRESHOLD,
        K_GLIBC_MMAP_THRESHOLD,
        K_GLIBC_TOP_PAD,
        K_GLIBC_TCACHE_COUNT,
        K_GLIBC_MXFAST,
        K_GLIBC_HUGETLB,
        K_JE_BACKGROUND_THREAD,
        K_JE_DIRTY_DECAY_MS,
        K_JE_MUZZY_DECAY_MS,
        K_JE_NARENAS,
        K_JE_EXTRA,
        K_JE_THP,
        K_JE_METADATA_THP,
        K_TC_RELEASE_RATE,
        K_TC_AGGRESSIVE_DECOMMIT,
        K_TC_MAX_TOTAL_THREAD_CACHE_BYTES,
        K_MI_PURGE_DELAY,
        K_MI_ARENA_EAGER_COMMIT,
        K_MI_EAGER_COMMIT,
        K_MI_EAGER_COMMIT_DELAY,
        K_MI_LARGE_OS_PAGES,
        K_PROFILE_HEAP,
        K_PROFILE_HEAP_CHECK,
        K_MON_ENABLED,
        K_MON_STARTUP_SAMPLE_MS,
        K_MON_SAMPLE_INTERVAL_MS,
        K_MON_LOG_SAMPLES,
        K_REL_ENABLED,
        K_REL_INTERVAL_MS,
        K_REL_MIN_FREE_KB,
        K__COUNT
};

/* VK_INT_AUTO: an integer, or "auto" for a value allocsel computes at launch. */
enum value_kind { VK_BOOL, VK_INT, VK_INT_AUTO, VK_SIZE, VK_DOUBLE, VK_STRING, VK_CHOICE, VK_PATH };

struct key_spec {
        const char *section;            /* NULL at the top level */
        const char *name;
        enum value_kind kind;
        long long min, max;             /* VK_INT, VK_SIZE */
        double dmin, dmax;              /* VK_DOUBLE */
        const char *const *choices;     /* VK_CHOICE, NULL-terminated */
        long long def;                  /* the value when unset, where the plan uses one */
};

extern const struct key_spec policy_keys[K__COUNT];

struct setting {
        bool set;
        const char *file;               /* points into policy.files */
        int line;
        long long i;                    /* VK_BOOL, VK_INT, VK_INT_AUTO, VK_SIZE */
        bool automatic;                 /* VK_INT_AUTO: "auto" */
        double d;                       /* VK_DOUBLE */
        char *s;                        /* VK_STRING, VK_CHOICE, VK_PATH */
};

struct env_setting {
        char *name;
        char *value;
        const char *file;
        int line;
};

struct policy {
        struct setting s[K__COUNT];
        struct env_setting *env;
        size_t n_env;
        struct strv files;              /* policy files applied, in order */
};

/* 1–255 of [A-Za-z0-9_.@:-], not "." or "..". */
bool service_name_valid(const char *name);

/* Where policy files come from. */
struct policy_search {
        const struct strv *dirs;        /* highest precedence first */
        bool dirs_given;                /* named by the operator: a missing one is an error */
        bool check_owner;               /* directories, entries, files: a trusted user's (trust.h) */
        const char *candidate;          /* --file: read instead of candidate_name */
        const char *candidate_name;     /* "SERVICE.conf" in the first directory */
};

/* Finds name in the first directory that has it (a file there masks the
 * same name below; a root-owned link to /dev/null masks without applying
 * anything). Returns 0 with *ret_path set, -ENOENT when there is none;
 * a refused directory or entry is an error added to d (and -errno when it
 * was the entry). */
int policy_locate(const struct policy_search *s, const char *name, char **ret_path, struct diags *d);

/* DIR/name in the first directory: where a candidate would be installed.
 * NULL on ENOMEM. */
char *policy_destination(const struct strv *dirs, const char *name);

/* Applies one file over p. Problems go to d; returns 0 or -errno. */
int policy_apply_file(struct policy *p, const char *path, bool check_owner, struct diags *d);

/* default.conf then SERVICE.conf from the search path. */
int policy_load(struct policy *p, const struct policy_search *s, const char *service, struct diags *d);

void policy_free(struct policy *p);

/* 0 when str is one of k's choices, else -EINVAL with an error (and a
 * "did you mean") added to d. */
int policy_check_choice(enum policy_key k, const char *str, const char *file, int line, struct diags *d);

/* "jemalloc.dirty_decay_ms" style name of a key, for messages. */
const char *policy_key_name(enum policy_key k, char *buf, size_t size);

#endif
