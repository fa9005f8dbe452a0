/* churn KIB N: N times allocates a block of KIB KiB, writes every byte and
 * frees it, then prints the minor page faults that took ("minor_faults=").
 * What glibc's mmap and trim thresholds cost a service that allocates
 * large buffers over and over. Calls malloc through a pointer, so that the
 * compiler keeps every allocation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static void *(*volatile allocate)(size_t) = malloc;

int main(int argc, char **argv)
{
        size_t size;
        long n;
        struct rusage before, after;

        if (argc != 3) {
                fprintf(stderr, "usage: churn KIB N\n");
                return 2;
        }
        size = strtoul(argv[1], NULL, 10) << 10;
        n = strtol(argv[2], NULL, 10);
        getrusage(RUSAGE_SELF, &before);
        for (long i = 0; i < n; i++) {
                char *p = allocate(size);

                if (!p)
                        return 1;
                memset(p, 1, size);
                free(p);
        }
        getrusage(RUSAGE_SELF, &after);
        printf("minor_faults=%ld\n", after.ru_minflt - before.ru_minflt);
        return 0;
}
