/* allocsel.conf: every value type-checked, and a wrong one never used. */
#include <errno.h>

#include "testdiag.h"
#include "catalog.h"

static char *conf_dir;

static int setup(void **state)
{
        (void)state;
        conf_dir = tmpdir_new();
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        tmpdir_free(conf_dir);
        return 0;
}

/* Loads text as allocsel.conf into c; returns what catalog_load_global did. */
static int load(struct catalog *c, struct diags *d, const char *text)
{
        char *path = write_file(conf_dir, "allocsel.conf", text);
        int r;

        assert_int_equal(catalog_init(c), 0);
        r = catalog_load_global(c, path, false, d);
        free(path);
        return r;
}

static void expect_error(const char *text, const char *message)
{
        struct diags d = { 0 };
        struct catalog c;

        assert_int_equal(load(&c, &d, text), -EINVAL);
        if (!diags_contain(&d, message)) {
                print_diags(&d);
                fail_msg("no error containing [%s] for: %s", message, text);
        }
        catalog_free(&c);
        diags_free(&d);
}

/* A relative entry is an error, and no entry of that list is searched. */
static void test_library_dirs_wrong_entry_unused(void **state)
{
        struct diags d = { 0 };
        struct catalog c;

        (void)state;
        assert_int_equal(load(&c, &d, "library_dirs = [ \"/opt/good\", \"relative/lib\" ];\n"), -EINVAL);
        assert_true(diags_contain(&d, "allocsel.conf:1: library_dirs: entry 2, \"relative/lib\" is not an absolute path"));
        assert_false(strv_contains(&c.dirs, "relative/lib"));
        assert_false(strv_contains(&c.dirs, "/opt/good"));
        assert_true(strv_contains(&c.dirs, "/usr/lib64"));
        catalog_free(&c);
        diags_free(&d);

        assert_int_equal(load(&c, &d, "library_dirs = [ \"/opt/good\" ];\n"), 0);
        assert_int_equal(d.n, 0);
        assert_string_equal(c.dirs.v[0], "/opt/good");
        catalog_free(&c);
}

static void test_types_checked(void **state)
{
        (void)state;
        expect_error("library_dirs = [ 1 ];\n", "library_dirs: entry 1: expected a string, got an integer");
        expect_error("library_dirs = \"/opt/lib\";\n", "library_dirs: expected a list of paths, got a string");
        expect_error("allocators = { x = { library = \"/opt/libx.so\"; family = 1; }; };\n",
                     "allocators.x.family: expected a string, got an integer");
        expect_error("allocators = { x = { library = 1; family = \"jemalloc\"; }; };\n",
                     "allocators.x.library: expected a string, got an integer");
        expect_error("allocators = { x = { library = \"/opt/libx.so\"; family = \"glibc\"; }; };\n",
                     "allocators.x: family \"glibc\" is not one of jemalloc|tcmalloc|mimalloc|none");
        expect_error("allocators = { x = { family = \"jemalloc\"; }; };\n",
                     "allocators.x: needs library = \"/absolute/path.so\"");
        expect_error("allocators = { x = \"/opt/libx.so\"; };\n", "allocators.x: expected a group");
        expect_error("allocators = 5;\n", "allocators: expected a group { NAME = { ... }; }, got an integer");
        expect_error("on_error = true;\n", "on_error: expected a string, got a boolean");
}

/* An allocator with a wrong value is not defined at all: a policy naming
 * it is an error, never a silent family "none". */
static void test_wrong_custom_not_defined(void **state)
{
        struct diags d = { 0 };
        struct catalog c;
        const struct allocator *a;

        (void)state;
        assert_int_equal(load(&c, &d, "allocators = { x = { library = \"/opt/libx.so\"; family = 1; };\n"
                                      "  y = { library = \"/opt/liby.so\"; family = \"jemalloc\"; }; };\n"), -EINVAL);
        assert_null(catalog_find(&c, "x"));
        a = catalog_find(&c, "y");
        assert_non_null(a);
        assert_int_equal(a->family, FAMILY_JEMALLOC);
        assert_string_equal(a->library, "/opt/liby.so");
        catalog_free(&c);
        diags_free(&d);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_library_dirs_wrong_entry_unused),
                cmocka_unit_test(test_types_checked),
                cmocka_unit_test(test_wrong_custom_not_defined),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
