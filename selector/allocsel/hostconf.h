/* What the host sets for every program's allocator, outside any policy:
 * the kernel's transparent huge page mode and the /etc/malloc.conf link
 * jemalloc reads. Data only: plan_host.c judges it for a plan. */
#ifndef ALLOCSEL_HOSTCONF_H
#define ALLOCSEL_HOSTCONF_H

#include <stddef.h>

#define THP_ENABLED_FILE "/sys/kernel/mm/transparent_hugepage/enabled"
/* For tests only: read these instead of the host's own. */
#define THP_ENABLED_TEST_VAR "ALLOCSEL_TEST_THP_ENABLED"
#define MALLOC_CONF_LINK_TEST_VAR "ALLOCSEL_TEST_MALLOC_CONF_LINK"

/* THP_ENABLED_FILE, or the test's file. */
const char *thp_enabled_file(void);

/* The selected mode, the word in brackets of "always [madvise] never",
 * read from path. 0, or -errno (-EINVAL: no mode in it). */
int thp_mode_read(const char *path, char *buf, size_t size);

/* The link jemalloc reads for the variable conf_var ("MALLOC_CONF":
 * /etc/malloc.conf; a prefixed build's "JE_MALLOC_CONF": /etc/je_malloc.conf),
 * or the test's link. Caller frees; NULL when out of memory. */
char *jemalloc_conf_link(const char *conf_var);

#endif
