/* Starting the helper process, allocsel-monitor: detached, so that it is
 * never a child of the program, and the only part linked with libsystemd. */
#ifndef ALLOCSEL_HELPER_H
#define ALLOCSEL_HELPER_H

#include <stddef.h>

#include "strv.h"

#define HELPER_FDS_MAX 4

/* A helper that waits for this process's exec. */
struct helper {
        int go_fd;      /* our end of the pipe it waits on; -1 when none waits */
};

enum helper_when {
        HELPER_NOW,             /* detached, started before this call returns */
        HELPER_AT_EXEC,         /* detached, starts once this process has exec'd */
        HELPER_AND_WAIT,        /* our own child, waited for until it has ended (PID 1) */
};

/* Where allocsel-monitor is. */
int helper_path(char **ret);

/* Starts argv (argv->v[0]: the helper's path) with fds[i] as descriptor
 * 3 + i, /dev/null as stdin and stdout, our stderr, and nothing else.
 * HELPER_AT_EXEC falls back to HELPER_NOW where the waiting clone is
 * refused (valgrind); either way nothing passed here is needed afterwards.
 * 0 or -errno. */
int helper_start(struct helper *h, const struct strv *argv, const int *fds, size_t n_fds, enum helper_when when);

/* The exec failed: the waiting helper, if any, leaves without running. */
void helper_cancel(struct helper *h);

#endif
