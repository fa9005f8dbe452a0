/* Records on their way to the journal: a bounded queue that a thread of
 * its own empties with sd_journal_sendv(), so that a journal that does not
 * drain never stops the event loop (it keeps watching and sampling; what
 * does not fit is counted, never waited for). */
#ifndef ALLOCSEL_OUTBOX_H
#define ALLOCSEL_OUTBOX_H

#include <stddef.h>

#include "events.h"

/* Starts the writer thread: 0 or -errno. */
int outbox_start(size_t max_records, size_t max_bytes);

/* Takes ev's fields (ev is left empty). Never blocks: a record over the
 * bounds is dropped and counted. Before outbox_start(): handed to the
 * sink at once (the journal, else stderr; tests set their own). */
void outbox_send(struct event *ev);

void outbox_set_sink(void (*to)(const struct event *ev));

/* Records dropped since the last call. */
unsigned long outbox_take_dropped(void);

/* Sends what is queued (waiting at most timeout_ms), then stops the thread. */
void outbox_stop(long long timeout_ms);

#endif
