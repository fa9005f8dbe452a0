#!/bin/bash
# make bench: allocsel --check over 10,000 policy files that all use the
# same allocator (issue 13: 5.1 s when each probed the library again).
# Baseline: the same number of glibc policies, which name no library; the
# two sets are timed alternately, in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
n=${BENCH_POLICIES:-10000}
runs=${BENCH_RUNS:-5}

dir=$(mktemp -d /tmp/allocsel-bench-check.XXXXXX)
trap 'rm -rf "$dir"' EXIT
mkdir -m 755 "$dir/jemalloc" "$dir/glibc"
chmod 755 "$dir"
for ((i = 0; i < n; i++)); do
        printf 'allocator = "jemalloc";\njemalloc = { background_thread = true; dirty_decay_ms = 1000; };\n' \
                > "$dir/jemalloc/service-$i.conf"
        printf 'allocator = "glibc";\nglibc = { arena_max = 2; };\n' > "$dir/glibc/service-$i.conf"
done
chmod 644 "$dir"/*/*.conf

# seconds for one --check over a directory; fails the bench if --check does
check_seconds() {
        local start end
        start=$(date +%s%N)
        "$build/allocsel" --policy-dir "$1" --config "$dir/none.conf" --check >/dev/null
        end=$(date +%s%N)
        echo $(((end - start) / 1000))
}

je=() gl=()
for ((r = 0; r < runs; r++)); do
        je+=("$(check_seconds "$dir/jemalloc")")
        gl+=("$(check_seconds "$dir/glibc")")
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
je_us=$(median "${je[@]}")
gl_us=$(median "${gl[@]}")
echo "--check over $n policy files ($runs interleaved runs, medians; load: $(cut -d' ' -f1-3 /proc/loadavg))"
awk -v je="$je_us" -v gl="$gl_us" -v n="$n" 'BEGIN {
        printf "  jemalloc policies: %.3f s (%.0f us per policy)\n", je / 1e6, je / n
        printf "  glibc policies:    %.3f s (%.0f us per policy)\n", gl / 1e6, gl / n
        printf "  ratio jemalloc/glibc: %.2f (the library is read once, not per policy)\n", je / gl
        printf "target: jemalloc policies under 1 s: %s\n", je < 1e6 ? "met" : "NOT met"
}'
