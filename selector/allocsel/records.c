/* The started, fallback and refused records, from the plan. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "messages.h"
#include "policy_digest.h"
#include "records.h"

/* systemd's ID of this start of the unit, so that records join systemd's
 * own; only when it looks like one (32 hex digits). */
static const char *invocation_id(void)
{
        const char *id = getenv("INVOCATION_ID");

        return id && strlen(id) == 32 && strspn(id, "0123456789abcdef") == 32 ? id : NULL;
}

static long long realtime_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void common_fields(struct event *ev, const struct plan *pl, const char *id, int priority,
                          const char *program)
{
        event_add(ev, "MESSAGE_ID=%s", id);
        event_add(ev, "PRIORITY=%d", priority);
        event_add(ev, "SYSLOG_IDENTIFIER=allocsel");
        event_add(ev, "ALLOCSEL_SERVICE=%s", pl->service);
        if (program)
                event_add(ev, "ALLOCSEL_PROGRAM=%s", program);
        if (invocation_id())
                event_add(ev, "ALLOCSEL_INVOCATION_ID=%s", invocation_id());
        /* the helper logs later, when it gets to run: this is when the program started */
        event_add(ev, "ALLOCSEL_START_USEC=%lld", realtime_usec());
}

/* Which policy ran, and the allocator's family so that the helper can find
 * the library's version after the exec when the plan did not look (reading
 * the library would delay every start). */
static void policy_fields(struct event *ev, const struct plan *pl)
{
        char digest[POLICY_DIGEST_LEN + 1];

        if (policy_digest(pl, digest) == 0)
                event_add(ev, "ALLOCSEL_POLICY_DIGEST=%s", digest);
        event_add(ev, "ALLOCSEL_ALLOCATOR_FAMILY=%s", family_name(pl->allocator->family));
        if (pl->traits.version[0])
                event_add(ev, "ALLOCSEL_LIBRARY_VERSION=%s", pl->traits.version);
}

static void policy_files_field(struct event *ev, const struct plan *pl)
{
        char *files = strv_join(&pl->policy.files, ' ');

        if (!files) {
                ev->error = -ENOMEM;
                return;
        }
        event_add(ev, "ALLOCSEL_POLICY_FILES=%s", files[0] ? files : "(none)");
        free(files);
}

/* What the plan would preload: the allocator's library, the helpers. */
static char *preloads(const struct plan *pl)
{
        const char *what[] = { pl->library, pl->release.enabled ? pl->release_library : NULL, pl->children_library };
        struct strv v = { 0 };
        char *joined;
        int r = 0;

        for (size_t i = 0; r == 0 && i < sizeof(what) / sizeof(*what); i++)
                if (what[i])
                        r = strv_push(&v, what[i]);
        joined = r == 0 ? strv_join(&v, ' ') : NULL;
        strv_free(&v);
        return joined;
}

/* "started PROGRAM with jemalloc (LIBRARY): ...", or for glibc, which
 * preloads no allocator, "with glibc malloc", and the release helper when
 * the policy preloads it. */
static void started_message(struct event *ev, const struct plan *pl, const char *program, const char *joined)
{
        const char *vars = joined[0] ? joined : "no variables set";

        if (pl->library)
                event_add(ev, "MESSAGE=%s: started %s with %s (%s): %s", pl->service, program, pl->allocator->name,
                          pl->library, vars);
        else if (pl->release.enabled && pl->release_library)
                event_add(ev, "MESSAGE=%s: started %s with %s malloc and the release helper (%s): %s", pl->service,
                          program, pl->allocator->name, pl->release_library, vars);
        else
                event_add(ev, "MESSAGE=%s: started %s with %s malloc: %s", pl->service, program, pl->allocator->name,
                          vars);
}

int record_started(struct event *ev, const struct plan *pl, const char *program, pid_t pid,
                   const struct strv *vars, const char *preload_skipped)
{
        const char *lib = pl->library ? pl->library : "(none)";
        char *joined = strv_join(vars, ' '), *skipped_what = preload_skipped ? preloads(pl) : NULL;

        memset(ev, 0, sizeof(*ev));
        common_fields(ev, pl, MESSAGE_ID_STARTED, preload_skipped ? 4 : 6, program);
        event_add(ev, "ALLOCSEL_ALLOCATOR=%s", pl->allocator->name);
        event_add(ev, "ALLOCSEL_LIBRARY=%s", lib);
        policy_fields(ev, pl);
        event_add(ev, "ALLOCSEL_PID=%d", (int)pid);
        policy_files_field(ev, pl);
        /* ALLOCSEL_SET repeats, one per variable, as journal fields may */
        for (size_t i = 0; i < vars->n; i++)
                event_add(ev, "ALLOCSEL_SET=%s", vars->v[i]);
        if (preload_skipped && skipped_what) {
                event_add(ev, "ALLOCSEL_PRELOAD_SKIPPED=%s", preload_skipped);
                event_add(ev, "MESSAGE=%s: not preloading %s, environment untouched: %s", pl->service,
                          skipped_what, preload_skipped);
        } else if (preload_skipped) {
                ev->error = -ENOMEM;
        } else if (pl->no_policy) {
                event_add(ev, "MESSAGE=%s: started %s, no policy file: environment untouched", pl->service,
                          program);
        } else if (joined) {
                started_message(ev, pl, program, joined);
        }
        if (!joined && !ev->error)
                ev->error = -ENOMEM;
        free(joined);
        free(skipped_what);
        return ev->error;
}

int record_fallback(struct event *ev, const struct plan *pl, const char *program, bool refused,
                    const char *why)
{
        const struct diag *first = why ? NULL : diags_first(&pl->diags, DIAG_ERROR);
        size_t errors = why ? 1 : diags_count(&pl->diags, DIAG_ERROR);
        char *reason = first ? diag_format(first) : NULL;

        memset(ev, 0, sizeof(*ev));
        why = why ? why : reason ? reason : "unknown error";
        common_fields(ev, pl, refused ? MESSAGE_ID_REFUSED : MESSAGE_ID_FALLBACK, refused ? 3 : 4, program);
        event_add(ev, "ALLOCSEL_REASON=%s", why);
        if (first && first->file)
                event_add(ev, "ALLOCSEL_POLICY_FILE=%s", first->file);
        if (first && first->line > 0)
                event_add(ev, "ALLOCSEL_POLICY_LINE=%d", first->line);
        event_add(ev, "MESSAGE=%s: %s: %s%s", pl->service,
                  refused ? "refusing to start" : "policy not applied, environment untouched", why,
                  errors > 1 ? " (and more: run allocsel --check)" : "");
        free(reason);
        return ev->error;
}
