/* --compare: the allocator experiment as one command. Each run gets the
 * environment a policy for that allocator would produce (the same plan as
 * a real start), in a process group of its own so that its descendants are
 * sampled and a Ctrl-C reaches all of them. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "compare.h"
#include "outdir.h"
#include "pidfd.h"
#include "procstat.h"

static volatile sig_atomic_t interrupted;
static volatile pid_t running_group;

/* Ctrl-C or a stop: pass it on to the program, then finish the outputs. */
static void on_signal(int sig)
{
        interrupted = sig;
        if (running_group > 0)
                kill(-running_group, sig);
}

static int choose_allocators(const struct plan_options *o, const struct compare_options *co,
                             struct strv *names)
{
        struct catalog c;
        struct diags d = { 0 };

        if (co->allocators.n > 0 || co->policies.n > 0) {
                for (size_t i = 0; i < co->allocators.n; i++)
                        if (strv_push(names, co->allocators.v[i]) < 0)
                                return -ENOMEM;
                return 0;
        }
        if (catalog_init(&c) < 0)
                return -ENOMEM;
        (void)catalog_load_global(&c, o->global_conf, o->check_owner, &d);
        for (size_t i = 0; i < c.n; i++) {
                const struct library_query q = { o->check_owner, true, c.v[i].family, 0 };
                struct library_traits t;
                char *path = NULL, *why = NULL;

                if (c.v[i].family == FAMILY_GLIBC || catalog_locate(&c, &c.v[i], NULL, &q, &path, &t, &why) == 0)
                        (void)strv_push(names, c.v[i].name);
                free(path);
                free(why);
        }
        catalog_free(&c);
        diags_free(&d);
        return 0;
}

static void add_point(struct compare_run *r, long long t, long long rss)
{
        if (r->n == r->cap) {
                size_t cap = r->cap ? r->cap * 2 : 256;
                long long *t2 = realloc(r->t_ms, cap * sizeof(*t2)), *r2;

                if (!t2)
                        return;
                r->t_ms = t2;
                r2 = realloc(r->rss_kb, cap * sizeof(*r2));
                if (!r2)
                        return;
                r->rss_kb = r2;
                r->cap = cap;
        }
        r->t_ms[r->n] = t;
        r->rss_kb[r->n++] = rss;
}

/* The peak is the kernel's high-water mark, not the highest sample (which
 * misses whatever rose and fell between two samples): the program's VmHWM
 * plus what its descendants hold at this sample. The tree's RSS (read from
 * /proc/PID/stat) can be a little above VmHWM's last update: the higher of
 * the two. */
static void note_peak(struct compare_run *r, pid_t pid, const struct tree_sample *s)
{
        struct proc_sample own;
        long long peak = s->rss_kb;

        if (proc_read_status(pid, &own) == 0 && own.hwm_kb > 0) {
                long long descendants = s->rss_kb > own.rss_kb ? s->rss_kb - own.rss_kb : 0;

                if (own.hwm_kb + descendants > peak)
                        peak = own.hwm_kb + descendants;
        }
        if (peak > r->peak_kb)
                r->peak_kb = peak;
}

/* The program, in a process group of its own, with the environment the
 * plan gives the process it runs in (the release helper's PID is its own). */
static pid_t start_program(const struct compare_options *co, const struct plan *pl, char **envp, int out)
{
        pid_t pid = fork();

        if (pid == 0) {
                int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
                struct strv env = { 0 };

                setpgid(0, 0);
                signal(SIGINT, SIG_DFL);
                signal(SIGTERM, SIG_DFL);
                if (co->program_sigchld)
                        sigaction(SIGCHLD, co->program_sigchld, NULL);
                if (in >= 0)
                        dup2(in, STDIN_FILENO);
                dup2(out, STDOUT_FILENO);
                dup2(out, STDERR_FILENO);
                if (plan_environment(pl, envp, getpid(), &env) < 0)
                        _exit(126);
                execvpe(co->program[0], co->program, env.v);
                dprintf(STDERR_FILENO, "allocsel: cannot run %s: %s\n", co->program[0], strerror(errno));
                _exit(errno == ENOENT ? 127 : 126);
        }
        if (pid > 0)
                setpgid(pid, pid); /* also here: whichever runs first */
        return pid;
}

static void progress(const char *name, int run, int runs, long long t, long long rss_kb)
{
        if (isatty(STDOUT_FILENO)) {
                printf("\r  %-18s run %d/%d  %7.1f s  RSS %9.1f MiB ", name, run, runs, (double)t / 1000,
                       (double)rss_kb / 1024);
                fflush(stdout);
        }
}

/* Whether the child has exited, without reaping it. */
static bool exited_unreaped(pid_t pid)
{
        siginfo_t info = { 0 };

        return waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
}

/* Where the results go: the directory, checked once, and the files
 * written in it (the program's output files are opened run by run). */
struct outputs {
        int dirfd;
        FILE *csv, *json, *svg;
};

/* The run's output file, output-NAME-RUN.log: -errno with *ret_why
 * (always set) saying which file and why when it cannot be written. */
static int open_log(const struct compare_options *co, const struct outputs *o, const char *name, int run,
                    int *ret_fd, char **ret_why)
{
        char log[NAME_MAX + 1];
        int r = -ENAMETOOLONG;

        if (snprintf(log, sizeof(log), "output-%s-%d.log", name, run) < (int)sizeof(log))
                r = outdir_create(o->dirfd, co->output, log, ret_fd, ret_why);
        if (r < 0 && !*ret_why && asprintf(ret_why, "%s/%s: %s", co->output, log, strerror(-r)) < 0)
                *ret_why = NULL;
        return r;
}

/* One run: sample until the program is gone, then collect its status.
 * Its output file that cannot be written: -errno, *ret_why saying why. */
static int run_once(const struct compare_options *co, const struct outputs *o, const char *name, int run,
                    const struct plan *pl, char **envp, struct compare_run *r, char **ret_why)
{
        long long t0, last_t = 0, last_rss = 0, area = 0;
        struct rusage ru = { 0 };
        pid_t pid;
        int pidfd, out, e, status = 0;

        e = open_log(co, o, name, run, &out, ret_why);
        if (e < 0)
                return e;
        t0 = clock_ms(CLOCK_MONOTONIC);
        pid = start_program(co, pl, envp, out);
        e = errno;
        close(out);
        if (pid < 0)
                return -e;
        running_group = pid;
        if (interrupted)
                kill(-pid, interrupted);
        pidfd = pidfd_open_portable(pid);
        for (;;) {
                struct tree_sample s;
                long long t = clock_ms(CLOCK_MONOTONIC) - t0;
                struct pollfd p = { .fd = pidfd, .events = POLLIN };

                if (proc_sample_tree(pid, &s) == 0 && s.rss_kb > 0) {
                        fprintf(o->csv, "%s,%d,%lld,%lld,%lld,%lld,%lld\n", name, run, t, s.rss_kb, s.vsz_kb,
                                s.minflt, s.majflt);
                        fflush(o->csv);
                        area += last_rss * (t - last_t);
                        last_t = t;
                        last_rss = s.rss_kb;
                        note_peak(r, pid, &s);
                        r->samples++;
                        add_point(r, t, s.rss_kb);
                        progress(name, run, co->runs, t, s.rss_kb);
                }
                /* the exit wakes the poll at once; without a pidfd (kernels
                 * before 5.3) look every interval, leaving the child to be
                 * reaped below with its resource usage */
                if (pidfd >= 0 ? poll(&p, 1, (int)co->interval_ms) > 0 : exited_unreaped(pid))
                        break;
                if (pidfd < 0)
                        usleep((useconds_t)co->interval_ms * 1000);
        }
        while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
                ;
        running_group = 0;
        if (pidfd >= 0)
                close(pidfd);
        r->wall_ms = clock_ms(CLOCK_MONOTONIC) - t0;
        r->cpu_ms = (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
                    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
        r->mean_kb = last_t > 0 ? area / last_t : last_rss;
        compare_choose_end(r);
        r->exit_status = status;
        r->finished = !interrupted;
        if (isatty(STDOUT_FILENO))
                printf("\n");
        return 0;
}

/* How an entry is named in the table, samples.csv, the graph and its log
 * files: a policy as policy:NAME, so that a service named like an
 * allocator (glibc, jemalloc) is never taken for it. An allocator's name
 * has no ':' (allocsel.conf's names are libconfig setting names). */
static char *entry_label(const char *name, bool is_policy)
{
        char *label = NULL;

        if (!name)
                return NULL;
        if (!is_policy)
                return strdup(name);
        return asprintf(&label, "policy:%s", name) < 0 ? NULL : label;
}

/* The plan a policy for this entry makes (kept for its runs), or why none:
 * then *pl is freed already. */
static void prepare(const struct plan_options *o, const struct compare_options *co, char **envp,
                    struct compare_entry *e, struct plan *pl)
{
        struct plan_options po = *o;

        po.allocator = e->is_policy ? o->allocator : e->name;
        if (plan_make(pl, &po, e->is_policy ? e->name : co->service ? co->service : "compare", envp) < 0) {
                e->skipped = strdup("out of memory");
        } else if (pl->fallback) {
                const struct diag *d = diags_first(&pl->diags, DIAG_ERROR);

                e->skipped = d ? diag_format(d) : strdup("policy error");
        } else {
                e->runs = calloc((size_t)co->runs, sizeof(*e->runs));
                if (!e->runs)
                        e->skipped = strdup("out of memory");
        }
        if (e->skipped)
                plan_free(pl);
}

/* name in the output directory, as a stream; *ret_why as outdir_create(). */
static int open_output(const struct compare_options *co, int dirfd, const char *name, FILE **ret_f, char **ret_why)
{
        int fd, r = outdir_create(dirfd, co->output, name, &fd, ret_why);
        FILE *f;

        if (r < 0)
                return r;
        f = fdopen(fd, "w");
        if (!f) {
                r = -errno;
                close(fd);
                return r;
        }
        *ret_f = f;
        return 0;
}

/* The directory and the result files, before anything runs: one that
 * cannot be written stops the comparison before it starts. Returns 0, or
 * prints why (naming the file) and returns -errno. */
static int open_outputs(const struct compare_options *co, struct outputs *o)
{
        static const char *const names[] = { "samples.csv", "summary.json", "rss.svg" };
        FILE **files[] = { &o->csv, &o->json, &o->svg };
        char *why = NULL;
        int r = outdir_open(co->output, &o->dirfd, &why);

        for (size_t i = 0; r == 0 && i < sizeof(names) / sizeof(*names); i++)
                r = open_output(co, o->dirfd, names[i], files[i], &why);
        if (r < 0)
                fprintf(stderr, "allocsel: cannot write the results in %s: %s\n", co->output,
                        why ? why : strerror(-r));
        free(why);
        return r;
}

static int close_output(FILE *f)
{
        return f && fclose(f) != 0 ? -EIO : 0;
}

static void close_outputs(struct outputs *o)
{
        (void)close_output(o->csv);
        (void)close_output(o->json);
        (void)close_output(o->svg);
        if (o->dirfd >= 0)
                close(o->dirfd);
}

static int write_results(const struct comparison *c, const struct compare_options *co, struct outputs *o)
{
        int r = compare_write_json(c, co, o->json) | close_output(o->json);

        r |= compare_write_svg(c, co, o->svg) | close_output(o->svg);
        o->json = o->svg = NULL;
        return r;
}

static void free_comparison(struct comparison *c)
{
        for (size_t i = 0; i < c->n; i++) {
                for (int k = 0; k < c->v[i].n_runs; k++) {
                        free(c->v[i].runs[k].t_ms);
                        free(c->v[i].runs[k].rss_kb);
                }
                free(c->v[i].runs);
                free(c->v[i].name);
                free(c->v[i].label);
                free(c->v[i].skipped);
        }
        free(c->v);
}

int compare_main(const struct plan_options *o, const struct compare_options *co, char **envp)
{
        struct sigaction sa = { .sa_handler = on_signal };
        struct comparison c = { 0 };
        struct outputs out = { .dirfd = -1 };
        struct strv names = { 0 };
        struct plan *plans;
        char *why = NULL;
        int r = 0, w;

        /* 1. Which allocators, and where the results go. */
        if (choose_allocators(o, co, &names) < 0 || names.n + co->policies.n == 0) {
                fprintf(stderr, "allocsel: no allocator to compare\n");
                return 1;
        }
        if (open_outputs(co, &out) < 0) {
                close_outputs(&out);
                strv_free(&names);
                return 1;
        }
        fprintf(out.csv, "allocator,run,t_ms,rss_kb,vsz_kb,minflt,majflt\n");

        /* 2. Ctrl-C and SIGTERM stop the comparison, not the writing of it. */
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);

        /* 3. Run each allocator in turn; a skipped or failing one does not
         * stop the others, an output file that cannot be written does. */
        c.v = calloc(names.n + co->policies.n, sizeof(*c.v));
        plans = calloc(names.n + co->policies.n, sizeof(*plans));
        for (size_t i = 0; c.v && plans && i < names.n + co->policies.n; i++) {
                bool policy = i >= names.n;

                c.v[c.n].name = strdup(policy ? co->policies.v[i - names.n] : names.v[i]);
                c.v[c.n].label = entry_label(c.v[c.n].name, policy);
                c.v[c.n].is_policy = policy;
                if (!c.v[c.n].name || !c.v[c.n].label) {
                        free(c.v[c.n].name);
                        free(c.v[c.n].label);
                        fprintf(stderr, "allocsel: out of memory\n");
                        break;
                }
                prepare(o, co, envp, &c.v[c.n], &plans[c.n]);
                c.n++;
        }
        /* Run 1 of every entry, then run 2 of every entry...: drift on a
         * shared machine then spreads over all of them alike. */
        for (int run = 1; run <= co->runs && !interrupted && r >= 0; run++)
                for (size_t i = 0; i < c.n && !interrupted && r >= 0; i++) {
                        if (c.v[i].skipped)
                                continue;
                        r = run_once(co, &out, c.v[i].label, run, &plans[i], envp, &c.v[i].runs[run - 1], &why);
                        if (r == 0)
                                c.v[i].n_runs = run;
                        else if (why)
                                fprintf(stderr, "allocsel: cannot write the program's output: %s\n", why);
                        else
                                r = 0;  /* no process: this run is missing, the others go on */
                }
        for (size_t i = 0; plans && i < c.n; i++)
                if (!c.v[i].skipped)
                        plan_free(&plans[i]);
        free(plans);
        free(why);
        c.interrupted = interrupted != 0;

        /* 4. What we have, even when interrupted. */
        w = write_results(&c, co, &out);
        compare_print_table(&c, co, stdout);
        if (w < 0) {
                fprintf(stderr, "allocsel: cannot write the results in %s\n", co->output);
                r = w;
        }
        close_outputs(&out);
        free_comparison(&c);
        strv_free(&names);
        return interrupted ? 128 + interrupted : r < 0 ? 1 : 0;
}
