/* The plan for one service: which allocator and library, which variables
 * change, and whether problems mean falling back or refusing to start. */
#ifndef ALLOCSEL_PLAN_H
#define ALLOCSEL_PLAN_H

#include <stdbool.h>
#include <sys/types.h>

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
        bool check_owner;               /* trust.h's ownership rules (always, but in tests) */
        bool describe;                  /* --check, --explain: find out everything */
        /* Many plans in one run (--check): what they share, read once. */
        struct library_cache *libraries;        /* NULL, or library results by path */
        const struct catalog *catalog;          /* NULL, or allocsel.conf already read... */
        const struct diags *catalog_diags;      /* ...with what reading it found */
};

/* The monitor section with its defaults (the key table's). */
struct monitor_settings {
        bool enabled;
        long long startup_sample_ms, sample_interval_ms;
        bool log_samples;
};

/* The release section: whether the release helper is preloaded, and how. */
struct release_settings {
        bool enabled;
        long long interval_ms, min_free_kb;
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
        char *children_saved;                   /* ...and ALLOCSEL_CHILDREN after its PID */
        struct library_traits traits;
        struct strv changes;    /* "NAME=value" to set, "NAME" to remove; see plan_variables */
        struct monitor_settings monitor;
        struct release_settings release;
        struct diags diags;
        struct strv notes;      /* --explain: where computed values come from, what the host adds */
        bool no_policy;         /* no policy file (nor --allocator): nothing to change */
        bool fallback;          /* an error: run with the environment untouched */
        bool refuse;            /* ...and on_error = "fail" or --strict: exit 78 */
};

/* Never fails for policy problems: they end up in diags and fallback.
 * Returns 0, or -ENOMEM with nothing left to free. */
int plan_make(struct plan *pl, const struct plan_options *o, const char *service, char *const *envp);
/* Leaves *pl zeroed: freeing it again does nothing. */
void plan_free(struct plan *pl);

/* What the plan sets for the program that will run as pid: the changes,
 * then what names that process (ALLOCSEL_RELEASE's pid=, ALLOCSEL_CHILDREN's
 * PID; with pid 0, as --explain shows it, "PID"). */
int plan_variables(const struct plan *pl, pid_t pid, struct strv *ret);

/* envp with those variables applied: the environment of the program pid. */
int plan_environment(const struct plan *pl, char *const *envp, pid_t pid, struct strv *ret);

/* Adds warnings (to pl->diags) and notes (to pl->notes) about the host's
 * own settings that apply to the plan's allocator (plan_host.c); envp is
 * the caller's. */
int plan_host_notes(struct plan *pl, char *const *envp);

/* Adds notes on where the plan's allocator was measured not to give memory
 * back, or to cost CPU (plan_limits.c). */
int plan_limit_notes(struct plan *pl);

#endif
