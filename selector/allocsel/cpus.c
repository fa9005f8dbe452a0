/* How many CPUs this service may use: the affinity mask, and the quota of
 * its cgroup and every cgroup above it (v2 and v1, as mounted). */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpus.h"
#include "numparse.h"
#include "sysfile.h"

static unsigned quota_cpus(unsigned long long quota, unsigned long long period)
{
        unsigned long long cpus = (quota + period - 1) / period;

        return cpus > 65536 ? 65536 : (unsigned)cpus;
}

int cfs_quota_parse(const char *quota, const char *period, unsigned *ret)
{
        long long q, p;

        if (strcmp(quota, "-1") == 0) {
                *ret = 0;
                return 0;
        }
        if (parse_ll(quota, 1, LLONG_MAX, &q) < 0 || parse_ll(period, 1, LLONG_MAX, &p) < 0)
                return -EINVAL;
        *ret = quota_cpus((unsigned long long)q, (unsigned long long)p);
        return 0;
}

int cpu_max_parse(const char *text, unsigned *ret)
{
        const char *space = strchr(text, ' ');
        char quota[32];

        if (!space || (size_t)(space - text) >= sizeof(quota))
                return -EINVAL;
        memcpy(quota, text, (size_t)(space - text));
        quota[space - text] = '\0';
        if (strcmp(quota, "max") == 0) {
                *ret = 0;
                return 0;
        }
        /* a number here: "-1" is only v1's way of saying none */
        return quota[0] == '-' ? -EINVAL : cfs_quota_parse(quota, space + 1, ret);
}

/* mountinfo writes ' ', '\t', '\n' and '\\' in paths as octal escapes. */
static void unescape(char *s)
{
        char *o = s;

        for (; *s; s++) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
                    s[3] >= '0' && s[3] <= '7') {
                        *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
                        s += 3;
                } else {
                        *o++ = *s;
                }
        }
        *o = '\0';
}

static bool list_has(const char *list, const char *item)
{
        size_t len = strlen(item);

        for (const char *c = list; c && *c; c += strcspn(c, ","), c += *c == ',') {
                if (strncmp(c, item, len) == 0 && (c[len] == ',' || c[len] == '\0'))
                        return true;
        }
        return false;
}

struct hierarchy {
        bool v2;
        char root[PATH_MAX];            /* the part of the hierarchy mounted */
        char mount[PATH_MAX];           /* where */
};

/* The mount of the cgroup2 hierarchy, or of the v1 one with the cpu controller. */
static int find_mount(const char *mountinfo_file, bool v2, struct hierarchy *h)
{
        FILE *f = fopen(mountinfo_file, "re");
        char *line = NULL;
        size_t size = 0;
        int r = -ENOENT;

        if (!f)
                return -errno;
        while (r < 0 && getline(&line, &size, f) > 0) {
                char root[PATH_MAX], mount[PATH_MAX], fstype[64], options[512];
                const char *dash = strstr(line, " - ");

                if (!dash || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mount) != 2 ||
                    sscanf(dash + 3, "%63s %*s %511s", fstype, options) != 2)
                        continue;
                if (v2 ? strcmp(fstype, "cgroup2") != 0 :
                         strcmp(fstype, "cgroup") != 0 || !list_has(options, "cpu"))
                        continue;
                unescape(root);
                unescape(mount);
                h->v2 = v2;
                snprintf(h->root, sizeof(h->root), "%s", root);
                snprintf(h->mount, sizeof(h->mount), "%s", mount);
                r = 0;
        }
        free(line);
        fclose(f);
        return r;
}

/* The quota in one cgroup directory, 0 when it has none. */
static unsigned dir_quota(const struct hierarchy *h, const char *dir, char *text, size_t size)
{
        char path[PATH_MAX + 32], quota[24], period[24];
        unsigned cpus = 0;

        if (h->v2) {
                snprintf(path, sizeof(path), "%s/cpu.max", dir);
                if (sysfile_read(path, text, size) < 0 || cpu_max_parse(text, &cpus) < 0)
                        return 0;
                return cpus;
        }
        snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", dir);
        if (sysfile_read(path, quota, sizeof(quota)) < 0)
                return 0;
        snprintf(path, sizeof(path), "%s/cpu.cfs_period_us", dir);
        if (sysfile_read(path, period, sizeof(period)) < 0 || cfs_quota_parse(quota, period, &cpus) < 0)
                return 0;
        snprintf(text, size, "%s per %s", quota, period);
        return cpus;
}

/* The cgroup at path (as /proc/self/cgroup gives it) and every one above
 * it, up to the hierarchy's mount: the tightest quota into ret. */
static void walk_up(const struct hierarchy *h, const char *path, struct cpu_budget *ret)
{
        size_t root_len = strcmp(h->root, "/") == 0 ? 0 : strlen(h->root);
        char dir[PATH_MAX], text[64];

        if (root_len && (strncmp(path, h->root, root_len) != 0 || (path[root_len] != '/' && path[root_len])))
                return; /* another part of the hierarchy than the one mounted */
        if ((size_t)snprintf(dir, sizeof(dir), "%s%s", h->mount, path + root_len) >= sizeof(dir))
                return;
        for (;;) {
                unsigned cpus = dir_quota(h, dir, text, sizeof(text));
                char *slash;

                if (cpus && (!ret->quota || cpus < ret->quota)) {
                        ret->quota = cpus;
                        snprintf(ret->quota_file, sizeof(ret->quota_file), "%s/%s", dir,
                                 h->v2 ? "cpu.max" : "cpu.cfs_quota_us");
                        snprintf(ret->quota_text, sizeof(ret->quota_text), "%s", text);
                }
                slash = strrchr(dir, '/');
                if (strlen(dir) <= strlen(h->mount) || !slash)
                        break;
                *slash = '\0';
        }
}

int cpu_quota_read(const char *cgroup_file, const char *mountinfo_file, struct cpu_budget *ret)
{
        FILE *f = fopen(cgroup_file, "re");
        char *line = NULL;
        size_t size = 0;

        ret->quota = 0;
        ret->quota_file[0] = ret->quota_text[0] = '\0';
        if (!f)
                return -errno;
        /* "0::/system.slice/x.service" (v2), "4:cpu,cpuacct:/system.slice/x.service" (v1) */
        while (getline(&line, &size, f) > 0) {
                char *controllers = strchr(line, ':'), *path = controllers ? strchr(controllers + 1, ':') : NULL;
                struct hierarchy h;
                bool v2;

                if (!path)
                        continue;
                *controllers++ = '\0';
                *path++ = '\0';
                path[strcspn(path, "\n")] = '\0';
                v2 = strcmp(line, "0") == 0 && controllers[0] == '\0';
                if (!v2 && !list_has(controllers, "cpu"))
                        continue;
                if (find_mount(mountinfo_file, v2, &h) == 0)
                        walk_up(&h, path, ret);
        }
        free(line);
        fclose(f);
        return 0;
}

static unsigned affinity_cpus(void)
{
        for (int n = 1024; n <= 65536; n *= 2) {
                cpu_set_t *set = CPU_ALLOC(n);
                size_t size = CPU_ALLOC_SIZE(n);
                int r;

                if (!set)
                        return 0;
                r = sched_getaffinity(0, size, set);
                if (r == 0) {
                        unsigned cpus = (unsigned)CPU_COUNT_S(size, set);

                        CPU_FREE(set);
                        return cpus;
                }
                CPU_FREE(set);
                if (errno != EINVAL)
                        return 0;
        }
        return 0;
}

int cpu_budget_read(struct cpu_budget *ret)
{
        memset(ret, 0, sizeof(*ret));
        ret->affinity = affinity_cpus();
        if (!ret->affinity) {
                long online = sysconf(_SC_NPROCESSORS_ONLN);

                ret->affinity = online > 0 ? (unsigned)online : 1;
        }
        (void)cpu_quota_read("/proc/self/cgroup", "/proc/self/mountinfo", ret);
        ret->cpus = ret->quota && ret->quota < ret->affinity ? ret->quota : ret->affinity;
        return 0;
}

long long arenas_for_cpus(enum alloc_family family, unsigned cpus)
{
        switch (family) {
        case FAMILY_GLIBC:
                /* malloc/arena.c: NARENAS_FROM_NCORES */
                return (long long)cpus * (sizeof(long) == 4 ? 2 : 8);
        case FAMILY_JEMALLOC:
                /* src/jemalloc.c: malloc_init_narenas, opt_narenas_ratio 4 */
                return cpus > 1 ? (long long)cpus * 4 : 1;
        default:
                return 0;
        }
}
