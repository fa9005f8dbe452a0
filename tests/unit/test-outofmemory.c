/* plan_make when memory runs out, at every allocation it makes in turn:
 * either -ENOMEM with nothing left allocated, or the very plan it makes
 * with memory to spare. Never half a plan (a jemalloc policy without its
 * library, a problem dropped so that an error is no longer one).
 *
 * This binary's malloc family counts the blocks alive and, when told,
 * fails every allocation from the Nth on (as when memory is gone for good),
 * except libconfig's: those end in allocsel's last resort (lastresort.h),
 * which the black-box tests run (faults.sh). */
#include <errno.h>

#include "testdiag.h"
#include "testfiles.h"
#include "lastresort.h"
#include "plan.h"

/* AddressSanitizer's allocator serves its own interceptors (strdup,
 * asprintf): a malloc family of ours under it would free what it made, so
 * the sanitizer build runs nothing here. */
#ifdef __SANITIZE_ADDRESS__
int main(void)
{
        printf("test-outofmemory: skipped under AddressSanitizer\n");
        return 0;
}
#else
static long alive;                      /* blocks allocated and not freed */
static unsigned long made, fail_from;   /* fail_from 0: nothing fails */

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);
void __libc_free(void *p);

static bool fails(void)
{
        if (fail_from == 0 || last_resort_armed() || ++made < fail_from)
                return false;
        errno = ENOMEM;
        return true;
}

void *malloc(size_t size)
{
        void *p = fails() ? NULL : __libc_malloc(size);

        alive += p != NULL;
        return p;
}

void *calloc(size_t n, size_t size)
{
        void *p = fails() ? NULL : __libc_calloc(n, size);

        alive += p != NULL;
        return p;
}

void *realloc(void *old, size_t size)
{
        void *p;

        if (!old)
                return malloc(size);
        p = fails() ? NULL : __libc_realloc(old, size);
        return p;
}

void free(void *p)
{
        alive -= p != NULL;
        __libc_free(p);
}

static char *tmp, *fake_libdir, *global_conf;

static int setup(void **state)
{
        char *conf;

        (void)state;
        last_resort_set(abort); /* armed around libconfig: no failure there */
        tmp = tmpdir_new();
        fake_libdir = fake_library_dir(tmp);
        assert_true(asprintf(&conf, "library_dirs = [ \"%s\" ];\nallocators = { myje = { library = "
                             "\"%s/libjemalloc.so.2\"; family = \"jemalloc\"; }; };\n", fake_libdir, fake_libdir) > 0);
        global_conf = write_file(tmp, "allocsel.conf", conf);
        free(conf);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        tmpdir_free(tmp);
        free(fake_libdir);
        free(global_conf);
        return 0;
}

/* What a plan says, as one text: compared with and without memory. */
static char *plan_text(const struct plan *pl)
{
        char *text = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&text, &size);

        assert_non_null(out);
        fprintf(out, "fallback=%d refuse=%d allocator=%s library=%s\n", pl->fallback, pl->refuse,
                pl->allocator ? pl->allocator->name : "(none)", pl->library ? pl->library : "(none)");
        for (size_t i = 0; i < pl->diags.n; i++)
                fprintf(out, "diag: %d %s:%d: %s\n", pl->diags.v[i].level, pl->diags.v[i].file ? pl->diags.v[i].file : "",
                        pl->diags.v[i].line, pl->diags.v[i].msg);
        for (size_t i = 0; i < pl->changes.n; i++)
                fprintf(out, "change: %s\n", pl->changes.v[i]);
        for (size_t i = 0; i < pl->notes.n; i++)
                fprintf(out, "note: %s\n", pl->notes.v[i]);
        fclose(out);
        return text;
}

/* Every failure point of plan_make for service's policy text. */
static void each_failure(const char *service, const char *text, bool describe)
{
        char *envp[] = { "PATH=/usr/bin:/bin", "LD_PRELOAD=/opt/keep.so:/x/libtcmalloc.so.4",
                         "MALLOC_CONF=narenas:2", NULL };
        struct plan_options o = { .global_conf = global_conf, .describe = describe };
        char name[300], *policy, *expected;
        unsigned long points = 0;
        struct plan pl;

        snprintf(name, sizeof(name), "%s.conf", service);
        policy = write_file(tmp, name, text);
        assert_int_equal(strv_push(&o.dirs, tmp), 0);
        assert_int_equal(plan_make(&pl, &o, service, envp), 0);
        expected = plan_text(&pl);
        plan_free(&pl);
        for (unsigned long n = 1;; n++) {
                long before = alive;
                char *got;
                int r;

                made = 0;
                fail_from = n;
                r = plan_make(&pl, &o, service, envp);
                fail_from = 0;
                if (made < n) {
                        /* the whole plan was made before the Nth allocation */
                        assert_int_equal(r, 0);
                        plan_free(&pl);
                        break;
                }
                points++;
                if (r < 0) {
                        assert_int_equal(r, -ENOMEM);
                        plan_free(&pl); /* compare.c frees it again: harmless */
                        if (alive != before)
                                fail_msg("%s: allocation %lu failed: plan_make returned -ENOMEM and left %ld "
                                         "block(s) allocated", service, n, alive - before);
                        continue;
                }
                got = plan_text(&pl);
                plan_free(&pl);
                if (strcmp(got, expected) != 0)
                        fail_msg("%s: allocation %lu failed, yet plan_make returned a plan that differs:\n"
                                 "--- with memory\n%s--- without\n%s", service, n, expected, got);
                free(got);
                assert_int_equal(alive, before);
        }
        print_message("%s%s: %lu allocations, each failed in turn\n", service, describe ? " (describe)" : "",
                      points);
        assert_true(points > 20);
        free(expected);
        strv_free(&o.dirs);
        assert_int_equal(unlink(policy), 0);
        free(policy);
}

static void test_jemalloc(void **state)
{
        const char *text = "allocator = \"jemalloc\";\n"
                           "jemalloc = { background_thread = true; dirty_decay_ms = 1000; narenas = \"auto\"; };\n"
                           "environment = { PYTHONMALLOC = \"malloc\"; };\n";

        (void)state;
        each_failure("je", text, false);
        each_failure("je", text, true);
}

static void test_custom_and_glibc(void **state)
{
        char *text;

        (void)state;
        /* the policy's own library: plan.c's strdup of it once went unchecked */
        assert_true(asprintf(&text, "allocator = \"jemalloc\";\nlibrary = \"%s/libjemalloc.so.2\";\n", fake_libdir) > 0);
        each_failure("lib", text, false);
        free(text);
        each_failure("custom", "allocator = \"myje\";\njemalloc = { extra = \"abort_conf:true\"; };\n", false);
        each_failure("gl", "allocator = \"glibc\";\nglibc = { arena_max = \"auto\"; mmap_threshold = \"64K\"; };\n",
                     true);
}

/* Errors are plans too: a problem dropped for want of memory would turn a
 * fallback into a start. */
static void test_policy_errors(void **state)
{
        (void)state;
        each_failure("bad", "allocator = \"jemaloc\";\nglibc = { arena_max = 0; };\nunknown = 1;\n", false);
        each_failure("nolib", "allocator = \"jemalloc\";\nlibrary = \"/nonexistent/libjemalloc.so.2\";\n", true);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_jemalloc),
                cmocka_unit_test(test_custom_and_glibc),
                cmocka_unit_test(test_policy_errors),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
#endif
