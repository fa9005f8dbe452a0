/* Starting the monitor: the helper, told to watch this process, which is
 * about to become the program. */
#ifndef ALLOCSEL_MONITOR_H
#define ALLOCSEL_MONITOR_H

#include <stdbool.h>

#include "events.h"
#include "plan.h"

/* Sends the started event and, with watch, starts watching this PID.
 * journal: whether the journal listens (else the helper writes to stderr);
 * at_exec: this process execs the program next (helper_exec_failed() if
 * that fails), so the helper may start once it has.
 * Returns 0 or -errno (the caller then reports the event itself). */
int monitor_launch(const struct plan *pl, const struct event *started, bool watch, bool journal,
                   bool at_exec);

#endif
