/* The monitor's watch over the program (in allocsel-monitor): RSS samples
 * from /proc/PID/status, the startup, sample and exit records. It never
 * signals, traces or otherwise touches the program. */
#ifndef ALLOCSEL_MONITOR_H
#define ALLOCSEL_MONITOR_H

#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "events.h"
#include "procstat.h"

struct monitor {
        /* set by the caller */
        pid_t pid;
        int pidfd;                      /* -1: poll /proc/PID/stat instead */
        unsigned long long start_ticks; /* the program's start time, against PID reuse */
        long long startup_ms, interval_ms;
        bool log_samples;
        const char *library;            /* NULL: nothing to look for in its maps */
        const struct event *started;    /* the identity fields come from here */
        void (*send)(const struct event *ev);
        /* the watch's own */
        long long start_ms;             /* the program's start, CLOCK_BOOTTIME */
        bool have_library;
        struct stat lib_st;
        char lib_path[PATH_MAX];        /* resolved */
        struct proc_sample last;
        long long last_ms;              /* when last was taken */
        long peak_kb;
        int samples;
};

/* How long after a sample the next one is due, for a program age_ms old:
 * often while it is young (so that a short program's exit figures are
 * recent), then every interval_ms. */
long long monitor_sample_gap(long long age_ms, long long interval_ms);

/* Watches until the program is gone, sending each record through m->send. */
void monitor_watch(struct monitor *m);

#endif
