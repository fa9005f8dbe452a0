#!/bin/bash
# make bench: allocsel's start-up cost against the hand-written preload.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
runs=${BENCH_RUNS:-400}
cc -O2 -o "$build/startup" bench/startup.c

policies=$(mktemp -d /tmp/allocsel-bench.XXXXXX)
trap 'rm -rf "$policies"; stop_journald' EXIT
chmod 755 "$policies"
echo 'allocator = "jemalloc";' > "$policies/bench.conf"
chmod 644 "$policies/bench.conf"
lib=$("$build/allocsel" --policy-dir "$policies" --explain bench --json |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["library"])')
true=$(command -v true)

# Measure the path services take: with a journal listening.
. tests/lib.sh
. tests/blackbox/journal.sh
start_journald || true

echo "start-up: allocsel SERVICE true (jemalloc policy, --no-monitor) vs env LD_PRELOAD=$lib true"
echo "journal: $(journal_listening && echo listening || echo 'none (events go to stderr)')"
"$build/startup" "$runs" "allocsel --no-monitor bench $true" \
        "$build/allocsel" --policy-dir "$policies" --no-monitor bench "$true" -- \
        "env LD_PRELOAD=... $true" env LD_PRELOAD="$lib" "$true"
echo "target: ratio at most 1.10"
echo
echo "start-up with the monitor on: allocsel SERVICE true vs env LD_PRELOAD=$lib true"
"$build/startup" "$runs" "allocsel bench $true (monitor)" \
        "$build/allocsel" --policy-dir "$policies" bench "$true" -- \
        "env LD_PRELOAD=... $true" env LD_PRELOAD="$lib" "$true"
echo "target: ratio at most 1.5"
echo
"$build/allocsel" --policy-dir "$policies" bench sleep 3 2>/dev/null &
program=$!
for _ in $(seq 100); do
        monitor=$(pgrep -f "allocsel-monitor --watch=$program" || true)
        [ -n "$monitor" ] && grep -q '^RssAnon' "/proc/$monitor/status" 2>/dev/null && break
        sleep 0.02
done
echo "monitor's own memory while watching (target: RssAnon under 512 KiB):"
grep -E '^(RssAnon|RssFile|VmRSS)' "/proc/$monitor/status" | sed 's/^/  /'
wait "$program"
stop_journald
if [ "$(journal_listening && echo yes)" != yes ]; then
        echo
        echo "the same without a journal (events to stderr, no helper process):"
        "$build/startup" "$runs" "allocsel --no-monitor bench $true" \
                "$build/allocsel" --policy-dir "$policies" --no-monitor bench "$true" -- \
                "env LD_PRELOAD=... $true" env LD_PRELOAD="$lib" "$true"
fi
