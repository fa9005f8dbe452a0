/* What allocsel needs to know about an ELF file: class, machine, type,
 * whether it has an interpreter (is a program), which libraries it needs
 * and, when asked, which functions it defines. */
#ifndef ALLOCSEL_ELF_INFO_H
#define ALLOCSEL_ELF_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strv.h"

struct elf_info {
        unsigned char elf_class;        /* ELFCLASS32 or ELFCLASS64 */
        unsigned char data;             /* ELFDATA2LSB or ELFDATA2MSB */
        uint16_t machine;               /* EM_*; valid only when data matches ours */
        uint16_t type;                  /* ET_EXEC, ET_DYN, ... */
        bool has_interp;                /* PT_INTERP present: a dynamic program */
        bool pie;                       /* DF_1_PIE: a position-independent program */
        struct strv needed;             /* DT_NEEDED entries */
        struct strv exports;            /* ELF_EXPORTS: functions defined for others */
};

enum {
        ELF_EXPORTS = 1 << 0,           /* read the dynamic symbol table too */
};

/* Reads the descriptor's ELF headers with pread, each table bounded.
 * Returns 0, -ENOEXEC (not ELF), -EBADMSG (truncated, malformed or
 * implausibly large), or another -errno. */
int elf_read(int fd, unsigned what, struct elf_info *ret);
void elf_info_free(struct elf_info *info);
bool elf_exports(const struct elf_info *info, const char *name);

/* The class and machine allocsel itself was built for. */
unsigned char elf_self_class(void);
uint16_t elf_self_machine(void);
bool elf_matches_self(const struct elf_info *info);
const char *elf_class_name(unsigned char elf_class);

#endif
