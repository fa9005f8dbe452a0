#!/bin/bash
# make bench: allocsel --check over 10,000 policy files that all use the
# same allocator (issue 13: 5.1 s when each probed the library again), and
# over 10,000 whose values differ per service, as operators template them
# (issue 22: 50-56 s when each distinct tuning started a load probe):
# distinct numbers (one probe stands for them all) and distinct free text
# (jemalloc.extra: 32 probes, the rest "not probed"). Baseline: the same
# number of glibc policies, which name no library; the sets are timed
# alternately, in one run. Then what one load probe costs.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
n=${BENCH_POLICIES:-10000}
runs=${BENCH_RUNS:-5}

dir=$(mktemp -d /tmp/allocsel-bench-check.XXXXXX)
trap 'rm -rf "$dir"' EXIT
sets="jemalloc numbers text glibc"
for s in $sets probes-same probes-distinct; do mkdir -m 755 "$dir/$s"; done
chmod 755 "$dir"
for ((i = 0; i < n; i++)); do
        printf 'allocator = "jemalloc";\njemalloc = { background_thread = true; dirty_decay_ms = 1000; };\n' \
                > "$dir/jemalloc/service-$i.conf"
        printf 'allocator = "jemalloc";\njemalloc = { background_thread = true; dirty_decay_ms = %d; muzzy_decay_ms = %d; };\n' \
                $((1000 + i)) $((i % 5000)) > "$dir/numbers/service-$i.conf"
        printf 'allocator = "jemalloc";\njemalloc = { background_thread = true; extra = "dirty_decay_ms:%d"; };\n' \
                $((1000 + i)) > "$dir/text/service-$i.conf"
        printf 'allocator = "glibc";\nglibc = { arena_max = 2; };\n' > "$dir/glibc/service-$i.conf"
done
# one probe for all of these, against one each (LOAD_PROBE_MAX: all probed)
probes=32
for ((i = 0; i < probes; i++)); do
        printf 'allocator = "jemalloc";\njemalloc = { extra = "dirty_decay_ms:1000"; };\n' > "$dir/probes-same/service-$i.conf"
        printf 'allocator = "jemalloc";\njemalloc = { extra = "dirty_decay_ms:%d"; };\n' $((1000 + i)) \
                > "$dir/probes-distinct/service-$i.conf"
done
find "$dir" -name "*.conf" -exec chmod 644 {} +

# microseconds for one --check over a directory; fails the bench if --check does
check_us() {
        local start end
        start=$(date +%s%N)
        "$build/allocsel" --policy-dir "$1" --config "$dir/none.conf" --check >/dev/null 2>&1
        end=$(date +%s%N)
        echo $(((end - start) / 1000))
}
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }

declare -A times
for ((r = 0; r < runs; r++)); do
        for s in $sets probes-same probes-distinct; do
                times[$s]+="$(check_us "$dir/$s") "
        done
done
# shellcheck disable=SC2086 # the lists are words on purpose
for s in $sets probes-same probes-distinct; do times[$s]=$(median ${times[$s]}); done
not_probed=$("$build/allocsel" --policy-dir "$dir/text" --config "$dir/none.conf" --check 2>&1 | grep -c 'not probed' || true)

echo "--check over $n policy files ($runs interleaved runs, medians; load: $(cut -d' ' -f1-3 /proc/loadavg))"
awk -v je="${times[jemalloc]}" -v num="${times[numbers]}" -v txt="${times[text]}" -v gl="${times[glibc]}" \
    -v same="${times[probes-same]}" -v distinct="${times[probes-distinct]}" -v probes="$probes" \
    -v n="$n" -v not_probed="$not_probed" 'BEGIN {
        printf "  jemalloc policies, one tuning:         %.3f s (%.0f us per policy)\n", je / 1e6, je / n
        printf "  jemalloc, distinct numbers:            %.3f s (%.0f us per policy; one probe)\n", num / 1e6, num / n
        printf "  jemalloc, distinct jemalloc.extra:     %.3f s (%.0f us per policy; %d probes, %d not probed)\n", txt / 1e6, txt / n, n - not_probed, not_probed
        printf "  glibc policies:                        %.3f s (%.0f us per policy)\n", gl / 1e6, gl / n
        printf "  ratio jemalloc/glibc: %.2f (the library is read once, not per policy)\n", je / gl
        printf "load probe: %.2f ms each (%d policies with distinct jemalloc.extra %.3f s, with the same one %.3f s)\n",
                (distinct - same) / (probes - 1) / 1e3, probes, distinct / 1e6, same / 1e6
        worst = je > num ? je : num
        worst = worst > txt ? worst : txt
        printf "target: every jemalloc set under 1 s: %s\n", worst < 1e6 ? "met" : "NOT met"
}'
