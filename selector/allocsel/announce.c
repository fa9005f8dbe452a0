/* The allocsel side of the helper: the record in a memfd (any size: it
 * never goes through argv), a pidfd on our own PID (opened before the
 * exec, so that the monitor can never mistake a reused PID for the
 * program), the monitor's settings, and what to do when no helper can
 * take it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "announce.h"
#include "messages.h"
#include "monitor_args.h"
#include "pidfd.h"
#include "procstat.h"

static int record_fd_new(const struct event *record)
{
        int fd = memfd_create("allocsel-record", MFD_CLOEXEC);
        int r;

        if (fd < 0)
                return -errno;
        r = event_write(record, fd);
        if (r < 0) {
                close(fd);
                return r;
        }
        return fd;
}

static int watch_args(struct strv *argv, const struct monitor_settings *watch, const char *library, bool pidfd)
{
        unsigned long long start = 0;
        char state;
        int r = strv_pushf(argv, "--" MONITOR_OPT_WATCH "=%d", (int)getpid());

        /* the program keeps our start time: the monitor's guard against PID reuse */
        if (r == 0 && proc_read_stat(getpid(), &start, &state) == 0)
                r = strv_pushf(argv, "--" MONITOR_OPT_START_TICKS "=%llu", start);
        if (r == 0 && pidfd)
                r = strv_pushf(argv, "--" MONITOR_OPT_PIDFD "=%d", MONITOR_PIDFD);
        if (r == 0)
                r = strv_pushf(argv, "--" MONITOR_OPT_STARTUP_MS "=%lld", watch->startup_sample_ms);
        if (r == 0)
                r = strv_pushf(argv, "--" MONITOR_OPT_INTERVAL_MS "=%lld", watch->sample_interval_ms);
        if (r == 0 && watch->log_samples)
                r = strv_push(argv, "--" MONITOR_OPT_LOG_SAMPLES);
        if (r == 0 && library)
                r = strv_pushf(argv, "--" MONITOR_OPT_LIBRARY "=%s", library);
        return r;
}

static int helper_argv(struct strv *argv, const struct monitor_settings *watch, const char *library, bool pidfd,
                       bool to_journal)
{
        char *path = NULL;
        int r = helper_path(&path);

        if (r == 0)
                r = strv_push_owned(argv, path);
        /* first, so that "allocsel-monitor --watch=PID" finds it in ps */
        if (r == 0 && watch)
                r = watch_args(argv, watch, library, pidfd);
        if (r == 0)
                r = strv_pushf(argv, "--" MONITOR_OPT_RECORD "=%d", MONITOR_RECORD_FD);
        if (r == 0 && to_journal)
                r = strv_push(argv, "--" MONITOR_OPT_ANNOUNCE);
        return r;
}

static enum helper_when when_to_start(bool exec_follows)
{
        return getpid() == 1 ? HELPER_AND_WAIT : exec_follows ? HELPER_AT_EXEC : HELPER_NOW;
}

static int start_helper(struct announcement *a, const struct monitor_settings *watch, const char *library,
                        bool exec_follows)
{
        struct strv argv = { 0 };
        int fds[2] = { -1, -1 }, r;

        a->record_fd = record_fd_new(a->record);
        if (a->record_fd < 0)
                return a->record_fd;
        fds[0] = a->record_fd;
        /* kernels before 5.3 have no pidfd: the monitor polls /proc instead */
        if (watch)
                fds[1] = pidfd_open_portable(getpid());
        r = helper_argv(&argv, watch, library, fds[1] >= 0, a->to_journal);
        if (r == 0)
                r = helper_start(&a->helper, &argv, fds, fds[1] >= 0 ? 2 : 1, when_to_start(exec_follows));
        if (fds[1] >= 0)
                close(fds[1]);
        strv_free(&argv);
        /* the record stays at hand only for a withdrawal that logs it anyway */
        if (a->helper.go_fd < 0 || !a->stands || !a->to_journal) {
                close(a->record_fd);
                a->record_fd = -1;
        }
        return r;
}

void announce(struct announcement *a, const struct event *record, const struct monitor_settings *watch,
              const char *library, bool exec_follows)
{
        const char *id = event_get(record, "MESSAGE_ID"), *prio = event_get(record, "PRIORITY");
        bool warning = prio && prio[0] <= '4';

        *a = (struct announcement){ .record = record, .record_fd = -1, .helper.go_fd = -1 };
        a->stands = !id || strcmp(id, MESSAGE_ID_STARTED) != 0;
        a->to_journal = journal_available();
        if (getpid() == 1)
                watch = NULL; /* the monitor would be the program's child (README) */
        /* an operator trying a policy on a terminal sees its warnings */
        if (!a->to_journal || (warning && isatty(STDERR_FILENO)))
                event_print(record, STDERR_FILENO);
        if (!a->to_journal && !watch)
                return;
        if (start_helper(a, watch, library, exec_follows) == 0)
                return;
        if (a->to_journal)
                event_print(record, STDERR_FILENO); /* never lose it */
        if (watch)
                fprintf(stderr, "allocsel: warning: %s: the monitor could not be started; no RSS will be logged\n",
                        event_get(record, "ALLOCSEL_SERVICE"));
}

void announce_withdraw(struct announcement *a)
{
        struct strv argv = { 0 };
        struct helper now;
        bool relog = a->helper.go_fd >= 0 && a->record_fd >= 0;

        helper_cancel(&a->helper);
        /* a fallback the waiting helper would have sent: sent now instead */
        if (relog && (helper_argv(&argv, NULL, NULL, false, true) < 0 ||
                      helper_start(&now, &argv, &a->record_fd, 1, when_to_start(false)) < 0))
                event_print(a->record, STDERR_FILENO);
        strv_free(&argv);
        if (a->record_fd >= 0)
                close(a->record_fd);
        a->record_fd = -1;
}
