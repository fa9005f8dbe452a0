/* Telling well-formed UTF-8 from bytes that are not: what the report and
 * the JSON outputs print is text, what they read is bytes. */
#ifndef ALLOCSEL_UTF8_H
#define ALLOCSEL_UTF8_H

#include <stddef.h>

/* The length of the well-formed UTF-8 sequence at s (RFC 3629, Unicode's
 * table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF), or
 * 0 with *bad set to the length of the ill-formed part there (at least 1),
 * so that each maximal ill-formed part can become one U+FFFD. s is
 * NUL-terminated; the NUL is never part of a sequence. */
size_t utf8_sequence(const unsigned char *s, size_t *bad);

#endif
