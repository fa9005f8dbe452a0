/* Collecting diagnostics so that only the top level prints them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

void diags_add(struct diags *d, enum diag_level level, const char *file, int line,
               const char *fmt, ...)
{
        struct diag *dg;
        va_list ap;

        if (d->n == d->cap) {
                size_t cap = d->cap ? d->cap * 2 : 8;
                struct diag *v = realloc(d->v, cap * sizeof(*v));

                if (!v) {
                        d->lost = true; /* out of memory: the caller decides */
                        return;
                }
                d->v = v;
                d->cap = cap;
        }
        dg = &d->v[d->n];
        va_start(ap, fmt);
        if (vasprintf(&dg->msg, fmt, ap) < 0)
                dg->msg = NULL;
        va_end(ap);
        dg->file = file && dg->msg ? strdup(file) : NULL;
        if (!dg->msg || (file && !dg->file)) {
                free(dg->msg);
                d->lost = true;
                return;
        }
        dg->line = line;
        dg->level = level;
        d->n++;
}

int set_why(char **ret_why, int r, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(ret_why, fmt, ap) < 0)
                *ret_why = NULL;
        va_end(ap);
        return r;
}

size_t diags_count(const struct diags *d, enum diag_level level)
{
        size_t n = 0;

        for (size_t i = 0; i < d->n; i++)
                n += d->v[i].level == level;
        return n;
}

const struct diag *diags_first(const struct diags *d, enum diag_level level)
{
        for (size_t i = 0; i < d->n; i++)
                if (d->v[i].level == level)
                        return &d->v[i];
        return NULL;
}

void diags_free(struct diags *d)
{
        for (size_t i = 0; i < d->n; i++) {
                free(d->v[i].file);
                free(d->v[i].msg);
        }
        free(d->v);
        d->v = NULL;
        d->n = d->cap = 0;
        d->lost = false;
}

char *diag_escape(const char *s)
{
        char *out = malloc(strlen(s) * 4 + 1), *o = out;

        if (!out)
                return NULL;
        for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
                if (*c == '\n')
                        o += sprintf(o, "\\n");
                else if (*c == '\t')
                        o += sprintf(o, "\\t");
                else if (*c == '\r')
                        o += sprintf(o, "\\r");
                else if (*c < 0x20 || *c == 0x7f)
                        o += sprintf(o, "\\x%02x", *c);
                else
                        *o++ = (char)*c;
        }
        *o = '\0';
        return out;
}

static char *format_escaped(const struct diag *dg, const char *note)
{
        char *s = NULL, *line;
        int r;

        if (dg->file && dg->line > 0)
                r = asprintf(&s, "%s:%d%s: %s", dg->file, dg->line, note, dg->msg);
        else if (dg->file)
                r = asprintf(&s, "%s%s: %s", dg->file, note, dg->msg);
        else
                r = asprintf(&s, "%s", dg->msg);
        if (r < 0)
                return NULL;
        line = diag_escape(s);
        free(s);
        return line;
}

/* Policy text (names, values, file names) may hold newlines or terminal
 * escapes: the line is escaped here, once, so every message stays one line. */
char *diag_format(const struct diag *dg)
{
        return format_escaped(dg, "");
}

char *diag_format_candidate(const struct diag *dg, const char *dest, const char *candidate)
{
        char *note, *line;

        if (!dg->file || strcmp(dg->file, dest) != 0)
                return diag_format(dg);
        if (asprintf(&note, " (candidate %s)", candidate) < 0)
                return NULL;
        line = format_escaped(dg, note);
        free(note);
        return line;
}
