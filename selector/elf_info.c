/* Reading ELF headers of programs and libraries, both classes, from a
 * read-only mapping with every offset bounds-checked. */
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "elf_info.h"

/* The linker defines this as the ELF header of our own executable. */
extern const ElfW(Ehdr) __ehdr_start;

struct mapped {
        const unsigned char *p;
        size_t size;
};

static int map_fd(int fd, struct mapped *m)
{
        struct stat st;
        void *p;

        m->p = NULL;
        m->size = 0;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADF;
        if (st.st_size == 0) {
                m->p = NULL;
                m->size = 0;
                return 0;
        }
        p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED)
                return -errno;
        m->p = p;
        m->size = (size_t)st.st_size;
        return 0;
}

static void unmap(struct mapped *m)
{
        if (m->p)
                munmap((void *)m->p, m->size);
}

static bool in_bounds(const struct mapped *m, uint64_t off, uint64_t len)
{
        return off <= m->size && len <= m->size - off;
}

/* A program header, whatever the class. */
struct phdr {
        uint32_t type;
        uint64_t offset, vaddr, filesz;
};

static int get_phdr(const struct mapped *m, unsigned char cls, uint64_t off, struct phdr *ph)
{
        if (cls == ELFCLASS64) {
                Elf64_Phdr p;

                if (!in_bounds(m, off, sizeof(p)))
                        return -EBADMSG;
                memcpy(&p, m->p + off, sizeof(p));
                *ph = (struct phdr){ p.p_type, p.p_offset, p.p_vaddr, p.p_filesz };
        } else {
                Elf32_Phdr p;

                if (!in_bounds(m, off, sizeof(p)))
                        return -EBADMSG;
                memcpy(&p, m->p + off, sizeof(p));
                *ph = (struct phdr){ p.p_type, p.p_offset, p.p_vaddr, p.p_filesz };
        }
        return 0;
}

static int get_dyn(const struct mapped *m, unsigned char cls, uint64_t off,
                   int64_t *tag, uint64_t *val)
{
        if (cls == ELFCLASS64) {
                Elf64_Dyn d;

                if (!in_bounds(m, off, sizeof(d)))
                        return -EBADMSG;
                memcpy(&d, m->p + off, sizeof(d));
                *tag = d.d_tag;
                *val = d.d_un.d_val;
        } else {
                Elf32_Dyn d;

                if (!in_bounds(m, off, sizeof(d)))
                        return -EBADMSG;
                memcpy(&d, m->p + off, sizeof(d));
                *tag = d.d_tag;
                *val = d.d_un.d_val;
        }
        return 0;
}

/* DT_STRTAB holds an address; the loadable segments say where it is in the file. */
static int vaddr_to_offset(const struct mapped *m, unsigned char cls, uint64_t phoff,
                           uint16_t phnum, uint16_t phentsize, uint64_t vaddr, uint64_t *ret)
{
        for (uint16_t i = 0; i < phnum; i++) {
                struct phdr ph;
                int r = get_phdr(m, cls, phoff + (uint64_t)i * phentsize, &ph);

                if (r < 0)
                        return r;
                if (ph.type == PT_LOAD && vaddr >= ph.vaddr && vaddr - ph.vaddr < ph.filesz) {
                        *ret = ph.offset + (vaddr - ph.vaddr);
                        return 0;
                }
        }
        return -EBADMSG;
}

static int read_needed(const struct mapped *m, unsigned char cls, const struct phdr *dyn,
                       uint64_t phoff, uint16_t phnum, uint16_t phentsize, struct elf_info *info)
{
        size_t entsize = cls == ELFCLASS64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn);
        uint64_t strtab = 0, strsz = 0, stroff;
        bool have_strtab = false;
        int r;

        for (uint64_t off = dyn->offset; off + entsize <= dyn->offset + dyn->filesz; off += entsize) {
                int64_t tag;
                uint64_t val;

                r = get_dyn(m, cls, off, &tag, &val);
                if (r < 0)
                        return r;
                if (tag == DT_NULL)
                        break;
                if (tag == DT_STRTAB) {
                        strtab = val;
                        have_strtab = true;
                } else if (tag == DT_STRSZ) {
                        strsz = val;
                }
        }
        if (!have_strtab)
                return 0;
        r = vaddr_to_offset(m, cls, phoff, phnum, phentsize, strtab, &stroff);
        if (r < 0 || !in_bounds(m, stroff, strsz))
                return -EBADMSG;
        info->dynstr = malloc(strsz + 1);
        if (!info->dynstr)
                return -ENOMEM;
        memcpy(info->dynstr, m->p + stroff, strsz);
        info->dynstr[strsz] = '\0';
        info->dynstr_size = strsz;

        for (uint64_t off = dyn->offset; off + entsize <= dyn->offset + dyn->filesz; off += entsize) {
                int64_t tag;
                uint64_t val;
                const char *name;

                r = get_dyn(m, cls, off, &tag, &val);
                if (r < 0)
                        return r;
                if (tag == DT_NULL)
                        break;
                if (tag != DT_NEEDED)
                        continue;
                if (val >= strsz)
                        return -EBADMSG;
                name = (const char *)m->p + stroff + val;
                if (!memchr(name, '\0', strsz - val))
                        return -EBADMSG;
                r = strv_push(&info->needed, name);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse(const struct mapped *m, struct elf_info *info)
{
        uint64_t phoff;
        uint16_t phnum, phentsize;
        struct phdr dyn = { 0 };
        bool have_dyn = false;

        if (!in_bounds(m, 0, EI_NIDENT) || memcmp(m->p, ELFMAG, SELFMAG) != 0)
                return -ENOEXEC;
        info->elf_class = m->p[EI_CLASS];
        info->data = m->p[EI_DATA];
        if (info->elf_class != ELFCLASS32 && info->elf_class != ELFCLASS64)
                return -EBADMSG;
        if (info->data != __ehdr_start.e_ident[EI_DATA])
                return 0; /* foreign byte order: class and data say enough */

        if (info->elf_class == ELFCLASS64) {
                Elf64_Ehdr eh;

                if (!in_bounds(m, 0, sizeof(eh)))
                        return -EBADMSG;
                memcpy(&eh, m->p, sizeof(eh));
                info->machine = eh.e_machine;
                info->type = eh.e_type;
                phoff = eh.e_phoff;
                phnum = eh.e_phnum;
                phentsize = eh.e_phentsize;
                if (phnum && phentsize < sizeof(Elf64_Phdr))
                        return -EBADMSG;
        } else {
                Elf32_Ehdr eh;

                if (!in_bounds(m, 0, sizeof(eh)))
                        return -EBADMSG;
                memcpy(&eh, m->p, sizeof(eh));
                info->machine = eh.e_machine;
                info->type = eh.e_type;
                phoff = eh.e_phoff;
                phnum = eh.e_phnum;
                phentsize = eh.e_phentsize;
                if (phnum && phentsize < sizeof(Elf32_Phdr))
                        return -EBADMSG;
        }

        for (uint16_t i = 0; i < phnum; i++) {
                struct phdr ph;
                int r = get_phdr(m, info->elf_class, phoff + (uint64_t)i * phentsize, &ph);

                if (r < 0)
                        return r;
                if (ph.type == PT_INTERP)
                        info->has_interp = true;
                else if (ph.type == PT_DYNAMIC) {
                        dyn = ph;
                        have_dyn = true;
                }
        }
        if (!have_dyn)
                return 0;
        if (!in_bounds(m, dyn.offset, dyn.filesz))
                return -EBADMSG;
        return read_needed(m, info->elf_class, &dyn, phoff, phnum, phentsize, info);
}

int elf_read(int fd, struct elf_info *ret)
{
        struct elf_info info = { 0 };
        struct mapped m;
        int r;

        r = map_fd(fd, &m);
        if (r < 0)
                return r;
        r = parse(&m, &info);
        unmap(&m);
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
        free(info->dynstr);
        info->dynstr = NULL;
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

int file_map_fd(int fd, struct file_map *m)
{
        struct mapped mm = { NULL, 0 };
        int r = map_fd(fd, &mm);

        if (r < 0)
                return r;
        m->p = mm.p;
        m->size = mm.size;
        return 0;
}

void file_unmap(struct file_map *m)
{
        struct mapped mm = { m->p, m->size };

        unmap(&mm);
        m->p = NULL;
        m->size = 0;
}
