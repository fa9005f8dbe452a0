/* Ownership and permission checks on config files and libraries,
 * done on the open descriptor for the file itself and on every directory
 * of its resolved path up to "/". */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trust.h"

static int why(char **ret_why, const char *path, const char *reason)
{
        if (asprintf(ret_why, "%s %s", path, reason) < 0)
                *ret_why = NULL;
        return -EPERM;
}

static int check_mode(const struct stat *st, const char *path, bool is_dir, char **ret_why)
{
        if (st->st_uid != 0)
                return why(ret_why, path, "is not owned by root");
        /* Below a sticky directory nobody but the owner may replace
         * root's entries, so its own world-writability does no harm. */
        if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(is_dir && (st->st_mode & S_ISVTX)))
                return why(ret_why, path, "is writable by group or others");
        return 0;
}

static int check_ancestors(const char *resolved, char **ret_why)
{
        char dir[PATH_MAX];
        struct stat st;

        if (snprintf(dir, sizeof(dir), "%s", resolved) >= (int)sizeof(dir))
                return -ENAMETOOLONG;
        for (;;) {
                char *slash = strrchr(dir, '/');

                if (!slash)
                        return 0;
                if (slash == dir)
                        slash[1] = '\0';
                else
                        *slash = '\0';
                if (lstat(dir, &st) < 0)
                        return -errno;
                if (!S_ISDIR(st.st_mode))
                        return why(ret_why, dir, "is not a directory");
                int r = check_mode(&st, dir, true, ret_why);
                if (r < 0)
                        return r;
                if (strcmp(dir, "/") == 0)
                        return 0;
        }
}

static int open_checked(const char *path, bool check_owner, bool keep, int *ret_fd, char **ret_why)
{
        char resolved[PATH_MAX];
        struct stat st;
        int fd, r;

        *ret_why = NULL;
        if (!realpath(path, resolved))
                return -errno;
        fd = open(resolved, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0) {
                r = -errno;
                goto fail;
        }
        if (!S_ISREG(st.st_mode)) {
                r = why(ret_why, path, "is not a regular file");
                goto fail;
        }
        if (check_owner) {
                r = check_mode(&st, path, false, ret_why);
                if (r < 0)
                        goto fail;
                r = check_ancestors(resolved, ret_why);
                if (r < 0)
                        goto fail;
        }
        if (keep)
                *ret_fd = fd;
        else
                close(fd);
        return 0;
fail:
        close(fd);
        return r;
}

int trusted_open(const char *path, bool check_owner, int *ret_fd, char **ret_why)
{
        return open_checked(path, check_owner, true, ret_fd, ret_why);
}

int trusted_path(const char *path, bool check_owner, char **ret_why)
{
        return open_checked(path, check_owner, false, NULL, ret_why);
}
