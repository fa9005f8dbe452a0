/* Running a program once with a preload, to see whether it loads: stderr
 * collected (bounded), a deadline, the process always reaped. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "envbuild.h"
#include "loadprobe.h"
#include "tuning.h"

/* The child gets the caller's signal mask, not the one load_probe blocks
 * SIGCHLD with while it waits. */
static int spawn(const char *program, const char *arg, char *const *envp, int err_fd, const sigset_t *mask,
                 pid_t *pid)
{
        posix_spawn_file_actions_t actions;
        posix_spawnattr_t attr;
        int r;

        r = posix_spawnattr_init(&attr);
        if (r != 0)
                return -r;
        r = posix_spawnattr_setsigmask(&attr, mask);
        if (r == 0)
                r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
        if (r != 0) {
                posix_spawnattr_destroy(&attr);
                return -r;
        }
        posix_spawn_file_actions_init(&actions);
        r = posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        if (r == 0)
                r = posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        if (r == 0)
                r = posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
        if (r == 0) {
                char *argv[] = { (char *)program, (char *)arg, NULL };

                r = posix_spawn(pid, program, &actions, &attr, argv, envp);
        }
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
        return -r;
}

/* Reads stderr until it closes or the deadline passes. */
static void collect(int fd, long long deadline, struct load_result *ret)
{
        size_t used = 0;

        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                long long left = deadline - clock_ms(CLOCK_MONOTONIC);
                char chunk[512];
                size_t take;
                ssize_t n;

                if (left <= 0)
                        return;
                if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
                        return;
                if (!p.revents)
                        continue;
                n = read(fd, chunk, sizeof(chunk));
                if (n == 0 || (n < 0 && errno != EINTR))
                        return;
                /* the start is kept, the rest read and dropped */
                take = n < 0 ? 0 : (size_t)n;
                if (take > sizeof(ret->output) - 1 - used)
                        take = sizeof(ret->output) - 1 - used;
                memcpy(ret->output + used, chunk, take);
                used += take;
                ret->output[used] = '\0';
        }
}

/* Reaps pid, waiting for its SIGCHLD (blocked by the caller) until the
 * deadline. 1 when it exited, 0 when the deadline passed, or -errno. */
static int reap(pid_t pid, long long deadline, const sigset_t *chld, int *ret_status)
{
        for (;;) {
                long long left = deadline - clock_ms(CLOCK_MONOTONIC);
                struct timespec wait;
                pid_t w = waitpid(pid, ret_status, WNOHANG);

                if (w == pid)
                        return 1;
                if (w < 0 && errno != EINTR)
                        return -errno;
                if (left <= 0)
                        return 0;
                wait.tv_sec = (time_t)(left / 1000);
                wait.tv_nsec = (long)(left % 1000) * 1000000;
                /* any SIGCHLD (an earlier probe's included) only means "look again" */
                (void)sigtimedwait(chld, NULL, &wait);
        }
}

int load_probe(const char *program, const char *arg, char *const *envp, struct load_result *ret)
{
        long long deadline = clock_ms(CLOCK_MONOTONIC) + LOAD_PROBE_TIMEOUT_MS;
        sigset_t chld, old;
        int fds[2], r;
        pid_t pid = 0;

        memset(ret, 0, sizeof(*ret));
        /* blocked before the child exists, so that its SIGCHLD cannot be missed */
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &chld, &old) < 0)
                return -errno;
        if (pipe2(fds, O_CLOEXEC) < 0) {
                r = -errno;
                (void)sigprocmask(SIG_SETMASK, &old, NULL);
                return r;
        }
        r = spawn(program, arg, envp, fds[1], &old, &pid);
        close(fds[1]);
        if (r == 0)
                collect(fds[0], deadline, ret);
        close(fds[0]);
        if (r == 0 && pid <= 0)
                r = -ECHILD;
        /* stderr closed or the deadline passed (a daemon the library forked
         * may hold stderr open): ours has exited by now, or gets until the deadline */
        if (r == 0)
                r = reap(pid, deadline, &chld, &ret->status);
        if (r == 0) {
                ret->timed_out = true;
                kill(pid, SIGKILL);
                while (waitpid(pid, &ret->status, 0) < 0 && errno == EINTR)
                        ;
        }
        (void)sigprocmask(SIG_SETMASK, &old, NULL);
        return r < 0 ? r : 0;
}

const char *load_failure(const struct load_result *r, char *buf, size_t size)
{
        if (r->timed_out)
                snprintf(buf, size, "did not finish within %d s", LOAD_PROBE_TIMEOUT_MS / 1000);
        else if (WIFSIGNALED(r->status))
                snprintf(buf, size, "was killed by signal %d (%s)", WTERMSIG(r->status), strsignal(WTERMSIG(r->status)));
        else if (WEXITSTATUS(r->status) != 0)
                snprintf(buf, size, "exited with status %d", WEXITSTATUS(r->status));
        else
                return NULL;
        return buf;
}

void load_cache_free(struct load_cache *c)
{
        for (size_t i = 0; i < c->n; i++) {
                free(c->v[i].key);
                free(c->v[i].exact);
                free(c->v[i].service);
                free(c->v[i].verdict);
        }
        free(c->v);
        memset(c, 0, sizeof(*c));
}

/* The probe: allocsel's own binary, which allocates and prints its
 * version. A sanitized build cannot host another allocator, so it asks a
 * system program instead. */
static int probe_program(char *buf, size_t size)
{
#if defined(__SANITIZE_ADDRESS__)
        snprintf(buf, size, "/bin/true");
        return 0;
#else
        ssize_t n = readlink("/proc/self/exe", buf, size - 1);

        if (n < 0)
                return -errno;
        buf[n] = '\0';
        return 0;
#endif
}

/* What it printed, on one line and not too long. */
static void one_line(const char *s, char *buf, size_t size)
{
        size_t o = 0;

        for (; *s && o + 4 < size; s++) {
                if (*s == '\n' && s[1])
                        o += (size_t)snprintf(buf + o, size - o, " | ");
                else if (!iscntrl((unsigned char)*s))
                        buf[o++] = *s;
        }
        if (*s)
                o += (size_t)snprintf(buf + o, size - o, "...");
        buf[o < size ? o : size - 1] = '\0';
}

/* "" when it loads, else "E" or "W" and the sentence. */
static int verdict(const char *preload, char *const *envp, char **ret)
{
        char program[PATH_MAX], why[96], said[400];
        struct load_result r;
        const char *failure;
        int q;

        if ((q = probe_program(program, sizeof(program))) < 0 ||
            (q = load_probe(program, "--version", envp, &r)) < 0)
                return asprintf(ret, "Wcannot run a program to see whether LD_PRELOAD=%s loads: %s", preload,
                                strerror(-q)) < 0 ? -ENOMEM : 0;
        one_line(r.output, said, sizeof(said));
        failure = load_failure(&r, why, sizeof(why));
        if (failure)
                q = asprintf(ret, "ELD_PRELOAD=%s does not load: a program started with it %s%s%s", preload,
                             failure, said[0] ? ": " : "", said);
        else if (strstr(r.output, "cannot be preloaded"))
                q = asprintf(ret, "ELD_PRELOAD=%s does not load: %s", preload, said);
        else if (said[0])
                q = asprintf(ret, "WLD_PRELOAD=%s: a program started with it printed: %s", preload, said);
        else
                q = asprintf(ret, "%s", "");
        return q < 0 ? -ENOMEM : 0;
}

/* The changes that decide whether the library loads: the preload and the
 * tuning, not the service's name or its environment section. */
static int probe_changes(const struct plan *pl, struct strv *ret)
{
        for (size_t i = 0; i < pl->changes.n; i++) {
                const char *c = pl->changes.v[i];
                bool skip = strncmp(c, "ALLOCSEL_SERVICE=", 17) == 0 || strncmp(c, "ALLOCSEL_ALLOCATOR=", 19) == 0;

                for (size_t j = 0; j < pl->policy.n_env && !skip; j++) {
                        size_t len = strlen(pl->policy.env[j].name);

                        skip = strncmp(c, pl->policy.env[j].name, len) == 0 && c[len] == '=';
                }
                if (!skip && strv_push(ret, c) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* The largest number of each key the library takes without a word, where
 * that is less than the key's own maximum (field.sh tests both ends of
 * every range): jemalloc lowers narenas above MALLOCX_ARENA_LIMIT - 1 to
 * 4094 and says so; glibc asks the kernel for top_pad more at each sbrk,
 * and one beyond the host's memory fails every allocation (64 GiB: "out of
 * memory" on a 24 GiB host without swap), so no top_pad stands for another. */
static long long quiet_max(enum policy_key k)
{
        switch (k) {
        case K_JE_NARENAS:
                return 4094;
        case K_GLIBC_TOP_PAD:
                return -1;
        default:
                return policy_keys[k].max;
        }
}

/* What the probe stands for: the changes, with every number allocsel
 * checked against its range (and the library takes silently) replaced by
 * the range's minimum in the tuning variables. Operators template those
 * per service; one probe answers for all of them. Free text (jemalloc.extra,
 * profile.heap) stays as written: only the library can judge it. */
static int probe_key(const struct plan *pl, char *const *envp, const struct strv *changes, char **ret)
{
        struct policy general = pl->policy;     /* shares pl's strings: read, never freed */
        struct strv tuned = { 0 }, key = { 0 };
        struct diags ignored = { 0 };
        int r;

        for (int k = 0; k < K__COUNT; k++) {
                const struct key_spec *ks = &policy_keys[k];
                struct setting *g = &general.s[k];

                if (g->set && ks->kind == VK_DOUBLE)
                        g->d = ks->dmin;
                else if (g->set && (ks->kind == VK_INT || ks->kind == VK_INT_AUTO || ks->kind == VK_SIZE) &&
                         g->i <= quiet_max((enum policy_key)k))
                        g->i = ks->min;
        }
        /* the same variables, from the same code: only those numbers differ */
        r = pl->allocator ? tuning_changes(&general, pl->allocator, &pl->traits, envp, &tuned, &ignored) : 0;
        for (size_t i = 0; r == 0 && i < changes->n; i++) {
                const char *c = changes->v[i], *eq = strchr(c, '=');
                char *name = eq ? strndup(c, (size_t)(eq - c)) : NULL;
                const char *value = name ? env_lookup(tuned.v, name) : NULL;

                if (eq && !name)
                        r = -ENOMEM;
                else if (value)
                        r = strv_pushf(&key, "%s=%s", name, value);
                else
                        r = strv_push(&key, c);
                free(name);
        }
        if (r == 0 && !(*ret = strv_join(&key, '\n')))
                r = -ENOMEM;
        strv_free(&tuned);
        strv_free(&key);
        diags_free(&ignored);
        return r;
}

/* Probes the configuration and keeps the verdict (*ret the entry), unless
 * the run has started its LOAD_PROBE_MAX probes (*ret NULL). */
static int probe_new(const struct plan *pl, char *const *envp, const struct strv *changes, const char *preload,
                     struct load_entry *e, struct load_cache *c, const struct load_entry **ret)
{
        struct strv env = { 0 };
        int r;

        *ret = NULL;
        if (c->n >= LOAD_PROBE_MAX)
                return 0;
        if (c->n == c->cap) {
                size_t cap = c->cap ? 2 * c->cap : 16;
                struct load_entry *v = realloc(c->v, cap * sizeof(*v));

                if (!v)
                        return -ENOMEM;
                c->v = v;
                c->cap = cap;
        }
        if (!(e->service = strdup(pl->service)))
                return -ENOMEM;
        r = env_apply(envp, changes, &env);
        if (r == 0)
                r = verdict(preload, env.v, &e->verdict);
        strv_free(&env);
        if (r < 0)
                return r;
        c->v[c->n] = *e;
        memset(e, 0, sizeof(*e));       /* the cache owns the strings now */
        *ret = &c->v[c->n++];
        return 0;
}

int load_check_plan(struct plan *pl, char *const *envp, struct load_cache *c)
{
        const struct setting *s = pl->policy.s[K_LIBRARY].set ? &pl->policy.s[K_LIBRARY] : &pl->policy.s[K_ALLOCATOR];
        const char *preload = pl->fallback ? NULL : env_lookup(pl->changes.v, "LD_PRELOAD");
        const char *file = s->set ? s->file : NULL;
        int line = s->set ? s->line : 0;
        const struct load_entry *found = NULL;
        struct load_entry e = { 0 };
        struct strv changes = { 0 };
        bool shared;
        int r;

        if (!preload)
                return 0;
        r = probe_changes(pl, &changes);
        if (r == 0 && !(e.exact = strv_join(&changes, '\n')))
                r = -ENOMEM;
        if (r == 0)
                r = probe_key(pl, envp, &changes, &e.key);
        for (size_t i = 0; r == 0 && i < c->n && !found; i++)
                if (strcmp(c->v[i].key, e.key) == 0)
                        found = &c->v[i];
        /* another policy's probe, which ran with other numbers */
        shared = found && strcmp(found->exact, e.exact) != 0;
        if (r == 0 && !found)
                r = probe_new(pl, envp, &changes, preload, &e, c, &found);
        if (r == 0 && !found)
                diags_add(&pl->diags, DIAG_WARNING, file, line,
                          "LD_PRELOAD=%s with this tuning was not probed: --check starts at most %d load "
                          "probes a run, one per distinct preload and tuning; allocsel --check %s probes it",
                          preload, LOAD_PROBE_MAX, pl->service);
        else if (r == 0 && found->verdict[0] && shared)
                diags_add(&pl->diags, found->verdict[0] == 'E' ? DIAG_ERROR : DIAG_WARNING, file, line,
                          "%s (as probed with service %s, whose policy differs from this one only in numbers "
                          "within their ranges)", found->verdict + 1, found->service);
        else if (r == 0 && found->verdict[0])
                diags_add(&pl->diags, found->verdict[0] == 'E' ? DIAG_ERROR : DIAG_WARNING, file, line,
                          "%s", found->verdict + 1);
        strv_free(&changes);
        free(e.key);
        free(e.exact);
        free(e.service);
        free(e.verdict);
        return r;
}
