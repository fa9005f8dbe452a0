/* The launcher's unit tests: what a plan or a policy said. */
#ifndef ALLOCSEL_TESTDIAG_H
#define ALLOCSEL_TESTDIAG_H

#include "testutil.h"
#include "diag.h"

/* Whether any diagnostic, formatted, contains needle. */
static inline bool diags_contain(const struct diags *d, const char *needle)
{
        for (size_t i = 0; i < d->n; i++) {
                char *line = diag_format(&d->v[i]);
                bool hit = line && strstr(line, needle);

                free(line);
                if (hit)
                        return true;
        }
        return false;
}

static inline void print_diags(const struct diags *d)
{
        for (size_t i = 0; i < d->n; i++) {
                char *line = diag_format(&d->v[i]);

                print_message("  diag: %s\n", line);
                free(line);
        }
}

#endif
