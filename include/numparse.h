/* Range-checked number parsing: the only way numbers enter allocsel. */
#ifndef ALLOCSEL_NUMPARSE_H
#define ALLOCSEL_NUMPARSE_H

/* Decimal integer in [min, max]. Returns 0, -EINVAL or -ERANGE. */
int parse_ll(const char *s, long long min, long long max, long long *ret);

/* Byte count with an optional K, M or G suffix (powers of 1024), in [min, max]. */
int parse_size(const char *s, long long min, long long max, long long *ret);

#endif
