/* String vectors: the one container the launcher needs. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"

int strv_push_owned(struct strv *sv, char *s)
{
        if (!s)
                return -ENOMEM;
        if (sv->n + 2 > sv->cap) {
                size_t cap = sv->cap ? sv->cap * 2 : 8;
                char **v = realloc(sv->v, cap * sizeof(*v));

                if (!v) {
                        free(s);
                        return -ENOMEM;
                }
                sv->v = v;
                sv->cap = cap;
        }
        sv->v[sv->n++] = s;
        sv->v[sv->n] = NULL;
        return 0;
}

int strv_push(struct strv *sv, const char *s)
{
        return strv_push_owned(sv, strdup(s));
}

int strv_pushf(struct strv *sv, const char *fmt, ...)
{
        va_list ap;
        char *s;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return strv_push_owned(sv, s);
}

bool strv_contains(const struct strv *sv, const char *s)
{
        for (size_t i = 0; i < sv->n; i++)
                if (strcmp(sv->v[i], s) == 0)
                        return true;
        return false;
}

static int compare_strings(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

void strv_sort_unique(struct strv *sv)
{
        size_t kept = 0;

        if (sv->n == 0)
                return;
        qsort(sv->v, sv->n, sizeof(*sv->v), compare_strings);
        for (size_t i = 0; i < sv->n; i++) {
                if (kept > 0 && strcmp(sv->v[kept - 1], sv->v[i]) == 0)
                        free(sv->v[i]);
                else
                        sv->v[kept++] = sv->v[i];
        }
        sv->n = kept;
        sv->v[kept] = NULL;
}

void strv_free(struct strv *sv)
{
        for (size_t i = 0; i < sv->n; i++)
                free(sv->v[i]);
        free(sv->v);
        sv->v = NULL;
        sv->n = sv->cap = 0;
}

char *strv_join(const struct strv *sv, char sep)
{
        size_t len = 1;
        char *out, *p;

        for (size_t i = 0; i < sv->n; i++)
                len += strlen(sv->v[i]) + 1;
        out = malloc(len);
        if (!out)
                return NULL;
        p = out;
        for (size_t i = 0; i < sv->n; i++) {
                size_t l = strlen(sv->v[i]);

                if (i > 0)
                        *p++ = sep;
                memcpy(p, sv->v[i], l);
                p += l;
        }
        *p = '\0';
        return out;
}

int strv_split(struct strv *sv, const char *s, const char *seps)
{
        while (*s) {
                size_t skip = strspn(s, seps);
                size_t len;
                int r;

                s += skip;
                len = strcspn(s, seps);
                if (len == 0)
                        break;
                r = strv_push_owned(sv, strndup(s, len));
                if (r < 0)
                        return r;
                s += len;
        }
        return 0;
}

const char *env_lookup(char *const *list, const char *name)
{
        size_t len = strlen(name);

        for (char *const *e = list; e && *e; e++)
                if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
                        return *e + len + 1;
        return NULL;
}
