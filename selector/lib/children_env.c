/* ALLOCSEL_CHILDREN: written by allocsel, read by liballocsel-children.so,
 * and the one function that undoes allocsel's changes in an environment. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "children_env.h"

#define PRELOAD "LD_PRELOAD"

static size_t name_len(const char *entry)
{
        const char *eq = strchr(entry, '=');

        return eq ? (size_t)(eq - entry) : strlen(entry);
}

/* envp's "NAME=value" entry for the name of len bytes at name, or NULL. */
static char *entry_of(char *const *envp, const char *name, size_t len)
{
        for (; envp && *envp; envp++)
                if (strncmp(*envp, name, len) == 0 && (*envp)[len] == '=')
                        return *envp;
        return NULL;
}

static void encode_var(FILE *f, const char *name, size_t len, char *const *envp)
{
        const char *entry = entry_of(envp, name, len);

        fputc(';', f);
        fwrite(name, 1, len, f);
        if (!entry)
                return;
        fputc('=', f);
        for (const char *c = entry + len + 1; *c; c++) {
                if (*c == '%')
                        fputs("%25", f);
                else if (*c == ';')
                        fputs("%3B", f);
                else
                        fputc(*c, f);
        }
}

int children_spec_encode(char *const *changes, char *const *envp, char **ret)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return -ENOMEM;
        for (size_t i = 0; changes && changes[i]; i++) {
                size_t len = name_len(changes[i]);
                bool seen = len == strlen(CHILDREN_VAR) && strncmp(changes[i], CHILDREN_VAR, len) == 0;

                for (size_t j = 0; j < i && !seen; j++)
                        seen = name_len(changes[j]) == len && strncmp(changes[j], changes[i], len) == 0;
                if (!seen)
                        encode_var(f, changes[i], len, envp);
        }
        encode_var(f, CHILDREN_VAR, strlen(CHILDREN_VAR), envp);
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}

static int hex_digit(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        c = (char)tolower((unsigned char)c);
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "NAME" + '=' + the decoded value of [from, to): a whole entry. */
static int decode_entry(const char *name, size_t len, const char *from, const char *to, char **ret)
{
        char *s = malloc(len + 1 + (size_t)(to - from) + 1), *o;

        if (!s)
                return -ENOMEM;
        memcpy(s, name, len);
        o = s + len;
        *o++ = '=';
        while (from < to) {
                if (*from != '%') {
                        *o++ = *from++;
                        continue;
                }
                if (to - from < 3 || hex_digit(from[1]) < 0 || hex_digit(from[2]) < 0) {
                        free(s);
                        return -EINVAL;
                }
                *o++ = (char)(hex_digit(from[1]) * 16 + hex_digit(from[2]));
                from += 3;
        }
        *o = '\0';
        *ret = s;
        return 0;
}

static bool name_valid(const char *s, size_t len)
{
        if (len == 0 || isdigit((unsigned char)s[0]))
                return false;
        for (size_t i = 0; i < len; i++)
                if (!isalnum((unsigned char)s[i]) && s[i] != '_')
                        return false;
        return true;
}

static int parse_var(const char *item, const char *end, char *const *start_env, struct children_var *v)
{
        const char *eq = memchr(item, '=', (size_t)(end - item));
        size_t len = eq ? (size_t)(eq - item) : (size_t)(end - item);
        const char *ours;
        int r;

        if (!name_valid(item, len))
                return -EINVAL;
        v->name = strndup(item, len);
        v->len = len;
        if (!v->name)
                return -ENOMEM;
        if (eq && (r = decode_entry(item, len, eq + 1, end, &v->original)) < 0)
                return r;
        ours = entry_of(start_env, item, len);
        if (ours && !(v->ours = strdup(ours)))
                return -ENOMEM;
        return 0;
}

static const struct children_var *find_var(const struct children_spec *s, const char *entry)
{
        size_t len = name_len(entry);

        for (size_t i = 0; i < s->n; i++)
                if (s->v[i].len == len && strncmp(s->v[i].name, entry, len) == 0)
                        return &s->v[i];
        return NULL;
}

/* Whether the token [t, t + len) is one of list's entries (ld.so splits on ' ' and ':'). */
static bool token_in(const char *t, size_t len, const char *list)
{
        while (list && *list) {
                size_t n = strcspn(list, " :");

                if (n == len && strncmp(list, t, len) == 0)
                        return true;
                list += n;
                list += strspn(list, " :");
        }
        return false;
}

/* The entries allocsel put into LD_PRELOAD: in ours, not in the original. */
static int find_added(struct children_spec *s)
{
        const struct children_var *v = find_var(s, PRELOAD);
        const char *ours = v && v->ours ? v->ours + strlen(PRELOAD "=") : NULL;
        const char *original = v && v->original ? v->original + strlen(PRELOAD "=") : NULL;

        for (const char *t = ours ? ours + strspn(ours, " :") : NULL; t && *t; t += strspn(t, " :")) {
                size_t len = strcspn(t, " :");

                if (!token_in(t, len, original)) {
                        char **added = realloc(s->added, (s->n_added + 1) * sizeof(*added));

                        if (!added)
                                return -ENOMEM;
                        s->added = added;
                        if (!(s->added[s->n_added] = strndup(t, len)))
                                return -ENOMEM;
                        s->n_added++;
                }
                t += len;
        }
        return 0;
}

int children_spec_parse(const char *value, char *const *start_env, struct children_spec *ret)
{
        struct children_spec s = { 0 };
        const char *item;
        char *end;
        long pid;
        size_t items = 0;
        int r = 0;

        errno = 0;
        pid = strtol(value, &end, 10);
        if (end == value || (*end != ';' && *end != '\0') || errno || pid <= 0 || pid > INT_MAX)
                return -EINVAL;
        s.pid = (pid_t)pid;
        for (const char *c = end; *c; c++)
                items += *c == ';';
        s.v = calloc(items ? items : 1, sizeof(*s.v));
        if (!s.v)
                return -ENOMEM;
        for (item = end; r == 0 && *item == ';'; item = strchrnul(item + 1, ';')) {
                const char *next = strchrnul(item + 1, ';');

                r = parse_var(item + 1, next, start_env, &s.v[s.n]);
                s.n++;
        }
        if (r == 0)
                r = find_added(&s);
        if (r < 0) {
                children_spec_free(&s);
                return r;
        }
        *ret = s;
        return 0;
}

void children_spec_free(struct children_spec *s)
{
        for (size_t i = 0; i < s->n; i++) {
                free(s->v[i].name);
                free(s->v[i].original);
                free(s->v[i].ours);
        }
        for (size_t i = 0; i < s->n_added; i++)
                free(s->added[i]);
        free(s->v);
        free(s->added);
        memset(s, 0, sizeof(*s));
}

size_t children_preload_len(char *const *envp, size_t *ret_count)
{
        size_t len = 0, n = 0;

        for (; envp && envp[n]; n++)
                if (strncmp(envp[n], PRELOAD "=", strlen(PRELOAD "=")) == 0 && !len)
                        len = strlen(envp[n]);
        *ret_count = n;
        return len;
}

static bool is_added(const struct children_spec *s, const char *t, size_t len)
{
        for (size_t i = 0; i < s->n_added; i++)
                if (strlen(s->added[i]) == len && strncmp(s->added[i], t, len) == 0)
                        return true;
        return false;
}

/* entry, an LD_PRELOAD the program changed, without allocsel's entries:
 * in buf, or NULL when nothing is left. */
static char *strip_preload(const struct children_spec *s, const char *entry, char *buf, size_t size)
{
        const char *t = entry + strlen(PRELOAD "=");
        size_t at = strlen(PRELOAD "="), kept = 0;

        if (strlen(entry) >= size)
                return (char *)entry; /* cannot happen: the caller sized buf */
        memcpy(buf, entry, at);
        for (t += strspn(t, " :"); *t; t += strspn(t, " :")) {
                size_t len = strcspn(t, " :");

                if (!is_added(s, t, len)) {
                        if (kept++)
                                buf[at++] = ':';
                        memcpy(buf + at, t, len);
                        at += len;
                }
                t += len;
        }
        buf[at] = '\0';
        return kept ? buf : NULL;
}

void children_clean(const struct children_spec *s, char *const *envp, char **out, char *buf, size_t size)
{
        size_t k = 0;

        for (; envp && *envp; envp++) {
                const struct children_var *v = find_var(s, *envp);
                char *entry = *envp;    /* not allocsel's, or the program's own value */

                if (v && v->ours && strcmp(entry, v->ours) == 0)
                        entry = v->original;    /* allocsel's value: the old one, or none */
                else if (v && strcmp(v->name, PRELOAD) == 0)
                        entry = strip_preload(s, entry, buf, size);
                if (entry)
                        out[k++] = entry;
        }
        out[k] = NULL;
}
