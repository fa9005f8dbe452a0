/* liballocsel-release.so: preloaded after the allocator when a policy has a
 * release section. One background thread, named "allocsel-trim", wakes every
 * interval and gives freed memory back to the kernel when the program turns
 * idle after having worked:
 *
 *   glibc        malloc_trim(0). glibc has no cheap count of its free memory
 *                (mallinfo2() walks every free chunk, as the trim does), so
 *                the trim itself is the question: one that gives back less
 *                than min_free_kb makes the next one wait (trim_due()).
 *   gperftools   "tcmalloc.pageheap_free_bytes" (a counter), then
 *                MallocExtension_ReleaseFreeMemory() when over min_free_kb.
 *
 * Which allocator serves the program is allocsel's to say (family= in the
 * variable), not guessed from symbol addresses: in a non-PIE program such as
 * Debian's /usr/bin/python3, dlsym(RTLD_DEFAULT, "malloc") is the program's
 * own PLT entry. jemalloc has its own background_thread and mimalloc its
 * purge_delay: allocsel refuses a release section for them.
 *
 * Safe in any program: everything here is hidden (no symbol can interpose on
 * the program's), only public allocator calls are made (no lock of theirs is
 * taken by hand), nothing is allocated, the thread is detached with every
 * signal blocked (exit never waits for it; signals go to the program's
 * threads), and nothing at all happens unless ALLOCSEL_RELEASE names this
 * very process:
 *
 *   ALLOCSEL_RELEASE=family=glibc,interval_ms=1000,min_free_kb=65536,pid=1234
 *
 * The PID keeps the thread out of the programs a service starts (they
 * inherit LD_PRELOAD) while an exec chain in the same process (a wrapper
 * script exec'ing the interpreter) keeps it. A fork()ed child, such as a
 * pre-fork server's worker, gets a thread of its own. */
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HIDDEN __attribute__((visibility("hidden")))

#define NS_PER_MS 1000000LL
/* Less CPU than this since the last trim is a timer, not freeing. */
#define WORK_MIN_NS (NS_PER_MS / 10)
/* A fruitless trim is paid for by this many times its CPU time of the
 * program's work (its cost stays under 1 %) ... */
#define WORK_PER_TRIM_COST 100
/* ... or by waiting 2, 4, ... up to this many intervals. */
#define MAX_WAIT_INTERVALS 32

enum release_family { RELEASE_GLIBC, RELEASE_TCMALLOC };

struct release_config {
        enum release_family family;
        long interval_ms;
        unsigned long long min_free_bytes;
};

/* What the trigger remembers between ticks. */
struct trim_state {
        long long program_ns;   /* the program's CPU time (this thread's excluded) at the last tick */
        long long worked_ns;    /* ...used since the last trim */
        long long owed_ns;      /* work that pays for the last trim, if it was fruitless */
        int waited;             /* intervals since the last trim */
        int wait_needed;        /* intervals that also pay for it: 2, 4, ... MAX_WAIT_INTERVALS */
};

typedef int (*tc_property_fn)(const char *, size_t *);
typedef void (*tc_release_fn)(void);

static struct release_config config;

HIDDEN int release_parse(const char *s, pid_t self, struct release_config *ret);
HIDDEN bool trim_due(struct trim_state *st, long long program_ns, long long interval_ns);
HIDDEN void trim_done(struct trim_state *st, long long cost_ns, bool gave_back_enough);

/* "family=glibc,interval_ms=1000,min_free_kb=65536,pid=1234": 0 when it
 * names this process and an allocator the helper knows how to ask. allocsel
 * writes every field (the defaults are its key table's): none is optional. */
HIDDEN int release_parse(const char *s, pid_t self, struct release_config *ret)
{
        long interval = 0, pid = 0;
        unsigned long long min_kb = ULLONG_MAX;
        int family = -1;

        while (s && *s) {
                const char *next;
                char *end = NULL;

                if (strncmp(s, "family=", 7) == 0) {
                        size_t n = strcspn(s + 7, ",");

                        family = n == 5 && strncmp(s + 7, "glibc", n) == 0    ? RELEASE_GLIBC :
                                 n == 8 && strncmp(s + 7, "tcmalloc", n) == 0 ? RELEASE_TCMALLOC : -2;
                        next = s + 7 + n;
                } else {
                        if (strncmp(s, "interval_ms=", 12) == 0)
                                interval = strtol(s + 12, &end, 10);
                        else if (strncmp(s, "min_free_kb=", 12) == 0)
                                min_kb = strtoull(s + 12, &end, 10);
                        else if (strncmp(s, "pid=", 4) == 0)
                                pid = strtol(s + 4, &end, 10);
                        else
                                return -1;
                        next = end;
                }
                if (*next != ',' && *next != '\0')
                        return -1;
                s = *next ? next + 1 : next;
        }
        if (family < 0 || pid != (long)self || interval < 10 || interval > 3600000 || min_kb > (1ULL << 40))
                return -1;
        ret->family = (enum release_family)family;
        ret->interval_ms = interval;
        ret->min_free_bytes = min_kb * 1024;
        return 0;
}

/* One tick. Trim when the program was idle over the interval (under a tenth
 * of a CPU) after having worked since the last trim; if that trim was
 * fruitless, only once the program has since worked 100 times its cost, or
 * the doubling wait is over (an idle service whose timers do a little). */
HIDDEN bool trim_due(struct trim_state *st, long long program_ns, long long interval_ns)
{
        long long used = program_ns - st->program_ns;
        bool idle = used * 10 < interval_ns;

        st->program_ns = program_ns;
        st->worked_ns += used;
        if (st->waited < MAX_WAIT_INTERVALS)
                st->waited++;
        if (!idle || st->worked_ns < WORK_MIN_NS)
                return false;
        return st->worked_ns >= st->owed_ns || st->waited >= st->wait_needed;
}

HIDDEN void trim_done(struct trim_state *st, long long cost_ns, bool gave_back_enough)
{
        st->worked_ns = 0;
        st->waited = 0;
        if (gave_back_enough) {
                st->owed_ns = 0;
                st->wait_needed = 0;
        } else {
                st->owed_ns = cost_ns * WORK_PER_TRIM_COST;
                st->wait_needed = st->wait_needed ? st->wait_needed * 2 : 2;
                if (st->wait_needed > MAX_WAIT_INTERVALS)
                        st->wait_needed = MAX_WAIT_INTERVALS;
        }
}

static long long clock_ns(clockid_t clock)
{
        struct timespec ts;

        if (clock_gettime(clock, &ts) < 0)
                return 0;
        return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The program's CPU time: every thread's but this one's. */
static long long program_cpu_ns(void)
{
        long long process = clock_ns(CLOCK_PROCESS_CPUTIME_ID);

        return process - clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

/* Resident bytes from /proc/self/statm, with no allocation: this thread
 * must not contend for the heap it watches. Opened each time: a descriptor
 * kept open would still be the parent's in a fork()ed child. -1 if unknown. */
static long long resident_bytes(void)
{
        char buf[256], *p;
        ssize_t n;
        int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return -1;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return -1;
        buf[n] = '\0';
        p = strchr(buf, ' ');
        return p ? strtoll(p + 1, NULL, 10) * sysconf(_SC_PAGESIZE) : -1;
}

/* An interval's little work may be a burst just starting: look again,
 * briefly, so that a trim does not hold the heap's lock as it gets going. */
static bool still_idle(const struct timespec *glance)
{
        long long before = program_cpu_ns();

        clock_nanosleep(CLOCK_MONOTONIC, 0, glance, NULL);
        return (program_cpu_ns() - before) * 10 < glance->tv_sec * 1000000000LL + glance->tv_nsec;
}

static void glibc_trim(struct trim_state *st)
{
        long long before = resident_bytes(), started = clock_ns(CLOCK_THREAD_CPUTIME_ID), cost, after;

        malloc_trim(0);
        cost = clock_ns(CLOCK_THREAD_CPUTIME_ID) - started;
        after = resident_bytes();
        trim_done(st, cost, before >= 0 && after >= 0 && before - after >= (long long)config.min_free_bytes);
}

static void *release_loop(void *unused)
{
        tc_property_fn tc_get = NULL;
        tc_release_fn tc_release = NULL;
        long long interval_ns = config.interval_ms * NS_PER_MS;
        struct timespec interval = { config.interval_ms / 1000, (config.interval_ms % 1000) * NS_PER_MS };
        /* a tenth of the interval */
        struct timespec glance = { interval.tv_sec / 10, (interval.tv_sec % 10 * 1000000000L + interval.tv_nsec) / 10 };
        struct trim_state st = { .program_ns = program_cpu_ns() };

        (void)unused;
        if (config.family == RELEASE_TCMALLOC) {
                /* gperftools' C API, if the library serving malloc is it */
                tc_get = (tc_property_fn)(uintptr_t)dlsym(RTLD_DEFAULT, "MallocExtension_GetNumericProperty");
                tc_release = (tc_release_fn)(uintptr_t)dlsym(RTLD_DEFAULT, "MallocExtension_ReleaseFreeMemory");
                if (!tc_get || !tc_release)
                        return NULL;
        }
        for (;;) {
                /* every signal is blocked here: an EINTR is not expected, and
                 * a shorter interval after one would do no harm */
                clock_nanosleep(CLOCK_MONOTONIC, 0, &interval, NULL);
                if (!trim_due(&st, program_cpu_ns(), interval_ns) || !still_idle(&glance))
                        continue;
                if (tc_get) {
                        size_t free_bytes = 0;

                        if (tc_get("tcmalloc.pageheap_free_bytes", &free_bytes) &&
                            free_bytes >= config.min_free_bytes)
                                tc_release();
                        /* the counter is exact: no trim is fruitless */
                        trim_done(&st, 0, true);
                } else {
                        glibc_trim(&st);
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
