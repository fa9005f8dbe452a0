/* The command line, parsed without side effects. */
#ifndef ALLOCSEL_CLI_H
#define ALLOCSEL_CLI_H

#include <stdbool.h>

#include "strv.h"

enum mode { MODE_RUN, MODE_CHECK, MODE_EXPLAIN, MODE_LIST, MODE_COMPARE, MODE_REPORT, MODE_STATUS, MODE_HELP, MODE_VERSION };

struct cli {
        enum mode mode;
        struct strv policy_dirs;        /* --policy-dir, in order given */
        const char *config;             /* --config */
        const char *allocator;          /* --allocator */
        bool strict;
        bool no_monitor;
        bool json;
        const char *service;            /* run, explain */
        char **services;                /* check: the names given */
        int n_services;
        const char *check_as;           /* --check --as SERVICE ... */
        const char *file;               /* ... --file PATH: the candidate */
        char **program;                 /* run, compare: PROGRAM [ARG...], NULL-terminated;
                                         * report: the report's own options */
        /* --compare */
        struct strv allocators;         /* --allocators A,B */
        struct strv policies;           /* --policies SERVICE,SERVICE */
        const char *compare_service;    /* --service */
        long long interval_ms;          /* --interval, default 1000 */
        const char *output;             /* --output, default allocsel-compare */
        long long runs;                 /* --runs, default 1 */
        bool compare_options_given;
        bool out_of_memory;             /* an option could not be kept */
};

/* 0, or -EINVAL with *ret_error a one-line message (not allocated), or
 * -ENOMEM with *ret filled all the same (the mode and PROGRAM known, an
 * option missing) for the caller to free. */
int cli_parse(int argc, char **argv, struct cli *ret, const char **ret_error);
void cli_free(struct cli *c);

extern const char cli_usage[];

#endif
