/* The systemd unit a process runs in, read from /proc/PID/cgroup as soon
 * as its record arrives (journald reads OBJECT_* fields only while the
 * process lives), and the unit's new main process when a forking daemon's
 * first process has exited. */
#ifndef ALLOCSEL_UNIT_H
#define ALLOCSEL_UNIT_H

#include <sys/types.h>

/* The system unit ("web.service", a login session's "session-2.scope", a
 * user's "user@1000.service") and the cgroup path of pid, as libsystemd
 * reads them: 0, or -errno (-ENOENT: in no service or scope). */
int unit_of_pid(pid_t pid, char **ret_unit, char **ret_cgroup);

/* A .service unit's process whose parent is outside the cgroup (the
 * daemon a forking start left behind, re-parented), other than gone, of
 * user uid (any, for root): the oldest such. 0, or -ESRCH when there is
 * none. */
int unit_next_main_pid(const char *cgroup, const char *unit, pid_t gone, uid_t uid, pid_t *ret);

#endif
