/* Names in the store: "r" and "p" before a key for the record's memfd and
 * the pidfd; the key (the first PID and the watch's own number) stays the
 * same when a forking daemon's watch moves to another PID, and tells apart
 * several watches of one process. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "fdstore.h"

#define STORE_RECORD_MAX ((size_t)64 * 1024)

bool fdstore_available(void)
{
        const char *s = getenv("NOTIFY_SOCKET");

        return s && *s;
}

static void key_of(const struct watch *w, char *buf, size_t size)
{
        snprintf(buf, size, "%d.%llu", (int)w->first_pid, w->key);
}

static void store(const char *kind, const char *key, int fd)
{
        char msg[128];

        snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=%s%s", kind, key);
        (void)sd_pid_notify_with_fds(0, 0, msg, &fd, 1);
}

static void unstore(const char *kind, const char *key)
{
        char msg[128];

        snprintf(msg, sizeof(msg), "FDSTOREREMOVE=1\nFDNAME=%s%s", kind, key);
        (void)sd_pid_notify(0, 0, msg);
}

void fdstore_add(struct watch *w)
{
        struct event fields;
        char key[64];
        int fd;

        key_of(w, key, sizeof(key));
        fdstore_remove(w);
        if (watch_stored_fields(w, &fields) < 0) {
                event_free(&fields);
                return;
        }
        fd = memfd_create("allocsel-watch", MFD_CLOEXEC);
        if (fd >= 0 && event_write(&fields, fd) == 0)
                store("r", key, fd);
        if (fd >= 0)
                close(fd);
        event_free(&fields);
        if (w->pidfd >= 0)
                store("p", key, w->pidfd);
}

void fdstore_remove(const struct watch *w)
{
        char key[64];

        key_of(w, key, sizeof(key));
        unstore("r", key);
        unstore("p", key);
}

static int find_name(char **names, int n, char kind, const char *key)
{
        for (int i = 0; i < n; i++)
                if (names[i] && names[i][0] == kind && strcmp(names[i] + 1, key) == 0)
                        return i;
        return -1;
}

int fdstore_restore(int *ret_listen_fd, void (*adopt)(struct watch *w, void *userdata), void *userdata)
{
        char **names = NULL;
        int n = sd_listen_fds_with_names(1, &names);

        *ret_listen_fd = -1;
        if (n <= 0)
                return n;
        for (int i = 0; i < n; i++) {
                int fd = SD_LISTEN_FDS_START + i, p;
                struct watch *w = NULL;
                struct event stored;

                if (sd_is_socket_unix(fd, SOCK_SEQPACKET, 1, NULL, 0) > 0) {
                        if (*ret_listen_fd < 0)
                                *ret_listen_fd = fd;
                        continue;
                }
                if (!names || !names[i] || names[i][0] != 'r') {
                        if (!names || !names[i] || names[i][0] != 'p')
                                close(fd);
                        continue;
                }
                p = find_name(names, n, 'p', names[i] + 1);
                if (event_read(fd, STORE_RECORD_MAX, &stored) == 0) {
                        int r = watch_restore(&w, &stored, p >= 0 ? SD_LISTEN_FDS_START + p : -1);

                        if (r == -ESRCH) {
                                watch_log_exit(w);
                                fdstore_remove(w);
                                watch_free(w);
                        } else if (r == 0) {
                                adopt(w, userdata);
                        }
                        event_free(&stored);
                } else if (p >= 0) {
                        close(SD_LISTEN_FDS_START + p);
                }
                if (p >= 0)
                        names[p][0] = '-'; /* taken */
                close(fd);
        }
        for (int i = 0; names && i < n; i++) {
                if (names[i] && names[i][0] == 'p')
                        close(SD_LISTEN_FDS_START + i); /* a pidfd whose record is gone */
                free(names[i]);
        }
        free(names);
        return 0;
}
