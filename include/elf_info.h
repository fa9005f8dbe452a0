/* What allocsel needs to know about an ELF file: class, machine, type,
 * whether it has an interpreter (is dynamic) and which libraries it needs. */
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
        bool has_interp;                /* PT_INTERP present: dynamically linked */
        struct strv needed;             /* DT_NEEDED entries */
        char *dynstr;                   /* the dynamic string table (symbol names), a copy */
        size_t dynstr_size;
};

/* Reads the descriptor's ELF headers. Returns 0, -ENOEXEC (not ELF),
 * -EBADMSG (truncated or malformed), or another -errno. */
int elf_read(int fd, struct elf_info *ret);
void elf_info_free(struct elf_info *info);

/* The class and machine allocsel itself was built for. */
unsigned char elf_self_class(void);
uint16_t elf_self_machine(void);
bool elf_matches_self(const struct elf_info *info);
const char *elf_class_name(unsigned char elf_class);

/* A whole file mapped read-only, for looking for strings in libraries. */
struct file_map {
        const unsigned char *p;
        size_t size;
};

int file_map_fd(int fd, struct file_map *m);
void file_unmap(struct file_map *m);

#endif
