/* Milliseconds on a clock: CLOCK_MONOTONIC for intervals, CLOCK_BOOTTIME
 * against a process's start time (which counts from boot). */
#include "clock.h"

long long clock_ms(clockid_t clock)
{
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
