#!/bin/bash
# make bench: allocsel's start-up cost against the hand-written preload, with
# the host's monitor listening (the path services take), on a quiet machine
# and with a CPU-bound loop on every CPU; ratios from one interleaved run.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
runs=${BENCH_RUNS:-400}
cc -O2 -o "$build/startup" bench/startup.c

work=$(mktemp -d /tmp/allocsel-bench.XXXXXX)
spinners=()
trap 'kill "${spinners[@]}" 2>/dev/null; stop_monitor; stop_journald; rm -rf "$work"' EXIT
chmod 755 "$work"
policies="$work/policies"
mkdir -m 755 "$policies"
echo 'allocator = "jemalloc";' > "$policies/bench.conf"
chmod 644 "$policies/bench.conf"
lib=$("$build/allocsel" --policy-dir "$policies" --explain bench --json |
      /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["library"])')
true=$(command -v true)

. tests/lib.sh
. tests/blackbox/journal.sh
start_journald || true
# as allocsel-monitor.service runs it: Nice=19, so that it never preempts a service
MONITOR_NICE=19 start_monitor

compare() {
        "$build/startup" "$runs" "allocsel bench $true (monitor on)" \
                "$build/allocsel" --policy-dir "$policies" bench "$true" -- \
                "env LD_PRELOAD=... $true" env LD_PRELOAD="$lib" "$true"
}
echo "start-up: allocsel SERVICE true (jemalloc policy) vs env LD_PRELOAD=$lib true"
echo "journal: $(journal_listening && echo listening || echo none); monitor: listening on $ALLOCSEL_MONITOR_SOCKET"
echo "quiet machine (load $(cut -d' ' -f1-3 /proc/loadavg)):"
compare
echo "target: ratio at most 1.10"
echo
for _ in $(seq "$(nproc)"); do
        sh -c 'while :; do :; done' &
        spinners+=($!)
done
echo "a CPU-bound loop on each of the $(nproc) CPUs (load $(cut -d' ' -f1-3 /proc/loadavg)):"
compare
echo "target: ratio at most 1.10"
kill "${spinners[@]}" 2>/dev/null
wait "${spinners[@]}" 2>/dev/null || true
spinners=()
