/* The report on stdout: tables for people, JSON Lines and CSV for
 * programs. Journal fields are whatever a process logged: every string is
 * made valid, one-line text before it is printed. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleet_output.h"
#include "json.h"
#include "strv.h"
#include "utf8.h"

char *fleet_text(const char *s)
{
        const unsigned char *c = (const unsigned char *)(s ? s : "");
        /* at worst every byte becomes a 3-byte U+FFFD */
        char *out = malloc(strlen((const char *)c) * 3 + 1), *o = out;

        if (!out)
                return NULL;
        while (*c) {
                size_t bad = 0, len = utf8_sequence(c, &bad);

                if (len == 0) {
                        memcpy(o, "\xef\xbf\xbd", 3);
                        o += 3;
                        c += bad;
                } else if ((len == 1 && (*c < 0x20 || *c == 0x7f)) || (len == 2 && c[0] == 0xc2 && c[1] < 0xa0)) {
                        *o++ = '?';
                        c += len;
                } else {
                        memcpy(o, c, len);
                        o += len;
                        c += len;
                }
        }
        *o = '\0';
        return out;
}

/* ---- a table of text cells ---- */

struct table {
        size_t cols;
        const char *const *head;
        const char *right;              /* 'r' for each right-aligned column */
        struct strv cells;
        int error;
};

/* Every cell is text made by fleet_text(), whatever made it: a journal
 * field, a piece of one, or a format around one. */
static void cell_text(struct table *t, char *s)
{
        char *text = s ? fleet_text(s) : NULL;

        free(s);
        if (t->error == 0)
                t->error = strv_push_owned(&t->cells, text);
        else
                free(text);
}

static void cell(struct table *t, const char *s)
{
        cell_text(t, strdup(s ? s : "-"));
}

static void cellf(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cellf(struct table *t, const char *fmt, ...)
{
        va_list ap;
        char *s;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        cell_text(t, s);
}

static size_t text_width(const char *s)
{
        size_t w = 0;

        for (; *s; s++)
                w += ((unsigned char)*s & 0xc0) != 0x80;
        return w;
}

static int table_print(struct table *t, const char *title, FILE *out)
{
        size_t *width = calloc(t->cols, sizeof(*width)), rows = t->cells.n / t->cols;

        if (t->error || !width) {
                free(width);
                return t->error ? t->error : -ENOMEM;
        }
        for (size_t c = 0; c < t->cols; c++)
                width[c] = text_width(t->head[c]);
        for (size_t i = 0; i < t->cells.n; i++)
                if (text_width(t->cells.v[i]) > width[i % t->cols])
                        width[i % t->cols] = text_width(t->cells.v[i]);
        fprintf(out, "%s\n", title);
        if (rows == 0) {
                fputs("  (none)\n", out);
                free(width);
                return 0;
        }
        for (size_t row = 0; row <= rows; row++)
                for (size_t c = 0; c < t->cols; c++) {
                        const char *s = row == 0 ? t->head[c] : t->cells.v[(row - 1) * t->cols + c];
                        size_t pad = width[c] - text_width(s);
                        bool last = c + 1 == t->cols;

                        if (t->right[c] == 'r')
                                fprintf(out, "%*s%s", (int)pad, "", s);
                        else
                                fprintf(out, "%s%*s", s, last ? 0 : (int)pad, "");
                        fputs(last ? "\n" : "  ", out);
                }
        free(width);
        strv_free(&t->cells);
        return 0;
}

/* ---- values ---- */

static void local_time(long long us, char *buf, size_t size)
{
        time_t t = (time_t)(us / 1000000);
        struct tm tm;

        if (us == FLEET_UNKNOWN || !localtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm))
                snprintf(buf, size, "-");
}

static void iso_time(long long us, char *buf, size_t size)
{
        time_t t = (time_t)(us / 1000000);
        struct tm tm;
        char s[32];

        if (us == FLEET_UNKNOWN || !gmtime_r(&t, &tm) || !strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm))
                snprintf(buf, size, "-");
        else
                snprintf(buf, size, "%.20s.%06dZ", s, (int)(us % 1000000));
}

static void mib(struct table *t, long long kb)
{
        if (kb == FLEET_UNKNOWN)
                cell(t, "-");
        else
                cellf(t, "%.1f MiB", (double)kb / 1024);
}

static void duration(struct table *t, long long ms)
{
        if (ms == FLEET_UNKNOWN)
                cell(t, "-");
        else if (ms < 60000)
                cellf(t, "%.1f s", (double)ms / 1000);
        else if (ms < 3600000)
                cellf(t, "%.1f min", (double)ms / 60000);
        else if (ms < 86400000)
                cellf(t, "%.1f h", (double)ms / 3600000);
        else
                cellf(t, "%.1f d", (double)ms / 86400000);
}

static const char *loaded_word(enum fleet_loaded l)
{
        return l == LOADED_YES ? "yes" : l == LOADED_NO ? "no" : "-";
}

static void exit_text(const struct fleet_run *r, char *buf, size_t size)
{
        if (!r->exit_code)
                snprintf(buf, size, "-");
        else if (r->exit_status >= 0)
                snprintf(buf, size, "%.16s %d", r->exit_code, r->exit_status);
        else
                snprintf(buf, size, "%.16s", r->exit_code);
}

/* The table shows a policy digest's first 8 characters, as git shows
 * commits: 8 characters of its text, so that the cut never splits one. */
static char *short_digest_text(const char *d)
{
        char *t = fleet_text(d ? d : "-");
        size_t chars = 0;

        for (char *p = t; p && *p; p++)
                if (((unsigned char)*p & 0xc0) != 0x80 && chars++ == 8) {
                        *p = '\0';
                        break;
                }
        return t;
}

static void short_digest(struct table *t, const char *d)
{
        cell_text(t, short_digest_text(d));
}

/* ---- tables ---- */

static int runs_table(const struct fleet *f, const struct fleet_summary *s, bool only_not_loaded, FILE *out)
{
        static const char *const head[] = { "STARTED", "HOST", "SERVICE", "UNIT", "PID", "ALLOCATOR", "VERSION",
                                            "POLICY", "LOADED", "STARTUP RSS", "EXIT RSS", "PEAK RSS",
                                            "LIFETIME", "EXIT", "WHY NOT LOADED" };
        struct table t = { .cols = 15, .head = head, .right = "    r    rrrr  " };
        char buf[64];

        for (size_t i = 0; i < f->n; i++) {
                const struct fleet_run *r = &f->runs[s->order[i]];

                if (only_not_loaded && r->loaded != LOADED_NO)
                        continue;
                local_time(r->start_us, buf, sizeof(buf));
                cell(&t, buf);
                cell(&t, r->host);
                cell(&t, r->service);
                cell(&t, r->unit);
                if (r->pid > 0)
                        cellf(&t, "%d", r->pid);
                else
                        cell(&t, "-");
                cell(&t, r->allocator);
                cell(&t, r->version);
                short_digest(&t, r->digest);
                cell(&t, loaded_word(r->loaded));
                mib(&t, r->startup_kb);
                mib(&t, r->exit_kb);
                mib(&t, r->peak_kb);
                duration(&t, r->lifetime_ms);
                exit_text(r, buf, sizeof(buf));
                cell(&t, buf);
                cell(&t, r->why_not_loaded ? r->why_not_loaded : "");
        }
        return table_print(&t, only_not_loaded ? "Runs whose allocator did not load" : "Runs", out);
}

static int groups_table(const struct fleet_summary *s, FILE *out)
{
        static const char *const head[] = { "HOST", "SERVICE", "ALLOCATOR", "VERSION", "POLICY", "RUNS",
                                            "NOT LOADED", "STARTUP RSS", "EXIT RSS", "PEAK RSS", "LATEST" };
        struct table t = { .cols = 11, .head = head, .right = "     rrrrr " };
        char buf[64];

        for (size_t i = 0; i < s->n_groups; i++) {
                const struct fleet_group *g = &s->groups[i];

                cell(&t, g->host);
                cell(&t, g->service);
                cell(&t, g->allocator);
                cell(&t, g->version);
                short_digest(&t, g->digest);
                cellf(&t, "%zu", g->runs);
                cellf(&t, "%zu", g->not_loaded);
                mib(&t, g->median.startup_kb);
                mib(&t, g->median.exit_kb);
                mib(&t, g->median.peak_kb);
                local_time(g->last_us, buf, sizeof(buf));
                cell(&t, buf);
        }
        return table_print(&t, "By host, service, allocator and policy (medians)", out);
}

static void change_cell(struct table *t, long long before, long long after)
{
        double pct;

        if (before == FLEET_UNKNOWN && after == FLEET_UNKNOWN)
                cell(t, "-");
        else if (fleet_change_pct(before, after, &pct))
                cellf(t, "%.1f -> %.1f MiB (%+.0f%%)", (double)before / 1024, (double)after / 1024, pct);
        else if (before == FLEET_UNKNOWN)
                cellf(t, "- -> %.1f MiB", (double)after / 1024);
        else
                cellf(t, "%.1f MiB -> -", (double)before / 1024);
}

static void period_cell(struct table *t, const struct fleet_group *g)
{
        char *digest = short_digest_text(g->digest);

        if (digest)
                cellf(t, "%s %s (%zu run%s%s)", g->allocator ? g->allocator : "-", digest, g->runs,
                      g->runs == 1 ? "" : "s", g->not_loaded ? ", some not loaded" : "");
        else
                cell_text(t, NULL);
        free(digest);
}

static int changes_table(const struct fleet_summary *s, FILE *out)
{
        static const char *const head[] = { "HOST", "SERVICE", "CHANGED", "BEFORE", "AFTER", "STARTUP RSS",
                                            "EXIT RSS", "PEAK RSS" };
        struct table t = { .cols = 8, .head = head, .right = "     rrr" };
        char buf[64];

        for (size_t i = 0; i < s->n_changes; i++) {
                const struct fleet_change *c = &s->changes[i];

                cell(&t, c->after.host);
                cell(&t, c->after.service);
                local_time(c->after.first_us, buf, sizeof(buf));
                cell(&t, buf);
                period_cell(&t, &c->before);
                period_cell(&t, &c->after);
                change_cell(&t, c->before.median.startup_kb, c->after.median.startup_kb);
                change_cell(&t, c->before.median.exit_kb, c->after.median.exit_kb);
                change_cell(&t, c->before.median.peak_kb, c->after.median.peak_kb);
        }
        return table_print(&t, "Changes of allocator or policy (medians before -> after)", out);
}

/* ---- JSON Lines ---- */

static void json_kb(FILE *out, const char *name, long long v)
{
        if (v == FLEET_UNKNOWN)
                fprintf(out, ",\"%s\":null", name);
        else
                fprintf(out, ",\"%s\":%lld", name, v);
}

static void json_field(FILE *out, const char *name, const char *v)
{
        fprintf(out, ",\"%s\":", name);
        json_string_or_null(out, v);
}

static void json_run(const struct fleet_run *r, FILE *out)
{
        char buf[40];

        iso_time(r->start_us, buf, sizeof(buf));
        fprintf(out, "{\"type\":\"run\",\"started\":\"%s\"", buf);
        json_field(out, "host", r->host);
        json_field(out, "boot_id", r->boot);
        json_field(out, "unit", r->unit);
        json_field(out, "service", r->service);
        json_field(out, "program", r->program);
        json_field(out, "invocation_id", r->invocation);
        json_kb(out, "pid", r->pid > 0 ? r->pid : FLEET_UNKNOWN);
        json_field(out, "allocator", r->allocator);
        json_field(out, "library", r->library);
        json_field(out, "library_version", r->version);
        json_field(out, "policy_digest", r->digest);
        fprintf(out, ",\"loaded\":%s", r->loaded == LOADED_YES ? "true" : r->loaded == LOADED_NO ? "false" : "null");
        json_field(out, "why_not_loaded", r->why_not_loaded);
        json_kb(out, "startup_rss_kb", r->startup_kb);
        json_kb(out, "exit_rss_kb", r->exit_kb);
        json_kb(out, "peak_rss_kb", r->peak_kb);
        json_kb(out, "lifetime_ms", r->lifetime_ms);
        json_field(out, "exit_code", r->exit_code);
        json_kb(out, "exit_status", r->exit_status >= 0 ? r->exit_status : FLEET_UNKNOWN);
        fputs("}\n", out);
}

/* A group's fields, without the braces. */
static void json_group_fields(const struct fleet_group *g, FILE *out)
{
        char first[40], last[40];

        iso_time(g->first_us, first, sizeof(first));
        iso_time(g->last_us, last, sizeof(last));
        fputs("\"allocator\":", out);
        json_string_or_null(out, g->allocator);
        json_field(out, "library_version", g->version);
        json_field(out, "policy_digest", g->digest);
        fprintf(out, ",\"runs\":%zu,\"not_loaded\":%zu,\"first\":\"%s\",\"last\":\"%s\"", g->runs, g->not_loaded,
                first, last);
        json_kb(out, "median_startup_rss_kb", g->median.startup_kb);
        json_kb(out, "median_exit_rss_kb", g->median.exit_kb);
        json_kb(out, "median_peak_rss_kb", g->median.peak_kb);
}

static void json_group(const struct fleet_group *g, FILE *out)
{
        fputs("{\"type\":\"group\"", out);
        json_field(out, "host", g->host);
        json_field(out, "service", g->service);
        fputc(',', out);
        json_group_fields(g, out);
        fputs("}\n", out);
}

static void json_pct(FILE *out, const char *name, long long before, long long after)
{
        double pct;

        if (fleet_change_pct(before, after, &pct))
                fprintf(out, ",\"%s\":%.2f", name, pct);
        else
                fprintf(out, ",\"%s\":null", name);
}

static void json_change(const struct fleet_change *c, FILE *out)
{
        char when[40];

        iso_time(c->after.first_us, when, sizeof(when));
        fputs("{\"type\":\"change\"", out);
        json_field(out, "host", c->after.host);
        json_field(out, "service", c->after.service);
        fprintf(out, ",\"changed\":\"%s\",\"before\":{", when);
        json_group_fields(&c->before, out);
        fputs("},\"after\":{", out);
        json_group_fields(&c->after, out);
        fputc('}', out);
        json_pct(out, "startup_rss_change_pct", c->before.median.startup_kb, c->after.median.startup_kb);
        json_pct(out, "exit_rss_change_pct", c->before.median.exit_kb, c->after.median.exit_kb);
        json_pct(out, "peak_rss_change_pct", c->before.median.peak_kb, c->after.median.peak_kb);
        fputs("}\n", out);
}

static void print_json(const struct fleet *f, const struct fleet_summary *s, unsigned views, FILE *out)
{
        if (views & (VIEW_RUNS | VIEW_NOT_LOADED))
                for (size_t i = 0; i < f->n; i++)
                        if ((views & VIEW_RUNS) || f->runs[s->order[i]].loaded == LOADED_NO)
                                json_run(&f->runs[s->order[i]], out);
        if (views & VIEW_GROUPS)
                for (size_t i = 0; i < s->n_groups; i++)
                        json_group(&s->groups[i], out);
        if (views & VIEW_CHANGES)
                for (size_t i = 0; i < s->n_changes; i++)
                        json_change(&s->changes[i], out);
}

/* ---- CSV (RFC 4180) ---- */

static void csv_cell(FILE *out, const char *s, bool last)
{
        char *text = fleet_text(s ? s : "");
        const char *t = text ? text : "";
        /* a spreadsheet would run a cell that starts like a formula: make it text */
        bool formula = t[0] && strchr("=+-@", t[0]);

        if (formula || strpbrk(t, ",\"") || t[0] == ' ') {
                fputs(formula ? "\"'" : "\"", out);
                for (const char *c = t; *c; c++) {
                        if (*c == '"')
                                fputc('"', out);
                        fputc(*c, out);
                }
                fputc('"', out);
        } else {
                fputs(t, out);
        }
        fputs(last ? "\r\n" : ",", out);
        free(text);
}

static void csv_num(FILE *out, long long v, bool last)
{
        if (v != FLEET_UNKNOWN)
                fprintf(out, "%lld", v);
        fputs(last ? "\r\n" : ",", out);
}

static void csv_runs(const struct fleet *f, const struct fleet_summary *s, bool only_not_loaded, FILE *out)
{
        fputs("started,host,boot_id,unit,service,program,invocation_id,pid,allocator,library,library_version,"
              "policy_digest,loaded,why_not_loaded,startup_rss_kb,exit_rss_kb,peak_rss_kb,lifetime_ms,"
              "exit_code,exit_status\r\n", out);
        for (size_t i = 0; i < f->n; i++) {
                const struct fleet_run *r = &f->runs[s->order[i]];
                char when[40];

                if (only_not_loaded && r->loaded != LOADED_NO)
                        continue;
                iso_time(r->start_us, when, sizeof(when));
                csv_cell(out, when, false);
                csv_cell(out, r->host, false);
                csv_cell(out, r->boot, false);
                csv_cell(out, r->unit, false);
                csv_cell(out, r->service, false);
                csv_cell(out, r->program, false);
                csv_cell(out, r->invocation, false);
                csv_num(out, r->pid > 0 ? r->pid : FLEET_UNKNOWN, false);
                csv_cell(out, r->allocator, false);
                csv_cell(out, r->library, false);
                csv_cell(out, r->version, false);
                csv_cell(out, r->digest, false);
                csv_cell(out, r->loaded == LOADED_YES ? "true" : r->loaded == LOADED_NO ? "false" : "", false);
                csv_cell(out, r->why_not_loaded, false);
                csv_num(out, r->startup_kb, false);
                csv_num(out, r->exit_kb, false);
                csv_num(out, r->peak_kb, false);
                csv_num(out, r->lifetime_ms, false);
                csv_cell(out, r->exit_code, false);
                csv_num(out, r->exit_status >= 0 ? r->exit_status : FLEET_UNKNOWN, true);
        }
}

static void csv_group_cells(const struct fleet_group *g, FILE *out, bool last)
{
        char first[40], latest[40];

        iso_time(g->first_us, first, sizeof(first));
        iso_time(g->last_us, latest, sizeof(latest));
        csv_cell(out, g->allocator, false);
        csv_cell(out, g->version, false);
        csv_cell(out, g->digest, false);
        csv_num(out, (long long)g->runs, false);
        csv_num(out, (long long)g->not_loaded, false);
        csv_cell(out, first, false);
        csv_cell(out, latest, false);
        csv_num(out, g->median.startup_kb, false);
        csv_num(out, g->median.exit_kb, false);
        csv_num(out, g->median.peak_kb, last);
}

#define GROUP_COLUMNS(p) p "allocator," p "library_version," p "policy_digest," p "runs," p "not_loaded," \
        p "first," p "last," p "median_startup_rss_kb," p "median_exit_rss_kb," p "median_peak_rss_kb"

static void csv_groups(const struct fleet_summary *s, FILE *out)
{
        fputs("host,service," GROUP_COLUMNS("") "\r\n", out);
        for (size_t i = 0; i < s->n_groups; i++) {
                csv_cell(out, s->groups[i].host, false);
                csv_cell(out, s->groups[i].service, false);
                csv_group_cells(&s->groups[i], out, true);
        }
}

static void csv_changes(const struct fleet_summary *s, FILE *out)
{
        fputs("host,service,changed," GROUP_COLUMNS("before_") "," GROUP_COLUMNS("after_") "\r\n", out);
        for (size_t i = 0; i < s->n_changes; i++) {
                const struct fleet_change *c = &s->changes[i];
                char when[40];

                iso_time(c->after.first_us, when, sizeof(when));
                csv_cell(out, c->after.host, false);
                csv_cell(out, c->after.service, false);
                csv_cell(out, when, false);
                csv_group_cells(&c->before, out, false);
                csv_group_cells(&c->after, out, true);
        }
}

int fleet_print(const struct fleet *f, const struct fleet_summary *s, enum fleet_format format, unsigned views,
                FILE *out)
{
        int r = 0;
        bool sep = false;

        if (format == FORMAT_JSON) {
                print_json(f, s, views, out);
        } else if (format == FORMAT_CSV) {
                /* one table of one kind: the caller lets only one view through */
                if (views & (VIEW_RUNS | VIEW_NOT_LOADED))
                        csv_runs(f, s, !(views & VIEW_RUNS), out);
                else if (views & VIEW_GROUPS)
                        csv_groups(s, out);
                else
                        csv_changes(s, out);
        } else {
                if (views & VIEW_RUNS) {
                        r = runs_table(f, s, false, out);
                        sep = true;
                }
                if (r == 0 && (views & VIEW_GROUPS)) {
                        fputs(sep ? "\n" : "", out);
                        r = groups_table(s, out);
                        sep = true;
                }
                if (r == 0 && (views & VIEW_CHANGES)) {
                        fputs(sep ? "\n" : "", out);
                        r = changes_table(s, out);
                        sep = true;
                }
                if (r == 0 && (views & VIEW_NOT_LOADED) && !(views & VIEW_RUNS)) {
                        fputs(sep ? "\n" : "", out);
                        r = runs_table(f, s, true, out);
                }
        }
        if (r == 0 && (fflush(out) == EOF || ferror(out)))
                r = errno ? -errno : -EIO;
        return r;
}
