/* Translating a policy's tuning into the variables the chosen library reads. */
#ifndef ALLOCSEL_TUNING_H
#define ALLOCSEL_TUNING_H

#include <stdbool.h>

#include "catalog.h"
#include "diag.h"
#include "policy.h"
#include "strv.h"

/* glibc >= 2.26 reads GLIBC_TUNABLES; older ones only MALLOC_*_ variables. */
bool glibc_has_tunables(const char *version);

/* Whether a glibc version string ("2.36") is 2.minor or later (unknown: yes). */
bool glibc_at_least(const char *version, unsigned long minor);

/* Appends to changes the "NAME=value" settings for allocator a (library
 * traits t) given the caller's environment envp. Problems a policy cannot
 * have on this library (profiling where it is missing) go to d as errors;
 * knobs this version lacks, as warnings. */
int tuning_changes(const struct policy *p, const struct allocator *a, const struct library_traits *t,
                   char *const *envp, struct strv *changes, struct diags *d);

#endif
