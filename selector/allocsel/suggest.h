/* "Did you mean": the nearest of a list of known names. */
#ifndef ALLOCSEL_SUGGEST_H
#define ALLOCSEL_SUGGEST_H

#include <stddef.h>

/* The candidate closest to word by edit distance, or NULL when none is close. */
const char *suggest_nearest(const char *word, const char *const *candidates, size_t n);

/* The one way a hint is written, to append to a message:
 * " (did you mean \"NEAR\"?)", or "" when near is NULL. Returns buf or "". */
const char *suggest_hint(const char *near, char *buf, size_t size);

/* Room for any hint: candidates are known names, far shorter than this. */
#define SUGGEST_HINT_MAX 160

#endif
