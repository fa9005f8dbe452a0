/* The read-only modes: --check, --explain and --list. */
#ifndef ALLOCSEL_CHECK_EXPLAIN_LIST_H
#define ALLOCSEL_CHECK_EXPLAIN_LIST_H

#include <stdbool.h>
#include <stdio.h>

#include "plan.h"

/* Returns the exit status: 0 when every policy is valid, 1 otherwise. */
int check_policies(const struct plan_options *o, char **services, int n, char *const *envp);
int explain_service(const struct plan_options *o, const char *service, bool json, char *const *envp);
int list_allocators(const struct plan_options *o, bool json);

#endif
