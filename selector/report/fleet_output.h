/* The fleet report's outputs: a table, JSON Lines or CSV on stdout, and
 * the Prometheus textfile for node_exporter. */
#ifndef ALLOCSEL_FLEET_OUTPUT_H
#define ALLOCSEL_FLEET_OUTPUT_H

#include <stdio.h>

#include "fleet.h"

enum fleet_format { FORMAT_TABLE, FORMAT_JSON, FORMAT_CSV };

/* What to print: each a table, or objects with "type" of that name. */
enum {
        VIEW_RUNS = 1 << 0,
        VIEW_NOT_LOADED = 1 << 1,       /* the runs whose allocator did not load */
        VIEW_GROUPS = 1 << 2,
        VIEW_CHANGES = 1 << 3,
};

/* 0 or -errno (a write error). */
int fleet_print(const struct fleet *f, const struct fleet_summary *s, enum fleet_format format,
                unsigned views, FILE *out);

/* s as one line of text: ill-formed UTF-8 as U+FFFD, control characters
 * (C0, DEL, C1) as '?'. NULL when out of memory; s NULL gives "". */
char *fleet_text(const char *s);

/* Writes groups made across hosts (fleet_summarize(by_host false)) to
 * path as a node_exporter textfile: a temporary file in the same
 * directory, renamed over path. 0 or -errno, with *ret_what naming the
 * file that failed. */
int fleet_write_prometheus(const struct fleet_summary *s, const char *path, const char **ret_what);

#endif
