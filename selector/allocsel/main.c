/* allocsel: run a program under its service's allocator policy.
 *
 * A chain-loader: read the policy, build the environment, exec the program
 * in this same process so that it keeps the PID its service manager knows. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "announce.h"
#include "cli.h"
#include "companion.h"
#include "compare.h"
#include "envbuild.h"
#include "lastresort.h"
#include "program.h"
#include "plan.h"
#include "records.h"
#include "status.h"
#include "check_explain_list.h"

#ifndef ALLOCSEL_VERSION
#define ALLOCSEL_VERSION "unknown"
#endif

#ifndef LIBEXECDIR
#define LIBEXECDIR "/usr/libexec"
#endif

#define EXIT_USAGE 2
#define EXIT_CANNOT_EXECUTE 126
#define EXIT_NOT_FOUND 127

extern char **environ;

static const char *const default_dirs[] = { "/etc/allocsel.d", "/run/allocsel.d", "/usr/lib/allocsel.d" };

static int usage_error(const char *msg)
{
        fprintf(stderr, "allocsel: %s\n", msg);
        return EXIT_USAGE;
}

static int plan_options_from(const struct cli *c, struct plan_options *o)
{
        memset(o, 0, sizeof(*o));
        for (size_t i = 0; i < c->policy_dirs.n; i++)
                if (strv_push(&o->dirs, c->policy_dirs.v[i]) < 0)
                        return -ENOMEM;
        for (size_t i = 0; c->policy_dirs.n == 0 && i < sizeof(default_dirs) / sizeof(*default_dirs); i++)
                if (strv_push(&o->dirs, default_dirs[i]) < 0)
                        return -ENOMEM;
        o->dirs_given = c->policy_dirs.n > 0;
        o->candidate = c->mode == MODE_CHECK ? c->file : NULL;  /* --check --as SERVICE --file PATH */
        o->candidate_as = c->check_as;
        o->global_conf = c->config ? c->config : "/etc/allocsel.conf";
        o->allocator = c->allocator;
        o->strict = c->strict;
        /* only root's files, or the running user's own, may steer a service:
         * a User= service may hold capabilities a third user must not reach */
        o->check_owner = true;
        o->describe = c->mode != MODE_RUN;
        return 0;
}

/* The program gets the caller's SIGCHLD disposition back: SIG_IGN is
 * inherited across exec, and a program may rely on it. Returns errno. */
static int try_exec(const char *path, char **argv, char **envp, const struct sigaction *program_sigchld)
{
        struct sigaction own;
        int e;

        sigaction(SIGCHLD, program_sigchld, &own);
        execve(path, argv, envp);
        e = errno;
        sigaction(SIGCHLD, &own, NULL);
        return e;
}

static int exec_failed(const char *path, int e)
{
        /* like env(1): a vanished file (or interpreter) is "not found" */
        fprintf(stderr, "allocsel: cannot run %s: %s\n", path, strerror(e));
        return e == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE;
}

/* Out of memory: no plan, no record, but environ is at hand, so the
 * program starts with it untouched (fail-open), saying so on stderr. path
 * NULL: PROGRAM could not be looked for, and the C library looks. */
static int start_bare(const struct cli *c, const char *path, const struct sigaction *program_sigchld)
{
        const char *name = path ? path : c->program[0];
        int e;

        fprintf(stderr, "allocsel: %s: out of memory: starting %s with the environment untouched\n", c->service, name);
        sigaction(SIGCHLD, program_sigchld, NULL);
        if (path)
                execve(path, c->program, environ);
        else
                execvp(c->program[0], c->program);
        e = errno;
        return exec_failed(name, e);
}

/* The same where libconfig ran out of memory (lastresort.h): from a
 * SIGSEGV handler or inside exit(), so with what was found before and
 * async-signal-safe calls only. */
static struct {
        const char *service, *path;     /* path NULL: PROGRAM was not found... */
        int missing_status;             /* ...and this is the exit status */
        char **argv;
        const struct sigaction *sigchld;
        sigset_t mask;                  /* the caller's */
} bare;

static void put(const char *s)
{
        for (size_t n = strlen(s); n > 0;) {
                ssize_t w = write(STDERR_FILENO, s, n);

                if (w <= 0)
                        return;
                s += w;
                n -= (size_t)w;
        }
}

static void start_bare_now(void)
{
        int e;

        put("allocsel: ");
        put(bare.service);
        put(": out of memory reading the policy: ");
        if (!bare.path) {
                put("no program to start\n");
                _exit(bare.missing_status);
        }
        put("starting ");
        put(bare.path);
        put(" with the environment untouched\n");
        sigaction(SIGCHLD, bare.sigchld, NULL);
        sigprocmask(SIG_SETMASK, &bare.mask, NULL);
        execve(bare.path, bare.argv, environ);
        e = errno;
        put("allocsel: cannot run ");
        put(bare.path);
        put("\n");
        _exit(e == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE);
}

/* --check, --explain, --list, --compare: no answer rather than a wrong one. */
static void exit_out_of_memory(void)
{
        put("allocsel: out of memory\n");
        _exit(1);
}

/* A fallback (the plan's errors, or why) logged, then refused or the
 * program started with the environment untouched. */
static int start_untouched(const struct plan *pl, const char *path, char **argv, const char *why,
                           const struct sigaction *program_sigchld)
{
        bool refuse = pl->refuse && !why;
        struct announcement a;
        struct event ev;
        int e;

        (void)record_fallback(&ev, pl, path, refuse, why);
        announce(&a, &ev, NULL, NULL);
        if (refuse) {
                event_free(&ev);
                return EX_CONFIG;
        }
        e = try_exec(path, argv, environ, program_sigchld);
        announce_withdraw(&a);
        event_free(&ev);
        return exec_failed(path, e);
}

/* No program to exec: the policy's errors are logged all the same (as
 * before a failed exec), and a refusal still refuses. */
static int program_missing(const struct plan *pl, const char *name, int r)
{
        struct announcement a;
        struct event ev;

        if (pl && pl->fallback) {
                (void)record_fallback(&ev, pl, name, pl->refuse, NULL);
                announce(&a, &ev, NULL, NULL);
                event_free(&ev);
        }
        /* like env(1) and tini: ENOENT is "not found" (127), any other error 126 */
        fprintf(stderr, "allocsel: %s: %s\n", name, r == -ENOENT ? "command not found" : strerror(-r));
        if (pl && pl->fallback && pl->refuse)
                return EX_CONFIG;
        return r == -ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE;
}

/* The start the plan describes (or, skipped, untouched with a warning). A
 * variable the kernel would refuse falls back instead of failing the exec. */
static int start_planned(const struct cli *c, const struct plan *pl, const char *path, const char *skipped,
                         const struct sigaction *program_sigchld)
{
        struct strv vars = { 0 }, envp = { 0 };
        const struct monitor_settings *watch = c->no_monitor || !pl->monitor.enabled ? NULL : &pl->monitor;
        char *too_long = NULL;
        struct announcement a;
        struct event ev;
        int e;

        if (plan_variables(pl, getpid(), &vars) < 0 || (!skipped && env_apply(environ, &vars, &envp) < 0) ||
            (!skipped && env_too_long(envp.v, &too_long) < 0)) {
                strv_free(&vars);
                strv_free(&envp);
                return start_bare(c, path, program_sigchld);
        }
        if (too_long) {
                strv_free(&vars);
                strv_free(&envp);
                e = start_untouched(pl, path, c->program, too_long, program_sigchld);
                free(too_long);
                return e;
        }
        /* what ran is on record, or it does not run with the policy */
        if (record_started(&ev, pl, path, getpid(), &vars, skipped) < 0) {
                event_free(&ev);
                strv_free(&vars);
                strv_free(&envp);
                return start_bare(c, path, program_sigchld);
        }
        /* the library whose mapping the startup record reports: the
         * allocator's, or for glibc the release helper when there is one */
        announce(&a, &ev, watch, pl->library ? pl->library : pl->release.enabled ? pl->release_library : NULL);
        e = try_exec(path, c->program, skipped ? environ : envp.v, program_sigchld);
        announce_withdraw(&a); /* no started record for what did not start */
        event_free(&ev);
        strv_free(&vars);
        strv_free(&envp);
        /* over ARG_MAX with our variables only: the untouched environment fits */
        if (e == E2BIG && !skipped)
                return start_untouched(pl, path, c->program,
                                       "the environment with the policy's variables is over the kernel's limit "
                                       "for a program's arguments and environment (E2BIG)", program_sigchld);
        return exec_failed(path, e);
}

/* --report: the report reads the journal with libsystemd, which allocsel
 * itself never loads; it is a program of its own. Its argv is ours from
 * "--report" on, renamed: nothing to allocate, no option dropped. */
static int exec_report(char **argv)
{
        char *path = NULL;
        int r = companion_path("allocsel-report", LIBEXECDIR "/allocsel", &path), e;

        if (r == -ENOMEM) {
                fprintf(stderr, "allocsel: out of memory\n");
                return EXIT_CANNOT_EXECUTE;
        }
        argv[1] = (char *)"allocsel-report";
        execv(path, argv + 1);
        e = errno;
        fprintf(stderr, "allocsel: cannot run the report program %s: %s\n", path, strerror(e));
        free(path);
        return e == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE;
}

/* What --check, --explain, --list, --help and --version print is their
 * answer: one that did not reach its file (a full disk, /dev/full) is an
 * error, not an answer. */
static int stdout_written(int status)
{
        int e = fflush(stdout) == 0 ? 0 : errno;

        if (e == 0 && !ferror(stdout))
                return status;
        fprintf(stderr, "allocsel: cannot write to standard output: %s\n", e ? strerror(e) : "write error");
        return status ? status : 1;
}

static int run(const struct cli *c, const struct plan_options *o, const struct sigaction *program_sigchld)
{
        char *path = NULL, *skipped = NULL;
        struct plan pl;
        int found, r;

        /* 1. The program, found like env(1) finds it: first, so that memory
         *    running out from here on still starts it, untouched. */
        found = program_find(c->program[0], getenv("PATH"), &path);
        if (found == -ENOMEM)
                return start_bare(c, NULL, program_sigchld);
        bare.service = c->service;
        bare.path = path;
        bare.missing_status = found == -ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE; /* as program_missing */
        bare.argv = c->program;
        bare.sigchld = program_sigchld;
        sigprocmask(SIG_BLOCK, NULL, &bare.mask);
        last_resort_set(start_bare_now);

        /* 2. The plan: policy files, allocator, library, variables, settings. */
        if (plan_make(&pl, o, c->service, environ) < 0) {
                r = path ? start_bare(c, path, program_sigchld) : program_missing(NULL, c->program[0], found);
                free(path);
                return r;
        }
        if (found < 0) {
                r = program_missing(&pl, c->program[0], found);
                plan_free(&pl);
                return r;
        }

        /* 3. Policy errors: refuse when asked to, else start untouched. */
        if (pl.fallback) {
                r = start_untouched(&pl, path, c->program, NULL, program_sigchld);
                free(path);
                plan_free(&pl);
                return r;
        }

        /* 4. Programs the preloads (the allocator's library, the release
         *    and children helpers) cannot reach, or that cannot be read to
         *    tell, run untouched, with a warning. */
        if (pl.library || pl.release_library || pl.children_library) {
                r = program_preload_obstacle(path, &pl.catalog, pl.library != NULL, &skipped);
                if (r == -ENOMEM) {
                        r = start_bare(c, path, program_sigchld);
                        free(path);
                        plan_free(&pl);
                        return r;
                }
        }

        /* 5. Announce what will run, then become the program. */
        r = start_planned(c, &pl, path, skipped, program_sigchld);
        free(skipped);
        free(path);
        plan_free(&pl);
        return r;
}

int main(int argc, char **argv)
{
        const struct sigaction dfl = { .sa_handler = SIG_DFL };
        struct sigaction caller_sigchld;
        struct plan_options o = { 0 };
        const char *error;
        struct cli c;
        int r;

        /* A set-ID allocsel would let any user inject code into its owner's programs. */
        if (getuid() != geteuid() || getgid() != getegid()) {
                fprintf(stderr, "allocsel: refusing to run set-user-ID or set-group-ID\n");
                return EXIT_CANNOT_EXECUTE;
        }
        /* allocsel waits for its own children (--compare's runs, the
         * seccomp trial): with the caller's SIGCHLD = SIG_IGN
         * the kernel would reap them first and waitpid() fail. */
        sigaction(SIGCHLD, &dfl, &caller_sigchld);
        r = cli_parse(argc, argv, &c, &error);
        if (r < 0 && r != -ENOMEM)
                return usage_error(error);
        if (r == 0 && c.mode == MODE_REPORT)
                return exec_report(argv);
        if (r < 0 || plan_options_from(&c, &o) < 0) {
                /* a run still starts, untouched; the other modes have no answer */
                if (c.mode == MODE_RUN) {
                        r = start_bare(&c, NULL, &caller_sigchld);
                } else {
                        fprintf(stderr, "allocsel: out of memory\n");
                        r = 1;
                }
                strv_free(&o.dirs);
                cli_free(&c);
                return r;
        }
        if (c.mode != MODE_RUN)
                last_resort_set(exit_out_of_memory);
        switch (c.mode) {
        case MODE_HELP:
                fputs(cli_usage, stdout);
                r = stdout_written(0);
                break;
        case MODE_VERSION:
                printf("allocsel %s\n", ALLOCSEL_VERSION);
                r = stdout_written(0);
                break;
        case MODE_CHECK:
                r = stdout_written(check_policies(&o, c.services, c.n_services, environ));
                break;
        case MODE_EXPLAIN:
                r = stdout_written(explain_service(&o, c.service, c.json, environ));
                break;
        case MODE_LIST:
                r = stdout_written(list_allocators(&o, c.json));
                break;
        case MODE_STATUS:
                r = status_show(c.json);
                break;
        case MODE_COMPARE: {
                struct compare_options co = {
                        .allocators = c.allocators, .policies = c.policies,
                        .service = c.compare_service, .interval_ms = c.interval_ms,
                        .output = c.output, .runs = (int)c.runs, .program = c.program,
                        .program_sigchld = &caller_sigchld,
                };

                r = compare_main(&o, &co, environ);
                break;
        }
        default:
                r = run(&c, &o, &caller_sigchld);
                break;
        }
        strv_free(&o.dirs);
        cli_free(&c);
        return r;
}
