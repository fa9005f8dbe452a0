/* Files shipped with allocsel (the report program, the preloaded libraries): beside
 * the binary in a build tree, else where make install put them. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "companion.h"

int companion_path(const char *name, const char *installed_dir, char **ret)
{
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

        if (n > 0) {
                self[n] = '\0';
                if (asprintf(ret, "%s/%s", dirname(self), name) < 0)
                        return -ENOMEM;
                if (access(*ret, R_OK) == 0)
                        return 0;
                free(*ret);
        }
        if (asprintf(ret, "%s/%s", installed_dir, name) < 0)
                return -ENOMEM;
        return access(*ret, R_OK) == 0 ? 0 : -errno;
}
