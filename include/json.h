/* JSON text for the machine-readable outputs (--explain --json, --list
 * --json, --compare's summary.json, the fleet report). */
#ifndef ALLOCSEL_JSON_H
#define ALLOCSEL_JSON_H

#include <stdio.h>

/* A JSON string literal of s (NULL: ""). Always valid UTF-8, whatever s
 * holds: a byte sequence that is not UTF-8 becomes U+FFFD (written
 * \ufffd), control characters and DEL are escaped, and so are U+2028 and
 * U+2029, which some readers take for line ends. */
void json_string(FILE *f, const char *s);

/* The same, or null when s is NULL. */
void json_string_or_null(FILE *f, const char *s);

#endif
