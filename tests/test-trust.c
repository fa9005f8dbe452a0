/* Ownership and permission rules for files allocsel trusts (as root). */
#include <errno.h>

#include "testutil.h"
#include "trust.h"

#define NOBODY 65534

static int need_root(void **state)
{
        (void)state;
        if (geteuid() != 0) {
                print_message("skipped: ownership checks need root (CI runs them as root)\n");
                skip();
        }
        return 0;
}

static void expect_refused(const char *path, const char *needle)
{
        char *why = NULL;
        int fd = -1;

        assert_int_equal(trusted_open(path, true, &fd, &why), -EPERM);
        assert_int_equal(fd, -1);
        assert_non_null(why);
        if (!strstr(why, needle))
                print_message("why: %s\n", why);
        assert_non_null(strstr(why, needle));
        free(why);
}

static void expect_trusted(const char *path)
{
        char *why = NULL;
        int fd = -1;

        assert_int_equal(trusted_open(path, true, &fd, &why), 0);
        assert_true(fd >= 0);
        close(fd);
}

static void test_root_file_trusted(void **state)
{
        char *dir, *p;

        need_root(state);
        dir = tmpdir_new();
        p = write_file(dir, "a.conf", "");
        expect_trusted(p);
        free(p);
        tmpdir_free(dir);
}

static void test_file_rules(void **state)
{
        char *dir, *p, *msg;

        need_root(state);
        dir = tmpdir_new();
        p = write_file(dir, "a.conf", "");
        assert_true(asprintf(&msg, "%s is not owned by root", p) > 0);
        assert_int_equal(chown(p, NOBODY, 0), 0);
        expect_refused(p, msg);
        free(msg);
        assert_int_equal(chown(p, 0, 0), 0);
        assert_int_equal(chmod(p, 0620), 0);
        expect_refused(p, "is writable by group or others");
        assert_int_equal(chmod(p, 0602), 0);
        expect_refused(p, "is writable by group or others");
        /* without the owner check (not root), anything readable goes */
        {
                char *why = NULL;
                int fd;

                assert_int_equal(trusted_open(p, false, &fd, &why), 0);
                close(fd);
        }
        free(p);
        tmpdir_free(dir);
}

static void test_directory_rules(void **state)
{
        char *dir, *sub, *p, *msg;

        need_root(state);
        dir = tmpdir_new();
        assert_true(asprintf(&sub, "%s/sub", dir) > 0);
        assert_int_equal(mkdir(sub, 0755), 0);
        p = write_file(sub, "a.conf", "");
        assert_int_equal(chmod(dir, 0777), 0);
        assert_true(asprintf(&msg, "%s is writable by group or others", dir) > 0);
        expect_refused(p, msg);
        free(msg);
        /* sticky, like /tmp: root's entries below cannot be replaced */
        assert_int_equal(chmod(dir, 01777), 0);
        expect_trusted(p);
        assert_int_equal(chmod(dir, 0755), 0);
        assert_int_equal(chown(sub, NOBODY, 0), 0);
        assert_true(asprintf(&msg, "%s is not owned by root", sub) > 0);
        expect_refused(p, msg);
        free(msg);
        assert_int_equal(chown(sub, 0, 0), 0);
        free(p);
        free(sub);
        tmpdir_free(dir);
}

static void test_not_regular_or_missing(void **state)
{
        char *why = NULL;
        int fd;

        (void)state;
        assert_int_equal(trusted_open("/nonexistent/x.conf", false, &fd, &why), -ENOENT);
        assert_int_equal(trusted_open("/tmp", false, &fd, &why), -EPERM);
        assert_non_null(strstr(why, "is not a regular file"));
        free(why);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_root_file_trusted),
                cmocka_unit_test(test_file_rules),
                cmocka_unit_test(test_directory_rules),
                cmocka_unit_test(test_not_regular_or_missing),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
