/* "Did you mean": the nearest of a list of known names. */
#ifndef ALLOCSEL_SUGGEST_H
#define ALLOCSEL_SUGGEST_H

#include <stddef.h>

/* The candidate closest to word by edit distance, or NULL when none is close. */
const char *suggest_nearest(const char *word, const char *const *candidates, size_t n);

#endif
