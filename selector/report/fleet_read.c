/* Reading allocsel's records through sd_journal: matches on MESSAGE_ID
 * so that only those records are visited, and each record's fields read in
 * one pass with sd_journal_enumerate_data (looking fields up one by one
 * was five times slower; see shared/notes/fleet-journals.md). */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include "fleet.h"
#include "messages.h"
#include "numparse.h"

/* systemd's records about units (sd-messages.h; systemd 248 and later log
 * both): a unit's process exited, and a unit deactivated successfully. */
#define SYSTEMD_UNIT_PROCESS_EXIT "98e322203f7a4ed290d09fe03c09fe15"
#define SYSTEMD_UNIT_SUCCESS "7ad2d189f7e94e70a38c781354912448"

/* Fields longer than this come back cut (only compressed ones can be
 * longer: journald's _CMDLINE of the monitor is one), so that they are not
 * decompressed whole; what the report keeps is shorter. */
#define DATA_THRESHOLD 4200

static const struct {
        const char *id;
        int kind;
} message_ids[] = {
        { MESSAGE_ID_STARTED, REC_STARTED },
        { MESSAGE_ID_STARTUP_RSS, REC_STARTUP },
        { MESSAGE_ID_EXITED, REC_EXITED },
        { MESSAGE_ID_FALLBACK, REC_FALLBACK },
        { MESSAGE_ID_REFUSED, REC_REFUSED },
        { SYSTEMD_UNIT_PROCESS_EXIT, REC_UNIT_EXIT },
        { SYSTEMD_UNIT_SUCCESS, REC_UNIT_SUCCESS },
};

enum field_kind { F_ID, F_STRING, F_NUMBER, F_UNIT_INVOCATION };

/* A record being read, and where each field goes. */
struct reading {
        struct fleet_record rec;
        const char *cgroup_invocation;  /* journald's _SYSTEMD_INVOCATION_ID */
        const char *object_unit;        /* the monitor's OBJECT_SYSTEMD_UNIT */
        const char *uid, *comm;         /* journald's _UID and _COMM: who logged it */
};

/* allocsel's records are logged by allocsel-monitor as root; journald's
 * _UID and _COMM (the first 15 bytes of the name) cannot be forged. */
#define MONITOR_COMM "allocsel-monito"

#define S(field) offsetof(struct reading, rec.field)
#define FIELD(name, kind, offset) { name, sizeof(name) - 1, kind, offset }
static const struct {
        const char *name;
        size_t len;
        enum field_kind kind;
        size_t offset;
} fields[] = {
        FIELD("MESSAGE_ID", F_ID, 0),
        FIELD("_HOSTNAME", F_STRING, S(host)),
        FIELD("_BOOT_ID", F_STRING, S(boot)),
        FIELD("_SYSTEMD_UNIT", F_STRING, S(unit)),
        FIELD("_SYSTEMD_INVOCATION_ID", F_STRING, offsetof(struct reading, cgroup_invocation)),
        FIELD("OBJECT_SYSTEMD_UNIT", F_STRING, offsetof(struct reading, object_unit)),
        FIELD("_UID", F_STRING, offsetof(struct reading, uid)),
        FIELD("_COMM", F_STRING, offsetof(struct reading, comm)),
        FIELD("ALLOCSEL_SERVICE", F_STRING, S(service)),
        FIELD("ALLOCSEL_PROGRAM", F_STRING, S(program)),
        FIELD("ALLOCSEL_INVOCATION_ID", F_STRING, S(invocation)),
        FIELD("ALLOCSEL_ALLOCATOR", F_STRING, S(allocator)),
        FIELD("ALLOCSEL_LIBRARY", F_STRING, S(library)),
        FIELD("ALLOCSEL_LIBRARY_VERSION", F_STRING, S(version)),
        FIELD("ALLOCSEL_POLICY_DIGEST", F_STRING, S(digest)),
        FIELD("ALLOCSEL_PRELOAD_SKIPPED", F_STRING, S(preload_skipped)),
        FIELD("ALLOCSEL_REASON", F_STRING, S(reason)),
        FIELD("ALLOCSEL_LOADED", F_STRING, S(loaded)),
        FIELD("ALLOCSEL_PID", F_NUMBER, S(pid)),
        FIELD("ALLOCSEL_START_USEC", F_NUMBER, S(start_us)),
        FIELD("ALLOCSEL_RSS_KB", F_NUMBER, S(rss_kb)),
        FIELD("ALLOCSEL_PEAK_RSS_KB", F_NUMBER, S(peak_kb)),
        FIELD("ALLOCSEL_LIFETIME_MS", F_NUMBER, S(lifetime_ms)),
        /* systemd's own records */
        FIELD("INVOCATION_ID", F_UNIT_INVOCATION, S(invocation)),
        FIELD("EXIT_CODE", F_STRING, S(exit_code)),
        FIELD("EXIT_STATUS", F_NUMBER, S(exit_status)),
        FIELD("COMMAND", F_STRING, S(command)),
};
#undef S
#undef FIELD

static int message_kind(const char *v, size_t len)
{
        for (size_t i = 0; i < sizeof(message_ids) / sizeof(*message_ids); i++)
                if (len == 32 && memcmp(v, message_ids[i].id, 32) == 0)
                        return message_ids[i].kind;
        return REC_NONE;
}

static long long number(const char *v, size_t len)
{
        char buf[24];
        long long n;

        if (len == 0 || len >= sizeof(buf))
                return FLEET_UNKNOWN;
        memcpy(buf, v, len);
        buf[len] = '\0';
        return parse_ll(buf, 0, 1LL << 53, &n) == 0 ? n : FLEET_UNKNOWN;
}

static int take_field(struct fleet *f, struct reading *rd, const char *data, size_t len)
{
        const char *eq = memchr(data, '=', len);
        size_t nlen, vlen;
        const char *v;

        if (!eq)
                return 0;
        nlen = (size_t)(eq - data);
        v = eq + 1;
        vlen = len - nlen - 1;
        for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++) {
                char *slot = (char *)rd + fields[i].offset;

                if (fields[i].len != nlen || memcmp(fields[i].name, data, nlen) != 0)
                        continue;
                switch (fields[i].kind) {
                case F_ID:
                        rd->rec.kind = message_kind(v, vlen);
                        return 0;
                case F_NUMBER:
                        *(long long *)(void *)slot = number(v, vlen);
                        return 0;
                case F_UNIT_INVOCATION:
                        /* allocsel's own field wins over systemd's */
                        if (rd->rec.invocation)
                                return 0;
                        /* fall through */
                case F_STRING:
                        *(const char **)(void *)slot = strpool_intern(&f->pool, v, vlen);
                        return *(const char **)(void *)slot ? 0 : -ENOMEM;
                }
        }
        return 0;
}

static bool from_monitor(const struct reading *rd)
{
        return rd->uid && strcmp(rd->uid, "0") == 0 && rd->comm && strcmp(rd->comm, MONITOR_COMM) == 0;
}

static int read_entry(sd_journal *j, struct fleet *f, long long realtime_us)
{
        struct reading rd = { .cgroup_invocation = NULL };
        const void *data;
        size_t len;

        fleet_record_init(&rd.rec);
        rd.rec.realtime_us = realtime_us;
        sd_journal_restart_data(j);
        /* a field that cannot be read (corrupt, compressed in a way this
         * libsystemd lacks) ends the record: what was read still counts */
        while (sd_journal_enumerate_data(j, &data, &len) > 0)
                if (take_field(f, &rd, data, len) < 0)
                        return -ENOMEM;
        if (!rd.rec.invocation)
                rd.rec.invocation = rd.cgroup_invocation;
        if (rd.rec.kind >= REC_STARTED && rd.rec.kind <= REC_REFUSED) {
                /* anyone may write allocsel's fields to the journal */
                if (!from_monitor(&rd)) {
                        f->untrusted++;
                        return 0;
                }
                /* the program's unit, not the monitor's own */
                if (rd.object_unit)
                        rd.rec.unit = rd.object_unit;
        }
        return fleet_join(f, &rd.rec);
}

/* FIELD=value, however long the value: a match cut or left out would
 * widen the report to every service or host instead of matching none. */
static int add_match(sd_journal *j, const char *field, const char *value)
{
        char *m;
        int r;

        if (asprintf(&m, "%s=%s", field, value) < 0)
                return -ENOMEM;
        r = sd_journal_add_match(j, m, 0);
        free(m);
        return r;
}

static int add_matches(sd_journal *j, const struct fleet_source *src, size_t first, size_t last,
                       bool with_services)
{
        int r = 0;

        for (size_t i = first; r >= 0 && i < last; i++)
                r = add_match(j, "MESSAGE_ID", message_ids[i].id);
        for (size_t i = 0; r >= 0 && with_services && i < src->services.n; i++)
                r = add_match(j, "ALLOCSEL_SERVICE", src->services.v[i]);
        for (size_t i = 0; r >= 0 && i < src->hosts.n; i++)
                r = add_match(j, "_HOSTNAME", src->hosts.v[i]);
        return r;
}

/* allocsel's records (of the services asked for) or systemd's about units. */
static int set_matches(sd_journal *j, const struct fleet_source *src)
{
        int r = add_matches(j, src, 0, 5, true);

        if (r >= 0)
                r = sd_journal_add_disjunction(j);
        if (r >= 0)
                r = add_matches(j, src, 5, sizeof(message_ids) / sizeof(*message_ids), false);
        return r;
}

/* The records of an open journal: matches, the time window, each entry. */
static int read_journal(sd_journal *j, struct fleet *f, const struct fleet_source *src)
{
        int r;

        (void)sd_journal_set_data_threshold(j, DATA_THRESHOLD);
        r = set_matches(j, src);
        if (r >= 0)
                r = src->since_us != FLEET_UNKNOWN ? sd_journal_seek_realtime_usec(j, (uint64_t)src->since_us)
                                                  : sd_journal_seek_head(j);
        while (r >= 0 && (r = sd_journal_next(j)) > 0) {
                uint64_t usec;

                if (sd_journal_get_realtime_usec(j, &usec) < 0)
                        continue;
                if (src->until_us != FLEET_UNKNOWN && (long long)usec > src->until_us)
                        break;
                /* seeking is to the nearest entry, not past every earlier one */
                if (src->since_us != FLEET_UNKNOWN && (long long)usec < src->since_us)
                        continue;
                r = read_entry(j, f, (long long)usec);
        }
        return r < 0 ? r : 0;
}

int fleet_read_files(struct fleet *f, const struct fleet_source *src, char *const *files)
{
        struct strv usable = { 0 };
        sd_journal *j = NULL;
        int r = sd_journal_open_files(&j, (const char **)files, 0);

        /* one bad file (cut short by a crash, say) must not hide the others */
        if (r < 0 && r != -ENOMEM) {
                for (size_t i = 0; files[i]; i++) {
                        sd_journal *one = NULL;
                        int e = sd_journal_open_files(&one, (const char *[]){ files[i], NULL }, 0);

                        sd_journal_close(one);
                        if (e == -ENOMEM ||
                            (e < 0 ? fleet_skip(f, files[i], -e) < 0 : strv_push(&usable, files[i]) < 0)) {
                                strv_free(&usable);
                                return -ENOMEM;
                        }
                }
                if (usable.n == 0) {
                        strv_free(&usable);
                        return 0;
                }
                r = sd_journal_open_files(&j, (const char **)usable.v, 0);
        }
        if (r >= 0)
                r = read_journal(j, f, src);
        sd_journal_close(j);
        strv_free(&usable);
        return r;
}

int fleet_read_named(struct fleet *f, const struct fleet_source *src, char *const *files)
{
        sd_journal *j = NULL;
        int r;

        if (files)
                r = sd_journal_open_files(&j, (const char **)files, 0);
        else
                r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r >= 0)
                r = read_journal(j, f, src);
        sd_journal_close(j);
        return r;
}
