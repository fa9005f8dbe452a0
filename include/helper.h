/* The helper process: allocsel-monitor, detached so that it is never a
 * child of the program, and the only part linked with libsystemd. */
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

/* The same, for when this process is about to exec the program: the helper
 * waits, blocked, until the exec has happened and only then starts, so
 * that the program's start never waits for it. Nothing of what is passed
 * here is needed afterwards. */
int helper_start_at_exec(const char *path, const struct strv *args, const struct event *ev, int pass_fd,
                         bool keep_stderr);

/* The exec failed: the waiting helper (if any) leaves without running. */
void helper_exec_failed(void);

#endif
