/* libsleeping-thread.so: the cost floor of any helper thread. Preloaded, it
 * starts one thread made like allocsel-trim (detached, 64 KiB stack, every
 * signal blocked) that sleeps for ever. glibc's malloc leaves its
 * single-thread fast path as soon as a second thread exists: what that costs
 * a program is this library's price, and no release helper can pay less. */
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <unistd.h>

static void *sleep_for_ever(void *unused)
{
        (void)unused;
        for (;;)
                pause(); /* every signal blocked: never returns */
        return NULL;
}

__attribute__((constructor)) static void start(void)
{
        sigset_t all, old;
        pthread_attr_t attr;
        pthread_t thread;

        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, (size_t)64 * 1024);
        pthread_create(&thread, &attr, sleep_for_ever, NULL);
        pthread_attr_destroy(&attr);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
}
