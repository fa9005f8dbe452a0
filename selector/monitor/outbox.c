/* The journal's side of the monitor: one writer thread, one queue. The
 * thread owns nothing but the queue's head; the event loop only appends. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include "outbox.h"

/* journald drops an entry of more than 1024 fields (its own among them in
 * some versions): such a record goes to stderr instead */
#define JOURNAL_FIELDS_MAX 900

struct item {
        struct event ev;
        size_t bytes;
        struct item *next;
};

static struct {
        pthread_mutex_t lock;
        pthread_cond_t wake, idle;
        struct item *head, *tail;
        size_t records, bytes, max_records, max_bytes;
        unsigned long dropped;
        bool running, stopping, busy;
        pthread_t thread;
} box = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER, .idle = PTHREAD_COND_INITIALIZER };

/* true when journald took it (sd_journal_sendv() reports success when
 * there is no socket at all: journal_available() asks first) */
static bool to_journal(const struct event *ev)
{
        size_t n = ev->fields.n;
        struct iovec *iov;
        int r;

        if (n == 0 || n > JOURNAL_FIELDS_MAX || !journal_available())
                return false;
        iov = calloc(n, sizeof(*iov));
        if (!iov)
                return false;
        for (size_t i = 0; i < n; i++)
                iov[i] = (struct iovec){ ev->fields.v[i], strlen(ev->fields.v[i]) };
        r = sd_journal_sendv(iov, (int)n);
        free(iov);
        return r >= 0;
}

static void deliver(const struct event *ev)
{
        if (!to_journal(ev))
                event_print(ev, STDERR_FILENO);
}

static void (*sink)(const struct event *ev) = deliver;

void outbox_set_sink(void (*to)(const struct event *ev))
{
        sink = to ? to : deliver;
}

static void *writer(void *arg)
{
        (void)arg;
        pthread_mutex_lock(&box.lock);
        for (;;) {
                struct item *it;

                while (!box.head && !box.stopping)
                        pthread_cond_wait(&box.wake, &box.lock);
                if (!box.head)
                        break;
                it = box.head;
                box.head = it->next;
                if (!box.head)
                        box.tail = NULL;
                box.busy = true;
                pthread_mutex_unlock(&box.lock);
                deliver(&it->ev);
                event_free(&it->ev);
                pthread_mutex_lock(&box.lock);
                box.busy = false;
                box.records--;
                box.bytes -= it->bytes;
                free(it);
                if (!box.head)
                        pthread_cond_broadcast(&box.idle);
        }
        pthread_mutex_unlock(&box.lock);
        return NULL;
}

int outbox_start(size_t max_records, size_t max_bytes)
{
        sigset_t all, old;
        int r;

        box.max_records = max_records;
        box.max_bytes = max_bytes;
        /* signals are the event loop's */
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old);
        r = pthread_create(&box.thread, NULL, writer, NULL);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r != 0)
                return -r;
        box.running = true;
        return 0;
}

void outbox_send(struct event *ev)
{
        struct item *it;
        size_t bytes = 0;

        if (ev->fields.n == 0)
                return;
        if (!box.running) {
                sink(ev);
                event_free(ev);
                return;
        }
        for (size_t i = 0; i < ev->fields.n; i++)
                bytes += strlen(ev->fields.v[i]) + 1;
        it = calloc(1, sizeof(*it));
        pthread_mutex_lock(&box.lock);
        if (!it || box.records + 1 > box.max_records || box.bytes + bytes > box.max_bytes) {
                box.dropped++;
                pthread_mutex_unlock(&box.lock);
                free(it);
                event_free(ev);
                return;
        }
        it->ev = *ev;
        it->bytes = bytes;
        memset(ev, 0, sizeof(*ev));
        if (box.tail)
                box.tail->next = it;
        else
                box.head = it;
        box.tail = it;
        box.records++;
        box.bytes += bytes;
        pthread_cond_signal(&box.wake);
        pthread_mutex_unlock(&box.lock);
}

unsigned long outbox_take_dropped(void)
{
        unsigned long n;

        pthread_mutex_lock(&box.lock);
        n = box.dropped;
        box.dropped = 0;
        pthread_mutex_unlock(&box.lock);
        return n;
}

void outbox_stop(long long timeout_ms)
{
        struct timespec until;

        if (!box.running)
                return;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += (time_t)(timeout_ms / 1000);
        until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&box.lock);
        while ((box.head || box.busy) &&
               pthread_cond_timedwait(&box.idle, &box.lock, &until) != ETIMEDOUT)
                ;
        box.stopping = true;
        pthread_cond_signal(&box.wake);
        /* a writer stuck in a journal that does not drain is left behind */
        if (box.busy || box.head) {
                pthread_mutex_unlock(&box.lock);
                return;
        }
        pthread_mutex_unlock(&box.lock);
        pthread_join(box.thread, NULL);
        box.running = false;
}
