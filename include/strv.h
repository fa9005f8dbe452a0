/* A growable, NULL-terminated vector of owned strings. */
#ifndef ALLOCSEL_STRV_H
#define ALLOCSEL_STRV_H

#include <stdbool.h>
#include <stddef.h>

struct strv {
        char **v;       /* always NULL-terminated once anything was added */
        size_t n;
        size_t cap;
};

int strv_push(struct strv *sv, const char *s);
int strv_pushf(struct strv *sv, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
int strv_push_owned(struct strv *sv, char *s);
bool strv_contains(const struct strv *sv, const char *s);
/* Sorted (strcmp), each string once: a set in O(n log n). */
void strv_sort_unique(struct strv *sv);
void strv_free(struct strv *sv);

/* Join with a single separator character; returns NULL on ENOMEM. */
char *strv_join(const struct strv *sv, char sep);

/* Split on any character of seps, dropping empty fields. */
int strv_split(struct strv *sv, const char *s, const char *seps);

/* The value of name in a NULL-terminated list of "NAME=value" (an
 * environment, an event's fields), or NULL. */
const char *env_lookup(char *const *list, const char *name);

#endif
