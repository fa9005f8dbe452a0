/* What --compare measured, and its outputs: the summary table,
 * summary.json and rss.svg. */
#ifndef ALLOCSEL_COMPARE_OUTPUT_H
#define ALLOCSEL_COMPARE_OUTPUT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "strv.h"

struct compare_options {
        struct strv allocators;         /* empty: every one found (unless policies are given) */
        struct strv policies;           /* services whose policies are compared as they are */
        const char *service;            /* apply this service's tuning too */
        long long interval_ms;
        const char *output;
        int runs;
        char **program;
        const struct sigaction *program_sigchld; /* the caller's, for the program */
};

/* "end RSS" is the last sample before the last END_SKIP_PERCENT of the
 * run's lifetime: the program's own idle phase, not its exit (a JVM or a
 * thread pool frees, or touches, much of its memory while it shuts down). */
#define COMPARE_END_SKIP_PERCENT 5

struct compare_run {
        long long peak_kb;              /* the kernel's high-water mark (VmHWM) */
        long long end_kb, end_t_ms;     /* see COMPARE_END_SKIP_PERCENT */
        long long last_kb;              /* the last sample, taken during the exit */
        long long mean_kb, wall_ms, cpu_ms;
        int exit_status;                /* as from waitpid */
        int samples;
        bool finished;                  /* ran to its end (not interrupted) */
        /* the run's samples: end RSS is chosen from them, run 1's are drawn */
        long long *t_ms, *rss_kb;
        size_t n, cap;
};

struct compare_entry {
        char *name;                     /* the allocator's or the service's */
        char *label;                    /* name, or policy:name: never the same for an allocator and a policy */
        bool is_policy;                 /* name is a service: its policy, allocator and all */
        char *skipped;                  /* why it did not run, or NULL */
        struct compare_run *runs;
        int n_runs;
};

struct comparison {
        struct compare_entry *v;
        size_t n;
        bool interrupted;
};

/* The end RSS of a run from its samples (COMPARE_END_SKIP_PERCENT), and
 * its last sample. */
void compare_choose_end(struct compare_run *r);

/* The median of one struct compare_run field (by offset) over the runs
 * that finished, or over all runs if none did. */
long long compare_median(const struct compare_entry *e, size_t offset);
int compare_write_json(const struct comparison *c, const struct compare_options *co, FILE *f);
int compare_write_svg(const struct comparison *c, const struct compare_options *co, FILE *f);
void compare_print_table(const struct comparison *c, const struct compare_options *co, FILE *f);

#endif
