/* The plan for one service: which allocator and library, which variables
 * change, and whether problems mean falling back or refusing to start. */
#ifndef ALLOCSEL_PLAN_H
#define ALLOCSEL_PLAN_H

#include <stdbool.h>

#include "catalog.h"
#include "diag.h"
#include "policy.h"
#include "strv.h"

struct plan_options {
        struct strv dirs;               /* policy search path, highest precedence first */
        bool dirs_given;                /* --policy-dir: a missing one is an error */
        const char *candidate;          /* --check --file: read instead of... */
        const char *candidate_as;       /* ...--as SERVICE's file in the first directory */
        const char *global_conf;        /* /etc/allocsel.conf */
        const char *allocator;          /* --allocator, or NULL */
        bool strict;                    /* --strict */
        bool check_owner;               /* running as root: files must be root's */
        bool describe;                  /* --check, --explain: find out everything */
        /* Many plans in one run (--check): what they share, read once. */
        struct library_cache *libraries;        /* NULL, or library results by path */
        const struct catalog *catalog;          /* NULL, or allocsel.conf already read... */
        const struct diags *catalog_diags;      /* ...with what reading it found */
};

struct plan {
        const char *service;
        struct catalog catalog;
        bool catalog_shared;    /* a copy of plan_options' catalog: not freed here */
        struct policy policy;
        const struct allocator *allocator;      /* NULL when none could be chosen */
        char *library;                          /* NULL for glibc */
        char *release_library;                  /* the release helper, when asked for */
        char *children_library;                 /* children = "clean": its helper */
        struct library_traits traits;
        struct strv changes;    /* "NAME=value" to set, "NAME" to remove */
        struct diags diags;
        struct strv notes;      /* --explain: where computed values come from, what the host adds */
        bool fallback;          /* an error: run with the environment untouched */
        bool refuse;            /* ...and on_error = "fail" or --strict: exit 78 */
};

/* Never fails for policy problems: they end up in diags and fallback. */
int plan_make(struct plan *pl, const struct plan_options *o, const char *service, char *const *envp);
void plan_free(struct plan *pl);

/* Settings the monitor uses, with their defaults. */
bool plan_monitor_enabled(const struct plan *pl);
long long plan_setting_int(const struct plan *pl, enum policy_key k, long long def);

#endif
