/* Option parsing: getopt_long, stopping at SERVICE so PROGRAM's own
 * options are never touched. */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "numparse.h"
#include "policy.h"

const char cli_usage[] =
        "usage: allocsel [OPTIONS] SERVICE [--] PROGRAM [ARG...]\n"
        "       allocsel --check [OPTIONS] [SERVICE...]\n"
        "       allocsel --check [OPTIONS] --as SERVICE --file PATH\n"
        "       allocsel --explain [OPTIONS] SERVICE [--json]\n"
        "       allocsel --list [--json]\n"
        "       allocsel --compare [--allocators A,B,..] [--policies S,T,..] [--service NAME]\n"
        "                [--interval MS]\n"
        "                [--output DIR] [--runs N] -- PROGRAM [ARG...]\n"
        "       allocsel --report [--directory DIR | --file FILE] [--json | --csv] [...]\n"
        "       allocsel --status [--json]\n"
        "       allocsel --help | --version\n"
        "\n"
        "Runs PROGRAM under the allocator policy of SERVICE from /etc/allocsel.d,\n"
        "/run/allocsel.d and /usr/lib/allocsel.d (see allocsel.d(5)).\n"
        "\n"
        "  --policy-dir DIR   search DIR instead (repeatable, first has precedence)\n"
        "  --config FILE      global settings file instead of /etc/allocsel.conf\n"
        "  --allocator NAME   use NAME for this run, whatever the policy says\n"
        "  --strict           refuse to start (exit 78) when the policy has errors\n"
        "  --no-monitor       do not watch the program for its exit RSS\n"
        "  --json             machine-readable output for --explain, --list and --status\n"
        "  --as SERVICE --file PATH  (with --check) check PATH as if it were installed as\n"
        "                     SERVICE.conf in the first policy directory (config management)\n"
        "\n"
        "--compare runs PROGRAM once per allocator (default: every one found), samples\n"
        "its RSS every --interval ms (default 1000) and writes samples.csv, summary.json\n"
        "and rss.svg to --output (default ./allocsel-compare) and a table on stdout.\n"
        "\n"
        "--report reads allocsel's journal records and shows what ran where and what it\n"
        "did to RSS (allocsel --report --help lists its options).\n"
        "\n"
        "--status asks the host's monitor what runs under allocsel now.\n";

enum {
        OPT_CHECK = 256, OPT_EXPLAIN, OPT_LIST, OPT_COMPARE, OPT_POLICY_DIR, OPT_CONFIG,
        OPT_ALLOCATOR, OPT_STRICT, OPT_NO_MONITOR, OPT_JSON, OPT_HELP, OPT_VERSION,
        OPT_ALLOCATORS, OPT_SERVICE, OPT_INTERVAL, OPT_OUTPUT, OPT_RUNS, OPT_POLICIES,
        OPT_AS, OPT_FILE, OPT_REPORT, OPT_STATUS,
};

static const struct option options[] = {
        { "check", no_argument, NULL, OPT_CHECK },
        { "explain", no_argument, NULL, OPT_EXPLAIN },
        { "list", no_argument, NULL, OPT_LIST },
        { "status", no_argument, NULL, OPT_STATUS },
        { "compare", no_argument, NULL, OPT_COMPARE },
        { "policy-dir", required_argument, NULL, OPT_POLICY_DIR },
        { "config", required_argument, NULL, OPT_CONFIG },
        { "allocator", required_argument, NULL, OPT_ALLOCATOR },
        { "strict", no_argument, NULL, OPT_STRICT },
        { "no-monitor", no_argument, NULL, OPT_NO_MONITOR },
        { "json", no_argument, NULL, OPT_JSON },
        { "help", no_argument, NULL, OPT_HELP },
        { "version", no_argument, NULL, OPT_VERSION },
        { "allocators", required_argument, NULL, OPT_ALLOCATORS },
        { "service", required_argument, NULL, OPT_SERVICE },
        { "interval", required_argument, NULL, OPT_INTERVAL },
        { "output", required_argument, NULL, OPT_OUTPUT },
        { "runs", required_argument, NULL, OPT_RUNS },
        { "policies", required_argument, NULL, OPT_POLICIES },
        { "as", required_argument, NULL, OPT_AS },
        { "file", required_argument, NULL, OPT_FILE },
        { "report", no_argument, NULL, OPT_REPORT },
        { NULL, 0, NULL, 0 },
};

static int set_mode(struct cli *c, enum mode m, const char **ret_error)
{
        if (c->mode != MODE_RUN && c->mode != m) {
                *ret_error = "--check, --explain, --list and --compare exclude each other";
                return -EINVAL;
        }
        c->mode = m;
        return 0;
}

static int parse_option(struct cli *c, int opt, const char **ret_error)
{
        switch (opt) {
        case OPT_CHECK: return set_mode(c, MODE_CHECK, ret_error);
        case OPT_EXPLAIN: return set_mode(c, MODE_EXPLAIN, ret_error);
        case OPT_LIST: return set_mode(c, MODE_LIST, ret_error);
        case OPT_STATUS: return set_mode(c, MODE_STATUS, ret_error);
        case OPT_COMPARE: return set_mode(c, MODE_COMPARE, ret_error);
        case OPT_HELP: return set_mode(c, MODE_HELP, ret_error);
        case OPT_VERSION: return set_mode(c, MODE_VERSION, ret_error);
        case OPT_REPORT:
                *ret_error = "--report comes first: allocsel --report [OPTIONS] (see allocsel --report --help)";
                return -EINVAL;
        case OPT_POLICY_DIR:
                if (optarg[0] == '\0') {
                        *ret_error = "--policy-dir needs a directory";
                        return -EINVAL;
                }
                return strv_push(&c->policy_dirs, optarg);
        case OPT_CONFIG: c->config = optarg; return 0;
        case OPT_ALLOCATOR: c->allocator = optarg; return 0;
        case OPT_STRICT: c->strict = true; return 0;
        case OPT_NO_MONITOR: c->no_monitor = true; return 0;
        case OPT_JSON: c->json = true; return 0;
        case OPT_AS: c->check_as = optarg; return 0;
        case OPT_FILE: c->file = optarg; return 0;
        case OPT_ALLOCATORS:
                c->compare_options_given = true;
                return strv_split(&c->allocators, optarg, ",");
        case OPT_POLICIES:
                c->compare_options_given = true;
                return strv_split(&c->policies, optarg, ",");
        case OPT_SERVICE: c->compare_service = optarg; c->compare_options_given = true; return 0;
        case OPT_OUTPUT: c->output = optarg; c->compare_options_given = true; return 0;
        case OPT_INTERVAL:
                c->compare_options_given = true;
                if (parse_ll(optarg, 10, 3600000, &c->interval_ms) < 0) {
                        *ret_error = "--interval takes milliseconds, 10 to 3600000";
                        return -EINVAL;
                }
                return 0;
        case OPT_RUNS:
                c->compare_options_given = true;
                if (parse_ll(optarg, 1, 100, &c->runs) < 0) {
                        *ret_error = "--runs takes a number from 1 to 100";
                        return -EINVAL;
                }
                return 0;
        default:
                *ret_error = "unknown option or missing argument (see allocsel --help)";
                return -EINVAL;
        }
}

/* --check --as SERVICE --file PATH: what config management runs on a
 * candidate file (PATH last: Salt appends it). */
static int check_candidate(const struct cli *c, const char **ret_error)
{
        if (!c->check_as && !c->file)
                return 0;
        if (c->mode != MODE_CHECK) {
                *ret_error = "--as and --file go with --check";
                return -EINVAL;
        }
        if (!c->check_as || !c->file || c->file[0] == '\0') {
                *ret_error = "--check needs both --as SERVICE and --file PATH";
                return -EINVAL;
        }
        if (c->n_services > 0) {
                *ret_error = "--check --as SERVICE --file PATH takes no other SERVICE";
                return -EINVAL;
        }
        if (!service_name_valid(c->check_as)) {
                *ret_error = "--as takes a SERVICE: 1-255 characters of [A-Za-z0-9_.@:-], not . or ..";
                return -EINVAL;
        }
        return 0;
}

static int check_positionals(struct cli *c, int argc, char **argv, const char **ret_error)
{
        int rest = argc - optind;

        if (c->json && c->mode != MODE_EXPLAIN && c->mode != MODE_LIST && c->mode != MODE_STATUS) {
                *ret_error = "--json goes with --explain, --list or --status";
                return -EINVAL;
        }
        switch (c->mode) {
        case MODE_RUN:
                if (rest < 1) {
                        *ret_error = "missing SERVICE and PROGRAM (see allocsel --help)";
                        return -EINVAL;
                }
                c->service = argv[optind++];
                if (optind < argc && strcmp(argv[optind], "--") == 0)
                        optind++;
                if (optind >= argc) {
                        *ret_error = "missing PROGRAM after SERVICE";
                        return -EINVAL;
                }
                c->program = argv + optind;
                break;
        case MODE_EXPLAIN:
                if (rest != 1) {
                        *ret_error = "--explain takes exactly one SERVICE";
                        return -EINVAL;
                }
                c->service = argv[optind];
                break;
        case MODE_CHECK:
                c->services = argv + optind;
                c->n_services = rest;
                break;
        case MODE_COMPARE:
                if (rest < 1) {
                        *ret_error = "--compare needs -- PROGRAM [ARG...]";
                        return -EINVAL;
                }
                c->program = argv + optind;
                break;
        default:
                if (rest > 0) {
                        *ret_error = "unexpected argument";
                        return -EINVAL;
                }
        }
        if (c->compare_options_given && c->mode != MODE_COMPARE) {
                *ret_error = "--allocators, --policies, --service, --interval, --output and --runs go with --compare";
                return -EINVAL;
        }
        if (c->compare_service && !service_name_valid(c->compare_service)) {
                *ret_error = "SERVICE must be 1-255 characters of [A-Za-z0-9_.@:-], not . or ..";
                return -EINVAL;
        }
        if (c->service && !service_name_valid(c->service)) {
                *ret_error = "SERVICE must be 1-255 characters of [A-Za-z0-9_.@:-], not . or ..";
                return -EINVAL;
        }
        for (size_t i = 0; i < c->policies.n; i++)
                if (!service_name_valid(c->policies.v[i])) {
                        *ret_error = "--policies takes service names: 1-255 characters of [A-Za-z0-9_.@:-]";
                        return -EINVAL;
                }
        for (int i = 0; i < c->n_services; i++)
                if (!service_name_valid(c->services[i])) {
                        *ret_error = "SERVICE must be 1-255 characters of [A-Za-z0-9_.@:-], not . or ..";
                        return -EINVAL;
                }
        return check_candidate(c, ret_error);
}

static int parse_options(struct cli *c, int argc, char **argv, const char *optstring,
                         const char **ret_error)
{
        int opt;

        memset(c, 0, sizeof(*c));
        c->interval_ms = 1000;
        c->runs = 1;
        c->output = "allocsel-compare";
        opterr = 0;
        optind = 0;     /* 0, not 1: makes glibc re-read optstring's '+' */
        while ((opt = getopt_long(argc, argv, optstring, options, NULL)) != -1) {
                int r = parse_option(c, opt, ret_error);

                /* parsed on all the same: the mode and PROGRAM are still wanted */
                if (r == -ENOMEM) {
                        c->out_of_memory = true;
                } else if (r < 0) {
                        cli_free(c);
                        return -EINVAL;
                }
        }
        return 0;
}

int cli_parse(int argc, char **argv, struct cli *ret, const char **ret_error)
{
        struct cli c;
        int r;

        /* The report is a program of its own, with options of its own. */
        if (argc >= 2 && strcmp(argv[1], "--report") == 0) {
                memset(ret, 0, sizeof(*ret));
                ret->mode = MODE_REPORT;
                ret->program = argv + 2;
                return 0;
        }
        /* '+': stop at SERVICE, so that PROGRAM's own options stay PROGRAM's. */
        r = parse_options(&c, argc, argv, "+", ret_error);
        /* The other modes take options after their operands too
         * ("--explain SERVICE --json"): parse again, letting getopt permute. */
        if (r == 0 && c.mode != MODE_RUN && c.mode != MODE_COMPARE) {
                cli_free(&c);
                r = parse_options(&c, argc, argv, "", ret_error);
        }
        if (r == 0)
                r = check_positionals(&c, argc, argv, ret_error);
        if (r < 0) {
                cli_free(&c);
                return r;
        }
        *ret = c;
        if (c.out_of_memory) {
                *ret_error = "out of memory";
                return -ENOMEM;
        }
        return 0;
}

void cli_free(struct cli *c)
{
        strv_free(&c->policy_dirs);
        strv_free(&c->allocators);
        strv_free(&c->policies);
}
