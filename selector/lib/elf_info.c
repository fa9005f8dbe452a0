/* Reading ELF headers of programs and libraries with pread into bounded
 * buffers, never a mapping: a file truncated or rewritten while allocsel
 * reads it gives a short read (-EBADMSG), not a SIGBUS. Both classes go
 * through one accessor layer: a field is found by its offset and size in
 * the 32- or the 64-bit structure. */
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf_info.h"

/* The linker defines this as the ELF header of our own executable. */
extern const ElfW(Ehdr) __ehdr_start;

/* Program headers, the dynamic section, its strings and symbols: an
 * allocator's are a few KiB, libstdc++'s under 1 MiB. */
#define MAX_TABLE ((uint64_t)16 << 20)
#define MAX_NEEDED_NAME 256

/* Where a field sits in the 32-bit [0] and the 64-bit [1] structure. */
struct field {
        uint8_t off[2];
        uint8_t size[2];
};
#define FIELD(type, member) { \
        { offsetof(Elf32_##type, member), offsetof(Elf64_##type, member) }, \
        { sizeof(((Elf32_##type *)NULL)->member), sizeof(((Elf64_##type *)NULL)->member) } }
#define SIZES(type) { sizeof(Elf32_##type), sizeof(Elf64_##type) }

static const struct field e_type = FIELD(Ehdr, e_type), e_machine = FIELD(Ehdr, e_machine),
        e_phoff = FIELD(Ehdr, e_phoff), e_phentsize = FIELD(Ehdr, e_phentsize),
        e_phnum = FIELD(Ehdr, e_phnum);
static const struct field p_type = FIELD(Phdr, p_type), p_offset = FIELD(Phdr, p_offset),
        p_vaddr = FIELD(Phdr, p_vaddr), p_filesz = FIELD(Phdr, p_filesz);
static const struct field d_tag = FIELD(Dyn, d_tag), d_val = FIELD(Dyn, d_un.d_val);
static const struct field st_name = FIELD(Sym, st_name), st_info = FIELD(Sym, st_info),
        st_shndx = FIELD(Sym, st_shndx);
static const size_t ehdr_size[2] = SIZES(Ehdr), phdr_size[2] = SIZES(Phdr), dyn_size[2] = SIZES(Dyn),
        sym_size[2] = SIZES(Sym);

/* Native byte order only: a foreign one is refused before any field is read. */
static uint64_t get(const unsigned char *rec, int c, struct field f)
{
        const unsigned char *p = rec + f.off[c];
        uint32_t v32;
        uint16_t v16;
        uint64_t v64;

        switch (f.size[c]) {
        case 1:
                return *p;
        case 2:
                memcpy(&v16, p, 2);
                return v16;
        case 4:
                memcpy(&v32, p, 4);
                return v32;
        default:
                memcpy(&v64, p, 8);
                return v64;
        }
}

/* One file being read. */
struct reader {
        int fd;
        int c;                          /* 0: ELFCLASS32, 1: ELFCLASS64 */
        unsigned char *phdrs;
        uint64_t phnum, phentsize;
        unsigned char *dyn;
        uint64_t ndyn;
        char *dynstr;                   /* ELF_EXPORTS only */
        uint64_t stroff, strsz;
};

/* Exactly len bytes at off, or -EBADMSG: the file ends (or was cut) early. */
static int pread_all(int fd, void *buf, uint64_t len, uint64_t off)
{
        unsigned char *p = buf;

        while (len > 0) {
                ssize_t n = pread(fd, p, len, (off_t)off);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EBADMSG;
                p += n;
                off += (uint64_t)n;
                len -= (uint64_t)n;
        }
        return 0;
}

/* A table of n records of size each, read into a new buffer (plus a NUL). */
static int read_table(int fd, uint64_t off, uint64_t n, uint64_t size, unsigned char **ret)
{
        unsigned char *buf;
        int r;

        if (size && n > MAX_TABLE / size)
                return -EBADMSG;
        buf = malloc(n * size + 1);
        if (!buf)
                return -ENOMEM;
        r = pread_all(fd, buf, n * size, off);
        if (r < 0) {
                free(buf);
                return r;
        }
        buf[n * size] = '\0';
        *ret = buf;
        return 0;
}

static const unsigned char *phdr(const struct reader *rd, uint64_t i)
{
        return rd->phdrs + i * rd->phentsize;
}

/* Dynamic entries hold addresses; the loadable segments say where they are in the file. */
static int vaddr_to_offset(const struct reader *rd, uint64_t vaddr, uint64_t *ret)
{
        for (uint64_t i = 0; i < rd->phnum; i++) {
                const unsigned char *ph = phdr(rd, i);
                uint64_t start = get(ph, rd->c, p_vaddr);

                if (get(ph, rd->c, p_type) == PT_LOAD && vaddr >= start &&
                    vaddr - start < get(ph, rd->c, p_filesz)) {
                        *ret = get(ph, rd->c, p_offset) + (vaddr - start);
                        return 0;
                }
        }
        return -EBADMSG;
}

/* The value of the first entry tagged tag, if any. */
static bool dyn_find(const struct reader *rd, uint64_t tag, uint64_t *ret)
{
        for (uint64_t i = 0; i < rd->ndyn; i++) {
                const unsigned char *d = rd->dyn + i * dyn_size[rd->c];
                uint64_t t = get(d, rd->c, d_tag);

                if (t == DT_NULL)
                        break;
                if (t == tag) {
                        *ret = get(d, rd->c, d_val);
                        return true;
                }
        }
        return false;
}

static int read_header(struct reader *rd, struct elf_info *info)
{
        unsigned char eh[sizeof(Elf64_Ehdr)];
        ssize_t n = pread(rd->fd, eh, sizeof(eh), 0);

        if (n < 0)
                return -errno;
        if ((size_t)n < SELFMAG || memcmp(eh, ELFMAG, SELFMAG) != 0)
                return -ENOEXEC;
        if ((size_t)n < EI_NIDENT)
                return -EBADMSG;
        info->elf_class = eh[EI_CLASS];
        info->data = eh[EI_DATA];
        if (info->elf_class != ELFCLASS32 && info->elf_class != ELFCLASS64)
                return -EBADMSG;
        if (info->data != __ehdr_start.e_ident[EI_DATA])
                return 1; /* foreign byte order: class and data say enough */
        rd->c = info->elf_class == ELFCLASS64;
        if ((size_t)n < ehdr_size[rd->c])
                return -EBADMSG;
        info->type = (uint16_t)get(eh, rd->c, e_type);
        info->machine = (uint16_t)get(eh, rd->c, e_machine);
        rd->phnum = get(eh, rd->c, e_phnum);
        rd->phentsize = get(eh, rd->c, e_phentsize);
        if (rd->phnum && rd->phentsize < phdr_size[rd->c])
                return -EBADMSG;
        return read_table(rd->fd, get(eh, rd->c, e_phoff), rd->phnum, rd->phentsize, &rd->phdrs);
}

/* PT_INTERP, and the dynamic section if there is one. */
static int read_segments(struct reader *rd, struct elf_info *info)
{
        for (uint64_t i = 0; i < rd->phnum; i++) {
                const unsigned char *ph = phdr(rd, i);
                uint64_t type = get(ph, rd->c, p_type);

                if (type == PT_INTERP)
                        info->has_interp = true;
                else if (type == PT_DYNAMIC && !rd->dyn) {
                        uint64_t size = get(ph, rd->c, p_filesz);
                        int r;

                        rd->ndyn = size / dyn_size[rd->c];
                        r = read_table(rd->fd, get(ph, rd->c, p_offset), rd->ndyn, dyn_size[rd->c], &rd->dyn);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* The string at off in the dynamic string table: from the copy when it
 * was read whole, else read on its own (a program's table can be large,
 * and only its few DT_NEEDED names are wanted). */
static int dynamic_string(const struct reader *rd, uint64_t off, char *buf, size_t size)
{
        uint64_t len;
        int r;

        if (off >= rd->strsz)
                return -EBADMSG;
        len = rd->strsz - off < size - 1 ? rd->strsz - off : size - 1;
        if (rd->dynstr)
                memcpy(buf, rd->dynstr + off, len);
        else if ((r = pread_all(rd->fd, buf, len, rd->stroff + off)) < 0)
                return r;
        buf[len] = '\0';
        /* no NUL inside the table or the bound: not a name */
        return strlen(buf) < len ? 0 : -EBADMSG;
}

static int read_needed(const struct reader *rd, struct elf_info *info)
{
        for (uint64_t i = 0; i < rd->ndyn; i++) {
                const unsigned char *d = rd->dyn + i * dyn_size[rd->c];
                uint64_t tag = get(d, rd->c, d_tag);
                char name[MAX_NEEDED_NAME + 1];
                int r;

                if (tag == DT_NULL)
                        break;
                if (tag != DT_NEEDED)
                        continue;
                r = dynamic_string(rd, get(d, rd->c, d_val), name, sizeof(name));
                if (r == 0)
                        r = strv_push(&info->needed, name);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The number of dynamic symbols: DT_HASH says it; with DT_GNU_HASH it is
 * one past the end of the longest chain from the highest bucket. */
static int count_symbols(const struct reader *rd, uint64_t *ret)
{
        uint32_t h[4], v, max = 0, *buckets;
        uint64_t off, chain;
        unsigned char *tbl;
        int r;

        if (dyn_find(rd, DT_HASH, &off)) {
                /* nbucket, nchain: one chain entry per symbol */
                r = vaddr_to_offset(rd, off, &off);
                if (r == 0)
                        r = pread_all(rd->fd, h, 8, off);
                if (r == 0)
                        *ret = h[1];
                return r;
        }
        if (!dyn_find(rd, DT_GNU_HASH, &off))
                return -EBADMSG;
        r = vaddr_to_offset(rd, off, &off);
        if (r == 0)
                r = pread_all(rd->fd, h, sizeof(h), off);
        if (r < 0)
                return r;
        /* nbuckets, symoffset, bloom words (address-sized), bloom shift */
        off += sizeof(h) + (uint64_t)h[2] * (rd->c ? 8 : 4);
        r = read_table(rd->fd, off, h[0], 4, &tbl);
        if (r < 0)
                return r;
        buckets = (uint32_t *)(void *)tbl;
        for (uint32_t i = 0; i < h[0]; i++)
                max = buckets[i] > max ? buckets[i] : max;
        free(tbl);
        if (max < h[1]) {
                *ret = h[1];
                return 0;
        }
        chain = off + (uint64_t)h[0] * 4 + (uint64_t)(max - h[1]) * 4;
        for (v = 0; !(v & 1); max++, chain += 4) {
                if (max - h[1] > MAX_TABLE / 4)
                        return -EBADMSG;
                r = pread_all(rd->fd, &v, 4, chain);
                if (r < 0)
                        return r;
        }
        *ret = max;
        return 0;
}

static bool defined_function(const unsigned char *sym, int c)
{
        unsigned info = (unsigned)get(sym, c, st_info);
        unsigned type = ELF64_ST_TYPE(info), bind = ELF64_ST_BIND(info);

        return get(sym, c, st_shndx) != SHN_UNDEF && (type == STT_FUNC || type == STT_GNU_IFUNC) &&
               (bind == STB_GLOBAL || bind == STB_WEAK);
}

/* The functions the file defines for others: what preloading it overrides. */
static int read_exports(struct reader *rd, struct elf_info *info)
{
        uint64_t symtab, nsyms, syment = sym_size[rd->c];
        unsigned char *syms = NULL;
        int r;

        if (!dyn_find(rd, DT_SYMTAB, &symtab))
                return 0;
        (void)dyn_find(rd, DT_SYMENT, &syment);
        if (syment < sym_size[rd->c])
                return -EBADMSG;
        r = vaddr_to_offset(rd, symtab, &symtab);
        if (r == 0)
                r = count_symbols(rd, &nsyms);
        if (r == 0)
                r = read_table(rd->fd, symtab, nsyms, syment, &syms);
        if (r < 0)
                return r;
        for (uint64_t i = 0; r == 0 && i < nsyms; i++) {
                const unsigned char *sym = syms + i * syment;
                uint64_t name = get(sym, rd->c, st_name);

                if (defined_function(sym, rd->c) && name < rd->strsz)
                        r = strv_push(&info->exports, rd->dynstr + name);
        }
        free(syms);
        return r;
}

static int read_dynamic(struct reader *rd, unsigned what, struct elf_info *info)
{
        uint64_t strtab, flags1;
        int r;

        if (dyn_find(rd, DT_FLAGS_1, &flags1) && (flags1 & DF_1_PIE))
                info->pie = true;
        if (!dyn_find(rd, DT_STRTAB, &strtab))
                return 0;
        if (!dyn_find(rd, DT_STRSZ, &rd->strsz) || rd->strsz > MAX_TABLE)
                return -EBADMSG;
        r = vaddr_to_offset(rd, strtab, &rd->stroff);
        if (r == 0 && (what & ELF_EXPORTS))
                r = read_table(rd->fd, rd->stroff, 1, rd->strsz, (unsigned char **)&rd->dynstr);
        if (r == 0)
                r = read_needed(rd, info);
        if (r == 0 && (what & ELF_EXPORTS))
                r = read_exports(rd, info);
        return r;
}

int elf_read(int fd, unsigned what, struct elf_info *ret)
{
        struct reader rd = { .fd = fd };
        struct elf_info info = { 0 };
        int r;

        r = read_header(&rd, &info);
        if (r == 0)
                r = read_segments(&rd, &info);
        if (r == 0)
                r = read_dynamic(&rd, what, &info);
        free(rd.phdrs);
        free(rd.dyn);
        free(rd.dynstr);
        if (r < 0) {
                elf_info_free(&info);
                return r;
        }
        *ret = info;
        return 0;
}

void elf_info_free(struct elf_info *info)
{
        strv_free(&info->needed);
        strv_free(&info->exports);
}

bool elf_exports(const struct elf_info *info, const char *name)
{
        return strv_contains(&info->exports, name);
}

unsigned char elf_self_class(void)
{
        return __ehdr_start.e_ident[EI_CLASS];
}

uint16_t elf_self_machine(void)
{
        return __ehdr_start.e_machine;
}

bool elf_matches_self(const struct elf_info *info)
{
        return info->elf_class == elf_self_class() &&
               info->data == __ehdr_start.e_ident[EI_DATA] &&
               info->machine == elf_self_machine();
}

const char *elf_class_name(unsigned char elf_class)
{
        return elf_class == ELFCLASS64 ? "ELFCLASS64" :
               elf_class == ELFCLASS32 ? "ELFCLASS32" : "unknown class";
}
