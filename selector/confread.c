/* Secure open, then libconfig: every parse error names the file and line. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confread.h"
#include "trust.h"

#define CONF_MAX_BYTES ((size_t)1 << 20)

static int slurp(int fd, char **ret)
{
        size_t len = 0, cap = 4096;
        char *buf = malloc(cap);

        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n;

                if (len + 1 == cap) {
                        char *b;

                        if (cap >= CONF_MAX_BYTES) {
                                free(buf);
                                return -EFBIG;
                        }
                        b = realloc(buf, cap * 2);
                        if (!b) {
                                free(buf);
                                return -ENOMEM;
                        }
                        buf = b;
                        cap *= 2;
                }
                n = read(fd, buf + len, cap - 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int r = -errno;

                        free(buf);
                        return r;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        if (strlen(buf) != len) {
                free(buf);
                return -EBADMSG;
        }
        *ret = buf;
        return 0;
}

static int find_include(const char *text)
{
        int line = 1;

        for (const char *p = text; p; line++) {
                p += strspn(p, " \t");
                if (strncmp(p, "@include", 8) == 0)
                        return line;
                p = strchr(p, '\n');
                if (p)
                        p++;
        }
        return 0;
}

int conf_read_trusted(const char *path, unsigned trust_flags, config_t *cfg, char **ret_text,
                      struct diags *d)
{
        char *why = NULL, *text = NULL;
        struct stat st;
        int fd, r, line;

        r = trusted_open_flags(path, trust_flags, &fd, &why);
        /* missing is fine (no policy); a link to nowhere is a mistake */
        if (r == -ENOENT && lstat(path, &st) == 0) {
                diags_add(d, DIAG_ERROR, path, 0, "is a dangling symbolic link");
                return -ENOLINK;
        }
        if (r == -ENOENT)
                return r;
        if (r < 0) {
                if (why)
                        diags_add(d, DIAG_ERROR, path, 0, "ignored: %s", why);
                else
                        diags_add(d, DIAG_ERROR, path, 0, "cannot open: %s", strerror(-r));
                free(why);
                return r;
        }
        r = slurp(fd, &text);
        close(fd);
        if (r < 0) {
                diags_add(d, DIAG_ERROR, path, 0, "cannot read: %s",
                          r == -EFBIG ? "larger than 1 MiB" :
                          r == -EBADMSG ? "contains a NUL byte" : strerror(-r));
                return r;
        }
        line = find_include(text);
        if (line > 0) {
                diags_add(d, DIAG_ERROR, path, line,
                          "@include is not allowed in allocsel files");
                free(text);
                return -EINVAL;
        }
        config_init(cfg);
        if (config_read_string(cfg, text) != CONFIG_TRUE) {
                diags_add(d, DIAG_ERROR, path, config_error_line(cfg), "syntax error: %s",
                          config_error_text(cfg));
                config_destroy(cfg);
                free(text);
                return -EINVAL;
        }
        *ret_text = text;
        return 0;
}

int conf_source_integer(const char *text, const config_setting_t *cs, long long *ret)
{
        const char *name = config_setting_name(cs), *p = text;
        int line = config_setting_source_line(cs);
        size_t len;

        if (!name)
                return -ENOENT;
        len = strlen(name);
        for (int l = 1; l < line && p; l++) {
                p = strchr(p, '\n');
                if (p)
                        p++;
        }
        for (; p && *p && *p != '\n'; p++) {
                const char *v;
                char *end;

                if (strncmp(p, name, len) != 0 || (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_')))
                        continue;
                v = p + len;
                v += strspn(v, " \t");
                if (*v != '=' && *v != ':')
                        continue;
                v++;
                v += strspn(v, " \t");
                errno = 0;
                *ret = strtoll(v, &end, 0);
                if (end == v)
                        return -ENOENT;
                return errno == ERANGE ? -ERANGE : 0;
        }
        return -ENOENT;
}
