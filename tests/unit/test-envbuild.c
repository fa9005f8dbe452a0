/* LD_PRELOAD editing, list merging and the new environment array. */
#include "testutil.h"
#include "envbuild.h"

static struct catalog cat;

static int setup(void **state)
{
        (void)state;
        return catalog_init(&cat);
}

static int teardown(void **state)
{
        (void)state;
        catalog_free(&cat);
        return 0;
}

static void check_preload(const char *old, const char *lib, const char *expected)
{
        char *v = NULL;

        assert_int_equal(preload_edit(old, lib, NULL, &cat, &v), 0);
        if (expected)
                assert_string_equal(v, expected);
        else
                assert_null(v);
        free(v);
}

static void test_preload_chosen_first(void **state)
{
        (void)state;
        check_preload(NULL, "/lib/libjemalloc.so.2", "/lib/libjemalloc.so.2");
        check_preload("/opt/a.so", "/lib/libjemalloc.so.2", "/lib/libjemalloc.so.2:/opt/a.so");
}

static void test_preload_other_allocators_removed(void **state)
{
        (void)state;
        check_preload("/usr/lib64/libtcmalloc.so.4 /opt/a.so:libmimalloc.so.2", "/lib/libjemalloc.so.2",
                      "/lib/libjemalloc.so.2:/opt/a.so");
        /* the chosen one already there is not repeated */
        check_preload("/lib/libjemalloc.so.2:/opt/a.so", "/lib/libjemalloc.so.2",
                      "/lib/libjemalloc.so.2:/opt/a.so");
}

static void test_preload_glibc_removes_all_allocators(void **state)
{
        (void)state;
        check_preload("/x/libjemalloc.so.2 /opt/a.so", NULL, "/opt/a.so");
        check_preload("/x/libjemalloc.so.2 libtcmalloc_minimal.so.4", NULL, NULL);
        check_preload(NULL, NULL, NULL);
}

static void test_preload_helpers_after_the_allocator(void **state)
{
        const char *release[] = { "/usr/lib/allocsel/liballocsel-release.so", NULL };
        const char *both[] = { "/r.so", "/c.so", NULL };
        char *v = NULL;

        (void)state;
        assert_int_equal(preload_edit("/opt/a.so /x/libjemalloc.so.2", "/lib/libtcmalloc.so.4", release, &cat, &v), 0);
        assert_string_equal(v, "/lib/libtcmalloc.so.4:/usr/lib/allocsel/liballocsel-release.so:/opt/a.so");
        free(v);
        assert_int_equal(preload_edit(NULL, NULL, both + 1, &cat, &v), 0);
        assert_string_equal(v, "/c.so");
        free(v);
        /* a helper already there (an exec chain through allocsel again) is not doubled */
        assert_int_equal(preload_edit("/c.so:/opt/a.so", "/lib/libtcmalloc.so.4", both, &cat, &v), 0);
        assert_string_equal(v, "/lib/libtcmalloc.so.4:/r.so:/c.so:/opt/a.so");
        free(v);
}

static void check_merge(const char *old, char sep, char assign, const char *u1, const char *u2,
                        const char *expected)
{
        struct strv updates = { 0 };
        char *v;

        assert_int_equal(strv_push(&updates, u1), 0);
        if (u2)
                assert_int_equal(strv_push(&updates, u2), 0);
        assert_int_equal(list_merge(old, sep, assign, &updates, &v), 0);
        assert_string_equal(v, expected);
        free(v);
        strv_free(&updates);
}

static void test_merge_replaces_in_place_and_appends(void **state)
{
        (void)state;
        check_merge("narenas:2,abort_conf:true", ',', ':', "narenas:4", "dirty_decay_ms:0",
                    "narenas:4,abort_conf:true,dirty_decay_ms:0");
        check_merge("glibc.malloc.perturb=5:glibc.malloc.arena_max=8", ':', '=', "glibc.malloc.arena_max=2",
                    NULL, "glibc.malloc.perturb=5:glibc.malloc.arena_max=2");
        check_merge(NULL, ',', ':', "background_thread:true", NULL, "background_thread:true");
}

static void test_merge_key_is_whole_name(void **state)
{
        (void)state;
        /* "narenas" must not match "narenas_extra" */
        check_merge("narenas_extra:1", ',', ':', "narenas:4", NULL, "narenas_extra:1,narenas:4");
}

static void test_env_apply_sets_replaces_unsets(void **state)
{
        char *envp[] = { "PATH=/bin", "LD_PRELOAD=/old.so", "KEEP=1", NULL };
        struct strv changes = { 0 }, out = { 0 };

        (void)state;
        assert_int_equal(strv_push(&changes, "LD_PRELOAD"), 0);
        assert_int_equal(strv_push(&changes, "PATH=/usr/bin"), 0);
        assert_int_equal(strv_push(&changes, "NEW=x"), 0);
        assert_int_equal(strv_push(&changes, "NEW=y"), 0);
        assert_int_equal(env_apply(envp, &changes, &out), 0);
        assert_int_equal(out.n, 3);
        assert_string_equal(out.v[0], "KEEP=1");
        assert_string_equal(out.v[1], "PATH=/usr/bin");
        assert_string_equal(out.v[2], "NEW=y");
        assert_null(out.v[3]);
        strv_free(&changes);
        strv_free(&out);
}

static void test_env_apply_empty(void **state)
{
        char *envp[] = { NULL };
        struct strv changes = { 0 }, out = { 0 };

        (void)state;
        assert_int_equal(env_apply(envp, &changes, &out), 0);
        assert_non_null(out.v);
        assert_null(out.v[0]);
        strv_free(&out);
}

static void test_env_lookup(void **state)
{
        char *envp[] = { "LD_PRELOAD_X=1", "LD_PRELOAD=a", NULL };

        (void)state;
        assert_string_equal(env_lookup(envp, "LD_PRELOAD"), "a");
        assert_null(env_lookup(envp, "LD"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_preload_chosen_first),
                cmocka_unit_test(test_preload_other_allocators_removed),
                cmocka_unit_test(test_preload_glibc_removes_all_allocators),
                cmocka_unit_test(test_preload_helpers_after_the_allocator),
                cmocka_unit_test(test_merge_replaces_in_place_and_appends),
                cmocka_unit_test(test_merge_key_is_whole_name),
                cmocka_unit_test(test_env_apply_sets_replaces_unsets),
                cmocka_unit_test(test_env_apply_empty),
                cmocka_unit_test(test_env_lookup),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
