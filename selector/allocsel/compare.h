/* allocsel --compare: run a program once per allocator (or N times), sample
 * its memory, and write samples.csv, summary.json, rss.svg and a table. */
#ifndef ALLOCSEL_COMPARE_H
#define ALLOCSEL_COMPARE_H

#include "compare_output.h"
#include "plan.h"

/* Returns the exit status for allocsel. */
int compare_main(const struct plan_options *o, const struct compare_options *co, char **envp);

#endif
