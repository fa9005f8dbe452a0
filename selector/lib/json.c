/* JSON string literals that are valid UTF-8 whatever the bytes given:
 * policy text, paths and journal fields are bytes, JSON is Unicode. */
#include <stdbool.h>
#include <stddef.h>

#include "json.h"
#include "utf8.h"

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
