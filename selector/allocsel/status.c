/* --status asks allocsel-monitor over its socket; the reply is a memfd of
 * records back to back, each ended by an empty field (monitor_proto.h).
 * Root sees every watched program; another user, the ones it started. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "events.h"
#include "json.h"
#include "monitor_client.h"
#include "monitor_proto.h"
#include "status.h"

#define REPLY_WAIT_S 5

static int ask(int sock, int *ret_memfd)
{
        static const char request[] = MONITOR_OP "=" MONITOR_OP_STATUS;
        struct timeval tv = { REPLY_WAIT_S, 0 };
        char buf[256], control[CMSG_SPACE(sizeof(int))];
        struct iovec iov = { buf, sizeof(buf) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                             .msg_controllen = sizeof(control) };
        struct cmsghdr *cm;
        ssize_t n;

        if (setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
            send(sock, request, sizeof(request), MSG_NOSIGNAL) < 0)
                return -errno;
        n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        if (n < 0)
                return errno == EAGAIN ? -ETIMEDOUT : -errno;
        cm = CMSG_FIRSTHDR(&mh);
        if (n == 0 || !cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
                return -EBADMSG;
        memcpy(ret_memfd, CMSG_DATA(cm), sizeof(int));
        return 0;
}

static const char *field(const struct event *ev, const char *name)
{
        const char *v = event_get(ev, name);

        return v ? v : "";
}

static void print_row(const struct event *ev, bool json)
{
        static const char *const keys[][2] = {
                { "service", "ALLOCSEL_SERVICE" }, { "unit", "OBJECT_SYSTEMD_UNIT" }, { "pid", "OBJECT_PID" },
                { "allocator", "ALLOCSEL_ALLOCATOR" }, { "library", "ALLOCSEL_LIBRARY" },
                { "rss_kb", "ALLOCSEL_RSS_KB" }, { "peak_rss_kb", "ALLOCSEL_PEAK_RSS_KB" },
                { "age_ms", "ALLOCSEL_AGE_MS" }, { "loaded", "ALLOCSEL_LOADED" },
        };

        if (!json) {
                printf("%-20.20s %-24.24s %8s %-16.16s %10.10s %10.10s %9.9s %-6s %s\n",
                       field(ev, "ALLOCSEL_SERVICE"), field(ev, "OBJECT_SYSTEMD_UNIT"), field(ev, "OBJECT_PID"),
                       field(ev, "ALLOCSEL_ALLOCATOR"), field(ev, "ALLOCSEL_RSS_KB"),
                       field(ev, "ALLOCSEL_PEAK_RSS_KB"), field(ev, "ALLOCSEL_AGE_MS"),
                       event_get(ev, "ALLOCSEL_LOADED") ? field(ev, "ALLOCSEL_LOADED") : "-",
                       field(ev, "ALLOCSEL_LIBRARY"));
                return;
        }
        fputc('{', stdout);
        for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
                const char *v = event_get(ev, keys[i][1]);

                printf("%s\"%s\":", i ? "," : "", keys[i][0]);
                /* numbers and booleans as such, the rest as strings */
                bool bare = v && ((*v && strspn(v, "0123456789") == strlen(v)) || strcmp(v, "true") == 0 ||
                                  strcmp(v, "false") == 0);

                if (!v)
                        fputs("null", stdout);
                else if (bare)
                        fputs(v, stdout);
                else
                        json_string(stdout, v);
        }
        fputs("}\n", stdout);
}

/* Records separated by an empty field: each is decoded on its own. */
static int print_reply(int memfd, bool json)
{
        char *buf = NULL;
        size_t at = 0, got = 0;
        int r = fd_read_whole(memfd, (size_t)64 << 20, &buf, &got);

        if (r < 0)
                return r;
        if (!json)
                printf("%-20s %-24s %8s %-16s %10s %10s %9s %-6s %s\n", "SERVICE", "UNIT", "PID", "ALLOCATOR",
                       "RSS_KB", "PEAK_KB", "AGE_MS", "LOADED", "LIBRARY");
        while (at < got) {
                const char *end = memmem(buf + at, got - at, "\0\0", 2);
                size_t len = end ? (size_t)(end - (buf + at)) + 1 : got - at;
                struct event ev;

                if (event_decode(buf + at, len, &ev) == 0) {
                        print_row(&ev, json);
                        event_free(&ev);
                }
                at += len + 1;
        }
        free(buf);
        return 0;
}

int status_show(bool json)
{
        int sock = monitor_connect(false), memfd = -1, r;

        if (sock < 0) {
                fprintf(stderr, "allocsel: cannot reach allocsel-monitor at %s: %s\n", monitor_socket_path(),
                        strerror(-sock));
                return 1;
        }
        r = ask(sock, &memfd);
        close(sock);
        if (r == 0) {
                r = print_reply(memfd, json);
                close(memfd);
        }
        if (r == 0 && (fflush(stdout) != 0 || ferror(stdout)))
                r = -EIO;
        if (r < 0) {
                fprintf(stderr, "allocsel: --status: %s\n", strerror(-r));
                return 1;
        }
        return 0;
}
