/* Number parsing with explicit ranges, never atoi. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "numparse.h"

int parse_ll(const char *s, long long min, long long max, long long *ret)
{
        char *end;
        long long v;

        if (!s || !*s || isspace((unsigned char)*s))
                return -EINVAL;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (*end != '\0')
                return -EINVAL;
        if (errno == ERANGE || v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int parse_size(const char *s, long long min, long long max, long long *ret)
{
        char *end;
        long long v, mult = 1;

        if (!s || !isdigit((unsigned char)*s))
                return -EINVAL;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        switch (toupper((unsigned char)*end)) {
        case 'K': mult = 1LL << 10; end++; break;
        case 'M': mult = 1LL << 20; end++; break;
        case 'G': mult = 1LL << 30; end++; break;
        default: break;
        }
        if (*end != '\0')
                return -EINVAL;
        if (v > max / mult)
                return -ERANGE;
        v *= mult;
        if (v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}
