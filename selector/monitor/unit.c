/* Units from cgroup paths: the last component of the systemd hierarchy's
 * path (cgroup v2's "0::", or v1's "name=systemd"), when it names a unit. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numparse.h"
#include "procstat.h"
#include "unit.h"

static bool ends_with(const char *s, const char *suffix)
{
        size_t n = strlen(s), m = strlen(suffix);

        return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool is_unit_name(const char *name)
{
        static const char *const kinds[] = { ".service", ".scope" };

        for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++)
                if (ends_with(name, kinds[i]) && strlen(name) > strlen(kinds[i]))
                        return true;
        return false;
}

/* The unit a cgroup path ends in, or NULL. */
static const char *unit_in(const char *path)
{
        const char *name = strrchr(path, '/');

        return name && is_unit_name(name + 1) ? name + 1 : NULL;
}

int unit_of_pid(pid_t pid, char **ret_unit, char **ret_cgroup)
{
        char path[64], line[4096], *paths[2] = { NULL, NULL };
        int r = -ENOENT;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
        f = fopen(path, "re");
        if (!f)
                return -errno;
        /* v2's "0::/path", and v1's "N:name=systemd:/path" (a hybrid host's
         * containers see both: the one that names a unit counts, v2 first) */
        while (fgets(line, sizeof(line), f)) {
                char *p = strchr(line, ':');

                line[strcspn(line, "\n")] = '\0';
                if (!p)
                        continue;
                if (strncmp(p, "::", 2) == 0 && !paths[0])
                        paths[0] = strdup(p + 2);
                else if (strncmp(p + 1, "name=systemd:", 13) == 0 && !paths[1])
                        paths[1] = strdup(p + 14);
        }
        fclose(f);
        for (int i = 0; i < 2 && r == -ENOENT; i++) {
                const char *unit = paths[i] ? unit_in(paths[i]) : NULL;

                if (!unit)
                        continue;
                *ret_unit = strdup(unit);
                if (!*ret_unit) {
                        r = -ENOMEM;
                        break;
                }
                *ret_cgroup = paths[i];
                paths[i] = NULL;
                r = 0;
        }
        free(paths[0]);
        free(paths[1]);
        return r;
}

static FILE *open_procs(const char *cgroup)
{
        static const char *const roots[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd" };

        for (size_t i = 0; i < sizeof(roots) / sizeof(*roots); i++) {
                char path[4200];
                FILE *f;

                snprintf(path, sizeof(path), "%s%s/cgroup.procs", roots[i], cgroup);
                f = fopen(path, "re");
                if (f)
                        return f;
        }
        return NULL;
}

/* The parent PID, field 4 of /proc/PID/stat (after the command's ")" and
 * the state letter). */
static int parent_of(pid_t pid, pid_t *ret)
{
        char path[64], buf[1024], *p, *end;
        long long v;
        FILE *f;
        size_t n;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        f = fopen(path, "re");
        if (!f)
                return -errno;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        p = strrchr(buf, ')');
        if (!p || strlen(p) < 5)
                return -EBADMSG;
        p += 4; /* ") S " */
        end = strchr(p, ' ');
        if (!end)
                return -EBADMSG;
        *end = '\0';
        if (parse_ll(p, 0, INT_MAX, &v) < 0)
                return -EBADMSG;
        *ret = (pid_t)v;
        return 0;
}

int unit_next_main_pid(const char *cgroup, const char *unit, pid_t gone, pid_t *ret)
{
        unsigned long long best_start = 0;
        pid_t best = 0, pids[256];
        size_t n = 0;
        char line[32];
        FILE *f;

        if (!ends_with(unit, ".service"))
                return -ESRCH;
        f = open_procs(cgroup);
        if (!f)
                return -ESRCH;
        while (n < sizeof(pids) / sizeof(*pids) && fgets(line, sizeof(line), f)) {
                long long v;

                line[strcspn(line, "\n")] = '\0';
                if (parse_ll(line, 1, 1LL << 30, &v) == 0 && (pid_t)v != gone)
                        pids[n++] = (pid_t)v;
        }
        fclose(f);
        for (size_t i = 0; i < n; i++) {
                unsigned long long start;
                bool parent_inside = false;
                pid_t parent = 0;
                char state;

                if (parent_of(pids[i], &parent) < 0 || proc_read_stat(pids[i], &start, &state) < 0 ||
                    state == 'Z')
                        continue;
                for (size_t j = 0; j < n; j++)
                        parent_inside = parent_inside || pids[j] == parent;
                if (!parent_inside && (!best || start < best_start)) {
                        best = pids[i];
                        best_start = start;
                }
        }
        if (!best)
                return -ESRCH;
        *ret = best;
        return 0;
}
