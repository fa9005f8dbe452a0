/* libFuzzer target: policy text -> validated plan -> environment.
 * Build and run with `make fuzz` (FUZZ_SECONDS=600 for ten minutes). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envbuild.h"
#include "plan.h"

static char dir[] = "/tmp/allocsel-fuzz.XXXXXX";
static char path[sizeof(dir) + 16];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        if (!mkdtemp(dir))
                abort();
        snprintf(path, sizeof(path), "%s/fuzz.conf", dir);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *envp[] = { "LD_PRELOAD=/x/libtcmalloc.so.4 /opt/keep.so", "MALLOC_CONF=narenas:2",
                         "GLIBC_TUNABLES=glibc.malloc.perturb=1", "PATH=/bin", NULL };
        struct plan_options o = { .global_conf = "/nonexistent/allocsel.conf", .describe = true };
        struct strv env = { 0 };
        struct plan pl;
        FILE *f = fopen(path, "w");

        if (!f)
                abort();
        fwrite(data, 1, size, f);
        fclose(f);
        if (strv_push(&o.dirs, dir) < 0)
                abort();
        if (plan_make(&pl, &o, "fuzz", envp) == 0) {
                for (size_t i = 0; i < pl.diags.n; i++)
                        free(diag_format(&pl.diags.v[i]));
                if (env_apply(envp, &pl.changes, &env) == 0)
                        strv_free(&env);
                plan_free(&pl);
        }
        strv_free(&o.dirs);
        return 0;
}
