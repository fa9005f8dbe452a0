/* --check: does the preload really load? One short run of a program that
 * allocates (allocsel's own "--version") with the environment a service
 * would get. Never on the launch path. */
#ifndef ALLOCSEL_LOADPROBE_H
#define ALLOCSEL_LOADPROBE_H

#include <stdbool.h>

#include "plan.h"
#include "strv.h"

#define LOAD_PROBE_TIMEOUT_MS 5000

struct load_result {
        int status;             /* waitpid's; meaningless when timed_out */
        bool timed_out;         /* killed after LOAD_PROBE_TIMEOUT_MS */
        char output[1024];      /* the start of what it wrote on stderr */
};

/* Runs program with argument arg and the environment envp, stdin and
 * stdout on /dev/null. 0 with ret filled, or -errno if it could not start. */
int load_probe(const char *program, const char *arg, char *const *envp, struct load_result *ret);

/* "was killed by signal 6 (Aborted)", "exited with status 127", "did not
 * finish within 5 s", or NULL for a clean exit 0; into buf. */
const char *load_failure(const struct load_result *r, char *buf, size_t size);

/* At most this many probes in one --check run: 10,000 policies must check
 * in a second whatever their values (a probe costs about 2.3 ms). */
#define LOAD_PROBE_MAX 32

/* One probe: what it stands for, what it ran, and what it gave. */
struct load_entry {
        char *key;      /* the preload and tuning, checked numbers generalized */
        char *exact;    /* ...as the policy probed had them */
        char *service;  /* that policy's service */
        char *verdict;  /* "" loads; "E..." an error, "W..." a warning */
};

/* The probes of one --check run. */
struct load_cache {
        struct load_entry *v;
        size_t n, cap;
};

void load_cache_free(struct load_cache *c);

/* --check: for a plan that preloads something, the probe's verdict added
 * to pl->diags. One probe stands for every plan with the same preload and
 * tuning up to numbers allocsel checked against their ranges; past
 * LOAD_PROBE_MAX probes a plan gets a warning that it was not probed. */
int load_check_plan(struct plan *pl, char *const *envp, struct load_cache *c);

#endif
