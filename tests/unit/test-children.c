/* children = "clean": ALLOCSEL_CHILDREN written by allocsel and read back by
 * the library, and the environment a child gets: allocsel's changes undone,
 * the program's own kept. */
#include <errno.h>

#include "testutil.h"
#include "children_env.h"

/* What allocsel received, what it set, and the program's environment at start. */
static char *caller_env[] = { "PATH=/bin", "LD_PRELOAD=/opt/keep.so /x/libtcmalloc.so.4", "MALLOC_CONF=a:1;b%c",
                              "PYTHONMALLOC=pymalloc", NULL };
static char *changes[] = { "PYTHONMALLOC=malloc", "MALLOC_CONF=a:1;b%c,narenas:2",
                           "LD_PRELOAD=/je.so:/c.so:/opt/keep.so", "ALLOCSEL_SERVICE=web", "LD_PRELOAD=/je.so:/c.so:/opt/keep.so",
                           "GLIBC_TUNABLES", NULL };
static const char *expected_spec =
        "1234;PYTHONMALLOC=pymalloc;MALLOC_CONF=a:1%3Bb%25c;LD_PRELOAD=/opt/keep.so /x/libtcmalloc.so.4;"
        "ALLOCSEL_SERVICE;GLIBC_TUNABLES;ALLOCSEL_CHILDREN";

static char **start_env(char *spec_entry)
{
        static char *env[8];

        env[0] = "PATH=/bin";
        env[1] = "LD_PRELOAD=/je.so:/c.so:/opt/keep.so";
        env[2] = "MALLOC_CONF=a:1;b%c,narenas:2";
        env[3] = "PYTHONMALLOC=malloc";
        env[4] = "ALLOCSEL_SERVICE=web";
        env[5] = spec_entry;
        env[6] = NULL;
        return env;
}

static void test_encode(void **state)
{
        char *spec;

        (void)state;
        assert_int_equal(children_spec_encode(changes, caller_env, &spec), 0);
        assert_string_equal(spec, expected_spec + strlen("1234"));
        free(spec);
}

static void parse(struct children_spec *s, char **entry)
{
        assert_true(asprintf(entry, "ALLOCSEL_CHILDREN=%s", expected_spec) > 0);
        assert_int_equal(children_spec_parse(expected_spec, start_env(*entry), s), 0);
}

static void test_parse(void **state)
{
        struct children_spec s;
        char *entry;

        (void)state;
        parse(&s, &entry);
        assert_int_equal(s.pid, 1234);
        assert_int_equal(s.n, 6);
        assert_string_equal(s.v[1].name, "MALLOC_CONF");
        assert_string_equal(s.v[1].original, "MALLOC_CONF=a:1;b%c");
        assert_string_equal(s.v[1].ours, "MALLOC_CONF=a:1;b%c,narenas:2");
        assert_null(s.v[3].original);
        assert_null(s.v[4].ours);       /* GLIBC_TUNABLES: removed by allocsel */
        /* what allocsel put into LD_PRELOAD: neither entry the caller had */
        assert_int_equal(s.n_added, 2);
        assert_string_equal(s.added[0], "/je.so");
        assert_string_equal(s.added[1], "/c.so");
        children_spec_free(&s);
        free(entry);
}

static void clean(const struct children_spec *s, char **envp, char ***out, char **buf)
{
        size_t n, len = children_preload_len(envp, &n);

        *out = calloc(n + 1, sizeof(**out));
        *buf = malloc(len + 1);
        children_clean(s, envp, *out, *buf, len + 1);
}

static void test_inherited_environment_goes_back(void **state)
{
        struct children_spec s;
        char *entry, **out, *buf;
        char **env;

        (void)state;
        parse(&s, &entry);
        env = start_env(entry);
        clean(&s, env, &out, &buf);
        assert_string_equal(out[0], "PATH=/bin");
        assert_string_equal(out[1], "LD_PRELOAD=/opt/keep.so /x/libtcmalloc.so.4");
        assert_string_equal(out[2], "MALLOC_CONF=a:1;b%c");
        assert_string_equal(out[3], "PYTHONMALLOC=pymalloc");
        assert_null(out[4]);            /* ALLOCSEL_SERVICE and ALLOCSEL_CHILDREN gone */
        children_spec_free(&s);
        free(out);
        free(buf);
        free(entry);
}

static void test_program_changes_are_kept(void **state)
{
        char *env[] = { "LD_PRELOAD=/mine.so /je.so::/c.so /opt/keep.so", "MALLOC_CONF=mine:1", "X=1",
                        "ALLOCSEL_SERVICE=web", NULL };
        char *only_ours[] = { "LD_PRELOAD=/c.so:/je.so", NULL };
        struct children_spec s;
        char *entry, **out, *buf;

        (void)state;
        parse(&s, &entry);
        clean(&s, env, &out, &buf);
        /* allocsel's entries out of an LD_PRELOAD the program changed, the rest kept */
        assert_string_equal(out[0], "LD_PRELOAD=/mine.so:/opt/keep.so");
        assert_string_equal(out[1], "MALLOC_CONF=mine:1");
        assert_string_equal(out[2], "X=1");
        assert_null(out[3]);
        free(out);
        free(buf);
        clean(&s, only_ours, &out, &buf);
        assert_null(out[0]);
        free(out);
        free(buf);
        /* an environment built from scratch gets nothing added */
        clean(&s, (char *[]){ "HOME=/", NULL }, &out, &buf);
        assert_string_equal(out[0], "HOME=/");
        assert_null(out[1]);
        children_spec_free(&s);
        free(out);
        free(buf);
        free(entry);
}

static void test_bad_values(void **state)
{
        static const char *const bad[] = { "", "abc", "0;X", "-5;X", "12x;X", "12;1BAD", "12;X=%zz", "12;X=%4",
                                           "12;;X", "12;", "99999999999;X", "12;A-B=1" };
        char *env[] = { NULL };
        struct children_spec s;

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
                int r = children_spec_parse(bad[i], env, &s);

                if (r != -EINVAL)
                        fail_msg("\"%s\" gave %d", bad[i], r);
        }
        assert_int_equal(children_spec_parse("12", env, &s), 0);
        assert_int_equal(s.n, 0);
        children_spec_free(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_encode),
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_inherited_environment_goes_back),
                cmocka_unit_test(test_program_changes_are_kept),
                cmocka_unit_test(test_bad_values),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
