#!/bin/bash
# make check-build (2/2): allocsel on RHEL 8's kernel (4.18), where
# pidfd_open, close_range and clone3 do not exist (tests/old-kernel.c makes
# them fail with ENOSYS): the monitor polls /proc instead of a pidfd, still
# holds none of the program's descriptors, and --compare still collects the
# exit status and CPU time.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build="$top/${BUILD:-build}"
. "$top/tests/lib.sh"

old="$build/tests/old-kernel" allocsel="$build/allocsel" eater="$build/tests/eater"
work=$(mktemp -d /tmp/allocsel-old-kernel.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
pd="$work/policies"
mkdir -m 755 "$pd"
printf 'allocator = "glibc";\nmonitor = { startup_sample_ms = 100; sample_interval_ms = 100; };\n' >"$pd/svc.conf"
chmod 644 "$pd/svc.conf"

if [ "$("$old" true 2>&1; echo $?)" != 0 ]; then
        skip "allocsel on RHEL 8's kernel" "$("$old" true 2>&1)"
        finish; exit
fi
run_capture "$old" /usr/bin/python3 -c \
        'import ctypes, os; l = ctypes.CDLL(None, use_errno=True); print(l.syscall(434, os.getpid(), 0), ctypes.get_errno())'
expect_eq "old-kernel: pidfd_open fails with ENOSYS" "-1 38" "$out"

# the events on stderr: no journal in a mount namespace of our own (a
# prefix, not a function: the program must keep the PID that $! names)
if [ "$(id -u)" = 0 ]; then
        no_journal=(unshare -m sh -c '[ ! -d /run/systemd/journal ] || mount -t tmpfs tmpfs /run/systemd/journal; exec "$@"' no_journal)
else
        no_journal=()
        skip "hiding the journal" "needs root; where a journal listens the events go there"
fi

# the host's monitor and allocsel both on the old kernel: no pidfd passed,
# the monitor polls /proc and compares start times
export ALLOCSEL_MONITOR_SOCKET="$work/monitor/monitor.socket"
"${no_journal[@]}" "$old" "$build/allocsel-monitor" >"$work/monitor.err" 2>&1 &
monitor=$!
for _ in $(seq 200); do [ -S "$ALLOCSEL_MONITOR_SOCKET" ] && break; sleep 0.02; done
name="pidfd_open, close_range, clone3 missing"
"$old" "$allocsel" --policy-dir "$pd" svc "$eater" 10 1000 3 >/dev/null 7>"$work/extra-fd" 2>"$work/err" &
pid=$!
for _ in $(seq 200); do grep -q "svc: started" "$work/monitor.err" && break; sleep 0.01; done
expect_has "$name: the monitor logs the start" "svc: started" "$(cat "$work/monitor.err")"
fds=$(ls -l "/proc/$monitor/fd" 2>/dev/null | awk 'NR > 1 {print $NF}' | tr '\n' ' ')
expect_not_has "$name: the monitor watches without a pidfd" "pidfd" "$fds"
expect_not_has "$name: ...and holds none of the program's descriptors" "extra-fd" "$fds"
wait "$pid"
expect_eq "$name: the program's own exit status" 3 "$?"
for _ in $(seq 100); do grep -q 'exited after' "$work/monitor.err" && break; sleep 0.02; done
expect_has "$name: the monitor logs the exit (polling /proc)" "svc: PID $pid exited after" "$(cat "$work/monitor.err")"
kill "$monitor"; wait "$monitor" 2>/dev/null
unset ALLOCSEL_MONITOR_SOCKET

"$old" "$allocsel" --compare --allocators glibc --interval 50 --output "$work/cmp" -- \
        sh -c 'i=0; while [ $i -lt 200000 ]; do i=$((i + 1)); done; exit 4' >/dev/null 2>&1
summary=$(cat "$work/cmp/summary.json" 2>&1)
expect_has "--compare without pidfd: the exit status" '"exit_status":4' "$summary"
cpu=$(grep -o '"cpu_ms":[0-9]*' <<<"$summary" | head -1 | cut -d: -f2)
[ "${cpu:-0}" -gt 50 ] && pass "--compare without pidfd: the CPU time ($cpu ms)" \
        || fail "--compare without pidfd: the CPU time" "$summary"
finish
