/* One policy name, the variable this library version reads. */
#include "testdiag.h"
#include "catalog.h"
#include "tuning.h"

struct fixture {
        struct catalog cat;
        struct policy p;
        struct library_traits t;
        struct strv changes;
        struct diags d;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        assert_int_equal(catalog_init(&f->cat), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        catalog_free(&f->cat);
        policy_free(&f->p);
        strv_free(&f->changes);
        diags_free(&f->d);
        free(f);
        return 0;
}

static void set_int(struct policy *p, enum policy_key k, long long v)
{
        p->s[k] = (struct setting){ .set = true, .file = "t.conf", .line = 1, .i = v };
}

static void set_str(struct policy *p, enum policy_key k, const char *v)
{
        p->s[k] = (struct setting){ .set = true, .file = "t.conf", .line = 2, .s = strdup(v) };
}

static void run_tuning(struct fixture *f, const char *allocator, char **envp)
{
        const struct allocator *a = catalog_find(&f->cat, allocator);

        assert_non_null(a);
        assert_int_equal(tuning_changes(&f->p, a, &f->t, envp, &f->changes, &f->d), 0);
}

static void test_glibc_tunables_version(void **state)
{
        (void)state;
        assert_false(glibc_has_tunables("2.25"));
        assert_true(glibc_has_tunables("2.26"));
        assert_true(glibc_has_tunables("2.36"));
        assert_true(glibc_has_tunables("3.0"));
}

static void test_glibc_tunables_merged(void **state)
{
        struct fixture *f = *state;
        char *envp[] = { "GLIBC_TUNABLES=glibc.malloc.arena_max=8:glibc.malloc.perturb=1", NULL };

        snprintf(f->t.version, sizeof(f->t.version), "2.36");
        set_int(&f->p, K_GLIBC_ARENA_MAX, 2);
        set_int(&f->p, K_GLIBC_TCACHE_COUNT, 0);
        run_tuning(f, "glibc", envp);
        assert_int_equal(f->changes.n, 1);
        assert_string_equal(f->changes.v[0], "GLIBC_TUNABLES=glibc.malloc.arena_max=2:glibc.malloc.perturb=1:"
                                              "glibc.malloc.tcache_count=0");
}

/* glibc's dynamic mmap threshold ends when any threshold is set: one
 * without the other is a warning saying what it costs (issue 22 item 18). */
static void thresholds(struct fixture *f, long long trim, long long pad, long long mmap_threshold)
{
        char *envp[] = { NULL };

        policy_free(&f->p);
        diags_free(&f->d);
        strv_free(&f->changes);
        snprintf(f->t.version, sizeof(f->t.version), "2.36");
        if (trim >= 0)
                set_int(&f->p, K_GLIBC_TRIM_THRESHOLD, trim);
        if (pad >= 0)
                set_int(&f->p, K_GLIBC_TOP_PAD, pad);
        if (mmap_threshold >= 0)
                set_int(&f->p, K_GLIBC_MMAP_THRESHOLD, mmap_threshold);
        run_tuning(f, "glibc", envp);
}

static void test_glibc_threshold_pairs(void **state)
{
        struct fixture *f = *state;

        thresholds(f, 131072, -1, -1);
        assert_int_equal(diags_count(&f->d, DIAG_WARNING), 1);
        assert_true(diags_contain(&f->d, "t.conf:1: glibc.trim_threshold without glibc.mmap_threshold: setting it "
                                         "turns off glibc's dynamic mmap threshold, so every allocation over 128 KiB "
                                         "becomes an mmap and munmap of its own"));
        thresholds(f, -1, 0, -1);
        assert_true(diags_contain(&f->d, "glibc.top_pad without glibc.mmap_threshold"));
        thresholds(f, -1, -1, 1048576);
        assert_int_equal(diags_count(&f->d, DIAG_WARNING), 1);
        assert_true(diags_contain(&f->d, "glibc.mmap_threshold without glibc.trim_threshold: trim_threshold stays "
                                         "at 128 KiB"));
        assert_true(diags_contain(&f->d, "set trim_threshold to 2097152 or more"));
        /* both, or a threshold too low for the default trim to matter: nothing to say */
        thresholds(f, 2097152, 0, 1048576);
        assert_int_equal(f->d.n, 0);
        thresholds(f, -1, -1, 65536);
        assert_int_equal(f->d.n, 0);
        thresholds(f, -1, -1, -1);
        assert_int_equal(f->d.n, 0);
}

static void test_glibc_mxfast_since_2_31(void **state)
{
        struct fixture *f = *state;
        char *envp[] = { NULL };

        snprintf(f->t.version, sizeof(f->t.version), "2.36");
        set_int(&f->p, K_GLIBC_MXFAST, 0);
        run_tuning(f, "glibc", envp);
        assert_true(strv_contains(&f->changes, "GLIBC_TUNABLES=glibc.malloc.mxfast=0"));
        strv_free(&f->changes);
        snprintf(f->t.version, sizeof(f->t.version), "2.28"); /* RHEL 8 */
        run_tuning(f, "glibc", envp);
        assert_int_equal(f->changes.n, 0);
        assert_true(diags_contain(&f->d, "glibc 2.28 has no glibc.malloc.mxfast (glibc 2.31 and later); ignored"));
}

static void test_glibc_legacy_variables(void **state)
{
        struct fixture *f = *state;
        char *envp[] = { NULL };

        snprintf(f->t.version, sizeof(f->t.version), "2.17");
        set_int(&f->p, K_GLIBC_ARENA_MAX, 2);
        set_int(&f->p, K_GLIBC_TRIM_THRESHOLD, 131072);
        set_int(&f->p, K_GLIBC_TCACHE_COUNT, 0);
        run_tuning(f, "glibc", envp);
        assert_true(strv_contains(&f->changes, "MALLOC_ARENA_MAX=2"));
        assert_true(strv_contains(&f->changes, "MALLOC_TRIM_THRESHOLD_=131072"));
        assert_int_equal(f->changes.n, 2);
        assert_true(diags_contain(&f->d, "glibc 2.17 has no glibc.malloc.tcache_count (glibc 2.26 and later); ignored"));
        assert_int_equal(diags_count(&f->d, DIAG_ERROR), 0);
}

static void test_glibc_hugetlb_since_2_35(void **state)
{
        struct fixture *f = *state;
        char *envp[] = { NULL };

        snprintf(f->t.version, sizeof(f->t.version), "2.34");
        set_int(&f->p, K_GLIBC_HUGETLB, 1);
        set_int(&f->p, K_GLIBC_ARENA_MAX, 4);
        run_tuning(f, "glibc", envp);
        assert_true(strv_contains(&f->changes, "GLIBC_TUNABLES=glibc.malloc.arena_max=4"));
        assert_int_equal(f->changes.n, 1);
        assert_true(diags_contain(&f->d, "t.conf:1: glibc 2.34 has no glibc.malloc.hugetlb (glibc 2.35 and later); ignored"));
        assert_int_equal(diags_count(&f->d, DIAG_ERROR), 0);

        strv_free(&f->changes);
        snprintf(f->t.version, sizeof(f->t.version), "2.35");
        run_tuning(f, "glibc", envp);
        assert_true(strv_contains(&f->changes, "GLIBC_TUNABLES=glibc.malloc.arena_max=4:glibc.malloc.hugetlb=1"));
        /* no tunables at all: not even a legacy variable */
        strv_free(&f->changes);
        snprintf(f->t.version, sizeof(f->t.version), "2.17");
        run_tuning(f, "glibc", envp);
        assert_true(strv_contains(&f->changes, "MALLOC_ARENA_MAX=4"));
        assert_int_equal(f->changes.n, 1);
}

static void test_huge_page_keys(void **state)
{
        struct fixture *f = *state;
        char *envp[] = { "MALLOC_CONF=thp:always", NULL };

        snprintf(f->t.conf_var, sizeof(f->t.conf_var), "MALLOC_CONF");
        set_str(&f->p, K_JE_THP, "never");
        set_str(&f->p, K_JE_METADATA_THP, "auto");
        set_int(&f->p, K_MI_LARGE_OS_PAGES, 1);
        run_tuning(f, "jemalloc", envp);
        assert_int_equal(f->changes.n, 1);
        assert_string_equal(f->changes.v[0], "MALLOC_CONF=thp:never,metadata_thp:auto");
        strv_free(&f->changes);
        run_tuning(f, "mimalloc", envp);
        assert_int_equal(f->changes.n, 1);
        assert_string_equal(f->changes.v[0], "MIMALLOC_LARGE_OS_PAGES=1");
}

static void test_jemalloc_prefixed_build(void **state)
{
        struct fixture *f = *state;
        char *envp[] = { "JE_MALLOC_CONF=narenas:1", "MALLOC_CONF=ignored:1", NULL };

        snprintf(f->t.conf_var, sizeof(f->t.conf_var), "JE_MALLOC_CONF");
        set_int(&f->p, K_JE_BACKGROUND_THREAD, 1);
        set_str(&f->p, K_JE_EXTRA, "narenas:3,retain:false");
        run_tuning(f, "jemalloc", envp);
        assert_int_equal(f->changes.n, 1);
        assert_string_equal(f->changes.v[0], "JE_MALLOC_CONF=narenas:3,background_thread:true,retain:false");
}

static void test_jemalloc_profile_needs_prof_build(void **state)
{
        struct fixture *f = *state;
        char *envp[] = { NULL };

        snprintf(f->t.conf_var, sizeof(f->t.conf_var), "MALLOC_CONF");
        set_str(&f->p, K_PROFILE_HEAP, "/var/tmp/heap");
        run_tuning(f, "jemalloc", envp);
        assert_true(diags_contain(&f->d, "t.conf:2: profile.heap: this jemalloc was built without profiling"));
        f->t.jemalloc_prof = true;
        strv_free(&f->changes);
        run_tuning(f, "jemalloc", envp);
        assert_string_equal(f->changes.v[0], "MALLOC_CONF=prof:true,prof_prefix:/var/tmp/heap");
}

static void test_mimalloc_names_by_version(void **state)
{
        struct fixture *f = *state;
        char *envp[] = { NULL };

        snprintf(f->t.version, sizeof(f->t.version), "2.0");
        set_int(&f->p, K_MI_PURGE_DELAY, 0);
        set_int(&f->p, K_MI_ARENA_EAGER_COMMIT, 1);
        run_tuning(f, "mimalloc", envp);
        assert_true(strv_contains(&f->changes, "MIMALLOC_DECOMMIT_DELAY=0"));
        assert_int_equal(f->changes.n, 1);
        assert_true(diags_contain(&f->d, "mimalloc 2.0 has no arenas option; ignored"));

        strv_free(&f->changes);
        f->t.mimalloc_purge_names = true;
        run_tuning(f, "mimalloc", envp);
        assert_true(strv_contains(&f->changes, "MIMALLOC_PURGE_DELAY=0"));
        assert_true(strv_contains(&f->changes, "MIMALLOC_ARENA_EAGER_COMMIT=1"));
}

static void test_gperftools_heap_checker_gone(void **state)
{
        struct fixture *f = *state;
        char *envp[] = { NULL };

        snprintf(f->t.version, sizeof(f->t.version), "2.17");
        f->t.heap_profiler = true;
        f->t.heap_checker = false;
        set_str(&f->p, K_PROFILE_HEAP, "/var/tmp/h");
        set_str(&f->p, K_PROFILE_HEAP_CHECK, "normal");
        run_tuning(f, "tcmalloc", envp);
        assert_true(strv_contains(&f->changes, "HEAPPROFILE=/var/tmp/h"));
        assert_true(diags_contain(&f->d, "tcmalloc 2.17 has no heap checker (removed in gperftools 2.17)"));
}

static void test_gperftools_minimal_cannot_profile(void **state)
{
        struct fixture *f = *state;
        char *envp[] = { NULL };

        f->t.heap_profiler = true;
        set_str(&f->p, K_PROFILE_HEAP, "/var/tmp/h");
        set_int(&f->p, K_TC_AGGRESSIVE_DECOMMIT, 1);
        run_tuning(f, "tcmalloc-minimal", envp);
        assert_true(strv_contains(&f->changes, "TCMALLOC_AGGRESSIVE_DECOMMIT=true"));
        assert_true(diags_contain(&f->d, "tcmalloc-minimal has no heap profiler"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_glibc_tunables_version),
                cmocka_unit_test_setup_teardown(test_glibc_tunables_merged, setup, teardown),
                cmocka_unit_test_setup_teardown(test_glibc_mxfast_since_2_31, setup, teardown),
                cmocka_unit_test_setup_teardown(test_glibc_threshold_pairs, setup, teardown),
                cmocka_unit_test_setup_teardown(test_glibc_legacy_variables, setup, teardown),
                cmocka_unit_test_setup_teardown(test_glibc_hugetlb_since_2_35, setup, teardown),
                cmocka_unit_test_setup_teardown(test_huge_page_keys, setup, teardown),
                cmocka_unit_test_setup_teardown(test_jemalloc_prefixed_build, setup, teardown),
                cmocka_unit_test_setup_teardown(test_jemalloc_profile_needs_prof_build, setup, teardown),
                cmocka_unit_test_setup_teardown(test_mimalloc_names_by_version, setup, teardown),
                cmocka_unit_test_setup_teardown(test_gperftools_heap_checker_gone, setup, teardown),
                cmocka_unit_test_setup_teardown(test_gperftools_minimal_cannot_profile, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
