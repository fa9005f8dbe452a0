/* liballocsel-children.so: preloaded with children = "clean". The programs a
 * service starts get the environment the service had before allocsel; an
 * exec in the service's own process (a wrapper script exec'ing the
 * interpreter, a server re-exec'ing itself) keeps the allocator.
 *
 * LD_PRELOAD and the tuning variables are read by ld.so and the allocator
 * before any constructor of the new program runs, so the environment must
 * already be clean when execve() is called. This library interposes every
 * public way of starting a program and decides by "is this still the
 * service's PID?" (allocsel wrote it into ALLOCSEL_CHILDREN):
 *
 *   execve execv execvp execvpe execl execle execlp fexecve execveat
 *           in the service's PID: unchanged; in any other process (after
 *           fork, vfork or clone): cleaned
 *   posix_spawn posix_spawnp system popen
 *           always start another process: cleaned. glibc's system() and
 *           popen() call its internal __execve, which no interposer sees,
 *           so they are implemented here over posix_spawn, as glibc does.
 *
 * The exec functions run in vfork children, which share the parent's memory
 * and run on its thread's stack: nothing here calls malloc on that path. The
 * cleaned environment is built from what the constructor decoded, on the
 * stack when it is small, else in the thread's scratch mapping (see
 * scratch_get); the real functions were looked up in the constructor (and
 * the library is linked -z now: no lazy binding either). Without a valid
 * ALLOCSEL_CHILDREN everything passes straight through. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "children_env.h"

#define EXPORT __attribute__((visibility("default")))
/* What a cleaned environment may take of the caller's stack: a thread's can
 * be 16 KiB (PTHREAD_STACK_MIN), a vfork child runs on its parent's. */
#define STACK_BUDGET 1024
#define SHELL "/bin/sh"

extern char **environ;

/* Declared here: glibc has the wrapper only from 2.34 on. */
int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags);

typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*fexecve_fn)(int, char *const[], char *const[]);
typedef int (*execveat_fn)(int, const char *, char *const[], char *const[], int);
typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
                        const posix_spawnattr_t *, char *const[], char *const[]);
typedef int (*system_fn)(const char *);
typedef FILE *(*popen_fn)(const char *, const char *);
typedef int (*pclose_fn)(FILE *);

static struct {
        execve_fn execve, execvpe;
        fexecve_fn fexecve;
        execveat_fn execveat;
        spawn_fn posix_spawn, posix_spawnp;
        system_fn system;
        popen_fn popen;
        pclose_fn pclose;
} real;

static struct children_spec spec;
static bool active;

static void *next(const char *name)
{
        return dlsym(RTLD_NEXT, name);
}

static void resolve(void)
{
        real.execve = (execve_fn)(uintptr_t)next("execve");
        real.execvpe = (execve_fn)(uintptr_t)next("execvpe");
        real.fexecve = (fexecve_fn)(uintptr_t)next("fexecve");
        real.execveat = (execveat_fn)(uintptr_t)next("execveat");
        real.posix_spawn = (spawn_fn)(uintptr_t)next("posix_spawn");
        real.posix_spawnp = (spawn_fn)(uintptr_t)next("posix_spawnp");
        real.system = (system_fn)(uintptr_t)next("system");
        real.popen = (popen_fn)(uintptr_t)next("popen");
        real.pclose = (pclose_fn)(uintptr_t)next("pclose");
}

/* A thread's scratch mapping for cleaned environments over STACK_BUDGET:
 * mapped at the first, grown as needed, kept for the next (an exec that
 * works never comes back to free it: in a vfork child, the mapping it used
 * stays the parent thread's, to be used again) and unmapped when the thread
 * ends. */
struct scratch {
        char *p;
        size_t size;
        pid_t busy;     /* the process using it, or 0: see scratch_get */
};

static __thread struct scratch scratch __attribute__((tls_model("initial-exec")));
static pthread_key_t scratch_key;
static bool scratch_key_made;

static void scratch_unmap(void *unused)
{
        (void)unused;
        if (scratch.p)
                munmap(scratch.p, scratch.size);
        scratch = (struct scratch){ 0 };
}

__attribute__((constructor)) static void children_init(void)
{
        const char *value = getenv(CHILDREN_VAR);

        resolve();
        active = value && children_spec_parse(value, environ, &spec) == 0;
        scratch_key_made = active && pthread_key_create(&scratch_key, scratch_unmap) == 0;
}

/* Called before this library's constructor (from another one's): look up now. */
static void ensure_resolved(void)
{
        if (!real.execve)
                resolve();
}

/* One call of a real function, whichever it is, with the environment given. */
enum call_kind { CALL_EXECVE, CALL_EXECVPE, CALL_FEXECVE, CALL_EXECVEAT, CALL_SPAWN, CALL_SPAWNP };

struct call {
        enum call_kind kind;
        const char *path;
        char *const *argv;
        int fd, flags;
        pid_t *pid;
        const posix_spawn_file_actions_t *actions;
        const posix_spawnattr_t *attr;
};

static int call_real(const struct call *c, char *const *envp)
{
        ensure_resolved();
        switch (c->kind) {
        case CALL_EXECVE:
                return real.execve(c->path, c->argv, envp);
        case CALL_EXECVPE:
                return real.execvpe(c->path, c->argv, envp);
        case CALL_FEXECVE:
                return real.fexecve(c->fd, c->argv, envp);
        case CALL_EXECVEAT:
                if (real.execveat)
                        return real.execveat(c->fd, c->path, c->argv, envp, c->flags);
                return (int)syscall(SYS_execveat, c->fd, c->path, c->argv, envp, c->flags);
        case CALL_SPAWN:
                return real.posix_spawn(c->pid, c->path, c->actions, c->attr, c->argv, envp);
        default:
                return real.posix_spawnp(c->pid, c->path, c->actions, c->attr, c->argv, envp);
        }
}

/* size bytes of the thread's scratch, marked in use; *ret_own when it was
 * in use already (a signal handler's exec interrupting one): a mapping of
 * its own then, for the caller to unmap. NULL when none can be mapped.
 * "In use" names the process: a vfork child that marked it and exec'd
 * leaves the parent's thread a mark of another process, i.e. free. */
static char *scratch_get(size_t size, bool *ret_own)
{
        size_t page = (size_t)getpagesize(), want = (size + page - 1) / page * page;
        pid_t self = (pid_t)syscall(SYS_getpid);
        char *p;

        *ret_own = scratch.busy == self;
        if (!*ret_own && scratch.size >= size) {
                scratch.busy = self;
                return scratch.p;
        }
        p = mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
                return NULL;
        if (*ret_own)
                return p;
        if (scratch.p)
                munmap(scratch.p, scratch.size);
        else if (scratch_key_made)
                /* unmapped when the thread ends; in a vfork child, the
                 * parent's thread is the one marked (keys below 32 need no
                 * allocation: this library's is made early) */
                pthread_setspecific(scratch_key, &scratch);
        scratch = (struct scratch){ p, want, self };
        return p;
}

/* The call with allocsel's changes undone in envp. */
static int call_clean(const struct call *c, char *const *envp)
{
        size_t n, preload = children_preload_len(envp, &n), array, size;
        bool own;
        char *mem;
        int r, e;

        if (!active || !envp || n >= (SIZE_MAX - preload - 1) / sizeof(char *) - 1)
                return call_real(c, envp);
        array = (n + 1) * sizeof(char *);
        size = array + preload + 1;
        if (size <= STACK_BUDGET) {
                char *out[n + 1];
                char buf[preload + 1];

                children_clean(&spec, envp, out, buf, sizeof(buf));
                return call_real(c, out);
        }
        mem = scratch_get(size, &own);
        if (!mem)
                return call_real(c, envp); /* no memory to clean it in: as it is */
        children_clean(&spec, envp, (char **)mem, mem + array, preload + 1);
        r = call_real(c, (char *const *)mem);
        e = errno;
        if (own)
                munmap(mem, size);
        else
                scratch.busy = 0;
        errno = e;
        return r;
}

/* An exec in the service's own process keeps the allocator. */
static int exec_call(const struct call *c, char *const *envp)
{
        if (!active || getpid() == spec.pid)
                return call_real(c, envp);
        return call_clean(c, envp);
}

EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
        struct call c = { .kind = CALL_EXECVE, .path = path, .argv = argv };

        return exec_call(&c, envp);
}

EXPORT int execv(const char *path, char *const argv[])
{
        return execve(path, argv, environ);
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
        struct call c = { .kind = CALL_EXECVPE, .path = file, .argv = argv };

        return exec_call(&c, envp);
}

EXPORT int execvp(const char *file, char *const argv[])
{
        return execvpe(file, argv, environ);
}

EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
        struct call c = { .kind = CALL_FEXECVE, .fd = fd, .argv = argv };

        return exec_call(&c, envp);
}

EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
        struct call c = { .kind = CALL_EXECVEAT, .fd = dirfd, .path = path, .argv = argv, .flags = flags };

        return exec_call(&c, envp);
}

/* The execl family: the arguments into an array on the stack, as glibc
 * does, in two passes (count, then collect); execle's environment follows
 * the NULL that ends them. clang-tidy 14 sees va_start here only when it
 * analyses this file alone: with other files in the same run it reports
 * va_arg on an uninitialized va_list, hence the NOLINTs. */
#define EXEC_ARGS(how, file, arg, with_env)                                    \
        do {                                                                    \
                va_list ap;                                                     \
                size_t n = 0;                                                   \
                                                                                \
                va_start(ap, arg);                                              \
                for (const char *a = (arg); a; a = va_arg(ap, const char *))    \
                        n++;                                                    \
                va_end(ap);                                                     \
                {                                                               \
                        char *argv[n + 1];                                      \
                        char *const *envp = environ;                            \
                        struct call c = { .kind = (how), .path = (file), .argv = argv }; \
                                                                                \
                        va_start(ap, arg);                                      \
                        argv[0] = (char *)(arg);                                \
                        for (size_t i = 1; i <= n; i++)                         \
                                argv[i] = va_arg(ap, char *);                   \
                        if (with_env)                                           \
                                envp = va_arg(ap, char *const *);               \
                        va_end(ap);                                             \
                        return exec_call(&c, envp);                             \
                }                                                               \
        } while (0)

EXPORT int execl(const char *path, const char *arg, ...)
{
        EXEC_ARGS(CALL_EXECVE, path, arg, false); /* NOLINT(clang-analyzer-valist.Uninitialized) */
}

EXPORT int execlp(const char *file, const char *arg, ...)
{
        EXEC_ARGS(CALL_EXECVPE, file, arg, false); /* NOLINT(clang-analyzer-valist.Uninitialized) */
}

EXPORT int execle(const char *path, const char *arg, ...)
{
        EXEC_ARGS(CALL_EXECVE, path, arg, true); /* NOLINT(clang-analyzer-valist.Uninitialized) */
}

EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
                       const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
        struct call c = { .kind = CALL_SPAWN, .pid = pid, .path = path, .actions = actions,
                          .attr = attr, .argv = argv };

        return call_clean(&c, envp);
}

EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *actions,
                        const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
        struct call c = { .kind = CALL_SPAWNP, .pid = pid, .path = file, .actions = actions,
                          .attr = attr, .argv = argv };

        return call_clean(&c, envp);
}

/* sh -c COMMAND, cleaned, as glibc's system() and popen() start it. */
static int spawn_shell(pid_t *pid, const char *command, const posix_spawn_file_actions_t *actions,
                       const posix_spawnattr_t *attr)
{
        char *argv[] = { "sh", "-c", (char *)command, NULL };
        struct call c = { .kind = CALL_SPAWN, .pid = pid, .path = SHELL, .actions = actions,
                          .attr = attr, .argv = argv };

        return call_clean(&c, environ);
}

/* system(): SIGINT and SIGQUIT ignored in the caller while the command runs
 * (counted, for several threads at once), SIGCHLD blocked in the calling
 * thread; the shell gets the caller's mask and those two signals at their
 * default. As glibc's. */
static pthread_mutex_t system_lock = PTHREAD_MUTEX_INITIALIZER;
static int system_users;
static struct sigaction saved_intr, saved_quit;

struct system_run {
        pid_t pid;
        sigset_t omask;
};

static void system_enter(sigset_t *omask, sigset_t *reset)
{
        struct sigaction ignore = { .sa_handler = SIG_IGN };
        sigset_t chld;

        sigemptyset(&ignore.sa_mask);
        pthread_mutex_lock(&system_lock);
        if (system_users++ == 0) {
                sigaction(SIGINT, &ignore, &saved_intr);
                sigaction(SIGQUIT, &ignore, &saved_quit);
        }
        sigemptyset(reset);
        if (saved_intr.sa_handler != SIG_IGN)
                sigaddset(reset, SIGINT);
        if (saved_quit.sa_handler != SIG_IGN)
                sigaddset(reset, SIGQUIT);
        pthread_mutex_unlock(&system_lock);
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        pthread_sigmask(SIG_BLOCK, &chld, omask);
}

static void system_leave(const sigset_t *omask)
{
        pthread_mutex_lock(&system_lock);
        if (--system_users == 0) {
                sigaction(SIGINT, &saved_intr, NULL);
                sigaction(SIGQUIT, &saved_quit, NULL);
        }
        pthread_mutex_unlock(&system_lock);
        pthread_sigmask(SIG_SETMASK, omask, NULL);
}

/* The calling thread was cancelled in waitpid(): the command goes too. */
static void system_cancelled(void *arg)
{
        struct system_run *run = arg;

        kill(run->pid, SIGKILL);
        while (waitpid(run->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        system_leave(&run->omask);
}

static int run_shell(const char *command)
{
        struct system_run run;
        posix_spawnattr_t attr;
        sigset_t reset;
        int status = -1, r;

        system_enter(&run.omask, &reset);
        posix_spawnattr_init(&attr);
        posix_spawnattr_setsigmask(&attr, &run.omask);
        posix_spawnattr_setsigdefault(&attr, &reset);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
        r = spawn_shell(&run.pid, command, NULL, &attr);
        posix_spawnattr_destroy(&attr);
        if (r != 0) {
                system_leave(&run.omask);
                /* POSIX: as if the shell had exited with 127 */
                return 127 << 8;
        }
        pthread_cleanup_push(system_cancelled, &run);
        while (waitpid(run.pid, &status, 0) < 0)
                if (errno != EINTR) {
                        status = -1;
                        break;
                }
        pthread_cleanup_pop(0);
        system_leave(&run.omask);
        return status;
}

EXPORT int system(const char *command)
{
        ensure_resolved();
        if (!active)
                return real.system(command);
        if (!command) /* is there a shell? */
                return run_shell("exit 0") == 0;
        return run_shell(command);
}

/* popen(): the streams it opened, for pclose() and so that each new
 * command's shell closes the others' pipes (POSIX). */
struct piped {
        FILE *stream;
        pid_t pid;
        int fd;
        struct piped *next;
};

static pthread_mutex_t piped_lock = PTHREAD_MUTEX_INITIALIZER;
static struct piped *piped_list;

/* As glibc reads popen's mode: 'r', 'w' and 'e' in any order and number,
 * exactly one of 'r' and 'w' ("er", "rer", "we" are valid). */
static int popen_mode(const char *mode, bool *reading, bool *cloexec)
{
        bool r = false, w = false;

        *cloexec = false;
        for (const char *m = mode; *m; m++) {
                if (*m == 'r')
                        r = true;
                else if (*m == 'w')
                        w = true;
                else if (*m == 'e')
                        *cloexec = true;
                else
                        return -EINVAL;
        }
        if (r == w)
                return -EINVAL;
        *reading = r;
        return 0;
}

/* Under piped_lock: start the shell with child_end as its stdin or stdout. */
static int popen_spawn(const char *command, int child_end, int child_std, pid_t *pid)
{
        posix_spawn_file_actions_t actions;
        int r;

        posix_spawn_file_actions_init(&actions);
        if (child_end == child_std) /* already in place: only keep it open */
                r = fcntl(child_end, F_SETFD, 0) < 0 ? errno : 0;
        else
                r = posix_spawn_file_actions_adddup2(&actions, child_end, child_std);
        for (struct piped *p = piped_list; r == 0 && p; p = p->next)
                if (p->fd != child_std)
                        r = posix_spawn_file_actions_addclose(&actions, p->fd);
        if (r == 0)
                r = spawn_shell(pid, command, &actions, NULL);
        posix_spawn_file_actions_destroy(&actions);
        return r;
}

static FILE *clean_popen(const char *command, const char *mode)
{
        struct piped *p;
        bool reading, cloexec, spawned;
        int fds[2], parent_end, child_end, r;

        if ((r = popen_mode(mode, &reading, &cloexec)) < 0) {
                errno = -r;
                return NULL;
        }
        p = calloc(1, sizeof(*p));
        if (!p || pipe2(fds, O_CLOEXEC) < 0) {
                free(p);
                return NULL;
        }
        parent_end = reading ? fds[0] : fds[1];
        child_end = reading ? fds[1] : fds[0];
        pthread_mutex_lock(&piped_lock);
        r = popen_spawn(command, child_end, reading ? STDOUT_FILENO : STDIN_FILENO, &p->pid);
        spawned = r == 0;
        close(child_end);
        if (r == 0 && !cloexec && fcntl(parent_end, F_SETFD, 0) < 0)
                r = errno;
        if (r == 0 && !(p->stream = fdopen(parent_end, reading ? "r" : "w")))
                r = errno;
        if (r != 0) {
                /* a shell already started sees end of file or a broken pipe */
                close(parent_end);
                while (spawned && waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                pthread_mutex_unlock(&piped_lock);
                free(p);
                errno = r;
                return NULL;
        }
        p->fd = parent_end;
        p->next = piped_list;
        piped_list = p;
        pthread_mutex_unlock(&piped_lock);
        return p->stream;
}

EXPORT FILE *popen(const char *command, const char *mode)
{
        ensure_resolved();
        return active ? clean_popen(command, mode) : real.popen(command, mode);
}

EXPORT int pclose(FILE *stream)
{
        struct piped *p = NULL;
        int status;
        pid_t r;

        ensure_resolved();
        pthread_mutex_lock(&piped_lock);
        for (struct piped **at = &piped_list; *at; at = &(*at)->next)
                if ((*at)->stream == stream) {
                        p = *at;
                        *at = p->next;
                        break;
                }
        pthread_mutex_unlock(&piped_lock);
        if (!p) /* not one of ours: glibc's own */
                return real.pclose(stream);
        fclose(stream);
        do
                r = waitpid(p->pid, &status, 0);
        while (r < 0 && errno == EINTR);
        free(p);
        return r < 0 ? -1 : status;
}
