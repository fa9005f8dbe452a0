/* allocsel-monitor: the host's monitor, one per host, as root. systemd
 * starts it on the first record (allocsel-monitor.socket); started by hand
 * (no socket passed) it binds the socket itself and runs in the
 * foreground, as on hosts without systemd and in the tests.
 *
 * usage: allocsel-monitor [--socket PATH] [--max-per-user N] [--notice-interval S]
 *
 * It logs the records allocsel sends, watches each program's RSS until it
 * exits (watch.c), and keeps its watches across its own restart
 * (fdstore.c). Nothing of it runs in the services it watches. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "fdstore.h"
#include "monitor_proto.h"
#include "numparse.h"
#include "outbox.h"
#include "server.h"

#define PROG "allocsel-monitor"

/* What one host's monitor holds at most, and one user of it. */
#define MAX_HELD 16384
#define MAX_PER_UID 2048
/* Records waiting for a journal that does not drain. */
#define OUTBOX_RECORDS 4096
#define OUTBOX_BYTES ((size_t)8 << 20)

static const char usage[] =
        "usage: " PROG " [--socket PATH] [--max-per-user N] [--notice-interval S]\n"
        "The host's allocsel monitor (see allocsel(1)). Without a socket from systemd it\n"
        "listens on PATH (default $" MONITOR_SOCKET_VAR ", else " MONITOR_SOCKET ").\n"
        "A user other than root holds at most N connections and watches (default 2048);\n"
        "what it refused is logged every S seconds (default 60).\n";

/* The parent directory (0755) and a fresh socket, 0666: every service's
 * user may send its record; what it may do is the server's to bound. */
static int bind_socket(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char dir[sizeof(sa.sun_path)], *slash;
        struct stat st;
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path) || path[0] != '/')
                return -EINVAL;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        memcpy(dir, path, strlen(path) + 1);
        slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = '\0';
                if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                        return -errno;
        }
        /* a socket left by an earlier run; never anything else */
        if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
                unlink(path);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (bind(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0666) < 0 ||
            listen(fd, SOMAXCONN) < 0) {
                int e = errno;

                close(fd);
                return -e;
        }
        return fd;
}

static void adopt(struct watch *w, void *userdata)
{
        server_adopt(userdata, w);
}

int main(int argc, char **argv)
{
        static const struct option options[] = {
                { "socket", required_argument, NULL, 's' },
                { "max-per-user", required_argument, NULL, 'u' },
                { "notice-interval", required_argument, NULL, 'n' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        const char *path = getenv(MONITOR_SOCKET_VAR);
        struct server srv = { .max_held = MAX_HELD, .max_per_uid = MAX_PER_UID, .notice_s = 60 };
        long long v;
        sd_event *e = NULL;
        sigset_t stop;
        int opt, fd, r;

        while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1)
                switch (opt) {
                case 's': path = optarg; break;
                case 'u':
                        if (parse_ll(optarg, 1, MAX_HELD, &v) < 0)
                                goto bad;
                        srv.max_per_uid = (size_t)v;
                        break;
                case 'n':
                        if (parse_ll(optarg, 1, 86400, &v) < 0)
                                goto bad;
                        srv.notice_s = (unsigned)v;
                        break;
                case 'h': fputs(usage, stdout); return 0;
                default: goto bad;
                }
        if (optind != argc)
                goto bad;
        if (!path || path[0] != '/')
                path = MONITOR_SOCKET;
        /* the program's files are not the monitor's to hold */
        signal(SIGPIPE, SIG_IGN);
        sigemptyset(&stop);
        sigaddset(&stop, SIGTERM);
        sigaddset(&stop, SIGINT);
        sigprocmask(SIG_BLOCK, &stop, NULL);
        r = sd_event_default(&e);
        if (r >= 0)
                r = sd_event_add_signal(e, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(e, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = outbox_start(OUTBOX_RECORDS, OUTBOX_BYTES);
        if (r < 0) {
                fprintf(stderr, PROG ": cannot start: %s\n", strerror(-r));
                return 1;
        }
        srv.event = e;
        srv.fdstore = fdstore_available();
        (void)fdstore_restore(&fd, adopt, &srv);
        if (fd < 0)
                fd = bind_socket(path);
        if (fd < 0) {
                fprintf(stderr, PROG ": cannot listen on %s: %s\n", path, strerror(-fd));
                return 1;
        }
        r = server_start(&srv, e, fd);
        if (r < 0) {
                fprintf(stderr, PROG ": cannot start: %s\n", strerror(-r));
                return 1;
        }
        (void)sd_notify(0, "READY=1");
        r = sd_event_loop(e);
        (void)sd_notify(0, "STOPPING=1");
        server_stop(&srv);
        outbox_stop(2000);
        sd_event_unref(e);
        return r < 0 ? 1 : 0;
bad:
        fputs(usage, stderr);
        return 2;
}
