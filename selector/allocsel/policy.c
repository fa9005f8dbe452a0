/* Loading policy files: locate them on the search path, read them through
 * the trusted reader, check every value against the schema and merge. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confread.h"
#include "numparse.h"
#include "policy.h"
#include "suggest.h"
#include "trust.h"

static const char *const sections[] = {
        "glibc", "jemalloc", "tcmalloc", "mimalloc", "profile", "monitor", "release", "environment"
};
#define N_SECTIONS (sizeof(sections) / sizeof(sections[0]))

/* Variables allocsel computes itself; a policy sets them through their
 * keys. Every ALLOCSEL_ name is allocsel's: the program, the monitor and the
 * release helper read them. */
static const char *const reserved_env[] = { "LD_PRELOAD", "GLIBC_TUNABLES", "MALLOC_CONF" };
#define RESERVED_ENV_PREFIX "ALLOCSEL_"

static bool env_reserved(const char *name)
{
        if (strncmp(name, RESERVED_ENV_PREFIX, sizeof(RESERVED_ENV_PREFIX) - 1) == 0)
                return true;
        for (size_t i = 0; i < sizeof(reserved_env) / sizeof(reserved_env[0]); i++)
                if (strcmp(name, reserved_env[i]) == 0)
                        return true;
        return false;
}

bool service_name_valid(const char *name)
{
        size_t len = strlen(name);

        if (len == 0 || len > 255 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return false;
        for (const char *c = name; *c; c++)
                if (!isalnum((unsigned char)*c) && !strchr("_.@:-", *c))
                        return false;
        return true;
}

const char *policy_key_name(enum policy_key k, char *buf, size_t size)
{
        const struct key_spec *ks = &policy_keys[k];

        if (ks->section)
                snprintf(buf, size, "%s.%s", ks->section, ks->name);
        else
                snprintf(buf, size, "%s", ks->name);
        return buf;
}

/* A link to /dev/null masks a name, as in systemd's directories. */
static bool is_mask(int dirfd, const char *name)
{
        char target[sizeof("/dev/null")];
        ssize_t n = readlinkat(dirfd, name, target, sizeof(target));

        return n == (ssize_t)sizeof(target) - 1 && memcmp(target, "/dev/null", (size_t)n) == 0;
}

/* Looks name up in one checked directory: 0 with *ret_path, 1 when masked,
 * -ENOENT when not there, another -errno when refused (reported to d). */
static int locate_in(int dirfd, const char *dir, const char *name, const struct policy_search *s,
                     char **ret_path, struct diags *d)
{
        struct stat st;
        char *path;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                int r = -errno;

                if (r == -ENAMETOOLONG)
                        diags_add(d, DIAG_ERROR, path, 0,
                                  "file name too long for the file system: no policy can have this service's name");
                else if (r != -ENOENT)
                        diags_add(d, DIAG_ERROR, path, 0, "cannot look up: %s", strerror(-r));
                free(path);
                return r;
        }
        /* the entry itself, not only what it leads to: a mask is a link */
        if (s->check_owner && !trusted_owner(st.st_uid)) {
                char *why = NULL;

                (void)trusted_owner_check(st.st_uid, path, &why);
                diags_add(d, DIAG_ERROR, path, 0, "ignored: %s", why ? why : "not a trusted user's");
                free(why);
                free(path);
                return -EPERM;
        }
        if (S_ISLNK(st.st_mode) && is_mask(dirfd, name)) {
                free(path);
                return 1;
        }
        *ret_path = path;
        return 0;
}

/* Opens the search path's directories once; a refused one is an error, a
 * missing one only when the operator named it. fds[i] < 0: skip it. */
static int *open_dirs(const struct policy_search *s, struct diags *d)
{
        int *fds = calloc(s->dirs->n + 1, sizeof(*fds));

        for (size_t i = 0; fds && i < s->dirs->n; i++) {
                const char *dir = s->dirs->v[i];
                char *why = NULL;
                int r = trusted_dir_open(dir, s->check_owner, &fds[i], &why);

                if (r == -ENOENT && s->dirs_given)
                        diags_add(d, DIAG_ERROR, dir, 0, "policy directory does not exist");
                else if (r < 0 && r != -ENOENT)
                        diags_add(d, DIAG_ERROR, dir, 0, "policy directory ignored: %s",
                                  why ? why : strerror(-r));
                if (r < 0)
                        fds[i] = -1;
                free(why);
        }
        return fds;
}

static void close_dirs(const struct policy_search *s, int *fds)
{
        for (size_t i = 0; fds && i < s->dirs->n; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
        free(fds);
}

/* The first directory's entry wins; a mask there means "none". The
 * directory it was found in is *ret_index. */
static int locate_each(const struct policy_search *s, const int *fds, const char *name, char **ret_path,
                       size_t *ret_index, struct diags *d)
{
        for (size_t i = 0; i < s->dirs->n; i++) {
                int r;

                if (fds[i] < 0)
                        continue;
                r = locate_in(fds[i], s->dirs->v[i], name, s, ret_path, d);
                if (r == -ENOENT)
                        continue;
                *ret_index = i;
                return r == 1 ? -ENOENT : r;
        }
        return -ENOENT;
}

int policy_locate(const struct policy_search *s, const char *name, char **ret_path, struct diags *d)
{
        int *fds = open_dirs(s, d), r;

        size_t i;

        if (!fds)
                return -ENOMEM;
        r = locate_each(s, fds, name, ret_path, &i, d);
        close_dirs(s, fds);
        return r;
}

static const char *kind_name(enum value_kind kind)
{
        switch (kind) {
        case VK_BOOL: return "true or false";
        case VK_INT: return "an integer";
        case VK_INT_AUTO: return "an integer or \"auto\"";
        case VK_SIZE: return "a size (integer, or a string such as \"64M\")";
        case VK_DOUBLE: return "a number";
        default: return "a string";
        }
}

static bool jemalloc_extra_valid(const char *s, char *why, size_t size)
{
        struct strv items = { 0 };
        bool ok = true;

        if (strv_split(&items, s, ",") < 0)
                return false;
        for (size_t i = 0; ok && i < items.n; i++) {
                const char *item = items.v[i], *colon = strchr(item, ':');

                if (!colon || colon == item || colon[1] == '\0') {
                        snprintf(why, size, "\"%s\" is not of the form opt:value", item);
                        ok = false;
                        break;
                }
                for (const char *c = item; c < colon; c++)
                        if (!islower((unsigned char)*c) && !isdigit((unsigned char)*c) && *c != '_') {
                                snprintf(why, size, "\"%.*s\" is not a jemalloc option name",
                                         (int)(colon - item), item);
                                ok = false;
                                break;
                        }
        }
        if (ok && items.n == 0) {
                snprintf(why, size, "is empty");
                ok = false;
        }
        strv_free(&items);
        return ok;
}

/* What applying one file needs at hand. */
struct apply_ctx {
        struct policy *p;
        const char *file;       /* points into p->files */
        const struct conf_scan *scan;   /* integer literals as written */
        struct diags *d;
};

static void add_type_error(struct diags *d, const char *file, int line, const char *name,
                           enum value_kind kind, int type)
{
        diags_add(d, DIAG_ERROR, file, line, "%s: expected %s, got %s", name, kind_name(kind),
                  conf_type_name(type));
}

static void add_range_error(struct diags *d, const char *file, int line, const char *name, const char *value,
                            const struct key_spec *ks)
{
        diags_add(d, DIAG_ERROR, file, line, "%s: %s is out of range (%lld to %lld)", name, value, ks->min,
                  ks->max);
}

/* C and shells read 010 as 8; libconfig (and so allocsel) reads 10. */
static bool leading_zero(const char *literal)
{
        const char *digits = literal + (literal[0] == '-' || literal[0] == '+');

        return digits[0] == '0' && isdigit((unsigned char)digits[1]);
}

/* The integer libconfig parsed, checked against the literal as written:
 * libconfig 1.5 wraps what does not fit in 32 bits without an L suffix. */
static int parsed_integer(const struct key_spec *ks, const config_setting_t *cs, const char *name,
                          long long *ret, const struct apply_ctx *ctx)
{
        const struct conf_int *lit = conf_scan_int(ctx->scan, name);
        int line = config_setting_source_line(cs);
        long long v = config_setting_get_int64(cs);

        if (!lit || (lit->stored && lit->value != v)) {
                diags_add(ctx->d, DIAG_ERROR, ctx->file, line, "%s: cannot tell which integer libconfig read", name);
                return -EINVAL;
        }
        if (!lit->exact || lit->value < ks->min || lit->value > ks->max) {
                add_range_error(ctx->d, ctx->file, lit->line, name, lit->text, ks);
                return -ERANGE;
        }
        if (!lit->stored) {
                diags_add(ctx->d, DIAG_ERROR, ctx->file, lit->line,
                          "%s: %s does not fit in 32 bits, libconfig reads it as %lld; write %sL", name,
                          lit->text, v, lit->text);
                return -ERANGE;
        }
        if (leading_zero(lit->text))
                diags_add(ctx->d, DIAG_WARNING, ctx->file, lit->line,
                          "%s: %s has a leading zero and is read as decimal %lld, not octal", name, lit->text, v);
        *ret = v;
        return 0;
}

static int convert_integer(const struct key_spec *ks, const config_setting_t *cs, const char *name,
                           struct setting *out, const struct apply_ctx *ctx)
{
        int type = config_setting_type(cs), line = config_setting_source_line(cs);
        const char *file = ctx->file;
        struct diags *d = ctx->d;
        long long v;

        if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64) {
                if (parsed_integer(ks, cs, name, &v, ctx) < 0)
                        return -EINVAL;
        } else if (ks->kind == VK_SIZE && type == CONFIG_TYPE_STRING) {
                const char *str = config_setting_get_string(cs);

                if (parse_size(str, 0, LLONG_MAX, &v) < 0) {
                        diags_add(d, DIAG_ERROR, file, line,
                                  "%s: \"%s\" is not a size (a number with an optional K, M or G suffix)",
                                  name, str);
                        return -EINVAL;
                }
                if (v < ks->min || v > ks->max) {
                        char value[32];

                        snprintf(value, sizeof(value), "%lld", v);
                        add_range_error(d, file, line, name, value, ks);
                        return -ERANGE;
                }
        } else {
                add_type_error(d, file, line, name, ks->kind, type);
                return -EINVAL;
        }
        out->i = v;
        return 0;
}

static int convert_double(const struct key_spec *ks, const config_setting_t *cs, const char *name,
                          struct setting *out, const struct apply_ctx *ctx)
{
        const char *file = ctx->file;
        struct diags *d = ctx->d;
        int type = config_setting_type(cs), line = config_setting_source_line(cs);
        double v;

        if (type == CONFIG_TYPE_FLOAT) {
                v = config_setting_get_float(cs);
        } else if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64) {
                const struct key_spec whole = { .min = (long long)ks->dmin, .max = (long long)ks->dmax };
                long long i;

                if (parsed_integer(&whole, cs, name, &i, ctx) < 0)
                        return -EINVAL;
                v = (double)i;
        } else {
                add_type_error(d, file, line, name, ks->kind, type);
                return -EINVAL;
        }
        if (!(v >= ks->dmin && v <= ks->dmax)) {
                diags_add(d, DIAG_ERROR, file, line, "%s: %g is out of range (%g to %g)", name, v,
                          ks->dmin, ks->dmax);
                return -ERANGE;
        }
        out->d = v;
        return 0;
}

int policy_check_choice(enum policy_key k, const char *str, const char *file, int line, struct diags *d)
{
        const struct key_spec *ks = &policy_keys[k];
        char name[96], hint[SUGGEST_HINT_MAX], *list;
        struct strv all = { 0 };
        size_t n = 0;

        for (; ks->choices[n]; n++)
                if (strcmp(ks->choices[n], str) == 0)
                        return 0;
        for (size_t i = 0; i < n; i++)
                (void)strv_push(&all, ks->choices[i]);
        list = strv_join(&all, '|');
        diags_add(d, DIAG_ERROR, file, line, "%s: \"%s\" is not one of %s%s", policy_key_name(k, name, sizeof(name)),
                  str, list ? list : "", suggest_hint(suggest_nearest(str, ks->choices, n), hint, sizeof(hint)));
        free(list);
        strv_free(&all);
        return -EINVAL;
}

static int convert_string(enum policy_key k, const config_setting_t *cs, const char *name,
                          struct setting *out, const struct apply_ctx *ctx)
{
        const char *file = ctx->file;
        struct diags *d = ctx->d;
        const struct key_spec *ks = &policy_keys[k];
        int type = config_setting_type(cs), line = config_setting_source_line(cs);
        const char *str;
        char why[160];

        if (type != CONFIG_TYPE_STRING) {
                add_type_error(d, file, line, name, ks->kind, type);
                return -EINVAL;
        }
        str = config_setting_get_string(cs);
        if (ks->kind == VK_CHOICE && policy_check_choice(k, str, file, line, d) < 0)
                return -EINVAL;
        if (ks->kind == VK_PATH && str[0] != '/') {
                diags_add(d, DIAG_ERROR, file, line, "%s: \"%s\" is not an absolute path", name, str);
                return -EINVAL;
        }
        if (k == K_JE_EXTRA && !jemalloc_extra_valid(str, why, sizeof(why))) {
                diags_add(d, DIAG_ERROR, file, line, "%s: %s", name, why);
                return -EINVAL;
        }
        if (str[0] == '\0') {
                diags_add(d, DIAG_ERROR, file, line, "%s: is empty", name);
                return -EINVAL;
        }
        out->s = strdup(str);
        return out->s ? 0 : -ENOMEM;
}

/* Converts and range-checks one value; fills *out only when it is valid. */
static int convert(enum policy_key k, const config_setting_t *cs, struct setting *out,
                   const struct apply_ctx *ctx)
{
        const struct key_spec *ks = &policy_keys[k];
        char name[96];

        policy_key_name(k, name, sizeof(name));
        switch (ks->kind) {
        case VK_BOOL:
                if (config_setting_type(cs) != CONFIG_TYPE_BOOL) {
                        add_type_error(ctx->d, ctx->file, config_setting_source_line(cs), name, ks->kind,
                                       config_setting_type(cs));
                        return -EINVAL;
                }
                out->i = config_setting_get_bool(cs);
                return 0;
        case VK_INT_AUTO:
                if (config_setting_type(cs) == CONFIG_TYPE_STRING &&
                    strcmp(config_setting_get_string(cs), "auto") == 0) {
                        out->automatic = true;
                        return 0;
                }
                return convert_integer(ks, cs, name, out, ctx);
        case VK_INT:
        case VK_SIZE:
                return convert_integer(ks, cs, name, out, ctx);
        case VK_DOUBLE:
                return convert_double(ks, cs, name, out, ctx);
        default:
                return convert_string(k, cs, name, out, ctx);
        }
}

static void store(const struct apply_ctx *ctx, enum policy_key k, const config_setting_t *cs)
{
        struct setting v = { 0 };

        if (convert(k, cs, &v, ctx) < 0)
                return;
        free(ctx->p->s[k].s);
        v.set = true;
        v.file = ctx->file;
        v.line = config_setting_source_line(cs);
        ctx->p->s[k] = v;
}

static bool env_name_valid(const char *name)
{
        if (!isalpha((unsigned char)name[0]) && name[0] != '_')
                return false;
        for (const char *c = name; *c; c++)
                if (!isalnum((unsigned char)*c) && *c != '_')
                        return false;
        return true;
}

static int env_set(struct policy *p, const char *name, const char *value, const char *file, int line)
{
        struct env_setting *e = NULL, *v;
        char *n, *val;

        for (size_t i = 0; i < p->n_env; i++)
                if (strcmp(p->env[i].name, name) == 0)
                        e = &p->env[i];
        n = strdup(name);
        val = strdup(value);
        if (!n || !val) {
                free(n);
                free(val);
                return -ENOMEM;
        }
        if (!e) {
                v = realloc(p->env, (p->n_env + 1) * sizeof(*v));
                if (!v) {
                        free(n);
                        free(val);
                        return -ENOMEM;
                }
                p->env = v;
                e = &p->env[p->n_env++];
        } else {
                free(e->name);
                free(e->value);
        }
        *e = (struct env_setting){ n, val, file, line };
        return 0;
}

static void apply_environment(const struct apply_ctx *ctx, const config_setting_t *group)
{
        struct policy *p = ctx->p;
        const char *file = ctx->file;
        struct diags *d = ctx->d;

        for (int i = 0; i < config_setting_length(group); i++) {
                const config_setting_t *cs = config_setting_get_elem(group, (unsigned)i);
                const char *name = config_setting_name(cs);
                int line = config_setting_source_line(cs);

                if (!env_name_valid(name)) {
                        diags_add(d, DIAG_ERROR, file, line, "environment.%s: not a valid variable name", name);
                } else if (env_reserved(name)) {
                        diags_add(d, DIAG_ERROR, file, line,
                                  "environment.%s: set by allocsel itself; use the allocator's section instead",
                                  name);
                } else if (config_setting_type(cs) != CONFIG_TYPE_STRING) {
                        diags_add(d, DIAG_ERROR, file, line, "environment.%s: expected a string, got %s",
                                  name, conf_type_name(config_setting_type(cs)));
                } else if (env_set(p, name, config_setting_get_string(cs), file, line) < 0) {
                        diags_add(d, DIAG_ERROR, file, line, "environment.%s: out of memory", name);
                }
        }
}

static void unknown_key(const char *section, const char *name, int line, const char *file,
                        struct diags *d)
{
        const char *cands[K__COUNT + N_SECTIONS];
        char hint[SUGGEST_HINT_MAX];
        size_t n = 0;

        for (size_t k = 0; k < K__COUNT; k++) {
                const struct key_spec *ks = &policy_keys[k];

                if ((section && ks->section && strcmp(ks->section, section) == 0) ||
                    (!section && !ks->section))
                        cands[n++] = ks->name;
        }
        if (!section)
                for (size_t i = 0; i < N_SECTIONS; i++)
                        cands[n++] = sections[i];
        diags_add(d, DIAG_ERROR, file, line, "unknown key \"%s%s%s\"%s", section ? section : "",
                  section ? "." : "", name, suggest_hint(suggest_nearest(name, cands, n), hint, sizeof(hint)));
}

static int find_key(const char *section, const char *name)
{
        for (int k = 0; k < K__COUNT; k++) {
                const struct key_spec *ks = &policy_keys[k];
                bool same_section = section ? ks->section && strcmp(ks->section, section) == 0 : !ks->section;

                if (same_section && strcmp(ks->name, name) == 0)
                        return k;
        }
        return -1;
}

static bool is_section(const char *name)
{
        for (size_t i = 0; i < N_SECTIONS; i++)
                if (strcmp(sections[i], name) == 0)
                        return true;
        return false;
}

static void apply_group(const struct apply_ctx *ctx, const config_setting_t *group, const char *section)
{
        const char *file = ctx->file;
        struct diags *d = ctx->d;

        for (int i = 0; i < config_setting_length(group); i++) {
                const config_setting_t *cs = config_setting_get_elem(group, (unsigned)i);
                const char *name = config_setting_name(cs);
                int line = config_setting_source_line(cs);
                int k;

                if (!section && is_section(name)) {
                        if (config_setting_type(cs) != CONFIG_TYPE_GROUP)
                                diags_add(d, DIAG_ERROR, file, line,
                                          "%s: expected a group { ... }, got %s", name,
                                          conf_type_name(config_setting_type(cs)));
                        else if (strcmp(name, "environment") == 0)
                                apply_environment(ctx, cs);
                        else
                                apply_group(ctx, cs, name);
                        continue;
                }
                k = find_key(section, name);
                if (k < 0)
                        unknown_key(section, name, line, file, d);
                else
                        store(ctx, (enum policy_key)k, cs);
        }
}

/* Where a file is read from: a path, or a name below a checked directory. */
struct source {
        int dirfd;              /* -1: path */
        const char *dir;
        const char *path;       /* or the name below dirfd */
        const char *shown;      /* for messages and the policy (a candidate: the
                                   file it would be installed as) */
        unsigned trust_flags;
};

static int apply_file(struct policy *p, const struct source *src, struct diags *d)
{
        struct apply_ctx ctx = { p, NULL, NULL, d };
        const char *shown = src->shown;
        struct conf_scan scan;
        config_t cfg;
        int r;

        r = src->dirfd >= 0 ?
            conf_read_trusted_at(src->dirfd, src->dir, src->path, shown, src->trust_flags, &cfg, &scan, d) :
            conf_read_trusted(src->path, shown, src->trust_flags, &cfg, &scan, d);
        if (r < 0)
                return r;
        r = strv_push(&p->files, shown);
        if (r == 0) {
                ctx.file = p->files.v[p->files.n - 1];
                ctx.scan = &scan;
                apply_group(&ctx, config_root_setting(&cfg), NULL);
        }
        config_destroy(&cfg);
        conf_scan_free(&scan);
        return r;
}

int policy_apply_file(struct policy *p, const char *path, bool check_owner, struct diags *d)
{
        const struct source src = { -1, NULL, path, path, check_owner ? TRUST_OWNER : 0 };

        return apply_file(p, &src, d);
}

char *policy_destination(const struct strv *dirs, const char *name)
{
        char *dest;

        return asprintf(&dest, "%s/%s", dirs->n ? dirs->v[0] : ".", name) < 0 ? NULL : dest;
}

/* --file: the candidate stands for NAME in the first directory. A tool's
 * temporary copy may sit in /tmp: it is validated, never used in place. */
static int apply_candidate(struct policy *p, const struct policy_search *s, const char *name,
                           struct diags *d)
{
        char *shown = policy_destination(s->dirs, name);
        struct source src = { -1, NULL, s->candidate, shown, (s->check_owner ? TRUST_OWNER : 0) | TRUST_STICKY_HOLDER };
        int r;

        if (!shown)
                return -ENOMEM;
        r = apply_file(p, &src, d);
        if (r == -ENOENT)
                diags_add(d, DIAG_ERROR, shown, 0, "cannot open %s: %s", s->candidate, strerror(ENOENT));
        free(shown);
        return r;
}

static int apply_located(struct policy *p, const struct policy_search *s, const int *fds, const char *name,
                         struct diags *d)
{
        char *path = NULL;
        size_t i = 0;
        int r;

        if (s->candidate && strcmp(name, s->candidate_name) == 0)
                return apply_candidate(p, s, name, d);
        r = locate_each(s, fds, name, &path, &i, d);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        /* the directory and all above it were checked when it was opened */
        r = apply_file(p, &(struct source){ fds[i], s->dirs->v[i], name, path, s->check_owner ? TRUST_OWNER : 0 }, d);
        free(path);
        return r;
}

int policy_load(struct policy *p, const struct policy_search *s, const char *service, struct diags *d)
{
        char *svc_file;
        int *fds, r;

        if (asprintf(&svc_file, "%s.conf", service) < 0)
                return -ENOMEM;
        fds = open_dirs(s, d);
        if (!fds) {
                free(svc_file);
                return -ENOMEM;
        }
        r = apply_located(p, s, fds, "default.conf", d);
        if (strcmp(service, "default") != 0) {
                int q = apply_located(p, s, fds, svc_file, d);

                if (r == 0)
                        r = q;
        }
        close_dirs(s, fds);
        free(svc_file);
        return r;
}

void policy_free(struct policy *p)
{
        for (size_t k = 0; k < K__COUNT; k++)
                free(p->s[k].s);
        for (size_t i = 0; i < p->n_env; i++) {
                free(p->env[i].name);
                free(p->env[i].value);
        }
        free(p->env);
        strv_free(&p->files);
        memset(p, 0, sizeof(*p));
}
