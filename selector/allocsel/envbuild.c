/* Environment editing: parse a list into entries, change entries, join. */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "envbuild.h"

int preload_edit(const char *old, const char *lib, const char *const *after, const struct catalog *c, char **ret)
{
        struct strv in = { 0 }, out = { 0 };
        int r = 0;

        /* ld.so splits LD_PRELOAD on spaces and colons alike */
        if (old)
                r = strv_split(&in, old, " :");
        if (r == 0 && lib)
                r = strv_push(&out, lib);
        for (; r == 0 && after && *after; after++)
                r = strv_push(&out, *after);
        for (size_t i = 0; r == 0 && i < in.n; i++)
                if (!catalog_is_allocator_library(c, in.v[i]) && !strv_contains(&out, in.v[i]))
                        r = strv_push(&out, in.v[i]);
        if (r == 0) {
                *ret = NULL;
                if (out.n > 0) {
                        *ret = strv_join(&out, ':');
                        if (!*ret)
                                r = -ENOMEM;
                }
        }
        strv_free(&in);
        strv_free(&out);
        return r;
}

static size_t key_len(const char *entry, char assign)
{
        const char *a = strchr(entry, assign);

        return a ? (size_t)(a - entry) : strlen(entry);
}

static int find_key(const struct strv *list, const char *entry, char assign)
{
        size_t len = key_len(entry, assign);

        for (size_t i = 0; i < list->n; i++)
                if (key_len(list->v[i], assign) == len && strncmp(list->v[i], entry, len) == 0)
                        return (int)i;
        return -1;
}

int list_merge(const char *old, char sep, char assign, const struct strv *updates, char **ret)
{
        const char seps[2] = { sep, '\0' };
        struct strv list = { 0 };
        int r = 0;

        if (old)
                r = strv_split(&list, old, seps);
        for (size_t i = 0; r == 0 && i < updates->n; i++) {
                int at = list.v ? find_key(&list, updates->v[i], assign) : -1;

                if (at < 0) {
                        r = strv_push(&list, updates->v[i]);
                } else {
                        char *s = strdup(updates->v[i]);

                        if (!s) {
                                r = -ENOMEM;
                                break;
                        }
                        free(list.v[at]);
                        list.v[at] = s;
                }
        }
        if (r == 0) {
                *ret = strv_join(&list, sep);
                if (!*ret)
                        r = -ENOMEM;
        }
        strv_free(&list);
        return r;
}

int env_apply(char *const *envp, const struct strv *changes, struct strv *ret)
{
        struct strv out = { 0 };
        int r = 0;

        for (char *const *e = envp; r == 0 && e && *e; e++)
                if (find_key(changes, *e, '=') < 0)
                        r = strv_push(&out, *e);
        for (size_t i = 0; r == 0 && i < changes->n; i++) {
                const char *c = changes->v[i];
                bool later = false;

                /* the last change of a name is the one that counts */
                for (size_t j = i + 1; j < changes->n && !later; j++)
                        later = key_len(changes->v[j], '=') == key_len(c, '=') &&
                                strncmp(changes->v[j], c, key_len(c, '=')) == 0;
                if (strchr(c, '=') && !later)
                        r = strv_push(&out, c);
        }
        if (r == 0 && !out.v) {
                /* an empty environment is still an array, for execve */
                out.v = calloc(1, sizeof(*out.v));
                out.cap = 1;
                if (!out.v)
                        r = -ENOMEM;
        }
        if (r < 0) {
                strv_free(&out);
                return r;
        }
        *ret = out;
        return 0;
}

size_t env_string_max(void)
{
        return 32 * (size_t)sysconf(_SC_PAGESIZE);
}

int env_too_long(char *const *envp, char **ret_why)
{
        size_t max = env_string_max();

        *ret_why = NULL;
        for (char *const *e = envp; e && *e; e++) {
                size_t len = strlen(*e) + 1;

                if (len > max)
                        return asprintf(ret_why, "%.*s would be %zu bytes, over the kernel's limit of %zu for "
                                        "one variable", (int)key_len(*e, '='), *e, len, max) < 0 ? -ENOMEM : 1;
        }
        return 0;
}
