/* The monitor's socket. Any local user may connect (the socket is 0666:
 * allocsel runs as the service's user); what a sender may do is bounded:
 * its record is checked field by field and logged with the sender's uid,
 * PID and unit as the kernel and /proc tell them, a pidfd must be of the
 * sender itself, and one user holds at most max_per_uid connections and
 * watches. Refusals are counted and logged once a minute. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc_family.h"
#include "clock.h"
#include "fdstore.h"
#include "library_probe.h"
#include "messages.h"
#include "monitor_proto.h"
#include "numparse.h"
#include "outbox.h"
#include "public_path.h"
#include "procstat.h"
#include "server.h"
#include "unit.h"


#define EXEC_SETTLE_MS 20ULL

/* What a user other than root may make the monitor hold in records
 * waiting for their exec, and log: a burst, then so many a second. */
#define PENDING_BYTES_PER_UID ((size_t)16 << 20)
#define LOG_BURST 200.0
#define LOG_PER_SECOND 20.0

/* Allocator libraries are a few MiB; the probe reads what it is given. */
#define LIBRARY_SIZE_MAX ((off_t)64 << 20)

/* A sender's connection until its exec (or a cancel) closes it. */
struct conn {
        struct server *srv;
        int fd;
        pid_t pid;
        uid_t uid;
        sd_event_source *source;
        struct event started;           /* a started record waiting for the exec */
        bool have_started;
        char *unit, *cgroup;            /* the sender's, read while it lives */
        unsigned long long start_ticks; /* the sender's start: its PID is not reused for another */
        size_t bytes;                   /* of started, counted against the user */
        int pidfd;
        struct conn *prev, *next;
};

/* ---- accounting ---- */

static struct uid_count *uid_slot(struct server *srv, uid_t uid, bool add)
{
        struct uid_count *v;

        for (size_t i = 0; i < srv->n_uids; i++)
                if (srv->per_uid[i].uid == uid)
                        return &srv->per_uid[i];
        if (!add)
                return NULL;
        v = realloc(srv->per_uid, (srv->n_uids + 1) * sizeof(*v));
        if (!v)
                return NULL;
        srv->per_uid = v;
        v[srv->n_uids] = (struct uid_count){ .uid = uid };
        return &v[srv->n_uids++];
}

/* Whether uid may hold one more; counted when it may. */
static bool hold(struct server *srv, uid_t uid)
{
        struct uid_count *c;

        if (srv->n_held >= srv->max_held)
                return false;
        c = uid_slot(srv, uid, true);
        if (!c || (uid != 0 && c->n >= srv->max_per_uid))
                return false;
        c->n++;
        srv->n_held++;
        return true;
}

static void release(struct server *srv, uid_t uid)
{
        struct uid_count *c = uid_slot(srv, uid, false);

        if (c && c->n > 0)
                c->n--;
        if (srv->n_held > 0)
                srv->n_held--;
}

/* Whether uid may log one more record now (root always may). */
static bool may_log(struct server *srv, uid_t uid)
{
        struct uid_count *u;
        uint64_t now;

        if (uid == 0)
                return true;
        u = uid_slot(srv, uid, true);
        if (!u || sd_event_now(srv->event, CLOCK_MONOTONIC, &now) < 0)
                return false;
        if (u->tokens_at_us == 0)
                u->tokens = LOG_BURST;
        else
                u->tokens += (double)(now - u->tokens_at_us) / 1e6 * LOG_PER_SECOND;
        if (u->tokens > LOG_BURST)
                u->tokens = LOG_BURST;
        u->tokens_at_us = now;
        if (u->tokens < 1.0)
                return false;
        u->tokens -= 1.0;
        return true;
}

/* ---- what a record may carry ---- */

static bool allowed_name(const char *field)
{
        static const char *const plain[] = { "MESSAGE=", "MESSAGE_ID=", "PRIORITY=", "SYSLOG_IDENTIFIER=" };
        const char *eq = strchr(field, '=');

        if (!eq)
                return false;
        for (size_t i = 0; i < sizeof(plain) / sizeof(*plain); i++)
                if (strncmp(field, plain[i], strlen(plain[i])) == 0)
                        return true;
        /* the monitor's own fields are its to set */
        if (strncmp(field, "ALLOCSEL_", 9) != 0 || strncmp(field, "ALLOCSEL_WATCH_", 15) == 0 ||
            strncmp(field, "ALLOCSEL_WITH_", 14) == 0 || strncmp(field, "ALLOCSEL_SENDER_", 16) == 0 ||
            strncmp(field, "ALLOCSEL_MONITOR_", 17) == 0 || strncmp(field, "ALLOCSEL_FOLLOWED_", 18) == 0 ||
            strncmp(field, MONITOR_OP "=", strlen(MONITOR_OP) + 1) == 0)
                return false;
        for (const char *c = field + 9; c < eq; c++)
                if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_'))
                        return false;
        return eq > field + 9;
}

static size_t count_field(const struct event *ev, const char *prefix)
{
        size_t n = 0;

        for (size_t i = 0; i < ev->fields.n; i++)
                n += strncmp(ev->fields.v[i], prefix, strlen(prefix)) == 0;
        return n;
}

/* The sender's record as the monitor logs it: allocsel's fields only, a
 * MESSAGE_ID of a record allocsel sends, and who sent it. -EBADMSG when
 * it is not such a record. */
static int record_checked(const struct event *in, bool started, pid_t pid, uid_t uid, const char *unit,
                          struct event *ret)
{
        const char *id = event_get(in, "MESSAGE_ID"), *prio = event_get(in, "PRIORITY");

        if (!id || (started ? strcmp(id, MESSAGE_ID_STARTED) != 0
                            : strcmp(id, MESSAGE_ID_FALLBACK) != 0 && strcmp(id, MESSAGE_ID_REFUSED) != 0))
                return -EBADMSG;
        if (!prio || prio[0] < '0' || prio[0] > '7' || prio[1])
                return -EBADMSG;
        if (count_field(in, "MESSAGE_ID=") != 1 || count_field(in, "PRIORITY=") != 1 ||
            count_field(in, "MESSAGE=") > 1)
                return -EBADMSG;
        memset(ret, 0, sizeof(*ret));
        for (size_t i = 0; i < in->fields.n; i++)
                if (allowed_name(in->fields.v[i]) && strncmp(in->fields.v[i], "SYSLOG_IDENTIFIER=", 18) != 0 &&
                    strncmp(in->fields.v[i], "ALLOCSEL_PID=", 13) != 0)
                        event_add(ret, "%s", in->fields.v[i]);
        event_add(ret, "SYSLOG_IDENTIFIER=allocsel");
        /* the program is the sender: its PID is the kernel's word */
        if (pid > 0) {
                event_add(ret, "ALLOCSEL_PID=%d", (int)pid);
                event_add(ret, "OBJECT_PID=%d", (int)pid);
        }
        if (unit)
                event_add(ret, "OBJECT_SYSTEMD_UNIT=%s", unit);
        event_add(ret, "ALLOCSEL_SENDER_UID=%u", (unsigned)uid);
        event_add(ret, "ALLOCSEL_MONITOR_PID=%d", (int)getpid());
        if (ret->error) {
                int r = ret->error;

                event_free(ret);
                return r;
        }
        return 0;
}

/* The library's version, read by the monitor so that allocsel's exec path
 * never reads the library: only from a regular file anyone may read (the
 * path is the sender's word; the monitor reads as root), and once per file
 * (the probe reads the library, which costs more than a start). */
static void add_library_version(struct server *srv, struct event *record, const char *lib)
{
        enum alloc_family family;
        struct version_seen *seen = NULL;
        struct library_traits t;
        char *resolved = NULL;
        struct stat st;
        int fd;

        if (family_from_name(event_get(record, "ALLOCSEL_ALLOCATOR_FAMILY"), &family) < 0 ||
            family == FAMILY_GLIBC || !lib || lib[0] != '/' || event_get(record, "ALLOCSEL_LIBRARY_VERSION"))
                return;
        /* only a file any user may read, no device, no FIFO, of a library's size */
        if (public_file(lib, LIBRARY_SIZE_MAX, &resolved, &st) < 0)
                return;
        for (size_t i = 0; i < srv->n_versions && !seen; i++) {
                struct version_seen *v = &srv->versions[i];

                if (v->dev == st.st_dev && v->ino == st.st_ino && v->size == st.st_size &&
                    v->mtime_ns == st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec)
                        seen = v;
        }
        fd = seen ? -1 : public_file_open(resolved, &st);
        free(resolved);
        if (!seen && fd < 0)
                return;
        if (!seen) {
                library_probe_fd(fd, NULL, family, PROBE_VERSION, &t);
                close(fd);
                seen = &srv->versions[srv->next_version];
                srv->next_version = (srv->next_version + 1) % VERSIONS_KEPT;
                if (srv->n_versions < VERSIONS_KEPT)
                        srv->n_versions++;
                *seen = (struct version_seen){ st.st_dev, st.st_ino, st.st_size,
                                               st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec, "" };
                snprintf(seen->version, sizeof(seen->version), "%s", t.version);
        }
        if (seen->version[0])
                event_add(record, "ALLOCSEL_LIBRARY_VERSION=%s", seen->version);
}

/* The watch's settings from the record, in the policy's ranges. */
static int settings_of(const struct event *msg, struct watch_settings *ret)
{
        const char *startup = event_get(msg, MONITOR_WATCH_STARTUP_MS);
        const char *interval = event_get(msg, MONITOR_WATCH_INTERVAL_MS);
        const char *lib = event_get(msg, MONITOR_WATCH_LIBRARY);

        if (!startup || !interval)
                return -ENOENT;
        memset(ret, 0, sizeof(*ret));
        if (parse_ll(startup, 0, 3600000, &ret->startup_ms) < 0 ||
            parse_ll(interval, 10, 3600000, &ret->interval_ms) < 0)
                return -EBADMSG;
        ret->log_samples = event_get(msg, MONITOR_WATCH_LOG_SAMPLES) != NULL;
        ret->library = lib && lib[0] == '/' ? lib : NULL;
        return 0;
}

/* Whether fd is a pidfd of pid: its fdinfo names the PID (1), or says its
 * process is gone (0: fdinfo's "Pid: -1"; nothing to watch through it);
 * -EBADMSG for anything else. */
static int pidfd_of(int fd, pid_t pid)
{
        char path[64], line[256];
        int r = -EBADMSG;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
        f = fopen(path, "re");
        if (!f)
                return -EBADMSG;
        while (fgets(line, sizeof(line), f)) {
                const char *v;
                long long n;

                line[strcspn(line, "\n")] = '\0';
                if (strncmp(line, "Pid:", 4) != 0)
                        continue;
                v = line + 4 + strspn(line + 4, " \t");
                if (strcmp(v, "-1") == 0)
                        r = 0;
                else if (parse_ll(v, 1, INT_MAX, &n) == 0 && (pid_t)n == pid)
                        r = 1;
        }
        fclose(f);
        return r;
}

/* ---- watches ---- */

static void watch_gone(struct watch *w)
{
        struct server *srv = w->owner;

        if (srv->fdstore)
                fdstore_remove(w);
        if (w->prev)
                w->prev->next = w->next;
        else
                srv->watches = w->next;
        if (w->next)
                w->next->prev = w->prev;
        release(srv, w->uid);
        watch_free(w);
}

static void watch_followed(struct watch *w)
{
        struct server *srv = w->owner;

        if (srv && srv->fdstore)
                fdstore_add(w);
}

static void watch_link(struct server *srv, struct watch *w)
{
        w->owner = srv;
        w->on_followed = watch_followed;
        w->next = srv->watches;
        if (w->next)
                w->next->prev = w;
        srv->watches = w;
}

void server_adopt(struct server *srv, struct watch *w)
{
        struct uid_count *c = uid_slot(srv, w->uid, true);

        if (c)
                c->n++;
        srv->n_held++;
        watch_link(srv, w);
        if (watch_start(w, srv->event, watch_gone) < 0) {
                watch_log_exit(w);
                watch_gone(w);
        }
}

/* The exec closed the connection: the started record is logged and the
 * program watched, its slot passing from the connection to the watch. */
static void started_after_exec(struct conn *c)
{
        unsigned long long ticks;
        struct server *srv = c->srv;
        uid_t owner;
        char state;
        struct watch_settings s;
        struct watch *w = NULL;
        struct event record;
        int r;

        /* the PID the sender connected from, now another process's: refused */
        if (c->pid > 0 && proc_read_stat(c->pid, &ticks, &state) == 0 && state != 'Z' &&
            (ticks != c->start_ticks || proc_read_uid(c->pid, &owner) < 0 || (c->uid != 0 && owner != c->uid))) {
                srv->refused_bad++;
                return;
        }
        r = record_checked(&c->started, true, c->pid, c->uid, c->unit, &record);
        if (r < 0) {
                srv->refused_bad++;
                return;
        }
        add_library_version(srv, &record, event_get(&record, "ALLOCSEL_LIBRARY"));
        if (settings_of(&c->started, &s) == 0 && c->pid > 0) {
                s.unit = c->unit;
                s.cgroup = c->cgroup;
                if (hold(srv, c->uid)) {
                        r = watch_new(&w, c->pid, c->pidfd, c->uid, &record, &s);
                        c->pidfd = -1; /* the watch's now */
                        if (!w)
                                release(srv, c->uid);
                } else {
                        srv->refused_limit++;
                }
        }
        outbox_send(&record);
        event_free(&record);
        if (!w)
                return;
        /* gone already: a forking start leaves its daemon in the unit */
        if (r == -ESRCH && !watch_follow(w)) {
                watch_log_exit(w);
                watch_free(w);
                release(srv, c->uid);
                return;
        }
        watch_link(srv, w);
        if (watch_start(w, srv->event, watch_gone) < 0) {
                watch_log_exit(w);
                watch_gone(w);
                return;
        }
        if (srv->fdstore)
                fdstore_add(w);
}

/* ---- connections ---- */

static void conn_destroy(struct conn *c)
{
        struct uid_count *u = uid_slot(c->srv, c->uid, false);

        if (u && u->bytes >= c->bytes)
                u->bytes -= c->bytes;
        release(c->srv, c->uid);
        sd_event_source_unref(c->source);
        close(c->fd);
        if (c->pidfd >= 0)
                close(c->pidfd);
        event_free(&c->started);
        free(c->unit);
        free(c->cgroup);
        free(c);
}

static void conn_free(struct conn *c)
{
        struct server *srv = c->srv;

        if (c->prev)
                c->prev->next = c->next;
        else
                srv->conns = c->next;
        if (c->next)
                c->next->prev = c->prev;
        conn_destroy(c);
}

/* The status of every watch the asker may see (root: all; others: their
 * own), in a memfd: records back to back, each ended by an empty field. */
static int status_reply(struct conn *c)
{
        char control[CMSG_SPACE(sizeof(int))] = { 0 };
        static const char head[] = MONITOR_OP "=" MONITOR_OP_STATUS "\0" MONITOR_WITH_MEMFD "=1";
        struct iovec iov = { (void *)head, sizeof(head) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                             .msg_controllen = sizeof(control) };
        long long now = clock_ms(CLOCK_BOOTTIME);
        int fd = memfd_create("allocsel-status", MFD_CLOEXEC), r = 0;

        if (fd < 0)
                return -errno;
        for (struct watch *w = c->srv->watches; w && r == 0; w = w->next) {
                struct event ev;

                if (c->uid != 0 && w->uid != c->uid)
                        continue;
                watch_sample_now(w);
                watch_record(w, &ev, "", 6);
                event_add(&ev, "ALLOCSEL_RSS_KB=%ld", w->last.rss_kb);
                event_add(&ev, "ALLOCSEL_PEAK_RSS_KB=%ld", w->peak_kb);
                event_add(&ev, "ALLOCSEL_AGE_MS=%lld", now - w->start_ms);
                if (w->loaded_known)
                        event_add(&ev, "ALLOCSEL_LOADED=%s", w->loaded ? "true" : "false");
                r = ev.error ? ev.error : event_write(&ev, fd);
                if (r == 0 && write(fd, "", 1) != 1)
                        r = -EIO;
                event_free(&ev);
        }
        if (r == 0) {
                struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

                cm->cmsg_level = SOL_SOCKET;
                cm->cmsg_type = SCM_RIGHTS;
                cm->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(cm), &fd, sizeof(int));
                r = sendmsg(c->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -errno : 0;
        }
        close(fd);
        return r;
}

/* The descriptors a message carried: the first max into fds, the others
 * closed at once. Returns how many were kept. */
static int received_fds(struct msghdr *mh, int *fds, int max)
{
        int n = 0;

        for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm))
                if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
                        size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

                        for (size_t i = 0; i < k; i++) {
                                int fd;

                                memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
                                if (n < max)
                                        fds[n++] = fd;
                                else
                                        close(fd);
                        }
                }
        return n;
}

/* The descriptors that came with a message, as its fields say. */
static int take_fds(struct msghdr *mh, const struct event *msg, int *ret_pidfd, int *ret_memfd)
{
        int fds[2] = { -1, -1 }, n = received_fds(mh, fds, 2), want, at = 0;

        *ret_pidfd = *ret_memfd = -1;
        want = (event_get(msg, MONITOR_WITH_PIDFD) != NULL) + (event_get(msg, MONITOR_WITH_MEMFD) != NULL);
        if (n != want || (mh->msg_flags & MSG_CTRUNC)) {
                for (int i = 0; i < n; i++)
                        close(fds[i]);
                return -EBADMSG;
        }
        if (event_get(msg, MONITOR_WITH_PIDFD))
                *ret_pidfd = fds[at++];
        if (event_get(msg, MONITOR_WITH_MEMFD))
                *ret_memfd = fds[at];
        return 0;
}

/* The started record as the connection keeps it until the exec: the
 * fields the monitor may log or the watch reads, within the user's budget. */
static int started_kept(struct conn *c, const struct event *msg)
{
        struct uid_count *u = uid_slot(c->srv, c->uid, true);
        struct event kept = { .fields = { 0 } };
        size_t bytes = 0;

        for (size_t i = 0; i < msg->fields.n; i++) {
                const char *f = msg->fields.v[i];

                if (!allowed_name(f) && strncmp(f, "ALLOCSEL_WATCH_", 15) != 0)
                        continue;
                bytes += strlen(f) + 1;
                event_add(&kept, "%s", f);
        }
        if (!u || kept.error || (c->uid != 0 && u->bytes + bytes > PENDING_BYTES_PER_UID)) {
                int r = kept.error ? kept.error : -ENOBUFS;

                event_free(&kept);
                if (r == -ENOBUFS)
                        c->srv->refused_limit++;
                return r;
        }
        u->bytes += bytes;
        c->bytes = bytes;
        c->started = kept;
        return 0;
}

static int handle(struct conn *c, struct event *msg, int pidfd)
{
        const char *op = event_get(msg, MONITOR_OP);
        char state;
        char *unit = NULL, *cgroup = NULL;
        struct event record;
        int r;

        if (!op)
                return -EBADMSG;
        /* one reply a connection: a client that never reads pins one, not many */
        if (strcmp(op, MONITOR_OP_STATUS) == 0) {
                r = status_reply(c);
                return r < 0 ? r : -ESHUTDOWN;
        }
        if (strcmp(op, MONITOR_OP_CANCEL) == 0) {
                event_free(&c->started);
                c->have_started = false;
                return 0;
        }
        if (strcmp(op, MONITOR_OP_LOG) == 0) {
                if (!may_log(c->srv, c->uid)) {
                        c->srv->refused_limit++;
                        return 0;
                }
                (void)unit_of_pid(c->pid, &unit, &cgroup);
                r = record_checked(msg, false, c->pid, c->uid, unit, &record);
                free(unit);
                free(cgroup);
                if (r == 0) {
                        outbox_send(&record);
                        event_free(&record);
                }
                return r;
        }
        if (strcmp(op, MONITOR_OP_STARTED) != 0 || c->have_started)
                return -EBADMSG;
        /* the program's PID is the sender's: a pidfd of another process is a
         * lie; one of a process already gone is of no use */
        if (pidfd >= 0) {
                r = pidfd_of(pidfd, c->pid);
                if (r < 0)
                        return r;
                if (r == 0) {
                        close(pidfd);
                        pidfd = -1;
                }
        }
        r = started_kept(c, msg);
        if (r < 0)
                return r;
        c->have_started = true;
        if (proc_read_stat(c->pid, &c->start_ticks, &state) < 0)
                c->start_ticks = 0;
        (void)unit_of_pid(c->pid, &c->unit, &c->cgroup);
        c->pidfd = pidfd;
        return 1; /* pidfd taken */
}

static int conn_read(struct conn *c)
{
        char control[CMSG_SPACE(2 * sizeof(int))];
        char *buf = malloc(MONITOR_INLINE_MAX + 1);
        struct iovec iov = { buf, MONITOR_INLINE_MAX + 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                             .msg_controllen = sizeof(control) };
        struct event msg;
        int pidfd = -1, memfd = -1, r;
        ssize_t n;

        if (!buf)
                return -ENOMEM;
        n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0) {
                r = errno == EAGAIN || errno == EINTR ? 0 : -errno;
                free(buf);
                return r;
        }
        /* the peer's close is EPOLLHUP with nothing left to read: an empty
         * message (descriptors and all) is a message, and a bad one */
        if (n == 0 && mh.msg_controllen == 0 && !(mh.msg_flags & MSG_CTRUNC)) {
                char probe;

                free(buf);
                return recv(c->fd, &probe, 1, MSG_DONTWAIT | MSG_PEEK) == 0 ? -EPIPE : -EBADMSG;
        }
        r = n == 0 || (mh.msg_flags & MSG_TRUNC) ? -EBADMSG : event_decode(buf, (size_t)n, &msg);
        free(buf);
        if (r < 0) {
                (void)received_fds(&mh, NULL, 0); /* closed, all */
                return r;
        }
        r = take_fds(&mh, &msg, &pidfd, &memfd);
        if (r == 0 && memfd >= 0) {
                struct event whole;

                r = event_read(memfd, MONITOR_RECORD_MAX, &whole);
                if (r == 0) {
                        event_free(&msg);
                        msg = whole;
                }
        }
        if (memfd >= 0)
                close(memfd);
        if (r == 0)
                r = handle(c, &msg, pidfd);
        if (r != 1 && pidfd >= 0)
                close(pidfd);
        event_free(&msg);
        return r < 0 ? r : 0;
}

static int on_exec_settled(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct conn *c = userdata;

        (void)usec;
        sd_event_source_unref(s);
        started_after_exec(c);
        conn_free(c);
        return 0;
}

/* The exec closed the connection: the program is starting on another CPU,
 * and on these machines any work beside it slows its start. The record
 * and the watch wait EXEC_SETTLE_MS; a program gone by then has its exit
 * logged as one that ended before its first sample. */
static void after_exec(struct conn *c)
{
        sd_event_source *t = NULL;
        uint64_t now;

        c->source = sd_event_source_unref(c->source);
        if (sd_event_now(c->srv->event, CLOCK_MONOTONIC, &now) < 0 ||
            sd_event_add_time(c->srv->event, &t, CLOCK_MONOTONIC, now + EXEC_SETTLE_MS * 1000ULL, 1000,
                              on_exec_settled, c) < 0) {
                started_after_exec(c);
                conn_free(c);
        }
}

static int on_conn(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct conn *c = userdata;
        int r = 0;

        (void)s;
        (void)fd;
        if (revents & EPOLLIN)
                r = conn_read(c);
        else if (revents & (EPOLLHUP | EPOLLERR))
                r = -EPIPE;
        if (r == -EPIPE && c->have_started) {
                after_exec(c);
                return 0;
        }
        if (r < 0 && r != -EPIPE && r != -ESHUTDOWN && r != -ENOBUFS)
                c->srv->refused_bad++;
        if (r < 0)
                conn_free(c);
        return 0;
}

static int on_listen_again(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct server *srv = userdata;

        (void)s;
        (void)usec;
        return sd_event_source_set_enabled(srv->listen_source, SD_EVENT_ON);
}

/* Out of descriptors: the socket stays readable, and accepting again at
 * once would spin. It rests a second (what waits is counted as refused). */
static void listen_rest(struct server *srv)
{
        uint64_t now;

        int r;

        srv->refused_limit++;
        r = sd_event_now(srv->event, CLOCK_MONOTONIC, &now);
        if (r >= 0 && !srv->listen_rest)
                r = sd_event_add_time(srv->event, &srv->listen_rest, CLOCK_MONOTONIC, now + 1000000ULL, 100000ULL,
                                      on_listen_again, srv);
        else if (r >= 0)
                r = sd_event_source_set_time(srv->listen_rest, now + 1000000ULL);
        if (r >= 0)
                r = sd_event_source_set_enabled(srv->listen_rest, SD_EVENT_ONESHOT);
        if (r >= 0)
                (void)sd_event_source_set_enabled(srv->listen_source, SD_EVENT_OFF);
}

static int on_listen(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct server *srv = userdata;
        struct ucred cred;
        socklen_t len = sizeof(cred);
        struct conn *c;
        int cfd;

        (void)s;
        (void)revents;
        cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (cfd < 0) {
                if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                        listen_rest(srv);
                return 0;
        }
        if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || !hold(srv, cred.uid)) {
                srv->refused_limit++;
                close(cfd);
                return 0;
        }
        c = calloc(1, sizeof(*c));
        if (!c || sd_event_add_io(srv->event, &c->source, cfd, EPOLLIN, on_conn, c) < 0) {
                release(srv, cred.uid);
                free(c);
                close(cfd);
                return 0;
        }
        c->srv = srv;
        c->fd = cfd;
        c->pid = cred.pid;
        c->uid = cred.uid;
        c->pidfd = -1;
        c->next = srv->conns;
        if (c->next)
                c->next->prev = c;
        srv->conns = c;
        return 0;
}

/* Every notice_s (a minute), what was refused or dropped, never silently. */
static int on_minute(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct server *srv = userdata;
        unsigned long dropped = outbox_take_dropped();
        struct event ev = { .fields = { 0 } };

        if (srv->refused_limit || srv->refused_bad || dropped) {
                event_add(&ev, "MESSAGE_ID=%s", MESSAGE_ID_MONITOR);
                event_add(&ev, "PRIORITY=4");
                event_add(&ev, "SYSLOG_IDENTIFIER=allocsel-monitor");
                event_add(&ev, "ALLOCSEL_REFUSED_LIMIT=%lu", srv->refused_limit);
                event_add(&ev, "ALLOCSEL_REFUSED_BAD=%lu", srv->refused_bad);
                event_add(&ev, "ALLOCSEL_DROPPED=%lu", dropped);
                event_add(&ev, "ALLOCSEL_WATCHING=%zu", srv->n_held);
                event_add(&ev, "MESSAGE=allocsel-monitor in the last %us: refused %lu over its limits "
                          "(%zu held of %zu, %zu per user), %lu malformed, dropped %lu records the journal did "
                          "not take in time", srv->notice_s, srv->refused_limit, srv->n_held, srv->max_held, srv->max_per_uid,
                          srv->refused_bad, dropped);
                outbox_send(&ev);
                event_free(&ev);
                srv->refused_limit = srv->refused_bad = 0;
        }
        return sd_event_source_set_time(s, usec + srv->notice_s * 1000000ULL);
}

int server_start(struct server *srv, sd_event *e, int listen_fd)
{
        uint64_t now;
        int r;

        srv->event = e;
        srv->listen_fd = listen_fd;
        r = sd_event_add_io(e, &srv->listen_source, listen_fd, EPOLLIN, on_listen, srv);
        if (r >= 0)
                r = sd_event_now(e, CLOCK_MONOTONIC, &now);
        if (r >= 0)
                r = sd_event_add_time(e, &srv->minute, CLOCK_MONOTONIC, now + srv->notice_s * 1000000ULL,
                                      srv->notice_s * 100000ULL, on_minute, srv);
        if (r >= 0)
                r = sd_event_source_set_enabled(srv->minute, SD_EVENT_ON);
        return r;
}

void server_stop(struct server *srv)
{
        struct conn *c = srv->conns, *next_conn;
        struct watch *w = srv->watches, *next_watch;

        for (; c; c = next_conn) {
                next_conn = c->next;
                conn_destroy(c);
        }
        srv->conns = NULL;
        for (; w; w = next_watch) {
                next_watch = w->next;
                watch_free(w);
        }
        srv->watches = NULL;
        sd_event_source_unref(srv->listen_source);
        sd_event_source_unref(srv->listen_rest);
        sd_event_source_unref(srv->minute);
        free(srv->per_uid);
}
