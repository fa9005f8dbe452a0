/* One event record: journal fields ("NAME=value", MESSAGE and PRIORITY
 * among them) in the order they were added. allocsel builds the started and
 * fallback records (records.h) and hands them to allocsel-monitor over its
 * socket (event_encode; a large one in a memfd, event_write); the monitor
 * decodes them, adds its own records of the same type and sends each to
 * the journal, or prints it on stderr. */
#ifndef ALLOCSEL_EVENTS_H
#define ALLOCSEL_EVENTS_H

#include <stdbool.h>

#include "strv.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

struct event {
        struct strv fields;
        int error;              /* the first failure of event_add, or 0 */
};

/* Adds one "NAME=value" field; a failure is kept in ev->error. */
void event_add(struct event *ev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The value of a field (the first one of that name), or NULL. */
const char *event_get(const struct event *ev, const char *name);

/* One line on fd: "allocsel: [error: |warning: ]MESSAGE", with control
 * characters escaped (\n, \t, \xHH) so that the line stays one line. */
void event_print(const struct event *ev, int fd);

/* The record as NUL-terminated fields (no field holds a NUL: they are C
 * strings): into a new buffer, or written to fd; and back, from a buffer
 * or from the start of fd (a regular file of at most max bytes, else
 * -EBADMSG). 0 or -errno. */
int event_encode(const struct event *ev, char **ret, size_t *ret_len);
int event_write(const struct event *ev, int fd);
int event_decode(const char *buf, size_t size, struct event *ret);
/* The whole of fd, a regular file of at most max bytes (else -EBADMSG),
 * read from its start; caller frees *ret. */
int fd_read_whole(int fd, size_t max, char **ret, size_t *ret_len);
int event_read(int fd, size_t max, struct event *ret);

void event_free(struct event *ev);

/* Whether journald listens: a socket file can outlive its journald, and only
 * a connect() tells. */
bool journal_available(void);

#endif
