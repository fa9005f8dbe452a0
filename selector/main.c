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

#include "cli.h"
#include "compare.h"
#include "envbuild.h"
#include "events.h"
#include "helper.h"
#include "inspect.h"
#include "monitor.h"
#include "plan.h"
#include "report.h"

#ifndef ALLOCSEL_VERSION
#define ALLOCSEL_VERSION "unknown"
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
        /* only root's files may steer a root service; users run what they like */
        o->check_owner = geteuid() == 0;
        o->describe = c->mode != MODE_RUN;
        return 0;
}

/* To the journal through the detached helper, else to stderr; with watch
 * the helper stays as the monitor; with at_exec it starts once we have
 * exec'd. Warnings are echoed on a terminal so that an operator trying a
 * policy sees them. */
static void log_event(const struct plan *pl, const struct event *ev, int priority, bool watch, bool at_exec)
{
        bool journal = journal_available(), sent = false;

        if (!journal || (priority <= 4 && isatty(STDERR_FILENO)))
                event_print(ev, STDERR_FILENO);
        if (journal || watch)
                sent = monitor_launch(pl, ev, watch, journal, at_exec) == 0;
        if (!sent && journal)
                event_print(ev, STDERR_FILENO); /* never lose it */
        if (!sent && watch)
                fprintf(stderr, "allocsel: warning: %s: the monitor could not be started; no RSS will be logged\n",
                        pl->service);
}

/* The program gets the caller's SIGCHLD disposition back: SIG_IGN is
 * inherited across exec, and a program may rely on it. */
static int exec_program(const char *path, char **argv, char **envp, const struct sigaction *program_sigchld)
{
        struct sigaction own;
        int e;

        sigaction(SIGCHLD, program_sigchld, &own);
        execve(path, argv, envp);
        e = errno;
        sigaction(SIGCHLD, &own, NULL);
        helper_exec_failed(); /* no started event for what did not start */
        /* like env(1): a vanished file (or interpreter) is "not found" */
        fprintf(stderr, "allocsel: cannot run %s: %s\n", path, strerror(e));
        return e == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE;
}

static int run(const struct cli *c, const struct plan_options *o, const struct sigaction *program_sigchld)
{
        char *path = NULL, *skipped = NULL;
        struct strv envp = { 0 };
        struct event ev;
        struct plan pl;
        int r;

        /* 1. The plan: policy files, allocator, library, variables. */
        if (plan_make(&pl, o, c->service, environ) < 0) {
                fprintf(stderr, "allocsel: out of memory\n");
                return EXIT_CANNOT_EXECUTE;
        }

        /* 2. The program, found like env(1) finds it. */
        r = program_find(c->program[0], getenv("PATH"), &path);
        if (r < 0) {
                fprintf(stderr, "allocsel: %s: %s\n", c->program[0],
                        r == -EACCES ? "permission denied" : "command not found");
                plan_free(&pl);
                return r == -EACCES ? EXIT_CANNOT_EXECUTE : EXIT_NOT_FOUND;
        }

        /* 3. Policy errors: refuse when asked to, else start untouched. */
        if (pl.fallback) {
                (void)event_fallback(&ev, &pl, path, pl.refuse);
                log_event(&pl, &ev, pl.refuse ? 3 : 4, false, !pl.refuse);
                event_free(&ev);
                r = pl.refuse ? EX_CONFIG : exec_program(path, c->program, environ, program_sigchld);
                free(path);
                plan_free(&pl);
                return r;
        }

        /* 4. Programs a preload cannot reach run untouched, with a warning. */
        if (pl.library && program_preload_obstacle(path, &pl.catalog, &skipped) != 1) {
                free(skipped);
                skipped = NULL;
        }

        /* 5. Log what will run, then become the program. */
        if (!skipped && env_apply(environ, &pl.changes, &envp) < 0) {
                fprintf(stderr, "allocsel: out of memory\n");
                return EXIT_CANNOT_EXECUTE;
        }
        (void)event_started(&ev, &pl, path, getpid(), skipped);
        log_event(&pl, &ev, skipped ? 4 : 6, !c->no_monitor && plan_monitor_enabled(&pl), true);
        event_free(&ev);
        r = exec_program(path, c->program, skipped ? environ : envp.v, program_sigchld);
        strv_free(&envp);
        free(skipped);
        free(path);
        plan_free(&pl);
        return r;
}

int main(int argc, char **argv)
{
        const struct sigaction dfl = { .sa_handler = SIG_DFL };
        struct sigaction caller_sigchld;
        struct plan_options o;
        const char *error;
        struct cli c;
        int r;

        /* A set-ID allocsel would let any user inject code into its owner's programs. */
        if (getuid() != geteuid() || getgid() != getegid()) {
                fprintf(stderr, "allocsel: refusing to run set-user-ID or set-group-ID\n");
                return EXIT_CANNOT_EXECUTE;
        }
        /* allocsel waits for its own children (the helper's intermediate
         * process, --compare's runs): with the caller's SIGCHLD = SIG_IGN
         * the kernel would reap them first and waitpid() fail. */
        sigaction(SIGCHLD, &dfl, &caller_sigchld);
        if (cli_parse(argc, argv, &c, &error) < 0)
                return usage_error(error);
        if (plan_options_from(&c, &o) < 0) {
                cli_free(&c);
                return usage_error("out of memory");
        }
        switch (c.mode) {
        case MODE_HELP:
                fputs(cli_usage, stdout);
                r = 0;
                break;
        case MODE_VERSION:
                printf("allocsel %s\n", ALLOCSEL_VERSION);
                r = 0;
                break;
        case MODE_CHECK:
                r = report_check(&o, c.services, c.n_services, environ);
                break;
        case MODE_EXPLAIN:
                r = report_explain(&o, c.service, c.json, environ);
                break;
        case MODE_LIST:
                r = report_list(&o, c.json);
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
