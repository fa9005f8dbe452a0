/* The allocsel side of the monitor: a pidfd on our own PID, opened before
 * exec so that the monitor can never mistake a reused PID for the program,
 * and the settings from the policy's monitor section. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "helper.h"
#include "monitor.h"
#include "pidfd.h"
#include "procstat.h"

static int monitor_args(const struct plan *pl, int pidfd, bool journal, struct strv *args)
{
        unsigned long long start = 0;
        char state;
        int r;

        r = strv_pushf(args, "--watch=%d", (int)getpid());
        if (r == 0 && pidfd >= 0)
                r = strv_push(args, "--pidfd=3");
        /* the program keeps our start time: the monitor's guard against PID reuse */
        if (r == 0 && proc_read_stat(getpid(), &start, &state) == 0)
                r = strv_pushf(args, "--start-ticks=%llu", start);
        if (r == 0)
                r = strv_pushf(args, "--startup-ms=%lld", plan_setting_int(pl, K_MON_STARTUP_SAMPLE_MS, 5000));
        if (r == 0)
                r = strv_pushf(args, "--interval-ms=%lld", plan_setting_int(pl, K_MON_SAMPLE_INTERVAL_MS, 1000));
        if (r == 0 && plan_setting_int(pl, K_MON_LOG_SAMPLES, 0))
                r = strv_push(args, "--log-samples");
        if (r == 0 && pl->library)
                r = strv_pushf(args, "--library=%s", pl->library);
        if (r == 0 && !journal)
                r = strv_push(args, "--stderr");
        return r;
}

int monitor_launch(const struct plan *pl, const struct event *started, bool watch, bool journal,
                   bool at_exec)
{
        struct strv args = { 0 };
        char *helper = NULL;
        int pidfd = -1, r;

        r = helper_path(&helper);
        if (r == 0 && watch) {
                /* kernels before 5.3 have no pidfd: the monitor polls /proc instead */
                pidfd = pidfd_open_portable(getpid());
                r = monitor_args(pl, pidfd, journal, &args);
        }
        if (r == 0)
                r = (at_exec ? helper_start_at_exec : helper_spawn)(helper, &args, started, pidfd, !journal);
        if (pidfd >= 0)
                close(pidfd);
        strv_free(&args);
        free(helper);
        return r;
}
