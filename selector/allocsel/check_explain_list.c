/* --check, --explain and --list: what a run would do, without running. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "loadprobe.h"
#include "check_explain_list.h"

/* What a package manager or a tool leaves next to a policy: Chef stages
 * .chef-*.conf in the directory itself, rpm and dpkg keep .rpmnew,
 * .rpmsave and .dpkg-* copies, editors leave *~. */
static bool is_leftover(const char *file_name)
{
        size_t len = strlen(file_name);

        return file_name[0] == '.' || file_name[len - 1] == '~' || strstr(file_name, ".dpkg-") ||
               (len > 7 && strcmp(file_name + len - 7, ".rpmnew") == 0) ||
               (len > 8 && strcmp(file_name + len - 8, ".rpmsave") == 0);
}

/* Every NAME of NAME.conf on the search path (masked names included: they
 * are checked as "no policy"), sorted: a fleet has thousands. */
static int all_services(const struct strv *dirs, struct strv *names)
{
        for (size_t i = 0; i < dirs->n; i++) {
                DIR *d = opendir(dirs->v[i]);
                struct dirent *de;

                if (!d)
                        continue;
                while ((de = readdir(d))) {
                        size_t len = strlen(de->d_name);
                        char *name;

                        if (is_leftover(de->d_name) || len <= 5 || strcmp(de->d_name + len - 5, ".conf") != 0)
                                continue;
                        name = strndup(de->d_name, len - 5);
                        if (name && service_name_valid(name))
                                (void)strv_push_owned(names, name);
                        else
                                free(name);
                }
                closedir(d);
        }
        strv_sort_unique(names);
        return 0;
}

/* The services to check: those named; for a candidate its service, and for
 * a candidate default.conf every service that inherits it; else all. */
static void check_names(const struct plan_options *o, char **services, int n, struct strv *names)
{
        if (o->candidate && strcmp(o->candidate_as, "default") != 0) {
                (void)strv_push(names, o->candidate_as);
                return;
        }
        for (int i = 0; i < n; i++)
                (void)strv_push(names, services[i]);
        if (n == 0) {
                (void)all_services(&o->dirs, names);
                /* still checks allocsel.conf, or the candidate default.conf */
                if (names->n == 0 || o->candidate)
                        (void)strv_push(names, "default");
                strv_sort_unique(names);
        }
}

/* A problem in the service's own file cannot repeat for another service. */
static bool own_file(const struct diag *dg, const char *service)
{
        const char *base = dg->file ? strrchr(dg->file, '/') : NULL;
        size_t len = strlen(service);

        base = base ? base + 1 : dg->file;
        return base && strncmp(base, service, len) == 0 && strcmp(base + len, ".conf") == 0 &&
               strcmp(service, "default") != 0;
}

/* default.conf's and allocsel.conf's problems show once, not once per service. */
static size_t print_problems(const struct plan *pl, const struct plan_options *o, const char *dest,
                             struct strv *seen)
{
        size_t errors = 0;

        for (size_t k = 0; k < pl->diags.n; k++) {
                const struct diag *dg = &pl->diags.v[k];
                char *line = dest ? diag_format_candidate(dg, dest, o->candidate) : diag_format(dg);
                bool own = own_file(dg, pl->service);

                if (line && (own || !strv_contains(seen, line))) {
                        fprintf(stderr, "%s%s\n", dg->level == DIAG_WARNING ? "warning: " : "", line);
                        errors += dg->level == DIAG_ERROR;
                        if (!own)
                                (void)strv_push(seen, line);
                }
                free(line);
        }
        return errors;
}

int check_policies(const struct plan_options *o, char **services, int n, char *const *envp)
{
        struct strv names = { 0 }, seen = { 0 };
        struct plan_options each = *o;
        struct diags global_diags = { 0 };
        char *dest = NULL, *dest_name = NULL;
        struct load_cache loads = { 0 };
        struct catalog global;
        size_t errors = 0;

        if (o->candidate && (asprintf(&dest_name, "%s.conf", o->candidate_as) < 0 ||
                             !(dest = policy_destination(&o->dirs, dest_name)))) {
                fprintf(stderr, "allocsel: out of memory\n");
                free(dest_name);
                return 1;
        }
        /* thousands of policies share allocsel.conf and name the same few
         * libraries: read each once */
        if (catalog_init(&global) < 0 ||
            catalog_load_global(&global, o->global_conf, o->check_owner, &global_diags) == -ENOMEM) {
                fprintf(stderr, "allocsel: out of memory\n");
                catalog_free(&global);
                diags_free(&global_diags);
                free(dest);
                free(dest_name);
                return 1;
        }
        each.catalog = &global;
        each.catalog_diags = &global_diags;
        each.libraries = library_cache_new();
        check_names(o, services, n, &names);
        for (size_t i = 0; i < names.n; i++) {
                struct plan pl;

                if (plan_make(&pl, &each, names.v[i], envp) < 0) {
                        fprintf(stderr, "allocsel: %s: out of memory\n", names.v[i]);
                        errors++;
                        continue;
                }
                /* the preload in use, tried once per distinct library and tuning
                 * (numbers allocsel checked aside), LOAD_PROBE_MAX times at most */
                if (load_check_plan(&pl, envp, &loads) < 0)
                        fprintf(stderr, "allocsel: %s: out of memory\n", names.v[i]);
                errors += print_problems(&pl, o, dest, &seen);
                plan_free(&pl);
        }
        if (errors == 0 && dest)
                printf("allocsel: %s (candidate %s) checked with %zu servic%s, no errors\n", dest, o->candidate,
                       names.n, names.n == 1 ? "e" : "es");
        else if (errors == 0)
                printf("allocsel: %zu polic%s checked, no errors\n", names.n, names.n == 1 ? "y" : "ies");
        strv_free(&names);
        strv_free(&seen);
        load_cache_free(&loads);
        library_cache_free(each.libraries);
        free(dest);
        free(dest_name);
        catalog_free(&global);
        diags_free(&global_diags);
        return errors ? 1 : 0;
}

static const char *outcome(const struct plan *pl)
{
        return pl->refuse ? "refuse" : pl->fallback ? "fallback" : "run";
}

static void explain_text(const struct plan *pl, const struct strv *vars)
{
        const struct setting *a = &pl->policy.s[K_ALLOCATOR];

        printf("service:    %s\n", pl->service);
        printf("policy:     ");
        for (size_t i = 0; i < pl->policy.files.n; i++)
                printf("%s%s", i ? " " : "", pl->policy.files.v[i]);
        printf("%s\n", pl->policy.files.n ? "" : "(no file: glibc, environment untouched)");
        if (pl->allocator && a->set)
                printf("allocator:  %s (from %s:%d)\n", pl->allocator->name, a->file, a->line);
        else if (pl->allocator)
                printf("allocator:  %s (default)\n", pl->allocator->name);
        printf("library:    %s", pl->library ? pl->library : "(none)");
        if (pl->traits.version[0])
                printf(" (version %s)", pl->traits.version);
        printf("\n");
        printf("monitor:    %s\n", pl->monitor.enabled ? "on" : "off");
        for (size_t i = 0; i < vars->n; i++)
                printf("%s%s%s\n", i ? "            " : "sets:       ", vars->v[i],
                       strchr(vars->v[i], '=') ? "" : " (removed)");
        for (size_t i = 0; i < pl->notes.n; i++)
                printf("note:       %s\n", pl->notes.v[i]);
        for (size_t i = 0; i < pl->diags.n; i++) {
                char *line = diag_format(&pl->diags.v[i]);

                printf("%s%s\n", pl->diags.v[i].level == DIAG_ERROR ? "error:      " : "warning:    ",
                       line ? line : "");
                free(line);
        }
        printf("outcome:    %s\n", pl->refuse ? "refuse to start (exit 78)" :
               pl->fallback ? "start with the environment untouched (fallback)" :
               pl->no_policy ? "start with the environment untouched (no policy file)" :
               "start with the variables above");
}

static void explain_json(const struct plan *pl, const struct strv *vars)
{
        printf("{\"service\":");
        json_string(stdout, pl->service);
        printf(",\"policy_files\":[");
        for (size_t i = 0; i < pl->policy.files.n; i++) {
                printf("%s", i ? "," : "");
                json_string(stdout, pl->policy.files.v[i]);
        }
        printf("],\"allocator\":");
        json_string_or_null(stdout, pl->allocator ? pl->allocator->name : NULL);
        printf(",\"library\":");
        json_string_or_null(stdout, pl->library);
        printf(",\"version\":");
        json_string(stdout, pl->traits.version);
        printf(",\"monitor\":%s,\"set\":{", pl->monitor.enabled ? "true" : "false");
        for (size_t i = 0, first = 1; i < vars->n; i++) {
                const char *c = vars->v[i], *eq = strchr(c, '=');
                char *name = strndup(c, eq ? (size_t)(eq - c) : strlen(c));

                printf("%s", first ? "" : ",");
                first = 0;
                json_string(stdout, name);
                printf(":");
                if (eq)
                        json_string(stdout, eq + 1);
                else
                        printf("null");
                free(name);
        }
        printf("},\"notes\":[");
        for (size_t i = 0; i < pl->notes.n; i++) {
                printf("%s", i ? "," : "");
                json_string(stdout, pl->notes.v[i]);
        }
        printf("],\"problems\":[");
        for (size_t i = 0; i < pl->diags.n; i++) {
                const struct diag *dg = &pl->diags.v[i];

                printf("%s{\"level\":\"%s\",\"file\":", i ? "," : "",
                       dg->level == DIAG_ERROR ? "error" : "warning");
                json_string_or_null(stdout, dg->file);
                printf(",\"line\":%d,\"message\":", dg->line);
                json_string(stdout, dg->msg);
                printf("}");
        }
        printf("],\"outcome\":\"%s\"}\n", outcome(pl));
}

int explain_service(const struct plan_options *o, const char *service, bool json, char *const *envp)
{
        struct strv vars = { 0 };
        struct plan pl;

        if (plan_make(&pl, o, service, envp) < 0) {
                fprintf(stderr, "allocsel: out of memory\n");
                return 1;
        }
        /* the program's PID is bound at its start: shown as PID here */
        if (plan_variables(&pl, 0, &vars) < 0) {
                fprintf(stderr, "allocsel: out of memory\n");
                plan_free(&pl);
                return 1;
        }
        if (json)
                explain_json(&pl, &vars);
        else
                explain_text(&pl, &vars);
        strv_free(&vars);
        plan_free(&pl);
        return 0;
}

int list_allocators(const struct plan_options *o, bool json)
{
        struct catalog c;
        struct diags d = { 0 };
        size_t errors;

        if (catalog_init(&c) < 0 || catalog_load_global(&c, o->global_conf, o->check_owner, &d) == -ENOMEM) {
                fprintf(stderr, "allocsel: out of memory\n");
                catalog_free(&c);
                diags_free(&d);
                return 1;
        }
        for (size_t i = 0; i < d.n; i++) {
                char *line = diag_format(&d.v[i]);

                fprintf(stderr, "allocsel: %s\n", line ? line : "");
                free(line);
        }
        if (json)
                printf("[");
        for (size_t i = 0; i < c.n; i++) {
                const struct allocator *a = &c.v[i];
                const struct library_query q = { o->check_owner, true, a->family, PROBE_ALL };
                struct library_traits t = { 0 };
                char *path = NULL, *why = NULL;
                int r = 0;

                if (a->family == FAMILY_GLIBC)
                        library_glibc_traits(&t);
                else
                        r = catalog_locate(&c, a, NULL, &q, &path, &t, &why);
                if (json) {
                        printf("%s{\"name\":", i ? "," : "");
                        json_string(stdout, a->name);
                        printf(",\"family\":");
                        json_string(stdout, family_name(a->family));
                        printf(",\"found\":%s,\"library\":", r == 0 ? "true" : "false");
                        json_string_or_null(stdout, path);
                        printf(",\"version\":");
                        json_string(stdout, t.version);
                        printf(",\"reason\":");
                        json_string_or_null(stdout, why);
                        printf("}");
                } else {
                        printf("%-18s %-9s %s%s%s\n", a->name, t.version[0] ? t.version : "-",
                               a->family == FAMILY_GLIBC ? "(built into the C library)" :
                               path ? path : "not found: ", path ? "" : why ? why : "", "");
                }
                free(path);
                free(why);
        }
        if (json)
                printf("]\n");
        /* what allocsel.conf got wrong is left out of the list: not a clean answer */
        errors = diags_count(&d, DIAG_ERROR);
        diags_free(&d);
        catalog_free(&c);
        return errors ? 1 : 0;
}
