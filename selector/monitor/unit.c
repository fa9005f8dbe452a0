/* Units from cgroup paths: the last component of the systemd hierarchy's
 * path (cgroup v2's "0::", or v1's "name=systemd"), when it names a unit. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-login.h>

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

int unit_of_pid(pid_t pid, char **ret_unit, char **ret_cgroup)
{
        char *unit = NULL, *cgroup = NULL;
        int r;

        /* libsystemd's reading of the cgroup path: a unit a user made up in a
         * delegated subtree is not the unit (a user's own units are under
         * user@UID.service, which is what this says) */
        r = sd_pid_get_unit(pid, &unit);
        if (r >= 0)
                r = sd_pid_get_cgroup(pid, &cgroup);
        if (r < 0 || !is_unit_name(unit)) {
                free(unit);
                free(cgroup);
                return r < 0 ? r : -ENOENT;
        }
        *ret_unit = unit;
        *ret_cgroup = cgroup;
        return 0;
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

int unit_next_main_pid(const char *cgroup, const char *unit, pid_t gone, uid_t uid, pid_t *ret)
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

                uid_t owner;

                /* never onto another user's process: the sender's word made this watch */
                if (parent_of(pids[i], &parent) < 0 || proc_read_stat(pids[i], &start, &state) < 0 ||
                    state == 'Z' || proc_read_uid(pids[i], &owner) < 0 || (uid != 0 && owner != uid))
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
