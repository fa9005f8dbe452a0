/* The events allocsel logs, as lists of journal fields, and where they go:
 * the journal when its socket exists, else one line on stderr. */
#ifndef ALLOCSEL_EVENTS_H
#define ALLOCSEL_EVENTS_H

#include <stdbool.h>
#include <sys/types.h>

#include "plan.h"
#include "strv.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

struct event {
        struct strv fields;     /* "NAME=value"; MESSAGE and PRIORITY among them */
};

/* preload_skipped: why the library was not preloaded, or NULL. */
int event_started(struct event *ev, const struct plan *pl, const char *program, pid_t pid,
                  const char *preload_skipped);
/* The plan fell back (or, with refused, the start was refused). */
int event_fallback(struct event *ev, const struct plan *pl, const char *program, bool refused);
void event_free(struct event *ev);

/* One readable line: "allocsel: SERVICE: message". */
void event_print(const struct event *ev, int fd);

bool journal_available(void);

#endif
