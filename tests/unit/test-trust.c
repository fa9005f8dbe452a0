/* Ownership and permission rules for files allocsel trusts. */
#include <errno.h>
#include <fcntl.h>

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

/* A FIFO must never block the start: refused before it is opened. */
static void test_fifo_refused_without_blocking(void **state)
{
        char *dir, *fifo, *why = NULL;
        int fd = -1;

        (void)state;
        dir = tmpdir_new();
        assert_true(asprintf(&fifo, "%s/p.conf", dir) > 0);
        assert_int_equal(mkfifo(fifo, 0644), 0);
        alarm(5);       /* a blocked open fails the test instead of hanging it */
        assert_int_equal(trusted_open(fifo, false, &fd, &why), -EPERM);
        assert_non_null(strstr(why, "is not a regular file"));
        free(why);
        why = NULL;
        if (geteuid() == 0) {
                assert_int_equal(trusted_open(fifo, true, &fd, &why), -EPERM);
                assert_non_null(strstr(why, "is not a regular file"));
                free(why);
        }
        alarm(0);
        assert_int_equal(fd, -1);
        free(fifo);
        tmpdir_free(dir);
}

/* Issue 10 item 1: dir/udir/lnk/lib.so with udir and lnk someone else's and
 * lnk pointing at a root-owned directory. The resolved path is root's, the
 * path ld.so will walk is not: refused, naming the first foreign component. */
static void test_path_checked_as_given(void **state)
{
        char *dir, *real, *udir, *lnk, *lib, *libpath, *msg;

        need_root(state);
        dir = tmpdir_new();
        assert_true(asprintf(&real, "%s/real", dir) > 0 && asprintf(&udir, "%s/udir", dir) > 0);
        assert_int_equal(mkdir(real, 0755), 0);
        assert_int_equal(mkdir(udir, 0755), 0);
        lib = write_file(real, "libjemalloc.so.2", "");
        assert_true(asprintf(&lnk, "%s/lnk", udir) > 0);
        assert_int_equal(symlink(real, lnk), 0);
        assert_true(asprintf(&libpath, "%s/libjemalloc.so.2", lnk) > 0);
        expect_trusted(libpath);        /* all root's: fine */

        assert_int_equal(lchown(lnk, NOBODY, NOBODY), 0);
        assert_true(asprintf(&msg, "%s is not owned by root", lnk) > 0);
        expect_refused(libpath, msg);   /* the symlink counts as itself */
        free(msg);
        assert_int_equal(chown(udir, NOBODY, NOBODY), 0);
        assert_true(asprintf(&msg, "%s is not owned by root", udir) > 0);
        expect_refused(libpath, msg);   /* and every directory as given */
        free(msg);
        {
                char *why = NULL;

                assert_int_equal(trusted_path(libpath, true, &why), -EPERM);
                free(why);
        }
        free(lib);
        free(libpath);
        free(lnk);
        free(udir);
        free(real);
        tmpdir_free(dir);
}

/* The target of a link is walked like any path: its directories too. */
static void test_symlink_target_checked(void **state)
{
        char *dir, *other, *target, *lnk, *msg, *rel, *via;

        need_root(state);
        dir = tmpdir_new();
        assert_true(asprintf(&other, "%s/other", dir) > 0);
        assert_int_equal(mkdir(other, 0755), 0);
        target = write_file(other, "t.conf", "");
        assert_true(asprintf(&lnk, "%s/l.conf", dir) > 0);
        assert_int_equal(symlink("other/t.conf", lnk), 0);
        expect_trusted(lnk);
        assert_int_equal(chmod(other, 0775), 0);
        assert_true(asprintf(&msg, "%s is writable by group or others", other) > 0);
        expect_refused(lnk, msg);
        free(msg);
        assert_int_equal(chmod(other, 0755), 0);
        /* ".." in a link and in the path itself is the physical parent */
        assert_true(asprintf(&rel, "%s/up.conf", other) > 0);
        assert_int_equal(symlink("../other/t.conf", rel), 0);
        expect_trusted(rel);
        assert_true(asprintf(&via, "%s/other/../other/./t.conf", dir) > 0);
        expect_trusted(via);
        free(via);
        free(rel);
        free(lnk);
        free(target);
        free(other);
        tmpdir_free(dir);
}

static void test_symlink_loop(void **state)
{
        char *dir, *a, *b, *why = NULL;
        int fd = -1;

        need_root(state);
        dir = tmpdir_new();
        assert_true(asprintf(&a, "%s/a", dir) > 0 && asprintf(&b, "%s/b", dir) > 0);
        assert_int_equal(symlink(b, a), 0);
        assert_int_equal(symlink(a, b), 0);
        assert_int_equal(trusted_open(a, true, &fd, &why), -ELOOP);
        assert_non_null(why);
        assert_non_null(strstr(why, "too many levels of symbolic links"));
        free(why);
        free(a);
        free(b);
        tmpdir_free(dir);
}

/* Sticky is fine above the file's directory, never as that directory:
 * anyone could (hard) link a root-owned file into it. */
static void test_sticky_directory_only_above(void **state)
{
        char *dir, *p, *msg, *lnk;

        need_root(state);
        dir = tmpdir_new();
        p = write_file(dir, "a.conf", "");
        assert_int_equal(chmod(dir, 01777), 0);
        assert_true(asprintf(&msg, "%s is writable by group or others (sticky", dir) > 0);
        expect_refused(p, msg);
        /* nor may it hold a link on the way */
        assert_int_equal(chmod(dir, 0755), 0);
        assert_true(asprintf(&lnk, "%s/sub", dir) > 0);
        assert_int_equal(mkdir(lnk, 0755), 0);
        assert_int_equal(chmod(lnk, 01777), 0);
        free(lnk);
        assert_true(asprintf(&lnk, "%s/sub/l.conf", dir) > 0);
        assert_int_equal(symlink(p, lnk), 0);
        free(msg);
        assert_true(asprintf(&msg, "%s/sub is writable by group or others", dir) > 0);
        expect_refused(lnk, msg);
        free(msg);
        free(lnk);
        free(p);
        tmpdir_free(dir);
}

static void test_directory_open(void **state)
{
        char *dir, *sub, *why = NULL, *msg;
        int fd = -1;

        need_root(state);
        dir = tmpdir_new();
        assert_true(asprintf(&sub, "%s/pol", dir) > 0);
        assert_int_equal(mkdir(sub, 0755), 0);
        assert_int_equal(chmod(dir, 01777), 0);        /* like /tmp above it */
        assert_int_equal(trusted_dir_open(sub, true, &fd, &why), 0);
        close(fd);
        assert_int_equal(chmod(sub, 01777), 0);        /* the policy directory itself */
        assert_int_equal(trusted_dir_open(sub, true, &fd, &why), -EPERM);
        assert_true(asprintf(&msg, "%s is writable by group or others", sub) > 0);
        assert_non_null(strstr(why, msg));
        free(msg);
        free(why);
        assert_int_equal(chmod(sub, 0755), 0);
        assert_int_equal(chown(sub, NOBODY, 0), 0);
        assert_int_equal(trusted_dir_open(sub, true, &fd, &why), -EPERM);
        assert_non_null(strstr(why, "is not owned by root"));
        free(why);
        free(sub);
        assert_true(asprintf(&sub, "%s/nope", dir) > 0);
        assert_int_equal(trusted_dir_open(sub, true, &fd, &why), -ENOENT);
        assert_int_equal(trusted_dir_open(sub, false, &fd, &why), -ENOENT);
        free(sub);
        tmpdir_free(dir);
}

/* Below a checked directory, the same rules without walking it again. */
static void test_open_at(void **state)
{
        char *dir, *p, *other, *lnk, *fifo, *why = NULL, *msg;
        int dirfd = -1, fd = -1;

        need_root(state);
        dir = tmpdir_new();
        p = write_file(dir, "a.conf", "");
        assert_true(asprintf(&other, "%s/other", dir) > 0);
        assert_int_equal(mkdir(other, 0755), 0);
        assert_int_equal(chmod(other, 0775), 0);
        free(write_file(other, "b.conf", ""));
        assert_true(asprintf(&lnk, "%s/l.conf", dir) > 0);
        assert_int_equal(symlink("other/b.conf", lnk), 0);
        assert_true(asprintf(&fifo, "%s/f.conf", dir) > 0);
        assert_int_equal(mkfifo(fifo, 0644), 0);
        assert_int_equal(trusted_dir_open(dir, true, &dirfd, &why), 0);

        assert_int_equal(trusted_open_at(dirfd, dir, "a.conf", TRUST_OWNER, &fd, &why), 0);
        close(fd);
        assert_int_equal(trusted_open_at(dirfd, dir, "l.conf", TRUST_OWNER, &fd, &why), -EPERM);
        assert_true(asprintf(&msg, "%s is writable by group or others", other) > 0);
        assert_non_null(strstr(why, msg));
        free(msg);
        free(why);
        alarm(5);
        assert_int_equal(trusted_open_at(dirfd, dir, "f.conf", TRUST_OWNER, &fd, &why), -EPERM);
        assert_non_null(strstr(why, "is not a regular file"));
        free(why);
        assert_int_equal(trusted_open_at(dirfd, dir, "f.conf", 0, &fd, &why), -EPERM);
        assert_true(asprintf(&msg, "%s is not a regular file", fifo) > 0);
        assert_string_equal(why, msg);
        free(msg);
        free(why);
        alarm(0);
        assert_int_equal(chown(p, NOBODY, 0), 0);
        assert_int_equal(trusted_open_at(dirfd, dir, "a.conf", TRUST_OWNER, &fd, &why), -EPERM);
        assert_non_null(strstr(why, "is not owned by root"));
        free(why);
        assert_int_equal(trusted_open_at(dirfd, dir, "none.conf", TRUST_OWNER, &fd, &why), -ENOENT);
        close(dirfd);
        free(fifo);
        free(lnk);
        free(other);
        free(p);
        tmpdir_free(dir);
}

/* Not root: root's files and the running user's own are trusted; a third
 * user's, or a directory a group can write, are not (issue 22 item 2). */
static void test_running_user_trusted(void **state)
{
        char *dir, *own, *third, *grp, *mine, *roots, *in_third, *in_grp;

        need_root(state);
        dir = tmpdir_new();
        assert_true(asprintf(&own, "%s/own", dir) > 0 && asprintf(&third, "%s/third", dir) > 0 &&
                    asprintf(&grp, "%s/grp", dir) > 0);
        assert_int_equal(mkdir(own, 0755), 0);
        assert_int_equal(mkdir(third, 0755), 0);
        assert_int_equal(mkdir(grp, 0755), 0);
        mine = write_file(own, "a.conf", "");
        roots = write_file(dir, "b.conf", "");
        in_third = write_file(third, "c.conf", "");
        in_grp = write_file(grp, "d.conf", "");
        assert_int_equal(chown(own, NOBODY, NOBODY), 0);
        assert_int_equal(chown(mine, NOBODY, NOBODY), 0);
        assert_int_equal(chown(third, 1, 1), 0);
        assert_int_equal(chown(grp, 0, 100), 0);
        assert_int_equal(chmod(grp, 02775), 0);
        /* as root, a user's file is not root's */
        expect_refused(mine, "/own is not owned by root");
        assert_int_equal(seteuid(NOBODY), 0);
        expect_trusted(mine);
        expect_trusted(roots);
        expect_refused(in_third, "/third is owned by uid 1, neither root nor the user allocsel runs as (uid 65534)");
        expect_refused(in_grp, "/grp is writable by group or others");
        assert_int_equal(seteuid(0), 0);
        free(own);
        free(third);
        free(grp);
        free(mine);
        free(roots);
        free(in_third);
        free(in_grp);
        tmpdir_free(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_root_file_trusted),
                cmocka_unit_test(test_file_rules),
                cmocka_unit_test(test_directory_rules),
                cmocka_unit_test(test_not_regular_or_missing),
                cmocka_unit_test(test_fifo_refused_without_blocking),
                cmocka_unit_test(test_path_checked_as_given),
                cmocka_unit_test(test_symlink_target_checked),
                cmocka_unit_test(test_symlink_loop),
                cmocka_unit_test(test_sticky_directory_only_above),
                cmocka_unit_test(test_directory_open),
                cmocka_unit_test(test_open_at),
                cmocka_unit_test(test_running_user_trusted),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
