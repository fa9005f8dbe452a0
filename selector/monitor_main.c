/* allocsel-monitor: the detached helper. It logs the started event it was
 * given and, with --watch, watches the program: RSS samples from
 * /proc/PID/status, a startup event (with whether the allocator's library
 * is really mapped), and an exit event as soon as the program is gone.
 * It never signals, traces or otherwise touches the program.
 *
 * It is a separate small program so that allocsel's exec path never loads
 * libsystemd, and so that its memory is its own, not a copy of allocsel's.
 *
 * usage: allocsel-monitor [--watch PID] [--pidfd FD] [--startup-ms N]
 *                         [--interval-ms N] [--log-samples] [--library PATH]
 *                         [--start-ticks N] [--stderr] -- FIELD=value...
 * The fields after "--" are the started event. */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include "messages.h"
#include "numparse.h"
#include "procstat.h"

/* Without a pidfd, /proc is polled this often so the exit is seen promptly. */
#define POLL_MS 100

struct monitor {
        pid_t pid;                      /* 0: log the started event only */
        int pidfd;                      /* -1: poll /proc/PID/stat instead */
        unsigned long long start_ticks; /* the program's start time, against PID reuse */
        long long startup_ms, interval_ms;
        bool log_samples, to_stderr;
        const char *library;
        bool have_library;
        struct stat lib_st;
        char lib_path[PATH_MAX];        /* resolved */
        char **started;                 /* the started event's fields */
        int n_started;
        struct proc_sample last;
        long peak_kb;
        int samples;
};

static long long now_ms(clockid_t clock)
{
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- sending ---- */

static const char *field_of(char **fields, int n, const char *name)
{
        size_t len = strlen(name);

        for (int i = 0; i < n; i++)
                if (strncmp(fields[i], name, len) == 0 && fields[i][len] == '=')
                        return fields[i] + len + 1;
        return NULL;
}

static void emit(const struct monitor *m, char **fields, int n)
{
        const char *msg = field_of(fields, n, "MESSAGE"), *prio = field_of(fields, n, "PRIORITY");

        if (m->to_stderr) {
                fprintf(stderr, "allocsel: %s%s\n",
                        prio && prio[0] <= '3' ? "error: " : prio && prio[0] == '4' ? "warning: " : "",
                        msg ? msg : "");
                return;
        }
        struct iovec iov[32];
        int k = 0;

        for (int i = 0; i < n && k < 32; i++)
                iov[k++] = (struct iovec){ fields[i], strlen(fields[i]) };
        (void)sd_journal_sendv(iov, k);
}

/* A new event: the started event's identity fields plus the given ones. */
struct event {
        char *v[32];
        int n;
};

static void add(struct event *ev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct event *ev, const char *fmt, ...)
{
        va_list ap;

        if (ev->n >= 32)
                return;
        va_start(ap, fmt);
        if (vasprintf(&ev->v[ev->n], fmt, ap) >= 0)
                ev->n++;
        va_end(ap);
}

static void begin(struct event *ev, const struct monitor *m, const char *id, int priority)
{
        static const char *const identity[] = {
                "SYSLOG_IDENTIFIER", "ALLOCSEL_SERVICE", "ALLOCSEL_PROGRAM", "ALLOCSEL_ALLOCATOR",
                "ALLOCSEL_LIBRARY", "ALLOCSEL_PID",
        };

        ev->n = 0;
        add(ev, "MESSAGE_ID=%s", id);
        add(ev, "PRIORITY=%d", priority);
        for (size_t i = 0; i < sizeof(identity) / sizeof(*identity); i++) {
                const char *v = field_of(m->started, m->n_started, identity[i]);

                if (v)
                        add(ev, "%s=%s", identity[i], v);
        }
        add(ev, "ALLOCSEL_MONITOR_PID=%d", (int)getpid());
}

static void finish(struct event *ev, const struct monitor *m)
{
        emit(m, ev->v, ev->n);
        for (int i = 0; i < ev->n; i++)
                free(ev->v[i]);
        ev->n = 0;
}

static const char *service(const struct monitor *m)
{
        const char *s = field_of(m->started, m->n_started, "ALLOCSEL_SERVICE");

        return s ? s : "?";
}

/* ---- watching ---- */

static void sample(struct monitor *m)
{
        struct proc_sample s;

        if (proc_read_status(m->pid, &s) < 0)
                return; /* gone, or a zombie: keep the last sample */
        m->last = s;
        if (s.hwm_kb > m->peak_kb)
                m->peak_kb = s.hwm_kb;
        if (s.rss_kb > m->peak_kb)
                m->peak_kb = s.rss_kb;
        m->samples++;
}

/* True once the program is gone. With a pidfd that is exact; otherwise a
 * changed start time means the PID now belongs to someone else. */
static bool gone(const struct monitor *m)
{
        unsigned long long start;
        char state;

        if (proc_read_stat(m->pid, &start, &state) < 0)
                return true;
        return start != m->start_ticks || state == 'Z' || state == 'X';
}

/* Waits up to timeout_ms; returns true when the program has exited. */
static bool wait_exit(const struct monitor *m, long long timeout_ms)
{
        if (m->pidfd >= 0) {
                struct pollfd p = { .fd = m->pidfd, .events = POLLIN };
                int r = poll(&p, 1, timeout_ms < 0 ? 0 : (int)timeout_ms);

                return r > 0 || (r < 0 && errno != EINTR);
        }
        for (long long left = timeout_ms;; left -= POLL_MS) {
                struct timespec ts = { 0, (left < POLL_MS ? (left < 0 ? 0 : left) : POLL_MS) * 1000000L };

                if (gone(m))
                        return true;
                if (left <= 0)
                        return false;
                nanosleep(&ts, NULL);
        }
}

static void log_startup(struct monitor *m)
{
        struct event ev;
        bool loaded = false, known = false;

        if (m->have_library)
                known = proc_maps_has(m->pid, m->lib_st.st_dev, m->lib_st.st_ino, m->lib_path, &loaded) == 0;
        begin(&ev, m, MESSAGE_ID_STARTUP_RSS, known && !loaded ? 4 : 6);
        add(&ev, "ALLOCSEL_RSS_KB=%ld", m->last.rss_kb);
        add(&ev, "ALLOCSEL_PEAK_RSS_KB=%ld", m->peak_kb);
        add(&ev, "ALLOCSEL_STARTUP_MS=%lld", m->startup_ms);
        if (known)
                add(&ev, "ALLOCSEL_LOADED=%s", loaded ? "true" : "false");
        if (known && !loaded)
                add(&ev, "MESSAGE=%s: %s is NOT mapped in PID %d %lld ms after start: the preload did not take "
                    "(set-ID program, or it exec'd something else); %ld KiB resident", service(m), m->library,
                    (int)m->pid, m->startup_ms, m->last.rss_kb);
        else
                add(&ev, "MESSAGE=%s: %ld KiB resident %lld ms after start (peak %ld KiB)%s%s", service(m),
                    m->last.rss_kb, m->startup_ms, m->peak_kb, known ? ", " : "",
                    known ? "allocator library loaded" : "");
        finish(&ev, m);
}

static void log_sample(struct monitor *m)
{
        struct event ev;

        begin(&ev, m, MESSAGE_ID_SAMPLE, 7);
        add(&ev, "ALLOCSEL_RSS_KB=%ld", m->last.rss_kb);
        add(&ev, "ALLOCSEL_PEAK_RSS_KB=%ld", m->peak_kb);
        add(&ev, "MESSAGE=%s: %ld KiB resident (peak %ld KiB)", service(m), m->last.rss_kb, m->peak_kb);
        finish(&ev, m);
}

static void log_exit(struct monitor *m)
{
        long hz = sysconf(_SC_CLK_TCK);
        long long lifetime = now_ms(CLOCK_BOOTTIME) - (long long)(m->start_ticks * 1000 / (unsigned long long)hz);
        struct event ev;

        begin(&ev, m, MESSAGE_ID_EXITED, 6);
        add(&ev, "ALLOCSEL_RSS_KB=%ld", m->last.rss_kb);
        add(&ev, "ALLOCSEL_PEAK_RSS_KB=%ld", m->peak_kb);
        add(&ev, "ALLOCSEL_LIFETIME_MS=%lld", lifetime);
        add(&ev, "MESSAGE=%s: PID %d exited after %lld ms; last RSS %ld KiB, peak %ld KiB", service(m),
            (int)m->pid, lifetime, m->last.rss_kb, m->peak_kb);
        finish(&ev, m);
}

static void watch(struct monitor *m)
{
        long long t0 = now_ms(CLOCK_MONOTONIC), next_sample = t0 + m->interval_ms;
        long long startup_at = t0 + m->startup_ms;
        bool startup_done = false;

        sample(m);
        for (;;) {
                long long now = now_ms(CLOCK_MONOTONIC);
                long long deadline = startup_done || next_sample < startup_at ? next_sample : startup_at;

                if (wait_exit(m, deadline - now)) {
                        log_exit(m);
                        return;
                }
                now = now_ms(CLOCK_MONOTONIC);
                if (now >= next_sample) {
                        sample(m);
                        if (m->log_samples)
                                log_sample(m);
                        next_sample += m->interval_ms;
                }
                if (!startup_done && now >= startup_at) {
                        sample(m);
                        log_startup(m);
                        startup_done = true;
                }
        }
}

/* ---- start ---- */

static int parse_args(int argc, char **argv, struct monitor *m)
{
        static const struct option options[] = {
                { "watch", required_argument, NULL, 'w' },
                { "pidfd", required_argument, NULL, 'p' },
                { "startup-ms", required_argument, NULL, 's' },
                { "interval-ms", required_argument, NULL, 'i' },
                { "log-samples", no_argument, NULL, 'l' },
                { "library", required_argument, NULL, 'L' },
                { "stderr", no_argument, NULL, 'e' },
                { "start-ticks", required_argument, NULL, 't' },
                { NULL, 0, NULL, 0 },
        };
        long long v;
        int opt;

        while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
                switch (opt) {
                case 'w':
                        if (parse_ll(optarg, 1, 1LL << 31, &v) < 0)
                                return -EINVAL;
                        m->pid = (pid_t)v;
                        break;
                case 'p':
                        if (parse_ll(optarg, 0, 1 << 20, &v) < 0)
                                return -EINVAL;
                        m->pidfd = (int)v;
                        break;
                case 's':
                        if (parse_ll(optarg, 0, 3600000, &m->startup_ms) < 0)
                                return -EINVAL;
                        break;
                case 'i':
                        if (parse_ll(optarg, 10, 3600000, &m->interval_ms) < 0)
                                return -EINVAL;
                        break;
                case 'l': m->log_samples = true; break;
                case 'L': m->library = optarg; break;
                case 'e': m->to_stderr = true; break;
                case 't':
                        if (parse_ll(optarg, 0, LLONG_MAX, &v) < 0)
                                return -EINVAL;
                        m->start_ticks = (unsigned long long)v;
                        break;
                default: return -EINVAL;
                }
        }
        m->started = argv + optind;
        m->n_started = argc - optind;
        return 0;
}

int main(int argc, char **argv)
{
        struct monitor m = { .pidfd = -1, .startup_ms = 5000, .interval_ms = 1000 };
        char state;

        if (parse_args(argc, argv, &m) < 0) {
                fprintf(stderr, "allocsel-monitor: usage: allocsel-monitor [--watch PID ...] -- FIELD=value...\n");
                return 2;
        }
        /* A service stop signals the whole cgroup: stay until the program is
         * gone, so that its exit is logged, then leave at once. */
        signal(SIGTERM, SIG_IGN);
        signal(SIGINT, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        signal(SIGPIPE, SIG_IGN);

        /* The started event: allocsel has already printed it when there is no journal. */
        if (!m.to_stderr && m.n_started > 0) {
                struct event ev = { .n = 0 };

                for (int i = 0; i < m.n_started && ev.n < 31; i++)
                        add(&ev, "%s", m.started[i]);
                if (m.pid)
                        add(&ev, "ALLOCSEL_MONITOR_PID=%d", (int)getpid());
                finish(&ev, &m);
        }
        if (!m.pid)
                return 0;
        /* allocsel passes the start time it read of itself; without it, read it now */
        if (!m.start_ticks && proc_read_stat(m.pid, &m.start_ticks, &state) < 0)
                return 0;
        m.have_library = m.library && stat(m.library, &m.lib_st) == 0 && realpath(m.library, m.lib_path);
        watch(&m);
        return 0;
}
