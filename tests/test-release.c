/* The release helper's configuration: the thread starts only when
 * ALLOCSEL_RELEASE is well formed and names this very process. */
#include "testutil.h"

/* The helper is one file with no header: test its parser from the source. */
#include "../selector/release.c"

static void test_names_this_process(void **state)
{
        struct release_config c = { 0 };

        (void)state;
        assert_int_equal(release_parse("interval_ms=250,min_free_kb=1024,pid=42", 42, &c), 0);
        assert_int_equal(c.interval_ms, 250);
        assert_true(c.min_free_bytes == 1024ULL * 1024);
}

static void test_other_process_gets_nothing(void **state)
{
        struct release_config c = { 0 };

        (void)state;
        /* a child the program ran (fork and exec) has another PID */
        assert_int_equal(release_parse("interval_ms=250,min_free_kb=1024,pid=42", 43, &c), -1);
        assert_int_equal(release_parse("interval_ms=250,min_free_kb=1024", 42, &c), -1);
        assert_int_equal(release_parse(NULL, 42, &c), -1);
}

static void test_malformed(void **state)
{
        struct release_config c = { 0 };

        (void)state;
        assert_int_equal(release_parse("interval_ms=2x,pid=42", 42, &c), -1);
        assert_int_equal(release_parse("interval_ms=5,pid=42", 42, &c), -1);
        assert_int_equal(release_parse("interval_ms=99999999,pid=42", 42, &c), -1);
        assert_int_equal(release_parse("bogus=1,pid=42", 42, &c), -1);
        assert_int_equal(release_parse("pid=42", 42, &c), 0); /* defaults */
        assert_int_equal(c.interval_ms, 1000);
        assert_true(c.min_free_bytes == 65536ULL * 1024);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names_this_process),
                cmocka_unit_test(test_other_process_gets_nothing),
                cmocka_unit_test(test_malformed),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
