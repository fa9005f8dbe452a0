/* The watch over one program: RSS samples from /proc/PID/status on the
 * event loop's timers, the startup, sample and exit records, and the exit
 * seen through a pidfd (or, without one, a changed /proc start time). It
 * never signals, traces or otherwise touches the program. */
#ifndef ALLOCSEL_WATCH_H
#define ALLOCSEL_WATCH_H

#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "events.h"
#include "procstat.h"

struct watch_settings {
        long long startup_ms, interval_ms;
        bool log_samples;
        const char *library;            /* NULL: nothing to look for in its maps */
        const char *unit, *cgroup;      /* read while it lived; NULL: read now */
};

struct watch {
        /* the program */
        pid_t pid, first_pid;           /* first_pid: the one allocsel started */
        int pidfd;                      /* -1: poll /proc/PID/stat instead */
        int statm_fd;                   /* /proc/PID/statm, once opened; -1 */
        unsigned long long start_ticks; /* against PID reuse */
        uid_t uid;                      /* who sent the record */
        int follows;                    /* main processes followed, at most a few */
        unsigned long long key;         /* its name in systemd's fd store: unique */
        char *unit, *cgroup;            /* NULL when unknown */
        struct event ident;             /* the fields every record of it repeats */
        struct watch_settings settings;
        char *library;                  /* owned copy of settings.library */
        /* the watch's own */
        long long start_ms;             /* the program's start, CLOCK_BOOTTIME */
        long long last_ms, next_log_ms, startup_at_ms;
        bool startup_done, loaded_known, loaded;
        struct proc_sample last;
        long peak_kb;
        int samples;
        sd_event *event;                /* the loop it runs on (not a reference) */
        sd_event_source *timer, *exit_source;
        struct watch *prev, *next;
        void *owner;                    /* the server's */
        void (*on_followed)(struct watch *w);   /* NULL, or told when pid changed */
        void (*on_gone)(struct watch *w);       /* watch_start()'s */
};

/* How long after a sample the next one is due, for a program age_ms old:
 * often while it is young (so that a short program's exit figures are
 * recent), then every interval_ms. */
long long watch_sample_gap(long long age_ms, long long interval_ms);

/* A watch over pid (pidfd: -1 or a pidfd of it, taken over), the started
 * record's identity fields copied from started. 0 or -errno (-ESRCH: it is
 * gone already, *ret is set: the caller logs its exit and frees it). */
int watch_new(struct watch **ret, pid_t pid, int pidfd, uid_t uid, const struct event *started,
              const struct watch_settings *s);

/* The program of w has exited: the watch moves to the daemon a forking
 * start left in its unit, if any. True when it did. */
bool watch_follow(struct watch *w);

/* Starts the timers and the exit source on e; on_gone(w) is called once
 * the program (and any main process it handed over to) has exited and its
 * exit record is sent. */
int watch_start(struct watch *w, sd_event *e, void (*on_gone)(struct watch *w));

/* A watch restored after the monitor's restart: what watch_new() had
 * set, from the stored fields (fdstore.c); the same returns. */
int watch_restore(struct watch **ret, const struct event *stored, int pidfd);

/* The fields watch_restore() reads back. */
int watch_stored_fields(const struct watch *w, struct event *ret);

/* The exit record, now. */
void watch_log_exit(const struct watch *w);

void watch_free(struct watch *w);

/* The program, sampled now: RSS and peak (for --status). */
void watch_sample_now(struct watch *w);

/* A record of w's identity, begun with MESSAGE_ID id and priority. */
void watch_record(const struct watch *w, struct event *ev, const char *id, int priority);

#endif
