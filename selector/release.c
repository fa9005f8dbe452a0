/* liballocsel-release.so: preloaded after the allocator when a policy has a
 * release section. One background thread, named "allocsel-trim", asks the
 * allocator every interval how much freed memory it holds and gives it back
 * to the kernel only when that is over the threshold:
 *
 *   gperftools   "tcmalloc.pageheap_free_bytes" (a counter), then
 *                MallocExtension_ReleaseFreeMemory()
 *   glibc        malloc_trim(0) once the process is idle (under a tenth of a
 *                CPU over the interval) and its RSS has grown by the threshold
 *                since the last trim. glibc's own count, mallinfo2(), walks
 *                every free chunk: called every second on a fragmented heap it
 *                cost 65 % more CPU (measured), so /proc/self/stat is asked.
 *
 * jemalloc has its own background_thread and mimalloc its purge_delay:
 * allocsel refuses a release section for them.
 *
 * Safe in any program: everything here is hidden (no symbol can interpose on
 * the program's), only public allocator calls are made (no lock of theirs is
 * taken by hand), the thread is detached with every signal blocked (exit
 * never waits for it; signals go to the program's threads), and nothing at
 * all happens unless ALLOCSEL_RELEASE names this very process:
 *
 *   ALLOCSEL_RELEASE=interval_ms=1000,min_free_kb=65536,pid=1234
 *
 * The PID keeps the thread out of the programs a service starts (they
 * inherit LD_PRELOAD) while an exec chain in the same process (a wrapper
 * script exec'ing the interpreter) keeps it. A fork()ed child, such as a
 * pre-fork server's worker, gets a thread of its own. */
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HIDDEN __attribute__((visibility("hidden")))

typedef int (*tc_property_fn)(const char *, size_t *);
typedef void (*tc_release_fn)(void);

struct release_config {
        long interval_ms;
        unsigned long long min_free_bytes;
};

static struct release_config config;

HIDDEN int release_parse(const char *s, pid_t self, struct release_config *ret);

/* "interval_ms=1000,min_free_kb=65536,pid=1234": 0 when it names this process. */
HIDDEN int release_parse(const char *s, pid_t self, struct release_config *ret)
{
        long interval = 1000, pid = 0;
        unsigned long long min_kb = 65536;

        while (s && *s) {
                char *end;

                if (strncmp(s, "interval_ms=", 12) == 0)
                        interval = strtol(s + 12, &end, 10);
                else if (strncmp(s, "min_free_kb=", 12) == 0)
                        min_kb = strtoull(s + 12, &end, 10);
                else if (strncmp(s, "pid=", 4) == 0)
                        pid = strtol(s + 4, &end, 10);
                else
                        return -1;
                if (*end != ',' && *end != '\0')
                        return -1;
                s = *end ? end + 1 : end;
        }
        if (pid != (long)self || interval < 10 || interval > 3600000)
                return -1;
        ret->interval_ms = interval;
        ret->min_free_bytes = min_kb * 1024;
        return 0;
}

/* RSS (KiB) and CPU time (ticks, all threads) from /proc/self/stat, with no
 * allocation: this thread must not contend for the heap it watches. */
static int self_usage(long long *rss_kb, long long *cpu_ticks)
{
        char buf[1024], *p;
        long long fields[25] = { 0 };
        ssize_t n;
        int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return -1;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return -1;
        buf[n] = '\0';
        p = strrchr(buf, ')');
        if (!p)
                return -1;
        p += 2;
        for (int field = 3; field <= 24 && p; field++) {
                if (field > 3)
                        fields[field] = strtoll(p, NULL, 10);
                p = strchr(p, ' ');
                if (p)
                        p++;
        }
        *cpu_ticks = fields[14] + fields[15];
        *rss_kb = fields[24] * (sysconf(_SC_PAGESIZE) / 1024);
        return 0;
}

static bool malloc_is_glibc(void)
{
        void *fn = dlsym(RTLD_DEFAULT, "malloc");
        Dl_info info;

        return fn && dladdr(fn, &info) && info.dli_fname && strstr(info.dli_fname, "/libc.so");
}

static void *release_loop(void *unused)
{
        tc_property_fn tc_get = (tc_property_fn)(uintptr_t)dlsym(RTLD_DEFAULT, "MallocExtension_GetNumericProperty");
        tc_release_fn tc_release = (tc_release_fn)(uintptr_t)dlsym(RTLD_DEFAULT, "MallocExtension_ReleaseFreeMemory");
        bool glibc = !tc_get && malloc_is_glibc();
        struct timespec interval = { config.interval_ms / 1000, (config.interval_ms % 1000) * 1000000L };
        /* floor_kb: RSS just after the last trim, or the lowest since */
        long long ticks_per_s = sysconf(_SC_CLK_TCK), floor_kb = 0, last_cpu = 0, rss, cpu;

        (void)unused;
        if (!(tc_get && tc_release) && !glibc)
                return NULL; /* an allocator we do not know how to ask */
        if (glibc && self_usage(&floor_kb, &last_cpu) < 0)
                return NULL;
        for (;;) {
                while (clock_nanosleep(CLOCK_MONOTONIC, 0, &interval, NULL) != 0)
                        ;
                if (tc_get) {
                        size_t free_bytes = 0;

                        if (tc_get("tcmalloc.pageheap_free_bytes", &free_bytes) &&
                            free_bytes >= config.min_free_bytes)
                                tc_release();
                } else if (self_usage(&rss, &cpu) == 0) {
                        /* idle: under a tenth of a CPU over the interval */
                        bool idle = (cpu - last_cpu) * 1000 * 10 < config.interval_ms * ticks_per_s;

                        last_cpu = cpu;
                        if (idle && rss > floor_kb &&
                            (unsigned long long)(rss - floor_kb) * 1024 >= config.min_free_bytes) {
                                malloc_trim(0);
                                /* what stays resident is in use: the new floor */
                                if (self_usage(&floor_kb, &cpu) < 0)
                                        floor_kb = rss;
                        } else if (rss < floor_kb) {
                                floor_kb = rss;
                        }
                }
        }
        return NULL;
}

static void start_thread(void)
{
        sigset_t all, old;
        pthread_attr_t attr;
        pthread_t thread;

        /* created with every signal blocked: they belong to the program */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, (size_t)64 * 1024);
        if (pthread_create(&thread, &attr, release_loop, NULL) == 0)
                pthread_setname_np(thread, "allocsel-trim");
        pthread_attr_destroy(&attr);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* fork() copies only the calling thread: the child starts its own. */
static void after_fork_in_child(void)
{
        start_thread();
}

__attribute__((constructor)) static void release_init(void)
{
        if (release_parse(getenv("ALLOCSEL_RELEASE"), getpid(), &config) < 0)
                return;
        pthread_atfork(NULL, NULL, after_fork_in_child);
        start_thread();
}
