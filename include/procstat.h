/* What the monitor reads about the program from /proc. */
#ifndef ALLOCSEL_PROCSTAT_H
#define ALLOCSEL_PROCSTAT_H

#include <stdbool.h>
#include <sys/types.h>

struct proc_sample {
        long rss_kb;    /* VmRSS */
        long hwm_kb;    /* VmHWM: peak RSS */
        long anon_kb;   /* RssAnon */
};

/* -ESRCH when the process is gone (or a zombie, which has no VmRSS). */
int proc_read_status(pid_t pid, struct proc_sample *ret);

/* The real user ID of pid (the first of status's Uid: line). */
int proc_read_uid(pid_t pid, uid_t *ret_uid);

/* VmRSS alone, from /proc/PID/statm kept open (read again from offset 0):
 * a third of the cost of opening and reading status, for the monitor's
 * routine samples. -ESRCH when gone or a zombie. */
int proc_open_statm(pid_t pid);
int proc_read_rss(int statm_fd, long *ret_kb);

/* Start time (clock ticks after boot, field 22) and state letter of /proc/PID/stat. */
int proc_read_stat(pid_t pid, unsigned long long *ret_start, char *ret_state);

/* A process and all its descendants, summed (--compare). Faults include
 * those of reaped children (cminflt), so the totals never go backwards. */
struct tree_sample {
        long long rss_kb, vsz_kb, minflt, majflt;
        int processes;
};

int proc_sample_tree(pid_t root, struct tree_sample *ret);

/* Whether a file is mapped in pid (/proc/PID/maps): by dev:ino, or by its
 * resolved path, since on overlayfs maps shows the lower file's device
 * while stat() shows the overlay's. */
int proc_maps_has(pid_t pid, dev_t dev, ino_t ino, const char *resolved_path, bool *ret);

#endif
