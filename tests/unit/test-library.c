/* Libraries to preload: paths ld.so would split, what a library must be,
 * probing through one descriptor, and the cache --check keeps. */
#include <errno.h>
#include <signal.h>

#include "testfiles.h"
#include "library.h"

static const struct library_query allocator = { false, true, FAMILY_JEMALLOC, PROBE_ALL };

/* Loads path, expecting r and (when r < 0) a reason containing needle. */
static void expect_load(const char *path, const struct library_query *q, int r, const char *needle)
{
        struct library_traits t;
        char *why = NULL;

        assert_int_equal(library_load(NULL, path, q, &t, &why), r);
        if (needle) {
                if (!why || !strstr(why, needle))
                        fail_msg("expected \"%s\" in \"%s\"", needle, why ? why : "(null)");
        }
        free(why);
}

static void test_paths_ld_so_would_split(void **state)
{
        static const char *const bad[] = {
                "/opt/with space/libjemalloc.so.2", "/opt/a:b/libjemalloc.so.2", "/opt/lib\t.so",
                "/opt/lib\n.so", "/opt/lib\x1b.so", "/opt/lib\x7f.so",
        };
        static const char *const names[] = { "a space", "':'", "a tab", "a newline", "a control character",
                                             "a control character" };
        char *why = NULL;

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
                assert_int_equal(library_path_check(bad[i], &why), -EINVAL);
                assert_non_null(strstr(why, names[i]));
                assert_non_null(strstr(why, "ld.so splits LD_PRELOAD on whitespace and ':'"));
                free(why);
                /* and nothing reaches the file system */
                expect_load(bad[i], &allocator, -EINVAL, names[i]);
        }
        /* ld.so expands these in LD_PRELOAD: it would load another file than the one checked */
        for (size_t i = 0; i < 3; i++) {
                static const char *const dst[] = { "/usr/$LIB/libjemalloc.so.2", "/opt/${ORIGIN}/lib.so",
                                                   "/opt/$PLATFORM/lib.so" };

                assert_int_equal(library_path_check(dst[i], &why), -EINVAL);
                assert_non_null(strstr(why, "contains '$' (ld.so expands $ORIGIN, $LIB and $PLATFORM"));
                free(why);
                expect_load(dst[i], &allocator, -EINVAL, "contains '$'");
        }
        assert_int_equal(library_path_check("relative.so", &why), -EINVAL);
        assert_string_equal(why, "\"relative.so\" is not an absolute path");
        free(why);
        assert_int_equal(library_path_check("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", &why), 0);
        assert_null(why);
}

static void on_alarm(int sig)
{
        (void)sig;
        fail_msg("blocked opening a FIFO");
}

static void test_what_a_library_must_be(void **state)
{
        char *dir = tmpdir_new(), *p, fifo[PATH_MAX];
        struct library_query helper = allocator;

        (void)state;
        expect_load(fake_allocator(), &allocator, 0, NULL);
        /* PIE programs are ET_DYN too: PT_INTERP tells them apart */
        expect_load("/bin/true", &allocator, -ENOEXEC, "/bin/true is a program (it has an interpreter), not a shared library");
        p = test_library("libno-override.so");
        expect_load(p, &allocator, -ENOEXEC, "does not export malloc and free (preloading it would replace nothing)");
        /* the release helper replaces nothing and need not */
        helper.replaces_malloc = false;
        expect_load(p, &helper, 0, NULL);
        free(p);
        p = elf32_library(dir);
        expect_load(p, &allocator, -ENOEXEC, "wrong ELF class ELFCLASS32 (allocsel is ELFCLASS64)");
        free(p);
        expect_load(dir, &allocator, -EPERM, "is not a regular file");
        expect_load("/nonexistent.so", &allocator, -ENOENT, "/nonexistent.so: No such file or directory");
        expect_load("/etc/hostname", &allocator, -ENOEXEC, "/etc/hostname: not an ELF file");

        snprintf(fifo, sizeof(fifo), "%s/libfifo.so", dir);
        assert_int_equal(mkfifo(fifo, 0644), 0);
        signal(SIGALRM, on_alarm);
        alarm(10);
        expect_load(fifo, &allocator, -EPERM, "is not a regular file");
        alarm(0);
        tmpdir_free(dir);
}

/* Copies of a library cut at every length (in steps): an error, never a crash. */
static void test_truncated_copies(void **state)
{
        char *dir = tmpdir_new();
        int src = open(fake_allocator(), O_RDONLY | O_CLOEXEC);
        struct stat st;
        unsigned char *all;

        (void)state;
        assert_true(src >= 0);
        assert_int_equal(fstat(src, &st), 0);
        all = malloc((size_t)st.st_size);
        assert_int_equal(pread(src, all, (size_t)st.st_size, 0), st.st_size);
        close(src);
        for (off_t len = 0; len < st.st_size; len += 7) {
                struct library_traits t;
                char *why = NULL, *p;
                int r;

                p = write_bytes(dir, "libcut.so", all, (size_t)len, 0644);
                r = library_load(NULL, p, &allocator, &t, &why);
                /* near the full length everything allocsel reads may be there */
                assert_true(r == 0 || r == -ENOEXEC || r == -EBADMSG);
                assert_true(r == 0 || why != NULL);
                free(why);
                free(p);
        }
        free(all);
        tmpdir_free(dir);
}

/* Probes a file as library_load would after its checks. */
static void probe(const char *path, enum alloc_family family, unsigned want, struct library_traits *t)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct elf_info info;
        bool elf;

        assert_true(fd >= 0);
        elf = elf_read(fd, ELF_EXPORTS, &info) == 0;
        library_probe_fd(fd, elf ? &info : NULL, family, want, t);
        if (elf)
                elf_info_free(&info);
        close(fd);
}

static void test_probe_reads_the_library(void **state)
{
        static const char je_plain[] = "\0variable MALLOC_CONF\0MALLOC_CONF\0";
        static const char mi_new[] = "\0purge_delay\0arena_eager_commit\0";
        static const char tc_old[] = "\0gperftools 2.9.1\0HEAPPROFILE\0HEAPCHECK\0";
        struct library_traits t;
        char *dir = tmpdir_new(), *p;

        (void)state;
        p = test_library("libfake-je.so");
        probe(p, FAMILY_JEMALLOC, PROBE_ALL, &t);
        assert_string_equal(t.conf_var, "JE_MALLOC_CONF");
        assert_string_equal(t.version, "5.2.1");
        free(p);
        p = write_bytes(dir, "je2", je_plain, sizeof(je_plain), 0644);
        probe(p, FAMILY_JEMALLOC, PROBE_ALL, &t);
        assert_string_equal(t.conf_var, "MALLOC_CONF");
        assert_false(t.jemalloc_prof);
        free(p);
        /* the exec path asks for the variable name only: no version scan */
        probe(fake_allocator(), FAMILY_JEMALLOC, PROBE_CONF_VAR, &t);
        assert_string_equal(t.conf_var, "MALLOC_CONF");
        assert_string_equal(t.version, "");
        probe(fake_allocator(), FAMILY_JEMALLOC, PROBE_ALL, &t);
        assert_string_equal(t.version, "5.3.0");
        p = write_bytes(dir, "libmimalloc.so.2.1", mi_new, sizeof(mi_new), 0644);
        probe(p, FAMILY_MIMALLOC, PROBE_ALL, &t);
        assert_true(t.mimalloc_purge_names);
        assert_string_equal(t.version, "2.1");
        free(p);
        p = write_bytes(dir, "tc", tc_old, sizeof(tc_old), 0644);
        probe(p, FAMILY_GPERFTOOLS, PROBE_ALL, &t);
        assert_string_equal(t.version, "2.9.1");
        assert_true(t.heap_checker);
        assert_true(t.heap_profiler);
        free(p);
        tmpdir_free(dir);
}

/* Strings are read in chunks: one across a chunk boundary is still found. */
static void test_probe_across_chunks(void **state)
{
        static const char version[] = "5.3.0-0-g54eaed1d8b56b1aa528be3bdd1877e59c56fa90c";
        static const char prof[] = "Run jeprof on dump output";
        size_t size = 600 << 10;
        unsigned char *bytes = calloc(1, size);
        char *dir = tmpdir_new();
        struct library_traits t;

        (void)state;
        for (size_t boundary = 128 << 10; boundary < size - 4096; boundary += 128 << 10) {
                char *p;

                memset(bytes, 'x', size);
                bytes[boundary - 40] = '\0';
                memcpy(bytes + boundary - 39, version, sizeof(version));
                memcpy(bytes + boundary + 200 - 10, prof, sizeof(prof) - 1);
                p = write_bytes(dir, "big", bytes, size, 0644);
                probe(p, FAMILY_JEMALLOC, PROBE_ALL, &t);
                assert_string_equal(t.version, "5.3.0");
                assert_true(t.jemalloc_prof);
                free(p);
        }
        free(bytes);
        tmpdir_free(dir);
}

static void test_cache(void **state)
{
        struct library_cache *cache = library_cache_new();
        struct library_query exec_path = allocator;
        char *dir = tmpdir_new(), *p, *why = NULL, cmd[PATH_MAX * 2];
        struct library_traits t;

        (void)state;
        assert_true(asprintf(&p, "%s/libjemalloc.so.2", dir) > 0);
        snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", fake_allocator(), p);
        assert_int_equal(system(cmd), 0);
        exec_path.probe = PROBE_CONF_VAR;
        assert_int_equal(library_load(cache, p, &exec_path, &t, &why), 0);
        assert_string_equal(t.version, "");
        /* asking for more than was probed reads the library again */
        assert_int_equal(library_load(cache, p, &allocator, &t, &why), 0);
        assert_string_equal(t.version, "5.3.0");
        /* a file changed since is read again */
        free(write_bytes(dir, "libjemalloc.so.2", "not ELF", 7, 0644));
        assert_int_equal(library_load(cache, p, &allocator, &t, &why), -ENOEXEC);
        assert_non_null(strstr(why, "not an ELF file"));
        free(why);
        /* and a failure is remembered with its reason */
        assert_int_equal(library_load(cache, p, &allocator, &t, &why), -ENOEXEC);
        assert_non_null(strstr(why, "not an ELF file"));
        free(why);
        free(p);
        library_cache_free(cache);
        tmpdir_free(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_paths_ld_so_would_split),
                cmocka_unit_test(test_what_a_library_must_be),
                cmocka_unit_test(test_truncated_copies),
                cmocka_unit_test(test_probe_reads_the_library),
                cmocka_unit_test(test_probe_across_chunks),
                cmocka_unit_test(test_cache),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
