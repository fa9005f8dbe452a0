/* The CPUs a service may use, for arena_max = "auto" and narenas = "auto":
 * its affinity mask (AllowedCPUs=, taskset) and the CPU quota (CPUQuota=)
 * of its cgroup and the cgroups above it, cgroup v2 cpu.max or v1
 * cpu.cfs_quota_us / cpu.cfs_period_us. The allocators count the host's. */
#ifndef ALLOCSEL_CPUS_H
#define ALLOCSEL_CPUS_H

#include <limits.h>
#include <stddef.h>

#include "library.h"

struct cpu_budget {
        unsigned cpus;                  /* the smaller of the two, at least 1 */
        unsigned affinity;              /* CPUs in the affinity mask */
        unsigned quota;                 /* CPUs the tightest quota allows, rounded up; 0: none */
        char quota_file[PATH_MAX + 32]; /* where that quota was read */
        char quota_text[64];            /* and what it says */
};

/* For this process, from /proc/self/cgroup and /proc/self/mountinfo. */
int cpu_budget_read(struct cpu_budget *ret);

/* The tightest quota over the cgroups cgroup_file names and their
 * ancestors, found through mountinfo_file: 0 with ret's quota fields
 * filled (quota 0: none), or -errno when the files cannot be read. */
int cpu_quota_read(const char *cgroup_file, const char *mountinfo_file, struct cpu_budget *ret);

/* "150000 100000" -> 2, "max 100000" -> 0 (no quota); -EINVAL otherwise. */
int cpu_max_parse(const char *text, unsigned *ret);
/* cpu.cfs_quota_us and cpu.cfs_period_us: "-1" -> 0 (no quota). */
int cfs_quota_parse(const char *quota, const char *period, unsigned *ret);

/* The allocator's own default for that many CPUs: glibc 8 arenas per CPU
 * (2 on 32-bit), jemalloc 4 per CPU but 1 on a single CPU; 0 for others. */
long long arenas_for_cpus(enum alloc_family family, unsigned cpus);

#endif
