/* Points in time on the report's command line (--since, --until). */
#ifndef ALLOCSEL_TIMEPARSE_H
#define ALLOCSEL_TIMEPARSE_H

/* A subset of journalctl's forms: "2025-11-30", "2025-11-30 14:05" and
 * "2025-11-30 14:05:09" (or with T), local time unless followed by "Z" or
 * " UTC"; "@SECONDS" since the epoch; "now", "today", "yesterday"; and
 * "-N" with a unit s, min (or m), h, d or w, before now. now_us is
 * CLOCK_REALTIME in microseconds. Returns 0 with *ret_us, or -EINVAL. */
int parse_time(const char *s, long long now_us, long long *ret_us);

#endif
