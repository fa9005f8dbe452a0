/* JSON string literals that are valid UTF-8 whatever the bytes given:
 * policy text, paths and journal fields are bytes, JSON is Unicode. */
#include <stdbool.h>
#include <stddef.h>

#include "json.h"

/* The length of the well-formed UTF-8 sequence at s (RFC 3629, Unicode's
 * table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF), or
 * 0 with *bad set to how many bytes the ill-formed prefix has, at least 1,
 * so that each maximal ill-formed part becomes one U+FFFD. */
static size_t utf8_sequence(const unsigned char *s, size_t *bad)
{
        unsigned char lo = 0x80, hi = 0xbf;
        size_t need;

        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                need = 1;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                need = 2;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                need = 3;
        else {
                *bad = 1;
                return 0;
        }
        if (s[0] == 0xe0)
                lo = 0xa0;
        else if (s[0] == 0xed)
                hi = 0x9f;
        else if (s[0] == 0xf0)
                lo = 0x90;
        else if (s[0] == 0xf4)
                hi = 0x8f;
        for (size_t i = 1; i <= need; i++) {
                /* the string's NUL is never a continuation byte */
                if (s[i] < lo || s[i] > hi) {
                        *bad = i;
                        return 0;
                }
                lo = 0x80;
                hi = 0xbf;
        }
        return need + 1;
}

static bool is_line_separator(const unsigned char *s, size_t len)
{
        return len == 3 && s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9);
}

static void escape_byte(FILE *f, unsigned char c)
{
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\t': fputs("\\t", f); break;
        case '\r': fputs("\\r", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
                if (c < 0x20 || c == 0x7f)
                        fprintf(f, "\\u%04x", c);
                else
                        fputc(c, f);
        }
}

void json_string(FILE *f, const char *s)
{
        const unsigned char *c = (const unsigned char *)(s ? s : "");

        fputc('"', f);
        while (*c) {
                size_t bad = 0, len = utf8_sequence(c, &bad);

                if (len == 0) {
                        fputs("\\ufffd", f);
                        c += bad;
                } else if (len == 1) {
                        escape_byte(f, *c++);
                } else if (is_line_separator(c, len)) {
                        fprintf(f, "\\u20%02x", c[2] == 0xa8 ? 0x28 : 0x29);
                        c += len;
                } else {
                        fwrite(c, 1, len, f);
                        c += len;
                }
        }
        fputc('"', f);
}

void json_string_or_null(FILE *f, const char *s)
{
        if (s)
                json_string(f, s);
        else
                fputs("null", f);
}
