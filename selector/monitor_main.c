/* allocsel-monitor: the detached helper. It sends the event it was given
 * to the journal. It is a separate small program so that allocsel's exec
 * path never loads libsystemd.
 *
 * usage: allocsel-monitor -- FIELD=value... */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

static int send_fields(int n, char **fields)
{
        struct iovec *iov = calloc((size_t)n, sizeof(*iov));
        int r;

        if (!iov)
                return -ENOMEM;
        for (int i = 0; i < n; i++)
                iov[i] = (struct iovec){ fields[i], strlen(fields[i]) };
        r = sd_journal_sendv(iov, n);
        free(iov);
        return r;
}

int main(int argc, char **argv)
{
        int first = 1;

        while (first < argc && strcmp(argv[first], "--") != 0)
                first++;
        if (first >= argc - 1) {
                fprintf(stderr, "allocsel-monitor: usage: allocsel-monitor -- FIELD=value...\n");
                return 2;
        }
        first++;
        return send_fields(argc - first, argv + first) < 0 ? 1 : 0;
}
