/* Files the ELF and library unit tests use: raw bytes, an ELF32 header,
 * and the libraries the build made for them. */
#ifndef ALLOCSEL_TESTFILES_H
#define ALLOCSEL_TESTFILES_H

#include <elf.h>
#include <fcntl.h>

#include "testutil.h"

static inline char *write_bytes(const char *dir, const char *name, const void *bytes, size_t len, mode_t mode)
{
        char *path;
        int fd;

        assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, bytes, len), (ssize_t)len);
        close(fd);
        assert_int_equal(chmod(path, mode), 0);
        return path;
}

/* An ELF32 i386 shared-object header and nothing else. */
static inline char *elf32_library(const char *dir)
{
        unsigned char buf[128] = { 0 };
        Elf32_Ehdr eh = { 0 };

        memcpy(eh.e_ident, ELFMAG, SELFMAG);
        eh.e_ident[EI_CLASS] = ELFCLASS32;
        eh.e_ident[EI_DATA] = ELFDATA2LSB;
        eh.e_ident[EI_VERSION] = EV_CURRENT;
        eh.e_type = ET_DYN;
        eh.e_machine = EM_386;
        eh.e_ehsize = sizeof(eh);
        memcpy(buf, &eh, sizeof(eh));
        return write_bytes(dir, "lib32.so", buf, sizeof(buf), 0644);
}

/* A library the build made (the unit tests need no allocator installed). */
static inline char *test_library(const char *name)
{
        char *p;

        assert_true(asprintf(&p, "%s/%s", self_dir(), name) > 0);
        return p;
}

/* DIR/lib, with libfake-alloc.so under each of the sonames allocsel looks
 * for (the packages' builds run the unit tests without any allocator
 * installed); caller frees. */
static inline char *fake_library_dir(const char *dir)
{
        static const char *const sonames[] = {
                "libjemalloc.so.2", "libtcmalloc.so.4", "libtcmalloc_minimal.so.4", "libmimalloc.so.2",
        };
        char *libdir, *fake = test_library("libfake-alloc.so");

        assert_true(asprintf(&libdir, "%s/lib", dir) > 0);
        assert_int_equal(mkdir(libdir, 0755), 0);
        for (size_t i = 0; i < sizeof(sonames) / sizeof(sonames[0]); i++) {
                char *link;

                assert_true(asprintf(&link, "%s/%s", libdir, sonames[i]) > 0);
                assert_int_equal(symlink(fake, link), 0);
                free(link);
        }
        free(fake);
        return libdir;
}

/* It exports malloc, free and mallctl, and has a jemalloc version string. */
static inline const char *fake_allocator(void)
{
        static char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/libfake-alloc.so", self_dir());
        return path;
}

#endif
