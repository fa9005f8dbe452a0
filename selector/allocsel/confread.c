/* Secure open, then libconfig: every parse error names the file and line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confread.h"
#include "lastresort.h"
#include "trust.h"

#define CONF_MAX_BYTES ((size_t)1 << 20)

const char *conf_type_name(int type)
{
        switch (type) {
        case CONFIG_TYPE_GROUP: return "a group";
        case CONFIG_TYPE_INT: case CONFIG_TYPE_INT64: return "an integer";
        case CONFIG_TYPE_FLOAT: return "a float";
        case CONFIG_TYPE_STRING: return "a string";
        case CONFIG_TYPE_BOOL: return "a boolean";
        case CONFIG_TYPE_ARRAY: return "an array";
        case CONFIG_TYPE_LIST: return "a list";
        default: return "something else";
        }
}

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

/* Before libconfig builds anything: @include, and the bounds on work. */
static int prescan(const char *path, const char *text, struct conf_scan *scan, struct diags *d)
{
        enum conf_scan_limit limit;
        int r, line = 0;

        r = conf_scan(text, scan, &limit, &line);
        if (r == -E2BIG) {
                diags_add(d, DIAG_ERROR, path, line, limit == CONF_LIMIT_DEPTH ?
                          "nested more than %d levels deep: not an allocsel file" :
                          "more than %d settings: not an allocsel file", limit == CONF_LIMIT_DEPTH ?
                          CONF_MAX_DEPTH : CONF_MAX_SETTINGS);
                return r;
        }
        if (r < 0) {
                diags_add(d, DIAG_ERROR, path, 0, "cannot read: %s", strerror(-r));
                return r;
        }
        if (scan->include_line > 0) {
                diags_add(d, DIAG_ERROR, path, scan->include_line,
                          "@include is not allowed in allocsel files");
                conf_scan_free(scan);
                return -EINVAL;
        }
        return 0;
}

/* After trusted_open*(): r, fd and why are what it returned; dangling says
 * whether the name exists as a link to nothing. */
static int read_opened(int r, int fd, char *why, bool dangling, const char *shown, config_t *cfg,
                       struct conf_scan *ret_scan, struct diags *d)
{
        char *text = NULL;

        /* missing is fine (no policy); a link to nowhere is a mistake */
        if (r == -ENOENT && dangling) {
                diags_add(d, DIAG_ERROR, shown, 0, "is a dangling symbolic link");
                return -ENOLINK;
        }
        if (r == -ENOENT)
                return r;
        if (r < 0) {
                if (why)
                        diags_add(d, DIAG_ERROR, shown, 0, "ignored: %s", why);
                else
                        diags_add(d, DIAG_ERROR, shown, 0, "cannot open: %s", strerror(-r));
                free(why);
                return r;
        }
        r = slurp(fd, &text);
        close(fd);
        if (r < 0) {
                diags_add(d, DIAG_ERROR, shown, 0, "cannot read: %s",
                          r == -EFBIG ? "larger than 1 MiB" :
                          r == -EBADMSG ? "contains a NUL byte" : strerror(-r));
                return r;
        }
        r = prescan(shown, text, ret_scan, d);
        if (r < 0) {
                free(text);
                return r;
        }
        /* libconfig does not check its allocations (lastresort.h) */
        last_resort_arm();
        config_init(cfg);
        r = config_read_string(cfg, text) == CONFIG_TRUE ? 0 : -EINVAL;
        last_resort_disarm();
        if (r < 0) {
                diags_add(d, DIAG_ERROR, shown, config_error_line(cfg), "syntax error: %s",
                          config_error_text(cfg));
                config_destroy(cfg);
                conf_scan_free(ret_scan);
        }
        free(text);
        return r;
}

int conf_read_trusted(const char *path, const char *shown, unsigned trust_flags, config_t *cfg,
                      struct conf_scan *ret_scan, struct diags *d)
{
        char *why = NULL;
        struct stat st;
        int fd = -1, r;

        r = trusted_open_flags(path, trust_flags, &fd, &why);
        return read_opened(r, fd, why, r == -ENOENT && lstat(path, &st) == 0, shown, cfg, ret_scan, d);
}

int conf_read_trusted_at(int dirfd, const char *dir, const char *name, const char *shown, unsigned trust_flags,
                         config_t *cfg, struct conf_scan *ret_scan, struct diags *d)
{
        char *why = NULL;
        struct stat st;
        int fd = -1, r;

        r = trusted_open_at(dirfd, dir, name, trust_flags, &fd, &why);
        return read_opened(r, fd, why, r == -ENOENT && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0,
                           shown, cfg, ret_scan, d);
}
