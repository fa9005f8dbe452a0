/* pidfd_open through syscall(): glibc has a wrapper (and <sys/pidfd.h>) only
 * since 2.36, and the RHEL 8 headers do not know the call's number. */
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pidfd.h"

/* Since Linux 5.1 new calls have one number on every architecture but alpha. */
#ifndef SYS_pidfd_open
#if defined(__alpha__)
#define SYS_pidfd_open 544
#else
#define SYS_pidfd_open 434
#endif
#endif

int pidfd_open_portable(pid_t pid)
{
        long fd = syscall(SYS_pidfd_open, pid, 0);

        return fd < 0 ? -errno : (int)fd;
}
