/* Range-checked number parsing. */
#include <errno.h>

#include "testutil.h"
#include "numparse.h"

static void test_ll_in_range(void **state)
{
        long long v;

        (void)state;
        assert_int_equal(parse_ll("42", 0, 100, &v), 0);
        assert_int_equal(v, 42);
        assert_int_equal(parse_ll("-1", -1, 1, &v), 0);
        assert_int_equal(v, -1);
}

static void test_ll_rejects(void **state)
{
        long long v = 7;

        (void)state;
        assert_int_equal(parse_ll("101", 0, 100, &v), -ERANGE);
        assert_int_equal(parse_ll("99999999999999999999", 0, 100, &v), -ERANGE);
        assert_int_equal(parse_ll("12x", 0, 100, &v), -EINVAL);
        assert_int_equal(parse_ll("", 0, 100, &v), -EINVAL);
        assert_int_equal(parse_ll(" 1", 0, 100, &v), -EINVAL);
        assert_int_equal(v, 7);
}

static void test_size_suffixes(void **state)
{
        long long v;

        (void)state;
        assert_int_equal(parse_size("64M", 0, 1LL << 40, &v), 0);
        assert_int_equal(v, 64LL << 20);
        assert_int_equal(parse_size("128k", 0, 1LL << 40, &v), 0);
        assert_int_equal(v, 128LL << 10);
        assert_int_equal(parse_size("2G", 0, 1LL << 40, &v), 0);
        assert_int_equal(v, 2LL << 30);
        assert_int_equal(parse_size("4096", 0, 1LL << 40, &v), 0);
        assert_int_equal(v, 4096);
}

static void test_size_rejects(void **state)
{
        long long v;

        (void)state;
        assert_int_equal(parse_size("64MB", 0, 1LL << 40, &v), -EINVAL);
        assert_int_equal(parse_size("-1", 0, 1LL << 40, &v), -EINVAL);
        assert_int_equal(parse_size("M", 0, 1LL << 40, &v), -EINVAL);
        assert_int_equal(parse_size("9999999999G", 0, 1LL << 40, &v), -ERANGE);
        assert_int_equal(parse_size("2G", 0, 1LL << 30, &v), -ERANGE);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ll_in_range),
                cmocka_unit_test(test_ll_rejects),
                cmocka_unit_test(test_size_suffixes),
                cmocka_unit_test(test_size_rejects),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
