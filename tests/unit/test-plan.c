/* The plan over fixture policies, the way OpenBSD's doas regress diffs its
 * check mode's output: tests/fixtures/policies/NAME.conf is planned as service NAME
 * and what the plan says (outcome, allocator, every message, every variable
 * set) must equal tests/fixtures/policies/NAME.expected line for line.
 *
 * The allocator libraries are libfake-alloc.so under each soname in a
 * directory of its own (packages run the unit tests where no allocator is
 * installed), written @LIBDIR@ in the expected files; the fixtures
 * directory is written as nothing (messages name "NAME.conf").
 * ALLOCSEL_REGRESS_UPDATE=1 rewrites the expected files instead. */
#include <dirent.h>
#include <errno.h>

#include "testfiles.h"
#include "plan.h"

struct regress {
        char *fixtures;         /* tests/fixtures/policies */
        char *tmp;
        char *libdir;           /* tmp/lib: the fake allocators */
        char *global_conf;      /* tmp/allocsel.conf: library_dirs = [ libdir ] */
};

static int setup(void **state)
{
        struct regress *r = calloc(1, sizeof(*r));
        const char *env = getenv("ALLOCSEL_FIXTURES");
        char *conf;

        assert_non_null(r);
        if (env)
                r->fixtures = strdup(env);
        else
                assert_true(asprintf(&r->fixtures, "%s/../../tests/fixtures/policies", self_dir()) > 0);
        r->tmp = tmpdir_new();
        r->libdir = fake_library_dir(r->tmp);
        assert_true(asprintf(&conf, "library_dirs = [ \"%s\" ];\n", r->libdir) > 0);
        r->global_conf = write_file(r->tmp, "allocsel.conf", conf);
        free(conf);
        *state = r;
        return 0;
}

static int teardown(void **state)
{
        struct regress *r = *state;

        tmpdir_free(r->tmp);
        free(r->fixtures);
        free(r->libdir);
        free(r->global_conf);
        free(r);
        return 0;
}

/* s with every occurrence of from replaced by to; caller frees. */
static char *replaced(const char *s, const char *from, const char *to)
{
        size_t len = strlen(from), size = 0;
        char *text = NULL;
        FILE *out = open_memstream(&text, &size);
        const char *hit;

        assert_non_null(out);
        while ((hit = strstr(s, from))) {
                fwrite(s, 1, (size_t)(hit - s), out);
                fputs(to, out);
                s = hit + len;
        }
        fputs(s, out);
        fclose(out);
        return text;
}

/* The fixtures directory and the fake library directory differ per tree. */
static void put_line(FILE *out, const struct regress *r, const char *prefix, const char *text)
{
        char *dir, *a, *b;

        assert_true(asprintf(&dir, "%s/", r->fixtures) > 0);
        a = replaced(text, dir, "");
        b = replaced(a, r->libdir, "@LIBDIR@");
        fprintf(out, "%s%s\n", prefix, b);
        free(b);
        free(a);
        free(dir);
}

/* What the plan for service says, as the expected files write it. */
static char *describe_plan(const struct regress *r, const char *service)
{
        char *envp[] = { "PATH=/usr/bin:/bin", NULL };
        struct plan_options o = { .global_conf = r->global_conf };
        struct plan pl;
        char *text = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&text, &size);

        assert_non_null(out);
        assert_int_equal(strv_push(&o.dirs, r->fixtures), 0);
        assert_int_equal(plan_make(&pl, &o, service, envp), 0);
        fprintf(out, "outcome: %s\n", pl.refuse ? "refuse" : pl.fallback ? "fallback" : "run");
        fprintf(out, "allocator: %s\n", pl.allocator ? pl.allocator->name : "(none)");
        for (size_t i = 0; i < pl.diags.n; i++) {
                char *line = diag_format(&pl.diags.v[i]);

                put_line(out, r, pl.diags.v[i].level == DIAG_ERROR ? "error: " : "warning: ", line);
                free(line);
        }
        for (size_t i = 0; i < pl.changes.n; i++)
                put_line(out, r, strchr(pl.changes.v[i], '=') ? "set: " : "unset: ", pl.changes.v[i]);
        plan_free(&pl);
        strv_free(&o.dirs);
        fclose(out);
        return text;
}

static char *read_text(const char *path)
{
        FILE *f = fopen(path, "r");
        char *text = NULL;
        size_t size = 0;
        ssize_t n;

        if (!f)
                return NULL;
        n = getdelim(&text, &size, '\0', f);
        fclose(f);
        if (n < 0) {
                free(text);
                return strdup("");
        }
        return text;
}

/* Returns whether the fixture matched (or was rewritten). */
static bool check_fixture(const struct regress *r, const char *name)
{
        char *service = strndup(name, strlen(name) - 5), *expected_path, *expected, *got;
        bool ok;

        assert_true(asprintf(&expected_path, "%s/%s.expected", r->fixtures, service) > 0);
        got = describe_plan(r, service);
        if (getenv("ALLOCSEL_REGRESS_UPDATE")) {
                FILE *f = fopen(expected_path, "w");

                assert_non_null(f);
                fputs(got, f);
                fclose(f);
        }
        expected = read_text(expected_path);
        ok = expected && strcmp(expected, got) == 0;
        if (!ok)
                print_message("%s: the plan differs from %s\n--- expected\n%s--- got\n%s", name,
                              expected_path, expected ? expected : "(no such file)\n", got);
        free(expected);
        free(got);
        free(expected_path);
        free(service);
        return ok;
}

static void test_fixtures(void **state)
{
        struct regress *r = *state;
        struct dirent **names;
        int n = scandir(r->fixtures, &names, NULL, alphasort), checked = 0, failed = 0;

        assert_true(n > 0);
        for (int i = 0; i < n; i++) {
                size_t len = strlen(names[i]->d_name);

                if (len > 5 && strcmp(names[i]->d_name + len - 5, ".conf") == 0) {
                        failed += !check_fixture(r, names[i]->d_name);
                        checked++;
                }
                free(names[i]);
        }
        free(names);
        print_message("%d fixture policies, %d differ\n", checked, failed);
        assert_true(checked >= 10);
        assert_int_equal(failed, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_fixtures, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
