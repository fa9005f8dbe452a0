/* The monitor's watch over real child processes: its records, the sample
 * schedule, and never an RSS of 0. */
#define _GNU_SOURCE 1
#include "testutil.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "messages.h"
#include "outbox.h"
#include "pidfd.h"
#include "watch.h"

static struct event sent[16];
static size_t n_sent;

static void capture(const struct event *ev)
{
        assert_true(n_sent < sizeof(sent) / sizeof(*sent));
        memset(&sent[n_sent], 0, sizeof(*sent));
        for (size_t i = 0; i < ev->fields.n; i++)
                event_add(&sent[n_sent], "%s", ev->fields.v[i]);
        n_sent++;
}

static void forget_sent(void)
{
        for (size_t i = 0; i < n_sent; i++)
                event_free(&sent[i]);
        n_sent = 0;
}

static const struct event *sent_with_id(const char *id)
{
        for (size_t i = 0; i < n_sent; i++)
                if (strcmp(event_get(&sent[i], "MESSAGE_ID"), id) == 0)
                        return &sent[i];
        return NULL;
}

static long field_long(const struct event *ev, const char *name)
{
        const char *v = event_get(ev, name);

        assert_non_null(v);
        return strtol(v, NULL, 10);
}

static void gone(struct watch *w)
{
        sd_event_exit(w->event, 0);
}

/* Watches pid on an event loop of its own until it has exited. */
static void watch(pid_t pid, long long startup_ms, bool with_pidfd)
{
        struct event started = { 0 };
        struct watch_settings s = { .startup_ms = startup_ms, .interval_ms = 1000 };
        struct watch *w = NULL;
        sd_event *e = NULL;
        int r;

        outbox_set_sink(capture);
        event_add(&started, "ALLOCSEL_SERVICE=svc");
        event_add(&started, "ALLOCSEL_PID=%d", (int)pid);
        r = watch_new(&w, pid, with_pidfd ? pidfd_open_portable(pid) : -1, 0, &started, &s);
        assert_non_null(w);
        if (r == -ESRCH) {
                watch_log_exit(w);
        } else {
                assert_int_equal(r, 0);
                assert_int_equal(sd_event_new(&e), 0);
                assert_int_equal(watch_start(w, e, gone), 0);
                assert_true(sd_event_loop(e) >= 0);
        }
        watch_free(w);
        sd_event_unref(e);
        event_free(&started);
}

static void test_sample_gap(void **state)
{
        (void)state;
        assert_int_equal(watch_sample_gap(0, 1000), 10);
        assert_int_equal(watch_sample_gap(150, 1000), 10);
        assert_int_equal(watch_sample_gap(1000, 1000), 50);
        assert_int_equal(watch_sample_gap(2000, 1000), 100);
        assert_int_equal(watch_sample_gap(60000, 1000), 1000);
        assert_int_equal(watch_sample_gap(60000, 200), 200);
        assert_int_equal(watch_sample_gap(0, 5), 5);
}

/* Gone before the first sample: the exit is logged, with no RSS at all. */
static void test_no_sample_no_rss(void **state)
{
        pid_t pid = fork();
        const struct event *ev;

        (void)state;
        if (pid == 0)
                _exit(0);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
        watch(pid, 5000, false);
        assert_int_equal(n_sent, 1);
        ev = sent_with_id(MESSAGE_ID_EXITED);
        assert_non_null(ev);
        assert_null(event_get(ev, "ALLOCSEL_RSS_KB"));
        assert_null(event_get(ev, "ALLOCSEL_PEAK_RSS_KB"));
        assert_non_null(strstr(event_get(ev, "MESSAGE"), "before its memory could be sampled"));
        forget_sent();
}

/* A short program that peaks late: its peak is in the exit record, and
 * the last sample is recent. */
static void test_short_program_peak(void **state)
{
        struct timespec before = { 0, 300 * 1000000L }, after = { 0, 100 * 1000000L };
        const struct event *ev;
        pid_t pid = fork();

        (void)state;
        if (pid == 0) {
                char *p;

                nanosleep(&before, NULL);
                p = mmap(NULL, 64 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (p != MAP_FAILED) {
                        memset(p, 1, 64 << 20);
                        munmap(p, 64 << 20); /* RSS falls, VmHWM stays */
                }
                nanosleep(&after, NULL);
                _exit(0);
        }
        watch(pid, 150, true);
        ev = sent_with_id(MESSAGE_ID_STARTUP_RSS);
        assert_non_null(ev);
        assert_true(field_long(ev, "ALLOCSEL_RSS_KB") > 0);
        ev = sent_with_id(MESSAGE_ID_EXITED);
        assert_non_null(ev);
        assert_true(field_long(ev, "ALLOCSEL_RSS_KB") > 0);
        assert_true(field_long(ev, "ALLOCSEL_RSS_KB") < 32 * 1024);
        assert_true(field_long(ev, "ALLOCSEL_PEAK_RSS_KB") >= 64 * 1024);
        assert_true(field_long(ev, "ALLOCSEL_SAMPLE_AGE_MS") >= 0);
        /* gaps of 20 ms at that age; generous for a loaded machine */
        assert_true(field_long(ev, "ALLOCSEL_SAMPLE_AGE_MS") < 250);
        assert_true(field_long(ev, "ALLOCSEL_LIFETIME_MS") >= 400);
        assert_string_equal(event_get(ev, "ALLOCSEL_SERVICE"), "svc");
        assert_int_equal(waitpid(pid, NULL, 0), pid);
        forget_sent();
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sample_gap),
                cmocka_unit_test(test_no_sample_no_rss),
                cmocka_unit_test(test_short_program_peak),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
