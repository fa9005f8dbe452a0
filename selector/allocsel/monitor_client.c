/* Connecting to allocsel-monitor: the launcher's announcement (never
 * waiting) and --status (waiting for the reply, a few seconds at most). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "monitor_client.h"
#include "monitor_proto.h"

const char *monitor_socket_path(void)
{
        const char *p = getenv(MONITOR_SOCKET_VAR);

        return p && p[0] == '/' ? p : MONITOR_SOCKET;
}

int monitor_connect(bool nonblocking)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        const char *path = monitor_socket_path();
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int e = errno;

                close(fd);
                return -e;
        }
        return fd;
}
