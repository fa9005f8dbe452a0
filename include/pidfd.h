/* A pidfd on a process, portable to RHEL 8 (glibc 2.28, kernel 4.18). */
#ifndef ALLOCSEL_PIDFD_H
#define ALLOCSEL_PIDFD_H

#include <sys/types.h>

/* A descriptor (O_CLOEXEC) that polls readable once pid has exited, or
 * -errno: -ENOSYS on kernels before 5.3, where callers watch /proc instead. */
int pidfd_open_portable(pid_t pid);

#endif
