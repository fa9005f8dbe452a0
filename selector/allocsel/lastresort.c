/* The last resort around libconfig (see lastresort.h). */
#include <signal.h>
#include <stdlib.h>

#include "lastresort.h"

static last_resort_fn resort;
static volatile sig_atomic_t armed;
static bool exit_hooked;
static struct sigaction saved_segv, saved_bus;

static void on_fault(int sig)
{
        const struct sigaction dfl = { .sa_handler = SIG_DFL };

        if (armed && resort)
                resort();
        /* no last resort: the fault again, as if never caught */
        sigaction(sig, &dfl, NULL);
}

static void on_exit_call(void)
{
        if (armed && resort)
                resort();
}

void last_resort_set(last_resort_fn fn)
{
        resort = fn;
        /* now, not when armed: atexit() of a full table would allocate */
        if (fn && !exit_hooked)
                exit_hooked = atexit(on_exit_call) == 0;
}

void last_resort_arm(void)
{
        struct sigaction sa = { .sa_handler = on_fault };

        if (!resort || armed)
                return;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGSEGV, &sa, &saved_segv);
        sigaction(SIGBUS, &sa, &saved_bus);
        armed = 1;
}

void last_resort_disarm(void)
{
        if (!armed)
                return;
        armed = 0;
        sigaction(SIGSEGV, &saved_segv, NULL);
        sigaction(SIGBUS, &saved_bus, NULL);
}

bool last_resort_armed(void)
{
        return armed;
}
