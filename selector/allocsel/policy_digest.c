/* The policy digest: the settings as "name=value" lines, sorted so that
 * neither the order of the files nor the order of keys in allocsel's own
 * table changes it, then hashed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fnv.h"
#include "policy_digest.h"

static const char *const allocator_sections[] = { "glibc", "jemalloc", "tcmalloc", "mimalloc" };

/* Whether a setting changes what the program runs with, for this allocator. */
static bool in_digest(enum policy_key k, const struct allocator *a)
{
        const char *section = policy_keys[k].section;

        if (k == K_ALLOCATOR || k == K_LIBRARY || k == K_ON_ERROR)
                return false;   /* the allocator and library chosen count instead */
        if (!section)
                return true;
        if (strcmp(section, "monitor") == 0)
                return false;
        for (size_t i = 0; i < sizeof(allocator_sections) / sizeof(*allocator_sections); i++)
                if (strcmp(section, allocator_sections[i]) == 0)
                        return strcmp(section, family_name(a->family)) == 0;
        return true;
}

static int setting_line(const struct setting *s, enum policy_key k, struct strv *lines)
{
        char name[128];

        policy_key_name(k, name, sizeof(name));
        if (s->s)
                return strv_pushf(lines, "%s=%s", name, s->s);
        if (policy_keys[k].kind == VK_DOUBLE)
                return strv_pushf(lines, "%s=%.17g", name, s->d);
        return strv_pushf(lines, "%s=%lld", name, s->i);
}

static int cmp_line(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int policy_digest(const struct plan *pl, char out[POLICY_DIGEST_LEN + 1])
{
        struct strv lines = { 0 };
        int r;

        if (!pl->allocator)
                return -EINVAL;
        r = strv_pushf(&lines, " allocator=%s", pl->allocator->name);
        if (r == 0)
                r = strv_pushf(&lines, " library=%s", pl->library ? pl->library : "");
        for (size_t k = 0; r == 0 && k < K__COUNT; k++)
                if (pl->policy.s[k].set && in_digest((enum policy_key)k, pl->allocator))
                        r = setting_line(&pl->policy.s[k], (enum policy_key)k, &lines);
        for (size_t i = 0; r == 0 && i < pl->policy.n_env; i++)
                r = strv_pushf(&lines, "environment.%s=%s", pl->policy.env[i].name, pl->policy.env[i].value);
        if (r == 0) {
                uint64_t h = FNV1A64_INIT;

                qsort(lines.v, lines.n, sizeof(*lines.v), cmp_line);
                /* each line with its NUL: "a=bc" + "d" never hashes like "a=b" + "cd" */
                for (size_t i = 0; i < lines.n; i++)
                        h = fnv1a64(h, lines.v[i], strlen(lines.v[i]) + 1);
                snprintf(out, POLICY_DIGEST_LEN + 1, "%016llx", (unsigned long long)h);
        }
        strv_free(&lines);
        return r;
}
