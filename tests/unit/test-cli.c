/* Command-line parsing. */
#include <errno.h>

#include "testutil.h"
#include "cli.h"

#define ARGV(...) ((char *[]){ "allocsel", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "allocsel", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(c, err, ...) cli_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (c), (err))

static void test_run_form(void **state)
{
        const char *err = NULL;
        struct cli c;

        (void)state;
        assert_int_equal(PARSE(&c, &err, "--policy-dir", "/a", "--policy-dir", "/b", "--strict", "--no-monitor",
                               "--allocator", "mimalloc", "web", "python3", "-u", "--strict"), 0);
        assert_int_equal(c.mode, MODE_RUN);
        assert_string_equal(c.service, "web");
        assert_string_equal(c.program[0], "python3");
        assert_string_equal(c.program[1], "-u");
        assert_string_equal(c.program[2], "--strict"); /* PROGRAM's, not ours */
        assert_null(c.program[3]);
        assert_int_equal(c.policy_dirs.n, 2);
        assert_string_equal(c.policy_dirs.v[0], "/a");
        assert_true(c.strict && c.no_monitor);
        assert_string_equal(c.allocator, "mimalloc");
        cli_free(&c);
}

static void test_double_dash(void **state)
{
        const char *err = NULL;
        struct cli c;

        (void)state;
        assert_int_equal(PARSE(&c, &err, "web", "--", "--weird-program"), 0);
        assert_string_equal(c.program[0], "--weird-program");
        cli_free(&c);
        assert_int_equal(PARSE(&c, &err, "--", "web", "prog"), 0);
        assert_string_equal(c.service, "web");
        assert_string_equal(c.program[0], "prog");
        cli_free(&c);
}

static void test_other_modes(void **state)
{
        const char *err = NULL;
        struct cli c;

        (void)state;
        assert_int_equal(PARSE(&c, &err, "--explain", "web", "--json"), 0);
        assert_int_equal(c.mode, MODE_EXPLAIN);
        assert_string_equal(c.service, "web");
        assert_true(c.json);
        cli_free(&c);
        assert_int_equal(PARSE(&c, &err, "--check", "a", "b", "--policy-dir", "/x"), 0);
        assert_int_equal(c.mode, MODE_CHECK);
        assert_int_equal(c.n_services, 2);
        assert_int_equal(c.policy_dirs.n, 1);
        cli_free(&c);
        assert_int_equal(PARSE(&c, &err, "--list", "--json"), 0);
        assert_int_equal(c.mode, MODE_LIST);
        cli_free(&c);
}

static void expect_usage_error(int r, const char *err, const char *needle)
{
        assert_int_equal(r, -EINVAL);
        assert_non_null(err);
        assert_non_null(strstr(err, needle));
}

/* The call must happen before err is read: argument order is unspecified. */
#define EXPECT_USAGE(needle, call) do { int r_ = (call); expect_usage_error(r_, err, (needle)); } while (0)

static void test_usage_errors(void **state)
{
        const char *err = NULL;
        struct cli c;

        (void)state;
        EXPECT_USAGE("missing SERVICE", cli_parse(1, ARGV(NULL), &c, &err));
        EXPECT_USAGE("missing PROGRAM", PARSE(&c, &err, "web"));
        EXPECT_USAGE("SERVICE must be", PARSE(&c, &err, "../x", "true"));
        EXPECT_USAGE("SERVICE must be", PARSE(&c, &err, "--check", "a/b"));
        EXPECT_USAGE("exclude each other", PARSE(&c, &err, "--check", "--list"));
        EXPECT_USAGE("--json goes with", PARSE(&c, &err, "--json", "web", "true"));
        EXPECT_USAGE("exactly one SERVICE", PARSE(&c, &err, "--explain"));
        EXPECT_USAGE("exactly one SERVICE", PARSE(&c, &err, "--explain", "a", "b"));
        EXPECT_USAGE("unknown option", PARSE(&c, &err, "--frobnicate", "web", "true"));
        EXPECT_USAGE("unknown option or missing argument", PARSE(&c, &err, "--policy-dir"));
        EXPECT_USAGE("unexpected argument", PARSE(&c, &err, "--list", "extra"));
}

/* issue 14: what config management runs; PATH last, as Salt appends it */
static void test_check_candidate(void **state)
{
        const char *err = NULL;
        struct cli c;

        (void)state;
        assert_int_equal(PARSE(&c, &err, "--check", "--as", "web", "--file", "/tmp/tmpab12xy"), 0);
        assert_int_equal(c.mode, MODE_CHECK);
        assert_string_equal(c.check_as, "web");
        assert_string_equal(c.file, "/tmp/tmpab12xy");
        assert_int_equal(c.n_services, 0);
        cli_free(&c);
        assert_int_equal(PARSE(&c, &err, "--policy-dir", "/x", "--as=default", "--check", "--file=/etc/allocsel.d/.chef-d.conf"), 0);
        assert_string_equal(c.check_as, "default");
        assert_string_equal(c.file, "/etc/allocsel.d/.chef-d.conf");
        cli_free(&c);
        EXPECT_USAGE("--check needs both --as SERVICE and --file PATH", PARSE(&c, &err, "--check", "--as", "web"));
        EXPECT_USAGE("--check needs both --as SERVICE and --file PATH", PARSE(&c, &err, "--check", "--file", "/tmp/x"));
        EXPECT_USAGE("unknown option or missing argument", PARSE(&c, &err, "--check", "--as", "web", "--file"));
        EXPECT_USAGE("--as and --file go with --check", PARSE(&c, &err, "--explain", "web", "--as", "web", "--file", "/x"));
        EXPECT_USAGE("--as and --file go with --check", PARSE(&c, &err, "--as", "web", "--file", "/x", "web", "true"));
        EXPECT_USAGE("takes no other SERVICE", PARSE(&c, &err, "--check", "api", "--as", "web", "--file", "/x"));
        EXPECT_USAGE("--as takes a SERVICE", PARSE(&c, &err, "--check", "--as", "../web", "--file", "/x"));
        EXPECT_USAGE("--check needs both --as SERVICE and --file PATH", PARSE(&c, &err, "--check", "--as", "web", "--file", ""));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_run_form),
                cmocka_unit_test(test_double_dash),
                cmocka_unit_test(test_other_modes),
                cmocka_unit_test(test_usage_errors),
                cmocka_unit_test(test_check_candidate),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
