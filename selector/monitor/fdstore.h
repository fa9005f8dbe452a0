/* Watches that survive a restart of allocsel-monitor.service (a package
 * upgrade): systemd's file descriptor store keeps, for each watch, its
 * pidfd and a memfd with what the watch needs, and hands them back to the
 * next start (FileDescriptorStoreMax= in the unit). */
#ifndef ALLOCSEL_FDSTORE_H
#define ALLOCSEL_FDSTORE_H

#include <stdbool.h>

#include "watch.h"

/* Whether a service manager listens for FDSTORE=1 (NOTIFY_SOCKET). */
bool fdstore_available(void);

/* Stores w, or stores it again under the same name (its pidfd changed). */
void fdstore_add(struct watch *w);
void fdstore_remove(const struct watch *w);

/* What systemd passed: the listening socket (-1: none) and the stored
 * watches, each handed to adopt (a watch of a program that has exited in
 * the meantime has its exit logged and is dropped from the store). */
int fdstore_restore(int *ret_listen_fd, void (*adopt)(struct watch *w, void *userdata), void *userdata);

#endif
