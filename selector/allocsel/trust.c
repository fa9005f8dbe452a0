/* Ownership and permission checks on config files and libraries.
 *
 * The path is walked as the kernel (and ld.so) will walk it, one component
 * at a time from "/", each opened relative to the directory checked before
 * it: a symlink counts as itself (a trusted user's) and as its target,
 * walked the same way. Only what was checked is opened, so nobody can swap
 * a component between the check and the use. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trust.h"

/* As the kernel's MAXSYMLINKS. */
#define MAX_SYMLINKS 40

struct walk {
        int dirfd;              /* the directory reached so far, checked */
        bool sticky_holder_ok;  /* a candidate file, validated but never used */
        struct stat dirst;
        char dir[PATH_MAX];     /* its physical path, for messages */
        char rest[PATH_MAX];    /* components still to walk */
        int links;
        char **why;
};

static int why(char **ret_why, const char *path, const char *reason)
{
        if (asprintf(ret_why, "%s %s", path, reason) < 0)
                *ret_why = NULL;
        return -EPERM;
}

bool trusted_owner(uid_t uid)
{
        return uid == 0 || uid == geteuid();
}

int trusted_owner_check(uid_t uid, const char *path, char **ret_why)
{
        if (trusted_owner(uid))
                return 0;
        if (geteuid() == 0)
                return why(ret_why, path, "is not owned by root");
        if (asprintf(ret_why, "%s is owned by uid %u, neither root nor the user allocsel runs as (uid %u)", path,
                     (unsigned)uid, (unsigned)geteuid()) < 0)
                *ret_why = NULL;
        return -EPERM;
}

/* Owned by a trusted user and writable by nobody else. A sticky directory
 * (/tmp) may be world-writable where it is only passed through: below it
 * nobody but the owner can rename or replace the trusted entries. */
static int check_mode(const struct stat *st, const char *path, bool sticky_ok, char **ret_why)
{
        if (!trusted_owner(st->st_uid))
                return trusted_owner_check(st->st_uid, path, ret_why);
        if (!(st->st_mode & (S_IWGRP | S_IWOTH)))
                return 0;
        if (sticky_ok && S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX))
                return 0;
        if (S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX))
                return why(ret_why, path,
                           "is writable by group or others (sticky directories are trusted only above the file's own directory)");
        return why(ret_why, path, "is writable by group or others");
}

static int path_join(char *buf, size_t size, const char *dir, const char *name)
{
        int n = snprintf(buf, size, "%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", name);

        return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int walk_enter(struct walk *w, int fd, const char *path)
{
        if (fstat(fd, &w->dirst) < 0) {
                int r = -errno;

                close(fd);
                return r;
        }
        if (w->dirfd >= 0)
                close(w->dirfd);
        w->dirfd = fd;
        snprintf(w->dir, sizeof(w->dir), "%s", path);
        return 0;
}

static int walk_root(struct walk *w)
{
        int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), r;

        if (fd < 0)
                return -errno;
        r = walk_enter(w, fd, "/");
        return r < 0 ? r : check_mode(&w->dirst, "/", true, w->why);
}

/* Takes the next component off w->rest into name; false when none is left. */
static bool next_component(struct walk *w, char *name, size_t size)
{
        char *p = w->rest, *end;
        size_t len;

        p += strspn(p, "/");
        end = strchr(p, '/');
        len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0)
                return false;
        snprintf(name, size, "%.*s", (int)len, p);
        memmove(w->rest, p + len, strlen(p + len) + 1);
        return true;
}

static bool is_last(const struct walk *w)
{
        return w->rest[strspn(w->rest, "/")] == '\0';
}

/* The directory that holds a file or a symlink: nobody else may add,
 * remove or (hard) link entries in it, sticky bit or not. */
static int check_holder(const struct walk *w)
{
        return check_mode(&w->dirst, w->dir, w->sticky_holder_ok, w->why);
}

static int walk_parent(struct walk *w)
{
        char parent[PATH_MAX], *slash;
        int fd;

        if (strcmp(w->dir, "/") == 0)
                return 0;
        fd = openat(w->dirfd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        snprintf(parent, sizeof(parent), "%s", w->dir);
        slash = strrchr(parent, '/');
        if (slash == parent)
                slash[1] = '\0';
        else if (slash)
                *slash = '\0';
        return walk_enter(w, fd, parent);
}

/* Replaces the symlink name (in w->dir) by its target, followed by the rest. */
static int walk_symlink(struct walk *w, const char *name, const char *path, const struct stat *st)
{
        char target[PATH_MAX], rest[PATH_MAX];
        ssize_t n;
        int r;

        r = trusted_owner_check(st->st_uid, path, w->why);
        if (r < 0)
                return r;
        r = check_holder(w);
        if (r < 0)
                return r;
        if (++w->links > MAX_SYMLINKS) {
                (void)why(w->why, path, "is one of too many levels of symbolic links");
                return -ELOOP;
        }
        n = readlinkat(w->dirfd, name, target, sizeof(target) - 1);
        if (n < 0)
                return -errno;
        target[n] = '\0';
        snprintf(rest, sizeof(rest), "%s", w->rest);
        if ((size_t)snprintf(w->rest, sizeof(w->rest), "%s/%s", target, rest) >= sizeof(w->rest))
                return -ENAMETOOLONG;
        return target[0] == '/' ? walk_root(w) : 0;
}

static int walk_directory(struct walk *w, const char *name, const char *path, const struct stat *st)
{
        int fd, r;

        if (!S_ISDIR(st->st_mode)) {
                (void)why(w->why, path, "is not a directory");
                return -ENOTDIR;
        }
        r = check_mode(st, path, true, w->why);
        if (r < 0)
                return r;
        fd = openat(w->dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return walk_enter(w, fd, path);
}

/* Opens the last component, already lstat'ed as st. A FIFO never blocks:
 * nothing but a regular file (or, for want_dir, a directory) is opened. */
static int walk_open_last(struct walk *w, const char *name, const char *path, const struct stat *st,
                          bool want_dir, int *ret_fd)
{
        struct stat fst;
        int fd, r;

        if (want_dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode))
                return why(w->why, path, want_dir ? "is not a directory" : "is not a regular file");
        fd = openat(w->dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
                    (want_dir ? O_DIRECTORY : 0));
        if (fd < 0)
                return -errno;
        if (fstat(fd, &fst) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        if (fst.st_dev != st->st_dev || fst.st_ino != st->st_ino)
                r = why(w->why, path, "changed while it was being checked");
        else
                r = want_dir ? 0 : check_holder(w);
        if (r == 0)
                r = check_mode(&fst, path, false, w->why);
        if (r < 0) {
                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

static int walk_step(struct walk *w, bool want_dir, int *ret_fd)
{
        char name[NAME_MAX + 1], path[PATH_MAX];
        struct stat st;

        if (!next_component(w, name, sizeof(name)))
                return want_dir ? walk_open_last(w, ".", w->dir, &w->dirst, true, ret_fd) :
                                  why(w->why, w->dir, "is not a regular file");
        if (strcmp(name, ".") == 0)
                return is_last(w) && want_dir ? walk_open_last(w, ".", w->dir, &w->dirst, true, ret_fd) : 0;
        if (strcmp(name, "..") == 0) {
                int r = walk_parent(w);

                return r < 0 || !is_last(w) || !want_dir ? r :
                       walk_open_last(w, ".", w->dir, &w->dirst, true, ret_fd);
        }
        if (path_join(path, sizeof(path), w->dir, name) < 0)
                return -ENAMETOOLONG;
        if (fstatat(w->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (S_ISLNK(st.st_mode))
                return walk_symlink(w, name, path, &st);
        if (is_last(w))
                return walk_open_last(w, name, path, &st, want_dir, ret_fd);
        return walk_directory(w, name, path, &st);
}

static int walk_finish(struct walk *w, bool want_dir, int *ret_fd)
{
        int fd = -1, r = 0;

        while (r == 0 && fd < 0)
                r = walk_step(w, want_dir, &fd);
        if (w->dirfd >= 0)
                close(w->dirfd);
        if (r < 0)
                return r;
        *ret_fd = fd;
        return 0;
}

static int walk_open(const char *path, unsigned flags, bool want_dir, int *ret_fd, char **ret_why)
{
        struct walk w = { .dirfd = -1, .why = ret_why, .sticky_holder_ok = flags & TRUST_STICKY_HOLDER };
        char cwd[PATH_MAX];
        int r;

        if (path[0] == '\0')
                return -ENOENT;
        if (path[0] != '/' && !getcwd(cwd, sizeof(cwd)))
                return -errno;
        if ((size_t)snprintf(w.rest, sizeof(w.rest), "%s%s%s", path[0] == '/' ? "" : cwd,
                             path[0] == '/' ? "" : "/", path) >= sizeof(w.rest))
                return -ENAMETOOLONG;
        r = walk_root(&w);
        if (r < 0) {
                if (w.dirfd >= 0)
                        close(w.dirfd);
                return r;
        }
        return walk_finish(&w, want_dir, ret_fd);
}

/* From a directory trusted_dir_open() checked, with all above it: only
 * what lies below (or where its links lead) is left to walk. */
static int walk_open_at(int dirfd, const char *dir, const char *name, unsigned flags, int *ret_fd,
                        char **ret_why)
{
        struct walk w = { .dirfd = -1, .why = ret_why, .sticky_holder_ok = flags & TRUST_STICKY_HOLDER };
        int fd, r;

        if (name[0] == '\0' || name[0] == '/')
                return -EINVAL;
        if ((size_t)snprintf(w.rest, sizeof(w.rest), "%s", name) >= sizeof(w.rest))
                return -ENAMETOOLONG;
        fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return -errno;
        r = walk_enter(&w, fd, dir);
        return r < 0 ? r : walk_finish(&w, false, ret_fd);
}

/* No ownership rules (the program itself, tests): still nothing that could block. */
static int open_plain(int dirfd, const char *path, bool want_dir, int *ret_fd, char **ret_why)
{
        struct stat st;
        int fd;

        if (fstatat(dirfd, path, &st, 0) < 0)
                return -errno;
        if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
                return why(ret_why, path, want_dir ? "is not a directory" : "is not a regular file");
        fd = openat(dirfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (want_dir ? O_DIRECTORY : 0));
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0 || (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))) {
                int r = why(ret_why, path, want_dir ? "is not a directory" : "is not a regular file");

                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

/* Regular files never block on reads anyway; later readers expect blocking I/O. */
static void clear_nonblock(int fd)
{
        (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
}

static int open_checked(const char *path, unsigned flags, bool want_dir, int *ret_fd, char **ret_why)
{
        int fd = -1, r;

        *ret_why = NULL;
        r = flags & TRUST_OWNER ? walk_open(path, flags, want_dir, &fd, ret_why) :
                                  open_plain(AT_FDCWD, path, want_dir, &fd, ret_why);
        if (r < 0)
                return r;
        if (!want_dir)
                clear_nonblock(fd);
        *ret_fd = fd;
        return 0;
}

static unsigned owner_flag(bool check_owner)
{
        return check_owner ? TRUST_OWNER : 0;
}

int trusted_open(const char *path, bool check_owner, int *ret_fd, char **ret_why)
{
        return open_checked(path, owner_flag(check_owner), false, ret_fd, ret_why);
}

int trusted_open_flags(const char *path, unsigned flags, int *ret_fd, char **ret_why)
{
        return open_checked(path, flags, false, ret_fd, ret_why);
}

int trusted_path(const char *path, bool check_owner, char **ret_why)
{
        int fd, r = open_checked(path, owner_flag(check_owner), false, &fd, ret_why);

        if (r == 0)
                close(fd);
        return r;
}

int trusted_dir_open(const char *path, bool check_owner, int *ret_fd, char **ret_why)
{
        return open_checked(path, owner_flag(check_owner), true, ret_fd, ret_why);
}

int trusted_open_at(int dirfd, const char *dir, const char *name, unsigned flags, int *ret_fd, char **ret_why)
{
        int fd = -1, r;

        *ret_why = NULL;
        if (flags & TRUST_OWNER) {
                r = walk_open_at(dirfd, dir, name, flags, &fd, ret_why);
        } else {
                char path[PATH_MAX];

                r = open_plain(dirfd, name, false, &fd, ret_why);
                /* name it as the caller knows it */
                if (r == -EPERM && *ret_why && path_join(path, sizeof(path), dir, name) == 0) {
                        free(*ret_why);
                        r = why(ret_why, path, "is not a regular file");
                }
        }
        if (r < 0)
                return r;
        clear_nonblock(fd);
        *ret_fd = fd;
        return 0;
}
