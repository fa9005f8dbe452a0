/* allocsel-monitor: the detached helper. It reads the record allocsel
 * handed it in a memfd, sends it to the journal (or, when the journal does
 * not take it, prints it on stderr: a record never vanishes) and, with
 * --watch, stays as the monitor of the program (monitor.c).
 *
 * It is a separate small program so that allocsel's exec path never loads
 * libsystemd, and so that its memory is its own, not a copy of allocsel's.
 *
 * usage: allocsel-monitor --record FD [--announce] [--watch PID --startup-ms N
 *        --interval-ms N [--pidfd FD] [--start-ticks N] [--log-samples]
 *        [--library PATH]]
 * --announce: send the record (without it allocsel has printed it, and it
 * only names the program in the monitor's own records). The helper adds
 * the library's version to a started record that lacks it: reading the
 * library on allocsel's exec path would delay every start. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "events.h"
#include "alloc_family.h"
#include "library_probe.h"
#include "monitor.h"
#include "monitor_args.h"
#include "numparse.h"

/* journald drops an entry of more than 1024 fields (ENTRY_FIELD_COUNT_MAX,
 * its own trusted fields among them in some versions): such a record goes
 * to stderr instead */
#define JOURNAL_FIELDS_MAX 900

struct options {
        int record_fd;
        bool announce;
        struct monitor m;
};

/* true when journald took it (sd_journal_sendv() reports success when
 * there is no socket at all: journal_available() asks first) */
static bool to_journal(const struct event *ev)
{
        size_t n = ev->fields.n;
        struct iovec *iov;
        int r;

        if (n == 0 || n > JOURNAL_FIELDS_MAX || !journal_available())
                return false;
        iov = calloc(n, sizeof(*iov));
        if (!iov)
                return false;
        for (size_t i = 0; i < n; i++)
                iov[i] = (struct iovec){ ev->fields.v[i], strlen(ev->fields.v[i]) };
        r = sd_journal_sendv(iov, (int)n);
        free(iov);
        return r >= 0;
}

static void send_event(const struct event *ev)
{
        if (!to_journal(ev))
                event_print(ev, STDERR_FILENO);
}

/* Kernels before 5.9 have no close_range for allocsel's side to use: what
 * is left of the program's descriptors is closed here. */
static void close_others(int keep1, int keep2)
{
        DIR *d = opendir("/proc/self/fd");
        const struct dirent *e;
        long long fd;

        if (!d)
                return;
        while ((e = readdir(d)))
                if (parse_ll(e->d_name, 3, INT_MAX, &fd) == 0 && fd != keep1 && fd != keep2 && fd != dirfd(d))
                        close((int)fd);
        closedir(d);
}

static int parse_fd(const char *s, int *ret)
{
        long long v;

        if (parse_ll(s, 0, INT_MAX, &v) < 0)
                return -EINVAL;
        *ret = (int)v;
        return 0;
}

static int parse_option(int opt, struct options *o)
{
        struct monitor *m = &o->m;
        long long v;

        switch (opt) {
        case 'r': return parse_fd(optarg, &o->record_fd);
        case 'a': o->announce = true; return 0;
        case 'p': return parse_fd(optarg, &m->pidfd);
        case 'w':
                if (parse_ll(optarg, 1, INT_MAX, &v) < 0)
                        return -EINVAL;
                m->pid = (pid_t)v;
                return 0;
        case 't':
                if (parse_ll(optarg, 0, LLONG_MAX, &v) < 0)
                        return -EINVAL;
                m->start_ticks = (unsigned long long)v;
                return 0;
        case 's': return parse_ll(optarg, 0, 3600000, &m->startup_ms);
        case 'i': return parse_ll(optarg, 10, 3600000, &m->interval_ms);
        case 'l': m->log_samples = true; return 0;
        case 'L': m->library = optarg; return 0;
        default: return -EINVAL;
        }
}

static int parse_args(int argc, char **argv, struct options *o)
{
        static const struct option options[] = {
                { MONITOR_OPT_RECORD, required_argument, NULL, 'r' },
                { MONITOR_OPT_ANNOUNCE, no_argument, NULL, 'a' },
                { MONITOR_OPT_WATCH, required_argument, NULL, 'w' },
                { MONITOR_OPT_PIDFD, required_argument, NULL, 'p' },
                { MONITOR_OPT_START_TICKS, required_argument, NULL, 't' },
                { MONITOR_OPT_STARTUP_MS, required_argument, NULL, 's' },
                { MONITOR_OPT_INTERVAL_MS, required_argument, NULL, 'i' },
                { MONITOR_OPT_LOG_SAMPLES, no_argument, NULL, 'l' },
                { MONITOR_OPT_LIBRARY, required_argument, NULL, 'L' },
                { NULL, 0, NULL, 0 },
        };
        int opt;

        while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1)
                if (parse_option(opt, o) < 0)
                        return -EINVAL;
        /* the settings' defaults are allocsel's (its key table): none here */
        if (o->m.pid > 0 && (o->m.startup_ms < 0 || o->m.interval_ms < 0))
                return -EINVAL;
        return optind == argc && o->record_fd >= 0 ? 0 : -EINVAL;
}

static void add_library_version(struct event *record)
{
        const char *lib = event_get(record, "ALLOCSEL_LIBRARY");
        enum alloc_family family;
        struct library_traits t;
        struct stat st;
        int fd;

        /* glibc's version is in the record already: no library to read */
        if (family_from_name(event_get(record, "ALLOCSEL_ALLOCATOR_FAMILY"), &family) < 0 ||
            family == FAMILY_GLIBC || !lib || lib[0] != '/' || event_get(record, "ALLOCSEL_LIBRARY_VERSION"))
                return;
        /* O_NONBLOCK: a FIFO put in the library's place must not hold the helper */
        fd = open(lib, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
                library_probe_fd(fd, NULL, family, PROBE_VERSION, &t);
                if (t.version[0])
                        event_add(record, "ALLOCSEL_LIBRARY_VERSION=%s", t.version);
        }
        close(fd);
}

/* The record allocsel handed over, sent when asked. Once the journal has
 * taken it, stderr (perhaps the program's socket) is given up. */
static void announce(struct event *record, bool watching)
{
        int null_fd;

        if (watching)
                event_add(record, "ALLOCSEL_MONITOR_PID=%d", (int)getpid());
        if (!to_journal(record)) {
                event_print(record, STDERR_FILENO);
                return;
        }
        null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null_fd >= 0) {
                dup2(null_fd, STDERR_FILENO);
                close(null_fd);
        }
}

int main(int argc, char **argv)
{
        struct options o = { .record_fd = -1, .m = { .pidfd = -1, .startup_ms = -1, .interval_ms = -1 } };
        struct event record;
        char state;
        int r;

        if (parse_args(argc, argv, &o) < 0) {
                fprintf(stderr, "allocsel-monitor: usage: allocsel-monitor --record FD [--announce] [--watch PID ...]\n");
                return 2;
        }
        close_others(o.record_fd, o.m.pidfd);
        /* A service stop signals the whole cgroup: stay until the program is
         * gone, so that its exit is logged, then leave at once. */
        signal(SIGTERM, SIG_IGN);
        signal(SIGINT, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        signal(SIGPIPE, SIG_IGN);

        r = event_read(o.record_fd, &record);
        close(o.record_fd);
        if (r < 0) {
                fprintf(stderr, "allocsel-monitor: cannot read the record: %s\n", strerror(-r));
                return 1;
        }
        if (o.announce) {
                add_library_version(&record);
                announce(&record, o.m.pid > 0);
        }
        /* allocsel passes the start time it read of itself; without it, read it now */
        if (o.m.pid > 0 && (o.m.start_ticks || proc_read_stat(o.m.pid, &o.m.start_ticks, &state) == 0)) {
                o.m.started = &record;
                o.m.send = send_event;
                monitor_watch(&o.m);
        }
        event_free(&record);
        return 0;
}
