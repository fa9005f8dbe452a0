/* The records allocsel itself logs about a start: started (or preload
 * skipped), fallback and refused. Adding a field is one event_add line. */
#ifndef ALLOCSEL_RECORDS_H
#define ALLOCSEL_RECORDS_H

#include <stdbool.h>
#include <sys/types.h>

#include "events.h"
#include "plan.h"

/* vars: what the program gets (plan_variables); preload_skipped: why the
 * library is not preloaded, or NULL. */
int record_started(struct event *ev, const struct plan *pl, const char *program, pid_t pid,
                   const struct strv *vars, const char *preload_skipped);

/* The plan fell back (or, with refused, the start is refused). why: the
 * reason when it is not the plan's first error (a variable the kernel
 * would refuse at exec), else NULL. */
int record_fallback(struct event *ev, const struct plan *pl, const char *program, bool refused,
                    const char *why);

#endif
