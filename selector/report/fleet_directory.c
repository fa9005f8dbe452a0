/* A collector's directory of journals, read by several threads.
 * systemd-journal-remote writes one series of files per sending host
 * (remote-HOST.journal, rotated as remote-HOST@....journal); journals
 * copied from hosts sit in directories named by machine ID. A run's
 * records, and systemd's records about its unit, are all in its host's
 * files: each host's files go to one thread, which joins them into a
 * fleet of its own, and the fleets are merged at the end. Reading is
 * decompressing and parsing fields, which grows with the CPUs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fleet.h"

#define MAX_THREADS 16

/* One host's files (or the files that name no host: one group). */
struct part {
        char *key;
        struct strv files;
};

struct parts {
        struct part *v;
        size_t n;
};

static bool ends_with(const char *s, const char *suffix)
{
        size_t n = strlen(s), k = strlen(suffix);

        return n >= k && strcmp(s + n - k, suffix) == 0;
}

static bool is_journal(const char *name)
{
        return ends_with(name, ".journal") || ends_with(name, ".journal~");
}

static bool is_machine_id(const char *name)
{
        return strlen(name) == 32 && strspn(name, "0123456789abcdef") == 32;
}

static int part_add(struct parts *ps, const char *key, size_t key_len, const char *path)
{
        struct part *p = NULL;

        for (size_t i = 0; i < ps->n && !p; i++)
                if (strlen(ps->v[i].key) == key_len && strncmp(ps->v[i].key, key, key_len) == 0)
                        p = &ps->v[i];
        if (!p) {
                struct part *v = realloc(ps->v, (ps->n + 1) * sizeof(*v));

                if (!v)
                        return -ENOMEM;
                ps->v = v;
                p = &ps->v[ps->n];
                *p = (struct part){ .key = strndup(key, key_len) };
                if (!p->key)
                        return -ENOMEM;
                ps->n++;
        }
        return strv_pushf(&p->files, "%s", path);
}

/* The series a file in the top directory belongs to: remote-HOST, or ""
 * for files that name no host (read together, in one thread). */
static size_t series_key_len(const char *name)
{
        if (strncmp(name, "remote-", 7) != 0)
                return 0;
        return strcspn(name, "@") < strlen(name) ? strcspn(name, "@") : strlen(name) - strlen(strrchr(name, '.'));
}

static bool is_dir_at(int dfd, const struct dirent *de)
{
        struct stat st;

        if (de->d_type != DT_UNKNOWN)
                return de->d_type == DT_DIR;
        return fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* dir's journal files, under key (or, for the top directory, by series). */
static int list_dir(const char *dir, const char *key, struct parts *ps, struct fleet *f)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        int r = 0;

        if (!d)         /* an unreadable machine directory is left out, and said */
                return key ? fleet_skip(f, dir, errno) : -errno;
        while (r == 0 && (de = readdir(d))) {
                char *path;

                if (de->d_name[0] == '.')
                        continue;
                if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (!key && is_machine_id(de->d_name) && is_dir_at(dirfd(d), de))
                        r = list_dir(path, de->d_name, ps, f);
                else if (is_journal(de->d_name) && !is_dir_at(dirfd(d), de))
                        r = key ? part_add(ps, key, strlen(key), path)
                                : part_add(ps, de->d_name, series_key_len(de->d_name), path);
                free(path);
        }
        closedir(d);
        return r;
}

static void parts_free(struct parts *ps)
{
        for (size_t i = 0; i < ps->n; i++) {
                free(ps->v[i].key);
                strv_free(&ps->v[i].files);
        }
        free(ps->v);
}

struct work {
        const struct fleet_source *src;
        const struct parts *parts;
        size_t next;                    /* the next part to take, atomically */
};

struct worker {
        struct work *work;
        struct fleet f;
        pthread_t thread;
        bool started;
        int r;
};

static void *worker_main(void *arg)
{
        struct worker *w = arg;

        for (;;) {
                size_t i = __atomic_fetch_add(&w->work->next, 1, __ATOMIC_RELAXED);

                if (i >= w->work->parts->n)
                        break;
                w->r = fleet_read_files(&w->f, w->work->src, w->work->parts->v[i].files.v);
                if (w->r < 0)
                        break;
        }
        return NULL;
}

static size_t cpus(void)
{
        cpu_set_t set;

        if (sched_getaffinity(0, sizeof(set), &set) < 0)
                return 1;
        return (size_t)CPU_COUNT(&set);
}

/* The files skipped by path, whichever thread read them. */
static int skip_cmp(const void *a, const void *b)
{
        return strcmp(((const struct fleet_skip *)a)->path, ((const struct fleet_skip *)b)->path);
}

int fleet_read_directory(struct fleet *f, const struct fleet_source *src)
{
        struct worker workers[MAX_THREADS];
        struct parts ps = { NULL, 0 };
        struct work work = { .src = src, .parts = &ps };
        size_t n;
        int r = list_dir(src->directory, NULL, &ps, f);

        n = ps.n < cpus() ? ps.n : cpus();
        n = n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : n;
        memset(workers, 0, sizeof(workers));
        for (size_t i = 0; r == 0 && i < n; i++) {
                workers[i].work = &work;
                /* this thread is worker 0; a thread that cannot start leaves its share to the others */
                workers[i].started = i > 0 && pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) == 0;
        }
        if (r == 0)
                worker_main(&workers[0]);
        for (size_t i = 0; i < n; i++) {
                if (workers[i].started)
                        pthread_join(workers[i].thread, NULL);
                if (workers[i].r < 0 && r == 0)
                        r = workers[i].r;
        }
        for (size_t i = 0; i < n; i++)
                if (r == 0)
                        r = fleet_absorb(f, &workers[i].f);
                else
                        fleet_free(&workers[i].f);
        parts_free(&ps);
        if (r == 0 && f->n_skipped > 1)
                qsort(f->skipped, f->n_skipped, sizeof(*f->skipped), skip_cmp);
        return r;
}
