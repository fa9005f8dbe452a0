/* --status: what runs under allocsel on this host now, from the monitor. */
#ifndef ALLOCSEL_STATUS_H
#define ALLOCSEL_STATUS_H

#include <stdbool.h>

/* Prints a table (or JSON Lines); the exit status: 0, or 1 when the
 * monitor cannot be asked (one line on stderr says why). */
int status_show(bool json);

#endif
