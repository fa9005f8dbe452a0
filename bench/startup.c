/* startup: exec-to-exit time of two commands, run alternately N times so
 * that machine noise hits both alike; prints the medians and their ratio.
 *
 * usage: startup N LABEL_A CMD_A... -- LABEL_B CMD_B... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double run_once(char **argv)
{
        double start = now_ms();
        int status;
        pid_t pid = fork();

        if (pid == 0) {
                int null = open("/dev/null", O_WRONLY);

                dup2(null, STDOUT_FILENO);
                dup2(null, STDERR_FILENO);
                execvp(argv[0], argv);
                _exit(127);
        }
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                fprintf(stderr, "startup: %s failed\n", argv[0]);
                exit(1);
        }
        return now_ms() - start;
}

static int cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
        int n, split = 0;
        double *a, *b;

        if (argc < 6)
                return fprintf(stderr, "usage: startup N LABEL_A CMD_A... -- LABEL_B CMD_B...\n"), 2;
        n = atoi(argv[1]);
        for (int i = 3; i < argc; i++)
                if (strcmp(argv[i], "--") == 0)
                        split = i;
        if (n <= 0 || split == 0 || split + 2 >= argc)
                return fprintf(stderr, "startup: bad arguments\n"), 2;
        argv[split] = NULL;
        a = calloc((size_t)n, sizeof(*a));
        b = calloc((size_t)n, sizeof(*b));
        for (int i = 0; i < 20; i++) { /* warm the page cache */
                run_once(argv + 3);
                run_once(argv + split + 2);
        }
        for (int i = 0; i < n; i++) {
                a[i] = run_once(argv + 3);
                b[i] = run_once(argv + split + 2);
        }
        qsort(a, (size_t)n, sizeof(*a), cmp);
        qsort(b, (size_t)n, sizeof(*b), cmp);
        printf("  %-44s median %.3f ms\n", argv[2], a[n / 2]);
        printf("  %-44s median %.3f ms\n", argv[split + 1], b[n / 2]);
        printf("  ratio %.3f (%d runs each, alternated)\n", a[n / 2] / b[n / 2], n);
        free(a);
        free(b);
        return 0;
}
