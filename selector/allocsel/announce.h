/* Announcing a start: the record goes to the journal through the helper
 * (allocsel does not link libsystemd) or on stderr, and the helper may stay
 * as the monitor of this process once it has become the program. */
#ifndef ALLOCSEL_ANNOUNCE_H
#define ALLOCSEL_ANNOUNCE_H

#include <stdbool.h>

#include "events.h"
#include "helper.h"
#include "plan.h"

struct announcement {
        const struct event *record;     /* the caller's, kept until the exec */
        bool stands;            /* not a started record: logged even if the exec fails */
        bool to_journal;        /* the helper sends it (else it was printed) */
        int record_fd;          /* kept while a helper waits, for a withdrawal */
        struct helper helper;
};

/* Logs record (a started or fallback record); with watch (NULL: no
 * monitor) the helper stays to watch this process. exec_follows: this
 * process execs the program next, so the helper may start once it has
 * (announce_withdraw() if that fails); otherwise it starts at once. As PID 1
 * there is no monitor (it would be the program's child). Never fails: what
 * cannot be handed over is printed on stderr. */
void announce(struct announcement *a, const struct event *record, const struct monitor_settings *watch,
              const char *library, bool exec_follows);

/* The exec failed: a started record is withdrawn with its monitor; any
 * other record (a fallback) is still logged. */
void announce_withdraw(struct announcement *a);

#endif
