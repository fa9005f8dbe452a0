/* A short, stable name for the effective policy of a plan, so that the
 * fleet report can tell policies apart (ALLOCSEL_POLICY_DIGEST). */
#ifndef ALLOCSEL_POLICY_DIGEST_H
#define ALLOCSEL_POLICY_DIGEST_H

#include "plan.h"

#define POLICY_DIGEST_LEN 16

/* 16 hex digits of FNV-1a over what reaches the program: the allocator,
 * its library, every setting of the policy that applies to that allocator
 * (its own tuning section, release, profile, ...) and the environment
 * entries, each as "name=value", sorted. Not in it: the monitor section
 * and on_error (they change nothing in the program), sections of other
 * allocators (ignored), and what the caller's environment held. The same
 * policy gives the same digest on every host and every run. Returns 0 or
 * -ENOMEM. */
int policy_digest(const struct plan *pl, char out[POLICY_DIGEST_LEN + 1]);

#endif
