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

/* What each distinct preload and tuning gave, for one --check run. */
struct load_cache {
        struct strv keys;
        struct strv verdicts;   /* "" loads; "E..." an error, "W..." a warning */
};

void load_cache_free(struct load_cache *c);

/* --check: for a plan that preloads something, the probe's verdict (run
 * once per distinct preload and tuning) added to pl->diags. */
int load_check_plan(struct plan *pl, char *const *envp, struct load_cache *c);

#endif
