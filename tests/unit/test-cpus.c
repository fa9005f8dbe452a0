/* The CPUs a service may use: cgroup quotas (v2 cpu.max, v1 CFS) over a
 * cgroup and its ancestors, found through mountinfo as the kernel writes
 * it; and the allocators' own arena rules. */
#include <errno.h>

#include "testutil.h"
#include "cpus.h"

static void test_cpu_max(void **state)
{
        unsigned cpus = 99;

        (void)state;
        assert_int_equal(cpu_max_parse("max 100000", &cpus), 0);
        assert_int_equal(cpus, 0);
        assert_int_equal(cpu_max_parse("50000 100000", &cpus), 0);
        assert_int_equal(cpus, 1);      /* half a CPU rounds up */
        assert_int_equal(cpu_max_parse("150000 100000", &cpus), 0);
        assert_int_equal(cpus, 2);
        assert_int_equal(cpu_max_parse("400000 100000", &cpus), 0);
        assert_int_equal(cpus, 4);
        assert_int_equal(cpu_max_parse("", &cpus), -EINVAL);
        assert_int_equal(cpu_max_parse("max", &cpus), -EINVAL);
        assert_int_equal(cpu_max_parse("-1 100000", &cpus), -EINVAL);
        assert_int_equal(cpu_max_parse("100000 0", &cpus), -EINVAL);
        assert_int_equal(cpu_max_parse("0 100000", &cpus), -EINVAL);
        assert_int_equal(cpu_max_parse("12x 100000", &cpus), -EINVAL);
        assert_int_equal(cpu_max_parse("99999999999999999999999 1", &cpus), -EINVAL);
        assert_int_equal(cfs_quota_parse("-1", "100000", &cpus), 0);
        assert_int_equal(cpus, 0);
        assert_int_equal(cfs_quota_parse("250000", "100000", &cpus), 0);
        assert_int_equal(cpus, 3);
        assert_int_equal(cfs_quota_parse("x", "100000", &cpus), -EINVAL);
}

static void test_arena_rules(void **state)
{
        (void)state;
        assert_int_equal(arenas_for_cpus(FAMILY_GLIBC, 1), 8);
        assert_int_equal(arenas_for_cpus(FAMILY_GLIBC, 3), 24);
        /* jemalloc's malloc_init_narenas: one arena on a single CPU */
        assert_int_equal(arenas_for_cpus(FAMILY_JEMALLOC, 1), 1);
        assert_int_equal(arenas_for_cpus(FAMILY_JEMALLOC, 2), 8);
        assert_int_equal(arenas_for_cpus(FAMILY_MIMALLOC, 2), 0);
}

static char *mkdirs(const char *dir, const char *sub)
{
        char *path, cmd[PATH_MAX * 2];

        assert_true(asprintf(&path, "%s/%s", dir, sub) > 0);
        snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
        assert_int_equal(system(cmd), 0);
        return path;
}

/* A cgroup2 hierarchy mounted at DIR/cg v2 (a path with a space, as
 * mountinfo escapes it): the tightest quota on the way up counts. */
static void test_v2_tree(void **state)
{
        char *dir = tmpdir_new(), *leaf, *mid, *mountinfo, *cgroup, *text;
        struct cpu_budget b;

        (void)state;
        leaf = mkdirs(dir, "cg v2/system.slice/web.service");
        mid = mkdirs(dir, "cg v2/system.slice");
        free(write_file(leaf, "cpu.max", "max 100000\n"));
        free(write_file(mid, "cpu.max", "150000 100000\n"));
        assert_true(asprintf(&text, "22 1 0:26 / %s/cg\\040v2 rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
                                    "23 1 0:27 / /proc rw - proc proc rw\n", dir) > 0);
        mountinfo = write_file(dir, "mountinfo", text);
        cgroup = write_file(dir, "cgroup", "0::/system.slice/web.service\n");
        assert_int_equal(cpu_quota_read(cgroup, mountinfo, &b), 0);
        assert_int_equal(b.quota, 2);
        assert_string_equal(b.quota_text, "150000 100000");
        assert_non_null(strstr(b.quota_file, "cg v2/system.slice/cpu.max"));
        /* the service's own quota tighter than its slice's */
        free(write_file(leaf, "cpu.max", "20000 100000\n"));
        assert_int_equal(cpu_quota_read(cgroup, mountinfo, &b), 0);
        assert_int_equal(b.quota, 1);
        assert_non_null(strstr(b.quota_file, "web.service/cpu.max"));
        /* a cgroup outside the mounted part of the hierarchy is not guessed at */
        free(text);
        assert_true(asprintf(&text, "22 1 0:26 /other %s/cg\\040v2 rw - cgroup2 cgroup2 rw\n", dir) > 0);
        free(mountinfo);
        mountinfo = write_file(dir, "mountinfo", text);
        assert_int_equal(cpu_quota_read(cgroup, mountinfo, &b), 0);
        assert_int_equal(b.quota, 0);
        assert_true(cpu_quota_read("/nonexistent/cgroup", mountinfo, &b) < 0);
        free(text);
        free(leaf);
        free(mid);
        free(mountinfo);
        free(cgroup);
        tmpdir_free(dir);
}

/* cgroup v1: the hierarchy with the cpu controller (not cpuset, not cpuacct alone). */
static void test_v1_tree(void **state)
{
        char *dir = tmpdir_new(), *leaf, *mountinfo, *cgroup, *text, *decoy;
        struct cpu_budget b;

        (void)state;
        leaf = mkdirs(dir, "cpu/svc");
        decoy = mkdirs(dir, "cpuset/svc");
        free(write_file(leaf, "cpu.cfs_quota_us", "250000\n"));
        free(write_file(leaf, "cpu.cfs_period_us", "100000\n"));
        free(write_file(decoy, "cpu.cfs_quota_us", "10000\n"));
        free(write_file(decoy, "cpu.cfs_period_us", "100000\n"));
        assert_true(asprintf(&text, "31 23 0:28 / %s/cpuset rw - cgroup cgroup rw,cpuset\n"
                                    "32 23 0:29 / %s/cpu rw - cgroup cgroup rw,cpu,cpuacct\n", dir, dir) > 0);
        mountinfo = write_file(dir, "mountinfo", text);
        cgroup = write_file(dir, "cgroup", "5:cpuset:/svc\n4:cpu,cpuacct:/svc\n1:name=systemd:/svc\n0::/svc\n");
        assert_int_equal(cpu_quota_read(cgroup, mountinfo, &b), 0);
        assert_int_equal(b.quota, 3);
        assert_string_equal(b.quota_text, "250000 per 100000");
        free(write_file(leaf, "cpu.cfs_quota_us", "-1\n"));
        assert_int_equal(cpu_quota_read(cgroup, mountinfo, &b), 0);
        assert_int_equal(b.quota, 0);
        free(text);
        free(leaf);
        free(decoy);
        free(mountinfo);
        free(cgroup);
        tmpdir_free(dir);
}

static void test_this_process(void **state)
{
        struct cpu_budget b;

        (void)state;
        assert_int_equal(cpu_budget_read(&b), 0);
        assert_true(b.affinity >= 1);
        assert_true(b.cpus >= 1 && b.cpus <= b.affinity);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_cpu_max),
                cmocka_unit_test(test_arena_rules),
                cmocka_unit_test(test_v2_tree),
                cmocka_unit_test(test_v1_tree),
                cmocka_unit_test(test_this_process),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
