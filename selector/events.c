/* Building event records. The fields are plain strings so that the same
 * record can go to stderr here or to the journal from the helper process. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "events.h"
#include "messages.h"

/* A socket file can outlive its journald: only a connect() says that
 * someone is listening, and a lost event is worse than a line on stderr. */
bool journal_available(void)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = JOURNAL_SOCKET };
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        bool ok;

        if (fd < 0)
                return false;
        ok = connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) == 0;
        close(fd);
        return ok;
}

static const char *field(const struct event *ev, const char *name)
{
        size_t len = strlen(name);

        for (size_t i = 0; i < ev->fields.n; i++)
                if (strncmp(ev->fields.v[i], name, len) == 0 && ev->fields.v[i][len] == '=')
                        return ev->fields.v[i] + len + 1;
        return NULL;
}

static int common_fields(struct event *ev, const struct plan *pl, const char *id, int priority,
                         const char *program)
{
        int r = strv_pushf(&ev->fields, "MESSAGE_ID=%s", id);

        if (r == 0)
                r = strv_pushf(&ev->fields, "PRIORITY=%d", priority);
        if (r == 0)
                r = strv_push(&ev->fields, "SYSLOG_IDENTIFIER=allocsel");
        if (r == 0)
                r = strv_pushf(&ev->fields, "ALLOCSEL_SERVICE=%s", pl->service);
        if (r == 0 && program)
                r = strv_pushf(&ev->fields, "ALLOCSEL_PROGRAM=%s", program);
        return r;
}

static int policy_files_field(struct event *ev, const struct plan *pl)
{
        char *files = strv_join(&pl->policy.files, ' ');
        int r;

        if (!files)
                return -ENOMEM;
        r = strv_pushf(&ev->fields, "ALLOCSEL_POLICY_FILES=%s", files[0] ? files : "(none)");
        free(files);
        return r;
}

int event_started(struct event *ev, const struct plan *pl, const char *program, pid_t pid,
                  const char *preload_skipped)
{
        const char *lib = pl->library ? pl->library : "(none)";
        char *vars;
        int r;

        memset(ev, 0, sizeof(*ev));
        r = common_fields(ev, pl, MESSAGE_ID_STARTED, preload_skipped ? 4 : 6, program);
        if (r == 0)
                r = strv_pushf(&ev->fields, "ALLOCSEL_ALLOCATOR=%s", pl->allocator->name);
        if (r == 0)
                r = strv_pushf(&ev->fields, "ALLOCSEL_LIBRARY=%s", lib);
        if (r == 0)
                r = strv_pushf(&ev->fields, "ALLOCSEL_PID=%d", (int)pid);
        if (r == 0)
                r = policy_files_field(ev, pl);
        /* ALLOCSEL_SET repeats, one per variable, as journal fields may */
        for (size_t i = 0; r == 0 && i < pl->changes.n; i++)
                r = strv_pushf(&ev->fields, "ALLOCSEL_SET=%s", pl->changes.v[i]);
        if (r == 0 && preload_skipped)
                r = strv_pushf(&ev->fields, "ALLOCSEL_PRELOAD_SKIPPED=%s", preload_skipped);
        if (r < 0)
                return r;
        vars = strv_join(&pl->changes, ' ');
        if (!vars)
                return -ENOMEM;
        if (preload_skipped)
                r = strv_pushf(&ev->fields, "MESSAGE=%s: not preloading %s, environment untouched: %s",
                               pl->service, lib, preload_skipped);
        else
                r = strv_pushf(&ev->fields, "MESSAGE=%s: started %s with %s (%s): %s", pl->service,
                               program, pl->allocator->name, lib, vars[0] ? vars : "no variables set");
        free(vars);
        return r;
}

int event_fallback(struct event *ev, const struct plan *pl, const char *program, bool refused)
{
        const struct diag *first = diags_first(&pl->diags, DIAG_ERROR);
        size_t errors = diags_count(&pl->diags, DIAG_ERROR);
        char *reason = first ? diag_format(first) : NULL;
        int r;

        memset(ev, 0, sizeof(*ev));
        r = common_fields(ev, pl, refused ? MESSAGE_ID_REFUSED : MESSAGE_ID_FALLBACK, refused ? 3 : 4,
                          program);
        if (r == 0)
                r = strv_pushf(&ev->fields, "ALLOCSEL_REASON=%s", reason ? reason : "unknown");
        if (r == 0 && first && first->file)
                r = strv_pushf(&ev->fields, "ALLOCSEL_POLICY_FILE=%s", first->file);
        if (r == 0 && first && first->line > 0)
                r = strv_pushf(&ev->fields, "ALLOCSEL_POLICY_LINE=%d", first->line);
        if (r == 0)
                r = strv_pushf(&ev->fields, "MESSAGE=%s: %s: %s%s", pl->service,
                               refused ? "refusing to start" : "policy not applied, environment untouched",
                               reason ? reason : "unknown error",
                               errors > 1 ? " (and more: run allocsel --check)" : "");
        free(reason);
        return r;
}

void event_free(struct event *ev)
{
        strv_free(&ev->fields);
}

void event_print(const struct event *ev, int fd)
{
        const char *msg = field(ev, "MESSAGE"), *prio = field(ev, "PRIORITY");
        const char *level = !prio ? "" : prio[0] <= '3' ? "error: " : prio[0] == '4' ? "warning: " : "";

        dprintf(fd, "allocsel: %s%s\n", level, msg ? msg : "(no message)");
}
