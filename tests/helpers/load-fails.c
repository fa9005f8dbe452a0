/* An allocator library that fails at load, as operators meet them (a
 * jemalloc built for another page size aborts in its constructor; a
 * library whose dependency is missing is skipped by ld.so): built as
 * libabort-at-load.so (-DABORT_AT_LOAD) and as libneeds-ghost.so (linked
 * against a libghost.so that is removed after the link), and one that
 * never finishes loading, libhangs-at-load.so (-DHANG_AT_LOAD), also as
 * libhangs-closed.so (-DHANG_AT_LOAD -DCLOSE_STDERR), which closes stderr
 * first, as a daemon does, so that only the process is left to wait for;
 * and librejects-decay.so (-DREJECT_DECAY), a jemalloc older than 5.0,
 * which knows no dirty_decay_ms or muzzy_decay_ms and says so for each
 * value, as jemalloc 4 did. Its malloc and free are glibc's own. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *malloc(size_t size);
void free(void *p);
extern void *__libc_malloc(size_t size);
extern void __libc_free(void *p);

void *malloc(size_t size)
{
        return __libc_malloc(size);
}

void free(void *p)
{
        __libc_free(p);
}

#ifdef ABORT_AT_LOAD
__attribute__((constructor)) static void refuse(void)
{
        static const char msg[] = "<fake>: Unsupported system page size\n";

        (void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
        abort();
}
#endif

#ifdef HANG_AT_LOAD
__attribute__((constructor)) static void hang(void)
{
#ifdef CLOSE_STDERR
        close(STDERR_FILENO);
#endif
        for (;;)
                pause();
}
#endif

#ifdef REJECT_DECAY
__attribute__((constructor)) static void read_conf(void)
{
        static const char intro[] = "<jemalloc>: Invalid conf pair: ";
        const char *conf = getenv("MALLOC_CONF");

        while (conf && *conf) {
                size_t len = strcspn(conf, ",");

                if (strncmp(conf, "dirty_decay_ms:", 15) == 0 || strncmp(conf, "muzzy_decay_ms:", 15) == 0) {
                        (void)!write(STDERR_FILENO, intro, sizeof(intro) - 1);
                        (void)!write(STDERR_FILENO, conf, len);
                        (void)!write(STDERR_FILENO, "\n", 1);
                }
                conf += len + (conf[len] == ',');
        }
}
#endif
