/* The watch: a sample right after the exec, then one every twentieth of
 * the program's age (at least 10 ms apart, at most sample_interval_ms), so
 * that the last sample before the exit is at most about 5 % of the
 * lifetime old; VmHWM makes the peak exact whenever a full sample follows
 * it (every sample while the program is young, every tenth after).
 * The startup record at startup_ms, samples at every interval when asked,
 * and the exit record as soon as the program is gone. Each watch is one
 * timer and one pidfd source on the monitor's event loop. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "messages.h"
#include "numparse.h"
#include "outbox.h"
#include "pidfd.h"
#include "public_path.h"
#include "unit.h"
#include "watch.h"

/* Without a pidfd, /proc is polled this often so the exit is seen promptly. */
#define POLL_MS 100
#define MIN_GAP_MS 10
/* Once a program is old enough for samples an interval apart, only every
 * tenth reads /proc/PID/status (VmHWM, the peak); the others read statm
 * (RSS), which costs half: 1,000 watched programs within 1 % of a CPU. */
#define FULL_SAMPLE_EVERY 10
/* A sample record at most this often, whatever the sender asked for. */
#define SAMPLE_LOG_MIN_MS 1000
#define IDENTITY_VALUE_MAX 1024
/* A forking daemon hands over to a child once or twice; never more than this. */
#define FOLLOW_MAX 8
/* sd-event may fire a timer this much late, so that wake-ups of many
 * watches coalesce: a tenth of the gap, within these bounds. */
#define ACCURACY_MIN_US 1000ULL
#define ACCURACY_MAX_US 50000ULL

/* The fields of the started record every later record repeats. */
static const char *const identity[] = {
        "SYSLOG_IDENTIFIER", "ALLOCSEL_SERVICE", "ALLOCSEL_PROGRAM", "ALLOCSEL_ALLOCATOR",
        "ALLOCSEL_LIBRARY", "ALLOCSEL_LIBRARY_VERSION", "ALLOCSEL_POLICY_DIGEST", "ALLOCSEL_PID",
        "ALLOCSEL_INVOCATION_ID", "ALLOCSEL_START_USEC",
};

long long watch_sample_gap(long long age_ms, long long interval_ms)
{
        long long gap = age_ms / 20;

        if (gap < MIN_GAP_MS)
                gap = MIN_GAP_MS;
        return gap < interval_ms ? gap : interval_ms;
}

/* ---- records ---- */

void watch_record(const struct watch *w, struct event *ev, const char *id, int priority)
{
        memset(ev, 0, sizeof(*ev));
        event_add(ev, "MESSAGE_ID=%s", id);
        event_add(ev, "PRIORITY=%d", priority);
        for (size_t i = 0; i < w->ident.fields.n; i++)
                event_add(ev, "%s", w->ident.fields.v[i]);
        /* journalctl -u UNIT shows root's records with OBJECT_SYSTEMD_UNIT=UNIT */
        event_add(ev, "OBJECT_PID=%d", (int)w->pid);
        if (w->unit)
                event_add(ev, "OBJECT_SYSTEMD_UNIT=%s", w->unit);
        if (w->pid != w->first_pid)
                event_add(ev, "ALLOCSEL_FOLLOWED_PID=%d", (int)w->pid);
        event_add(ev, "ALLOCSEL_SENDER_UID=%u", (unsigned)w->uid);
        event_add(ev, "ALLOCSEL_MONITOR_PID=%d", (int)getpid());
}

static void send_record(struct event *ev)
{
        if (!ev->error)
                outbox_send(ev);
        event_free(ev);
}

static const char *service(const struct watch *w)
{
        const char *s = event_get(&w->ident, "ALLOCSEL_SERVICE");

        return s ? s : "?";
}

static void log_startup(const struct watch *w)
{
        struct event ev;
        bool known = w->loaded_known, loaded = w->loaded;

        watch_record(w, &ev, MESSAGE_ID_STARTUP_RSS, known && !loaded ? 4 : 6);
        event_add(&ev, "ALLOCSEL_RSS_KB=%ld", w->last.rss_kb);
        event_add(&ev, "ALLOCSEL_PEAK_RSS_KB=%ld", w->peak_kb);
        event_add(&ev, "ALLOCSEL_STARTUP_MS=%lld", w->settings.startup_ms);
        if (known)
                event_add(&ev, "ALLOCSEL_LOADED=%s", loaded ? "true" : "false");
        if (known && !loaded)
                event_add(&ev, "MESSAGE=%s: %s is NOT mapped in PID %d %lld ms after start: the preload did not "
                          "take (set-ID program, or it exec'd something else); %ld KiB resident", service(w),
                          w->library, (int)w->pid, w->settings.startup_ms, w->last.rss_kb);
        else
                event_add(&ev, "MESSAGE=%s: %ld KiB resident %lld ms after start (peak %ld KiB)%s%s%s", service(w),
                          w->last.rss_kb, w->settings.startup_ms, w->peak_kb, known ? ", " : "",
                          known ? w->library : "", known ? " is mapped" : "");
        send_record(&ev);
}

static void log_sample(const struct watch *w)
{
        struct event ev;

        watch_record(w, &ev, MESSAGE_ID_SAMPLE, 7);
        event_add(&ev, "ALLOCSEL_RSS_KB=%ld", w->last.rss_kb);
        event_add(&ev, "ALLOCSEL_PEAK_RSS_KB=%ld", w->peak_kb);
        event_add(&ev, "MESSAGE=%s: %ld KiB resident (peak %ld KiB)", service(w), w->last.rss_kb, w->peak_kb);
        send_record(&ev);
}

/* Never an RSS of 0: a program gone before the first sample says so. */
static void log_exit(const struct watch *w, long long now)
{
        long long lifetime = now - w->start_ms, age = now - w->last_ms;
        struct event ev;

        watch_record(w, &ev, MESSAGE_ID_EXITED, 6);
        event_add(&ev, "ALLOCSEL_LIFETIME_MS=%lld", lifetime);
        if (w->samples > 0) {
                event_add(&ev, "ALLOCSEL_RSS_KB=%ld", w->last.rss_kb);
                event_add(&ev, "ALLOCSEL_PEAK_RSS_KB=%ld", w->peak_kb);
                event_add(&ev, "ALLOCSEL_SAMPLE_AGE_MS=%lld", age);
                event_add(&ev, "MESSAGE=%s: PID %d exited after %lld ms; last RSS %ld KiB (sampled %lld ms "
                          "before the exit), peak %ld KiB", service(w), (int)w->pid, lifetime,
                          w->last.rss_kb, age, w->peak_kb);
        } else {
                event_add(&ev, "MESSAGE=%s: PID %d exited after %lld ms, before its memory could be sampled",
                          service(w), (int)w->pid, lifetime);
        }
        send_record(&ev);
}

/* ---- sampling ---- */

static void sample(struct watch *w, long long now)
{
        struct proc_sample s;
        bool full = w->samples % FULL_SAMPLE_EVERY == 0 ||
                    watch_sample_gap(now - w->start_ms, w->settings.interval_ms) < w->settings.interval_ms;

        /* gone, or exiting (no memory left to count): keep the last sample */
        if (full) {
                if (proc_read_status(w->pid, &s) < 0 || s.rss_kb <= 0)
                        return;
        } else {
                s = w->last;
                if (w->statm_fd < 0)
                        w->statm_fd = proc_open_statm(w->pid);
                if (w->statm_fd < 0 || proc_read_rss(w->statm_fd, &s.rss_kb) < 0)
                        return;
        }
        w->last = s;
        w->last_ms = now;
        if (full && s.hwm_kb > w->peak_kb)
                w->peak_kb = s.hwm_kb;
        if (s.rss_kb > w->peak_kb)
                w->peak_kb = s.rss_kb;
        w->samples++;
}

void watch_sample_now(struct watch *w)
{
        struct proc_sample s;

        /* --status: a full sample, outside the schedule */
        if (proc_read_status(w->pid, &s) == 0 && s.rss_kb > 0) {
                w->last = s;
                w->last_ms = clock_ms(CLOCK_BOOTTIME);
                if (s.hwm_kb > w->peak_kb)
                        w->peak_kb = s.hwm_kb;
        }
}

/* Whether the library is mapped in the program, asked once at startup. */
static void check_loaded(struct watch *w)
{
        struct stat st;
        char *resolved;

        /* the path is the sender's word: looked at only if anyone may read it */
        if (!w->library || public_file(w->library, (off_t)1 << 40, &resolved, &st) < 0)
                return;
        w->loaded_known = proc_maps_has(w->pid, st.st_dev, st.st_ino, resolved, &w->loaded) == 0;
        free(resolved);
}

/* True once the program is gone: with a pidfd the exit source says so;
 * without, a changed start time means the PID now belongs to someone else. */
static bool gone(const struct watch *w)
{
        unsigned long long start;
        char state;

        if (proc_read_stat(w->pid, &start, &state) < 0)
                return true;
        return start != w->start_ticks || state == 'Z' || state == 'X';
}

/* ---- the event loop's side ---- */

static int arm(struct watch *w, long long now);

/* A forking daemon's first process exits and leaves the daemon in the
 * unit: the watch moves to it, so that the exit record describes the
 * daemon. Returns true when it did. */
bool watch_follow(struct watch *w)
{
        pid_t next;
        int pidfd;
        unsigned long long start;
        char state;

        if (!w->cgroup || !w->unit || w->follows >= FOLLOW_MAX ||
            unit_next_main_pid(w->cgroup, w->unit, w->pid, w->uid, &next) < 0)
                return false;
        if (proc_read_stat(next, &start, &state) < 0)
                return false;
        /* kernels without pidfd: /proc polling, as for the first process */
        pidfd = pidfd_open_portable(next);
        if (pidfd < 0)
                pidfd = -1;
        if (w->pidfd >= 0)
                close(w->pidfd);
        w->exit_source = sd_event_source_unref(w->exit_source);
        w->pidfd = pidfd;
        w->pid = next;
        w->start_ticks = start;
        w->follows++;
        if (w->statm_fd >= 0)
                close(w->statm_fd);
        w->statm_fd = -1;
        if (w->on_followed)
                w->on_followed(w);
        return true;
}

void watch_log_exit(const struct watch *w)
{
        log_exit(w, clock_ms(CLOCK_BOOTTIME));
}

static void end(struct watch *w)
{
        watch_log_exit(w);
        w->timer = sd_event_source_unref(w->timer);
        w->exit_source = sd_event_source_unref(w->exit_source);
        w->on_gone(w);
}

static int on_exit_source(sd_event_source *s, int fd, uint32_t revents, void *userdata);

static int exited(struct watch *w)
{
        sd_event *e = w->event;

        while (watch_follow(w)) {
                if (w->pidfd >= 0 &&
                    sd_event_add_io(e, &w->exit_source, w->pidfd, EPOLLIN, on_exit_source, w) < 0)
                        break;
                return arm(w, clock_ms(CLOCK_BOOTTIME));
        }
        end(w);
        return 0;
}

static int on_exit_source(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        (void)s;
        (void)fd;
        (void)revents;
        return exited(userdata);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct watch *w = userdata;
        long long now = clock_ms(CLOCK_BOOTTIME);

        (void)s;
        (void)usec;
        if (w->pidfd < 0 && gone(w))
                return exited(w);
        sample(w, now);
        /* never a record without a sample: an RSS of 0 would be a lie */
        if (w->settings.log_samples && now >= w->next_log_ms) {
                long long every = w->settings.interval_ms < SAMPLE_LOG_MIN_MS ? SAMPLE_LOG_MIN_MS
                                                                               : w->settings.interval_ms;

                if (w->samples > 0)
                        log_sample(w);
                w->next_log_ms = now + every - (now - w->next_log_ms) % every;
        }
        if (!w->startup_done && now >= w->startup_at_ms) {
                check_loaded(w);
                if (w->samples > 0)
                        log_startup(w);
                w->startup_done = true;
        }
        return arm(w, now);
}

static int arm(struct watch *w, long long now)
{
        long long next = now + watch_sample_gap(now - w->start_ms, w->settings.interval_ms);
        unsigned long long accuracy;

        if (w->settings.log_samples && w->next_log_ms < next)
                next = w->next_log_ms;
        if (!w->startup_done && w->startup_at_ms < next)
                next = w->startup_at_ms;
        if (w->pidfd < 0 && next > now + POLL_MS)
                next = now + POLL_MS;
        if (next < now)
                next = now;
        accuracy = (unsigned long long)(next - now) * 100;      /* a tenth of the gap, in us */
        accuracy = accuracy < ACCURACY_MIN_US ? ACCURACY_MIN_US : accuracy > ACCURACY_MAX_US ? ACCURACY_MAX_US : accuracy;
        if (sd_event_source_set_time(w->timer, (uint64_t)next * 1000) < 0 ||
            sd_event_source_set_time_accuracy(w->timer, accuracy) < 0)
                return -EIO;
        return sd_event_source_set_enabled(w->timer, SD_EVENT_ONESHOT);
}

int watch_start(struct watch *w, sd_event *e, void (*on_gone)(struct watch *w))
{
        long long now = clock_ms(CLOCK_BOOTTIME);
        int r;

        w->on_gone = on_gone;
        w->event = e;
        r = sd_event_add_time(e, &w->timer, CLOCK_BOOTTIME, (uint64_t)now * 1000, ACCURACY_MIN_US, on_timer, w);
        if (r >= 0 && w->pidfd >= 0)
                r = sd_event_add_io(e, &w->exit_source, w->pidfd, EPOLLIN, on_exit_source, w);
        if (r < 0)
                return r;
        sample(w, now);
        return arm(w, now);
}

int watch_new(struct watch **ret, pid_t pid, int pidfd, uid_t uid, const struct event *started,
              const struct watch_settings *s)
{
        long long hz = sysconf(_SC_CLK_TCK);
        struct watch *w = calloc(1, sizeof(*w));
        char state;

        if (!w) {
                if (pidfd >= 0)
                        close(pidfd);
                return -ENOMEM;
        }
        w->pid = w->first_pid = pid;
        w->pidfd = pidfd;
        w->statm_fd = -1;
        /* several watches may be of one process (one per connection) */
        w->key = (unsigned long long)clock_ms(CLOCK_MONOTONIC) * 1000000ULL + (unsigned long long)(uintptr_t)w % 999983;
        w->uid = uid;
        w->settings = *s;
        /* every record of the watch repeats these: each kept short */
        for (size_t i = 0; i < sizeof(identity) / sizeof(*identity); i++) {
                const char *v = event_get(started, identity[i]);

                if (v)
                        event_add(&w->ident, "%s=%.*s", identity[i], IDENTITY_VALUE_MAX, v);
        }
        if (s->library)
                w->library = strdup(s->library);
        w->settings.library = w->library;
        if (s->unit && s->cgroup) {
                w->unit = strdup(s->unit);
                w->cgroup = strdup(s->cgroup);
        } else {
                (void)unit_of_pid(pid, &w->unit, &w->cgroup);
        }
        w->settings.unit = w->unit;
        w->settings.cgroup = w->cgroup;
        if (w->ident.error || (s->library && !w->library)) {
                watch_free(w);
                return -ENOMEM;
        }
        *ret = w;
        w->start_ms = clock_ms(CLOCK_BOOTTIME);
        if (proc_read_stat(pid, &w->start_ticks, &state) < 0 || state == 'Z' || state == 'X')
                return -ESRCH;
        if (hz > 0)
                w->start_ms = (long long)(w->start_ticks * 1000 / (unsigned long long)hz);
        w->next_log_ms = w->start_ms + s->interval_ms;
        w->startup_at_ms = w->start_ms + s->startup_ms;
        return 0;
}

void watch_free(struct watch *w)
{
        if (!w)
                return;
        sd_event_source_unref(w->timer);
        sd_event_source_unref(w->exit_source);
        if (w->pidfd >= 0)
                close(w->pidfd);
        if (w->statm_fd >= 0)
                close(w->statm_fd);
        event_free(&w->ident);
        free(w->library);
        free(w->unit);
        free(w->cgroup);
        free(w);
}

/* ---- across a restart of the monitor ---- */

#define STORED_PID "ALLOCSEL_STORED_PID"
#define STORED_FIRST_PID "ALLOCSEL_STORED_FIRST_PID"
#define STORED_TICKS "ALLOCSEL_STORED_TICKS"
#define STORED_UID "ALLOCSEL_STORED_UID"
#define STORED_START_MS "ALLOCSEL_STORED_START_MS"
#define STORED_UNIT "ALLOCSEL_STORED_UNIT"
#define STORED_CGROUP "ALLOCSEL_STORED_CGROUP"
#define STORED_STARTUP_MS "ALLOCSEL_STORED_STARTUP_MS"
#define STORED_INTERVAL_MS "ALLOCSEL_STORED_INTERVAL_MS"
#define STORED_LOG_SAMPLES "ALLOCSEL_STORED_LOG_SAMPLES"
#define STORED_LIBRARY "ALLOCSEL_STORED_LIBRARY"
#define STORED_KEY "ALLOCSEL_STORED_KEY"

int watch_stored_fields(const struct watch *w, struct event *ret)
{
        memset(ret, 0, sizeof(*ret));
        for (size_t i = 0; i < w->ident.fields.n; i++)
                event_add(ret, "%s", w->ident.fields.v[i]);
        event_add(ret, STORED_PID "=%d", (int)w->pid);
        event_add(ret, STORED_FIRST_PID "=%d", (int)w->first_pid);
        event_add(ret, STORED_TICKS "=%llu", w->start_ticks);
        event_add(ret, STORED_UID "=%u", (unsigned)w->uid);
        event_add(ret, STORED_KEY "=%llu", w->key);
        event_add(ret, STORED_START_MS "=%lld", w->start_ms);
        event_add(ret, STORED_STARTUP_MS "=%lld", w->settings.startup_ms);
        event_add(ret, STORED_INTERVAL_MS "=%lld", w->settings.interval_ms);
        if (w->settings.log_samples)
                event_add(ret, STORED_LOG_SAMPLES "=1");
        if (w->library)
                event_add(ret, STORED_LIBRARY "=%s", w->library);
        if (w->unit && w->cgroup) {
                event_add(ret, STORED_UNIT "=%s", w->unit);
                event_add(ret, STORED_CGROUP "=%s", w->cgroup);
        }
        return ret->error;
}

static int stored_ll(const struct event *ev, const char *name, long long min, long long max, long long *ret)
{
        const char *v = event_get(ev, name);

        return v ? parse_ll(v, min, max, ret) : -EBADMSG;
}

int watch_restore(struct watch **ret, const struct event *stored, int pidfd)
{
        long long pid, first, ticks, uid, start_ms, startup, interval, key;
        struct watch_settings s = { 0 };
        unsigned long long now_ticks;
        const char *unit = event_get(stored, STORED_UNIT), *cgroup = event_get(stored, STORED_CGROUP);
        struct watch *w;
        char state;
        int r;

        if (stored_ll(stored, STORED_PID, 1, INT_MAX, &pid) < 0 ||
            stored_ll(stored, STORED_FIRST_PID, 1, INT_MAX, &first) < 0 ||
            stored_ll(stored, STORED_TICKS, 0, LLONG_MAX, &ticks) < 0 ||
            stored_ll(stored, STORED_UID, 0, UINT_MAX, &uid) < 0 ||
            stored_ll(stored, STORED_START_MS, 0, LLONG_MAX, &start_ms) < 0 ||
            stored_ll(stored, STORED_STARTUP_MS, 0, 3600000, &startup) < 0 ||
            stored_ll(stored, STORED_INTERVAL_MS, 10, 3600000, &interval) < 0) {
                if (pidfd >= 0)
                        close(pidfd);
                return -EBADMSG;
        }
        s.startup_ms = startup;
        s.interval_ms = interval;
        s.log_samples = event_get(stored, STORED_LOG_SAMPLES) != NULL;
        s.library = event_get(stored, STORED_LIBRARY);
        r = watch_new(&w, (pid_t)first, pidfd, (uid_t)uid, stored, &s);
        if (r < 0 && r != -ESRCH)
                return r;
        free(w->unit);
        free(w->cgroup);
        w->unit = unit ? strdup(unit) : NULL;
        w->cgroup = cgroup ? strdup(cgroup) : NULL;
        w->pid = (pid_t)pid;
        w->start_ticks = (unsigned long long)ticks;
        if (stored_ll(stored, STORED_KEY, 0, LLONG_MAX, &key) == 0)
                w->key = (unsigned long long)key;
        w->start_ms = start_ms;
        w->next_log_ms = clock_ms(CLOCK_BOOTTIME) + interval;
        w->startup_at_ms = start_ms + startup;
        /* its startup record went out before the restart, or is lost with it */
        w->startup_done = clock_ms(CLOCK_BOOTTIME) > w->startup_at_ms;
        *ret = w;
        if (proc_read_stat(w->pid, &now_ticks, &state) < 0 || now_ticks != w->start_ticks || state == 'Z')
                return -ESRCH;
        return 0;
}
