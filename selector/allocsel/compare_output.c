/* --compare's outputs: the summary table, summary.json and rss.svg. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "compare_output.h"
#include "json.h"

static int cmp_ll(const void *a, const void *b)
{
        long long x = *(const long long *)a, y = *(const long long *)b;

        return (x > y) - (x < y);
}

/* Median of one field over the runs that finished (all runs if none did). */
long long compare_median(const struct compare_entry *e, size_t offset)
{
        long long v[128];
        int n = 0;

        for (int pass = 0; pass < 2 && n == 0; pass++)
                for (int i = 0; i < e->n_runs && n < 128; i++)
                        if (pass == 1 || e->runs[i].finished)
                                memcpy(&v[n++], (const char *)&e->runs[i] + offset, sizeof(*v));
        if (n == 0)
                return 0;
        qsort(v, (size_t)n, sizeof(*v), cmp_ll);
        return v[n / 2];
}

static void status_text(int status, char *buf, size_t size)
{
        if (WIFEXITED(status))
                snprintf(buf, size, "exit %d", WEXITSTATUS(status));
        else if (WIFSIGNALED(status))
                snprintf(buf, size, "killed by signal %d", WTERMSIG(status));
        else
                snprintf(buf, size, "?");
}

void compare_choose_end(struct compare_run *r)
{
        long long before = r->wall_ms - r->wall_ms * COMPARE_END_SKIP_PERCENT / 100;
        size_t k = 0;

        if (r->n == 0)
                return;
        while (k + 1 < r->n && r->t_ms[k + 1] <= before)
                k++;
        r->end_kb = r->rss_kb[k];
        r->end_t_ms = r->t_ms[k];
        r->last_kb = r->rss_kb[r->n - 1];
}

#define MEDIAN(e, field) compare_median((e), offsetof(struct compare_run, field))

/* Whether the last sample (taken while the program exits) is worth a
 * column: it differs from the end RSS by more than 1 % somewhere. */
static bool exit_differs(const struct comparison *c)
{
        for (size_t i = 0; i < c->n; i++) {
                const struct compare_entry *e = &c->v[i];
                long long end, last;

                if (e->skipped || e->n_runs == 0)
                        continue;
                end = MEDIAN(e, end_kb);
                last = MEDIAN(e, last_kb);
                if (llabs(last - end) * 100 > end)
                        return true;
        }
        return false;
}

void compare_print_table(const struct comparison *c, const struct compare_options *co, FILE *f)
{
        bool exit_column = exit_differs(c);
        int width = 18;

        for (size_t i = 0; i < c->n; i++)
                if ((int)strlen(c->v[i].label) > width)
                        width = (int)strlen(c->v[i].label);
        fprintf(f, "\n%-*s %11s %11s %s%11s %9s %9s  %s%s\n", width, "allocator", "peak RSS", "end RSS",
                exit_column ? "    at exit " : "", "mean RSS", "wall", "CPU", "status",
                co->runs > 1 ? "   (medians)" : "");
        for (size_t i = 0; i < c->n; i++) {
                const struct compare_entry *e = &c->v[i];
                char status[64], at_exit[32] = "";

                if (e->skipped || e->n_runs == 0) {
                        fprintf(f, "%-*s skipped: %s\n", width, e->label, e->skipped ? e->skipped : "interrupted");
                        continue;
                }
                if (exit_column)
                        snprintf(at_exit, sizeof(at_exit), "%7.1f MiB", (double)MEDIAN(e, last_kb) / 1024);
                status_text(e->runs[e->n_runs - 1].exit_status, status, sizeof(status));
                for (int k = 0; k < e->n_runs; k++)
                        if (e->runs[k].exit_status != 0) {
                                status_text(e->runs[k].exit_status, status, sizeof(status));
                                snprintf(status + strlen(status), sizeof(status) - strlen(status), " (FAILED)");
                                break;
                        }
                fprintf(f, "%-*s %7.1f MiB %7.1f MiB %s%s%7.1f MiB %7.2f s %7.2f s  %s%s\n", width, e->label,
                        (double)MEDIAN(e, peak_kb) / 1024, (double)MEDIAN(e, end_kb) / 1024, at_exit,
                        exit_column ? " " : "", (double)MEDIAN(e, mean_kb) / 1024, (double)MEDIAN(e, wall_ms) / 1000,
                        (double)MEDIAN(e, cpu_ms) / 1000, status,
                        e->runs[e->n_runs - 1].finished ? "" : " (interrupted)");
        }
        fprintf(f, "\npeak RSS: the kernel's high-water mark (VmHWM). end RSS: the last sample before the last %d %%\n"
                   "of the run (its idle phase, not its exit)%s.\n",
                COMPARE_END_SKIP_PERCENT, exit_column ? "; at exit: the last sample, from those last 5 %" : "");
        fprintf(f, "samples: %s/samples.csv  summary: %s/summary.json  graph: %s/rss.svg\n", co->output,
                co->output, co->output);
}

static void json_run(const struct compare_run *r, FILE *f)
{
        fprintf(f, "{\"peak_rss_kb\":%lld,\"end_rss_kb\":%lld,\"end_t_ms\":%lld,\"last_rss_kb\":%lld,"
                   "\"mean_rss_kb\":%lld,\"wall_ms\":%lld,\"cpu_ms\":%lld,\"samples\":%d,\"finished\":%s,",
                r->peak_kb, r->end_kb, r->end_t_ms, r->last_kb, r->mean_kb, r->wall_ms, r->cpu_ms, r->samples,
                r->finished ? "true" : "false");
        if (WIFEXITED(r->exit_status))
                fprintf(f, "\"exit_status\":%d,\"signal\":null}", WEXITSTATUS(r->exit_status));
        else
                fprintf(f, "\"exit_status\":null,\"signal\":%d}", WTERMSIG(r->exit_status));
}

int compare_write_json(const struct comparison *c, const struct compare_options *co, FILE *f)
{
        fprintf(f, "{\"program\":[");
        for (int i = 0; co->program[i]; i++) {
                fprintf(f, "%s", i ? "," : "");
                json_string(f, co->program[i]);
        }
        fprintf(f, "],\"interval_ms\":%lld,\"runs\":%d,\"interrupted\":%s,\"allocators\":[", co->interval_ms,
                co->runs, c->interrupted ? "true" : "false");
        for (size_t i = 0; i < c->n; i++) {
                const struct compare_entry *e = &c->v[i];

                fprintf(f, "%s{\"name\":", i ? "," : "");
                json_string(f, e->name);
                fprintf(f, ",\"label\":");
                json_string(f, e->label);
                fprintf(f, ",\"kind\":\"%s\"", e->is_policy ? "policy" : "allocator");
                fprintf(f, ",\"skipped\":");
                json_string_or_null(f, e->skipped);
                fprintf(f, ",\"runs\":[");
                for (int k = 0; k < e->n_runs; k++) {
                        fprintf(f, "%s", k ? "," : "");
                        json_run(&e->runs[k], f);
                }
                fprintf(f, "],\"median\":");
                if (e->n_runs > 0)
                        fprintf(f, "{\"peak_rss_kb\":%lld,\"end_rss_kb\":%lld,\"last_rss_kb\":%lld,"
                                   "\"mean_rss_kb\":%lld,\"wall_ms\":%lld,\"cpu_ms\":%lld}",
                                MEDIAN(e, peak_kb), MEDIAN(e, end_kb), MEDIAN(e, last_kb), MEDIAN(e, mean_kb),
                                MEDIAN(e, wall_ms), MEDIAN(e, cpu_ms));
                else
                        fprintf(f, "null");
                fprintf(f, "}");
        }
        fprintf(f, "]}\n");
        return ferror(f) ? -EIO : 0;
}

static void xml_text(FILE *f, const char *s)
{
        for (; *s; s++) {
                switch (*s) {
                case '<': fputs("&lt;", f); break;
                case '>': fputs("&gt;", f); break;
                case '&': fputs("&amp;", f); break;
                case '"': fputs("&quot;", f); break;
                default:
                        if ((unsigned char)*s >= 0x20)
                                fputc(*s, f);
                }
        }
}

/* A round step giving at most about eight ticks up to max. */
static double tick_step(double max)
{
        double step = 1e-3;

        while (max / step > 8) {
                if (max / (step * 2) <= 8)
                        return step * 2;
                if (max / (step * 5) <= 8)
                        return step * 5;
                step *= 10;
        }
        return step;
}

enum { W = 960, H = 520, LEFT = 80, RIGHT = 250, TOP = 50, BOTTOM = 60 };

static const char *const colours[] = {
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
};

static void svg_axes(FILE *f, double max_s, double max_mib)
{
        double xs = tick_step(max_s), ys = tick_step(max_mib);

        fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", LEFT, H - BOTTOM,
                W - RIGHT, H - BOTTOM);
        fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", LEFT, TOP, LEFT,
                H - BOTTOM);
        for (int k = 0; k * xs <= max_s + 1e-9; k++) {
                double x = k * xs, px = LEFT + x / max_s * (W - LEFT - RIGHT);

                fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n", px, TOP, px,
                        H - BOTTOM);
                fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n", px, H - BOTTOM + 18, x);
        }
        for (int k = 0; k * ys <= max_mib + 1e-9; k++) {
                double y = k * ys, py = H - BOTTOM - y / max_mib * (H - TOP - BOTTOM);

                fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", LEFT, py,
                        W - RIGHT, py);
                fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", LEFT - 6, py + 4, y);
        }
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">time since start (s)</text>\n",
                (LEFT + W - RIGHT) / 2, H - 15);
        fprintf(f, "<text x=\"20\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 20 %d)\">"
                   "resident memory, RSS (MiB)</text>\n", (TOP + H - BOTTOM) / 2, (TOP + H - BOTTOM) / 2);
}

int compare_write_svg(const struct comparison *c, const struct compare_options *co, FILE *f)
{
        double max_s = 1, max_mib = 1;
        int legend = 0;

        for (size_t i = 0; i < c->n; i++)
                for (size_t k = 0; c->v[i].n_runs > 0 && k < c->v[i].runs[0].n; k++) {
                        const struct compare_run *r = &c->v[i].runs[0];

                        if ((double)r->t_ms[k] / 1000 > max_s)
                                max_s = (double)r->t_ms[k] / 1000;
                        if ((double)r->rss_kb[k] / 1024 > max_mib)
                                max_mib = (double)r->rss_kb[k] / 1024;
                }
        max_s = tick_step(max_s) * (double)(long long)(max_s / tick_step(max_s) + 0.999999);
        max_mib = tick_step(max_mib * 1.05) * (double)(long long)(max_mib * 1.05 / tick_step(max_mib * 1.05) + 0.999999);

        fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                   "font-family=\"sans-serif\" font-size=\"13\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                W, H, W, H);
        fprintf(f, "<text x=\"%d\" y=\"28\" font-size=\"16\">RSS over time: ", LEFT);
        for (int i = 0; i < 6 && co->program[i]; i++) {
                xml_text(f, co->program[i]);
                fputc(' ', f);
        }
        fprintf(f, "%s</text>\n", c->interrupted ? "(interrupted)" : "");
        svg_axes(f, max_s, max_mib);
        for (size_t i = 0; i < c->n; i++) {
                const struct compare_entry *e = &c->v[i];
                const char *colour = colours[i % (sizeof(colours) / sizeof(*colours))];

                if (e->n_runs == 0 || e->runs[0].n == 0)
                        continue;
                fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" data-allocator=\"", colour);
                xml_text(f, e->label);
                fprintf(f, "\" d=\"");
                for (size_t k = 0; k < e->runs[0].n; k++)
                        fprintf(f, "%s%.1f %.1f", k ? " L" : "M",
                                LEFT + (double)e->runs[0].t_ms[k] / 1000 / max_s * (W - LEFT - RIGHT),
                                H - BOTTOM - (double)e->runs[0].rss_kb[k] / 1024 / max_mib * (H - TOP - BOTTOM));
                fprintf(f, "\"/>\n");
                fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>\n",
                        W - RIGHT + 15, TOP + 10 + legend * 22, W - RIGHT + 40, TOP + 10 + legend * 22, colour);
                fprintf(f, "<text x=\"%d\" y=\"%d\">", W - RIGHT + 46, TOP + 14 + legend * 22);
                xml_text(f, e->label);
                fprintf(f, "</text>\n");
                legend++;
        }
        fprintf(f, "</svg>\n");
        return ferror(f) ? -EIO : 0;
}
