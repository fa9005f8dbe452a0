/* Event records: built here, carried in a memfd from allocsel to its
 * helper, printed as one line when no journal takes them. Linked into both
 * allocsel and allocsel-monitor. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "events.h"

/* far beyond any record allocsel writes; a bound for what the helper reads */

void event_add(struct event *ev, const char *fmt, ...)
{
        va_list ap;
        char *s;
        int r;

        if (ev->error)
                return;
        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        ev->error = r < 0 ? -ENOMEM : strv_push_owned(&ev->fields, s);
}

const char *event_get(const struct event *ev, const char *name)
{
        return env_lookup(ev->fields.v, name);
}

static size_t escape_into(char *out, const char *s)
{
        static const char hex[] = "0123456789abcdef";
        size_t n = 0;

        for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
                if (*c >= 0x20 && *c != 0x7f) {
                        out[n++] = (char)*c;
                } else if (*c == '\n' || *c == '\t') {
                        out[n++] = '\\';
                        out[n++] = *c == '\n' ? 'n' : 't';
                } else {
                        out[n++] = '\\';
                        out[n++] = 'x';
                        out[n++] = hex[*c >> 4];
                        out[n++] = hex[*c & 15];
                }
        }
        return n;
}

static void write_all(int fd, const char *p, size_t n)
{
        for (size_t done = 0; done < n;) {
                ssize_t w = write(fd, p + done, n - done);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        break;
                done += (size_t)w;
        }
}

/* Out of memory: the line all the same, in pieces from the stack. */
static void print_in_pieces(int fd, const char *level, const char *msg)
{
        char piece[1024];
        size_t n = (size_t)snprintf(piece, sizeof(piece), "allocsel: %s", level);

        for (const char *c = msg; *c; c++) {
                char one[2] = { *c, '\0' };

                if (n + 4 > sizeof(piece)) {
                        write_all(fd, piece, n);
                        n = 0;
                }
                n += escape_into(piece + n, one);
        }
        piece[n++] = '\n';
        write_all(fd, piece, n);
}

void event_print(const struct event *ev, int fd)
{
        const char *msg = event_get(ev, "MESSAGE"), *prio = event_get(ev, "PRIORITY");
        const char *level = !prio ? "" : prio[0] <= '3' ? "error: " : prio[0] == '4' ? "warning: " : "";
        size_t head = strlen("allocsel: ") + strlen(level), n;
        char *line;

        msg = msg ? msg : "(no message)";
        /* one write, so that the line is not interleaved with the program's */
        line = malloc(head + 4 * strlen(msg) + 2);
        if (!line) {
                print_in_pieces(fd, level, msg);
                return;
        }
        n = (size_t)sprintf(line, "allocsel: %s", level);
        n += escape_into(line + n, msg);
        line[n++] = '\n';
        write_all(fd, line, n);
        free(line);
}

int event_write(const struct event *ev, int fd)
{
        for (size_t i = 0; i < ev->fields.n; i++) {
                const char *p = ev->fields.v[i];
                size_t left = strlen(p) + 1; /* with its NUL */

                while (left > 0) {
                        ssize_t w = write(fd, p, left);

                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w <= 0)
                                return w < 0 ? -errno : -EIO;
                        p += w;
                        left -= (size_t)w;
                }
        }
        return 0;
}

int event_decode(const char *buf, size_t size, struct event *ret)
{
        int r;

        memset(ret, 0, sizeof(*ret));
        for (size_t at = 0; at < size && !ret->error;) {
                const char *end = memchr(buf + at, '\0', size - at);
                size_t len = end ? (size_t)(end - (buf + at)) : size - at;

                if (len > 0)
                        ret->error = strv_push_owned(&ret->fields, strndup(buf + at, len));
                at += len + 1;
        }
        r = ret->error;
        if (r < 0)
                event_free(ret);
        return r;
}

int event_encode(const struct event *ev, char **ret, size_t *ret_len)
{
        size_t len = 0, at = 0;
        char *buf;

        for (size_t i = 0; i < ev->fields.n; i++)
                len += strlen(ev->fields.v[i]) + 1;
        buf = malloc(len ? len : 1);
        if (!buf)
                return -ENOMEM;
        for (size_t i = 0; i < ev->fields.n; i++) {
                size_t n = strlen(ev->fields.v[i]) + 1;

                memcpy(buf + at, ev->fields.v[i], n);
                at += n;
        }
        *ret = buf;
        *ret_len = len;
        return 0;
}

int fd_read_whole(int fd, size_t max, char **ret, size_t *ret_len)
{
        struct stat st;
        size_t got = 0;
        char *buf;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) || (unsigned long long)st.st_size > max)
                return -EBADMSG;
        buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (got < (size_t)st.st_size) {
                ssize_t n = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                got += (size_t)n;
        }
        *ret = buf;
        *ret_len = got;
        return 0;
}

int event_read(int fd, size_t max, struct event *ret)
{
        size_t len = 0;
        char *buf = NULL;
        int r;

        memset(ret, 0, sizeof(*ret));
        r = fd_read_whole(fd, max, &buf, &len);
        if (r < 0)
                return r;
        r = event_decode(buf, len, ret);
        free(buf);
        return r;
}

void event_free(struct event *ev)
{
        strv_free(&ev->fields);
        ev->error = 0;
}

bool journal_available(void)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = JOURNAL_SOCKET };
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        bool ok;

        if (fd < 0)
                return false;
        ok = connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) == 0;
        close(fd);
        return ok;
}
