/* The fleet report without a journal: records joined into runs, groups
 * and their medians, changes, the outputs, and --since/--until times. */
#include <dirent.h>
#include <errno.h>

#include "testutil.h"
#include "fleet.h"
#include "fleet_output.h"
#include "timeparse.h"

static const char *S(struct fleet *f, const char *s)
{
        return s ? strpool_intern(&f->pool, s, strlen(s)) : NULL;
}

/* A record of kind at time t (seconds) from host's boot, for service. */
static struct fleet_record rec(struct fleet *f, int kind, long long t, const char *host, const char *service,
                               long long pid)
{
        struct fleet_record r;

        fleet_record_init(&r);
        r.kind = kind;
        r.realtime_us = t * 1000000;
        r.host = S(f, host);
        r.boot = S(f, host);    /* one boot per host will do */
        r.service = S(f, service);
        r.pid = pid;
        return r;
}

static void started(struct fleet *f, long long t, const char *host, const char *service, long long pid,
                    const char *allocator, const char *digest)
{
        struct fleet_record r = rec(f, REC_STARTED, t, host, service, pid);

        r.allocator = S(f, allocator);
        r.library = S(f, strcmp(allocator, "glibc") == 0 ? "(none)" : "/usr/lib/libjemalloc.so.2");
        r.digest = S(f, digest);
        assert_int_equal(fleet_join(f, &r), 0);
}

static void monitor_record(struct fleet *f, int kind, long long t, const char *host, long long pid,
                           long long rss, long long peak, const char *loaded)
{
        struct fleet_record r = rec(f, kind, t, host, NULL, pid);

        r.rss_kb = rss;
        r.peak_kb = peak;
        r.loaded = S(f, loaded);
        r.lifetime_ms = kind == REC_EXITED ? 5000 : FLEET_UNKNOWN;
        assert_int_equal(fleet_join(f, &r), 0);
}

/* One whole run: started, startup, exited. */
static void full_run(struct fleet *f, long long t, const char *host, const char *service, long long pid,
                     const char *allocator, const char *digest, long long exit_kb)
{
        started(f, t, host, service, pid, allocator, digest);
        monitor_record(f, REC_STARTUP, t + 1, host, pid, exit_kb / 2, exit_kb / 2, "true");
        monitor_record(f, REC_EXITED, t + 2, host, pid, exit_kb, exit_kb + 100, NULL);
}

static void test_records_join_into_runs(void **state)
{
        struct fleet f = { .runs = NULL };
        struct fleet_record r;

        (void)state;
        started(&f, 1, "h1", "web", 100, "jemalloc", "d1");
        monitor_record(&f, REC_STARTUP, 2, "h1", 100, 1000, 1200, "true");
        monitor_record(&f, REC_EXITED, 3, "h1", 100, 900, 1500, NULL);
        /* the same PID again after its exit: another run */
        started(&f, 4, "h1", "web", 100, "jemalloc", "d1");
        monitor_record(&f, REC_STARTUP, 5, "h1", 100, 2000, 2000, "false");
        /* a run whose started record was not read */
        monitor_record(&f, REC_EXITED, 6, "h1", 200, 0, 0, NULL);
        /* a record of the same boot and PID but another start: another run */
        r = rec(&f, REC_STARTED, 8, "h1", "web", 300);
        r.start_us = 7500000;           /* the program started before the record was logged */
        assert_int_equal(fleet_join(&f, &r), 0);
        r = rec(&f, REC_EXITED, 9, "h1", "web", 300);
        r.start_us = 8500000;
        r.rss_kb = 10;
        assert_int_equal(fleet_join(&f, &r), 0);
        r = rec(&f, REC_FALLBACK, 7, "h1", "web", FLEET_UNKNOWN);
        r.reason = S(&f, "/etc/allocsel.d/web.conf:3: bad");
        assert_int_equal(fleet_join(&f, &r), 0);

        assert_int_equal(f.n, 6);
        assert_int_equal(f.records, 9);
        assert_int_equal(f.runs[3].start_us, 7500000);
        assert_int_equal(f.runs[3].exit_kb, FLEET_UNKNOWN);
        assert_int_equal(f.runs[4].start_us, 8500000);
        assert_int_equal(f.runs[4].exit_kb, 10);
        assert_int_equal(f.runs[0].startup_kb, 1000);
        assert_int_equal(f.runs[0].exit_kb, 900);
        assert_int_equal(f.runs[0].peak_kb, 1500);
        assert_int_equal(f.runs[0].lifetime_ms, 5000);
        assert_int_equal(f.runs[0].loaded, LOADED_YES);
        assert_true(f.runs[0].exited);
        assert_int_equal(f.runs[1].loaded, LOADED_NO);
        assert_string_equal(f.runs[1].why_not_loaded, "library not mapped at startup (the preload did not take)");
        assert_int_equal(f.runs[1].exit_kb, FLEET_UNKNOWN);
        /* 0 KiB: never sampled, not a figure */
        assert_int_equal(f.runs[2].pid, 200);
        assert_int_equal(f.runs[2].exit_kb, FLEET_UNKNOWN);
        assert_int_equal(f.runs[2].peak_kb, FLEET_UNKNOWN);
        assert_string_equal(f.runs[5].allocator, "(fallback)");
        assert_int_equal(f.runs[5].loaded, LOADED_NO);
        assert_string_equal(f.runs[5].why_not_loaded, "policy not applied: /etc/allocsel.d/web.conf:3: bad");
        fleet_free(&f);
}

static void test_systemd_records_give_the_exit(void **state)
{
        struct fleet f = { .runs = NULL };
        struct fleet_record r;

        (void)state;
        r = rec(&f, REC_STARTED, 1, "h1", "web", 100);
        r.invocation = S(&f, "aaaa");
        r.allocator = S(&f, "glibc");
        assert_int_equal(fleet_join(&f, &r), 0);
        r = rec(&f, REC_STARTED, 2, "h1", "db", 101);
        r.invocation = S(&f, "bbbb");
        assert_int_equal(fleet_join(&f, &r), 0);
        /* a control process is not the main one */
        r = rec(&f, REC_UNIT_EXIT, 3, "h1", NULL, FLEET_UNKNOWN);
        r.invocation = S(&f, "aaaa");
        r.command = S(&f, "ExecStartPost");
        r.exit_code = S(&f, "exited");
        r.exit_status = 9;
        assert_int_equal(fleet_join(&f, &r), 0);
        assert_null(f.runs[0].exit_code);
        r.command = S(&f, "ExecStart");
        r.exit_status = 3;
        assert_int_equal(fleet_join(&f, &r), 0);
        r = rec(&f, REC_UNIT_SUCCESS, 4, "h1", NULL, FLEET_UNKNOWN);
        r.invocation = S(&f, "aaaa");
        assert_int_equal(fleet_join(&f, &r), 0);        /* a failure stays one */
        r.invocation = S(&f, "bbbb");
        assert_int_equal(fleet_join(&f, &r), 0);
        r.invocation = S(&f, "cccc");                   /* not ours */
        assert_int_equal(fleet_join(&f, &r), 0);
        assert_string_equal(f.runs[0].exit_code, "exited");
        assert_int_equal(f.runs[0].exit_status, 3);
        assert_string_equal(f.runs[1].exit_code, "success");
        assert_int_equal(f.runs[1].exit_status, -1);
        assert_int_equal(f.n, 2);
        fleet_free(&f);
}

static void test_groups_and_medians(void **state)
{
        struct fleet f = { .runs = NULL };
        struct fleet_summary s;

        (void)state;
        full_run(&f, 10, "h1", "web", 1, "jemalloc", "d1", 4000);
        full_run(&f, 20, "h1", "web", 2, "jemalloc", "d1", 1000);
        full_run(&f, 30, "h1", "web", 3, "jemalloc", "d1", 3000);
        full_run(&f, 40, "h1", "web", 4, "jemalloc", "d1", 2000);
        started(&f, 50, "h1", "web", 5, "jemalloc", "d1");      /* no figures yet */
        full_run(&f, 10, "h2", "web", 1, "jemalloc", "d1", 8000);
        assert_int_equal(fleet_summarize(&f, true, &s), 0);
        assert_int_equal(s.n_groups, 2);
        assert_string_equal(s.groups[0].host, "h1");
        assert_int_equal(s.groups[0].runs, 5);
        /* the lower middle of 1000 2000 3000 4000; the run without figures does not count */
        assert_int_equal(s.groups[0].median.exit_kb, 2000);
        assert_int_equal(s.groups[0].median.peak_kb, 2100);
        assert_int_equal(s.groups[0].median.startup_kb, 1000);
        assert_int_equal(s.groups[0].first_us, 10000000);
        assert_int_equal(s.groups[0].last_us, 50000000);
        assert_int_equal(s.groups[1].median.exit_kb, 8000);
        assert_int_equal(s.n_changes, 0);
        fleet_summary_free(&s);
        /* across hosts: one group */
        assert_int_equal(fleet_summarize(&f, false, &s), 0);
        assert_int_equal(s.n_groups, 1);
        assert_null(s.groups[0].host);
        assert_int_equal(s.groups[0].runs, 6);
        assert_int_equal(s.groups[0].median.exit_kb, 3000);
        fleet_summary_free(&s);
        fleet_free(&f);
}

static void test_changes_per_host_and_service(void **state)
{
        struct fleet f = { .runs = NULL };
        struct fleet_summary s;
        double pct;

        (void)state;
        full_run(&f, 10, "h1", "web", 1, "glibc", "g1", 4000);
        full_run(&f, 11, "h1", "db", 2, "glibc", "g1", 100);   /* another service in between */
        full_run(&f, 12, "h1", "web", 3, "glibc", "g1", 6000);
        full_run(&f, 20, "h1", "web", 4, "jemalloc", "d1", 2000);
        full_run(&f, 21, "h1", "web", 5, "jemalloc", "d1", 3000);
        full_run(&f, 30, "h1", "web", 6, "jemalloc", "d2", 2500);
        full_run(&f, 15, "h2", "web", 1, "jemalloc", "d1", 2000);
        assert_int_equal(fleet_summarize(&f, true, &s), 0);
        assert_int_equal(s.n_changes, 2);
        assert_string_equal(s.changes[0].before.allocator, "glibc");
        assert_string_equal(s.changes[0].after.allocator, "jemalloc");
        assert_int_equal(s.changes[0].before.runs, 2);
        assert_int_equal(s.changes[0].after.runs, 2);
        assert_int_equal(s.changes[0].before.median.exit_kb, 4000);
        assert_int_equal(s.changes[0].after.median.exit_kb, 2000);
        assert_int_equal(s.changes[0].after.first_us, 20000000);
        assert_true(fleet_change_pct(4000, 2000, &pct));
        assert_true(pct > -50.001 && pct < -49.999);
        assert_false(fleet_change_pct(FLEET_UNKNOWN, 2000, &pct));
        assert_string_equal(s.changes[1].before.digest, "d1");
        assert_string_equal(s.changes[1].after.digest, "d2");
        /* runs in host, service, time order */
        assert_string_equal(f.runs[s.order[0]].service, "db");
        assert_int_equal(f.runs[s.order[1]].start_us, 10000000);
        fleet_summary_free(&s);
        fleet_free(&f);
}

static char *printed(const struct fleet *f, const struct fleet_summary *s, enum fleet_format format, unsigned views)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);

        assert_non_null(out);
        assert_int_equal(fleet_print(f, s, format, views, out), 0);
        fclose(out);
        return buf;
}

static void test_outputs_are_text_whatever_was_logged(void **state)
{
        struct fleet f = { .runs = NULL };
        struct fleet_summary s;
        char *out, *t;

        (void)state;
        full_run(&f, 10, "h1", "ev\x1b[31mil,\"x\"", 1, "=cmd|' /C calc'!A0", "\xff\xfe", 4000);
        assert_int_equal(fleet_summarize(&f, true, &s), 0);

        out = printed(&f, &s, FORMAT_TABLE, VIEW_RUNS | VIEW_GROUPS);
        assert_null(strchr(out, '\x1b'));
        assert_non_null(strstr(out, "ev?[31mil,\"x\""));
        free(out);

        out = printed(&f, &s, FORMAT_CSV, VIEW_GROUPS);
        assert_non_null(strstr(out, "host,service,allocator,library_version,policy_digest,runs,"));
        assert_non_null(strstr(out, "h1,\"ev?[31mil,\"\"x\"\"\",\"'=cmd|' /C calc'!A0\",,\xef\xbf\xbd\xef\xbf\xbd,1,0,"));
        free(out);

        out = printed(&f, &s, FORMAT_JSON, VIEW_RUNS);
        assert_non_null(strstr(out, "{\"type\":\"run\",\"started\":\"1970-01-01T00:00:10.000000Z\",\"host\":\"h1\""));
        assert_non_null(strstr(out, "\"service\":\"ev\\u001b[31mil,\\\"x\\\"\""));
        assert_non_null(strstr(out, "\"policy_digest\":\"\\ufffd\\ufffd\""));
        assert_non_null(strstr(out, "\"exit_rss_kb\":4000,\"peak_rss_kb\":4100,\"lifetime_ms\":5000,"
                                    "\"exit_code\":null,\"exit_status\":null}\n"));
        free(out);

        t = fleet_text("a\xc2\x9b" "b\x7f" "c\xe2\x82");     /* C1 CSI, DEL, a cut sequence */
        assert_string_equal(t, "a?b?c\xef\xbf\xbd");
        free(t);
        fleet_summary_free(&s);
        fleet_free(&f);
}

/* Digests, allocators and services cut or framed in a table cell are
 * escaped as whole cells are (issue 22 item 3): no terminal escape, no
 * line of the record's making, no section that the report did not print. */
static void test_table_cells_made_from_pieces_are_text(void **state)
{
        struct fleet f = { .runs = NULL };
        struct fleet_summary s;
        size_t lines = 0;
        char *out;

        (void)state;
        full_run(&f, 10, "h1", "web\n\x1b[1A", 1, "je\x1b[31m\nRuns whose allocator did not load\n",
                 "\x1b[2J\nRuns whose allocator did not load\n", 4000);
        full_run(&f, 20, "h1", "web\n\x1b[1A", 2, "glibc", "ab\x1b]0;x\x07" "cdefgh", 2000);
        full_run(&f, 10, "h2", "db", 3, "glibc", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
                 1000);
        full_run(&f, 20, "h2", "db", 4, "glibc", "abcdefg\xc3\xa9xyz", 1000);
        assert_int_equal(fleet_summarize(&f, true, &s), 0);
        assert_int_equal(s.n_changes, 2);
        out = printed(&f, &s, FORMAT_TABLE, VIEW_RUNS | VIEW_GROUPS | VIEW_CHANGES);
        /* no line starts like a section the report did not print */
        assert_null(strstr(out, "\nRuns whose allocator did not load"));
        for (const char *c = out; *c; c++) {
                assert_false((unsigned char)*c < 0x20 && *c != '\n');
                lines += *c == '\n';
        }
        /* three titles, three headers, 4 runs, 4 groups, 2 changes, 2 blank lines */
        assert_int_equal(lines, 18);
        /* the changes table: allocator and digest as text, the digest's first 8 characters */
        assert_non_null(strstr(out, "je?[31m?Runs whose allocator did not load? ?[2J?Run (1 run)"));
        assert_non_null(strstr(out, "glibc ab?]0;x? (1 run)"));
        assert_non_null(strstr(out, "glibc \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 (1 run)"));
        assert_non_null(strstr(out, "glibc abcdefg\xc3\xa9 (1 run)"));
        /* the runs and groups tables' POLICY column: the same 8 characters */
        assert_non_null(strstr(out, "  ?[2J?Run  "));
        assert_non_null(strstr(out, "  abcdefg\xc3\xa9  "));
        free(out);
        fleet_summary_free(&s);
        fleet_free(&f);
}

static int entries(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        int n = 0;

        assert_non_null(d);
        while ((de = readdir(d)))
                n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
        closedir(d);
        return n;
}

static void test_prometheus_textfile(void **state)
{
        struct fleet f = { .runs = NULL };
        struct fleet_summary s;
        char *dir = tmpdir_new(), *path, *victim, buf[4096];
        const char *what;
        struct stat st;
        FILE *in;
        size_t n;

        (void)state;
        full_run(&f, 10, "h1", "web", 1, "jemalloc", "d1", 4000);
        full_run(&f, 10, "h2", "web", 2, "jemalloc", "d1", 2000);
        started(&f, 10, "h2", "w\"b\\", 3, "glibc", "g1");
        assert_int_equal(fleet_summarize(&f, false, &s), 0);
        /* a symlink in the file's place is replaced, its target left alone */
        victim = write_file(dir, "victim", "keep\n");
        assert_true(asprintf(&path, "%s/allocsel.prom", dir) > 0);
        assert_int_equal(symlink(victim, path), 0);
        assert_int_equal(fleet_write_prometheus(&s, path, &what), 0);
        assert_int_equal(lstat(path, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0644);
        in = fopen(victim, "r");
        n = fread(buf, 1, sizeof(buf) - 1, in);
        buf[n] = '\0';
        fclose(in);
        assert_string_equal(buf, "keep\n");
        in = fopen(path, "r");
        n = fread(buf, 1, sizeof(buf) - 1, in);
        buf[n] = '\0';
        fclose(in);
        assert_non_null(strstr(buf, "# TYPE allocsel_runs gauge\n"));
        assert_non_null(strstr(buf, "allocsel_runs{service=\"web\",allocator=\"jemalloc\",policy_digest=\"d1\"} 2\n"));
        assert_non_null(strstr(buf, "allocsel_exit_rss_bytes{service=\"web\",allocator=\"jemalloc\",policy_digest=\"d1\"} "
                                    "2048000\n"));
        assert_non_null(strstr(buf, "allocsel_runs{service=\"w\\\"b\\\\\",allocator=\"glibc\",policy_digest=\"g1\"} 1\n"));
        /* no figures, no sample */
        assert_null(strstr(buf, "allocsel_exit_rss_bytes{service=\"w\\\""));
        assert_null(strstr(buf, "h1"));
        /* nothing left behind but the file and the victim */
        assert_int_equal(entries(dir), 2);
        free(path);
        /* a directory in its place is an error, not a file inside it */
        assert_int_equal(fleet_write_prometheus(&s, dir, &what), -EISDIR);
        assert_true(asprintf(&path, "%s/no/such/dir/x.prom", dir) > 0);
        assert_int_equal(fleet_write_prometheus(&s, path, &what), -ENOENT);
        free(path);
        free(victim);
        tmpdir_free(dir);
        fleet_summary_free(&s);
        fleet_free(&f);
}

static void test_times(void **state)
{
        const long long now = 1700000000LL * 1000000 + 123;
        long long t, today, yesterday;

        (void)state;
        assert_int_equal(parse_time("now", now, &t), 0);
        assert_int_equal(t, now);
        assert_int_equal(parse_time("-2h", now, &t), 0);
        assert_int_equal(t, now - 7200LL * 1000000);
        assert_int_equal(parse_time("-30min", now, &t), 0);
        assert_int_equal(t, now - 1800LL * 1000000);
        assert_int_equal(parse_time("-1w", now, &t), 0);
        assert_int_equal(t, now - 7 * 86400LL * 1000000);
        assert_int_equal(parse_time("@1600000000", now, &t), 0);
        assert_int_equal(t, 1600000000LL * 1000000);
        assert_int_equal(parse_time("2025-01-02 03:04:05 UTC", now, &t), 0);
        assert_int_equal(t, 1735787045LL * 1000000);
        assert_int_equal(parse_time("2025-01-02T03:04:05Z", now, &t), 0);
        assert_int_equal(t, 1735787045LL * 1000000);
        assert_int_equal(parse_time("2025-01-02T03:04Z", now, &t), 0);
        assert_int_equal(t, 1735787040LL * 1000000);
        assert_int_equal(parse_time("2025-01-02", now, &t), 0);
        assert_int_equal(parse_time("today", now, &today), 0);
        assert_int_equal(parse_time("yesterday", now, &yesterday), 0);
        assert_true(today <= now && now - today < 86400LL * 1000000);
        assert_true(today - yesterday >= 23 * 3600LL * 1000000 && today - yesterday <= 25 * 3600LL * 1000000);
        for (const char *const *bad = (const char *const[]){ "", "-", "-5", "-5x", "-h", "@", "@-1", "@12x",
                                                              "2025-13-01", "2025-01-02 03:04:05 PST", "tomorrow",
                                                              "-99999999999999999999s", NULL };
             *bad; bad++)
                assert_int_equal(parse_time(*bad, now, &t), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_records_join_into_runs),
                cmocka_unit_test(test_systemd_records_give_the_exit),
                cmocka_unit_test(test_groups_and_medians),
                cmocka_unit_test(test_changes_per_host_and_service),
                cmocka_unit_test(test_outputs_are_text_whatever_was_logged),
                cmocka_unit_test(test_table_cells_made_from_pieces_are_text),
                cmocka_unit_test(test_prometheus_textfile),
                cmocka_unit_test(test_times),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
