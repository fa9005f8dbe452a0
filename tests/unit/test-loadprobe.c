/* The load probe's process: its exit status and stderr, and the signal
 * mask, which load_probe changes while it waits and must give back. */
#include <signal.h>

#include "testutil.h"
#include "loadprobe.h"

static char *scripts;

static int setup(void **state)
{
        (void)state;
        scripts = tmpdir_new();
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        tmpdir_free(scripts);
        return 0;
}

/* A script for interpreter, with mode 0755; the caller frees the path. */
static char *script(const char *name, const char *interpreter, const char *body)
{
        char *text, *path;

        assert_true(asprintf(&text, "#!%s\n%s\n", interpreter, body) > 0);
        path = write_file(scripts, name, text);
        assert_int_equal(chmod(path, 0755), 0);
        free(text);
        return path;
}

/* The SigBlk line of /proc/self/status: the blocked signals, in hex. */
static void blocked_now(char *buf, size_t size)
{
        FILE *f = fopen("/proc/self/status", "re");
        char line[256];

        assert_non_null(f);
        buf[0] = '\0';
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, "SigBlk:\t", 8) == 0)
                        snprintf(buf, size, "%s", line + 8);
        fclose(f);
        assert_true(buf[0] != '\0');
}

static void test_status_and_stderr(void **state)
{
        char *path = script("fails.sh", "/bin/sh", "echo \"refused: $1\" >&2; exit 3");
        char *const env[] = { NULL };
        struct load_result r;
        char why[96];

        (void)state;
        assert_int_equal(load_probe(path, "--version", env, &r), 0);
        assert_false(r.timed_out);
        assert_string_equal(r.output, "refused: --version\n");
        assert_string_equal(load_failure(&r, why, sizeof(why)), "exited with status 3");
        free(path);
}

/* load_probe blocks SIGCHLD to wait for it: the program must not inherit
 * that, and the caller must get its own mask back. */
static void test_signal_mask_untouched(void **state)
{
        /* not a shell: dash clears the mask it starts with */
        char *path = script("mask.awk", "/usr/bin/awk -f",
                            "BEGIN { while ((getline l < \"/proc/self/status\") > 0)\n"
                            "        if (sub(/^SigBlk:\t/, \"\", l)) print l > \"/dev/stderr\" }");
        char *const env[] = { NULL };
        char before[256], after[256];
        sigset_t usr1, old;
        struct load_result r;

        (void)state;
        sigemptyset(&usr1);
        sigaddset(&usr1, SIGUSR1);
        assert_int_equal(sigprocmask(SIG_SETMASK, &usr1, &old), 0);
        blocked_now(before, sizeof(before));
        assert_int_equal(load_probe(path, "x", env, &r), 0);
        blocked_now(after, sizeof(after));
        assert_int_equal(sigprocmask(SIG_SETMASK, &old, NULL), 0);
        assert_string_equal(before, "0000000000000200\n");     /* SIGUSR1 (10) alone */
        assert_string_equal(r.output, before);
        assert_string_equal(after, before);
        assert_int_equal(WEXITSTATUS(r.status), 0);
        free(path);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_status_and_stderr),
                cmocka_unit_test(test_signal_mask_untouched),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
