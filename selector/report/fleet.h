/* The fleet report (allocsel --report): allocsel's journal records joined
 * into runs, runs grouped by host, service, allocator and policy, and the
 * changes of allocator or policy with the RSS before and after. */
#ifndef ALLOCSEL_FLEET_H
#define ALLOCSEL_FLEET_H

#include <stdbool.h>
#include <stddef.h>

#include "pairmap.h"
#include "strpool.h"
#include "strv.h"

#define FLEET_UNKNOWN (-1LL)

enum fleet_loaded { LOADED_UNKNOWN, LOADED_YES, LOADED_NO };

/* One start of a program through allocsel. Strings are interned, or NULL
 * when no record said; numbers FLEET_UNKNOWN. */
struct fleet_run {
        const char *host, *boot, *unit, *service, *program, *invocation;
        const char *allocator, *library, *version, *digest;
        const char *why_not_loaded;     /* with LOADED_NO */
        const char *exit_code;          /* systemd's: exited, killed, dumped; or success */
        enum fleet_loaded loaded;
        int pid;                        /* 0: none (the policy fell back) */
        int exit_status;                /* with exit_code exited/killed/dumped */
        long long start_us;             /* CLOCK_REALTIME: ALLOCSEL_START_USEC, or its first record's time */
        long long startup_kb, exit_kb, peak_kb, lifetime_ms;
        bool exited;                    /* the exit record was seen */
};

/* A journal file (or a machine's directory) that could not be read. */
struct fleet_skip {
        char *path;
        int error;                      /* an errno */
};

struct fleet {
        struct fleet_run *runs;
        size_t n, cap;
        size_t records;                 /* journal records read */
        size_t untrusted;               /* allocsel-like records not from allocsel-monitor as root */
        struct fleet_skip *skipped;     /* left out, the others read */
        size_t n_skipped;
        struct strpool pool;
        struct strpool *pools;          /* of fleets merged into this one */
        size_t n_pools;
        struct pairmap by_pid;          /* (boot ID, PID) -> the run being watched */
        struct pairmap by_invocation;   /* (invocation ID, 0) -> its run */
};

/* Where the records come from, and which. */
struct fleet_source {
        const char *directory;          /* NULL: the local journal */
        struct strv files;
        long long since_us, until_us;   /* FLEET_UNKNOWN: open */
        struct strv services, hosts;    /* empty: all */
};

/* Reads and joins the records of these journal files, or of the local
 * journal when files is NULL (fleet_read.c): 0 or -errno. */
int fleet_read_named(struct fleet *f, const struct fleet_source *src, char *const *files);
void fleet_free(struct fleet *f);

/* fleet_read_named() of these journal files, but a file that cannot be
 * opened (cut short, corrupt, unreadable) is left out, as
 * sd_journal_open_directory() does, and added to f->skipped. */
int fleet_read_files(struct fleet *f, const struct fleet_source *src, char *const *files);
int fleet_skip(struct fleet *f, const char *path, int error);

/* A directory's journals read by several threads, one host's files
 * each (fleet_directory.c); what could not be read is in f->skipped,
 * by path. */
int fleet_read_directory(struct fleet *f, const struct fleet_source *src);

/* Moves from's runs (and the strings they point to) into f. Strings of
 * merged fleets are compared with strcmp, not by pointer. */
int fleet_absorb(struct fleet *f, struct fleet *from);

/* The runs a record joins or starts (fleet_join.c): the reader's
 * journal-independent half, so that tests can feed it records. */
struct fleet_record {
        enum { REC_NONE, REC_STARTED, REC_STARTUP, REC_EXITED, REC_FALLBACK, REC_REFUSED,
               REC_UNIT_EXIT, REC_UNIT_SUCCESS } kind;
        long long realtime_us;
        const char *host, *boot, *unit, *service, *program, *invocation;
        const char *allocator, *library, *version, *digest;
        const char *preload_skipped, *reason, *loaded, *exit_code, *command;
        long long pid, start_us, rss_kb, peak_kb, lifetime_ms, exit_status;
};
void fleet_record_init(struct fleet_record *r);
int fleet_join(struct fleet *f, const struct fleet_record *r);

/* ---- summaries (fleet_summary.c) ---- */

struct fleet_medians {
        long long startup_kb, exit_kb, peak_kb;         /* FLEET_UNKNOWN when no run said */
};

/* Runs of one host (or of all hosts: host NULL), service, allocator and policy. */
struct fleet_group {
        const char *host, *service, *allocator, *digest;
        const char *version;                    /* the latest run's */
        size_t runs, not_loaded;
        long long first_us, last_us;
        struct fleet_medians median;
};

/* On one host, a service's allocator or policy changed: the period
 * before and the period after, each a group of consecutive runs. */
struct fleet_change {
        struct fleet_group before, after;
};

struct fleet_summary {
        struct fleet_group *groups;
        size_t n_groups;
        struct fleet_change *changes;
        size_t n_changes;
        size_t *order;                  /* run indices by host, service, start */
};

/* by_host false: groups across hosts (the Prometheus file's labels). */
int fleet_summarize(const struct fleet *f, bool by_host, struct fleet_summary *ret);
void fleet_summary_free(struct fleet_summary *s);

/* The change in percent from before to after, or false when unknown. */
bool fleet_change_pct(long long before, long long after, double *ret);

#endif
