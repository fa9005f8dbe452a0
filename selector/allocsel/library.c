/* Checking a library to preload: a path ld.so takes whole, one trusted
 * open of exactly that path, and on that descriptor the ELF checks and the
 * probes. ld.so loads what LD_PRELOAD names, so the path is never resolved. */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "library.h"
#include "trust.h"

/* glibc's rtld splits LD_PRELOAD on " :"; a tab or newline would split
 * the next tool that reads the variable, and break one-line messages. */
static const char *splitting_char(const char *path)
{
        for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
                if (*p == ' ')
                        return "a space";
                if (*p == ':')
                        return "':'";
                if (*p == '\t')
                        return "a tab";
                if (*p == '\n')
                        return "a newline";
                if (*p < 0x20 || *p == 0x7f)
                        return "a control character";
        }
        return NULL;
}

int library_path_check(const char *path, char **ret_why)
{
        const char *c = splitting_char(path);

        *ret_why = NULL;
        if (path[0] != '/')
                return set_why(ret_why, -EINVAL, "\"%s\" is not an absolute path", path);
        if (c)
                return set_why(ret_why, -EINVAL,
                               "\"%s\" contains %s (ld.so splits LD_PRELOAD on whitespace and ':')", path, c);
        /* ld.so would load another file than the one checked */
        if (strchr(path, '$'))
                return set_why(ret_why, -EINVAL,
                               "\"%s\" contains '$' (ld.so expands $ORIGIN, $LIB and $PLATFORM in LD_PRELOAD)",
                               path);
        return 0;
}

static int elf_error(int r, const char *path, char **ret_why)
{
        return set_why(ret_why, r, "%s: %s", path,
                       r == -ENOEXEC ? "not an ELF file" :
                       r == -EBADMSG ? "truncated or malformed ELF file" : strerror(-r));
}

/* A shared object of our class and machine; an allocator's must define
 * malloc and free (mimalloc built with MI_OVERRIDE=OFF, as Fedora and RHEL
 * do, defines only mi_malloc: preloading it changes nothing). */
static int check_elf(const struct elf_info *info, const char *path, bool replaces_malloc, char **ret_why)
{
        if (info->elf_class != elf_self_class())
                return set_why(ret_why, -ENOEXEC, "%s: wrong ELF class %s (allocsel is %s)", path,
                               elf_class_name(info->elf_class), elf_class_name(elf_self_class()));
        if (!elf_matches_self(info))
                return set_why(ret_why, -ENOEXEC, "%s: built for another machine (e_machine %u, allocsel is %u)",
                               path, info->machine, elf_self_machine());
        if (info->type != ET_DYN)
                return set_why(ret_why, -ENOEXEC, "%s: not a shared object", path);
        if (info->has_interp || info->pie)
                return set_why(ret_why, -ENOEXEC, "%s is a program (%s), not a shared library", path,
                               info->has_interp ? "it has an interpreter" : "a position-independent executable");
        if (replaces_malloc && !(elf_exports(info, "malloc") && elf_exports(info, "free")))
                return set_why(ret_why, -ENOEXEC,
                               "%s does not export malloc and free (preloading it would replace nothing)",
                               path);
        return 0;
}

static int load(const char *path, const struct library_query *q, struct library_traits *t, char **ret_why)
{
        struct elf_info info;
        int fd, r;

        r = library_path_check(path, ret_why);
        if (r < 0)
                return r;
        r = trusted_open(path, q->check_owner, &fd, ret_why);
        if (r < 0)
                return *ret_why ? r : set_why(ret_why, r, "%s: %s", path, strerror(-r));
        r = elf_read(fd, ELF_EXPORTS, &info);
        if (r < 0) {
                close(fd);
                return elf_error(r, path, ret_why);
        }
        r = check_elf(&info, path, q->replaces_malloc, ret_why);
        if (r == 0)
                library_probe_fd(fd, &info, q->family, q->probe, t);
        elf_info_free(&info);
        close(fd);
        return r;
}

/* ---- one run's results by path ---- */

struct cached {
        char *path;
        struct library_query q;
        struct stat st;
        int r;
        char *why;
        struct library_traits t;
};

struct library_cache {
        struct cached *v;
        size_t n;
};

struct library_cache *library_cache_new(void)
{
        return calloc(1, sizeof(struct library_cache));
}

void library_cache_free(struct library_cache *cache)
{
        if (!cache)
                return;
        for (size_t i = 0; i < cache->n; i++) {
                free(cache->v[i].path);
                free(cache->v[i].why);
        }
        free(cache->v);
        free(cache);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
               a->st_mode == b->st_mode && a->st_uid == b->st_uid &&
               a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
               a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static bool same_query(const struct library_query *had, const struct library_query *want)
{
        return had->check_owner == want->check_owner && had->replaces_malloc == want->replaces_malloc &&
               had->family == want->family && (want->probe & ~had->probe) == 0;
}

static struct cached *lookup(struct library_cache *cache, const char *path, const struct library_query *q,
                             const struct stat *st)
{
        for (size_t i = 0; i < cache->n; i++) {
                struct cached *c = &cache->v[i];

                if (strcmp(c->path, path) == 0 && same_query(&c->q, q) && same_file(&c->st, st))
                        return c;
        }
        return NULL;
}

static void remember(struct library_cache *cache, const char *path, const struct library_query *q,
                     const struct stat *st, int r, const char *why, const struct library_traits *t)
{
        struct cached *v = realloc(cache->v, (cache->n + 1) * sizeof(*v));

        if (!v)
                return;
        cache->v = v;
        v[cache->n] = (struct cached){ strdup(path), *q, *st, r, why ? strdup(why) : NULL, *t };
        if (!v[cache->n].path || (why && !v[cache->n].why)) {
                free(v[cache->n].path);
                free(v[cache->n].why);
                return;
        }
        cache->n++;
}

int library_load(struct library_cache *cache, const char *path, const struct library_query *q,
                 struct library_traits *ret_traits, char **ret_why)
{
        struct library_traits t = { 0 };
        const struct cached *c;
        struct stat st;
        int r;

        *ret_why = NULL;
        if (!cache || stat(path, &st) < 0) {
                r = load(path, q, &t, ret_why);
                if (r == 0)
                        *ret_traits = t;
                return r;
        }
        c = lookup(cache, path, q, &st);
        if (c) {
                if (c->why)
                        *ret_why = strdup(c->why);
                if (c->r == 0)
                        *ret_traits = c->t;
                return c->r;
        }
        r = load(path, q, &t, ret_why);
        remember(cache, path, q, &st, r, *ret_why, &t);
        if (r == 0)
                *ret_traits = t;
        return r;
}
