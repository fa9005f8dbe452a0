/* allocsel's end of the monitor's socket (monitor_proto.h). */
#ifndef ALLOCSEL_MONITOR_CLIENT_H
#define ALLOCSEL_MONITOR_CLIENT_H

#include <stdbool.h>

/* The socket allocsel-monitor listens on: $ALLOCSEL_MONITOR_SOCKET when it
 * is an absolute path, else /run/allocsel/monitor.socket. */
const char *monitor_socket_path(void);

/* A connected socket (close-on-exec; nonblocking: never waits, not even
 * to connect), or -errno (-ENOENT or -ECONNREFUSED: no monitor listens). */
int monitor_connect(bool nonblocking);

#endif
