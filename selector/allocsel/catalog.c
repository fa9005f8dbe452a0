/* Allocator catalog: names, sonames per distribution, library directories,
 * discovery with an ELF check, and custom allocators from allocsel.conf. */
#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "confread.h"
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
        int line = config_setting_source_line(list), r = 0;

        if (!config_setting_is_aggregate(list) || config_setting_is_group(list)) {
                diags_add(d, DIAG_ERROR, file, line, "library_dirs: expected a list of paths, got %s",
                          conf_type_name(config_setting_type(list)));
                return -EINVAL;
        }
        for (int i = 0; r == 0 && i < config_setting_length(list); i++) {
                const config_setting_t *elem = config_setting_get_elem(list, (unsigned)i);
                const char *dir = config_setting_get_string(elem);
                int elem_line = (int)config_setting_source_line(elem);
                char *why = NULL;

                if (elem_line == 0)
                        elem_line = line;
                if (!dir) {
                        diags_add(d, DIAG_ERROR, file, elem_line, "library_dirs: entry %d: expected a string, got %s",
                                  i + 1, conf_type_name(config_setting_type(elem)));
                        r = -EINVAL;
                } else if ((r = library_path_check(dir, &why)) < 0) {
                        diags_add(d, DIAG_ERROR, file, elem_line, "library_dirs: entry %d, %s", i + 1,
                                  why ? why : strerror(-r));
                } else {
                        r = strv_push(&dirs, dir);
                }
                free(why);
        }
        /* The operator's directories come before the distribution's; with
         * any entry wrong, none of them is used. */
        for (size_t i = 0; r == 0 && i < c->dirs.n; i++)
                r = strv_push(&dirs, c->dirs.v[i]);
        if (r < 0) {
                strv_free(&dirs);
                return r;
        }
        strv_free(&c->dirs);
        c->dirs = dirs;
        return 0;
}

/* A custom allocator's family: any but glibc, whose malloc is no library. */
static int parse_family(const char *s, enum alloc_family *ret)
{
        return family_from_name(s, ret) == 0 && *ret != FAMILY_GLIBC ? 0 : -EINVAL;
}

/* A string member of a custom allocator's group: 0 with *ret (NULL when
 * it is absent), or -EINVAL with an error when it is not a string. */
static int member_string(const config_setting_t *def, const char *key, const char *file, const char **ret,
                         struct diags *d)
{
        const config_setting_t *cs = config_setting_get_member(def, key);

        *ret = NULL;
        if (!cs)
                return 0;
        if (config_setting_type(cs) != CONFIG_TYPE_STRING) {
                diags_add(d, DIAG_ERROR, file, config_setting_source_line(cs), "allocators.%s.%s: expected a string, got %s",
                          config_setting_name(def), key, conf_type_name(config_setting_type(cs)));
                return -EINVAL;
        }
        *ret = config_setting_get_string(cs);
        return 0;
}

/* One custom allocator: a problem is reported and the allocator left out;
 * returns -ENOMEM only. */
static int load_custom(struct catalog *c, const config_setting_t *def, const char *file, struct diags *d)
{
        const char *name = config_setting_name(def), *lib, *fam;
        int line = config_setting_source_line(def), r;
        enum alloc_family family = FAMILY_NONE;
        struct allocator *a;
        char *why = NULL;
        bool bad;

        if (!config_setting_is_group(def)) {
                diags_add(d, DIAG_ERROR, file, line,
                          "allocators.%s: expected a group { library = \"/absolute/path.so\"; family = \"...\"; }, got %s",
                          name, conf_type_name(config_setting_type(def)));
                return 0;
        }
        for (int i = 0; i < config_setting_length(def); i++) {
                const config_setting_t *cs = config_setting_get_elem(def, (unsigned)i);
                const char *key = config_setting_name(cs);

                if (strcmp(key, "library") != 0 && strcmp(key, "family") != 0)
                        diags_add(d, DIAG_ERROR, file, config_setting_source_line(cs),
                                  "unknown key \"allocators.%s.%s\" (known: library, family)", name, key);
        }
        bad = member_string(def, "library", file, &lib, d) < 0;
        bad = member_string(def, "family", file, &fam, d) < 0 || bad;
        if (!bad && !lib) {
                diags_add(d, DIAG_ERROR, file, line, "allocators.%s: needs library = \"/absolute/path.so\"", name);
                bad = true;
        } else if (lib && (r = library_path_check(lib, &why)) < 0) {
                diags_add(d, DIAG_ERROR, file, line, "allocators.%s: library %s", name, why ? why : strerror(-r));
                bad = true;
        }
        free(why);
        if (fam && parse_family(fam, &family) < 0) {
                diags_add(d, DIAG_ERROR, file, line,
                          "allocators.%s: family \"%s\" is not one of jemalloc|tcmalloc|mimalloc|none",
                          name, fam);
                bad = true;
        }
        if (bad)
                return 0;
        if (catalog_find(c, name)) {
                diags_add(d, DIAG_ERROR, file, line, "allocators.%s: already defined", name);
                return 0;
        }
        a = add_allocator(c, name);
        if (!a)
                return -ENOMEM;
        a->family = family;
        a->gperftools_full = family == FAMILY_GPERFTOOLS;
        a->file = c->global_file;
        a->line = line;
        a->library = strdup(lib);
        return a->library ? 0 : -ENOMEM;
}

static int load_allocators(struct catalog *c, const config_setting_t *cs, const char *file, struct diags *d)
{
        int r = 0;

        if (!config_setting_is_group(cs)) {
                diags_add(d, DIAG_ERROR, file, config_setting_source_line(cs),
                          "allocators: expected a group { NAME = { ... }; }, got %s",
                          conf_type_name(config_setting_type(cs)));
                return 0;
        }
        for (int j = 0; r == 0 && j < config_setting_length(cs); j++)
                r = load_custom(c, config_setting_get_elem(cs, (unsigned)j), file, d);
        return r;
}

/* The fleet-wide on_error: applies where a policy does not say (a policy
 * that cannot be parsed cannot say). */
static int load_on_error(struct catalog *c, const config_setting_t *cs, const char *file, struct diags *d)
{
        int line = config_setting_source_line(cs);
        const char *str = config_setting_get_string(cs);

        if (!str) {
                diags_add(d, DIAG_ERROR, file, line, "on_error: expected a string, got %s",
                          conf_type_name(config_setting_type(cs)));
                return 0;
        }
        if (policy_check_choice(K_ON_ERROR, str, file, line, d) < 0)
                return 0;
        free(c->on_error);
        c->on_error = strdup(str);
        return c->on_error ? 0 : -ENOMEM;
}

int catalog_load_global(struct catalog *c, const char *path, bool check_owner, struct diags *d)
{
        const config_setting_t *root;
        size_t errors = diags_count(d, DIAG_ERROR);
        struct conf_scan scan;
        config_t cfg;
        int r;

        r = conf_read_trusted(path, path, check_owner ? TRUST_OWNER : 0, &cfg, &scan, d);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        conf_scan_free(&scan);
        c->global_file = strdup(path);
        r = c->global_file ? 0 : -ENOMEM;
        root = config_root_setting(&cfg);
        for (int i = 0; r == 0 && i < config_setting_length(root); i++) {
                const config_setting_t *cs = config_setting_get_elem(root, (unsigned)i);
                const char *key = config_setting_name(cs);

                if (strcmp(key, "library_dirs") == 0)
                        r = load_dirs(c, cs, path, d) == -ENOMEM ? -ENOMEM : 0;
                else if (strcmp(key, "allocators") == 0)
                        r = load_allocators(c, cs, path, d);
                else if (strcmp(key, "on_error") == 0)
                        r = load_on_error(c, cs, path, d);
                else {
                        static const char *const known[] = { "library_dirs", "allocators", "on_error" };
                        char hint[SUGGEST_HINT_MAX];

                        diags_add(d, DIAG_ERROR, path, config_setting_source_line(cs), "unknown key \"%s\"%s",
                                  key, suggest_hint(suggest_nearest(key, known, 3), hint, sizeof(hint)));
                }
        }
        config_destroy(&cfg);
        if (r < 0)
                return r;
        return diags_count(d, DIAG_ERROR) > errors ? -EINVAL : 0;
}

/* An untrusted file, or one that is not a regular file, where libraries
 * are looked for is the operator's to fix: reported, not passed over. */
static bool stops_search(int r)
{
        return r == -EPERM || r == -ELOOP || r == -EINVAL;
}

int catalog_locate(const struct catalog *c, const struct allocator *a, struct library_cache *cache,
                   const struct library_query *q, char **ret_path, struct library_traits *ret_traits,
                   char **ret_why)
{
        char *first_why = NULL;

        *ret_why = NULL;
        if (a->library) {
                int r = library_load(cache, a->library, q, ret_traits, ret_why);

                if (r < 0)
                        return r;
                *ret_path = strdup(a->library);
                return *ret_path ? 0 : -ENOMEM;
        }
        for (size_t s = 0; s < a->sonames.n; s++)
                for (size_t i = 0; i < c->dirs.n; i++) {
                        char *path, *why = NULL;
                        int r;

                        if (asprintf(&path, "%s/%s", c->dirs.v[i], a->sonames.v[s]) < 0)
                                return -ENOMEM;
                        if (access(path, F_OK) < 0) {
                                free(path);
                                continue;
                        }
                        r = library_load(cache, path, q, ret_traits, &why);
                        if (r == 0 || stops_search(r)) {
                                free(first_why);
                                if (r == 0)
                                        *ret_path = path;
                                else
                                        free(path);
                                *ret_why = why;
                                return r;
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
