/* Detaching the helper: fork twice so that it is re-parented to the
 * service manager (or init), reset its signals and give it no descriptor
 * of the program's. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "companion.h"
#include "helper.h"

#ifndef LIBEXECDIR
#define LIBEXECDIR "/usr/libexec"
#endif
#define HELPER_NAME "allocsel-monitor"

int helper_path(char **ret)
{
        int r = companion_path(HELPER_NAME, LIBEXECDIR "/allocsel", ret);

        return r == 0 && access(*ret, X_OK) < 0 ? -errno : r;
}

/* Everything the helper's start needs, prepared before the vfork so that
 * the child only calls posix_spawn and _exit. The helper gets a session of
 * its own, default signal dispositions and an empty mask, /dev/null for
 * stdio (which may be the program's sockets) and no other descriptor. */
static int spawn_setup(posix_spawnattr_t *attr, posix_spawn_file_actions_t *fa, int pass_fd,
                       bool keep_stderr)
{
        sigset_t none, all;
        int r;

        sigemptyset(&none);
        sigfillset(&all);
        r = posix_spawnattr_init(attr);
        if (r == 0)
                r = posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
                                                   POSIX_SPAWN_SETSIGDEF);
        if (r == 0)
                r = posix_spawnattr_setsigmask(attr, &none);
        if (r == 0)
                r = posix_spawnattr_setsigdefault(attr, &all);
        if (r == 0)
                r = posix_spawn_file_actions_init(fa);
        if (r == 0)
                r = posix_spawn_file_actions_addopen(fa, STDIN_FILENO, "/dev/null", O_RDWR, 0);
        if (r == 0)
                r = posix_spawn_file_actions_adddup2(fa, STDIN_FILENO, STDOUT_FILENO);
        if (r == 0 && !keep_stderr)
                r = posix_spawn_file_actions_adddup2(fa, STDIN_FILENO, STDERR_FILENO);
        if (r == 0 && pass_fd >= 0)
                r = posix_spawn_file_actions_adddup2(fa, pass_fd, 3);
        if (r == 0)
                r = posix_spawn_file_actions_addclosefrom_np(fa, pass_fd >= 0 ? 4 : 3);
        return -r;
}

static int build_argv(const char *path, const struct strv *args, const struct event *ev, struct strv *argv)
{
        int r = strv_push(argv, path);

        for (size_t i = 0; r == 0 && i < args->n; i++)
                r = strv_push(argv, args->v[i]);
        if (r == 0)
                r = strv_push(argv, "--");
        for (size_t i = 0; r == 0 && i < ev->fields.n; i++)
                r = strv_push(argv, ev->fields.v[i]);
        return r;
}

int helper_spawn(const char *path, const struct strv *args, const struct event *ev, int pass_fd,
                 bool keep_stderr)
{
        extern char **environ;
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        struct sched_param idle = { 0 };
        struct strv argv = { 0 };
        int r, status = 0;
        pid_t child;

        r = build_argv(path, args, ev, &argv);
        if (r == 0)
                r = spawn_setup(&attr, &fa, pass_fd, keep_stderr);
        if (r < 0) {
                strv_free(&argv);
                return r;
        }
        /* An intermediate process, so that the helper is re-parented to the
         * service manager (or init) and never becomes the program's child.
         * vfork: nothing is copied, and this process waits only until the
         * helper has been exec'd. */
        child = vfork(); /* NOLINT(clang-analyzer-security.insecureAPI.vfork): measured, see above */
        if (child == 0) {
                /* The helper is an observer: it inherits SCHED_IDLE so that
                 * its own start never takes CPU from the program's
                 * (posix_spawnattr cannot set SCHED_IDLE). */
                /* Only syscalls and glibc's posix_spawn (itself built on a
                 * vfork-style clone) run here; all memory was prepared above. */
                (void)sched_setscheduler(0, SCHED_IDLE, &idle); /* NOLINT(clang-analyzer-unix.Vfork) */
                _exit(posix_spawn(NULL, path, &fa, &attr, argv.v, environ) == 0 ? 0 : 1); /* NOLINT(clang-analyzer-unix.Vfork) */
        }
        r = child < 0 ? -errno : 0;
        while (child > 0 && waitpid(child, &status, 0) < 0)
                if (errno != EINTR) {
                        r = -errno;
                        break;
                }
        if (r == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
                r = -ECHILD;
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        strv_free(&argv);
        return r;
}
