/* Diagnostics: problems found in policy files and the plan, reported once
 * by the top level as "FILE:LINE: message". */
#ifndef ALLOCSEL_DIAG_H
#define ALLOCSEL_DIAG_H

#include <stdbool.h>
#include <stddef.h>

enum diag_level { DIAG_WARNING, DIAG_ERROR };

struct diag {
        enum diag_level level;
        char *file;     /* NULL when the problem has no file */
        int line;       /* 0 when unknown */
        char *msg;
};

struct diags {
        struct diag *v;
        size_t n;
        size_t cap;
        bool lost;      /* one could not be recorded (out of memory) */
};

void diags_add(struct diags *d, enum diag_level level, const char *file, int line,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));
size_t diags_count(const struct diags *d, enum diag_level level);
const struct diag *diags_first(const struct diags *d, enum diag_level level);
void diags_free(struct diags *d);

/* "FILE:LINE: msg", "FILE: msg" or "msg", one line: control characters
 * escaped as by diag_escape. Caller frees. */
char *diag_format(const struct diag *dg);

/* For a candidate file checked as dest (--check --as --file): a problem in
 * it reads "DEST:LINE (candidate PATH): msg"; others as diag_format. */
char *diag_format_candidate(const struct diag *dg, const char *dest, const char *candidate);

/* For functions that refuse with a reason (a ret_why parameter): sets
 * *ret_why to the formatted sentence (NULL when out of memory) and
 * returns r. */
int set_why(char **ret_why, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* s with newlines, tabs and other control characters written as \n, \t,
 * \r and \xHH, so that it prints as one line. Caller frees; NULL on ENOMEM. */
char *diag_escape(const char *s);

#endif
