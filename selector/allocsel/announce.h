/* Announcing a start: the record goes to allocsel-monitor, the host's
 * monitor, over its socket (allocsel does not link libsystemd), or on
 * stderr when no monitor listens. */
#ifndef ALLOCSEL_ANNOUNCE_H
#define ALLOCSEL_ANNOUNCE_H

#include "events.h"
#include "plan.h"

struct announcement {
        int sock;               /* a started record's connection, closed by the exec; -1 */
};

/* Sends record (a started, fallback or refused record). A started record
 * is logged once this process has exec'd, and with watch (NULL: no
 * monitoring) the monitor then watches the program's RSS, looking for
 * library in its maps. Never fails, never blocks, never forks but under a
 * seccomp filter (a trial child): what cannot be handed over is printed on
 * stderr. */
void announce(struct announcement *a, const struct event *record, const struct monitor_settings *watch,
              const char *library);

/* The exec failed: a started record is withdrawn (never logged). */
void announce_withdraw(struct announcement *a);

#endif
