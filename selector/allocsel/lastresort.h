/* libconfig cannot say that memory ran out: version 1.5 (Debian 12, RHEL 8)
 * uses what calloc returned without looking (SIGSEGV), and its scanner
 * calls exit(2). Around its calls allocsel arms a last resort, chosen by the
 * top level, that runs instead: it starts the program untouched, or exits
 * saying why. */
#ifndef ALLOCSEL_LASTRESORT_H
#define ALLOCSEL_LASTRESORT_H

#include <stdbool.h>

/* Never returns (it execs, or _exits), and runs from a SIGSEGV handler or
 * inside exit(): async-signal-safe calls only. */
typedef void (*last_resort_fn)(void);

/* The one to run; NULL (the default): none, libconfig fails as it does. */
void last_resort_set(last_resort_fn fn);

/* Around a call into libconfig: from arm to disarm, a SIGSEGV or SIGBUS, or
 * exit(), runs the last resort. Disarming restores the signals as they were. */
void last_resort_arm(void);
void last_resort_disarm(void);
bool last_resort_armed(void);

#endif
