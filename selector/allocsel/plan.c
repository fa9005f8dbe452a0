/* From a service name to a plan: read allocsel.conf and the policy, choose
 * the allocator, find and check its library, translate the tuning. */
#include <errno.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envbuild.h"
#include "children_env.h"
#include "companion.h"
#include "cpus.h"
#include "hostconf.h"
#include "plan.h"
#include "suggest.h"
#include "tuning.h"

static const struct allocator *choose_allocator(struct plan *pl, const struct plan_options *o)
{
        const struct setting *s = &pl->policy.s[K_ALLOCATOR];
        const char *name = o->allocator ? o->allocator : s->set ? s->s : "glibc";
        const struct allocator *a = catalog_find(&pl->catalog, name);
        char hint[SUGGEST_HINT_MAX];

        if (a)
                return a;
        diags_add(&pl->diags, DIAG_ERROR, o->allocator ? NULL : s->file, o->allocator ? 0 : s->line,
                  "allocator \"%s\" is not known%s", name,
                  suggest_hint(catalog_suggest(&pl->catalog, name), hint, sizeof(hint)));
        return NULL;
}

/* The allocator's library, checked and probed for what the tuning at
 * hand reads (everything when describing). */
static int find_library(struct plan *pl, const struct plan_options *o, unsigned want)
{
        const struct setting *s = &pl->policy.s[K_LIBRARY];
        const struct allocator *a = pl->allocator;
        const struct library_query q = { o->check_owner, true, a->family, want };
        char *why = NULL;
        int r;

        if (a->family == FAMILY_GLIBC) {
                if (s->set)
                        diags_add(&pl->diags, DIAG_WARNING, s->file, s->line,
                                  "library: ignored, glibc's malloc needs no library");
                library_glibc_traits(&pl->traits);
                return 0;
        }
        if (s->set) {
                r = library_load(o->libraries, s->s, &q, &pl->traits, &why);
                if (r == 0 && !(pl->library = strdup(s->s)))
                        r = -ENOMEM;
                else if (r < 0 && r != -ENOMEM)
                        diags_add(&pl->diags, DIAG_ERROR, s->file, s->line, "library: %s",
                                  why ? why : strerror(-r));
        } else {
                r = catalog_locate(&pl->catalog, a, o->libraries, &q, &pl->library, &pl->traits, &why);
                if (r < 0 && r != -ENOMEM)
                        diags_add(&pl->diags, DIAG_ERROR, a->file, a->line, "allocator %s: %s",
                                  a->name, why ? why : strerror(-r));
        }
        free(why);
        /* a library that could not be found or used is the policy's error, in diags */
        return r == -ENOMEM ? r : 0;
}

static int add_identity(struct plan *pl)
{
        int r = strv_pushf(&pl->changes, "ALLOCSEL_SERVICE=%s", pl->service);

        return r < 0 ? r : strv_pushf(&pl->changes, "ALLOCSEL_ALLOCATOR=%s", pl->allocator->name);
}

static int add_preload(struct plan *pl, char *const *envp)
{
        const char *old = env_lookup(envp, "LD_PRELOAD");
        char *value;
        int r;

        const char *helpers[3] = { NULL };
        size_t n = 0;

        if (pl->release_library)
                helpers[n++] = pl->release_library;
        if (pl->children_library)
                helpers[n++] = pl->children_library;
        if (!old && !pl->library && n == 0)
                return 0;
        r = preload_edit(old, pl->library, helpers, &pl->catalog, &value);
        if (r < 0)
                return r;
        r = value ? strv_pushf(&pl->changes, "LD_PRELOAD=%s", value) :
                    strv_push(&pl->changes, "LD_PRELOAD");
        free(value);
        return r;
}

#ifndef PRIVATELIBDIR
#define PRIVATELIBDIR "/usr/lib/allocsel"
#endif
#define RELEASE_LIBRARY "liballocsel-release.so"

static bool release_wanted(const struct policy *p)
{
        if (p->s[K_REL_ENABLED].set)
                return p->s[K_REL_ENABLED].i != 0;
        return p->s[K_REL_INTERVAL_MS].set || p->s[K_REL_MIN_FREE_KB].set;
}

/* The release helper, for allocators that keep freed memory and can be asked. */
static int add_release(struct plan *pl, const struct plan_options *o)
{
        const struct library_query q = { o->check_owner, false, FAMILY_NONE, 0 };
        struct library_traits t;
        const struct setting *first = pl->policy.s[K_REL_ENABLED].set ? &pl->policy.s[K_REL_ENABLED] :
                                      pl->policy.s[K_REL_INTERVAL_MS].set ? &pl->policy.s[K_REL_INTERVAL_MS] :
                                      &pl->policy.s[K_REL_MIN_FREE_KB];
        char *why = NULL;

        if (!release_wanted(&pl->policy))
                return 0;
        switch (pl->allocator->family) {
        case FAMILY_JEMALLOC:
                diags_add(&pl->diags, DIAG_ERROR, first->file, first->line,
                          "release: jemalloc gives memory back itself; set jemalloc.background_thread = true "
                          "and a short dirty_decay_ms instead");
                return 0;
        case FAMILY_MIMALLOC:
                diags_add(&pl->diags, DIAG_ERROR, first->file, first->line,
                          "release: a thread cannot make mimalloc give back the program's memory; "
                          "set mimalloc.purge_delay = 0 instead");
                return 0;
        case FAMILY_NONE:
                diags_add(&pl->diags, DIAG_ERROR, first->file, first->line,
                          "release: only for glibc and tcmalloc, not for allocator %s", pl->allocator->name);
                return 0;
        default:
                break;
        }
        /* a missing library is reported by library_load below, naming the path */
        if (companion_path(RELEASE_LIBRARY, PRIVATELIBDIR, &pl->release_library) == -ENOMEM)
                return -ENOMEM;
        if (library_load(o->libraries, pl->release_library, &q, &t, &why) < 0) {
                diags_add(&pl->diags, DIAG_ERROR, first->file, first->line, "release: %s",
                          why ? why : pl->release_library);
                free(why);
                return 0;
        }
        pl->release.enabled = true;
        return 0;
}

/* ALLOCSEL_RELEASE: the helper runs only in the process it names. It is
 * told which allocator to ask: it cannot tell from symbol addresses in a
 * non-PIE program. */
static int add_release_variable(const struct plan *pl, pid_t pid, struct strv *vars)
{
        char pid_text[16] = "PID";

        if (pid > 0)
                snprintf(pid_text, sizeof(pid_text), "%d", (int)pid);
        return strv_pushf(vars, "ALLOCSEL_RELEASE=family=%s,interval_ms=%lld,min_free_kb=%lld,pid=%s",
                          pl->allocator->family == FAMILY_GLIBC ? "glibc" : "tcmalloc",
                          pl->release.interval_ms, pl->release.min_free_kb, pid_text);
}

int plan_variables(const struct plan *pl, pid_t pid, struct strv *ret)
{
        struct strv vars = { 0 };
        int r = 0;

        for (size_t i = 0; r == 0 && i < pl->changes.n; i++)
                r = strv_push(&vars, pl->changes.v[i]);
        if (r == 0 && pl->release.enabled)
                r = add_release_variable(pl, pid, &vars);
        /* the process whose own execs keep the allocator */
        if (r == 0 && pl->children_saved)
                r = pid > 0 ? strv_pushf(&vars, "%s=%d%s", CHILDREN_VAR, (int)pid, pl->children_saved) :
                              strv_pushf(&vars, "%s=PID%s", CHILDREN_VAR, pl->children_saved);
        if (r < 0) {
                strv_free(&vars);
                return r;
        }
        *ret = vars;
        return 0;
}

int plan_environment(const struct plan *pl, char *const *envp, pid_t pid, struct strv *ret)
{
        struct strv vars = { 0 };
        int r = plan_variables(pl, pid, &vars);

        if (r == 0)
                r = env_apply(envp, &vars, ret);
        strv_free(&vars);
        return r;
}

/* A variable the kernel would refuse at exec is the policy's error when
 * the policy alone makes it that long (--check reports it); one made long
 * by the caller's value (a long LD_PRELOAD) falls back at the start. */
static void check_lengths(struct plan *pl, char *const *envp)
{
        size_t max = env_string_max();

        for (size_t i = 0; i < pl->changes.n; i++) {
                const char *c = pl->changes.v[i], *eq = strchr(c, '=');
                const struct env_setting *from = NULL;
                size_t name_len = eq ? (size_t)(eq - c) : 0;
                bool callers = false;

                if (!eq || strlen(c) + 1 <= max)
                        continue;
                for (char *const *e = envp; e && *e && !callers; e++)
                        callers = strncmp(*e, c, name_len + 1) == 0;
                for (size_t k = 0; k < pl->policy.n_env && !from; k++)
                        if (strlen(pl->policy.env[k].name) == name_len && strncmp(pl->policy.env[k].name, c, name_len) == 0)
                                from = &pl->policy.env[k];
                if (!callers)
                        diags_add(&pl->diags, DIAG_ERROR, from ? from->file : NULL, from ? from->line : 0,
                                  "%s%.*s: %zu bytes with its name, over the kernel's limit of %zu for one variable "
                                  "passed to a program", from ? "environment." : "", (int)name_len, c, strlen(c) + 1,
                                  max);
        }
}

static long long setting_or_default(const struct policy *p, enum policy_key k)
{
        return p->s[k].set ? p->s[k].i : policy_keys[k].def;
}

static void read_settings(struct plan *pl)
{
        const struct policy *p = &pl->policy;

        pl->monitor.enabled = setting_or_default(p, K_MON_ENABLED) != 0;
        pl->monitor.startup_sample_ms = setting_or_default(p, K_MON_STARTUP_SAMPLE_MS);
        pl->monitor.sample_interval_ms = setting_or_default(p, K_MON_SAMPLE_INTERVAL_MS);
        pl->monitor.log_samples = setting_or_default(p, K_MON_LOG_SAMPLES) != 0;
        pl->release.interval_ms = setting_or_default(p, K_REL_INTERVAL_MS);
        pl->release.min_free_kb = setting_or_default(p, K_REL_MIN_FREE_KB);
}

/* children = "clean": the helper that gives the programs the service
 * starts the environment from before allocsel. */
static int find_children_library(struct plan *pl, const struct plan_options *o)
{
        const struct library_query q = { o->check_owner, false, FAMILY_NONE, 0 };
        const struct setting *s = &pl->policy.s[K_CHILDREN];
        struct library_traits t;
        char *why = NULL;

        if (!s->set || strcmp(s->s, "clean") != 0)
                return 0;
        /* a missing library is reported by library_load below, naming the path */
        if (companion_path(CHILDREN_LIBRARY, PRIVATELIBDIR, &pl->children_library) == -ENOMEM)
                return -ENOMEM;
        if (library_load(o->libraries, pl->children_library, &q, &t, &why) < 0) {
                diags_add(&pl->diags, DIAG_ERROR, s->file, s->line, "children: %s",
                          why ? why : pl->children_library);
                free(why);
                free(pl->children_library);
                pl->children_library = NULL;
        }
        return 0;
}

/* Last: every variable allocsel sets (the release helper's too), with its
 * value from before; plan_variables puts the PID in front. */
static int add_children_spec(struct plan *pl, char *const *envp)
{
        const struct setting *s = &pl->policy.s[K_CHILDREN];
        struct strv names = { 0 };
        int r = 0;

        if (!pl->children_library)
                return 0;
        for (size_t i = 0; r == 0 && i < pl->changes.n; i++)
                r = strv_push(&names, pl->changes.v[i]);
        if (r == 0 && pl->release.enabled)
                r = strv_push(&names, "ALLOCSEL_RELEASE");
        if (r == 0)
                r = children_spec_encode(names.v, envp, &pl->children_saved);
        strv_free(&names);
        if (r < 0)
                return r;
        /* "ALLOCSEL_CHILDREN=" and a PID of up to 10 digits */
        if (strlen(CHILDREN_VAR "=") + 10 + strlen(pl->children_saved) + 1 > env_string_max()) {
                diags_add(&pl->diags, DIAG_ERROR, s->file, s->line,
                          "children: the values to restore make %s longer than the kernel passes "
                          "to a program (128 KiB)", CHILDREN_VAR);
                free(pl->children_saved);
                pl->children_saved = NULL;
        }
        return 0;
}

/* arena_max = "auto", narenas = "auto": the allocator's own rule applied,
 * at launch, to the CPUs this service may use rather than the host's. */
static int resolve_auto_arenas(struct plan *pl)
{
        enum alloc_family family = pl->allocator->family;
        enum policy_key k = family == FAMILY_GLIBC ? K_GLIBC_ARENA_MAX : K_JE_NARENAS;
        struct setting *s = &pl->policy.s[k];
        struct cpu_budget b;
        char name[64], source[PATH_MAX + 160];

        if ((family != FAMILY_GLIBC && family != FAMILY_JEMALLOC) || !s->set || !s->automatic)
                return 0;
        (void)cpu_budget_read(&b);
        s->i = arenas_for_cpus(family, b.cpus);
        if (s->i > policy_keys[k].max)
                s->i = policy_keys[k].max;
        if (b.quota && b.quota < b.affinity)
                snprintf(source, sizeof(source), "the cgroup CPU quota %s (%s); the affinity mask has %u",
                         b.quota_text, b.quota_file, b.affinity);
        else if (b.quota)
                snprintf(source, sizeof(source), "the affinity mask; the cgroup CPU quota %s (%s) allows %u",
                         b.quota_text, b.quota_file, b.quota);
        else
                snprintf(source, sizeof(source), "the affinity mask; no cgroup CPU quota");
        return strv_pushf(&pl->notes, "%s = \"auto\": %lld, %s for %u CPU%s from %s",
                          policy_key_name(k, name, sizeof(name)), s->i,
                          family == FAMILY_GLIBC ? "glibc's 8 arenas per CPU" : "jemalloc's 4 arenas per CPU (1 on one CPU)",
                          b.cpus, b.cpus == 1 ? "" : "s", source);
}

static int add_policy_environment(struct plan *pl)
{
        for (size_t i = 0; i < pl->policy.n_env; i++) {
                int r = strv_pushf(&pl->changes, "%s=%s", pl->policy.env[i].name,
                                   pl->policy.env[i].value);

                if (r < 0)
                        return r;
        }
        return 0;
}

static bool any_in_section(const struct policy *p, const char *section)
{
        for (size_t k = 0; k < K__COUNT; k++)
                if (p->s[k].set && policy_keys[k].section && strcmp(policy_keys[k].section, section) == 0)
                        return true;
        return false;
}

/* Only what the tuning at hand will read from the library. */
static unsigned probe_needs(const struct policy *p)
{
        unsigned want = 0;

        if (any_in_section(p, "profile"))
                want |= PROBE_PROFILING | PROBE_CONF_VAR;
        if (any_in_section(p, "jemalloc"))
                want |= PROBE_CONF_VAR;
        if (any_in_section(p, "mimalloc"))
                want |= PROBE_OPTION_NAMES;
        return want;
}

static int load_policy(struct plan *pl, const struct plan_options *o, const char *service)
{
        struct policy_search s = { &o->dirs, o->dirs_given, o->check_owner, o->candidate, NULL };
        char *candidate_name = NULL;
        int r;

        if (o->candidate && asprintf(&candidate_name, "%s.conf", o->candidate_as) < 0)
                return -ENOMEM;
        s.candidate_name = candidate_name;
        r = policy_load(&pl->policy, &s, service, &pl->diags);
        free(candidate_name);
        return r == -ENOMEM ? r : 0;
}

/* allocsel.conf: read here, or shared (read-only) with the other plans of a run. */
static int load_catalog(struct plan *pl, const struct plan_options *o)
{
        int r;

        if (o->catalog) {
                pl->catalog = *o->catalog;
                pl->catalog_shared = true;
                for (size_t i = 0; o->catalog_diags && i < o->catalog_diags->n; i++) {
                        const struct diag *dg = &o->catalog_diags->v[i];

                        diags_add(&pl->diags, dg->level, dg->file, dg->line, "%s", dg->msg);
                }
                return 0;
        }
        r = catalog_init(&pl->catalog);
        if (r == 0)
                r = catalog_load_global(&pl->catalog, o->global_conf, o->check_owner, &pl->diags);
        /* its problems are in the diagnostics: a policy error like any other */
        return r == -ENOMEM ? r : 0;
}

/* The steps once the allocator and its library are known: the variables
 * set, the helpers preloaded, what --explain adds. */
static int plan_changes(struct plan *pl, const struct plan_options *o, char *const *envp)
{
        int r = add_policy_environment(pl);

        if (r == 0)
                r = resolve_auto_arenas(pl);
        if (r == 0)
                r = tuning_changes(&pl->policy, pl->allocator, &pl->traits, envp, &pl->changes, &pl->diags);
        if (r == 0)
                r = add_release(pl, o);
        if (r == 0)
                r = find_children_library(pl, o);
        if (r == 0)
                r = add_preload(pl, envp);
        if (r == 0)
                r = add_identity(pl);
        if (r == 0)
                r = add_children_spec(pl, envp);
        if (r == 0 && o->describe)
                r = plan_host_notes(pl, envp);
        if (r == 0 && o->describe)
                r = plan_limit_notes(pl);
        if (r == 0)
                check_lengths(pl, envp);
        return r;
}

static int plan_build(struct plan *pl, const struct plan_options *o, const char *service, char *const *envp)
{
        const char *on_error;
        int r;

        pl->service = service;
        r = load_catalog(pl, o);
        if (r == 0)
                r = load_policy(pl, o, service);
        if (r < 0)
                return r;

        read_settings(pl);
        pl->allocator = choose_allocator(pl, o);
        /* no file at all (nor --allocator): glibc, environment untouched, still logged */
        pl->no_policy = pl->policy.files.n == 0 && !o->allocator;
        if (pl->allocator && !pl->no_policy) {
                r = find_library(pl, o, o->describe ? PROBE_ALL : probe_needs(&pl->policy));
                if (r == 0 && (pl->library || pl->allocator->family == FAMILY_GLIBC))
                        r = plan_changes(pl, o, envp);
                if (r < 0)
                        return r;
        }
        /* a problem that could not even be recorded: no plan to trust */
        if (pl->diags.lost)
                return -ENOMEM;

        pl->fallback = diags_count(&pl->diags, DIAG_ERROR) > 0;
        /* the policy's own on_error wins when it could be read, else allocsel.conf's */
        on_error = pl->policy.s[K_ON_ERROR].set ? pl->policy.s[K_ON_ERROR].s : pl->catalog.on_error;
        pl->refuse = pl->fallback && (o->strict || (on_error && strcmp(on_error, "fail") == 0));
        if (pl->fallback) {
                strv_free(&pl->changes);
                pl->release.enabled = false;
                free(pl->children_saved);
                pl->children_saved = NULL;
        }
        return 0;
}

int plan_make(struct plan *pl, const struct plan_options *o, const char *service, char *const *envp)
{
        int r;

        memset(pl, 0, sizeof(*pl));
        r = plan_build(pl, o, service, envp);
        if (r < 0)
                plan_free(pl);  /* half built: nothing of it is left to the caller */
        return r;
}

void plan_free(struct plan *pl)
{
        if (!pl->catalog_shared)
                catalog_free(&pl->catalog);
        policy_free(&pl->policy);
        free(pl->library);
        free(pl->release_library);
        free(pl->children_library);
        free(pl->children_saved);
        strv_free(&pl->changes);
        strv_free(&pl->notes);
        diags_free(&pl->diags);
        /* freed twice is freed once: a caller may free what plan_make did */
        memset(pl, 0, sizeof(*pl));
}

