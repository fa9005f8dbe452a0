#define _GNU_SOURCE 1
/* fragment MB HOLD_MS [fork]: fills MB MiB with small blocks, frees all but
 * one in fifty (which pins the heap: glibc's free() cannot trim it), says
 * "freed", then holds HOLD_MS. With "fork", a child made after the free
 * fragments its own copy the same way and holds too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BLOCK 2000
#define KEEP_EVERY 50

static void **fragment(size_t mb)
{
        size_t n = (mb << 20) / BLOCK;
        void **blocks = calloc(n, sizeof(*blocks));

        for (size_t i = 0; blocks && i < n; i++) {
                blocks[i] = malloc(BLOCK);
                if (blocks[i])
                        memset(blocks[i], 0x5a, BLOCK);
        }
        for (size_t i = 0; blocks && i < n; i++)
                if (i % KEEP_EVERY != 0) {
                        free(blocks[i]);
                        blocks[i] = NULL;
                }
        return blocks;
}

static void hold(long ms)
{
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

        nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
        size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 100;
        long ms = argc > 2 ? strtol(argv[2], NULL, 10) : 1000;
        void **kept = fragment(mb);
        pid_t child = -1;

        printf("freed pid=%d\n", (int)getpid());
        fflush(stdout);
        if (argc > 3 && strcmp(argv[3], "fork") == 0) {
                child = fork();
                if (child == 0) {
                        void **mine = fragment(mb);

                        printf("child freed pid=%d\n", (int)getpid());
                        fflush(stdout);
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
