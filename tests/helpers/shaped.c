/* shaped PEAK_MB PEAK_MS IDLE_MB IDLE_MS EXIT_MB EXIT_MS: a program whose
 * memory has a known shape, for --compare's truth tests. It touches
 * PEAK_MB MiB and holds them PEAK_MS (a peak that sampling can miss), gives
 * all but IDLE_MB back and idles IDLE_MS (its own idle phase), then, as a
 * runtime shutting down does, ends with EXIT_MB resident for EXIT_MS (less:
 * it frees; more: it touches more). It prints what it knows of itself,
 * read from /proc/self/status: "idle_rss_kb=N" in the middle of the idle
 * phase and "hwm_kb=N" just before it exits. */
#define _GNU_SOURCE 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static long status_kb(const char *field)
{
        char line[256];
        long v = -1;
        FILE *f = fopen("/proc/self/status", "re");

        while (f && fgets(line, sizeof(line), f))
                if (strncmp(line, field, strlen(field)) == 0)
                        v = strtol(line + strlen(field), NULL, 10);
        if (f)
                fclose(f);
        return v;
}

static void pause_ms(long ms)
{
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

        nanosleep(&ts, NULL);
}

/* One mapping per MiB, so that any number of them can be given back. */
static char *mib[4096];

static void resident(size_t want)
{
        for (size_t i = 0; i < sizeof(mib) / sizeof(*mib); i++) {
                if (i < want && !mib[i]) {
                        mib[i] = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                        if (mib[i] == MAP_FAILED) {
                                mib[i] = NULL;
                                exit(99);
                        }
                        memset(mib[i], 0x5a, 1 << 20);
                } else if (i >= want && mib[i]) {
                        munmap(mib[i], 1 << 20);
                        mib[i] = NULL;
                }
        }
}

int main(int argc, char **argv)
{
        long a[6] = { 0 };

        if (argc != 7)
                return 2;
        for (int i = 0; i < 6; i++)
                a[i] = strtol(argv[i + 1], NULL, 10);
        if (a[0] > 4096 || a[2] > 4096 || a[4] > 4096)
                return 2;
        resident((size_t)a[0]);
        pause_ms(a[1]);
        resident((size_t)a[2]);
        pause_ms(a[3] / 2);
        printf("idle_rss_kb=%ld\n", status_kb("VmRSS:"));
        pause_ms(a[3] - a[3] / 2);
        resident((size_t)a[4]);
        pause_ms(a[5]);
        printf("hwm_kb=%ld\n", status_kb("VmHWM:"));
        return 0;
}
