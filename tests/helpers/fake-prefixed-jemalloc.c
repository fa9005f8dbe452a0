/* Stands in for a jemalloc built with --with-jemalloc-prefix=je_: it exports
 * je_mallctl (not mallctl), which is how allocsel tells the build reads
 * JE_MALLOC_CONF. Never loaded, only inspected. */
#include <stddef.h>

const char je_version_string[] = "5.2.1-0-gabcdef";

int je_mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
int je_mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
{
        (void)name; (void)oldp; (void)oldlenp; (void)newp; (void)newlen;
        return 0;
}
