/* PATH search and the checks that decide whether LD_PRELOAD can take:
 * ld.so ignores it for set-ID and capability programs, a static program has
 * no ld.so at all, and a second allocator in one process crashes it. */
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "elf_info.h"
#include "program.h"
#include "trust.h"

/* What execvp searches when PATH is unset: glibc's confstr(_CS_PATH). */
#define DEFAULT_PATH "/bin:/usr/bin"
#define MAX_SHEBANG_DEPTH 4     /* the kernel's own limit on nested interpreters */

/* Whether execve would run path, and if not the error it would give: only
 * a regular file can be run (a FIFO or a directory is EACCES there too). */
static int executable(const char *path)
{
        struct stat st;

        if (stat(path, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EACCES;
        return access(path, X_OK) == 0 ? 0 : -errno;
}

/* The errors on which execvp tries the next directory (glibc's list);
 * EACCES too, remembered. Any other ends the search with that error. */
static bool search_goes_on(int r)
{
        return r == -EACCES || r == -ENOENT || r == -ESTALE || r == -ENOTDIR || r == -ENODEV || r == -ETIMEDOUT;
}

/* execvp's search, to the letter: a name with a '/' is used as it is; else
 * each element of PATH (unset: DEFAULT_PATH) in turn, an empty one being the
 * current directory ("a::b", ":a", "a:"); a match that cannot be run
 * (EACCES) counts only if nothing else is found. */
int program_find(const char *name, const char *path_env, char **ret_path)
{
        const char *path = path_env ? path_env : DEFAULT_PATH;
        int found = -ENOENT, r;

        if (!*name)
                return -ENOENT;
        if (strchr(name, '/')) {
                r = executable(name);
                if (r < 0)
                        return r;
                *ret_path = strdup(name);
                return *ret_path ? 0 : -ENOMEM;
        }
        if (strlen(name) > NAME_MAX)
                return -ENAMETOOLONG;
        for (const char *p = path;; p++) {
                size_t len = strcspn(p, ":");
                char *candidate;

                /* "dir/name", or "name" for an empty element */
                if (asprintf(&candidate, "%.*s%s%s", (int)len, p, len ? "/" : "", name) < 0)
                        return -ENOMEM;
                r = executable(candidate);
                if (r == 0) {
                        *ret_path = candidate;
                        return 0;
                }
                free(candidate);
                if (!search_goes_on(r))
                        return r;
                if (r == -EACCES)
                        found = -EACCES;
                p += len;
                if (!*p)
                        break;
        }
        return found;
}

static int reason(char **ret_reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int reason(char **ret_reason, const char *fmt, ...)
{
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(ret_reason, fmt, ap);
        va_end(ap);
        return n < 0 ? -ENOMEM : 1;
}

/* ld.so ignores LD_PRELOAD for set-ID and capability programs. Read off the
 * path's own mode and attributes: running a program, and being refused
 * LD_PRELOAD, needs no read permission (mode 4711). 1 with a reason, 0. */
static int privileged(const char *path, const struct stat *st, bool has_caps, char **ret_reason)
{
        if (st->st_mode & S_ISUID)
                return reason(ret_reason, "%s is set-user-ID (ld.so ignores LD_PRELOAD there)", path);
        if ((st->st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
                return reason(ret_reason, "%s is set-group-ID (ld.so ignores LD_PRELOAD there)", path);
        if (has_caps)
                return reason(ret_reason, "%s has file capabilities (ld.so ignores LD_PRELOAD there)", path);
        return 0;
}

/* Anything that keeps us from knowing what path is: an obstacle, never a
 * "fine" (a program we cannot read might be static or link an allocator);
 * only running out of memory is an error. */
static int unknown(const char *path, int r, char **ret_reason)
{
        if (r == -ENOMEM)
                return r;
        return reason(ret_reason, "%s cannot be inspected (%s), so the preload is not known to be safe", path,
                      strerror(-r));
}

/* "#!/usr/bin/python3 -u" gives "/usr/bin/python3"; 0 if not a script. */
static int read_interpreter(int fd, char *buf, size_t size)
{
        ssize_t n = pread(fd, buf, size - 1, 0);
        char *end;

        if (n < 2 || buf[0] != '#' || buf[1] != '!')
                return 0;
        buf[n] = '\0';
        end = strchr(buf, '\n');
        if (end)
                *end = '\0';
        memmove(buf, buf + 2 + strspn(buf + 2, " \t"), strlen(buf + 2 + strspn(buf + 2, " \t")) + 1);
        buf[strcspn(buf, " \t")] = '\0';
        return buf[0] ? 1 : 0;
}

/* allocator: an allocator library is among the preloads (a second one in
 * the process crashes it); the helpers mind only class and ld.so. */
static int check_elf(int fd, const char *path, const struct catalog *c, bool allocator, char **ret_reason)
{
        struct elf_info info;
        int r = elf_read(fd, 0, &info);

        if (r == -ENOEXEC || r == -EBADMSG)
                return 0;       /* not ELF: let execve report what it is */
        if (r < 0)
                return unknown(path, r, ret_reason);
        if (!elf_matches_self(&info))
                r = reason(ret_reason, "%s is a program of another ELF class or machine", path);
        else if (!info.has_interp)
                r = reason(ret_reason, "%s is a static executable (no ld.so to preload with)", path);
        for (size_t i = 0; allocator && r == 0 && i < info.needed.n; i++)
                if (catalog_is_allocator_library(c, info.needed.v[i]))
                        r = reason(ret_reason, "%s already links %s (two allocators in one process crash it)",
                                   path, info.needed.v[i]);
        elf_info_free(&info);
        return r;
}

static int inspect(const char *path, const struct catalog *c, bool allocator, char **ret_reason, int depth)
{
        char interp[256], *why = NULL;
        struct stat st;
        int fd, r;

        if (stat(path, &st) < 0)
                return unknown(path, -errno, ret_reason);
        r = privileged(path, &st, getxattr(path, "security.capability", NULL, 0) >= 0, ret_reason);
        if (r != 0)
                return r;
        /* never blocks: anything but a regular file is refused unopened */
        r = trusted_open(path, false, &fd, &why);
        if (r < 0 && why) {
                r = r == -ENOMEM ? r : reason(ret_reason, "%s", why);
                free(why);
                return r;
        }
        if (r < 0)
                return unknown(path, r, ret_reason);
        /* what was opened is what is read: the same checks on it */
        if (fstat(fd, &st) < 0)
                r = unknown(path, -errno, ret_reason);
        else
                r = privileged(path, &st, fgetxattr(fd, "security.capability", NULL, 0) >= 0, ret_reason);
        if (r != 0)
                goto out;
        r = read_interpreter(fd, interp, sizeof(interp));
        if (r == 1) {
                close(fd);
                if (depth >= MAX_SHEBANG_DEPTH)
                        return 0;
                return inspect(interp, c, allocator, ret_reason, depth + 1);
        }
        r = check_elf(fd, path, c, allocator, ret_reason);
out:
        close(fd);
        return r;
}

int program_preload_obstacle(const char *path, const struct catalog *c, bool allocator, char **ret_reason)
{
        *ret_reason = NULL;
        return inspect(path, c, allocator, ret_reason, 0);
}
