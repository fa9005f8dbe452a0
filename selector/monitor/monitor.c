/* The watch: a sample right after the exec, then one every twentieth of
 * the program's age (at least 10 ms apart, at most sample_interval_ms), so
 * that the last sample before the exit is at most about 5 % of the
 * lifetime old; VmHWM makes the peak exact whenever a sample follows it.
 * The startup record at startup_ms, samples at every interval when asked,
 * and the exit record as soon as the program is gone. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "messages.h"
#include "monitor.h"

/* Without a pidfd, /proc is polled this often so the exit is seen promptly. */
#define POLL_MS 100
#define MIN_GAP_MS 10

long long monitor_sample_gap(long long age_ms, long long interval_ms)
{
        long long gap = age_ms / 20;

        if (gap < MIN_GAP_MS)
                gap = MIN_GAP_MS;
        return gap < interval_ms ? gap : interval_ms;
}

/* ---- records ---- */

static void begin(struct event *ev, const struct monitor *m, const char *id, int priority)
{
        static const char *const identity[] = {
                "SYSLOG_IDENTIFIER", "ALLOCSEL_SERVICE", "ALLOCSEL_PROGRAM", "ALLOCSEL_ALLOCATOR",
                "ALLOCSEL_LIBRARY", "ALLOCSEL_LIBRARY_VERSION", "ALLOCSEL_POLICY_DIGEST", "ALLOCSEL_PID",
                "ALLOCSEL_INVOCATION_ID", "ALLOCSEL_START_USEC",
        };

        memset(ev, 0, sizeof(*ev));
        event_add(ev, "MESSAGE_ID=%s", id);
        event_add(ev, "PRIORITY=%d", priority);
        for (size_t i = 0; i < sizeof(identity) / sizeof(*identity); i++) {
                const char *v = event_get(m->started, identity[i]);

                if (v)
                        event_add(ev, "%s=%s", identity[i], v);
        }
        event_add(ev, "ALLOCSEL_MONITOR_PID=%d", (int)getpid());
}

static void finish(struct event *ev, const struct monitor *m)
{
        if (!ev->error)
                m->send(ev);
        event_free(ev);
}

static const char *service(const struct monitor *m)
{
        const char *s = event_get(m->started, "ALLOCSEL_SERVICE");

        return s ? s : "?";
}

static void log_startup(const struct monitor *m)
{
        struct event ev;
        bool loaded = false, known = false;

        if (m->have_library)
                known = proc_maps_has(m->pid, m->lib_st.st_dev, m->lib_st.st_ino, m->lib_path, &loaded) == 0;
        begin(&ev, m, MESSAGE_ID_STARTUP_RSS, known && !loaded ? 4 : 6);
        event_add(&ev, "ALLOCSEL_RSS_KB=%ld", m->last.rss_kb);
        event_add(&ev, "ALLOCSEL_PEAK_RSS_KB=%ld", m->peak_kb);
        event_add(&ev, "ALLOCSEL_STARTUP_MS=%lld", m->startup_ms);
        if (known)
                event_add(&ev, "ALLOCSEL_LOADED=%s", loaded ? "true" : "false");
        if (known && !loaded)
                event_add(&ev, "MESSAGE=%s: %s is NOT mapped in PID %d %lld ms after start: the preload did not "
                          "take (set-ID program, or it exec'd something else); %ld KiB resident", service(m),
                          m->library, (int)m->pid, m->startup_ms, m->last.rss_kb);
        else
                event_add(&ev, "MESSAGE=%s: %ld KiB resident %lld ms after start (peak %ld KiB)%s%s%s", service(m),
                          m->last.rss_kb, m->startup_ms, m->peak_kb, known ? ", " : "", known ? m->library : "",
                          known ? " is mapped" : "");
        finish(&ev, m);
}

static void log_sample(const struct monitor *m)
{
        struct event ev;

        begin(&ev, m, MESSAGE_ID_SAMPLE, 7);
        event_add(&ev, "ALLOCSEL_RSS_KB=%ld", m->last.rss_kb);
        event_add(&ev, "ALLOCSEL_PEAK_RSS_KB=%ld", m->peak_kb);
        event_add(&ev, "MESSAGE=%s: %ld KiB resident (peak %ld KiB)", service(m), m->last.rss_kb, m->peak_kb);
        finish(&ev, m);
}

/* Never an RSS of 0: a program gone before the first sample says so. */
static void log_exit(const struct monitor *m, long long now)
{
        long long lifetime = now - m->start_ms, age = now - m->last_ms;
        struct event ev;

        begin(&ev, m, MESSAGE_ID_EXITED, 6);
        event_add(&ev, "ALLOCSEL_LIFETIME_MS=%lld", lifetime);
        if (m->samples > 0) {
                event_add(&ev, "ALLOCSEL_RSS_KB=%ld", m->last.rss_kb);
                event_add(&ev, "ALLOCSEL_PEAK_RSS_KB=%ld", m->peak_kb);
                event_add(&ev, "ALLOCSEL_SAMPLE_AGE_MS=%lld", age);
                event_add(&ev, "MESSAGE=%s: PID %d exited after %lld ms; last RSS %ld KiB (sampled %lld ms "
                          "before the exit), peak %ld KiB", service(m), (int)m->pid, lifetime,
                          m->last.rss_kb, age, m->peak_kb);
        } else {
                event_add(&ev, "MESSAGE=%s: PID %d exited after %lld ms, before its memory could be sampled",
                          service(m), (int)m->pid, lifetime);
        }
        finish(&ev, m);
}

/* ---- watching ---- */

static void sample(struct monitor *m, long long now)
{
        struct proc_sample s;

        /* gone, or exiting (no memory left to count): keep the last sample */
        if (proc_read_status(m->pid, &s) < 0 || s.rss_kb <= 0)
                return;
        m->last = s;
        m->last_ms = now;
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

void monitor_watch(struct monitor *m)
{
        long long hz = sysconf(_SC_CLK_TCK), now = clock_ms(CLOCK_BOOTTIME);
        long long next_log, startup_at;
        bool startup_done = false;

        m->start_ms = hz > 0 ? (long long)(m->start_ticks * 1000 / (unsigned long long)hz) : now;
        m->have_library = m->library && stat(m->library, &m->lib_st) == 0 && realpath(m->library, m->lib_path);
        next_log = m->start_ms + m->interval_ms;
        startup_at = m->start_ms + m->startup_ms;
        sample(m, now);
        for (;;) {
                long long next = now + monitor_sample_gap(now - m->start_ms, m->interval_ms);

                if (m->log_samples && next_log < next)
                        next = next_log;
                if (!startup_done && startup_at < next)
                        next = startup_at;
                if (wait_exit(m, next - now)) {
                        log_exit(m, clock_ms(CLOCK_BOOTTIME));
                        return;
                }
                now = clock_ms(CLOCK_BOOTTIME);
                sample(m, now);
                /* never a record without a sample: an RSS of 0 would be a lie */
                if (m->log_samples && now >= next_log) {
                        if (m->samples > 0)
                                log_sample(m);
                        while (next_log <= now)
                                next_log += m->interval_ms;
                }
                if (!startup_done && now >= startup_at) {
                        if (m->samples > 0)
                                log_startup(m);
                        startup_done = true;
                }
        }
}
