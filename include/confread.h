/* Reading one libconfig file that allocsel is about to trust. */
#ifndef ALLOCSEL_CONFREAD_H
#define ALLOCSEL_CONFREAD_H

#include <libconfig.h>
#include <stdbool.h>

#include "diag.h"

/* Opens path with trusted_open_flags() (TRUST_*), refuses @include (the
 * included file would escape the ownership checks) and parses it into cfg
 * (initialised here; the caller calls config_destroy and frees *ret_text on
 * success). Returns 0, -ENOENT when the file does not exist (a dangling
 * symlink is an error), or another -errno with an error added to d. */
int conf_read_trusted(const char *path, unsigned trust_flags, config_t *cfg, char **ret_text,
                      struct diags *d);

/* libconfig 1.5 wraps integers beyond 32 bits written without an L suffix
 * (4294967297 reads as 1). The literal as written for setting cs, read
 * again from the source text; 0 when found. */
int conf_source_integer(const char *text, const config_setting_t *cs, long long *ret);

#endif
