/* ELF reading, library checks and program inspection. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>

#include "testutil.h"
#include "catalog.h"
#include "elf_info.h"
#include "inspect.h"

static int read_path(const char *path, struct elf_info *info)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC), r;

        assert_true(fd >= 0);
        r = elf_read(fd, info);
        close(fd);
        return r;
}

static char *write_bytes(const char *dir, const char *name, const void *bytes, size_t len, mode_t mode)
{
        char *path;
        int fd;

        assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, bytes, len), (ssize_t)len);
        close(fd);
        assert_int_equal(chmod(path, mode), 0);
        return path;
}

/* An ELF32 i386 shared-object header and nothing else. */
static char *elf32_library(const char *dir)
{
        unsigned char buf[128] = { 0 };
        Elf32_Ehdr eh = { 0 };

        memcpy(eh.e_ident, ELFMAG, SELFMAG);
        eh.e_ident[EI_CLASS] = ELFCLASS32;
        eh.e_ident[EI_DATA] = ELFDATA2LSB;
        eh.e_ident[EI_VERSION] = EV_CURRENT;
        eh.e_type = ET_DYN;
        eh.e_machine = EM_386;
        eh.e_ehsize = sizeof(eh);
        memcpy(buf, &eh, sizeof(eh));
        return write_bytes(dir, "lib32.so", buf, sizeof(buf), 0644);
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

static void test_library_check(void **state)
{
        char *dir = tmpdir_new(), *p, *why = NULL;

        (void)state;
        p = elf32_library(dir);
        assert_int_equal(library_check(p, &why), -ENOEXEC);
        assert_non_null(strstr(why, "wrong ELF class ELFCLASS32 (allocsel is ELFCLASS64)"));
        free(why);
        free(p);
        assert_int_equal(library_check("/bin/true", &why), 0); /* PIE executables are ET_DYN */
        assert_int_equal(library_check(dir, &why), -EBADF);
        assert_non_null(strstr(why, "not a regular file"));
        free(why);
        assert_int_equal(library_check("/nonexistent.so", &why), -ENOENT);
        assert_non_null(strstr(why, "/nonexistent.so: No such file or directory"));
        free(why);
        assert_int_equal(library_check("/etc/hostname", &why) < 0, 1);
        free(why);
        tmpdir_free(dir);
}

static void test_program_find(void **state)
{
        char *dir = tmpdir_new(), *p, *found = NULL, *path_env;

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
        free(path_env);
        free(p);
        tmpdir_free(dir);
}

static void test_preload_obstacles(void **state)
{
        char *dir = tmpdir_new(), *p, *why = NULL, script[PATH_MAX + 4];
        struct catalog cat;

        (void)state;
        assert_int_equal(catalog_init(&cat), 0);
        assert_int_equal(program_preload_obstacle("/bin/true", &cat, &why), 0);
        assert_null(why);

        snprintf(script, sizeof(script), "#!%s/static-true -x\n", self_dir());
        p = write_bytes(dir, "script", script, strlen(script), 0755);
        assert_int_equal(program_preload_obstacle(p, &cat, &why), 1);
        assert_non_null(strstr(why, "static-true is a static executable"));
        free(why);
        free(p);

        p = write_bytes(dir, "suid", "#!/bin/true\n", 12, 04755);
        assert_int_equal(program_preload_obstacle(p, &cat, &why), 1);
        assert_non_null(strstr(why, "is set-user-ID"));
        free(why);
        free(p);

        snprintf(script, sizeof(script), "%s/links-jemalloc", self_dir());
        assert_int_equal(program_preload_obstacle(script, &cat, &why), 1);
        assert_non_null(strstr(why, "already links libjemalloc.so.2"));
        free(why);

        p = elf32_library(dir);
        assert_int_equal(program_preload_obstacle(p, &cat, &why), 1);
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
                cmocka_unit_test(test_library_check),
                cmocka_unit_test(test_program_find),
                cmocka_unit_test(test_preload_obstacles),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
