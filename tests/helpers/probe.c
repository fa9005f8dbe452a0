/* probe: run under allocsel, asks the allocator inside this very process
 * what is in effect, and prints "key=value" lines. It links nothing but
 * libc (and libdl): every allocator API is found with dlsym, so the answer
 * comes from whichever library really serves malloc. Arguments name
 * variables to print ("env.NAME=") or, as "maps:NAME", a library to look
 * for in its own /proc/self/maps ("maps.NAME=1"). */
#include <dlfcn.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);
typedef int (*tc_property_fn)(const char *, size_t *);
typedef long (*mi_option_get_fn)(int);

/* mimalloc 2.0.x option numbers (mimalloc.h, mi_option_e) */
enum { MI_EAGER_COMMIT = 3, MI_LARGE_OS_PAGES = 6, MI_EAGER_COMMIT_DELAY = 14, MI_DECOMMIT_DELAY = 15 };

static void print_malloc_owner(void)
{
        void *fn = dlsym(RTLD_DEFAULT, "malloc");
        Dl_info info;

        if (fn && dladdr(fn, &info) && info.dli_fname)
                printf("malloc_from=%s\n", info.dli_fname);
}

static void print_jemalloc(void)
{
        mallctl_fn mallctl = (mallctl_fn)(uintptr_t)dlsym(RTLD_DEFAULT, "mallctl");
        static const char *const bools[] = { "opt.background_thread", "opt.prof", "background_thread" };
        static const char *const ssizes[] = { "opt.dirty_decay_ms", "opt.muzzy_decay_ms" };
        static const char *const strings[] = { "opt.thp", "opt.metadata_thp" };
        unsigned narenas;
        size_t len;

        if (!mallctl)
                return;
        for (size_t i = 0; i < sizeof(bools) / sizeof(*bools); i++) {
                bool b;

                len = sizeof(b);
                if (mallctl(bools[i], &b, &len, NULL, 0) == 0)
                        printf("je.%s=%d\n", bools[i], b);
        }
        for (size_t i = 0; i < sizeof(ssizes) / sizeof(*ssizes); i++) {
                long v;

                len = sizeof(v);
                if (mallctl(ssizes[i], &v, &len, NULL, 0) == 0)
                        printf("je.%s=%ld\n", ssizes[i], v);
        }
        for (size_t i = 0; i < sizeof(strings) / sizeof(*strings); i++) {
                const char *v;

                len = sizeof(v);
                if (mallctl(strings[i], (void *)&v, &len, NULL, 0) == 0)
                        printf("je.%s=%s\n", strings[i], v);
        }
        len = sizeof(narenas);
        if (mallctl("opt.narenas", &narenas, &len, NULL, 0) == 0)
                printf("je.opt.narenas=%u\n", narenas);
}

static void print_gperftools(void)
{
        tc_property_fn get = (tc_property_fn)(uintptr_t)dlsym(RTLD_DEFAULT, "MallocExtension_GetNumericProperty");
        static const char *const props[] = {
                "tcmalloc.aggressive_memory_decommit", "tcmalloc.max_total_thread_cache_bytes",
        };
        /* gperftools reads its release rate from this flag variable on every release */
        const double *rate = dlsym(RTLD_DEFAULT,
                "_ZN62FLAG__namespace_do_not_use_directly_use_DECLARE_double_instead27FLAGS_tcmalloc_release_rateE");

        if (!get)
                return;
        for (size_t i = 0; i < sizeof(props) / sizeof(*props); i++) {
                size_t v;

                if (get(props[i], &v))
                        printf("tc.%s=%zu\n", props[i], v);
        }
        if (rate)
                printf("tc.release_rate=%g\n", *rate);
        printf("tc.heap_profiler=%d\n", dlsym(RTLD_DEFAULT, "IsHeapProfilerRunning") != NULL);
}

static void print_mimalloc(void)
{
        mi_option_get_fn get = (mi_option_get_fn)(uintptr_t)dlsym(RTLD_DEFAULT, "mi_option_get");

        if (!get)
                return;
        printf("mi.decommit_delay=%ld\n", get(MI_DECOMMIT_DELAY));
        printf("mi.eager_commit=%ld\n", get(MI_EAGER_COMMIT));
        printf("mi.eager_commit_delay=%ld\n", get(MI_EAGER_COMMIT_DELAY));
        printf("mi.large_os_pages=%ld\n", get(MI_LARGE_OS_PAGES));
}

/* Whether a mapping of this process has name in its path. */
static int maps_has(const char *name)
{
        FILE *f = fopen("/proc/self/maps", "re");
        char line[4096];
        int found = 0;

        while (f && !found && fgets(line, sizeof(line), f))
                found = strstr(line, name) != NULL;
        if (f)
                fclose(f);
        return found;
}

/* glibc: how many freed bytes sit in fast bins (0 when mxfast = 0) after
 * freeing small blocks beyond what the tcache holds. */
static void print_glibc(void)
{
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 33)
        void *blocks[64];

        if (dlsym(RTLD_DEFAULT, "mallctl") || dlsym(RTLD_DEFAULT, "MallocExtension_GetNumericProperty") ||
            dlsym(RTLD_DEFAULT, "mi_option_get"))
                return;
        for (size_t i = 0; i < sizeof(blocks) / sizeof(*blocks); i++)
                blocks[i] = malloc(40);
        for (size_t i = 0; i < sizeof(blocks) / sizeof(*blocks); i += 2)
                free(blocks[i]); /* every other one: no two freed blocks are neighbours */
        printf("glibc.fastbin_bytes=%zu\n", mallinfo2().fsmblks);
        for (size_t i = 1; i < sizeof(blocks) / sizeof(*blocks); i += 2)
                free(blocks[i]);
#endif
}

int main(int argc, char **argv)
{
        /* allocate something so lazy allocators initialise */
        free(malloc(64));
        print_malloc_owner();
        print_jemalloc();
        print_gperftools();
        print_mimalloc();
        print_glibc();
        for (int i = 1; i < argc; i++) {
                const char *v = getenv(argv[i]);

                if (strncmp(argv[i], "maps:", 5) == 0)
                        printf("maps.%s=%d\n", argv[i] + 5, maps_has(argv[i] + 5));
                else
                        printf("env.%s=%s\n", argv[i], v ? v : "(unset)");
        }
        return 0;
}
