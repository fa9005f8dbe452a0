/* Allocator catalog: names, sonames per distribution, library directories,
 * discovery with an ELF check, and custom allocators from allocsel.conf. */
#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <libconfig.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "confread.h"
#include "elf_info.h"
#include "policy.h"
#include "suggest.h"
#include "trust.h"

#ifndef MULTIARCH
#define MULTIARCH ""
#endif

struct builtin {
        const char *name;
        enum alloc_family family;
        bool gperftools_full;
        const char *sonames;    /* space-separated, preferred first */
};

/* Debian/Ubuntu, RHEL/Fedora/SUSE, Arch and Alpine all ship these sonames. */
static const struct builtin builtins[] = {
        { "glibc", FAMILY_GLIBC, false, "" },
        { "jemalloc", FAMILY_JEMALLOC, false, "libjemalloc.so.2 libjemalloc.so.1" },
        { "tcmalloc", FAMILY_GPERFTOOLS, true, "libtcmalloc.so.4" },
        { "tcmalloc-minimal", FAMILY_GPERFTOOLS, false, "libtcmalloc_minimal.so.4" },
        { "mimalloc", FAMILY_MIMALLOC, false, "libmimalloc.so.2 libmimalloc.so.3" },
};

static const char *const default_dirs[] = {
        "/usr/lib64", "/lib64", "/usr/lib", "/lib", "/usr/local/lib64", "/usr/local/lib",
};

/* Library names that mean "an allocator": preloading two of them crashes. */
static const char *const allocator_prefixes[] = { "libjemalloc", "libtcmalloc", "libmimalloc" };

static const char *const family_names[] = {
        [FAMILY_GLIBC] = "glibc", [FAMILY_JEMALLOC] = "jemalloc", [FAMILY_GPERFTOOLS] = "tcmalloc",
        [FAMILY_MIMALLOC] = "mimalloc", [FAMILY_NONE] = "none",
};

const char *family_name(enum alloc_family f)
{
        return family_names[f];
}

static struct allocator *add_allocator(struct catalog *c, const char *name)
{
        struct allocator *v = realloc(c->v, (c->n + 1) * sizeof(*v));

        if (!v)
                return NULL;
        c->v = v;
        memset(&v[c->n], 0, sizeof(v[c->n]));
        v[c->n].name = strdup(name);
        if (!v[c->n].name)
                return NULL;
        return &v[c->n++];
}

int catalog_init(struct catalog *c)
{
        int r;

        memset(c, 0, sizeof(*c));
        for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
                struct allocator *a = add_allocator(c, builtins[i].name);

                if (!a)
                        return -ENOMEM;
                a->family = builtins[i].family;
                a->gperftools_full = builtins[i].gperftools_full;
                r = strv_split(&a->sonames, builtins[i].sonames, " ");
                if (r < 0)
                        return r;
        }
        if (MULTIARCH[0]) {
                r = strv_push(&c->dirs, "/usr/lib/" MULTIARCH);
                if (r == 0)
                        r = strv_push(&c->dirs, "/lib/" MULTIARCH);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < sizeof(default_dirs) / sizeof(default_dirs[0]); i++) {
                r = strv_push(&c->dirs, default_dirs[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

void catalog_free(struct catalog *c)
{
        for (size_t i = 0; i < c->n; i++) {
                free(c->v[i].name);
                free(c->v[i].library);
                strv_free(&c->v[i].sonames);
        }
        free(c->v);
        strv_free(&c->dirs);
        free(c->global_file);
        free(c->on_error);
        memset(c, 0, sizeof(*c));
}

const struct allocator *catalog_find(const struct catalog *c, const char *name)
{
        for (size_t i = 0; i < c->n; i++)
                if (strcmp(c->v[i].name, name) == 0)
                        return &c->v[i];
        return NULL;
}

const char *catalog_suggest(const struct catalog *c, const char *name)
{
        const char *names[64];
        size_t n = 0;

        for (size_t i = 0; i < c->n && n < 64; i++)
                names[n++] = c->v[i].name;
        return suggest_nearest(name, names, n);
}

static int load_dirs(struct catalog *c, const config_setting_t *list, const char *file, struct diags *d)
{
        struct strv dirs = { 0 };
        int line = config_setting_source_line(list);

        if (!config_setting_is_aggregate(list) || config_setting_is_group(list)) {
                diags_add(d, DIAG_ERROR, file, line, "library_dirs: expected a list of paths");
                return -EINVAL;
        }
        for (int i = 0; i < config_setting_length(list); i++) {
                const char *dir = config_setting_get_string_elem(list, i);

                if (!dir || dir[0] != '/') {
                        diags_add(d, DIAG_ERROR, file, line, "library_dirs: entry %d is not an absolute path", i + 1);
                        strv_free(&dirs);
                        return -EINVAL;
                }
                (void)strv_push(&dirs, dir);
        }
        /* The operator's directories come before the distribution's. */
        for (size_t i = 0; i < c->dirs.n; i++)
                (void)strv_push(&dirs, c->dirs.v[i]);
        strv_free(&c->dirs);
        c->dirs = dirs;
        return 0;
}

static int parse_family(const char *s, enum alloc_family *ret)
{
        for (int f = FAMILY_GLIBC + 1; f <= FAMILY_NONE; f++)
                if (strcmp(s, family_names[f]) == 0) {
                        *ret = (enum alloc_family)f;
                        return 0;
                }
        return -EINVAL;
}

static void load_custom(struct catalog *c, const config_setting_t *def, const char *file, struct diags *d)
{
        const char *name = config_setting_name(def), *lib = NULL, *fam = "none";
        int line = config_setting_source_line(def);
        enum alloc_family family;
        struct allocator *a;

        if (!config_setting_is_group(def) || !config_setting_lookup_string(def, "library", &lib) ||
            lib[0] != '/') {
                diags_add(d, DIAG_ERROR, file, line,
                          "allocators.%s: needs library = \"/absolute/path.so\"", name);
                return;
        }
        config_setting_lookup_string(def, "family", &fam);
        if (parse_family(fam, &family) < 0) {
                diags_add(d, DIAG_ERROR, file, line,
                          "allocators.%s: family \"%s\" is not one of jemalloc|tcmalloc|mimalloc|none",
                          name, fam);
                return;
        }
        for (int i = 0; i < config_setting_length(def); i++) {
                const char *key = config_setting_name(config_setting_get_elem(def, (unsigned)i));

                if (strcmp(key, "library") != 0 && strcmp(key, "family") != 0)
                        diags_add(d, DIAG_ERROR, file, config_setting_source_line(config_setting_get_elem(def, (unsigned)i)),
                                  "unknown key \"allocators.%s.%s\" (known: library, family)", name, key);
        }
        if (catalog_find(c, name)) {
                diags_add(d, DIAG_ERROR, file, line, "allocators.%s: already defined", name);
                return;
        }
        a = add_allocator(c, name);
        if (!a)
                return;
        a->family = family;
        a->gperftools_full = family == FAMILY_GPERFTOOLS;
        a->library = strdup(lib);
        a->file = c->global_file;
        a->line = line;
}

/* The fleet-wide on_error: applies where a policy does not say (a policy
 * that cannot be parsed cannot say). */
static void load_on_error(struct catalog *c, const config_setting_t *cs, const char *file, struct diags *d)
{
        int line = config_setting_source_line(cs);
        const char *str = config_setting_get_string(cs);

        if (!str) {
                diags_add(d, DIAG_ERROR, file, line, "on_error: expected a string");
                return;
        }
        if (policy_check_choice(K_ON_ERROR, str, file, line, d) < 0)
                return;
        free(c->on_error);
        c->on_error = strdup(str);
}

int catalog_load_global(struct catalog *c, const char *path, bool check_owner, struct diags *d)
{
        const config_setting_t *root;
        size_t errors = diags_count(d, DIAG_ERROR);
        struct conf_scan scan;
        config_t cfg;
        int r;

        r = conf_read_trusted(path, check_owner ? TRUST_OWNER : 0, &cfg, &scan, d);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        conf_scan_free(&scan);
        c->global_file = strdup(path);
        root = config_root_setting(&cfg);
        for (int i = 0; i < config_setting_length(root); i++) {
                const config_setting_t *cs = config_setting_get_elem(root, (unsigned)i);
                const char *key = config_setting_name(cs);

                if (strcmp(key, "library_dirs") == 0)
                        load_dirs(c, cs, path, d);
                else if (strcmp(key, "allocators") == 0 && config_setting_is_group(cs))
                        for (int j = 0; j < config_setting_length(cs); j++)
                                load_custom(c, config_setting_get_elem(cs, (unsigned)j), path, d);
                else if (strcmp(key, "on_error") == 0)
                        load_on_error(c, cs, path, d);
                else {
                        static const char *const known[] = { "library_dirs", "allocators", "on_error" };
                        char hint[SUGGEST_HINT_MAX];

                        diags_add(d, DIAG_ERROR, path, config_setting_source_line(cs), "unknown key \"%s\"%s",
                                  key, suggest_hint(suggest_nearest(key, known, 3), hint, sizeof(hint)));
                }
        }
        config_destroy(&cfg);
        return diags_count(d, DIAG_ERROR) > errors ? -EINVAL : 0;
}

int library_check(const char *path, char **ret_why)
{
        struct elf_info info;
        int fd, r;

        *ret_why = NULL;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                r = -errno;
                if (asprintf(ret_why, "%s: %s", path, strerror(-r)) < 0)
                        *ret_why = NULL;
                return r;
        }
        r = elf_read(fd, &info);
        close(fd);
        if (r < 0) {
                if (asprintf(ret_why, "%s: %s", path,
                             r == -EBADF ? "not a regular file" :
                             r == -ENOEXEC ? "not an ELF file" : "malformed ELF file") < 0)
                        *ret_why = NULL;
                return r;
        }
        if (info.elf_class != elf_self_class()) {
                if (asprintf(ret_why, "%s: wrong ELF class %s (allocsel is %s)", path,
                             elf_class_name(info.elf_class), elf_class_name(elf_self_class())) < 0)
                        *ret_why = NULL;
                r = -ENOEXEC;
        } else if (!elf_matches_self(&info)) {
                if (asprintf(ret_why, "%s: built for another machine (e_machine %u, allocsel is %u)",
                             path, info.machine, elf_self_machine()) < 0)
                        *ret_why = NULL;
                r = -ENOEXEC;
        } else if (info.type != ET_DYN) {
                if (asprintf(ret_why, "%s: not a shared object", path) < 0)
                        *ret_why = NULL;
                r = -ENOEXEC;
        }
        elf_info_free(&info);
        return r;
}

int catalog_locate(const struct catalog *c, const struct allocator *a, char **ret_path, char **ret_why)
{
        char *first_why = NULL;

        *ret_why = NULL;
        if (a->library) {
                int r = library_check(a->library, ret_why);

                if (r == 0)
                        *ret_path = strdup(a->library);
                return r < 0 ? r : (*ret_path ? 0 : -ENOMEM);
        }
        for (size_t s = 0; s < a->sonames.n; s++)
                for (size_t i = 0; i < c->dirs.n; i++) {
                        char *path, *why = NULL;

                        if (asprintf(&path, "%s/%s", c->dirs.v[i], a->sonames.v[s]) < 0)
                                return -ENOMEM;
                        if (access(path, F_OK) < 0) {
                                free(path);
                                continue;
                        }
                        if (library_check(path, &why) == 0) {
                                free(first_why);
                                *ret_path = path;
                                return 0;
                        }
                        /* Remember why the first library that exists was refused. */
                        if (!first_why)
                                first_why = why;
                        else
                                free(why);
                        free(path);
                }
        if (first_why)
                *ret_why = first_why;
        else if (asprintf(ret_why, "no %s found in the library directories", a->sonames.n ?
                          a->sonames.v[0] : a->name) < 0)
                *ret_why = NULL;
        return -ENOENT;
}

bool catalog_is_allocator_library(const struct catalog *c, const char *name)
{
        const char *base = strrchr(name, '/');

        base = base ? base + 1 : name;
        for (size_t i = 0; i < sizeof(allocator_prefixes) / sizeof(allocator_prefixes[0]); i++)
                if (strncmp(base, allocator_prefixes[i], strlen(allocator_prefixes[i])) == 0)
                        return true;
        for (size_t i = 0; i < c->n; i++) {
                const char *lib = c->v[i].library, *lbase;

                if (!lib)
                        continue;
                lbase = strrchr(lib, '/');
                lbase = lbase ? lbase + 1 : lib;
                if (strcmp(lib, name) == 0 || strcmp(lbase, base) == 0)
                        return true;
        }
        return false;
}

/* ---- probing a found library for what it reads ---- */

static bool has(const struct file_map *m, const char *s, size_t len)
{
        return m->size && memmem(m->p, m->size, s, len) != NULL;
}
#define HAS(m, lit) has((m), (lit), sizeof(lit))       /* includes the NUL */
#define HAS_PREFIX(m, lit) has((m), (lit), sizeof(lit) - 1)

/* jemalloc reads getenv(PREFIX "MALLOC_CONF") where its functions are
 * PREFIX "mallctl" and so on (--with-jemalloc-prefix): the dynamic string
 * table, a few KiB, says which. */
static void jemalloc_conf_var(const struct elf_info *info, char *buf, size_t size)
{
        static const char fn[] = "mallctl";

        snprintf(buf, size, "MALLOC_CONF");
        for (size_t off = 0; info->dynstr && off < info->dynstr_size;) {
                const char *name = info->dynstr + off;
                size_t len = strlen(name);

                if (len > sizeof(fn) - 1 && len - (sizeof(fn) - 1) < 16 &&
                    strcmp(name + len - (sizeof(fn) - 1), fn) == 0 && strchr(name, '_')) {
                        size_t plen = len - (sizeof(fn) - 1);
                        char prefix[16];

                        for (size_t i = 0; i < plen; i++)
                                prefix[i] = (char)toupper((unsigned char)name[i]);
                        prefix[plen] = '\0';
                        snprintf(buf, size, "%sMALLOC_CONF", prefix);
                } else if (strcmp(name, fn) == 0) {
                        snprintf(buf, size, "MALLOC_CONF"); /* unprefixed wins */
                        return;
                }
                off += len + 1;
        }
}

/* A string such as "5.3.0-0-g54eaed1d..." (jemalloc) following no letter. */
static void jemalloc_version(const struct file_map *m, char *buf, size_t size)
{
        const unsigned char *p = m->p, *end = m->p + m->size;

        while (p && p < end && (p = memmem(p, (size_t)(end - p), "-g", 2)) != NULL) {
                const unsigned char *s = p;

                while (s > m->p && ((s[-1] >= '0' && s[-1] <= '9') || s[-1] == '.' || s[-1] == '-'))
                        s--;
                if (s < p && s[0] >= '0' && s[0] <= '9' && memchr(s, '.', (size_t)(p - s)) &&
                    (s == m->p || s[-1] == '\0')) {
                        size_t n = (size_t)(p - s);

                        /* stop at the "-N" commit count: keep "5.3.0" */
                        const unsigned char *dash = memchr(s, '-', n);

                        snprintf(buf, size, "%.*s", (int)(dash ? (size_t)(dash - s) : n), (const char *)s);
                        return;
                }
                p += 2;
        }
}

static void gperftools_version(const struct file_map *m, char *buf, size_t size)
{
        const unsigned char *p = memmem(m->p, m->size, "gperftools ", 11);

        if (p) {
                size_t avail = m->size - (size_t)(p - m->p) - 11;

                snprintf(buf, size, "%.*s", (int)strnlen((const char *)p + 11, avail < 32 ? avail : 32),
                         (const char *)p + 11);
        }
}

/* mimalloc's file is libmimalloc.so.MAJOR.MINOR: the resolved name says. */
static void version_from_file_name(const char *path, char *buf, size_t size)
{
        char resolved[PATH_MAX];
        const char *so;

        if (!realpath(path, resolved))
                return;
        so = strstr(resolved, ".so.");
        if (so)
                snprintf(buf, size, "%s", so + 4);
}

static int probe_dynstr(const char *path, struct elf_info *info)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), r;

        if (fd < 0)
                return -errno;
        r = elf_read(fd, info);
        close(fd);
        return r;
}

static void probe_contents(const struct file_map *m, const char *path, enum alloc_family family,
                           unsigned want, struct library_traits *t)
{
        switch (family) {
        case FAMILY_JEMALLOC:
                if (want & PROBE_VERSION)
                        jemalloc_version(m, t->version, sizeof(t->version));
                /* prof code, and its messages, exist only in --enable-prof builds */
                if (want & PROBE_PROFILING)
                        t->jemalloc_prof = HAS_PREFIX(m, "Run jeprof on dump output");
                break;
        case FAMILY_GPERFTOOLS:
                if (want & PROBE_VERSION)
                        gperftools_version(m, t->version, sizeof(t->version));
                t->heap_profiler = HAS(m, "HEAPPROFILE");
                t->heap_checker = HAS(m, "HEAPCHECK");
                break;
        case FAMILY_MIMALLOC:
                /* 2.1 renamed the decommit options to purge ones */
                t->mimalloc_purge_names = HAS(m, "purge_delay");
                if (want & PROBE_VERSION)
                        version_from_file_name(path, t->version, sizeof(t->version));
                break;
        default:
                if (want & PROBE_VERSION)
                        version_from_file_name(path, t->version, sizeof(t->version));
                break;
        }
}

int library_probe(const char *path, enum alloc_family family, unsigned want, struct library_traits *t)
{
        struct file_map m;
        int fd, r;

        memset(t, 0, sizeof(*t));
        if (family == FAMILY_GLIBC) {
                snprintf(t->version, sizeof(t->version), "%s", gnu_get_libc_version());
                return 0;
        }
        if (family == FAMILY_JEMALLOC && (want & PROBE_CONF_VAR)) {
                struct elf_info info = { 0 };

                (void)probe_dynstr(path, &info);
                jemalloc_conf_var(&info, t->conf_var, sizeof(t->conf_var));
                elf_info_free(&info);
                want &= ~(unsigned)PROBE_CONF_VAR;
        }
        if (!want)
                return 0;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        r = file_map_fd(fd, &m);
        close(fd);
        if (r < 0)
                return r;
        probe_contents(&m, path, family, want, t);
        file_unmap(&m);
        return 0;
}
