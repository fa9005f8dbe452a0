/* Reading /proc/PID/{status,statm,stat,maps}: small files, read whole. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "procstat.h"

static int read_small(pid_t pid, const char *name, char *buf, size_t size)
{
        char path[64];
        ssize_t n;
        int fd;

        snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        n = read(fd, buf, size - 1);
        close(fd);
        if (n < 0)
                return errno == ESRCH ? -ESRCH : -errno;
        buf[n] = '\0';
        return 0;
}

static long status_field(const char *buf, const char *name)
{
        const char *p = strstr(buf, name);
        char *end;
        long v;

        if (!p)
                return -1;
        v = strtol(p + strlen(name), &end, 10);
        return end == p + strlen(name) ? -1 : v;
}

int proc_read_status(pid_t pid, struct proc_sample *ret)
{
        char buf[4096];
        int r = read_small(pid, "status", buf, sizeof(buf));

        if (r < 0)
                return r;
        ret->rss_kb = status_field(buf, "\nVmRSS:");
        ret->hwm_kb = status_field(buf, "\nVmHWM:");
        ret->anon_kb = status_field(buf, "\nRssAnon:");
        return ret->rss_kb < 0 ? -ESRCH : 0;
}

int proc_read_uid(pid_t pid, uid_t *ret_uid)
{
        char buf[4096];
        long uid;
        int r = read_small(pid, "status", buf, sizeof(buf));

        if (r < 0)
                return r;
        uid = status_field(buf, "\nUid:\t");
        if (uid < 0)
                return -EBADMSG;
        *ret_uid = (uid_t)uid;
        return 0;
}

int proc_open_statm(pid_t pid)
{
        char path[64];
        int fd;

        snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        return fd >= 0 ? fd : errno == ENOENT ? -ESRCH : -errno;
}

int proc_read_rss(int statm_fd, long *ret_kb)
{
        static long page_kb;
        char buf[256], *p;
        long pages;
        ssize_t n = pread(statm_fd, buf, sizeof(buf) - 1, 0);

        if (n <= 0)
                return n == 0 || errno == ESRCH ? -ESRCH : -errno;
        buf[n] = '\0';
        if (page_kb <= 0)
                page_kb = sysconf(_SC_PAGESIZE) / 1024;
        /* "size resident shared ...": the second number */
        p = strchr(buf, ' ');
        if (!p)
                return -EBADMSG;
        pages = strtol(p + 1, NULL, 10);
        /* a zombie's statm is all zeros: no memory left to count */
        if (pages <= 0)
                return -ESRCH;
        *ret_kb = pages * page_kb;
        return 0;
}

/* Fields 3 (state) to 24 of /proc/PID/stat into f[3..24], state as a letter.
 * The command name may hold spaces and ')': fields start after the last ')'. */
static int read_stat_fields(pid_t pid, unsigned long long f[25], char *ret_state)
{
        char buf[1024], *p;
        int r = read_small(pid, "stat", buf, sizeof(buf));

        if (r < 0)
                return r;
        p = strrchr(buf, ')');
        if (!p || p[1] != ' ')
                return -EBADMSG;
        p += 2;
        *ret_state = *p;
        for (int field = 3; field <= 24; field++) {
                if (field > 3)
                        f[field] = strtoull(p, NULL, 10);
                p = strchr(p, ' ');
                if (!p)
                        return field == 24 ? 0 : -EBADMSG;
                p++;
        }
        return 0;
}

int proc_read_stat(pid_t pid, unsigned long long *ret_start, char *ret_state)
{
        unsigned long long f[25] = { 0 };
        int r = read_stat_fields(pid, f, ret_state);

        if (r < 0)
                return r;
        *ret_start = f[22];
        return 0;
}

int proc_maps_has(pid_t pid, dev_t dev, ino_t ino, const char *resolved_path, bool *ret)
{
        char path[64], line[512];
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
        f = fopen(path, "re");
        if (!f)
                return errno == ENOENT ? -ESRCH : -errno;
        *ret = false;
        while (fgets(line, sizeof(line), f)) {
                /* address perms offset major:minor inode path */
                char *p = line, *end;
                unsigned long maj, min;
                unsigned long long inode;

                for (int field = 0; field < 3 && p; field++) {
                        p = strchr(p, ' ');
                        if (p)
                                p++;
                }
                if (!p)
                        continue;
                maj = strtoul(p, &end, 16);
                if (*end != ':')
                        continue;
                min = strtoul(end + 1, &end, 16);
                inode = strtoull(end, &end, 10);
                end += strspn(end, " ");
                end[strcspn(end, "\n")] = '\0';
                if ((inode == (unsigned long long)ino && makedev(maj, min) == dev) ||
                    (resolved_path && strcmp(end, resolved_path) == 0)) {
                        *ret = true;
                        break;
                }
        }
        fclose(f);
        return 0;
}

/* Faults (fields 10-13), vsize (23, bytes) and rss (24, pages). */
static int add_process(pid_t pid, struct tree_sample *t)
{
        unsigned long long f[25] = { 0 };
        char state;
        int r = read_stat_fields(pid, f, &state);

        if (r < 0)
                return r;
        t->minflt += (long long)(f[10] + f[11]);
        t->majflt += (long long)(f[12] + f[13]);
        t->vsz_kb += (long long)(f[23] / 1024);
        t->rss_kb += (long long)f[24] * (sysconf(_SC_PAGESIZE) / 1024);
        t->processes++;
        return 0;
}

/* Children of every thread of pid (/proc/PID/task/TID/children). */
static void add_children(pid_t pid, struct tree_sample *t, int depth)
{
        char path[64];
        struct dirent *de;
        DIR *d;

        if (depth > 64)
                return;
        snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
        d = opendir(path);
        if (!d)
                return;
        while ((de = readdir(d))) {
                char name[300], buf[4096], *p, *end;

                if (de->d_name[0] == '.')
                        continue;
                snprintf(name, sizeof(name), "task/%s/children", de->d_name);
                if (read_small(pid, name, buf, sizeof(buf)) < 0)
                        continue;
                for (p = buf;; p = end) {
                        long child = strtol(p, &end, 10);

                        if (end == p)
                                break;
                        if (add_process((pid_t)child, t) == 0)
                                add_children((pid_t)child, t, depth + 1);
                }
        }
        closedir(d);
}

int proc_sample_tree(pid_t root, struct tree_sample *ret)
{
        struct tree_sample t = { 0 };
        int r = add_process(root, &t);

        if (r < 0)
                return r;
        add_children(root, &t, 0);
        *ret = t;
        return 0;
}
