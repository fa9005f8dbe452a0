/* UTF-8 well-formedness, after Unicode's table 3-7. */
#include "utf8.h"

size_t utf8_sequence(const unsigned char *s, size_t *bad)
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
        /* the second byte's range is narrower after these leads */
        if (s[0] == 0xe0)
                lo = 0xa0;
        else if (s[0] == 0xed)
                hi = 0x9f;
        else if (s[0] == 0xf0)
                lo = 0x90;
        else if (s[0] == 0xf4)
                hi = 0x8f;
        for (size_t i = 1; i <= need; i++) {
                if (s[i] < lo || s[i] > hi) {
                        *bad = i;
                        return 0;
                }
                lo = 0x80;
                hi = 0xbf;
        }
        return need + 1;
}
