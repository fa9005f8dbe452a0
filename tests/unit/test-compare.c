/* --compare's figures: end RSS is the last sample before the last 5 % of
 * the run (the program's idle phase, not its exit), and the last sample is
 * kept beside it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "compare_output.h"

static void run_of(struct compare_run *r, long long *t, long long *rss, size_t n, long long wall_ms)
{
        *r = (struct compare_run){ .t_ms = t, .rss_kb = rss, .n = n, .cap = n, .wall_ms = wall_ms };
        compare_choose_end(r);
}

/* A JVM-like run: 1,000 MiB held idle, 300 MiB in the samples of its exit. */
static void end_is_before_the_exit(void **state)
{
        long long t[] = { 0, 1000, 2000, 9000, 9600, 9800, 9950 };
        long long rss[] = { 10, 500000, 1024000, 1024000, 1024000, 300000, 300000 };
        struct compare_run r;

        (void)state;
        run_of(&r, t, rss, 7, 10000);
        assert_int_equal(r.end_kb, 1024000);
        assert_int_equal(r.end_t_ms, 9000);
        assert_int_equal(r.last_kb, 300000);
}

/* A sample exactly at 95 % of the lifetime still counts; a run too short
 * to have a sample before its last 5 % takes its first sample. */
static void the_boundary_and_short_runs(void **state)
{
        static const struct {
                long long t[4], rss[4];
                size_t n;
                long long end, end_t, last;
        } cases[] = {
                { { 0, 500, 950, 990 }, { 1, 2, 3, 4 }, 4, 3, 950, 4 },
                { { 980, 995 }, { 7, 8 }, 2, 7, 980, 8 },
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
                long long t[4], rss[4];
                struct compare_run r;

                memcpy(t, cases[i].t, sizeof(t));
                memcpy(rss, cases[i].rss, sizeof(rss));
                run_of(&r, t, rss, cases[i].n, 1000);
                assert_int_equal(r.end_kb, cases[i].end);
                assert_int_equal(r.end_t_ms, cases[i].end_t);
                assert_int_equal(r.last_kb, cases[i].last);
        }
}

/* No sample at all: nothing is made up. */
static void no_samples_no_figures(void **state)
{
        struct compare_run r;

        (void)state;
        run_of(&r, NULL, NULL, 0, 1000);
        assert_int_equal(r.end_kb, 0);
        assert_int_equal(r.last_kb, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(end_is_before_the_exit),
                cmocka_unit_test(the_boundary_and_short_runs),
                cmocka_unit_test(no_samples_no_figures),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
