/* The release helper: its configuration (the thread starts only when
 * ALLOCSEL_RELEASE is well formed, names an allocator family and this very
 * process) and its trigger (when a trim is due), tick by tick. */
#include "testutil.h"

/* The helper is one file with no header: test it from the source. */
#include "release.c"

#define SECOND (1000 * NS_PER_MS)

static void test_names_this_process(void **state)
{
        struct release_config c = { 0 };

        (void)state;
        assert_int_equal(release_parse("family=tcmalloc,interval_ms=250,min_free_kb=1024,pid=42", 42, &c), 0);
        assert_int_equal(c.family, RELEASE_TCMALLOC);
        assert_int_equal(c.interval_ms, 250);
        assert_true(c.min_free_bytes == 1024ULL * 1024);
        assert_int_equal(release_parse("family=glibc,interval_ms=1000,min_free_kb=0,pid=42", 42, &c), 0);
        assert_int_equal(c.family, RELEASE_GLIBC);
}

static void test_other_process_gets_nothing(void **state)
{
        struct release_config c = { 0 };

        (void)state;
        /* a child the program ran (fork and exec) has another PID */
        assert_int_equal(release_parse("family=glibc,interval_ms=250,min_free_kb=1024,pid=42", 43, &c), -1);
        assert_int_equal(release_parse("family=glibc,interval_ms=250,min_free_kb=1024", 42, &c), -1);
        assert_int_equal(release_parse(NULL, 42, &c), -1);
}

/* The family comes from allocsel, never from a guess. */
static void test_family_required(void **state)
{
        struct release_config c = { 0 };

        (void)state;
        assert_int_equal(release_parse("interval_ms=250,min_free_kb=1024,pid=42", 42, &c), -1);
        assert_int_equal(release_parse("family=jemalloc,interval_ms=250,min_free_kb=1,pid=42", 42, &c), -1);
        assert_int_equal(release_parse("family=glibcx,interval_ms=250,min_free_kb=1,pid=42", 42, &c), -1);
        assert_int_equal(release_parse("family=,interval_ms=250,min_free_kb=1,pid=42", 42, &c), -1);
        assert_int_equal(release_parse("family=tcmalloc,family=bogus,interval_ms=250,min_free_kb=1,pid=42", 42, &c), -1);
}

static void test_malformed(void **state)
{
        struct release_config c = { 0 };

        (void)state;
        assert_int_equal(release_parse("family=glibc,interval_ms=2x,min_free_kb=1,pid=42", 42, &c), -1);
        assert_int_equal(release_parse("family=glibc,interval_ms=5,min_free_kb=1,pid=42", 42, &c), -1);
        assert_int_equal(release_parse("family=glibc,interval_ms=99999999,min_free_kb=1,pid=42", 42, &c), -1);
        assert_int_equal(release_parse("family=glibc,interval_ms=250,min_free_kb=-1,pid=42", 42, &c), -1);
        assert_int_equal(release_parse("family=glibc,interval_ms=250,min_free_kb=1,bogus=1,pid=42", 42, &c), -1);
        assert_int_equal(release_parse("family=glibc,interval_ms=250,min_free_kb=1,pid=42,", 42, &c), 0);
        /* every field is required: the defaults are allocsel's, written out */
        assert_int_equal(release_parse("family=glibc,pid=42", 42, &c), -1);
        assert_int_equal(release_parse("family=glibc,interval_ms=250,pid=42", 42, &c), -1);
        assert_int_equal(release_parse("family=glibc,min_free_kb=1,pid=42", 42, &c), -1);
}

/* tick: advances the program's CPU clock by used_ms over one interval */
static bool tick(struct trim_state *st, long long *cpu, long long used_ms)
{
        *cpu += used_ms * NS_PER_MS;
        return trim_due(st, *cpu, SECOND);
}

static void test_nothing_without_work(void **state)
{
        struct trim_state st = { 0 };
        long long cpu = 0;

        (void)state;
        for (int i = 0; i < 100; i++)
                assert_false(tick(&st, &cpu, 0));
        assert_false(tick(&st, &cpu, 0)); /* still nothing to give back */
}

static void test_trims_when_work_turns_idle(void **state)
{
        struct trim_state st = { 0 };
        long long cpu = 0;

        (void)state;
        /* busy: never trimmed while it works, however long */
        for (int i = 0; i < 50; i++)
                assert_false(tick(&st, &cpu, 600));
        assert_true(tick(&st, &cpu, 20)); /* turned idle */
        trim_done(&st, 2 * NS_PER_MS, true);
        assert_false(tick(&st, &cpu, 0)); /* once */
        assert_false(tick(&st, &cpu, 0));
}

/* The case: a trim during the idle hold finds nothing; the release
 * after it must still be trimmed, though RSS never grew again. */
static void test_release_after_idle_hold(void **state)
{
        struct trim_state st = { 0 };
        long long cpu = 0;

        (void)state;
        assert_false(tick(&st, &cpu, 900)); /* allocating */
        assert_true(tick(&st, &cpu, 0));    /* holding */
        trim_done(&st, NS_PER_MS / 10, false);
        for (int i = 0; i < 10; i++)
                assert_false(tick(&st, &cpu, 0));
        assert_false(tick(&st, &cpu, 300)); /* releasing */
        assert_true(tick(&st, &cpu, 0));
}

/* Freeing costs little CPU (a C program frees 100 MB in a few ms): the
 * doubling wait lets it through where the work does not pay. */
static void test_small_release_after_fruitless_trim(void **state)
{
        struct trim_state st = { 0 };
        long long cpu = 0;

        (void)state;
        assert_true(tick(&st, &cpu, 50));
        trim_done(&st, NS_PER_MS, false); /* owes 100 ms of work, or 2 intervals */
        assert_false(tick(&st, &cpu, 3));
        assert_true(tick(&st, &cpu, 0));
}

/* An idle service whose timers run a little each second: fruitless trims
 * space out, 2, 4, 8, 16, 32 intervals, and stay at 32. */
static void test_idle_timers_back_off(void **state)
{
        struct trim_state st = { 0 };
        long long cpu = 0;
        int trims = 0, last = 0, gaps[8] = { 0 };

        (void)state;
        for (int second = 1; second <= 200; second++) {
                if (!tick(&st, &cpu, 2))
                        continue;
                if (trims < 8)
                        gaps[trims] = second - last;
                trims++;
                last = second;
                trim_done(&st, NS_PER_MS, false);
        }
        assert_int_equal(gaps[1], 2);
        assert_int_equal(gaps[2], 4);
        assert_int_equal(gaps[3], 8);
        assert_int_equal(gaps[4], 16);
        assert_int_equal(gaps[5], 32);
        assert_int_equal(gaps[6], 32);
        assert_true(trims <= 10);
}

/* Bursts of work whose trims give back little: at most one trim per 100x
 * its cost of the program's CPU. */
static void test_bursts_pay_for_trims(void **state)
{
        struct trim_state st = { 0 };
        long long cpu = 0, spent = 0;

        (void)state;
        st.wait_needed = MAX_WAIT_INTERVALS; /* as after a long idle */
        for (int burst = 0; burst < 100; burst++) {
                bool trimmed = false;

                assert_false(tick(&st, &cpu, 150));
                trimmed = tick(&st, &cpu, 0);
                if (trimmed) {
                        spent += 2 * NS_PER_MS;
                        trim_done(&st, 2 * NS_PER_MS, false);
                }
        }
        /* 100 bursts of 150 ms: 15 s of work, 2 ms trims: at most 1 % */
        assert_true(spent * 100 <= cpu + 2 * NS_PER_MS * 100);
        assert_true(spent > 0);
}

static void test_useful_trim_resets_backoff(void **state)
{
        struct trim_state st = { 0 };
        long long cpu = 0;

        (void)state;
        for (int i = 0; i < 5; i++) {
                while (!tick(&st, &cpu, 2))
                        ;
                trim_done(&st, 10 * NS_PER_MS, false);
        }
        assert_int_equal(st.wait_needed, 32);
        while (!tick(&st, &cpu, 2))
                ;
        trim_done(&st, 10 * NS_PER_MS, true);
        assert_false(tick(&st, &cpu, 0));
        assert_true(tick(&st, &cpu, 2)); /* any work, then idle */
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names_this_process),
                cmocka_unit_test(test_other_process_gets_nothing),
                cmocka_unit_test(test_family_required),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_nothing_without_work),
                cmocka_unit_test(test_trims_when_work_turns_idle),
                cmocka_unit_test(test_release_after_idle_hold),
                cmocka_unit_test(test_small_release_after_fruitless_trim),
                cmocka_unit_test(test_idle_timers_back_off),
                cmocka_unit_test(test_bursts_pay_for_trims),
                cmocka_unit_test(test_useful_trim_resets_backoff),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
