/* Starting the helper (allocsel-monitor) so that it is never the program's
 * child, holds none of the program's descriptors, and takes nothing from
 * the program's start.
 *
 * Everything the helper's first instructions read (its argv, the
 * descriptors to hand over) is copied into one mapping, which also holds
 * the stack it starts on, and is not changed afterwards. Then:
 *
 *  1. an intermediate process (vfork: nothing is copied) gives up the
 *     terminal session, takes SCHED_IDLE and default signal dispositions,
 *     blocks every signal, clones the helper and exits, so that the helper
 *     is re-parented to the service manager (or init);
 *  2. the helper, a process sharing allocsel's memory, blocks reading a
 *     pipe whose write end allocsel holds with O_CLOEXEC;
 *  3. allocsel's exec of the program closes that end. Only then, with
 *     allocsel's old memory now its own, does the helper place its
 *     descriptors and exec allocsel-monitor.
 *
 * So allocsel's exec path pays for a vfork and a clone, not for starting a
 * program (measured in bench/startup.sh). Until step 3 the helper makes
 * only raw system calls that change nothing of allocsel's. If the exec
 * fails, allocsel writes one byte to the pipe and the helper leaves.
 *
 * Started at once (no exec follows, or the waiting clone is refused, as
 * under valgrind), the helper is the same clone with CLONE_VFORK: the
 * intermediate waits until it has exec'd. As PID 1 of a PID namespace
 * allocsel would adopt any detached helper, so there the helper is its
 * own child and waited for until it has ended.
 *
 * The mapping is never unmapped while a helper may still read it: what
 * another task may use is never freed (a caller's SIGCHLD = SIG_IGN once
 * made waitpid() fail and the stack disappear under a running helper). */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "companion.h"
#include "helper.h"

#ifndef LIBEXECDIR
#define LIBEXECDIR "/usr/libexec"
#endif
#define HELPER_NAME "allocsel-monitor"
#define CLONE_STACK_SIZE ((size_t)64 * 1024)
/* descriptors handed to the helper are first moved up here, so that
 * placing them at 3, 4... never overwrites one with another */
#define FD_PARKING 10
/* RHEL 8's headers predate close_range (Linux 5.9); the number is the same
 * on every architecture but alpha. Older kernels: the helper closes the
 * rest itself. */
#ifndef SYS_close_range
#if defined(__alpha__)
#define SYS_close_range 546
#else
#define SYS_close_range 436
#endif
#endif

/* the intermediate's exit status: none a process killed or ended by
 * valgrind would have */
enum { LAUNCH_WAITING = 10, LAUNCH_STARTED = 11, LAUNCH_FAILED = 12 };

extern char **environ;

/* At the start of the mapping; the argv strings follow, the stack ends it. */
struct launch {
        bool wait;              /* wait on wait_fd for the exec */
        int wait_fd, go_fd;     /* the pipe; go_fd is allocsel's, O_CLOEXEC */
        int null_fd;
        int fds[HELPER_FDS_MAX];        /* parked at FD_PARKING or above */
        size_t n_fds;
        char **argv, **envp;
        size_t size;            /* of the mapping */
};

int helper_path(char **ret)
{
        int r = companion_path(HELPER_NAME, LIBEXECDIR "/allocsel", ret);

        return r == 0 && access(*ret, X_OK) < 0 ? -errno : r;
}

/* The clone's body. Raw system calls only, and not instrumented: until the
 * exec the sanitizers' per-thread state is allocsel's. */
__attribute__((no_sanitize("address", "undefined")))
static int helper_body(void *arg)
{
        const struct launch *l = arg;
        const uint64_t no_signals = 0;
        char byte;

        if (l->go_fd >= 0)
                syscall(SYS_close, l->go_fd);
        /* every signal is blocked: this read ends only with the exec (EOF) or the byte */
        if (l->wait && syscall(SYS_read, l->wait_fd, &byte, 1) != 0)
                syscall(SYS_exit, 0);
        syscall(SYS_dup3, l->null_fd, STDIN_FILENO, 0);
        syscall(SYS_dup3, l->null_fd, STDOUT_FILENO, 0);
        for (size_t i = 0; i < l->n_fds; i++)
                syscall(SYS_dup3, l->fds[i], 3 + (int)i, 0);
        syscall(SYS_close_range, 3 + (unsigned)l->n_fds, ~0U, 0);
        syscall(SYS_rt_sigprocmask, SIG_SETMASK, &no_signals, NULL, sizeof(no_signals));
        syscall(SYS_execve, l->argv[0], l->argv, l->envp);
        syscall(SYS_exit, 127);
        return 0;
}

static char *stack_top(struct launch *l)
{
        return (char *)l + l->size;
}

static void close_if_open(int fd)
{
        if (fd >= 0)
                close(fd);
}

/* Our copies of the descriptors. The mapping itself is not written: a
 * helper may be reading it. */
static void launch_close(const struct launch *l, bool keep_go_fd)
{
        close_if_open(l->wait_fd);
        if (!keep_go_fd)
                close_if_open(l->go_fd);
        close_if_open(l->null_fd);
        for (size_t i = 0; i < l->n_fds; i++)
                close_if_open(l->fds[i]);
}

/* Only once no helper can be reading it. */
static void launch_free(struct launch *l)
{
        launch_close(l, false);
        munmap(l, l->size);
}

static int launch_open(struct launch *l, const int *fds, size_t n_fds, bool wait)
{
        int pipefd[2], null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);

        if (null_fd < 0)
                return -errno;
        l->null_fd = fcntl(null_fd, F_DUPFD_CLOEXEC, FD_PARKING);
        close(null_fd);
        if (l->null_fd < 0)
                return -errno;
        for (; l->n_fds < n_fds; l->n_fds++)
                if ((l->fds[l->n_fds] = fcntl(fds[l->n_fds], F_DUPFD_CLOEXEC, FD_PARKING)) < 0)
                        return -errno;
        l->wait = wait;
        if (wait && pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        if (wait) {
                l->wait_fd = pipefd[0];
                l->go_fd = pipefd[1];
        }
        return 0;
}

static struct launch *launch_new(const struct strv *argv, const int *fds, size_t n_fds, bool wait, int *ret_error)
{
        size_t strings = 0, head, size;
        struct launch *l;
        char *p;

        if (n_fds > HELPER_FDS_MAX || argv->n == 0) {
                *ret_error = -EINVAL;
                return NULL;
        }
        for (size_t i = 0; i < argv->n; i++)
                strings += strlen(argv->v[i]) + 1;
        head = sizeof(*l) + (argv->n + 1) * sizeof(char *) + strings;
        size = (head + 15) / 16 * 16 + CLONE_STACK_SIZE;
        l = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (l == MAP_FAILED) {
                *ret_error = -errno;
                return NULL;
        }
        *l = (struct launch){ .wait_fd = -1, .go_fd = -1, .null_fd = -1, .size = size, .envp = environ };
        l->argv = (char **)(l + 1);
        p = (char *)(l->argv + argv->n + 1);
        for (size_t i = 0; i < argv->n; i++) {
                size_t len = strlen(argv->v[i]) + 1;

                l->argv[i] = memcpy(p, argv->v[i], len);
                p += len;
        }
        *ret_error = launch_open(l, fds, n_fds, wait);
        if (*ret_error < 0) {
                launch_free(l);
                return NULL;
        }
        return l;
}

/* In the vfork'd intermediate: what the helper inherits, then the clone. */
static int intermediate(struct launch *l)
{
        struct sched_param idle = { 0 };
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        sigset_t all;

        (void)setsid();
        (void)sched_setscheduler(0, SCHED_IDLE, &idle);
        for (int sig = 1; sig < NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void)sigaction(sig, &dfl, NULL); /* some are glibc's own: refused, harmless */
        sigfillset(&all);
        (void)sigprocmask(SIG_SETMASK, &all, NULL);
        if (l->wait && clone(helper_body, stack_top(l), CLONE_VM | SIGCHLD, l) >= 0)
                return LAUNCH_WAITING;
        /* refused (valgrind): at once, this process waiting until it has exec'd */
        l->wait = false;
        return clone(helper_body, stack_top(l), CLONE_VM | CLONE_VFORK | SIGCHLD, l) >= 0 ? LAUNCH_STARTED :
                                                                                           LAUNCH_FAILED;
}

static int wait_exit_status(pid_t pid)
{
        int status = 0;

        if (pid < 0)
                return -errno;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -ECHILD;
}

/* The intermediate, started and waited for: its exit status, or -errno.
 * A function of its own, so that nothing of the caller's lives across the
 * vfork. */
__attribute__((noinline))
static int run_intermediate(struct launch *l)
{
        pid_t child = vfork(); /* NOLINT(clang-analyzer-security.insecureAPI.vfork): see the top of this file */

        if (child == 0)
                _exit(intermediate(l)); /* NOLINT(clang-analyzer-unix.Vfork) */
        return wait_exit_status(child);
}

/* PID 1: our own child, which sends its records and ends before we exec. */
static int start_and_wait(struct launch *l)
{
        int r = wait_exit_status(clone(helper_body, stack_top(l), CLONE_VM | CLONE_VFORK | SIGCHLD, l));

        launch_free(l);
        return r == 0 ? 0 : r < 0 ? r : -ECHILD;
}

int helper_start(struct helper *h, const struct strv *argv, const int *fds, size_t n_fds, enum helper_when when)
{
        struct launch *l;
        int r;

        h->go_fd = -1;
        l = launch_new(argv, fds, n_fds, when == HELPER_AT_EXEC, &r);
        if (!l)
                return r;
        if (when == HELPER_AND_WAIT)
                return start_and_wait(l);
        r = run_intermediate(l);
        if (r == LAUNCH_WAITING) {
                /* the helper has its own copies; the mapping stays its own */
                h->go_fd = l->go_fd;
                launch_close(l, true);
                return 0;
        }
        if (r == LAUNCH_STARTED || r == LAUNCH_FAILED) {
                launch_free(l); /* the helper has exec'd, or none runs */
                return r == LAUNCH_STARTED ? 0 : -ECHILD;
        }
        /* The intermediate ended otherwise (valgrind ends a process whose
         * clone it cannot follow). Whether a helper runs on the mapping is
         * not known, so the mapping stays; closing our end would let a
         * waiting one go. Started at once instead. */
        launch_close(l, false);
        return when == HELPER_AT_EXEC ? helper_start(h, argv, fds, n_fds, HELPER_NOW) : r < 0 ? r : -ECHILD;
}

void helper_cancel(struct helper *h)
{
        const char byte = 0;

        if (h->go_fd < 0)
                return;
        /* the helper leaves as soon as it reads this, touching nothing more */
        while (write(h->go_fd, &byte, 1) < 0 && errno == EINTR)
                ;
        close(h->go_fd);
        h->go_fd = -1;
}
