/* PATH search and the checks that decide whether LD_PRELOAD can take:
 * ld.so ignores it for set-ID and capability programs, a static program has
 * no ld.so at all, and a second allocator in one process crashes it. */
#include <elf.h>
#include <errno.h>
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

#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"
#define MAX_SHEBANG_DEPTH 4     /* the kernel's own limit on nested interpreters */

/* As execve sees it: only a regular file can be run (a FIFO or a
 * directory is EACCES there too). */
static int executable(const char *path)
{
        struct stat st;

        if (stat(path, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EACCES;
        return access(path, X_OK) == 0 ? 0 : -errno;
}

int program_find(const char *name, const char *path_env, char **ret_path)
{
        struct strv dirs = { 0 };
        int r, found = -ENOENT;

        if (!*name)
                return -ENOENT;
        if (strchr(name, '/')) {
                r = executable(name);
                if (r < 0)
                        return r == -ENOENT || r == -ENOTDIR ? -ENOENT : -EACCES;
                *ret_path = strdup(name);
                return *ret_path ? 0 : -ENOMEM;
        }
        r = strv_split(&dirs, path_env ? path_env : DEFAULT_PATH, ":");
        if (r < 0)
                return r;
        for (size_t i = 0; i < dirs.n; i++) {
                char *candidate;

                if (asprintf(&candidate, "%s/%s", dirs.v[i], name) < 0) {
                        found = -ENOMEM;
                        break;
                }
                r = executable(candidate);
                if (r == 0) {
                        *ret_path = candidate;
                        found = 0;
                        break;
                }
                /* like execvp: a match we may not run only counts if nothing else does */
                if (r == -EACCES)
                        found = -EACCES;
                free(candidate);
        }
        strv_free(&dirs);
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

static int check_elf(int fd, const char *path, const struct catalog *c, char **ret_reason)
{
        struct elf_info info;
        int r = elf_read(fd, 0, &info);

        if (r == -ENOEXEC || r == -EBADMSG)
                return 0;       /* not ELF: let execve report what it is */
        if (r < 0)
                return r;
        if (!elf_matches_self(&info))
                r = reason(ret_reason, "%s is a program of another ELF class or machine", path);
        else if (!info.has_interp)
                r = reason(ret_reason, "%s is a static executable (no ld.so to preload with)", path);
        for (size_t i = 0; r == 0 && i < info.needed.n; i++)
                if (catalog_is_allocator_library(c, info.needed.v[i]))
                        r = reason(ret_reason, "%s already links %s (two allocators in one process crash it)",
                                   path, info.needed.v[i]);
        elf_info_free(&info);
        return r;
}

static int inspect(const char *path, const struct catalog *c, char **ret_reason, int depth)
{
        char interp[256], *why = NULL;
        struct stat st;
        int fd, r;

        /* never blocks: anything but a regular file is refused unopened */
        r = trusted_open(path, false, &fd, &why);
        if (r < 0 && why) {
                r = reason(ret_reason, "%s", why);
                free(why);
                return r;
        }
        if (r < 0)
                return r;
        if (fstat(fd, &st) < 0) {
                r = -errno;
                goto out;
        }
        if (st.st_mode & S_ISUID) {
                r = reason(ret_reason, "%s is set-user-ID (ld.so ignores LD_PRELOAD there)", path);
                goto out;
        }
        if ((st.st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP)) {
                r = reason(ret_reason, "%s is set-group-ID (ld.so ignores LD_PRELOAD there)", path);
                goto out;
        }
        if (fgetxattr(fd, "security.capability", NULL, 0) >= 0) {
                r = reason(ret_reason, "%s has file capabilities (ld.so ignores LD_PRELOAD there)", path);
                goto out;
        }
        r = read_interpreter(fd, interp, sizeof(interp));
        if (r == 1) {
                close(fd);
                if (depth >= MAX_SHEBANG_DEPTH)
                        return 0;
                return inspect(interp, c, ret_reason, depth + 1);
        }
        r = check_elf(fd, path, c, ret_reason);
out:
        close(fd);
        return r;
}

int program_preload_obstacle(const char *path, const struct catalog *c, char **ret_reason)
{
        *ret_reason = NULL;
        return inspect(path, c, ret_reason, 0);
}
