/* Policy loading: every validation rule, merging, masking, did-you-mean. */
#include <ctype.h>
#include <errno.h>

#include "testdiag.h"
#include "confscan.h"
#include "policy.h"
#include "suggest.h"

struct fixture {
        char *dir;
        struct policy p;
        struct diags d;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        f->dir = tmpdir_new();
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        policy_free(&f->p);
        diags_free(&f->d);
        tmpdir_free(f->dir);
        free(f);
        return 0;
}

/* Applies text as one policy file and returns the fixture. */
static struct fixture *apply(void **state, const char *text)
{
        struct fixture *f = *state;
        char *path = write_file(f->dir, "t.conf", text);

        (void)policy_apply_file(&f->p, path, false, &f->d);
        free(path);
        return f;
}

/* The single error a bad file produced contains needle. */
static void expect_error(void **state, const char *text, const char *needle)
{
        struct fixture *f = apply(state, text);

        if (!diags_contain(&f->d, needle))
                print_diags(&f->d);
        assert_true(diags_count(&f->d, DIAG_ERROR) >= 1);
        assert_true(diags_contain(&f->d, needle));
}

static void test_service_names(void **state)
{
        (void)state;
        assert_true(service_name_valid("monitor-server"));
        assert_true(service_name_valid("a.b@c:d_e-f"));
        assert_false(service_name_valid(""));
        assert_false(service_name_valid("."));
        assert_false(service_name_valid(".."));
        assert_false(service_name_valid("a/b"));
        assert_false(service_name_valid("a b"));
        assert_false(service_name_valid("ä"));
        char long_name[257];
        memset(long_name, 'x', 256);
        long_name[256] = '\0';
        assert_false(service_name_valid(long_name));
        long_name[255] = '\0';
        assert_true(service_name_valid(long_name));
}

static void test_valid_file_sets_every_kind(void **state)
{
        struct fixture *f = apply(state,
                "allocator = \"jemalloc\";\n"
                "on_error = \"fail\";\n"
                "glibc = { trim_threshold = \"128K\"; };\n"
                "jemalloc = { background_thread = true; dirty_decay_ms = -1; extra = \"retain:false,tcache:false\"; };\n"
                "tcmalloc = { release_rate = 2; };\n"
                "environment = { PYTHONMALLOC = \"malloc\"; };\n");

        print_diags(&f->d);
        assert_int_equal(f->d.n, 0);
        assert_string_equal(f->p.s[K_ALLOCATOR].s, "jemalloc");
        assert_int_equal(f->p.s[K_ALLOCATOR].line, 1);
        assert_string_equal(f->p.s[K_ON_ERROR].s, "fail");
        assert_int_equal(f->p.s[K_GLIBC_TRIM_THRESHOLD].i, 128 * 1024);
        assert_int_equal(f->p.s[K_JE_BACKGROUND_THREAD].i, 1);
        assert_int_equal(f->p.s[K_JE_DIRTY_DECAY_MS].i, -1);
        assert_int_equal(f->p.s[K_JE_DIRTY_DECAY_MS].line, 4);
        assert_true(f->p.s[K_TC_RELEASE_RATE].d == 2.0);
        assert_int_equal(f->p.n_env, 1);
        assert_string_equal(f->p.env[0].value, "malloc");
        assert_false(f->p.s[K_LIBRARY].set);
}

static void test_syntax_error_names_line(void **state)
{
        expect_error(state, "allocator = \"jemalloc\";\n\njemalloc = { narenas = ; };\n", "t.conf:3: syntax error");
}

static void test_unknown_keys_suggest(void **state)
{
        expect_error(state, "jemalloc = { muzzy_decay = 0; };\n",
                     "t.conf:1: unknown key \"jemalloc.muzzy_decay\" (did you mean \"muzzy_decay_ms\"?)");
        expect_error(state, "alocator = \"glibc\";\n", "(did you mean \"allocator\"?)");
        expect_error(state, "jemallok = { narenas = 2; };\n", "(did you mean \"jemalloc\"?)");
        expect_error(state, "completely_unrelated_key = 1;\n", "unknown key \"completely_unrelated_key\"");
}

static void test_type_errors(void **state)
{
        expect_error(state, "jemalloc = { background_thread = 1; };\n",
                     "jemalloc.background_thread: expected true or false, got an integer");
        expect_error(state, "glibc = { arena_max = \"2\"; };\n", "glibc.arena_max: expected an integer or \"auto\", got a string");
        expect_error(state, "allocator = 3;\n", "allocator: expected a string, got an integer");
        expect_error(state, "glibc = 3;\n", "glibc: expected a group { ... }, got an integer");
        expect_error(state, "tcmalloc = { release_rate = \"fast\"; };\n", "expected a number, got a string");
}

static void test_range_errors(void **state)
{
        expect_error(state, "glibc = { arena_max = 0; };\n", "glibc.arena_max: 0 is out of range (1 to 1024)");
        expect_error(state, "glibc = { tcache_count = 65536; };\n", "65536 is out of range (0 to 65535)");
        expect_error(state, "tcmalloc = { release_rate = 100.5; };\n", "100.5 is out of range (0 to 100)");
        expect_error(state, "monitor = { sample_interval_ms = 5; };\n", "5 is out of range (10 to 3600000)");
        expect_error(state, "glibc = { mmap_threshold = \"1G\"; };\n", "1073741824 is out of range");
        expect_error(state, "glibc = { top_pad = \"lots\"; };\n", "\"lots\" is not a size");
}

static void test_wrapped_integer_is_checked_as_written(void **state)
{
        /* libconfig 1.5 reads 4294967297 as 1, which would pass the range check */
        expect_error(state, "glibc = { arena_max = 4294967297; };\n", "4294967297 is out of range (1 to 1024)");
}

static void test_choice_and_path_errors(void **state)
{
        expect_error(state, "on_error = \"fial\";\n", "\"fial\" is not one of fallback|fail (did you mean \"fail\"?)");
        expect_error(state, "profile = { heap_check = \"strictt\"; };\n", "(did you mean \"strict\"?)");
        expect_error(state, "library = \"libjemalloc.so.2\";\n", "library: \"libjemalloc.so.2\" is not an absolute path");
        expect_error(state, "allocator = \"\";\n", "allocator: is empty");
}

static void test_jemalloc_extra_syntax(void **state)
{
        expect_error(state, "jemalloc = { extra = \"retain\"; };\n", "\"retain\" is not of the form opt:value");
        expect_error(state, "jemalloc = { extra = \"Bad-Name:1\"; };\n", "is not a jemalloc option name");
        expect_error(state, "jemalloc = { extra = \",\"; };\n", "jemalloc.extra: is empty");
}

static void test_environment_rules(void **state)
{
        expect_error(state, "environment = { LD_PRELOAD = \"/x.so\"; };\n", "environment.LD_PRELOAD: set by allocsel itself");
        expect_error(state, "environment = { MALLOC_CONF = \"x:1\"; };\n", "environment.MALLOC_CONF: set by allocsel itself");
        /* issue 10 item 13: every ALLOCSEL_ name, not only the two allocsel sets itself */
        expect_error(state, "environment = { ALLOCSEL_RELEASE = \"interval_ms=1\"; };\n",
                     "environment.ALLOCSEL_RELEASE: set by allocsel itself");
        expect_error(state, "environment = { ALLOCSEL_FOO = \"x\"; };\n", "environment.ALLOCSEL_FOO: set by allocsel itself");
        expect_error(state, "environment = { ALLOCSEL_SERVICE = \"x\"; };\n", "environment.ALLOCSEL_SERVICE: set by allocsel itself");
        expect_error(state, "environment = { FOO = 1; };\n", "environment.FOO: expected a string, got an integer");
        expect_error(state, "environment = { a-b = \"x\"; };\n", "environment.a-b: not a valid variable name");
}

static void test_merge_setting_by_setting(void **state)
{
        struct fixture *f = *state;
        struct strv dirs = { 0 };
        char *a = write_file(f->dir, "default.conf",
                             "allocator = \"jemalloc\";\njemalloc = { narenas = 2; dirty_decay_ms = 500; };\n"
                             "environment = { A = \"1\"; B = \"1\"; };\n");
        char *b = write_file(f->dir, "svc.conf", "jemalloc = { narenas = 4; };\nenvironment = { B = \"2\"; };\n");

        assert_int_equal(strv_push(&dirs, f->dir), 0);
        struct policy_search search = { .dirs = &dirs };

        assert_int_equal(policy_load(&f->p, &search, "svc", &f->d), 0);
        assert_int_equal(f->d.n, 0);
        assert_string_equal(f->p.s[K_ALLOCATOR].s, "jemalloc");
        assert_int_equal(f->p.s[K_JE_NARENAS].i, 4);
        assert_string_equal(f->p.s[K_JE_NARENAS].file, b);
        assert_int_equal(f->p.s[K_JE_DIRTY_DECAY_MS].i, 500);
        assert_string_equal(f->p.s[K_JE_DIRTY_DECAY_MS].file, a);
        assert_int_equal(f->p.n_env, 2);
        assert_string_equal(f->p.env[0].value, "1");
        assert_string_equal(f->p.env[1].value, "2");
        assert_int_equal(f->p.files.n, 2);
        assert_string_equal(f->p.files.v[0], a);
        assert_string_equal(f->p.files.v[1], b);
        free(a);
        free(b);
        strv_free(&dirs);
}

static void test_locate_masks(void **state)
{
        struct fixture *f = *state;
        struct strv dirs = { 0 };
        char *hi, *lo, *path = NULL, *link;

        assert_true(asprintf(&hi, "%s/hi", f->dir) > 0 && asprintf(&lo, "%s/lo", f->dir) > 0);
        assert_int_equal(mkdir(hi, 0755), 0);
        assert_int_equal(mkdir(lo, 0755), 0);
        assert_int_equal(strv_push(&dirs, hi), 0);
        assert_int_equal(strv_push(&dirs, lo), 0);
        free(write_file(lo, "a.conf", ""));
        char *ha = write_file(hi, "b.conf", "");
        free(write_file(lo, "b.conf", ""));
        free(write_file(lo, "c.conf", ""));
        assert_true(asprintf(&link, "%s/c.conf", hi) > 0);
        assert_int_equal(symlink("/dev/null", link), 0);

        struct policy_search search = { .dirs = &dirs };

        assert_int_equal(policy_locate(&search, "a.conf", &path, &f->d), 0);
        assert_non_null(strstr(path, "/lo/a.conf"));
        free(path);
        assert_int_equal(policy_locate(&search, "b.conf", &path, &f->d), 0);
        assert_string_equal(path, ha);
        free(path);
        assert_int_equal(policy_locate(&search, "c.conf", &path, &f->d), -ENOENT);
        assert_int_equal(policy_locate(&search, "none.conf", &path, &f->d), -ENOENT);
        assert_int_equal(f->d.n, 0);
        free(ha);
        free(link);
        free(hi);
        free(lo);
        strv_free(&dirs);
}

#define NOBODY 65534

/* Loads "svc" from dir (as root when check_owner) into the fixture. */
static struct fixture *load_from(void **state, const char *dir, bool given, bool check_owner)
{
        struct fixture *f = *state;
        struct strv dirs = { 0 };
        struct policy_search search = { .dirs = &dirs, .dirs_given = given, .check_owner = check_owner };

        assert_int_equal(strv_push(&dirs, dir), 0);
        (void)policy_load(&f->p, &search, "svc", &f->d);
        strv_free(&dirs);
        return f;
}

static void reset(struct fixture *f)
{
        policy_free(&f->p);
        diags_free(&f->d);
}

static void expect_load_error(void **state, const char *dir, bool check_owner, const char *needle)
{
        struct fixture *f = load_from(state, dir, true, check_owner);

        if (!diags_contain(&f->d, needle))
                print_diags(&f->d);
        assert_true(diags_contain(&f->d, needle));
        assert_int_equal(f->p.files.n, 0);
        reset(f);
}

/* Issue 10 item 3: as root, the policy directory itself is root's and
 * writable by nobody else, sticky or not; each entry is root's itself. */
static void test_policy_directory_rules(void **state)
{
        struct fixture *f = *state;
        char *pd, *entry, *msg, *link;

        if (geteuid() != 0) {
                print_message("skipped: ownership checks need root (CI runs them as root)\n");
                skip();
        }
        assert_true(asprintf(&pd, "%s/pd", f->dir) > 0);
        assert_int_equal(mkdir(pd, 0755), 0);
        entry = write_file(pd, "svc.conf", "allocator = \"jemalloc\";\n");
        load_from(state, pd, true, true);
        assert_int_equal(f->d.n, 0);
        assert_int_equal(f->p.files.n, 1);
        reset(f);

        assert_int_equal(chmod(pd, 01777), 0); /* like /tmp */
        assert_true(asprintf(&msg, "%s: policy directory ignored: %s is writable by group or others", pd, pd) > 0);
        expect_load_error(state, pd, true, msg);
        free(msg);
        assert_int_equal(chmod(f->dir, 01777), 0);     /* sticky above it is fine */
        assert_int_equal(chmod(pd, 0755), 0);
        load_from(state, pd, true, true);
        assert_int_equal(f->d.n, 0);
        reset(f);
        assert_int_equal(chmod(f->dir, 0755), 0);

        assert_int_equal(chown(pd, NOBODY, 0), 0);
        expect_load_error(state, pd, true, "is not owned by root");
        assert_int_equal(chown(pd, 0, 0), 0);

        /* an entry someone else owns: a file, or a link to root's file */
        assert_int_equal(unlink(entry), 0);
        free(write_file(f->dir, "real.conf", "allocator = \"jemalloc\";\n"));
        assert_true(asprintf(&link, "%s/real.conf", f->dir) > 0);
        assert_int_equal(symlink(link, entry), 0);
        free(link);
        load_from(state, pd, true, true);
        assert_int_equal(f->d.n, 0);    /* root's link to root's file */
        reset(f);
        assert_int_equal(lchown(entry, NOBODY, NOBODY), 0);
        assert_true(asprintf(&msg, "%s: ignored: %s is not owned by root", entry, entry) > 0);
        expect_load_error(state, pd, true, msg);
        free(msg);

        /* a mask counts only if it is root's own link */
        assert_int_equal(unlink(entry), 0);
        assert_int_equal(symlink("/dev/null", entry), 0);
        assert_int_equal(lchown(entry, NOBODY, NOBODY), 0);
        expect_load_error(state, pd, true, "is not owned by root");
        assert_int_equal(lchown(entry, 0, 0), 0);
        load_from(state, pd, true, true);
        assert_int_equal(f->d.n, 0);
        assert_int_equal(f->p.files.n, 0);
        reset(f);
        free(entry);
        free(pd);
}

/* Issue 10 item 9: errors, never a silent "no policy". */
static void test_no_silent_no_policy(void **state)
{
        struct fixture *f = *state;
        char *missing, *link, name[252], *msg;

        assert_true(asprintf(&missing, "%s/nowhere", f->dir) > 0);
        expect_load_error(state, missing, false, "policy directory does not exist");
        load_from(state, missing, false, false);       /* the default path may lack a directory */
        assert_int_equal(f->d.n, 0);
        reset(f);

        assert_true(asprintf(&link, "%s/svc.conf", f->dir) > 0);
        assert_int_equal(symlink(missing, link), 0);
        assert_true(asprintf(&msg, "%s: is a dangling symbolic link", link) > 0);
        expect_load_error(state, f->dir, false, msg);
        free(msg);
        free(link);
        free(missing);

        /* 251 characters + ".conf" is longer than NAME_MAX */
        memset(name, 'x', 251);
        name[251] = '\0';
        assert_true(service_name_valid(name));
        {
                struct strv dirs = { 0 };
                struct policy_search search = { .dirs = &dirs };

                assert_int_equal(strv_push(&dirs, f->dir), 0);
                (void)policy_load(&f->p, &search, name, &f->d);
                strv_free(&dirs);
        }
        if (!diags_contain(&f->d, "file name too long"))
                print_diags(&f->d);
        assert_true(diags_contain(&f->d, "file name too long for the file system"));
}

/* A file that applies cleanly: diagnostics only of the given level count. */
static struct fixture *apply_ok(void **state, const char *text)
{
        struct fixture *f = *state;

        reset(f);
        apply(state, text);
        if (diags_count(&f->d, DIAG_ERROR) != 0)
                print_diags(&f->d);
        assert_int_equal(diags_count(&f->d, DIAG_ERROR), 0);
        return f;
}

static void expect_only_error(void **state, const char *text, const char *needle)
{
        struct fixture *f = *state;

        reset(f);
        expect_error(state, text, needle);
        assert_int_equal(diags_count(&f->d, DIAG_ERROR), 1);
}

static void test_include_refused(void **state)
{
        struct fixture *f;

        expect_error(state, "allocator = \"glibc\";\n  @include \"/etc/passwd\"\n", "t.conf:2: @include is not allowed");
        expect_only_error(state, "/* a\n */ # x\n\n@include \"/etc/passwd\"\n", "t.conf:4: @include is not allowed");
        /* in a comment or a string it is text, as libconfig reads it */
        f = apply_ok(state, "# @include \"x\"\n/*\n@include \"x\"\n*/\nenvironment = { A = \"@include\"; };\n");
        assert_int_equal(f->d.n, 0);
        assert_string_equal(f->p.env[0].value, "@include");
}

/* Issue 10 item 10: exactly the value libconfig parsed is checked and applied. */
static void test_integers_as_libconfig_reads_them(void **state)
{
        struct fixture *f;

        f = apply_ok(state, "glibc = { arena_max = 010; };\n");
        assert_int_equal(f->p.s[K_GLIBC_ARENA_MAX].i, 10);     /* not octal 8 */
        assert_true(diags_contain(&f->d, "t.conf:1: glibc.arena_max: 010 has a leading zero and is read as decimal 10, not octal"));
        f = apply_ok(state, "glibc = { arena_max = 09; };\n");
        assert_int_equal(f->p.s[K_GLIBC_ARENA_MAX].i, 9);      /* not "0" */
        assert_true(diags_contain(&f->d, "glibc.arena_max: 09 has a leading zero and is read as decimal 9"));
        f = apply_ok(state, "jemalloc = { narenas = 0x10; dirty_decay_ms = -1; };\n");
        assert_int_equal(f->p.s[K_JE_NARENAS].i, 16);
        assert_int_equal(f->p.s[K_JE_DIRTY_DECAY_MS].i, -1);
        assert_int_equal(f->d.n, 0);
        f = apply_ok(state, "glibc = { trim_threshold = 4294967296L; top_pad = 0x100000000L; };\n");
        assert_int_equal(f->p.s[K_GLIBC_TRIM_THRESHOLD].i, 4294967296LL);
        assert_int_equal(f->p.s[K_GLIBC_TOP_PAD].i, 4294967296LL);
        /* look-alikes in comments and strings are not the value */
        f = apply_ok(state, "# glibc = { arena_max = 4294967297; }\n"
                            "environment = { X = \"arena_max = 4294967297;\"; };\n"
                            "glibc = { /* arena_max = 4294967297; */ arena_max // = 7\n = 2; };\n");
        assert_int_equal(f->p.s[K_GLIBC_ARENA_MAX].i, 2);
}

static void test_integers_libconfig_wraps_are_refused(void **state)
{
        /* libconfig 1.5 reads each of these as something else */
        expect_only_error(state, "glibc = { arena_max /* x */ = 4294967297; };\n",
                          "t.conf:1: glibc.arena_max: 4294967297 is out of range (1 to 1024)");
        expect_only_error(state, "glibc = { arena_max\n=\n4294967297; };\n",
                          "t.conf:3: glibc.arena_max: 4294967297 is out of range (1 to 1024)");
        expect_only_error(state, "jemalloc = { dirty_decay_ms /**/ = 4294967295; };\n",
                          "jemalloc.dirty_decay_ms: 4294967295 is out of range (-1 to 86400000)");
        expect_only_error(state, "jemalloc = { dirty_decay_ms = -4294967297; };\n",
                          "jemalloc.dirty_decay_ms: -4294967297 is out of range (-1 to 86400000)");
        expect_only_error(state, "jemalloc = { dirty_decay_ms = 0xFFFFFFFF; };\n",
                          "jemalloc.dirty_decay_ms: 0xFFFFFFFF is out of range (-1 to 86400000)");
        expect_only_error(state, "jemalloc = { narenas = 9223372036854775808; };\n",
                          "jemalloc.narenas: 9223372036854775808 is out of range (1 to 4096)");
        expect_only_error(state, "jemalloc = { narenas = 99999999999999999999L; };\n",
                          "jemalloc.narenas: 99999999999999999999L is out of range (1 to 4096)");
        expect_only_error(state, "glibc = { trim_threshold = 4294967296; };\n",
                          "glibc.trim_threshold: 4294967296 does not fit in 32 bits, libconfig reads it as 0; write 4294967296L");
        expect_only_error(state, "tcmalloc = { release_rate = 4294967297; };\n",
                          "tcmalloc.release_rate: 4294967297 is out of range (0 to 100)");
        /* two settings on one line: each is its own literal */
        expect_only_error(state, "glibc = { tcache_count = 1; arena_max = 4294967297; };\n",
                          "glibc.arena_max: 4294967297 is out of range");
}

/* Issue 10 item 11: bounded before libconfig builds anything. */
static void test_bounded_work(void **state)
{
        struct fixture *f = *state;
        size_t size = (CONF_MAX_SETTINGS + 1) * 16 + 64;
        char *text = malloc(size), *p = text;

        for (int i = 0; i < CONF_MAX_SETTINGS; i++)
                p += sprintf(p, "k%05d = %d;\n", i, i);
        reset(f);
        apply(state, text);
        /* at the limit: every key is read (and unknown) */
        assert_int_equal(diags_count(&f->d, DIAG_ERROR), CONF_MAX_SETTINGS);
        sprintf(p, "one_more = 1;\n");
        expect_only_error(state, text, "t.conf:257: more than 256 settings: not an allocsel file");
        free(text);
        expect_only_error(state, "a = [1, 2, 3];\nb = ((((((((((1))))))))));\n",
                          "t.conf:2: nested more than 8 levels deep: not an allocsel file");
}

static void test_diag_one_line(void **state)
{
        struct diags d = { 0 };
        char *line, *esc;

        (void)state;
        diags_add(&d, DIAG_ERROR, "/a\nb.conf", 3, "x \"%s\"", "1\n2\t3\r\x1b[0m\x7f");
        line = diag_format(&d.v[0]);
        assert_string_equal(line, "/a\\nb.conf:3: x \"1\\n2\\t3\\r\\x1b[0m\\x7f\"");
        free(line);
        esc = diag_escape("plain é");
        assert_string_equal(esc, "plain é");    /* UTF-8 is text, not control */
        free(esc);
        diags_free(&d);
}

static void test_suggest(void **state)
{
        const char *names[] = { "jemalloc", "mimalloc", "tcmalloc", "glibc" };

        (void)state;
        assert_string_equal(suggest_nearest("jemaloc", names, 4), "jemalloc");
        assert_string_equal(suggest_nearest("tcmaloc", names, 4), "tcmalloc");
        assert_null(suggest_nearest("zzzzzzzzzzzz", names, 4));
        {
                char hint[SUGGEST_HINT_MAX];

                assert_string_equal(suggest_hint("jemalloc", hint, sizeof(hint)), " (did you mean \"jemalloc\"?)");
                assert_string_equal(suggest_hint(NULL, hint, sizeof(hint)), "");
        }
}

/* Every key of the schema is documented in allocsel.d(5), as ".B NAME" in
 * its own section (".SH GLIBC SECTION"; top-level keys under ".SH TOP-LEVEL
 * KEYS"): read from the key table itself, so that an entry written over
 * two lines, or two sections' "enabled", are each checked. */
static char *man_section(char *man, const char *section)
{
        char heading[64], *start, *end, *out;

        if (section)
                snprintf(heading, sizeof(heading), "%s SECTION\n", section);
        else
                snprintf(heading, sizeof(heading), "TOP-LEVEL KEYS\n");
        for (char *c = heading; *c; c++)
                *c = (char)toupper((unsigned char)*c);
        start = strncmp(man, ".SH ", 4) == 0 ? man : strstr(man, "\n.SH ");
        if (start && start != man)
                start++;
        while (start && strncmp(start + 4, heading, strlen(heading)) != 0) {
                start = strstr(start, "\n.SH ");
                if (start)
                        start++;
        }
        if (!start)
                return NULL;
        start += 4 + strlen(heading) - 1;       /* at the heading's newline */
        end = strstr(start, "\n.SH ");
        out = strndup(start, end ? (size_t)(end - start + 1) : strlen(start));
        assert_non_null(out);
        return out;
}

static void test_every_key_documented(void **state)
{
        char *path, *man;
        size_t checked = 0;

        (void)state;
        assert_true(asprintf(&path, "%s/../../packaging/man/allocsel.d.5", self_dir()) > 0);
        man = read_file(path);
        assert_non_null(man);
        for (int k = 0; k < K__COUNT; k++) {
                char *text = man_section(man, policy_keys[k].section), *line;

                if (!text)
                        fail_msg("allocsel.d(5) has no section for %s", policy_keys[k].section);
                assert_true(asprintf(&line, "\n.B %s\n", policy_keys[k].name) > 0);
                if (!strstr(text, line))
                        fail_msg("allocsel.d(5) does not document %s%s%s in its section",
                                 policy_keys[k].section ? policy_keys[k].section : "",
                                 policy_keys[k].section ? "." : "", policy_keys[k].name);
                checked++;
                free(line);
                free(text);
        }
        assert_int_equal(checked, K__COUNT);
        assert_true(checked > 30);
        free(man);
        free(path);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_service_names),
                cmocka_unit_test_setup_teardown(test_valid_file_sets_every_kind, setup, teardown),
                cmocka_unit_test_setup_teardown(test_syntax_error_names_line, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unknown_keys_suggest, setup, teardown),
                cmocka_unit_test_setup_teardown(test_type_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_range_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_wrapped_integer_is_checked_as_written, setup, teardown),
                cmocka_unit_test_setup_teardown(test_choice_and_path_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_jemalloc_extra_syntax, setup, teardown),
                cmocka_unit_test_setup_teardown(test_environment_rules, setup, teardown),
                cmocka_unit_test_setup_teardown(test_include_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_merge_setting_by_setting, setup, teardown),
                cmocka_unit_test_setup_teardown(test_locate_masks, setup, teardown),
                cmocka_unit_test_setup_teardown(test_policy_directory_rules, setup, teardown),
                cmocka_unit_test_setup_teardown(test_no_silent_no_policy, setup, teardown),
                cmocka_unit_test_setup_teardown(test_integers_as_libconfig_reads_them, setup, teardown),
                cmocka_unit_test_setup_teardown(test_integers_libconfig_wraps_are_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bounded_work, setup, teardown),
                cmocka_unit_test(test_diag_one_line),
                cmocka_unit_test(test_suggest),
                cmocka_unit_test(test_every_key_documented),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
