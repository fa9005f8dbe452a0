/* spawner: run under allocsel, starts PROGRAM [ARG...] the way MODE names
 * (children = "clean" tests) and waits for it:
 *
 *   fork-execv vfork-execve fork-execl fork-execlp fork-fexecve
 *   fork-execle (PROGRAM with exactly one ARG)
 *   posix_spawn posix_spawnp system popen-r popen-w
 *   worker-system   a fork()ed child (a pre-fork server's worker) calls system()
 *   self-execv      execv() in this very process: an exec chain
 *   thread-posix_spawn thread-vfork-execve
 *                   the same from a thread whose stack is SPAWNER_STACK
 *                   bytes (16384: PTHREAD_STACK_MIN), SPAWNER_TIMES times
 *                   (default 1), in SPAWNER_THREADS threads one after the
 *                   other (default 1), printing how much the process's
 *                   address space grew meanwhile ("vm_growth_kb=")
 *   popen-modes     popen("exit 0", MODE) for each mode glibc might take,
 *                   printing "popen.MODE=ok cloexec=0|1" or "=EINVAL"
 *
 * It prints which library serves its own malloc as "parent.malloc_from=",
 * the child's output as it comes, "status=N" (the wait status) and what
 * SIGINT does in it afterwards ("sigint=default": system() put it back). */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void print_malloc_owner(void)
{
        Dl_info info;
        void *fn = dlsym(RTLD_DEFAULT, "malloc");

        free(malloc(64));
        if (fn && dladdr(fn, &info) && info.dli_fname)
                printf("parent.malloc_from=%s\n", info.dli_fname);
        fflush(stdout);
}

/* The arguments as one shell command (the tests use plain words). */
static char *command_of(char **argv)
{
        size_t len = 1;
        char *s;

        for (char **a = argv; *a; a++)
                len += strlen(*a) + 1;
        s = calloc(1, len);
        for (char **a = argv; s && *a; a++) {
                strcat(s, *a);
                if (a[1])
                        strcat(s, " ");
        }
        return s;
}

static int wait_for(pid_t pid)
{
        int status = -1;

        if (pid > 0)
                while (waitpid(pid, &status, 0) < 0)
                        ;
        return status;
}

static int by_fork(const char *mode, char **argv)
{
        char *a[12] = { NULL };
        pid_t pid;

        /* the execl family takes the arguments one by one: up to 11 of them */
        for (size_t i = 0; i < 11 && argv[i]; i++)
                a[i] = argv[i];
        pid = strcmp(mode, "vfork-execve") == 0 ? vfork() : fork();
        if (pid != 0)
                return wait_for(pid);
        if (strcmp(mode, "vfork-execve") == 0)
                execve(argv[0], argv, environ);
        else if (strcmp(mode, "fork-execv") == 0)
                execv(argv[0], argv);
        else if (strcmp(mode, "fork-execl") == 0)
                execl(a[0], a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], (char *)NULL);
        else if (strcmp(mode, "fork-execlp") == 0)
                execlp(a[0], a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], (char *)NULL);
        else if (strcmp(mode, "fork-execle") == 0)
                execle(a[0], a[0], a[1], (char *)NULL, environ); /* exactly one argument */
        else if (strcmp(mode, "fork-fexecve") == 0)
                fexecve(open(argv[0], O_RDONLY | O_CLOEXEC), argv, environ);
        else if (strcmp(mode, "worker-system") == 0)
                _exit(WEXITSTATUS(system(command_of(argv))));
        _exit(127);
}

static int by_popen(const char *mode, char **argv)
{
        FILE *f = popen(command_of(argv), mode[6] == 'r' ? "r" : "w");
        char line[4096];

        if (!f)
                return -1;
        while (mode[6] == 'r' && fgets(line, sizeof(line), f))
                fputs(line, stdout);
        return pclose(f);
}

struct thread_job {
        const char *mode;
        char **argv;
        int status;
};

/* The address space's size in KiB (/proc/self/statm, read without stdio:
 * the thread's stack is small). */
static long vm_kb(void)
{
        char text[64] = "";
        int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;

        if (fd >= 0)
                close(fd);
        return n > 0 ? strtol(text, NULL, 10) * (sysconf(_SC_PAGESIZE) / 1024) : -1;
}

static int spawn_once(const struct thread_job *job)
{
        pid_t pid = -1;

        if (strcmp(job->mode, "thread-posix_spawn") == 0) {
                if (posix_spawn(&pid, job->argv[0], NULL, NULL, job->argv, environ) != 0)
                        pid = -1;
        } else {
                pid = vfork();
                if (pid == 0) {
                        execve(job->argv[0], job->argv, environ);
                        _exit(127);
                }
        }
        return wait_for(pid);
}

static void *thread_spawn(void *arg)
{
        struct thread_job *job = arg;
        const char *times = getenv("SPAWNER_TIMES");
        long n = times ? strtol(times, NULL, 10) : 1;

        for (long i = 0; i < n; i++)
                job->status = spawn_once(job);
        return NULL;
}

static int by_thread(const char *mode, char **argv)
{
        struct thread_job job = { mode, argv, -1 };
        const char *stack = getenv("SPAWNER_STACK"), *threads = getenv("SPAWNER_THREADS");
        long n = threads ? strtol(threads, NULL, 10) : 1, before = vm_kb();
        pthread_attr_t attr;

        pthread_attr_init(&attr);
        if (stack && pthread_attr_setstacksize(&attr, strtoul(stack, NULL, 10)) != 0)
                return -1;
        for (long i = 0; i < n; i++) {
                pthread_t t;

                if (pthread_create(&t, &attr, thread_spawn, &job) != 0)
                        return -1;
                pthread_join(t, NULL);
        }
        pthread_attr_destroy(&attr);
        printf("vm_growth_kb=%ld\n", vm_kb() - before);
        return job.status;
}

static void popen_modes(void)
{
        static const char *const modes[] = {
                "r", "w", "re", "we", "er", "ew", "rr", "ree", "rer", "wew", "", "rw", "wr", "e", "x", "r+", "rb",
        };

        for (size_t i = 0; i < sizeof(modes) / sizeof(*modes); i++) {
                FILE *f;

                errno = 0;
                f = popen("exit 0", modes[i]);
                if (!f) {
                        printf("popen.%s=%s\n", modes[i], errno == EINVAL ? "EINVAL" : "failed");
                        continue;
                }
                printf("popen.%s=ok cloexec=%d\n", modes[i], (fcntl(fileno(f), F_GETFD) & FD_CLOEXEC) != 0);
                pclose(f);
        }
}

int main(int argc, char **argv)
{
        const char *mode = argc > 2 ? argv[1] : "";
        pid_t pid = 0;
        int status;

        if (argc < 3) {
                fprintf(stderr, "usage: spawner MODE PROGRAM [ARG...]\n");
                return 2;
        }
        print_malloc_owner();
        if (strcmp(mode, "self-execv") == 0) {
                execv(argv[2], argv + 2);
                return 127;
        }
        if (strcmp(mode, "popen-modes") == 0) {
                popen_modes();
                return 0;
        }
        if (strcmp(mode, "posix_spawn") == 0 || strcmp(mode, "posix_spawnp") == 0)
                status = (mode[11] ? posix_spawnp : posix_spawn)(&pid, argv[2], NULL, NULL, argv + 2, environ) == 0 ?
                         wait_for(pid) : -1;
        else if (strcmp(mode, "system") == 0)
                status = system(command_of(argv + 2));
        else if (strncmp(mode, "popen-", 6) == 0)
                status = by_popen(mode, argv + 2);
        else if (strncmp(mode, "thread-", 7) == 0)
                status = by_thread(mode, argv + 2);
        else
                status = by_fork(mode, argv + 2);
        printf("status=%d\n", status);
        {
                struct sigaction sa;

                sigaction(SIGINT, NULL, &sa);
                printf("sigint=%s\n", sa.sa_handler == SIG_DFL ? "default" : "changed");
        }
        return 0;
}
