/* --since/--until: strptime for dates, a unit table for "-2h". */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "numparse.h"
#include "timeparse.h"

#define USEC_PER_SEC 1000000LL

static int relative(const char *s, long long now_us, long long *ret_us)
{
        static const struct {
                const char *unit;
                long long seconds;
        } units[] = { { "s", 1 }, { "sec", 1 }, { "m", 60 }, { "min", 60 }, { "h", 3600 },
                      { "d", 86400 }, { "w", 7LL * 86400 } };
        size_t digits = strspn(s, "0123456789");
        char number[20];
        long long n;

        if (digits == 0 || digits >= sizeof(number))
                return -EINVAL;
        memcpy(number, s, digits);
        number[digits] = '\0';
        for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++)
                if (strcmp(s + digits, units[i].unit) == 0) {
                        if (parse_ll(number, 0, 100LL * 366 * 86400 / units[i].seconds, &n) < 0)
                                return -EINVAL;
                        *ret_us = now_us - n * units[i].seconds * USEC_PER_SEC;
                        return 0;
                }
        return -EINVAL;
}

static int midnight(long long now_us, int days_back, long long *ret_us)
{
        time_t now = (time_t)(now_us / USEC_PER_SEC), t;
        struct tm tm;

        if (!localtime_r(&now, &tm))
                return -EINVAL;
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        tm.tm_mday -= days_back;
        tm.tm_isdst = -1;
        t = mktime(&tm);
        if (t == (time_t)-1)
                return -EINVAL;
        *ret_us = (long long)t * USEC_PER_SEC;
        return 0;
}

static int absolute(const char *s, long long *ret_us)
{
        static const char *const formats[] = { "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
                                               "%Y-%m-%dT%H:%M", "%Y-%m-%d" };

        for (size_t i = 0; i < sizeof(formats) / sizeof(*formats); i++) {
                struct tm tm = { .tm_isdst = -1 };
                const char *end = strptime(s, formats[i], &tm);
                bool utc;
                time_t t;

                if (!end)
                        continue;
                utc = strcmp(end, "Z") == 0 || strcmp(end, " UTC") == 0;
                if (*end && !utc)
                        continue;
                t = utc ? timegm(&tm) : mktime(&tm);
                if (t == (time_t)-1)
                        return -EINVAL;
                *ret_us = (long long)t * USEC_PER_SEC;
                return 0;
        }
        return -EINVAL;
}

int parse_time(const char *s, long long now_us, long long *ret_us)
{
        long long n;

        if (strcmp(s, "now") == 0) {
                *ret_us = now_us;
                return 0;
        }
        if (strcmp(s, "today") == 0)
                return midnight(now_us, 0, ret_us);
        if (strcmp(s, "yesterday") == 0)
                return midnight(now_us, 1, ret_us);
        if (s[0] == '@') {
                if (parse_ll(s + 1, 0, 1LL << 40, &n) < 0)
                        return -EINVAL;
                *ret_us = n * USEC_PER_SEC;
                return 0;
        }
        if (s[0] == '-')
                return relative(s + 1, now_us, ret_us);
        return absolute(s, ret_us);
}
