/* Reading one libconfig file that allocsel is about to trust. */
#ifndef ALLOCSEL_CONFREAD_H
#define ALLOCSEL_CONFREAD_H

#include <libconfig.h>
#include <stdbool.h>

#include "diag.h"

/* Opens path with trusted_open(), refuses @include (the included file would
 * escape the ownership checks) and parses it into cfg (initialised here;
 * the caller calls config_destroy on success). Returns 0, -ENOENT when the
 * file does not exist, or another -errno with an error added to d. */
int conf_read_trusted(const char *path, bool check_owner, config_t *cfg, struct diags *d);

#endif
