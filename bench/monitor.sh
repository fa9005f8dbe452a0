#!/bin/bash
# make bench: what the host's monitor costs per watched program: its memory
# (RssAnon) and CPU (utime + stime) while it watches 1,000 programs through
# allocsel, each sampled at the policy's default interval (1 s).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
n=${BENCH_WATCHED:-1000}
seconds=${BENCH_MONITOR_SECONDS:-30}

work=$(mktemp -d /tmp/allocsel-bench.XXXXXX)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; stop_monitor; stop_journald; rm -rf "$work"' EXIT
chmod 755 "$work"
mkdir -m 755 "$work/policies"
echo 'allocator = "jemalloc";' >"$work/policies/watched.conf"
chmod 644 "$work/policies/watched.conf"

. tests/lib.sh
. tests/blackbox/journal.sh
start_journald || true
start_monitor
anon() { awk '/^RssAnon:/ {print $2}' "/proc/$monitor_pid/status"; }
ticks() { awk '{print $14 + $15}' "/proc/$monitor_pid/stat"; }
before=$(anon)
for _ in $(seq "$n"); do
        "$build/allocsel" --policy-dir "$work/policies" watched sleep 3600 >/dev/null 2>&1 &
        pids+=($!)
done
watched=0
for _ in $(seq 300); do
        watched=$("$build/allocsel" --status --json | grep -c '"service":"watched"' || true)
        [ "$watched" -ge "$n" ] && break
        sleep 0.1
done
# past every program's first minute of frequent samples? no: past their
# first seconds (gaps reach the 1 s interval at 20 s of age)
sleep 20
after=$(anon)
t0=$(ticks)
sleep "$seconds"
t1=$(ticks)
hz=$(getconf CLK_TCK)
echo "allocsel-monitor watching $watched programs (load $(cut -d' ' -f1-3 /proc/loadavg)):"
echo "  private memory: $before KiB idle, $after KiB watching: $(( (after - before) * 1024 / n )) bytes per watched program (target: at most 4096)"
/usr/bin/python3 -c 'import sys; t0, t1, hz, s = map(float, sys.argv[1:]); print("  CPU: %.2f %% of one CPU over %d s (target: at most 1 %%)" % ((t1 - t0) / hz / s * 100, s))' \
        "$t0" "$t1" "$hz" "$seconds"
