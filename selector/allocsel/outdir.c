/* --compare's output directory: opened once without following a link and
 * checked on its descriptor; every file openat below it, O_EXCL or
 * O_NOFOLLOW, fstat before truncating. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "outdir.h"

/* Owned by the caller and writable by nobody else: nobody else can add,
 * swap or link an entry in it, or in the file. */
static int check_owned(const struct stat *st, const char *path, char **ret_why)
{
        if (st->st_uid != geteuid())
                return set_why(ret_why, -EPERM, "%s is owned by uid %u, not by the user allocsel runs as (uid %u)",
                               path, (unsigned)st->st_uid, (unsigned)geteuid());
        if (st->st_mode & (S_IWGRP | S_IWOTH))
                return set_why(ret_why, -EPERM, "%s is writable by group or others", path);
        return 0;
}

int outdir_open(const char *path, int *ret_dirfd, char **ret_why)
{
        struct stat st;
        int fd, r;

        *ret_why = NULL;
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
                return -errno;
        fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                r = -errno;
                if (r == -ELOOP || (r == -ENOTDIR && lstat(path, &st) == 0 && S_ISLNK(st.st_mode)))
                        return set_why(ret_why, -ELOOP, "%s is a symbolic link (name the directory itself)", path);
                return r;
        }
        r = fstat(fd, &st) < 0 ? -errno : check_owned(&st, path, ret_why);
        if (r < 0) {
                close(fd);
                return r;
        }
        *ret_dirfd = fd;
        return 0;
}

/* name exists: open it as it is (no link followed, no FIFO waited for),
 * and empty it only once it is known to be the caller's regular file. */
static int open_existing(int dirfd, const char *path, const char *name, int *ret_fd, char **ret_why)
{
        struct stat st;
        int fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC), r;

        if (fd < 0) {
                r = -errno;
                if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode))
                        return set_why(ret_why, -EPERM, "%s is %s", path,
                                       S_ISLNK(st.st_mode) ? "a symbolic link" : "not a regular file");
                return r;
        }
        if (fstat(fd, &st) < 0)
                r = -errno;
        else if (!S_ISREG(st.st_mode))
                r = set_why(ret_why, -EPERM, "%s is not a regular file", path);
        else if (st.st_nlink != 1)
                r = set_why(ret_why, -EPERM, "%s has other hard links", path);
        else
                r = check_owned(&st, path, ret_why);
        if (r == 0 && ftruncate(fd, 0) < 0)
                r = -errno;
        /* writes to a regular file never block anyway; the writer expects blocking I/O */
        if (r == 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
                r = -errno;
        if (r < 0) {
                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

int outdir_create(int dirfd, const char *dir, const char *name, int *ret_fd, char **ret_why)
{
        char path[4096];
        int fd;

        *ret_why = NULL;
        if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
                return -ENAMETOOLONG;
        /* one name in this directory, never a path that leaves it */
        if (name[0] == '\0' || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return set_why(ret_why, -EINVAL, "%s is not a file name in %s", name, dir);
        fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0644);
        if (fd >= 0) {
                *ret_fd = fd;
                return 0;
        }
        if (errno != EEXIST)
                return -errno;
        return open_existing(dirfd, path, name, ret_fd, ret_why);
}
