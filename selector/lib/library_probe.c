/* What an allocator library reads and can do, found by looking in it: its
 * exported functions, and strings read in bounded chunks with pread (a
 * library rewritten meanwhile gives fewer findings, never a SIGBUS). */
#include <ctype.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "library_probe.h"

/* Each chunk starts with the last SCAN_KEEP bytes of the one before, so a
 * string across a boundary is seen whole. A match is judged in the one
 * chunk where it starts at least SCAN_KEEP / 2 from either end (or at the
 * file's own ends): once, and with its surroundings. */
#define SCAN_CHUNK ((size_t)128 << 10)
#define SCAN_KEEP ((size_t)256)
#define SCAN_MAX ((unsigned long long)64 << 20)

struct window {
        const unsigned char *p;
        size_t n;
        size_t from, to;        /* where a judged match may start */
};

static bool has(const struct window *w, const char *s, size_t len)
{
        return memmem(w->p, w->n, s, len) != NULL;
}
#define HAS(w, lit) has((w), (lit), sizeof(lit))       /* includes the NUL */
#define HAS_PREFIX(w, lit) has((w), (lit), sizeof(lit) - 1)

static bool judged(const struct window *w, const unsigned char *at)
{
        size_t off = (size_t)(at - w->p);

        return off >= w->from && off < w->to;
}

static bool version_char(unsigned char c)
{
        return (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* A string such as "5.3.0-0-g54eaed1d..." (jemalloc) following a NUL. */
static void jemalloc_version(const struct window *w, char *buf, size_t size)
{
        const unsigned char *p = w->p, *end = w->p + w->n;

        /* memchr, not memmem: glibc's memmem for "-g" took 0.6 ms over jemalloc's
         * 700 KiB, and the helper now does this on every start */
        while (p + 1 < end && (p = memchr(p, '-', (size_t)(end - p - 1))) != NULL) {
                const unsigned char *s = p;

                if (p[1] != 'g') {
                        p++;
                        continue;
                }
                while (s > w->p && version_char(s[-1]))
                        s--;
                if (judged(w, p) && s < p && isdigit(s[0]) && memchr(s, '.', (size_t)(p - s)) &&
                    (s == w->p ? w->from == 0 : s[-1] == '\0')) {
                        /* stop at the "-N" commit count: keep "5.3.0" */
                        const unsigned char *dash = memchr(s, '-', (size_t)(p - s));

                        snprintf(buf, size, "%.*s", (int)((dash ? dash : p) - s), (const char *)s);
                        return;
                }
                p += 2;
        }
}

static void gperftools_version(const struct window *w, char *buf, size_t size)
{
        static const char tag[] = "gperftools ";
        const unsigned char *p = memmem(w->p, w->n, tag, sizeof(tag) - 1);

        if (p && judged(w, p)) {
                size_t avail = w->n - (size_t)(p - w->p) - (sizeof(tag) - 1);

                snprintf(buf, size, "%.*s", (int)strnlen((const char *)p + sizeof(tag) - 1, avail < 32 ? avail : 32),
                         (const char *)p + sizeof(tag) - 1);
        }
}

struct scan {
        enum alloc_family family;
        unsigned want;
        struct library_traits *t;
};

static void look(const struct window *w, const struct scan *s)
{
        struct library_traits *t = s->t;

        switch (s->family) {
        case FAMILY_JEMALLOC:
                if ((s->want & PROBE_VERSION) && !t->version[0])
                        jemalloc_version(w, t->version, sizeof(t->version));
                /* prof code, and its messages, exist only in --enable-prof builds */
                if (s->want & PROBE_PROFILING)
                        t->jemalloc_prof |= HAS_PREFIX(w, "Run jeprof on dump output");
                break;
        case FAMILY_GPERFTOOLS:
                if ((s->want & PROBE_VERSION) && !t->version[0])
                        gperftools_version(w, t->version, sizeof(t->version));
                if (s->want & PROBE_PROFILING) {
                        t->heap_profiler |= HAS(w, "HEAPPROFILE");
                        t->heap_checker |= HAS(w, "HEAPCHECK");
                }
                break;
        case FAMILY_MIMALLOC:
                /* 2.1 renamed the decommit options to purge ones */
                if (s->want & PROBE_OPTION_NAMES)
                        t->mimalloc_purge_names |= HAS(w, "purge_delay");
                break;
        default:
                break;
        }
}

static ssize_t pread_retry(int fd, void *buf, size_t len, off_t off)
{
        ssize_t n;

        do
                n = pread(fd, buf, len, off);
        while (n < 0 && errno == EINTR);
        return n;
}

static void scan_file(int fd, const struct scan *s)
{
        unsigned char *buf = malloc(SCAN_KEEP + SCAN_CHUNK);
        size_t kept = 0, from = 0;
        unsigned long long off = 0;

        if (!buf)
                return;
        while (off < SCAN_MAX) {
                ssize_t n = pread_retry(fd, buf + kept, SCAN_CHUNK, (off_t)off);
                size_t total;

                if (n <= 0)
                        break;
                off += (unsigned long long)n;
                total = kept + (size_t)n;
                kept = total;
                if (total <= SCAN_KEEP)
                        continue;
                look(&(struct window){ buf, total, from, total - SCAN_KEEP / 2 }, s);
                memmove(buf, buf + total - SCAN_KEEP, SCAN_KEEP);
                kept = SCAN_KEEP;
                from = SCAN_KEEP / 2;
        }
        look(&(struct window){ buf, kept, from, kept }, s);
        free(buf);
}

/* jemalloc reads getenv(PREFIX "MALLOC_CONF") where its functions are
 * PREFIX "mallctl" and so on (--with-jemalloc-prefix). */
static void jemalloc_conf_var(const struct elf_info *info, char *buf, size_t size)
{
        static const char fn[] = "mallctl";
        const size_t fnlen = sizeof(fn) - 1;

        snprintf(buf, size, "MALLOC_CONF");
        for (size_t i = 0; info && i < info->exports.n; i++) {
                const char *name = info->exports.v[i];
                size_t len = strlen(name), plen = len - fnlen;
                char prefix[16];

                if (strcmp(name, fn) == 0) {
                        snprintf(buf, size, "MALLOC_CONF"); /* unprefixed wins */
                        return;
                }
                if (len <= fnlen || plen >= sizeof(prefix) || strcmp(name + plen, fn) != 0 ||
                    !memchr(name, '_', plen))
                        continue;
                for (size_t k = 0; k < plen; k++)
                        prefix[k] = (char)toupper((unsigned char)name[k]);
                prefix[plen] = '\0';
                snprintf(buf, size, "%sMALLOC_CONF", prefix);
        }
}

/* mimalloc's file is libmimalloc.so.MAJOR.MINOR: the name of the file
 * opened (the target of any symlink) says. */
static void version_from_file_name(int fd, char *buf, size_t size)
{
        char link[64], target[PATH_MAX];
        const char *so;
        ssize_t n;

        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, target, sizeof(target) - 1);
        if (n <= 0)
                return;
        target[n] = '\0';
        so = strstr(target, ".so.");
        if (so)
                snprintf(buf, size, "%s", so + 4);
}

void library_probe_fd(int fd, const struct elf_info *info, enum alloc_family family, unsigned want,
                      struct library_traits *t)
{
        struct scan s;

        memset(t, 0, sizeof(*t));
        s = (struct scan){ family, want, t };
        if (family == FAMILY_GLIBC) {
                library_glibc_traits(t);
                return;
        }
        if (family == FAMILY_JEMALLOC && (want & PROBE_CONF_VAR))
                jemalloc_conf_var(info, t->conf_var, sizeof(t->conf_var));
        if ((family == FAMILY_MIMALLOC || family == FAMILY_NONE) && (want & PROBE_VERSION))
                version_from_file_name(fd, t->version, sizeof(t->version));
        if ((family == FAMILY_JEMALLOC && (want & (PROBE_VERSION | PROBE_PROFILING))) ||
            (family == FAMILY_GPERFTOOLS && (want & (PROBE_VERSION | PROBE_PROFILING))) ||
            (family == FAMILY_MIMALLOC && (want & PROBE_OPTION_NAMES)))
                scan_file(fd, &s);
}

void library_glibc_traits(struct library_traits *t)
{
        memset(t, 0, sizeof(*t));
        snprintf(t->version, sizeof(t->version), "%s", gnu_get_libc_version());
}
