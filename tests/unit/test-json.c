/* JSON string literals: escaped, and valid UTF-8 whatever the input. */
#include <iconv.h>

#include "testutil.h"
#include "json.h"

/* json_string(s) as a string; the caller frees it. */
static char *quoted(const char *s, void (*fn)(FILE *, const char *))
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        assert_non_null(f);
        fn(f, s);
        assert_int_equal(fclose(f), 0);
        return buf;
}

#define assert_json(input, expected) do { \
                char *got_ = quoted((input), json_string); \
                assert_string_equal(got_, (expected)); \
                free(got_); \
        } while (0)

static void test_escapes(void **state)
{
        (void)state;
        assert_json("plain", "\"plain\"");
        assert_json("a\"b\\c", "\"a\\\"b\\\\c\"");
        assert_json("l1\nl2\tx\r", "\"l1\\nl2\\tx\\r\"");
        assert_json("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
        assert_json("", "\"\"");
        assert_json(NULL, "\"\"");
}

static void test_valid_utf8_kept(void **state)
{
        (void)state;
        assert_json("caf\xc3\xa9", "\"caf\xc3\xa9\"");
        assert_json("\xe2\x82\xac 5", "\"\xe2\x82\xac 5\"");
        assert_json("\xf0\x9d\x84\x9e", "\"\xf0\x9d\x84\x9e\"");
        assert_json("\xef\xbf\xbd", "\"\xef\xbf\xbd\"");               /* U+FFFD itself */
        assert_json("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");       /* U+10FFFF */
        /* some readers split lines on these */
        assert_json("a\xe2\x80\xa8" "b\xe2\x80\xa9", "\"a\\u2028b\\u2029\"");
}

/* Each maximal ill-formed part is one U+FFFD (Unicode's recommended practice). */
static void test_invalid_bytes_replaced(void **state)
{
        (void)state;
        assert_json("\xff", "\"\\ufffd\"");
        assert_json("x\xc3y", "\"x\\ufffdy\"");                         /* lead without continuation */
        assert_json("\xc0\xaf", "\"\\ufffd\\ufffd\"");                  /* overlong '/' */
        assert_json("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");       /* overlong, 3 bytes */
        assert_json("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");       /* a surrogate */
        assert_json("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* past U+10FFFF */
        assert_json("\xe2\x82", "\"\\ufffd\"");                         /* cut at the end */
        assert_json("\xf0\x9d\x84x", "\"\\ufffdx\"");                   /* cut before an ASCII byte */
        assert_json("\x80\x80", "\"\\ufffd\\ufffd\"");                  /* lone continuation bytes */
        assert_json("\xe2\x82\"", "\"\\ufffd\\\"\"");                   /* a quote is never swallowed */
}

static void test_or_null(void **state)
{
        char *s = quoted(NULL, json_string_or_null);

        (void)state;
        assert_string_equal(s, "null");
        free(s);
        s = quoted("x", json_string_or_null);
        assert_string_equal(s, "\"x\"");
        free(s);
}

/* Whatever the bytes, glibc's strict UTF-8 decoder accepts the output and
 * it holds no raw control character. */
static void test_random_bytes_give_valid_utf8(void **state)
{
        iconv_t cd = iconv_open("UTF-32LE", "UTF-8");
        unsigned seed = 12345;

        (void)state;
        assert_true(cd != (iconv_t)-1);
        for (int round = 0; round < 20000; round++) {
                char in[24], out32[4 * 256], *json, *p, *o = out32;
                size_t n = 1 + (size_t)(rand_r(&seed) % (sizeof(in) - 1)), left, room = sizeof(out32);

                for (size_t i = 0; i + 1 < n; i++) {
                        int b = rand_r(&seed) % 256;

                        /* mostly the bytes that make UTF-8 interesting */
                        in[i] = (char)(b == 0 ? 0x80 : b < 128 ? (0x80 | b) : b);
                }
                in[n - 1] = '\0';
                json = quoted(in, json_string);
                p = json;
                left = strlen(json);
                assert_int_not_equal(iconv(cd, &p, &left, &o, &room), (size_t)-1);
                for (const unsigned char *c = (const unsigned char *)json; *c; c++)
                        assert_true(*c >= 0x20 && *c != 0x7f);
                free(json);
        }
        iconv_close(cd);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_escapes),
                cmocka_unit_test(test_valid_utf8_kept),
                cmocka_unit_test(test_invalid_bytes_replaced),
                cmocka_unit_test(test_or_null),
                cmocka_unit_test(test_random_bytes_give_valid_utf8),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
