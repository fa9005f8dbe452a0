/* Small host files, read without ever blocking on them. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysfile.h"

static ssize_t read_regular(int fd, char *buf, size_t size)
{
        struct stat st;
        ssize_t n;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        do
                n = read(fd, buf, size - 1);
        while (n < 0 && errno == EINTR);
        return n < 0 ? -errno : n;
}

ssize_t sysfile_read(const char *path, char *buf, size_t size)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = read_regular(fd, buf, size);
        close(fd);
        if (n < 0)
                return n;
        if (n > 0 && buf[n - 1] == '\n')
                n--;
        buf[n] = '\0';
        return n;
}
