#!/bin/bash
# make bench (part 2): what the release helper gives back, and what it costs,
# on the published workload shape (bench/ssl_contexts.py), through
# allocsel --compare --policies. Prints the table and the ratios to glibc.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
tasks=${BENCH_TASKS:-600}
runs=${BENCH_RELEASE_RUNS:-1}
policies=$(mktemp -d /tmp/allocsel-bench-release.XXXXXX)
out="$build/bench-release"
trap 'rm -rf "$policies"' EXIT
chmod 755 "$policies"
printf 'allocator = "glibc";\n' > "$policies/glibc.conf"
cp conf/low-rss-glibc.conf "$policies/glibc-release.conf"
cp conf/low-rss-jemalloc.conf "$policies/jemalloc-policy.conf"
printf 'allocator = "tcmalloc-minimal";\n' > "$policies/tcmalloc.conf"
cp conf/low-rss-tcmalloc.conf "$policies/tcmalloc-release.conf"
chmod 644 "$policies"/*.conf

echo "release helper: python3 bench/ssl_contexts.py $tasks 5 under each policy ($runs run(s) each)"
"$build/allocsel" --policy-dir "$policies" --compare --runs "$runs" --interval 250 --output "$out" \
        --policies glibc,glibc-release,jemalloc-policy,tcmalloc,tcmalloc-release -- \
        python3 bench/ssl_contexts.py "$tasks" 5
python3 - "$out/summary.json" <<'PY'
import json, sys
d = {a["name"]: a["median"] for a in json.load(open(sys.argv[1]))["allocators"] if a["median"]}
g = d["glibc"]
print("\nagainst glibc with its defaults:")
print(f"  {'policy':<18}{'end RSS':>10}{'CPU':>8}{'wall':>8}")
for name, m in d.items():
    print(f"  {name:<18}{m['end_rss_kb'] / g['end_rss_kb']:>10.2f}{m['cpu_ms'] / g['cpu_ms']:>8.2f}{m['wall_ms'] / g['wall_ms']:>8.2f}")
je = d.get("jemalloc-policy")
for name in ("glibc-release", "tcmalloc-release"):
    if je and name in d:
        base = g if name.startswith("glibc") else d.get("tcmalloc", g)
        print(f"  {name}: end RSS {d[name]['end_rss_kb'] / je['end_rss_kb']:.2f}x jemalloc's (target at most 2), "
              f"CPU {100 * (d[name]['cpu_ms'] / base['cpu_ms'] - 1):+.1f} % against "
              f"{'glibc' if base is g else 'tcmalloc'} without it (target at most +5 %)")
PY
