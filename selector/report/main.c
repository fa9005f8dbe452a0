/* allocsel-report: what `allocsel --report` execs. A program of its own
 * so that allocsel's exec path never loads libsystemd (the report reads
 * the journal through sd_journal), and so that the monitor stays small.
 *
 * 1. options; 2. read and join the records; 3. summarize; 4. print
 *    and/or write the Prometheus file. Exit 0, 1 when the journal cannot
 *    be read, a file of a --directory was skipped (each named on stderr,
 *    the others still reported) or the output cannot be written, 2 for a
 *    usage error. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fleet.h"
#include "fleet_output.h"
#include "timeparse.h"

#define PROG "allocsel --report"

static const char usage[] =
        "usage: allocsel --report [--directory DIR | --file FILE...] [--since TIME] [--until TIME]\n"
        "                [--service NAME]... [--host NAME]...\n"
        "                [--runs] [--not-loaded] [--groups] [--changes] [--json | --csv]\n"
        "                [--prometheus FILE]\n"
        "\n"
        "Reads allocsel's journal records (the local journal unless --directory or --file)\n"
        "and prints, per host, service, allocator and policy, the runs, their median\n"
        "startup, exit and peak RSS, the changes of allocator or policy with the RSS\n"
        "before and after, and the runs whose allocator did not load. See allocsel(1).\n";

struct options {
        struct fleet_source src;
        enum fleet_format format;
        unsigned views;
        const char *prometheus;
};

enum {
        OPT_DIRECTORY = 256, OPT_FILE, OPT_SINCE, OPT_UNTIL, OPT_SERVICE, OPT_HOST, OPT_RUNS, OPT_NOT_LOADED,
        OPT_GROUPS, OPT_CHANGES, OPT_JSON, OPT_CSV, OPT_PROMETHEUS, OPT_HELP,
};

static const struct option long_options[] = {
        { "directory", required_argument, NULL, OPT_DIRECTORY },
        { "file", required_argument, NULL, OPT_FILE },
        { "since", required_argument, NULL, OPT_SINCE },
        { "until", required_argument, NULL, OPT_UNTIL },
        { "service", required_argument, NULL, OPT_SERVICE },
        { "host", required_argument, NULL, OPT_HOST },
        { "runs", no_argument, NULL, OPT_RUNS },
        { "not-loaded", no_argument, NULL, OPT_NOT_LOADED },
        { "groups", no_argument, NULL, OPT_GROUPS },
        { "changes", no_argument, NULL, OPT_CHANGES },
        { "json", no_argument, NULL, OPT_JSON },
        { "csv", no_argument, NULL, OPT_CSV },
        { "prometheus", required_argument, NULL, OPT_PROMETHEUS },
        { "help", no_argument, NULL, OPT_HELP },
        { NULL, 0, NULL, 0 },
};

static long long now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* "what[: arg]"; returns the usage exit status. */
static int usage_error(const char *what, const char *arg)
{
        fprintf(stderr, PROG ": %s%s%s (see allocsel --report --help)\n", what, arg ? ": " : "", arg ? arg : "");
        return 2;
}

static int nonempty(const char *name, const char *value)
{
        return value[0] ? 0 : usage_error(name, "needs a value");
}

/* Returns 0, an exit status, or -1 for --help. */
static int parse_option(struct options *o, int opt, const char *arg, const char *word)
{
        switch (opt) {
        case OPT_DIRECTORY: o->src.directory = arg; return nonempty("--directory", arg);
        case OPT_FILE: return nonempty("--file", arg) ? 2 : strv_push(&o->src.files, arg) < 0 ? 1 : 0;
        case OPT_SINCE:
        case OPT_UNTIL:
                if (parse_time(arg, now_us(), opt == OPT_SINCE ? &o->src.since_us : &o->src.until_us) < 0)
                        return usage_error("cannot read the time (use 2025-11-30 14:05, @SECONDS, today, "
                                           "yesterday or -2h)", arg);
                return 0;
        case OPT_SERVICE: return nonempty("--service", arg) ? 2 : strv_push(&o->src.services, arg) < 0 ? 1 : 0;
        case OPT_HOST: return nonempty("--host", arg) ? 2 : strv_push(&o->src.hosts, arg) < 0 ? 1 : 0;
        case OPT_RUNS: o->views |= VIEW_RUNS; return 0;
        case OPT_NOT_LOADED: o->views |= VIEW_NOT_LOADED; return 0;
        case OPT_GROUPS: o->views |= VIEW_GROUPS; return 0;
        case OPT_CHANGES: o->views |= VIEW_CHANGES; return 0;
        case OPT_JSON:
        case OPT_CSV:
                if (o->format != FORMAT_TABLE && o->format != (opt == OPT_JSON ? FORMAT_JSON : FORMAT_CSV))
                        return usage_error("--json and --csv exclude each other", NULL);
                o->format = opt == OPT_JSON ? FORMAT_JSON : FORMAT_CSV;
                return 0;
        case OPT_PROMETHEUS: o->prometheus = arg; return nonempty("--prometheus", arg);
        case OPT_HELP: return -1;
        default: return usage_error("unknown option, or no value for it", word);
        }
}

static int check_options(struct options *o, int argc, char **argv)
{
        bool views_given = o->views != 0;

        if (optind < argc)
                return usage_error("unexpected argument", argv[optind]);
        if (o->src.directory && o->src.files.n)
                return usage_error("--directory and --file exclude each other", NULL);
        if (o->src.since_us != FLEET_UNKNOWN && o->src.until_us != FLEET_UNKNOWN && o->src.until_us < o->src.since_us)
                return usage_error("--until is before --since", NULL);
        if (!views_given)
                o->views = o->format == FORMAT_CSV ? VIEW_GROUPS : VIEW_GROUPS | VIEW_CHANGES | VIEW_NOT_LOADED;
        if (o->format == FORMAT_CSV && (o->views & (o->views - 1)))
                return usage_error("--csv prints one table: give one of --runs, --not-loaded, --groups, --changes", NULL);
        /* --prometheus alone writes the file and prints nothing */
        if (o->prometheus && !views_given && o->format == FORMAT_TABLE)
                o->views = 0;
        return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
        int opt;

        memset(o, 0, sizeof(*o));
        o->src.since_us = o->src.until_us = FLEET_UNKNOWN;
        opterr = 0;
        while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
                int r = parse_option(o, opt, optarg, argv[optind - 1]);

                if (r != 0)
                        return r;
        }
        return check_options(o, argc, argv);
}

static int write_prometheus(const struct fleet *f, const char *path)
{
        struct fleet_summary across;
        const char *what;
        int r = fleet_summarize(f, false, &across);

        if (r == 0)
                r = fleet_write_prometheus(&across, path, &what);
        else
                what = "summary";
        fleet_summary_free(&across);
        if (r < 0)
                fprintf(stderr, PROG ": cannot write %s: %s\n", what, strerror(-r));
        return r < 0 ? 1 : 0;
}

static int check_files(const struct strv *files, const char **ret_what)
{
        struct stat st;

        for (size_t i = 0; i < files->n; i++) {
                *ret_what = files->v[i];
                if (stat(files->v[i], &st) < 0)
                        return -errno;
                if (!S_ISREG(st.st_mode))
                        return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        }
        return 0;
}

/* The directory's journals (fleet_directory.c), the files named, or the
 * local journal (fleet_read.c); *ret_what names what failed. */
static int read_source(struct fleet *f, const struct fleet_source *src, const char **ret_what)
{
        struct stat st;
        int r;

        if (src->directory) {
                *ret_what = src->directory;
                if (stat(src->directory, &st) < 0)
                        return -errno;
                if (!S_ISDIR(st.st_mode))
                        return -ENOTDIR;
                return fleet_read_directory(f, src);
        }
        if (src->files.n == 0) {
                *ret_what = "the local journal";
                return fleet_read_named(f, src, NULL);
        }
        r = check_files(&src->files, ret_what);
        if (r < 0)
                return r;
        *ret_what = src->files.v[0];
        return fleet_read_named(f, src, src->files.v);
}

/* sd_journal's errors for a file it will not read, as journalctl words them. */
static const char *skip_reason(int error)
{
        switch (error) {
        case EBADMSG: return "corrupt, or not a journal file";
        case ENODATA: return "truncated";
        case EPROTONOSUPPORT: return "written by a newer journald (an unsupported format)";
        default: return strerror(error);
        }
}

static int report(const struct options *o)
{
        struct fleet f = { .runs = NULL };
        struct fleet_summary s;
        const char *what = NULL;
        int r = read_source(&f, &o->src, &what), status = 0;

        if (r < 0) {
                fprintf(stderr, PROG ": cannot read %s: %s\n", what, strerror(-r));
                fleet_free(&f);
                return 1;
        }
        /* the others are read and reported; the exit status says some were not */
        for (size_t i = 0; i < f.n_skipped; i++) {
                fprintf(stderr, PROG ": skipped %s: %s\n", f.skipped[i].path, skip_reason(f.skipped[i].error));
                status = 1;
        }
        /* said, not an error: a journal holds what any user wrote to it */
        if (f.untrusted > 0)
                fprintf(stderr, PROG ": ignored %zu record%s with allocsel's MESSAGE_IDs not logged by "
                        "allocsel-monitor as root (_UID=0): written by another process, or by allocsel "
                        "before its host monitor\n", f.untrusted, f.untrusted == 1 ? "" : "s");
        if (f.n == 0)
                fprintf(stderr, PROG ": no allocsel records in %s%s\n", what,
                        o->src.since_us != FLEET_UNKNOWN || o->src.until_us != FLEET_UNKNOWN ||
                        o->src.services.n || o->src.hosts.n ? " that match" : "");
        r = fleet_summarize(&f, true, &s);
        if (r == 0 && o->views)
                r = fleet_print(&f, &s, o->format, o->views, stdout);
        if (r < 0) {
                fprintf(stderr, PROG ": %s\n", strerror(-r));
                status = 1;
        }
        if (o->prometheus && write_prometheus(&f, o->prometheus) != 0)
                status = 1;
        fleet_summary_free(&s);
        fleet_free(&f);
        return status;
}

int main(int argc, char **argv)
{
        struct options o;
        int r = parse_args(argc, argv, &o);

        if (r == -1) {
                fputs(usage, stdout);
                r = 0;
        } else if (r == 0) {
                r = report(&o);
        }
        strv_free(&o.src.files);
        strv_free(&o.src.services);
        strv_free(&o.src.hosts);
        return r;
}
