#!/bin/bash
# make bench (part 2): what the release helper gives back and what it costs,
# with Debian's own /usr/bin/python3 (what services run) on three shapes of
# bench/release_shapes.py: released at once, held idle 10 s then released,
# bursts separated by idle periods. Each shape under glibc, glibc with a
# preloaded thread that only sleeps (the cost floor of any thread), the
# shipped glibc, jemalloc and tcmalloc policies, the tcmalloc policy without
# its release section plus the sleeping thread (the floor the tcmalloc
# policy's CPU is held to: the helper's cost alone), and tcmalloc with its
# defaults (what the policy's tuning costs, for information). Runs are
# interleaved, the order rotating every round; the table shows medians, the
# ratios against the targets, and the CPU time of the helper's own thread
# (read from /proc by the workload itself: exact, where the totals are noisy).
# Run it on a quiet machine: flock /tmp/allocsel-heavy.lock make bench
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
contexts=${BENCH_CONTEXTS:-100}
rounds=${BENCH_RELEASE_ROUNDS:-3}
first=${BENCH_FIRST_ROUND:-1}     # rounds can be run apart: the rotation continues
shapes=${BENCH_SHAPES:-once hold bursts}
py=/usr/bin/python3
out=${BENCH_OUT:-$build/bench-release}
policies=$(mktemp -d /tmp/allocsel-bench-release.XXXXXX)
trap 'rm -rf "$policies"' EXIT

[ -x "$py" ] || { echo "bench/release.sh: $py (the distribution's Python) is needed" >&2; exit 1; }
mkdir -p "$out"
sleeper="$(pwd)/$build/bench/libsleeping-thread.so"
mkdir -p "$build/bench"
cc -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -fPIC -shared -o "$sleeper" bench/sleeping-thread.c -lpthread

chmod 755 "$policies"
cp conf/low-rss-glibc.conf "$policies/glibc-policy.conf"
cp conf/low-rss-jemalloc.conf "$policies/jemalloc-policy.conf"
cp conf/low-rss-tcmalloc.conf "$policies/tcmalloc-policy.conf"
grep -v '^release' conf/low-rss-tcmalloc.conf > "$policies/tcmalloc-floor.conf"
printf 'allocator = "tcmalloc-minimal";\n' > "$policies/tcmalloc.conf"
chmod 644 "$policies"/*.conf
run_as() { "$build/allocsel" --policy-dir "$policies" --no-monitor "$@"; }

configs=(glibc glibc+thread glibc-policy jemalloc-policy tcmalloc tcmalloc+thread tcmalloc-policy)
run_config() { # CONFIG SHAPE: prints the workload's JSON line
        local args=(bench/release_shapes.py "$2" "$contexts")
        case $1 in
        glibc)           "$py" "${args[@]}" ;;
        glibc+thread)    LD_PRELOAD="$sleeper" "$py" "${args[@]}" ;;
        tcmalloc+thread) LD_PRELOAD="$sleeper" run_as tcmalloc-floor "$py" "${args[@]}" ;;
        *)               run_as "$1" "$py" "${args[@]}" ;;
        esac 2>>"$out/stderr.log"
}

echo "release helper: $py bench/release_shapes.py SHAPE $contexts, $rounds interleaved round(s)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
: > "$out/stderr.log"
echo "shape,config,round,peak_kb,after_kb,cpu_s,sys_s,minflt,helper_s" > "$out/runs.csv"
for round in $(seq "$first" $((first + rounds - 1))); do
        for shape in $shapes; do
                n=${#configs[@]}
                for i in $(seq 0 $((n - 1))); do
                        config=${configs[$(((i + round) % n))]}
                        line=$(run_config "$config" "$shape" | tail -1)
                        python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(",".join([*sys.argv[2:], *(str(d[k]) for k in ("peak_kb", "after_kb", "cpu_s", "sys_s", "minflt", "helper_s"))]))' \
                                "$line" "$shape" "$config" "$round" >> "$out/runs.csv"
                        printf '.'
                done
        done
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 bench/release_table.py "$out/runs.csv"
