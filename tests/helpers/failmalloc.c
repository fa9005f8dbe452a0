/* libfailmalloc.so: memory that runs out, for the out-of-memory tests.
 * Preloaded into allocsel with FAILMALLOC_AFTER=N, every allocation from
 * the Nth on (counted from this library's constructor) fails with ENOMEM,
 * as when memory is gone for good. Only in a process named allocsel: the
 * program it starts (it inherits the variable and the preload) allocates
 * normally. FAILMALLOC_COUNT=FILE instead fails nothing and writes the
 * number of allocations made so far to FILE at every execve, so that a
 * test knows how many failure points there are. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char *program_invocation_short_name;
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);
void *__libc_memalign(size_t align, size_t size);
void *memalign(size_t align, size_t size);

static bool active;
static unsigned long fail_from, made;
static const char *count_file;

__attribute__((constructor)) static void failmalloc_init(void)
{
        const char *after = getenv("FAILMALLOC_AFTER");

        count_file = getenv("FAILMALLOC_COUNT");
        if (strcmp(program_invocation_short_name, "allocsel") != 0)
                return;
        fail_from = after ? strtoul(after, NULL, 10) : 0;
        active = fail_from > 0 || count_file;
}

/* Whether this allocation fails (and errno says why). */
static bool out_of_memory(void)
{
        if (!active)
                return false;
        made++;
        if (fail_from == 0 || made < fail_from)
                return false;
        errno = ENOMEM;
        return true;
}

void *malloc(size_t size)
{
        return out_of_memory() ? NULL : __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
        return out_of_memory() ? NULL : __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
        return out_of_memory() ? NULL : __libc_realloc(p, size);
}

void *memalign(size_t align, size_t size)
{
        return out_of_memory() ? NULL : __libc_memalign(align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
        return memalign(align, size);
}

int posix_memalign(void **ret, size_t align, size_t size)
{
        void *p = memalign(align, size);

        if (!p)
                return ENOMEM;
        *ret = p;
        return 0;
}

int execve(const char *path, char *const argv[], char *const envp[]);

static void write_count(void)
{
        char text[32];
        int fd, n;

        if (!active || !count_file)
                return;
        fd = open(count_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return;
        n = snprintf(text, sizeof(text), "%lu\n", made);
        /* a short count is no count: the test sees it and says so */
        (void)!write(fd, text, (size_t)n);
        close(fd);
}

/* allocsel's own exec of the program: the count so far, then the exec. */
int execve(const char *path, char *const argv[], char *const envp[])
{
        write_count();
        return (int)syscall(SYS_execve, path, argv, envp);
}
