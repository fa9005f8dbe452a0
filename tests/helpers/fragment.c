#define _GNU_SOURCE 1
/* fragment MB HOLD_MS [fork|hold|busy [AFTER_MS]]: fills MB MiB with small
 * blocks, frees all but one in fifty (which pins the heap: glibc's free()
 * cannot trim it), says "freed", then holds HOLD_MS (AFTER_MS if given).
 *   fork  a child made after the free fragments its own copy the same way
 *         and holds too.
 *   hold  says "holding" once the blocks are in use and holds them HOLD_MS
 *         before freeing (a service idle between a burst and a cache drop).
 *   busy  holds likewise, then frees gradually over a second of busy CPU,
 *         says "busy-end rss_kb=N", then "freed".
 * Like Python, it calls malloc through a pointer: built without PIE, the
 * executable then exports malloc (its PLT entry) and dlsym finds that. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BLOCK 2000
#define KEEP_EVERY 50
#define BUSY_SLICES 10
#define BUSY_SLICE_MS 100

static void *(*volatile allocate)(size_t);

static void **fill(size_t mb, size_t *ret_n)
{
        size_t n = (mb << 20) / BLOCK;
        void **blocks = calloc(n, sizeof(*blocks));

        for (size_t i = 0; blocks && i < n; i++) {
                blocks[i] = allocate(BLOCK);
                if (blocks[i])
                        memset(blocks[i], 0x5a, BLOCK);
        }
        *ret_n = blocks ? n : 0;
        return blocks;
}

/* frees blocks [from, to) but one in fifty */
static void free_most(void **blocks, size_t from, size_t to)
{
        for (size_t i = from; i < to; i++)
                if (i % KEEP_EVERY != 0) {
                        free(blocks[i]);
                        blocks[i] = NULL;
                }
}

static void **fragment(size_t mb)
{
        size_t n;
        void **blocks = fill(mb, &n);

        free_most(blocks, 0, n);
        return blocks;
}

static long long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void hold(long ms)
{
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

        nanosleep(&ts, NULL);
}

static void spin(long ms)
{
        long long until = now_ms() + ms;

        while (now_ms() < until)
                ;
}

static long rss_kb(void)
{
        long size = 0, pages = 0;
        FILE *f = fopen("/proc/self/statm", "re");

        if (f && fscanf(f, "%ld %ld", &size, &pages) != 2)
                pages = 0;
        if (f)
                fclose(f);
        return pages * (sysconf(_SC_PAGESIZE) / 1024);
}

static void say(const char *what)
{
        printf("%s pid=%d\n", what, (int)getpid());
        fflush(stdout);
}

/* hold and busy: in use while idle, then freed at once or gradually */
static void **hold_then_free(size_t mb, long ms, int busy)
{
        size_t n;
        void **blocks = fill(mb, &n);

        say("holding");
        hold(ms);
        if (!busy) {
                free_most(blocks, 0, n);
                return blocks;
        }
        for (size_t slice = 0; slice < BUSY_SLICES; slice++) {
                free_most(blocks, n * slice / BUSY_SLICES, n * (slice + 1) / BUSY_SLICES);
                spin(BUSY_SLICE_MS);
        }
        printf("busy-end rss_kb=%ld\n", rss_kb());
        return blocks;
}

int main(int argc, char **argv)
{
        size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 100;
        long ms = argc > 2 ? strtol(argv[2], NULL, 10) : 1000;
        const char *mode = argc > 3 ? argv[3] : "";
        void **kept;
        pid_t child = -1;

        allocate = malloc; /* taken in code: a non-PIE build needs malloc's address */
        kept = strcmp(mode, "hold") == 0 || strcmp(mode, "busy") == 0 ?
               hold_then_free(mb, ms, strcmp(mode, "busy") == 0) : fragment(mb);
        say("freed");
        if (argc > 4)
                ms = strtol(argv[4], NULL, 10);
        if (strcmp(mode, "fork") == 0) {
                child = fork();
                if (child == 0) {
                        void **mine = fragment(mb);

                        say("child freed");
                        hold(ms);
                        free(mine);
                        _exit(0);
                }
        }
        hold(ms);
        if (child > 0)
                waitpid(child, NULL, 0);
        free(kept);
        return 0;
}
