/* Groups and changes: runs sorted by what they share, then taken in
 * stretches. A median is the lower middle value (an RSS that was really
 * measured), over the runs that have the figure. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fleet.h"

static int cmp_str(const char *a, const char *b)
{
        return a == b ? 0 : strcmp(a ? a : "", b ? b : "");
}

static int cmp_ll(long long a, long long b)
{
        return (a > b) - (a < b);
}

struct sorting {
        const struct fleet *f;
        bool by_host;
};

static int cmp_group_order(const void *pa, const void *pb, void *ctx)
{
        const struct sorting *s = ctx;
        const struct fleet_run *a = &s->f->runs[*(const size_t *)pa], *b = &s->f->runs[*(const size_t *)pb];
        int c = s->by_host ? cmp_str(a->host, b->host) : 0;

        if (c == 0)
                c = cmp_str(a->service, b->service);
        if (c == 0)
                c = cmp_str(a->allocator, b->allocator);
        if (c == 0)
                c = cmp_str(a->digest, b->digest);
        return c ? c : cmp_ll(a->start_us, b->start_us);
}

static int cmp_time_order(const void *pa, const void *pb, void *ctx)
{
        const struct sorting *s = ctx;
        const struct fleet_run *a = &s->f->runs[*(const size_t *)pa], *b = &s->f->runs[*(const size_t *)pb];
        int c = cmp_str(a->host, b->host);

        if (c == 0)
                c = cmp_str(a->service, b->service);
        return c ? c : cmp_ll(a->start_us, b->start_us);
}

static size_t *sorted_runs(const struct fleet *f, bool by_host, int (*cmp)(const void *, const void *, void *))
{
        struct sorting s = { f, by_host };
        size_t *idx = malloc((f->n ? f->n : 1) * sizeof(*idx));

        if (!idx)
                return NULL;
        for (size_t i = 0; i < f->n; i++)
                idx[i] = i;
        qsort_r(idx, f->n, sizeof(*idx), cmp, &s);
        return idx;
}

static int cmp_kb(const void *a, const void *b)
{
        return cmp_ll(*(const long long *)a, *(const long long *)b);
}

static long long median_of(const struct fleet *f, const size_t *idx, size_t n, size_t offset, long long *tmp)
{
        size_t k = 0;

        for (size_t i = 0; i < n; i++) {
                long long v;

                memcpy(&v, (const char *)&f->runs[idx[i]] + offset, sizeof(v));
                if (v != FLEET_UNKNOWN)
                        tmp[k++] = v;
        }
        if (k == 0)
                return FLEET_UNKNOWN;
        qsort(tmp, k, sizeof(*tmp), cmp_kb);
        return tmp[(k - 1) / 2];
}

/* The figures of runs idx[0..n), which share their group's key. */
static void group_of(const struct fleet *f, const size_t *idx, size_t n, bool by_host, long long *tmp,
                     struct fleet_group *g)
{
        const struct fleet_run *first = &f->runs[idx[0]];

        *g = (struct fleet_group){
                .host = by_host ? first->host : NULL, .service = first->service,
                .allocator = first->allocator, .digest = first->digest, .runs = n,
                .first_us = first->start_us, .last_us = first->start_us,
        };
        for (size_t i = 0; i < n; i++) {
                const struct fleet_run *r = &f->runs[idx[i]];

                g->not_loaded += r->loaded == LOADED_NO;
                if (r->start_us < g->first_us)
                        g->first_us = r->start_us;
                if (r->start_us >= g->last_us) {
                        g->last_us = r->start_us;
                        if (r->version)
                                g->version = r->version;
                }
                if (!g->version)
                        g->version = r->version;
        }
        g->median.startup_kb = median_of(f, idx, n, offsetof(struct fleet_run, startup_kb), tmp);
        g->median.exit_kb = median_of(f, idx, n, offsetof(struct fleet_run, exit_kb), tmp);
        g->median.peak_kb = median_of(f, idx, n, offsetof(struct fleet_run, peak_kb), tmp);
}

/* Interned strings of one pool are equal when their pointers are; runs
 * read by several threads have their strings in several pools. */
static bool same(const char *a, const char *b)
{
        return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_group(const struct fleet_run *a, const struct fleet_run *b, bool by_host)
{
        return (!by_host || same(a->host, b->host)) && same(a->service, b->service) &&
               same(a->allocator, b->allocator) && same(a->digest, b->digest);
}

static int make_groups(const struct fleet *f, bool by_host, long long *tmp, struct fleet_summary *s)
{
        size_t *idx = sorted_runs(f, by_host, cmp_group_order);

        if (!idx)
                return -ENOMEM;
        s->groups = calloc(f->n ? f->n : 1, sizeof(*s->groups));
        if (!s->groups) {
                free(idx);
                return -ENOMEM;
        }
        for (size_t i = 0, end; i < f->n; i = end) {
                for (end = i + 1; end < f->n && same_group(&f->runs[idx[i]], &f->runs[idx[end]], by_host); end++)
                        ;
                group_of(f, idx + i, end - i, by_host, tmp, &s->groups[s->n_groups++]);
        }
        free(idx);
        return 0;
}

/* Per host and service in time order, each stretch of runs with one
 * allocator and policy is a period; where one period follows another,
 * that is a change. */
static int make_changes(const struct fleet *f, long long *tmp, struct fleet_summary *s)
{
        const size_t *idx;
        size_t prev_start = 0, prev_end = 0;
        bool have_prev = false;

        s->order = sorted_runs(f, true, cmp_time_order);
        if (!s->order)
                return -ENOMEM;
        idx = s->order;
        s->changes = calloc(f->n ? f->n : 1, sizeof(*s->changes));
        if (!s->changes)
                return -ENOMEM;
        for (size_t i = 0, end; i < f->n; i = end) {
                const struct fleet_run *a = &f->runs[idx[i]];

                for (end = i + 1; end < f->n && same_group(a, &f->runs[idx[end]], true); end++)
                        ;
                if (have_prev && same(f->runs[idx[prev_start]].host, a->host) &&
                    same(f->runs[idx[prev_start]].service, a->service)) {
                        struct fleet_change *c = &s->changes[s->n_changes++];

                        group_of(f, idx + prev_start, prev_end - prev_start, true, tmp, &c->before);
                        group_of(f, idx + i, end - i, true, tmp, &c->after);
                }
                prev_start = i;
                prev_end = end;
                have_prev = true;
        }
        return 0;
}

int fleet_summarize(const struct fleet *f, bool by_host, struct fleet_summary *ret)
{
        long long *tmp = malloc((f->n ? f->n : 1) * sizeof(*tmp));
        int r;

        memset(ret, 0, sizeof(*ret));
        if (!tmp)
                return -ENOMEM;
        r = make_groups(f, by_host, tmp, ret);
        if (r == 0 && by_host)
                r = make_changes(f, tmp, ret);
        free(tmp);
        if (r < 0)
                fleet_summary_free(ret);
        return r;
}

void fleet_summary_free(struct fleet_summary *s)
{
        free(s->groups);
        free(s->changes);
        free(s->order);
        memset(s, 0, sizeof(*s));
}

bool fleet_change_pct(long long before, long long after, double *ret)
{
        if (before <= 0 || after == FLEET_UNKNOWN)
                return false;
        *ret = (double)(after - before) * 100.0 / (double)before;
        return true;
}
