/* The read-only modes: --check, --explain and --list. */
#ifndef ALLOCSEL_REPORT_H
#define ALLOCSEL_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "plan.h"

/* Returns the exit status: 0 when every policy is valid, 1 otherwise. */
int report_check(const struct plan_options *o, char **services, int n, char *const *envp);
int report_explain(const struct plan_options *o, const char *service, bool json, char *const *envp);
int report_list(const struct plan_options *o, bool json);

#endif
