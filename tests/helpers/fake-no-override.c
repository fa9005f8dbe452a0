/* Stands in for mimalloc as Fedora and RHEL build it (MI_OVERRIDE=OFF): it
 * exports its own mi_malloc and mi_free but not malloc and free, so
 * preloading it replaces nothing. Never loaded, only inspected. */
#include <stddef.h>

void *mi_malloc(size_t size);
void mi_free(void *p);

void *mi_malloc(size_t size)
{
        (void)size;
        return NULL;
}

void mi_free(void *p)
{
        (void)p;
}
