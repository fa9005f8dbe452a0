/* Detaching the helper: fork twice so that it is re-parented to the
 * service manager (or init), reset its signals and give it no descriptor
 * of the program's. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper.h"

#ifndef LIBEXECDIR
#define LIBEXECDIR "/usr/libexec"
#endif
#define HELPER_NAME "allocsel-monitor"

int helper_path(char **ret)
{
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

        if (n > 0) {
                self[n] = '\0';
                if (asprintf(ret, "%s/" HELPER_NAME, dirname(self)) < 0)
                        return -ENOMEM;
                if (access(*ret, X_OK) == 0)
                        return 0;
                free(*ret);
        }
        *ret = strdup(LIBEXECDIR "/allocsel/" HELPER_NAME);
        if (!*ret)
                return -ENOMEM;
        return access(*ret, X_OK) == 0 ? 0 : -errno;
}

static void reset_signals(void)
{
        sigset_t none;

        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int sig = 1; sig < NSIG; sig++)
                signal(sig, SIG_DFL);
}

static void detach_descriptors(void)
{
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);

        /* stdio may be the program's sockets (StandardInput=socket): replace them */
        if (null >= 0) {
                dup2(null, STDIN_FILENO);
                dup2(null, STDOUT_FILENO);
                dup2(null, STDERR_FILENO);
        }
        close_range(3, ~0U, 0);
}

int helper_spawn(const char *path, const struct strv *args, const struct event *ev)
{
        struct strv argv = { 0 };
        pid_t child;
        int status, r;

        r = strv_push(&argv, path);
        for (size_t i = 0; r == 0 && i < args->n; i++)
                r = strv_push(&argv, args->v[i]);
        if (r == 0)
                r = strv_push(&argv, "--");
        for (size_t i = 0; r == 0 && i < ev->fields.n; i++)
                r = strv_push(&argv, ev->fields.v[i]);
        if (r < 0) {
                strv_free(&argv);
                return r;
        }

        child = fork();
        if (child < 0) {
                r = -errno;
                strv_free(&argv);
                return r;
        }
        if (child == 0) {
                /* the intermediate process: its only job is to orphan the helper */
                if (fork() != 0)
                        _exit(0);
                setsid();
                reset_signals();
                detach_descriptors();
                execv(path, argv.v);
                _exit(127);
        }
        strv_free(&argv);
        while (waitpid(child, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return 0;
}
