/* The helper process: allocsel-monitor, detached before exec so that it is
 * never a child of the program, and the only part linked with libsystemd. */
#ifndef ALLOCSEL_HELPER_H
#define ALLOCSEL_HELPER_H

#include "events.h"

/* Where allocsel-monitor is. */
int helper_path(char **ret);

/* Starts the helper, detached, with extra arguments and then "--" and the
 * event's fields; waits only for the intermediate process. pass_fd, when
 * not -1, becomes the helper's descriptor 3; with keep_stderr the helper
 * shares our stderr (its log channel when there is no journal). */
int helper_spawn(const char *path, const struct strv *args, const struct event *ev, int pass_fd,
                 bool keep_stderr);

#endif
