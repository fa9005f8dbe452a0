/* Reading the small text files the kernel and the host provide (sysfs,
 * cgroup files): never blocking, never more than asked for. */
#ifndef ALLOCSEL_SYSFILE_H
#define ALLOCSEL_SYSFILE_H

#include <stddef.h>
#include <sys/types.h>

/* Reads up to size - 1 bytes of a regular file into buf, NUL-terminated,
 * with a trailing newline removed. Returns the length or -errno (-EINVAL
 * for anything that is not a regular file: a FIFO never blocks). */
ssize_t sysfile_read(const char *path, char *buf, size_t size);

#endif
