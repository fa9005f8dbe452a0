/* One table of family names, read by the launcher's catalog and by the
 * monitor from the records it is handed. */
#include <errno.h>
#include <string.h>

#include "alloc_family.h"

static const char *const family_names[] = {
        [FAMILY_GLIBC] = "glibc", [FAMILY_JEMALLOC] = "jemalloc", [FAMILY_GPERFTOOLS] = "tcmalloc",
        [FAMILY_MIMALLOC] = "mimalloc", [FAMILY_NONE] = "none",
};

const char *family_name(enum alloc_family f)
{
        return family_names[f];
}

int family_from_name(const char *name, enum alloc_family *ret)
{
        for (int f = FAMILY_GLIBC; name && f <= FAMILY_NONE; f++)
                if (strcmp(name, family_names[f]) == 0) {
                        *ret = (enum alloc_family)f;
                        return 0;
                }
        return -EINVAL;
}
