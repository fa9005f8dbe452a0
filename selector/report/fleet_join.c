/* Joining records into runs. A run begins with its started record (or
 * with a fallback or refused record, which have no monitor behind them);
 * the monitor's startup and exit records follow under the same boot ID and
 * PID; systemd's own records about the unit join by invocation ID. A run
 * whose started record lies outside what was read begins with whichever
 * of its records comes first: they all carry its identity. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet.h"

void fleet_record_init(struct fleet_record *r)
{
        memset(r, 0, sizeof(*r));
        r->pid = r->start_us = r->rss_kb = r->peak_kb = r->lifetime_ms = r->exit_status = FLEET_UNKNOWN;
}

/* prefix and text (or "unknown"), interned */
static const char *intern_text(struct fleet *f, const char *prefix, const char *text)
{
        char *s;
        const char *v;

        if (asprintf(&s, "%s%s", prefix, text ? text : "unknown") < 0)
                return NULL;
        v = strpool_intern(&f->pool, s, strlen(s));
        free(s);
        return v;
}

static struct fleet_run *new_run(struct fleet *f, const struct fleet_record *r, size_t *ret_idx)
{
        struct fleet_run *run;

        if (f->n == f->cap) {
                size_t cap = f->cap ? f->cap * 2 : 1024;
                struct fleet_run *v = realloc(f->runs, cap * sizeof(*v));

                if (!v)
                        return NULL;
                f->runs = v;
                f->cap = cap;
        }
        run = &f->runs[f->n];
        *run = (struct fleet_run){
                .host = r->host, .boot = r->boot, .unit = r->unit, .service = r->service,
                .program = r->program, .invocation = r->invocation, .allocator = r->allocator,
                .library = r->library, .version = r->version, .digest = r->digest,
                .pid = r->pid > 0 && r->pid <= 0x7fffffff ? (int)r->pid : 0,
                .start_us = r->start_us != FLEET_UNKNOWN ? r->start_us : r->realtime_us, .startup_kb = FLEET_UNKNOWN, .exit_kb = FLEET_UNKNOWN,
                .peak_kb = FLEET_UNKNOWN, .lifetime_ms = FLEET_UNKNOWN, .exit_status = -1,
        };
        *ret_idx = f->n++;
        return run;
}

static int index_run(struct fleet *f, const struct fleet_run *run, size_t idx)
{
        int r = 0;

        if (run->boot && run->pid > 0)
                r = pairmap_set(&f->by_pid, run->boot, run->pid, idx);
        if (r == 0 && run->invocation)
                r = pairmap_set(&f->by_invocation, run->invocation, 0, idx);
        return r;
}

/* The run a monitor record belongs to: the one its PID started, unless
 * that one has already exited or started at another time (then the PID
 * was reused). */
static struct fleet_run *monitored_run(struct fleet *f, const struct fleet_record *r)
{
        struct fleet_run *run;
        size_t idx;

        if (r->boot && r->pid > 0 && pairmap_get(&f->by_pid, r->boot, r->pid, &idx) && !f->runs[idx].exited &&
            (r->start_us == FLEET_UNKNOWN || r->start_us == f->runs[idx].start_us))
                return &f->runs[idx];
        run = new_run(f, r, &idx);
        if (run && index_run(f, run, idx) < 0)
                return NULL;
        if (run && (!run->library || strcmp(run->library, "(none)") == 0))
                run->loaded = LOADED_YES;
        return run;
}

static void raise_peak(struct fleet_run *run, long long kb)
{
        if (kb > run->peak_kb)
                run->peak_kb = kb;
}

static int join_started(struct fleet *f, const struct fleet_record *r)
{
        size_t idx;
        struct fleet_run *run = new_run(f, r, &idx);

        if (!run)
                return -ENOMEM;
        if (r->preload_skipped) {
                run->loaded = LOADED_NO;
                run->why_not_loaded = intern_text(f, "not preloaded: ", r->preload_skipped);
        } else if (!run->library || strcmp(run->library, "(none)") == 0) {
                run->loaded = LOADED_YES;       /* glibc: nothing to load */
        }
        return index_run(f, run, idx);
}

static int join_monitor(struct fleet *f, const struct fleet_record *r)
{
        struct fleet_run *run = monitored_run(f, r);
        /* a program always has some memory: 0 means the monitor never sampled it */
        long long rss = r->rss_kb > 0 ? r->rss_kb : FLEET_UNKNOWN, peak = r->peak_kb > 0 ? r->peak_kb : FLEET_UNKNOWN;

        if (!run)
                return -ENOMEM;
        if (r->kind == REC_STARTUP) {
                run->startup_kb = rss;
                if (r->loaded && strcmp(r->loaded, "false") == 0 && run->loaded != LOADED_NO) {
                        run->loaded = LOADED_NO;
                        run->why_not_loaded = intern_text(f, "", "library not mapped at startup (the preload did not take)");
                } else if (r->loaded && strcmp(r->loaded, "true") == 0 && run->loaded == LOADED_UNKNOWN) {
                        run->loaded = LOADED_YES;
                }
        } else {
                run->exit_kb = rss;
                run->lifetime_ms = r->lifetime_ms;
                run->exited = true;
        }
        raise_peak(run, rss);
        raise_peak(run, peak);
        /* the monitor's records carry what a started record outside the window would have */
        if (!run->version)
                run->version = r->version;
        if (!run->digest)
                run->digest = r->digest;
        return 0;
}

/* No monitor follows a policy that fell back: the record is the run. */
static int join_fallback(struct fleet *f, const struct fleet_record *r)
{
        bool refused = r->kind == REC_REFUSED;
        size_t idx;
        struct fleet_run *run = new_run(f, r, &idx);

        if (!run)
                return -ENOMEM;
        run->allocator = intern_text(f, "", refused ? "(refused)" : "(fallback)");
        run->loaded = LOADED_NO;
        run->why_not_loaded = intern_text(f, refused ? "refused to start: " : "policy not applied: ", r->reason);
        if (!run->allocator || !run->why_not_loaded)
                return -ENOMEM;
        return index_run(f, run, idx);
}

/* systemd's records about the unit: the main process's exit status. */
static int join_unit(struct fleet *f, const struct fleet_record *r)
{
        struct fleet_run *run;
        size_t idx;

        if (!r->invocation || !pairmap_get(&f->by_invocation, r->invocation, 0, &idx))
                return 0;
        run = &f->runs[idx];
        if (r->kind == REC_UNIT_EXIT && r->command && strcmp(r->command, "ExecStart") == 0 && r->exit_code) {
                run->exit_code = r->exit_code;
                run->exit_status = r->exit_status >= 0 && r->exit_status <= 255 ? (int)r->exit_status : -1;
        } else if (r->kind == REC_UNIT_SUCCESS && !run->exit_code) {
                run->exit_code = intern_text(f, "", "success");
        }
        return 0;
}

int fleet_join(struct fleet *f, const struct fleet_record *r)
{
        f->records++;
        switch (r->kind) {
        case REC_STARTED: return join_started(f, r);
        case REC_STARTUP:
        case REC_EXITED: return join_monitor(f, r);
        case REC_FALLBACK:
        case REC_REFUSED: return join_fallback(f, r);
        case REC_UNIT_EXIT:
        case REC_UNIT_SUCCESS: return join_unit(f, r);
        default: return 0;
        }
}

int fleet_skip(struct fleet *f, const char *path, int error)
{
        struct fleet_skip *v = realloc(f->skipped, (f->n_skipped + 1) * sizeof(*v));

        if (!v)
                return -ENOMEM;
        f->skipped = v;
        v[f->n_skipped].path = strdup(path);
        if (!v[f->n_skipped].path)
                return -ENOMEM;
        v[f->n_skipped++].error = error;
        return 0;
}

int fleet_absorb(struct fleet *f, struct fleet *from)
{
        struct strpool *pools;

        if (from->n_skipped > 0) {
                struct fleet_skip *v = realloc(f->skipped, (f->n_skipped + from->n_skipped) * sizeof(*v));

                if (!v)
                        return -ENOMEM;
                f->skipped = v;
                memcpy(f->skipped + f->n_skipped, from->skipped, from->n_skipped * sizeof(*v));
                f->n_skipped += from->n_skipped;
                from->n_skipped = 0;
        }

        if (from->n > 0) {
                struct fleet_run *v = realloc(f->runs, (f->n + from->n) * sizeof(*v));

                if (!v)
                        return -ENOMEM;
                f->runs = v;
                f->cap = f->n + from->n;
        }
        pools = realloc(f->pools, (f->n_pools + from->n_pools + 1) * sizeof(*pools));
        if (!pools)
                return -ENOMEM;
        f->pools = pools;
        if (from->n > 0)
                memcpy(f->runs + f->n, from->runs, from->n * sizeof(*from->runs));
        f->n += from->n;
        f->records += from->records;
        f->untrusted += from->untrusted;
        /* the strings stay where they are: the pools change hands */
        f->pools[f->n_pools++] = from->pool;
        for (size_t i = 0; i < from->n_pools; i++)
                f->pools[f->n_pools++] = from->pools[i];
        memset(&from->pool, 0, sizeof(from->pool));
        free(from->pools);
        from->pools = NULL;
        from->n_pools = 0;
        fleet_free(from);
        return 0;
}

void fleet_free(struct fleet *f)
{
        free(f->runs);
        strpool_free(&f->pool);
        for (size_t i = 0; i < f->n_pools; i++)
                strpool_free(&f->pools[i]);
        free(f->pools);
        pairmap_free(&f->by_pid);
        pairmap_free(&f->by_invocation);
        for (size_t i = 0; i < f->n_skipped; i++)
                free(f->skipped[i].path);
        free(f->skipped);
        memset(f, 0, sizeof(*f));
}
