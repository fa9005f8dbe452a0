/* What the host sets outside any policy, as warnings and notes of a
 * plan: the host reader (hostconf.c) returns data, this judges it. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envbuild.h"
#include "hostconf.h"
#include "plan.h"

/* THP "always" makes jemalloc back its extents with huge pages: its RSS can
 * grow many times over (jemalloc issue 1674: 11 MB -> 181-283 MB). */
static void thp_warning(struct plan *pl)
{
        const char *path = thp_enabled_file();
        const struct setting *a = &pl->policy.s[K_ALLOCATOR];
        char mode[32];

        if (pl->policy.s[K_JE_THP].set || thp_mode_read(path, mode, sizeof(mode)) < 0 ||
            strcmp(mode, "always") != 0)
                return;
        diags_add(&pl->diags, DIAG_WARNING, a->set ? a->file : NULL, a->set ? a->line : 0,
                  "transparent huge pages are \"always\" on this host (%s): jemalloc's RSS can grow many "
                  "times over; set jemalloc.thp = \"never\" (or \"default\" to keep the kernel's choice)",
                  path);
}

/* jemalloc reads the link's target name as configuration, before the
 * variable (which wins key by key): shown with what results. */
static int malloc_conf_link(struct plan *pl, char *const *envp)
{
        const char *conf_var = pl->traits.conf_var[0] ? pl->traits.conf_var : "MALLOC_CONF";
        char *link = jemalloc_conf_link(conf_var), target[PATH_MAX], *merged = NULL;
        const char *var;
        struct strv pairs = { 0 };
        ssize_t n;
        int r = 0;

        if (!link)
                return -ENOMEM;
        n = readlink(link, target, sizeof(target) - 1);
        if (n > 0) {
                target[n] = '\0';
                diags_add(&pl->diags, DIAG_WARNING, link, 0,
                          "-> \"%s\": jemalloc reads this in every program on this host, this service's too "
                          "(%s wins key by key)", target, conf_var);
                var = env_lookup(pl->changes.v, conf_var);
                if (!var)
                        var = env_lookup(envp, conf_var);
                r = var ? strv_split(&pairs, var, ",") : 0;
                if (r == 0)
                        r = list_merge(target, ',', ':', &pairs, &merged);
                if (r == 0)
                        r = strv_pushf(&pl->notes, "jemalloc reads %s -> \"%s\", then %s: in effect \"%s\"",
                                       link, target, conf_var, merged);
        }
        free(merged);
        strv_free(&pairs);
        free(link);
        return r;
}

int plan_host_notes(struct plan *pl, char *const *envp)
{
        if (!pl->allocator || pl->allocator->family != FAMILY_JEMALLOC)
                return 0;
        thp_warning(pl);
        return malloc_conf_link(pl, envp);
}
