"""The release benchmark's table: medians per shape and configuration from
one or more runs.csv, and the ratios the targets are about."""
import csv
import statistics
import sys
from collections import defaultdict

runs = defaultdict(list)
for path in sys.argv[1:]:
    with open(path) as f:
        for row in csv.DictReader(f):
            runs[row["shape"], row["config"]].append(row)


def median(shape, config, field):
    return statistics.median(float(r[field]) for r in runs[shape, config])


shapes = list(dict.fromkeys(s for s, _ in runs))
ORDER = ["glibc", "glibc+thread", "glibc-policy", "jemalloc-policy", "tcmalloc", "tcmalloc+thread", "tcmalloc-policy"]
configs = sorted(dict.fromkeys(c for _, c in runs), key=lambda c: ORDER.index(c) if c in ORDER else len(ORDER))
print(f"\n{'shape':<8}{'configuration':<18}{'peak RSS':>10}{'RSS 5 s after':>15}{'CPU':>9}"
      f"{'of it sys':>11}{'helper':>9}{'minor faults':>14}  runs")
for shape in shapes:
    for config in configs:
        if (shape, config) in runs:
            print(f"{shape:<8}{config:<18}{median(shape, config, 'peak_kb') / 1024:>7.0f} MiB"
                  f"{median(shape, config, 'after_kb') / 1024:>11.0f} MiB"
                  f"{median(shape, config, 'cpu_s'):>8.2f}s{median(shape, config, 'sys_s'):>10.2f}s"
                  f"{median(shape, config, 'helper_s') * 1000:>7.0f}ms"
                  f"{median(shape, config, 'minflt'):>14.0f}  {len(runs[shape, config])}")

missed = 0
print("\ntargets (medians):")
for shape in shapes:
    def ratio(a, b, field):
        return median(shape, a, field) / median(shape, b, field)
    checks = [
        ("glibc policy RSS after / jemalloc policy's", ratio("glibc-policy", "jemalloc-policy", "after_kb"), 1.5),
        ("tcmalloc policy RSS after / jemalloc policy's", ratio("tcmalloc-policy", "jemalloc-policy", "after_kb"), 1.5),
        ("glibc policy CPU / glibc + sleeping thread", ratio("glibc-policy", "glibc+thread", "cpu_s"), 1.02),
        ("tcmalloc policy CPU / its tuning + sleeping thread", ratio("tcmalloc-policy", "tcmalloc+thread", "cpu_s"), 1.02),
    ]
    for name, value, limit in checks:
        ok = value <= limit
        missed += not ok
        print(f"  {shape:<8}{name:<52}{value:>6.3f}  (at most {limit})  {'met' if ok else 'MISSED'}")
    for config in ("glibc-policy", "tcmalloc-policy"):
        share = median(shape, config, "helper_s") / median(shape, config, "cpu_s")
        print(f"  {shape:<8}{config + ': its helper thread, share of its CPU':<52}{100 * share:>5.1f}%")
    print(f"  {shape:<8}{'the thread itself: glibc + sleeping thread / glibc':<52}"
          f"{ratio('glibc+thread', 'glibc', 'cpu_s'):>6.3f}")
    if (shape, "tcmalloc") in runs:
        print(f"  {shape:<8}{'tcmalloc policy CPU / tcmalloc defaults':<52}"
              f"{ratio('tcmalloc-policy', 'tcmalloc', 'cpu_s'):>6.3f}")
print(f"\n{missed} target(s) missed" if missed else "\nevery target met")
