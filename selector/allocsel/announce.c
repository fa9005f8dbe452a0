/* Handing a record to the host's monitor, allocsel-monitor: one
 * non-blocking sendmsg on its socket with a pidfd of this process, then
 * the exec. No fork, no helper, no waiting: nothing of allocsel stays in
 * the service. A started record is logged once the exec has closed the
 * connection (announce_withdraw() cancels it when the exec fails). What
 * cannot reach the monitor goes to stderr, one line. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "announce.h"
#include "messages.h"
#include "monitor_client.h"
#include "monitor_proto.h"
#include "pidfd.h"

/* The record with what the monitor needs besides: the operation first,
 * which descriptors come with it, and the watch's settings. */
static int message_new(struct event *msg, const struct event *record, const char *op,
                       const struct monitor_settings *watch, const char *library, bool pidfd)
{
        memset(msg, 0, sizeof(*msg));
        event_add(msg, "%s=%s", MONITOR_OP, op);
        if (pidfd)
                event_add(msg, "%s=1", MONITOR_WITH_PIDFD);
        for (size_t i = 0; i < record->fields.n; i++)
                event_add(msg, "%s", record->fields.v[i]);
        if (watch) {
                event_add(msg, "%s=%lld", MONITOR_WATCH_STARTUP_MS, watch->startup_sample_ms);
                event_add(msg, "%s=%lld", MONITOR_WATCH_INTERVAL_MS, watch->sample_interval_ms);
                if (watch->log_samples)
                        event_add(msg, "%s=1", MONITOR_WATCH_LOG_SAMPLES);
                if (library)
                        event_add(msg, "%s=%s", MONITOR_WATCH_LIBRARY, library);
        }
        return msg->error;
}

/* A message too large for one datagram travels in a memfd. */
static int memfd_with(const char *buf, size_t len)
{
        int fd = memfd_create("allocsel-record", MFD_CLOEXEC);

        if (fd < 0)
                return -errno;
        for (size_t at = 0; at < len;) {
                ssize_t w = write(fd, buf + at, len - at);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0) {
                        close(fd);
                        return -EIO;
                }
                at += (size_t)w;
        }
        return fd;
}

/* One sendmsg, never blocking: the text inline, or only the operation
 * with the text in a memfd; fds (-1: none) come with it. */
static int send_with_fds(int sock, const char *buf, size_t len, const int *fds, size_t n_fds)
{
        char control[CMSG_SPACE(2 * sizeof(int))] = { 0 };
        struct iovec iov = { (void *)buf, len };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        int list[2], n = 0;

        for (size_t i = 0; i < n_fds && n < 2; i++)
                if (fds[i] >= 0)
                        list[n++] = fds[i];
        if (n > 0) {
                struct cmsghdr *c;

                mh.msg_control = control;
                mh.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
                memcpy(CMSG_DATA(c), list, (size_t)n * sizeof(int));
        }
        return sendmsg(sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static int send_message(int sock, const struct event *msg, int pidfd)
{
        char *buf = NULL, *small = NULL;
        size_t len, small_len;
        int fds[2] = { pidfd, -1 }, r;
        struct event head;

        r = event_encode(msg, &buf, &len);
        if (r < 0)
                return r;
        if (len <= MONITOR_INLINE_MAX) {
                r = send_with_fds(sock, buf, len, fds, 2);
                free(buf);
                return r;
        }
        fds[1] = memfd_with(buf, len);
        free(buf);
        if (fds[1] < 0)
                return fds[1];
        memset(&head, 0, sizeof(head));
        event_add(&head, "%s", msg->fields.v[0]); /* the operation */
        if (pidfd >= 0)
                event_add(&head, "%s=1", MONITOR_WITH_PIDFD);
        event_add(&head, "%s=1", MONITOR_WITH_MEMFD);
        r = head.error ? head.error : event_encode(&head, &small, &small_len);
        if (r == 0)
                r = send_with_fds(sock, small, small_len, fds, 2);
        free(small);
        event_free(&head);
        close(fds[1]);
        return r;
}

/* Under a seccomp filter a refused call may kill this process before the
 * exec, and the filter cannot be read: the calls are tried in a child
 * first. 0 when they may be made here, -EPERM when the child died. */
static int seccomp_allows_sending(bool pidfd)
{
        char buf[4096], *line;
        FILE *f = fopen("/proc/self/status", "re");
        bool filtered = false;
        pid_t child;
        int status;

        if (!f)
                return 0;
        while (fgets(buf, sizeof(buf), f))
                if (strncmp(buf, "Seccomp:", 8) == 0) {
                        line = buf + 8;
                        filtered = strtol(line, NULL, 10) == 2;
                }
        fclose(f);
        if (!filtered)
                return 0;
        child = fork();
        if (child < 0)
                return -errno;
        if (child == 0) {
                int s = monitor_connect(true);

                if (s >= 0)
                        close(s);
                if (pidfd) {
                        int p = pidfd_open_portable(getpid());

                        if (p >= 0)
                                close(p);
                }
                /* a large record travels in one */
                s = memfd_create("allocsel-probe", MFD_CLOEXEC);
                if (s >= 0)
                        close(s);
                _exit(0);
        }
        while (waitpid(child, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFSIGNALED(status) ? -EPERM : 0;
}

static bool is_started(const struct event *record)
{
        const char *id = event_get(record, "MESSAGE_ID");

        return id && strcmp(id, MESSAGE_ID_STARTED) == 0;
}

void announce(struct announcement *a, const struct event *record, const struct monitor_settings *watch,
              const char *library)
{
        const char *prio = event_get(record, "PRIORITY"), *service = event_get(record, "ALLOCSEL_SERVICE");
        bool started = is_started(record), printed = false;
        int pidfd = -1, sock = -1, r;
        struct event msg = { .fields = { 0 } };

        *a = (struct announcement){ .sock = -1 };
        /* an operator trying a policy on a terminal sees its warnings */
        if (prio && prio[0] <= '4' && isatty(STDERR_FILENO)) {
                event_print(record, STDERR_FILENO);
                printed = true;
        }
        if (!started)
                watch = NULL;
        r = seccomp_allows_sending(watch != NULL);
        if (r == -EPERM)
                fprintf(stderr, "allocsel: %s: the record is not sent to allocsel-monitor: this process's seccomp "
                        "filter kills a trial process making the calls it needs\n", service ? service : "?");
        if (r == 0)
                sock = r = monitor_connect(true);
        /* kernels before 5.3 have no pidfd: the monitor compares /proc start times instead */
        if (r >= 0 && watch)
                pidfd = pidfd_open_portable(getpid());
        if (r >= 0)
                r = message_new(&msg, record, started ? MONITOR_OP_STARTED : MONITOR_OP_LOG, watch, library,
                                pidfd >= 0);
        if (r >= 0)
                r = send_message(sock, &msg, pidfd);
        if (pidfd >= 0)
                close(pidfd);
        event_free(&msg);
        if (r < 0) {
                if (sock >= 0)
                        close(sock);
                if (!printed)
                        event_print(record, STDERR_FILENO);
                return;
        }
        /* a started record waits for the exec to close this; others are logged */
        if (started)
                a->sock = sock;
        else
                close(sock);
}

void announce_withdraw(struct announcement *a)
{
        struct event cancel = { .fields = { 0 } };

        if (a->sock < 0)
                return;
        event_add(&cancel, "%s=%s", MONITOR_OP, MONITOR_OP_CANCEL);
        if (!cancel.error)
                (void)send_message(a->sock, &cancel, -1);
        event_free(&cancel);
        close(a->sock);
        a->sock = -1;
}
