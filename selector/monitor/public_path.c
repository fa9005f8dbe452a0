/* What the monitor, as root, may do with a path a user sent it: what that
 * user could do. Checked on the resolved path, directory by directory. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "public_path.h"

int public_file(const char *path, off_t max_size, char **ret_resolved, struct stat *ret_st)
{
        struct stat st;
        char *resolved;

        if (!path || path[0] != '/')
                return -EINVAL;
        resolved = realpath(path, NULL);
        if (!resolved)
                return -errno;
        for (char *slash = strchr(resolved + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
                *slash = '\0';
                if (stat(resolved, &st) < 0 || !S_ISDIR(st.st_mode) || !(st.st_mode & S_IXOTH)) {
                        free(resolved);
                        return -EPERM;
                }
                *slash = '/';
        }
        if (stat("/", &st) < 0 || !(st.st_mode & S_IXOTH) || stat(resolved, &st) < 0 || !S_ISREG(st.st_mode) ||
            !(st.st_mode & S_IROTH) || st.st_size > max_size) {
                free(resolved);
                return -EPERM;
        }
        *ret_resolved = resolved;
        *ret_st = st;
        return 0;
}

int public_file_open(const char *resolved, const struct stat *st)
{
        struct stat now;
        int fd = open(resolved, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);

        if (fd < 0)
                return -errno;
        if (fstat(fd, &now) < 0 || !S_ISREG(now.st_mode) || now.st_dev != st->st_dev || now.st_ino != st->st_ino) {
                close(fd);
                return -EPERM;
        }
        return fd;
}
