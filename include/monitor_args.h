/* The command line allocsel gives allocsel-monitor: both ends read it
 * from here, so an option renamed on one side cannot go unnoticed. */
#ifndef ALLOCSEL_MONITOR_ARGS_H
#define ALLOCSEL_MONITOR_ARGS_H

/* The descriptors the monitor is started with: the record, then a pidfd. */
#define MONITOR_RECORD_FD 3
#define MONITOR_PIDFD 4

/* --record=FD: a memfd holding the record (event_write's format) */
#define MONITOR_OPT_RECORD "record"
/* --announce: log the record, not only watch */
#define MONITOR_OPT_ANNOUNCE "announce"
/* --watch=PID, --pidfd=FD, --start-ticks=N: the program, and its guard against PID reuse */
#define MONITOR_OPT_WATCH "watch"
#define MONITOR_OPT_PIDFD "pidfd"
#define MONITOR_OPT_START_TICKS "start-ticks"
/* the policy's monitor section */
#define MONITOR_OPT_STARTUP_MS "startup-ms"
#define MONITOR_OPT_INTERVAL_MS "interval-ms"
#define MONITOR_OPT_LOG_SAMPLES "log-samples"
/* --library=PATH: the library to look for in the program's maps */
#define MONITOR_OPT_LIBRARY "library"

#endif
