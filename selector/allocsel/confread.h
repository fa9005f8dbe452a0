/* Reading one libconfig file that allocsel is about to trust. */
#ifndef ALLOCSEL_CONFREAD_H
#define ALLOCSEL_CONFREAD_H

#include <libconfig.h>
#include <stdbool.h>

#include "confscan.h"
#include "diag.h"

/* Opens path with trusted_open_flags() (TRUST_*; messages name it as
 * shown: a candidate as the file it would be installed as), scans it (refusing
 * @include, which would escape the ownership checks, and more settings or
 * nesting than CONF_MAX_*) and parses it into cfg. On success the caller
 * calls config_destroy and conf_scan_free (the scan has the integer
 * literals as written). Returns 0, -ENOENT when the file does not exist (a
 * dangling symlink is an error), or another -errno with an error added to d. */
int conf_read_trusted(const char *path, const char *shown, unsigned trust_flags, config_t *cfg,
                      struct conf_scan *ret_scan, struct diags *d);

/* The same for name below dirfd, a policy directory trusted_dir_open()
 * opened as dir (the directory is not walked again). */
int conf_read_trusted_at(int dirfd, const char *dir, const char *name, const char *shown, unsigned trust_flags,
                         config_t *cfg, struct conf_scan *ret_scan, struct diags *d);

/* "a string", "an integer"...: a libconfig type as messages name it. */
const char *conf_type_name(int type);

#endif
