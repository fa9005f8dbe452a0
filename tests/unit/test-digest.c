/* The policy digest: the same for the same effective policy, whatever the
 * order, comments, ignored sections or caller's environment; different when
 * what reaches the program differs. */
#include "testdiag.h"
#include "testfiles.h"
#include "plan.h"
#include "policy_digest.h"

static char *policy_dir, *global_conf;

/* The digest of SERVICE's plan with policy text in policy_dir/SERVICE.conf. */
static void digest_of(const char *text, char *const *envp, char out[POLICY_DIGEST_LEN + 1])
{
        struct plan_options o = { .global_conf = global_conf };
        struct plan pl;

        free(write_file(policy_dir, "svc.conf", text));
        assert_int_equal(strv_push(&o.dirs, policy_dir), 0);
        assert_int_equal(plan_make(&pl, &o, "svc", envp), 0);
        if (pl.fallback)
                print_diags(&pl.diags);
        assert_false(pl.fallback);
        assert_int_equal(policy_digest(&pl, out), 0);
        assert_int_equal(strlen(out), POLICY_DIGEST_LEN);
        assert_int_equal(strspn(out, "0123456789abcdef"), POLICY_DIGEST_LEN);
        plan_free(&pl);
        strv_free(&o.dirs);
}

/* The allocators are libfake-alloc.so under their sonames, found through
 * library_dirs: the packages' builds run this test without any allocator
 * installed. */
static int setup(void **state)
{
        char *libdir, *conf;

        (void)state;
        policy_dir = tmpdir_new();
        libdir = fake_library_dir(policy_dir);
        assert_true(asprintf(&conf, "library_dirs = [ \"%s\" ];\n", libdir) > 0);
        global_conf = write_file(policy_dir, "allocsel.conf", conf);
        free(conf);
        free(libdir);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        tmpdir_free(policy_dir);
        free(global_conf);
        return 0;
}

#define BASE "allocator = \"jemalloc\";\njemalloc = { dirty_decay_ms = 1000; narenas = 2; };\n" \
             "environment = { PYTHONMALLOC = \"malloc\"; A = \"1\"; };\n"

static void test_same_policy_same_digest(void **state)
{
        char *plain_env[] = { NULL }, *caller_env[] = { "LD_PRELOAD=/opt/libfoo.so", "MALLOC_CONF=abort:false", NULL };
        char a[17], b[17], c[17], d[17], e[17];

        (void)state;
        digest_of(BASE, plain_env, a);
        /* other order, comments, and what the caller's environment holds */
        digest_of("# web\njemalloc = { narenas = 2; dirty_decay_ms = 1000; };\n"
                  "environment = { A = \"1\"; PYTHONMALLOC = \"malloc\"; };\nallocator = \"jemalloc\";\n",
                  caller_env, b);
        /* sections of other allocators are ignored, and so is the monitor's */
        digest_of(BASE "tcmalloc = { release_rate = 5.0; };\nglibc = { arena_max = 2; };\n", plain_env, c);
        digest_of(BASE "monitor = { startup_sample_ms = 100; log_samples = true; };\non_error = \"fail\";\n",
                  plain_env, d);
        digest_of(BASE, plain_env, e);
        assert_string_equal(a, b);
        assert_string_equal(a, c);
        assert_string_equal(a, d);
        assert_string_equal(a, e);      /* and it is stable from run to run */
}

static void test_what_reaches_the_program_counts(void **state)
{
        char *env[] = { NULL };
        char base[17], other[17];

        (void)state;
        digest_of(BASE, env, base);
        digest_of("allocator = \"jemalloc\";\njemalloc = { dirty_decay_ms = 2000; narenas = 2; };\n"
                  "environment = { PYTHONMALLOC = \"malloc\"; A = \"1\"; };\n", env, other);
        assert_string_not_equal(base, other);   /* a tuning value */
        digest_of("allocator = \"jemalloc\";\njemalloc = { dirty_decay_ms = 1000; narenas = 2; };\n"
                  "environment = { PYTHONMALLOC = \"malloc\"; A = \"2\"; };\n", env, other);
        assert_string_not_equal(base, other);   /* an environment value */
        digest_of("allocator = \"tcmalloc\";\njemalloc = { dirty_decay_ms = 1000; narenas = 2; };\n"
                  "environment = { PYTHONMALLOC = \"malloc\"; A = \"1\"; };\n", env, other);
        assert_string_not_equal(base, other);   /* the allocator */
        digest_of("allocator = \"glibc\";\n", env, base);
        digest_of("allocator = \"glibc\";\nglibc = { arena_max = 2; };\n", env, other);
        assert_string_not_equal(base, other);   /* the chosen allocator's own section */
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_same_policy_same_digest),
                cmocka_unit_test(test_what_reaches_the_program_counts),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
