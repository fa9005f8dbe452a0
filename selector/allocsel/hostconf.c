/* The host's own allocator settings, which no policy sees: the kernel's
 * transparent huge pages, and jemalloc's /etc/malloc.conf. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostconf.h"
#include "sysfile.h"

int thp_mode_read(const char *path, char *buf, size_t size)
{
        char text[256];
        const char *open, *close;
        ssize_t n = sysfile_read(path, text, sizeof(text));

        if (n < 0)
                return (int)n;
        open = strchr(text, '[');
        close = open ? strchr(open, ']') : NULL;
        if (!close || close == open + 1 || (size_t)(close - open - 1) >= size)
                return -EINVAL;
        memcpy(buf, open + 1, (size_t)(close - open - 1));
        buf[close - open - 1] = '\0';
        return 0;
}

static const char *test_override(const char *var, const char *path)
{
        const char *v = getenv(var);

        return v && *v ? v : path;
}

const char *thp_enabled_file(void)
{
        return test_override(THP_ENABLED_TEST_VAR, THP_ENABLED_FILE);
}

char *jemalloc_conf_link(const char *conf_var)
{
        const char *test = getenv(MALLOC_CONF_LINK_TEST_VAR);
        /* jemalloc builds both names from one prefix: "je_" gives JE_MALLOC_CONF */
        size_t prefix = strlen(conf_var) > strlen("MALLOC_CONF") ? strlen(conf_var) - strlen("MALLOC_CONF") : 0;
        char *path;

        if (test && *test)
                return strdup(test);
        if (asprintf(&path, "/etc/%.*smalloc.conf", (int)prefix, conf_var) < 0)
                return NULL;
        for (char *c = path + strlen("/etc/"); prefix > 0; c++, prefix--)
                *c = (char)tolower((unsigned char)*c);
        return path;
}

