/* Stands in for an allocator library in the unit tests, which run where no
 * allocator is installed (package builds): it exports malloc, free and
 * mallctl and carries a jemalloc-style version string. Never loaded, only
 * inspected (its malloc would fail every request). */
#include <stddef.h>

const char fake_version_string[] = "5.3.0-0-g54eaed1d8b56b1aa528be3bdd1877e59c56fa90c";

void *malloc(size_t size);
void free(void *p);
int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);

void *malloc(size_t size)
{
        (void)size;
        return NULL;
}

void free(void *p)
{
        (void)p;
}

int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
{
        (void)name; (void)oldp; (void)oldlenp; (void)newp; (void)newlen;
        return 0;
}
