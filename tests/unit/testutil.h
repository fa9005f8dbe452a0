/* Small helpers shared by the cmocka unit tests. */
#ifndef ALLOCSEL_TESTUTIL_H
#define ALLOCSEL_TESTUTIL_H

#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

static inline char *tmpdir_new(void)
{
        char *dir = strdup("/tmp/allocsel-unit.XXXXXX");

        assert_non_null(mkdtemp(dir));
        assert_int_equal(chmod(dir, 0755), 0);
        return dir;
}

static inline void tmpdir_free(char *dir)
{
        char cmd[PATH_MAX + 16];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
        free(dir);
}

/* Writes text to dir/name with mode 0644; returns the path (caller frees). */
static inline char *write_file(const char *dir, const char *name, const char *text)
{
        char *path;
        FILE *f;

        assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        assert_int_equal(chmod(path, 0644), 0);
        return path;
}

/* The directory holding this test binary (build/tests). */
static inline const char *self_dir(void)
{
        static char dir[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);

        assert_true(n > 0);
        dir[n] = '\0';
        return dirname(dir);
}

/* The whole of path, NUL-terminated (caller frees), or NULL. */
static inline char *read_file(const char *path)
{
        FILE *f = fopen(path, "re");
        char *text = NULL;
        size_t size = 0;
        FILE *mem;

        if (!f)
                return NULL;
        mem = open_memstream(&text, &size);
        assert_non_null(mem);
        for (int c; (c = fgetc(f)) != EOF;)
                fputc(c, mem);
        fclose(f);
        fclose(mem);
        return text;
}

#endif
