/* The monitor's socket: who may send what, how much one user may make it
 * hold, and the watches the records start. */
#ifndef ALLOCSEL_SERVER_H
#define ALLOCSEL_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "watch.h"

struct conn;

struct uid_count {
        uid_t uid;
        size_t n;                       /* connections and watches */
        size_t bytes;                   /* of started records waiting for their exec */
        double tokens;                  /* for logged records: a bucket per user */
        unsigned long long tokens_at_us;
};

/* A library's version, read once per file (the same device, inode, size
 * and modification time): reading it costs more than a start. */
struct version_seen {
        dev_t dev;
        ino_t ino;
        off_t size;
        long long mtime_ns;
        char version[64];
};

#define VERSIONS_KEPT 16

struct server {
        sd_event *event;
        int listen_fd;
        sd_event_source *listen_source, *listen_rest, *minute;
        struct conn *conns;
        struct watch *watches;
        size_t n_held;                  /* connections and watches */
        struct uid_count *per_uid;
        size_t n_uids;
        size_t max_held, max_per_uid;   /* root: max_held only */
        unsigned notice_s;              /* refusals are logged this often */
        unsigned long refused_limit, refused_bad;
        bool fdstore;                   /* systemd keeps our watches across a restart */
        struct version_seen versions[VERSIONS_KEPT];
        size_t n_versions, next_version;
};

/* Listens on fd (a bound, listening SOCK_SEQPACKET socket). 0 or -errno. */
int server_start(struct server *srv, sd_event *e, int listen_fd);

/* Takes over a watch restored from the file descriptor store. */
void server_adopt(struct server *srv, struct watch *w);

void server_stop(struct server *srv);

#endif
