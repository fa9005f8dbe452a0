/* The Prometheus textfile for node_exporter's textfile collector: written
 * whole to a temporary file beside the target and renamed over it, so
 * that a scrape never reads half a file. The temporary name does not end
 * in .prom, so the collector never picks it up. Labels are service,
 * allocator and policy digest only: a host is the exporter's instance. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet_output.h"

static void label(FILE *out, const char *name, const char *value, bool first)
{
        char *text = fleet_text(value);

        fprintf(out, "%s%s=\"", first ? "" : ",", name);
        for (const char *c = text ? text : ""; *c; c++) {
                if (*c == '\\' || *c == '"')
                        fputc('\\', out);
                fputc(*c, out);
        }
        fputc('"', out);
        free(text);
}

static void labels(FILE *out, const struct fleet_group *g)
{
        fputc('{', out);
        label(out, "service", g->service, true);
        label(out, "allocator", g->allocator, false);
        label(out, "policy_digest", g->digest, false);
        fputc('}', out);
}

struct metric {
        const char *name, *help;
        size_t offset;                  /* of a long long in struct fleet_group */
        bool kb;                        /* KiB, written as bytes */
};

static const struct metric metrics[] = {
        { "allocsel_runs", "Runs started through allocsel (in the journal read), by service, allocator and policy.",
          offsetof(struct fleet_group, runs), false },
        { "allocsel_runs_not_loaded", "Runs whose allocator library did not load.",
          offsetof(struct fleet_group, not_loaded), false },
        { "allocsel_startup_rss_bytes", "Median resident memory at the startup sample.",
          offsetof(struct fleet_group, median.startup_kb), true },
        { "allocsel_exit_rss_bytes", "Median resident memory at the last sample before exit.",
          offsetof(struct fleet_group, median.exit_kb), true },
        { "allocsel_peak_rss_bytes", "Median peak resident memory.",
          offsetof(struct fleet_group, median.peak_kb), true },
};

static void write_metrics(const struct fleet_summary *s, FILE *out)
{
        for (size_t m = 0; m < sizeof(metrics) / sizeof(*metrics); m++) {
                fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", metrics[m].name, metrics[m].help, metrics[m].name);
                for (size_t i = 0; i < s->n_groups; i++) {
                        const char *field = (const char *)&s->groups[i] + metrics[m].offset;
                        long long v;

                        if (metrics[m].kb) {
                                memcpy(&v, field, sizeof(v));
                                if (v == FLEET_UNKNOWN)
                                        continue;       /* no run said: no sample */
                                v *= 1024;
                        } else {
                                size_t n;

                                memcpy(&n, field, sizeof(n));
                                v = (long long)n;
                        }
                        fputs(metrics[m].name, out);
                        labels(out, &s->groups[i]);
                        fprintf(out, " %lld\n", v);
                }
        }
}

static int temp_beside(const char *path, char **ret_temp, int *ret_fd)
{
        char *dir_copy = strdup(path), *base_copy = strdup(path);
        int r = 0;

        *ret_temp = NULL;
        if (!dir_copy || !base_copy ||
            asprintf(ret_temp, "%s/.%s.XXXXXX", dirname(dir_copy), basename(base_copy)) < 0) {
                *ret_temp = NULL;
                r = -ENOMEM;
        }
        free(dir_copy);
        free(base_copy);
        if (r < 0)
                return r;
        *ret_fd = mkostemp(*ret_temp, O_CLOEXEC);
        if (*ret_fd < 0) {
                r = -errno;
                free(*ret_temp);
                *ret_temp = NULL;
        }
        return r;
}

int fleet_write_prometheus(const struct fleet_summary *s, const char *path, const char **ret_what)
{
        struct stat st;
        char *temp;
        FILE *out;
        int fd, r;

        *ret_what = path;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
                return -EISDIR;
        r = temp_beside(path, &temp, &fd);
        if (r < 0)
                return r;
        *ret_what = path;
        /* what the collector runs as must be able to read it */
        if (fchmod(fd, 0644) < 0 || !(out = fdopen(fd, "w"))) {
                r = -errno;
                close(fd);
                goto fail;
        }
        write_metrics(s, out);
        if (fflush(out) == EOF || ferror(out) || fsync(fileno(out)) < 0) {
                r = errno ? -errno : -EIO;
                fclose(out);
                goto fail;
        }
        if (fclose(out) == EOF || rename(temp, path) < 0) {
                r = -errno;
                goto fail;
        }
        free(temp);
        return 0;
fail:
        if (temp)
                (void)unlink(temp);
        free(temp);
        return r;
}
