/* The plan as a finished value: the monitor's settings with the key
 * table's defaults, what it sets for a given PID, and variables the kernel
 * would refuse at exec reported like any policy error. */
#include "testdiag.h"
#include "envbuild.h"
#include "plan.h"

static char *policy_dir;

static void make_plan(struct plan *pl, const char *service, const char *text, char **envp)
{
        struct plan_options o = { .global_conf = "/nonexistent/allocsel.conf", .allocator = NULL };
        char name[300];

        snprintf(name, sizeof(name), "%s.conf", service);
        free(write_file(policy_dir, name, text));
        assert_int_equal(strv_push(&o.dirs, policy_dir), 0);
        assert_int_equal(plan_make(pl, &o, service, envp), 0);
        strv_free(&o.dirs);
}

static void test_monitor_defaults_from_the_key_table(void **state)
{
        char *envp[] = { NULL };
        struct plan pl;

        (void)state;
        make_plan(&pl, "defaults", "allocator = \"glibc\";\n", envp);
        assert_false(pl.fallback);
        assert_true(pl.monitor.enabled);
        assert_int_equal(pl.monitor.startup_sample_ms, policy_keys[K_MON_STARTUP_SAMPLE_MS].def);
        assert_int_equal(pl.monitor.startup_sample_ms, 5000);
        assert_int_equal(pl.monitor.sample_interval_ms, 1000);
        assert_false(pl.monitor.log_samples);
        assert_false(pl.release.enabled);
        plan_free(&pl);
        make_plan(&pl, "set", "monitor = { startup_sample_ms = 250; log_samples = true; enabled = false; };\n", envp);
        assert_false(pl.monitor.enabled);
        assert_int_equal(pl.monitor.startup_sample_ms, 250);
        assert_int_equal(pl.monitor.sample_interval_ms, 1000);
        assert_true(pl.monitor.log_samples);
        plan_free(&pl);
}

/* The PID is the program's, bound when its environment is built: the
 * release helper's pid= and ALLOCSEL_CHILDREN's leading PID name it. The
 * preloaded libraries are not beside a unit test, so the plan gets both
 * sections by hand, as plan_make leaves them when it finds the libraries. */
static void test_variables_for_a_pid(void **state)
{
        char *envp[] = { "KEEP=1", "LD_PRELOAD=/x/libtcmalloc.so.4", NULL };
        struct strv vars = { 0 }, env = { 0 };
        struct plan pl;

        (void)state;
        make_plan(&pl, "vars", "environment = { A = \"1\"; };\n", envp);
        pl.release.enabled = true;
        pl.children_saved = strdup(";A");
        assert_non_null(pl.children_saved);
        assert_int_equal(plan_variables(&pl, 1234, &vars), 0);
        assert_true(strv_contains(&vars, "A=1"));
        assert_true(strv_contains(&vars, "LD_PRELOAD"));
        assert_true(strv_contains(&vars, "ALLOCSEL_CHILDREN=1234;A"));
        assert_non_null(env_lookup(vars.v, "ALLOCSEL_RELEASE"));
        assert_non_null(strstr(env_lookup(vars.v, "ALLOCSEL_RELEASE"), ",pid=1234"));
        strv_free(&vars);
        /* another PID, another binding: nothing of the first is kept */
        assert_int_equal(plan_variables(&pl, 99, &vars), 0);
        assert_true(strv_contains(&vars, "ALLOCSEL_CHILDREN=99;A"));
        assert_non_null(strstr(env_lookup(vars.v, "ALLOCSEL_RELEASE"), ",pid=99"));
        strv_free(&vars);
        assert_int_equal(plan_environment(&pl, envp, 1234, &env), 0);
        assert_string_equal(env_lookup(env.v, "KEEP"), "1");
        assert_string_equal(env_lookup(env.v, "A"), "1");
        assert_string_equal(env_lookup(env.v, "ALLOCSEL_CHILDREN"), "1234;A");
        assert_null(env_lookup(env.v, "LD_PRELOAD"));
        strv_free(&env);
        plan_free(&pl);
}

/* A value over MAX_ARG_STRLEN would make the exec fail: an error of the
 * policy (--check reports it), with its file and line. */
static char *policy_with_value_of(size_t value_len)
{
        const char *head = "allocator = \"glibc\";\nenvironment = { BIG = \"", *tail = "\"; };\n";
        char *text = malloc(strlen(head) + value_len + strlen(tail) + 1);

        assert_non_null(text);
        strcpy(text, head);
        memset(text + strlen(head), 'x', value_len);
        strcpy(text + strlen(head) + value_len, tail);
        return text;
}

static void test_too_long_for_the_kernel(void **state)
{
        size_t fits = env_string_max() - strlen("BIG=") - 1; /* with its name and NUL */
        char *text, *envp[] = { NULL };
        struct plan pl;

        (void)state;
        text = policy_with_value_of(fits + 1);
        make_plan(&pl, "long", text, envp);
        assert_true(pl.fallback);
        assert_true(diags_contain(&pl.diags, "long.conf:2: environment.BIG: "));
        assert_true(diags_contain(&pl.diags, "over the kernel's limit of"));
        plan_free(&pl);
        free(text);
        text = policy_with_value_of(fits);
        make_plan(&pl, "fits", text, envp);
        print_diags(&pl.diags);
        assert_false(pl.fallback);
        plan_free(&pl);
        free(text);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_monitor_defaults_from_the_key_table),
                cmocka_unit_test(test_variables_for_a_pid),
                cmocka_unit_test(test_too_long_for_the_kernel),
        };
        int r;

        policy_dir = tmpdir_new();
        r = cmocka_run_group_tests(tests, NULL, NULL);
        tmpdir_free(policy_dir);
        return r;
}
