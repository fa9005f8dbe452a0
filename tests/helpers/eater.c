/* eater MB HOLD_MS [EXIT_CODE|kill-SIG]: allocates and touches MB MiB,
 * reports on stdout its PID and whether it has any child (it must not: the
 * monitor is not its child), holds the memory HOLD_MS, then exits with
 * EXIT_CODE or kills itself with SIG. */
#define _GNU_SOURCE 1
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void print_children(void)
{
        char path[64], buf[256] = "";
        FILE *f;

        snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
        f = fopen(path, "re");
        if (f) {
                if (!fgets(buf, sizeof(buf), f))
                        buf[0] = '\0';
                fclose(f);
        }
        printf("pid=%d\nchildren=%s\n", (int)getpid(), buf);
        fflush(stdout);
}

int main(int argc, char **argv)
{
        size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 0;
        long hold = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
        const char *end = argc > 3 ? argv[3] : "0";
        struct timespec ts = { hold / 1000, (hold % 1000) * 1000000L };
        char *p = malloc(mb << 20);

        if (mb && !p)
                return 99;
        if (mb)
                memset(p, 0x5a, mb << 20);
        print_children();
        nanosleep(&ts, NULL);
        if (strncmp(end, "kill-", 5) == 0)
                raise(atoi(end + 5));
        /* no free(p): the memory stays resident until exit detaches it, so
         * the monitor's last sample is the amount held */
        return atoi(end); // cppcheck-suppress memleak
}
