/* For Type=notify units: sends READY=1 from its own PID (the main PID, as
 * NotifyAccess=main requires), then waits to be stopped. */
#include <signal.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

int main(void)
{
        if (sd_notify(0, "READY=1") <= 0) {
                fprintf(stderr, "notify-ready: no NOTIFY_SOCKET\n");
                return 1;
        }
        printf("ready pid=%d\n", (int)getpid());
        fflush(stdout);
        pause();
        return 0;
}
