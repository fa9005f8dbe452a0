/* The event record: fields, the one-line printer, and the formats the
 * record travels in from allocsel to the monitor (a message, or a memfd). */
#define _GNU_SOURCE 1
#include "testutil.h"

#include <errno.h>

#include <sys/mman.h>

#include "events.h"
#include "messages.h"
#include "plan.h"
#include "records.h"

/* What event_print writes, read back through a pipe. */
static char *printed(const struct event *ev)
{
        static char buf[65536];
        int p[2];
        ssize_t n;

        assert_int_equal(pipe(p), 0);
        event_print(ev, p[1]);
        close(p[1]);
        n = read(p[0], buf, sizeof(buf) - 1);
        close(p[0]);
        assert_true(n >= 0);
        buf[n] = '\0';
        return buf;
}

static void test_fields_and_lookup(void **state)
{
        struct event ev = { 0 };

        (void)state;
        event_add(&ev, "PRIORITY=%d", 4);
        event_add(&ev, "ALLOCSEL_SET=%s", "A=1");
        event_add(&ev, "ALLOCSEL_SET=%s", "B=2");
        assert_int_equal(ev.error, 0);
        assert_string_equal(event_get(&ev, "PRIORITY"), "4");
        assert_string_equal(event_get(&ev, "ALLOCSEL_SET"), "A=1");
        assert_null(event_get(&ev, "PRIO"));
        assert_null(event_get(&ev, "MESSAGE"));
        event_free(&ev);
}

static void test_print_is_one_line(void **state)
{
        struct event ev = { 0 };

        (void)state;
        event_add(&ev, "PRIORITY=4");
        event_add(&ev, "MESSAGE=svc: X=line one\nline two\ttab\033[31m red\\n kept");
        assert_string_equal(printed(&ev),
                            "allocsel: warning: svc: X=line one\\nline two\\ttab\\x1b[31m red\\n kept\n");
        event_free(&ev);
        event_add(&ev, "PRIORITY=3");
        assert_string_equal(printed(&ev), "allocsel: error: (no message)\n");
        event_free(&ev);
        event_add(&ev, "PRIORITY=6");
        event_add(&ev, "MESSAGE=\x7f");
        assert_string_equal(printed(&ev), "allocsel: \\x7f\n");
        event_free(&ev);
}

/* Any number of fields, of any length: what argv could not carry. */
static void test_write_read_round_trip(void **state)
{
        struct event ev = { 0 }, back;
        char *big = malloc(300000);
        int fd = memfd_create("test", MFD_CLOEXEC);

        (void)state;
        assert_non_null(big);
        memset(big, 'v', 299999);
        big[299999] = '\0';
        for (int i = 0; i < 40; i++)
                event_add(&ev, "ALLOCSEL_SET=VAR%d=%d", i, i);
        event_add(&ev, "ALLOCSEL_SET=BIG=%s", big);
        event_add(&ev, "MESSAGE=multi\nline");
        assert_int_equal(ev.error, 0);
        assert_true(fd >= 0);
        assert_int_equal(event_write(&ev, fd), 0);
        assert_int_equal(event_read(fd, 1 << 20, &back), 0);
        assert_int_equal(back.fields.n, ev.fields.n);
        for (size_t i = 0; i < ev.fields.n; i++)
                assert_string_equal(back.fields.v[i], ev.fields.v[i]);
        assert_string_equal(event_get(&back, "MESSAGE"), "multi\nline");
        event_free(&back);
        event_free(&ev);
        close(fd);
        free(big);
}

static void test_read_refuses_what_is_not_a_file(void **state)
{
        struct event back;
        int p[2];

        (void)state;
        assert_int_equal(pipe(p), 0);
        assert_int_equal(event_read(p[0], 1 << 20, &back), -EBADMSG);
        close(p[0]);
        close(p[1]);
        assert_int_equal(event_read(-1, 1 << 20, &back), -EBADF);
}

/* A memfd over the reader's bound is refused whole, not read in part. */
static void test_read_bounded(void **state)
{
        struct event ev = { 0 }, back;
        int fd = memfd_create("test", MFD_CLOEXEC);

        (void)state;
        event_add(&ev, "MESSAGE=%0200d", 7);
        assert_int_equal(event_write(&ev, fd), 0);
        assert_int_equal(event_read(fd, 100, &back), -EBADMSG);
        assert_int_equal(event_read(fd, 300, &back), 0);
        event_free(&back);
        event_free(&ev);
        close(fd);
}

/* The message form: NUL-separated fields, and back; empty fields skipped. */
static void test_encode_decode(void **state)
{
        struct event ev = { 0 }, back;
        char *buf;
        size_t len;

        (void)state;
        event_add(&ev, "A=1");
        event_add(&ev, "MESSAGE=two\nlines");
        assert_int_equal(event_encode(&ev, &buf, &len), 0);
        assert_int_equal(len, strlen("A=1") + 1 + strlen("MESSAGE=two\nlines") + 1);
        assert_int_equal(event_decode(buf, len, &back), 0);
        assert_int_equal(back.fields.n, 2);
        assert_string_equal(back.fields.v[1], "MESSAGE=two\nlines");
        event_free(&back);
        assert_int_equal(event_decode("\0\0B=2\0", 6, &back), 0);
        assert_int_equal(back.fields.n, 1);
        assert_string_equal(back.fields.v[0], "B=2");
        event_free(&back);
        free(buf);
        event_free(&ev);
}

/* The started record has every variable, however many, and its message. */
static void test_started_record(void **state)
{
        struct allocator jem = { .name = "jemalloc" };
        struct plan pl = { .service = "svc", .allocator = &jem, .library = "/lib/libjemalloc.so.2" };
        struct strv vars = { 0 };
        struct event ev;
        size_t sets = 0;

        (void)state;
        for (int i = 0; i < 25; i++)
                assert_int_equal(strv_pushf(&vars, "V%d=%d", i, i), 0);
        assert_int_equal(strv_push(&vars, "LD_PRELOAD=/lib/libjemalloc.so.2"), 0);
        assert_int_equal(record_started(&ev, &pl, "/bin/prog", 42, &vars, NULL), 0);
        for (size_t i = 0; i < ev.fields.n; i++)
                sets += strncmp(ev.fields.v[i], "ALLOCSEL_SET=", 13) == 0;
        assert_int_equal(sets, 26);
        assert_string_equal(event_get(&ev, "MESSAGE_ID"), MESSAGE_ID_STARTED);
        assert_string_equal(event_get(&ev, "ALLOCSEL_PID"), "42");
        assert_non_null(strstr(event_get(&ev, "MESSAGE"), "V24=24 LD_PRELOAD=/lib/libjemalloc.so.2"));
        event_free(&ev);
        strv_free(&vars);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fields_and_lookup),
                cmocka_unit_test(test_print_is_one_line),
                cmocka_unit_test(test_write_read_round_trip),
                cmocka_unit_test(test_read_refuses_what_is_not_a_file),
                cmocka_unit_test(test_read_bounded),
                cmocka_unit_test(test_encode_decode),
                cmocka_unit_test(test_started_record),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
