/* ELF reading, library checks and program inspection. */
#include <errno.h>
#include <signal.h>

#include "testfiles.h"
#include "catalog.h"
#include "elf_info.h"
#include "program.h"

static int read_path(const char *path, struct elf_info *info)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC), r;

        assert_true(fd >= 0);
        r = elf_read(fd, ELF_EXPORTS, info);
        close(fd);
        return r;
}

static void test_dynamic_program(void **state)
{
        struct elf_info info;

        (void)state;
        assert_int_equal(read_path("/bin/true", &info), 0);
        assert_true(info.has_interp);
        assert_true(elf_matches_self(&info));
        assert_true(strv_contains(&info.needed, "libc.so.6"));
        elf_info_free(&info);
}

static void test_static_program(void **state)
{
        struct elf_info info;
        char path[PATH_MAX];

        (void)state;
        snprintf(path, sizeof(path), "%s/static-true", self_dir());
        assert_int_equal(read_path(path, &info), 0);
        assert_false(info.has_interp);
        assert_int_equal(info.needed.n, 0);
        elf_info_free(&info);
}

static void test_not_elf_and_truncated(void **state)
{
        char *dir = tmpdir_new(), *p;
        struct elf_info info;
        unsigned char header[EI_NIDENT + 4] = { 0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, 1 };

        (void)state;
        p = write_bytes(dir, "text", "#!/bin/sh\n", 10, 0644);
        assert_int_equal(read_path(p, &info), -ENOEXEC);
        free(p);
        p = write_bytes(dir, "short", header, sizeof(header), 0644);
        assert_int_equal(read_path(p, &info), -EBADMSG);
        free(p);
        p = write_bytes(dir, "empty", "", 0, 0644);
        assert_int_equal(read_path(p, &info), -ENOEXEC);
        free(p);
        tmpdir_free(dir);
}

/* Exports through DT_GNU_HASH (the fake allocator) and DT_HASH (libno-override.so). */
static void test_exports(void **state)
{
        struct elf_info info;
        char path[PATH_MAX];

        (void)state;
        assert_int_equal(read_path(fake_allocator(), &info), 0);
        assert_true(elf_exports(&info, "malloc") && elf_exports(&info, "free") && elf_exports(&info, "mallctl"));
        assert_false(info.has_interp);
        elf_info_free(&info);
        snprintf(path, sizeof(path), "%s/libno-override.so", self_dir());
        assert_int_equal(read_path(path, &info), 0);
        assert_true(elf_exports(&info, "mi_malloc") && elf_exports(&info, "mi_free"));
        assert_false(elf_exports(&info, "malloc"));
        elf_info_free(&info);
        /* a PIE program: an interpreter, and DF_1_PIE */
        assert_int_equal(read_path("/bin/true", &info), 0);
        assert_true(info.has_interp && info.pie);
        elf_info_free(&info);
}

static void test_program_find(void **state)
{
        char *dir = tmpdir_new(), *p, *found = NULL, *path_env, fifo[PATH_MAX];

        (void)state;
        p = write_bytes(dir, "noexec", "x", 1, 0644);
        assert_true(asprintf(&path_env, "%s:/bin", dir) > 0);
        assert_int_equal(program_find("true", path_env, &found), 0);
        assert_string_equal(found, "/bin/true");
        free(found);
        assert_int_equal(program_find("noexec", path_env, &found), -EACCES);
        assert_int_equal(program_find("nothing-like-this", path_env, &found), -ENOENT);
        assert_int_equal(program_find(p, path_env, &found), -EACCES);
        assert_int_equal(program_find("./nothing", path_env, &found), -ENOENT);
        assert_int_equal(program_find("", path_env, &found), -ENOENT);
        assert_int_equal(program_find(dir, path_env, &found), -EACCES);
        /* execve runs regular files only: a FIFO is not "found" to block on */
        snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
        assert_int_equal(mkfifo(fifo, 0755), 0);
        assert_int_equal(program_find(fifo, path_env, &found), -EACCES);
        assert_int_equal(program_find("fifo", path_env, &found), -EACCES);
        free(path_env);
        free(p);
        tmpdir_free(dir);
}

/* As execvp (and so env(1)) finds a program (issue 22 item 15). */
static void test_program_find_like_execvp(void **state)
{
        char *dir = tmpdir_new(), *tool, *found = NULL, *path_env, loop[PATH_MAX], cwd[PATH_MAX];

        (void)state;
        assert_non_null(getcwd(cwd, sizeof(cwd)));
        tool = write_bytes(dir, "allocsel-test-tool", "#!/bin/sh\n", 10, 0755);
        assert_int_equal(chdir(dir), 0);
        /* an empty element is the current directory, wherever it stands */
        for (size_t i = 0; i < 4; i++) {
                static const char *const paths[] = { ":/bin", "/nonexistent:", "/nonexistent::/bin", "" };

                assert_int_equal(program_find("allocsel-test-tool", paths[i], &found), 0);
                assert_string_equal(found, "allocsel-test-tool");
                free(found);
        }
        assert_int_equal(chdir(cwd), 0);
        /* PATH unset: execvp's own default, /bin:/usr/bin */
        assert_int_equal(program_find("true", NULL, &found), 0);
        assert_string_equal(found, "/bin/true");
        free(found);
        /* a name with a '/': execve's error as it is (env(1) exits 126 on ENOTDIR) */
        assert_int_equal(program_find("/etc/passwd/x", NULL, &found), -ENOTDIR);
        /* an error other than "not here" ends the search, as in execvp */
        snprintf(loop, sizeof(loop), "%s/loop", dir);
        assert_int_equal(symlink(loop, loop), 0);
        assert_true(asprintf(&path_env, "%s:/bin", loop) > 0);
        assert_int_equal(program_find("true", path_env, &found), -ELOOP);
        free(path_env);
        free(tool);
        tmpdir_free(dir);
}

static void on_alarm(int sig)
{
        (void)sig;
        fail_msg("blocked opening a FIFO");
}

static void test_preload_obstacles(void **state)
{
        char *dir = tmpdir_new(), *p, *why = NULL, script[PATH_MAX + 4];
        struct catalog cat;

        (void)state;
        assert_int_equal(catalog_init(&cat), 0);
        assert_int_equal(program_preload_obstacle("/bin/true", &cat, true, &why), 0);
        assert_null(why);

        snprintf(script, sizeof(script), "#!%s/static-true -x\n", self_dir());
        p = write_bytes(dir, "script", script, strlen(script), 0755);
        assert_int_equal(program_preload_obstacle(p, &cat, true, &why), 1);
        assert_non_null(strstr(why, "static-true is a static executable"));
        free(why);
        free(p);

        p = write_bytes(dir, "suid", "#!/bin/true\n", 12, 04755);
        assert_int_equal(program_preload_obstacle(p, &cat, true, &why), 1);
        assert_non_null(strstr(why, "is set-user-ID"));
        free(why);
        free(p);

        snprintf(script, sizeof(script), "%s/links-jemalloc", self_dir());
        assert_int_equal(program_preload_obstacle(script, &cat, true, &why), 1);
        assert_non_null(strstr(why, "already links libjemalloc.so.2"));
        free(why);
        /* the helpers alone (glibc with release or children) do not mind it */
        assert_int_equal(program_preload_obstacle(script, &cat, false, &why), 0);
        assert_null(why);
        /* ...but ld.so's absence, and set-ID, they do (issue 22 item 14) */
        snprintf(script, sizeof(script), "%s/static-true", self_dir());
        assert_int_equal(program_preload_obstacle(script, &cat, false, &why), 1);
        assert_non_null(strstr(why, "is a static executable"));
        free(why);

        /* a #! interpreter that is a FIFO is refused, not opened */
        snprintf(script, sizeof(script), "%s/fifo", dir);
        assert_int_equal(mkfifo(script, 0755), 0);
        snprintf(script, sizeof(script), "#!%s/fifo\n", dir);
        p = write_bytes(dir, "fifo-script", script, strlen(script), 0755);
        signal(SIGALRM, on_alarm);
        alarm(10);
        assert_int_equal(program_preload_obstacle(p, &cat, true, &why), 1);
        alarm(0);
        assert_non_null(strstr(why, "fifo is not a regular file"));
        free(why);
        free(p);

        p = elf32_library(dir);
        assert_int_equal(program_preload_obstacle(p, &cat, true, &why), 1);
        assert_non_null(strstr(why, "another ELF class or machine"));
        free(why);
        free(p);
        catalog_free(&cat);
        tmpdir_free(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_dynamic_program),
                cmocka_unit_test(test_static_program),
                cmocka_unit_test(test_not_elf_and_truncated),
                cmocka_unit_test(test_exports),
                cmocka_unit_test(test_program_find),
                cmocka_unit_test(test_program_find_like_execvp),
                cmocka_unit_test(test_preload_obstacles),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
