/* One pass over libconfig text before libconfig reads it: what libconfig
 * loses (integer literals as written: 1.5 wraps 4294967297 to 1 without an
 * L suffix) and what it would spend unbounded time on (it looks up every
 * new setting among its siblings, so 100,000 keys take minutes). */
#ifndef ALLOCSEL_CONFSCAN_H
#define ALLOCSEL_CONFSCAN_H

#include <stdbool.h>
#include <stddef.h>

/* Far above any real policy (a few dozen settings, two levels), low
 * enough that libconfig reads the largest file allowed in milliseconds. */
#define CONF_MAX_SETTINGS 256
#define CONF_MAX_DEPTH 8

struct conf_int {
        char *path;             /* "glibc.arena_max"; NULL below a list or array */
        char *text;             /* the literal as written */
        int line;
        bool exact;             /* value is the literal's: it fits in 64 bits */
        bool stored;            /* libconfig keeps it unchanged: 32 bits, or 64 with L */
        long long value;
};

struct conf_scan {
        struct conf_int *ints;
        size_t n_ints;
        size_t settings;        /* named settings and list or array elements */
        int include_line;       /* the first @include, 0 when none */
};

enum conf_scan_limit { CONF_LIMIT_NONE, CONF_LIMIT_SETTINGS, CONF_LIMIT_DEPTH };

/* 0; -E2BIG when a limit is crossed (*ret_limit says which, *ret_line
 * where), -ENOMEM. Text libconfig would refuse is scanned as best it can
 * be: libconfig reports the syntax error. */
int conf_scan(const char *text, struct conf_scan *ret, enum conf_scan_limit *ret_limit, int *ret_line);
void conf_scan_free(struct conf_scan *s);

/* The integer literal that is the value of setting path, or NULL. */
const struct conf_int *conf_scan_int(const struct conf_scan *s, const char *path);

#endif
