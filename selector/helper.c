/* Starting the helper (allocsel-monitor) so that it is never the program's
 * child, holds none of the program's descriptors, and takes nothing from
 * the program's start.
 *
 * When allocsel is about to exec the program, it starts the helper in
 * three steps:
 *
 *  1. an intermediate process (vfork: nothing is copied) gives up the
 *     terminal session, takes SCHED_IDLE and default signal dispositions,
 *     blocks every signal, clones step 2 and exits, so that the helper is
 *     re-parented to the service manager (or init);
 *  2. the helper, a process sharing allocsel's memory, blocks reading a
 *     pipe whose write end allocsel holds with O_CLOEXEC;
 *  3. allocsel's exec of the program closes that end. Only then, with
 *     allocsel's old memory now its own, does the helper set up its
 *     descriptors and exec allocsel-monitor.
 *
 * So allocsel's exec path pays for a vfork and a clone, not for starting
 * a program (measured in bench/startup.sh). Until step 3 the helper shares
 * everything with allocsel: it makes raw system calls that cannot fail, and
 * reads only what allocsel wrote before the clone and never changes. If
 * the exec fails, allocsel writes one byte to the pipe and the helper
 * leaves without a trace.
 *
 * Where such a clone is refused (valgrind, some seccomp filters), or when
 * no exec follows (a refused start), the helper is spawned at once. */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "companion.h"
#include "helper.h"
#include "numparse.h"

#ifndef LIBEXECDIR
#define LIBEXECDIR "/usr/libexec"
#endif
#define HELPER_NAME "allocsel-monitor"
#define CLONE_STACK_SIZE ((size_t)64 * 1024)
/* descriptors handed to the helper are first moved up here, so that
 * placing them at 0..3 never overwrites one with another */
#define FD_PARKING 10
/* RHEL 8's headers predate close_range (Linux 5.9); the number is the same
 * on every architecture but alpha */
#ifndef SYS_close_range
#if defined(__alpha__)
#define SYS_close_range 546
#else
#define SYS_close_range 436
#endif
#endif

extern char **environ;

int helper_path(char **ret)
{
        int r = companion_path(HELPER_NAME, LIBEXECDIR "/allocsel", ret);

        return r == 0 && access(*ret, X_OK) < 0 ? -errno : r;
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

/* ---- started at once ---- */

/* Every descriptor from `first` up is closed in the helper. glibc has
 * posix_spawn_file_actions_addclosefrom_np only since 2.34, so they are
 * listed from /proc/self/fd; nothing opens one before the spawn. Returns 0
 * or an error number, as posix_spawn does. */
static int add_close_from(posix_spawn_file_actions_t *fa, int first)
{
        DIR *d = opendir("/proc/self/fd");
        const struct dirent *e;
        long long fd;
        int r = 0;

        if (!d)
                return errno;
        while (r == 0 && (e = readdir(d)))
                if (parse_ll(e->d_name, first, INT32_MAX, &fd) == 0 && fd != dirfd(d)) {
                        r = posix_spawn_file_actions_addclose(fa, (int)fd);
                        /* at or above RLIMIT_NOFILE, which cannot be named here: valgrind's own */
                        if (r == EBADF)
                                r = 0;
                }
        closedir(d);
        return r;
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
        if (r == 0 && pass_fd >= 0)
                r = posix_spawn_file_actions_adddup2(fa, pass_fd, 3);
        if (r == 0)
                r = posix_spawn_file_actions_addopen(fa, STDIN_FILENO, "/dev/null", O_RDWR, 0);
        if (r == 0)
                r = posix_spawn_file_actions_adddup2(fa, STDIN_FILENO, STDOUT_FILENO);
        if (r == 0 && !keep_stderr)
                r = posix_spawn_file_actions_adddup2(fa, STDIN_FILENO, STDERR_FILENO);
        if (r == 0)
                r = add_close_from(fa, pass_fd >= 0 ? 4 : 3);
        return -r;
}

/* Waits for the intermediate process; 0 when it exited with 0. */
static int reap_intermediate(pid_t child)
{
        int status = 0;

        if (child < 0)
                return -errno;
        while (waitpid(child, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

int helper_spawn(const char *path, const struct strv *args, const struct event *ev, int pass_fd,
                 bool keep_stderr)
{
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        struct sched_param idle = { 0 };
        struct strv argv = { 0 };
        int r, park = pass_fd >= 0 ? fcntl(pass_fd, F_DUPFD_CLOEXEC, FD_PARKING) : -1;
        pid_t child;

        if (pass_fd >= 0 && park < 0)
                return -errno;
        r = build_argv(path, args, ev, &argv);
        if (r == 0)
                r = spawn_setup(&attr, &fa, park, keep_stderr);
        if (r < 0) {
                strv_free(&argv);
                if (park >= 0)
                        close(park);
                return r;
        }
        /* An intermediate process, so that the helper is re-parented to the
         * service manager (or init) and never becomes the program's child.
         * vfork: nothing is copied, and this process waits only until the
         * helper has been exec'd. */
        child = vfork(); /* NOLINT(clang-analyzer-security.insecureAPI.vfork): measured, see above */
        if (child == 0) {
                /* posix_spawnattr cannot set SCHED_IDLE; the helper inherits it */
                (void)sched_setscheduler(0, SCHED_IDLE, &idle); /* NOLINT(clang-analyzer-unix.Vfork) */
                _exit(posix_spawn(NULL, path, &fa, &attr, argv.v, environ) == 0 ? 0 : 1); /* NOLINT(clang-analyzer-unix.Vfork) */
        }
        r = reap_intermediate(child);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        strv_free(&argv);
        if (park >= 0)
                close(park);
        return r;
}

/* ---- started when allocsel becomes the program ---- */

/* What the waiting helper reads: written before the clone, then left alone
 * until the exec (or until the helper has been told to leave). */
static struct pending {
        int wait_fd, go_fd;     /* the pipe; go_fd is allocsel's, O_CLOEXEC */
        int null_fd, pass_fd;   /* parked at FD_PARKING or above; pass_fd may be -1 */
        bool keep_stderr;
        struct strv argv;
        char **envp;
} pending = { .wait_fd = -1, .go_fd = -1, .null_fd = -1, .pass_fd = -1 };

/* allocsel's end of the pipe once a helper waits on it */
static int armed_go_fd = -1;

/* The clone's body. Not instrumented: until the exec the sanitizers'
 * per-thread state is allocsel's. */
__attribute__((no_sanitize("address", "undefined")))
static int wait_then_exec(void *arg)
{
        const struct pending *p = arg;
        const uint64_t no_signals = 0;
        char byte;

        syscall(SYS_close, p->go_fd);
        /* every signal is blocked: this read ends only with the exec (EOF) or the byte */
        if (syscall(SYS_read, p->wait_fd, &byte, 1) != 0)
                syscall(SYS_exit, 0);
        /* From here on allocsel is the program, and this memory is ours. */
        syscall(SYS_dup3, p->null_fd, STDIN_FILENO, 0);
        syscall(SYS_dup3, p->null_fd, STDOUT_FILENO, 0);
        if (!p->keep_stderr)
                syscall(SYS_dup3, p->null_fd, STDERR_FILENO, 0);
        if (p->pass_fd >= 0)
                syscall(SYS_dup3, p->pass_fd, 3, 0);
        if (syscall(SYS_close_range, p->pass_fd >= 0 ? 4 : 3, ~0U, 0) != 0)
                for (int fd = p->pass_fd >= 0 ? 4 : 3; fd < 1024; fd++) /* kernels before 5.9 */
                        syscall(SYS_close, fd);
        syscall(SYS_rt_sigprocmask, SIG_SETMASK, &no_signals, NULL, sizeof(no_signals));
        syscall(SYS_execve, p->argv.v[0], p->argv.v, p->envp);
        syscall(SYS_exit, 127);
        return 0;
}

/* In the vfork'd intermediate: what the helper inherits, then the clone. */
static int intermediate(char *stack_top)
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
        return clone(wait_then_exec, stack_top, CLONE_VM | SIGCHLD, &pending) < 0 ? 1 : 0;
}

static void close_if_open(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

static void pending_free(void)
{
        close_if_open(&pending.wait_fd);
        close_if_open(&pending.go_fd);
        close_if_open(&pending.null_fd);
        close_if_open(&pending.pass_fd);
        strv_free(&pending.argv);
}

static int pending_setup(const char *path, const struct strv *args, const struct event *ev, int pass_fd,
                         bool keep_stderr)
{
        int pipefd[2], null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);

        if (null_fd < 0)
                return -errno;
        pending.null_fd = fcntl(null_fd, F_DUPFD_CLOEXEC, FD_PARKING);
        close(null_fd);
        if (pending.null_fd < 0)
                return -errno;
        if (pass_fd >= 0 && (pending.pass_fd = fcntl(pass_fd, F_DUPFD_CLOEXEC, FD_PARKING)) < 0)
                return -errno;
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        pending.wait_fd = pipefd[0];
        pending.go_fd = pipefd[1];
        pending.keep_stderr = keep_stderr;
        pending.envp = environ;
        return build_argv(path, args, ev, &pending.argv);
}

int helper_start_at_exec(const char *path, const struct strv *args, const struct event *ev, int pass_fd,
                         bool keep_stderr)
{
        char *stack;
        pid_t child;
        int r;

        r = pending_setup(path, args, ev, pass_fd, keep_stderr);
        /* The stack is the helper's until it execs; never unmapped once a
         * helper runs, as it may still be on it when allocsel carries on. */
        stack = r == 0 ? mmap(NULL, CLONE_STACK_SIZE, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0) : MAP_FAILED;
        if (stack != MAP_FAILED) {
                child = vfork(); /* NOLINT(clang-analyzer-security.insecureAPI.vfork): see the top of this file */
                if (child == 0)
                        _exit(intermediate(stack + CLONE_STACK_SIZE)); /* NOLINT(clang-analyzer-unix.Vfork) */
                r = reap_intermediate(child);
                if (r < 0)
                        munmap(stack, CLONE_STACK_SIZE); /* no helper runs on it */
        }
        if (stack == MAP_FAILED || r < 0) {
                pending_free();
                return helper_spawn(path, args, ev, pass_fd, keep_stderr);
        }
        /* The helper has its own copies of these descriptors. pending itself
         * is not touched again: the helper may not have read it yet. */
        close(pending.wait_fd);
        close(pending.null_fd);
        if (pending.pass_fd >= 0)
                close(pending.pass_fd);
        armed_go_fd = pending.go_fd;
        return 0;
}

void helper_exec_failed(void)
{
        const char byte = 0;

        if (armed_go_fd < 0)
                return;
        /* the helper leaves as soon as it reads this, touching nothing more */
        while (write(armed_go_fd, &byte, 1) < 0 && errno == EINTR)
                ;
        close(armed_go_fd);
        armed_go_fd = -1;
        strv_free(&pending.argv);
}
