/* Milliseconds on a clock, for the monitor and --compare. */
#ifndef ALLOCSEL_CLOCK_H
#define ALLOCSEL_CLOCK_H

#include <time.h>

long long clock_ms(clockid_t clock);

#endif
