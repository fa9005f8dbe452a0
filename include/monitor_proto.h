/* What allocsel and allocsel-monitor say to each other over the monitor's
 * socket (SOCK_SEQPACKET): one message is one record, its fields
 * NUL-separated as event_encode() writes them, the first field saying
 * what it is (MONITOR_OP). Descriptors travel with it (SCM_RIGHTS): a
 * pidfd of the sender, and a memfd holding the record when it is too
 * large for one message. */
#ifndef ALLOCSEL_MONITOR_PROTO_H
#define ALLOCSEL_MONITOR_PROTO_H

#define MONITOR_SOCKET "/run/allocsel/monitor.socket"
/* Another socket, for tests and hosts without systemd (allocsel(1)). */
#define MONITOR_SOCKET_VAR "ALLOCSEL_MONITOR_SOCKET"

#define MONITOR_OP "ALLOCSEL_OP"
/* A started record: logged once the sender has exec'd (the connection
 * closes with it), never if it sends MONITOR_OP_CANCEL first; the sender
 * is watched when the record carries MONITOR_WATCH_* fields. */
#define MONITOR_OP_STARTED "started"
/* A fallback or refused record: logged at once. */
#define MONITOR_OP_LOG "log"
/* The exec failed: the started record is dropped. */
#define MONITOR_OP_CANCEL "cancel"
/* What runs under allocsel now: one message per watched program, then
 * an empty message. */
#define MONITOR_OP_STATUS "status"

/* The descriptors that came with the message, in this order. */
#define MONITOR_WITH_PIDFD "ALLOCSEL_WITH_PIDFD"
#define MONITOR_WITH_MEMFD "ALLOCSEL_WITH_MEMFD"

/* The watch's settings (the policy's monitor section), and the library to
 * look for in the program's maps; the monitor does not log them. */
#define MONITOR_WATCH_STARTUP_MS "ALLOCSEL_WATCH_STARTUP_MS"
#define MONITOR_WATCH_INTERVAL_MS "ALLOCSEL_WATCH_INTERVAL_MS"
#define MONITOR_WATCH_LOG_SAMPLES "ALLOCSEL_WATCH_LOG_SAMPLES"
#define MONITOR_WATCH_LIBRARY "ALLOCSEL_WATCH_LIBRARY"

/* A message larger than this travels in a memfd; the monitor takes at
 * most MONITOR_RECORD_MAX bytes either way. */
#define MONITOR_INLINE_MAX ((size_t)32 * 1024)
#define MONITOR_RECORD_MAX ((size_t)1024 * 1024)

#endif
