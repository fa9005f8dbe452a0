#!/bin/bash
# make check-systemd: units whose ExecStart goes through allocsel, started and
# stopped by a real systemd booted in a throwaway container (the host's root
# under a tmpfs overlay; see shared/notes/systemd-in-a-container.md). The
# checkout and the work directory are bound in explicitly: nspawn gives the
# container a /tmp of its own.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build="$top/${BUILD:-build}"
. "$top/tests/lib.sh"

cannot() {
        echo "!!! systemd tests cannot run here: $1"
        if [ -n "${CI:-}" ]; then
                fail "systemd container: $1"
                finish
                exit 1
        fi
        skip "systemd tests" "$1 (not CI: reported, not failed)"
        finish
        exit 0
}
[ "$(id -u)" = 0 ] || cannot "needs root"
command -v systemd-nspawn >/dev/null || cannot "systemd-nspawn missing (package systemd-container)"

work=$(mktemp -d /tmp/allocsel-systemd.XXXXXX)
chmod 755 "$work"
mkdir -m 755 "$work/policies" "$work/root"
cg=/sys/fs/cgroup/unified
[ -d "$cg" ] || cg=/sys/fs/cgroup
own_cg="$cg/allocsel-systemd-test-$$"
nspawn=

cleanup() {
        if [ -n "$nspawn" ]; then
                kill -TERM "$nspawn" 2>/dev/null
                wait "$nspawn" 2>/dev/null
        fi
        # leave no cgroup behind: back to the root group, then remove ours
        echo $$ > "$cg/cgroup.procs" 2>/dev/null
        for d in "$own_cg"/payload "$own_cg"/supervisor "$own_cg"; do
                [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
        done
        rm -rf "$work"
}
trap cleanup EXIT

for svc in sd-simple sd-notify; do
        cat > "$work/policies/$svc.conf" <<EOF2
allocator = "jemalloc";
jemalloc = { background_thread = true; };
monitor = { startup_sample_ms = 300; sample_interval_ms = 100; };
EOF2
        chmod 644 "$work/policies/$svc.conf"
done

# nspawn leaves payload/supervisor cgroups beside its own: give it ours
mkdir -p "$own_cg" && echo $$ > "$own_cg/cgroup.procs" || cannot "cannot create a cgroup of our own"
LIBMOUNT_UTAB="$work/utab" SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 \
unshare -m --propagation private bash -c '
        mount -t tmpfs tmpfs /run/systemd && mount --bind / "$1" &&
        exec systemd-nspawn -q -D "$1" --volatile=overlay --register=no --keep-unit \
                --link-journal=no --private-network --bind="$2" --bind="$3" \
                -b systemd.unit=basic.target' _ "$work/root" "$top" "$work" \
        >"$work/nspawn.log" 2>&1 </dev/null &
nspawn=$!

# the container's PID 1: a process whose NSpid ends in 1, below nspawn
container=
for _ in $(seq 200); do
        for s in /proc/[0-9]*/status; do
                if awk '/^NSpid:/ { exit !(NF == 3 && $3 == 1) }' "$s" 2>/dev/null; then
                        p=${s#/proc/}; p=${p%/status}
                        ppid=$(awk '/^PPid:/ {print $2}' "$s")
                        gp=$(awk '/^PPid:/ {print $2}' "/proc/$ppid/status" 2>/dev/null)
                        if [ "$ppid" = "$nspawn" ] || [ "$gp" = "$nspawn" ]; then container=$p; break 2; fi
                fi
        done
        kill -0 "$nspawn" 2>/dev/null || break
        sleep 0.05
done
[ -n "$container" ] || cannot "the container did not start: $(tail -5 "$work/nspawn.log" | tr '\n' ' ')"
inside() { nsenter -t "$container" -a "$@"; }
state=
for _ in $(seq 300); do
        state=$(inside systemctl is-system-running 2>/dev/null)
        case "$state" in running|degraded) break ;; esac
        sleep 0.1
done
case "$state" in running|degraded) pass "systemd booted in the container ($state)" ;;
        *) cannot "systemd did not reach running: $state" ;; esac

# The host's monitor as the packages install it (the build's program), started
# by its socket on the first record.
# (installed in the container's own /usr: the unit's PrivateTmp= hides a
# checkout under /tmp, as CI's may be)
inside install -Dm755 "$build/allocsel-monitor" /usr/lib/allocsel-test/allocsel-monitor
inside sh -c "cat > /etc/systemd/system/allocsel-monitor.socket" <"$build/allocsel-monitor.socket"
sed "s|^ExecStart=.*|ExecStart=/usr/lib/allocsel-test/allocsel-monitor|" "$build/allocsel-monitor.service" |
        inside sh -c "cat > /etc/systemd/system/allocsel-monitor.service"
inside systemctl daemon-reload
inside systemctl start allocsel-monitor.socket
expect_eq "monitor: the socket listens" active "$(inside systemctl is-active allocsel-monitor.socket)"
inside "$build/allocsel" --status >/dev/null 2>&1
expect_eq "monitor: socket activation starts the monitor" active "$(inside systemctl is-active allocsel-monitor.service)"

inside sh -c "cat > /etc/systemd/system/allocsel-simple.service" <<EOF2
[Service]
Type=simple
ExecStart=$build/allocsel --policy-dir $work/policies sd-simple $build/tests/eater 20 600000
EOF2
inside sh -c "cat > /etc/systemd/system/allocsel-notify.service" <<EOF2
[Service]
Type=notify
ExecStart=$build/allocsel --policy-dir $work/policies sd-notify $build/tests/notify-ready
EOF2
# keeps the units loaded after they stop, so systemctl show still answers
inside sh -c "cat > /etc/systemd/system/allocsel-test.target" <<EOF2
[Unit]
After=allocsel-simple.service allocsel-notify.service
EOF2
inside systemctl daemon-reload
inside systemctl start allocsel-test.target

# unit_record UNIT MESSAGE_ID: waits for the unit's first record with that id
unit_record() {
        local r
        for _ in $(seq 100); do
                r=$(inside journalctl -o json --no-pager -u "$1" "MESSAGE_ID=$2" 2>/dev/null | head -1)
                [ -n "$r" ] && { printf '%s\n' "$r"; return 0; }
                sleep 0.1
        done
        return 1
}
jf() { python3 -c 'import json,sys; r=json.loads(sys.argv[1]) if sys.argv[1].strip() else {}; print(r.get(sys.argv[2], ""))' "$1" "$2"; }
id() { sed -n "s/.*MESSAGE_ID_$1 *\"\(.*\)\"/\1/p" "$top/include/messages.h"; }

for unit in allocsel-simple allocsel-notify; do
        inside systemctl start "$unit.service"
        expect_eq "$unit: started" 0 "$?"
        expect_eq "$unit: active" active "$(inside systemctl is-active "$unit.service")"
        main=$(inside systemctl show -p MainPID --value "$unit.service")
        rec=$(unit_record "$unit.service" "$(id STARTED)")
        expect_eq "$unit: MainPID is the program's PID (started event)" "$main" "$(jf "$rec" ALLOCSEL_PID)"
        expect_eq "$unit: the main process is the program, not allocsel" \
                "$([ "$unit" = allocsel-simple ] && echo eater || echo notify-ready)" "$(inside cat "/proc/$main/comm")"
        rec=$(unit_record "$unit.service" "$(id STARTUP_RSS)")
        expect_eq "$unit: startup RSS event in the unit's journal, library loaded" true "$(jf "$rec" ALLOCSEL_LOADED)"
        start=$(date +%s%N)
        inside systemctl stop "$unit.service"
        took=$(( ($(date +%s%N) - start) / 1000000 ))
        expect_eq "$unit: clean stop (Result)" success "$(inside systemctl show -p Result --value "$unit.service")"
        [ "$took" -lt 5000 ] && pass "$unit: stop took ${took} ms (the monitor left promptly)" \
                || fail "$unit: stop took ${took} ms"
        rec=$(unit_record "$unit.service" "$(id EXITED)")
        [ -n "$rec" ] && pass "$unit: exited event in the unit's journal" || fail "$unit: exited event in the unit's journal"
done

# procs UNIT: the PIDs in the unit's cgroup
procs() { inside sh -c "cat /sys/fs/cgroup/system.slice/$1/cgroup.procs 2>/dev/null || cat /sys/fs/cgroup/unified/system.slice/$1/cgroup.procs" | sort -n | tr '\n' ' '; }
policy() { printf '%s\n' "$2" >"$work/policies/$1.conf"; chmod 644 "$work/policies/$1.conf"; }
unit() { inside sh -c "cat > /etc/systemd/system/$1.service"; }

echo "# one process in the service's cgroup: the program; records are root's, about the unit"
policy sd-one 'allocator = "jemalloc"; monitor = { startup_sample_ms = 200; };'
unit allocsel-one <<EOF2
[Service]
ExecStart=$build/allocsel --policy-dir $work/policies sd-one $build/tests/eater 10 600000
EOF2
unit allocsel-nobody <<EOF2
[Service]
User=nobody
ExecStart=$build/allocsel --policy-dir $work/policies sd-one $build/tests/eater 10 600000
EOF2
inside systemctl daemon-reload
for u in allocsel-one allocsel-nobody; do
        inside systemctl start "$u.service"
        main=$(inside systemctl show -p MainPID --value "$u.service")
        rec=$(unit_record "$u.service" "$(id STARTUP_RSS)")
        expect_eq "$u: the only process in the unit's cgroup is the program" "$main " "$(procs "$u.service")"
        rec=$(unit_record "$u.service" "$(id STARTED)")
        expect_eq "$u: journalctl -u shows the started record, root's, about the main PID" "0 $main" \
                "$(jf "$rec" _UID) $(jf "$rec" OBJECT_PID)"
        expect_eq "$u: ...sent by the service's user" "$([ $u = allocsel-nobody ] && echo 65534 || echo 0)" \
                "$(jf "$rec" ALLOCSEL_SENDER_UID)"
        rec=$(unit_record "$u.service" "$(id STARTUP_RSS)")
        expect_eq "$u: ...the startup record too" "0 true" "$(jf "$rec" _UID) $(jf "$rec" ALLOCSEL_LOADED)"
        inside systemctl stop "$u.service"
        rec=$(unit_record "$u.service" "$(id EXITED)")
        expect_eq "$u: ...and the exit record" "0 $main" "$(jf "$rec" _UID) $(jf "$rec" OBJECT_PID)"
done
status=$(inside "$build/allocsel" --status 2>&1)
expect_has "--status asks the host's monitor" "SERVICE" "$status"

echo "# Type=forking without PIDFile=: systemd finds the daemon every time"
policy sd-fork 'allocator = "jemalloc"; monitor = { startup_sample_ms = 100; };'
unit allocsel-fork <<EOF2
[Service]
Type=forking
Restart=on-failure
RestartSec=100ms
ExecStart=$build/allocsel --policy-dir $work/policies sd-fork /bin/sh -c '$build/tests/eater 10 600000 >/dev/null 2>&1 & exit 0'
EOF2
inside systemctl daemon-reload
found=0
for i in $(seq 8); do
        inside systemctl start allocsel-fork.service
        main=$(inside systemctl show -p MainPID --value allocsel-fork.service)
        [ "$main" != 0 ] && [ "$(inside cat "/proc/$main/comm" 2>/dev/null)" = eater ] && found=$((found + 1))
        [ "$i" -lt 8 ] && inside systemctl stop allocsel-fork.service
done
expect_eq "forking: MainPID is the daemon in 8 of 8 starts" 8 "$found"
rec=$(unit_record allocsel-fork.service "$(id EXITED)")
expect_has "forking: the exit record follows the daemon" "\"ALLOCSEL_FOLLOWED_PID\"" "$rec"
before=$(inside systemctl show -p NRestarts --value allocsel-fork.service)
inside kill -SEGV "$main"
for _ in $(seq 100); do
        now=$(inside systemctl show -p MainPID --value allocsel-fork.service)
        [ "$now" != "$main" ] && [ "$now" != 0 ] && break
        sleep 0.1
done
expect_eq "forking: a SIGSEGV of the daemon restarts it (Restart=on-failure)" "$((before + 1)) active" \
        "$(inside systemctl show -p NRestarts --value allocsel-fork.service) $(inside systemctl is-active allocsel-fork.service)"
inside systemctl stop allocsel-fork.service

echo "# systemctl kill signals the whole cgroup: only the program is there"
policy sd-kill 'allocator = "jemalloc"; monitor = { startup_sample_ms = 100; };'
unit allocsel-kill <<EOF2
[Service]
ExecStart=$build/allocsel --policy-dir $work/policies sd-kill /usr/bin/python3 -c 'import signal, time; [signal.signal(s, lambda *a: None) for s in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGQUIT)]; time.sleep(600)'
EOF2
inside systemctl daemon-reload
inside systemctl start allocsel-kill.service
unit_record allocsel-kill.service "$(id STARTUP_RSS)" >/dev/null
main=$(inside systemctl show -p MainPID --value allocsel-kill.service)
for sig in USR1 USR2 QUIT; do
        inside systemctl kill -s "$sig" allocsel-kill.service
done
sleep 0.5 # (nothing to wait for: the service must simply still be there)
expect_eq "systemctl kill -s USR1/USR2/QUIT: the service runs on, same PID" "active $main" \
        "$(inside systemctl is-active allocsel-kill.service) $(inside systemctl show -p MainPID --value allocsel-kill.service)"
inside systemctl stop allocsel-kill.service
unit_record allocsel-kill.service "$(id EXITED)" >/dev/null && pass "systemctl kill: the exit record is written" \
        || fail "systemctl kill: the exit record is written"

echo "# SystemCallFilter=: the service starts with its own PID and exit status"
policy sd-seccomp 'allocator = "jemalloc"; monitor = { startup_sample_ms = 100; };'
n=0
for filter in "~@ipc" "~@network-io" "~@privileged @resources"; do
        n=$((n + 1))
        unit "allocsel-seccomp$n" <<EOF2
[Service]
SystemCallFilter=@system-service
SystemCallFilter=$filter
ExecStart=$build/allocsel --policy-dir $work/policies sd-seccomp $build/tests/eater 5 300 7
EOF2
done
inside systemctl daemon-reload
n=0
for filter in "~@ipc" "~@network-io" "~@privileged @resources"; do
        n=$((n + 1))
        inside systemctl start "allocsel-seccomp$n.service"
        for _ in $(seq 100); do
                [ "$(inside systemctl is-active "allocsel-seccomp$n.service")" = failed ] && break
                sleep 0.1
        done
        expect_eq "SystemCallFilter=@system-service $filter: the program ran and exited 7 (CLD_EXITED)" "1 7" \
                "$(inside systemctl show -p ExecMainCode --value "allocsel-seccomp$n.service") $(inside systemctl show -p ExecMainStatus --value "allocsel-seccomp$n.service")"
        # eater prints its PID: the one systemd started
        expect_has "SystemCallFilter=@system-service $filter: ...in the PID systemd started" \
                "pid=$(inside systemctl show -p ExecMainPID --value "allocsel-seccomp$n.service")" \
                "$(inside journalctl -o cat --no-pager -u "allocsel-seccomp$n.service")"
done
msgs=$(inside journalctl -o cat --no-pager -u allocsel-seccomp2.service)
expect_has "~@network-io: one line says why the record was not sent" "seccomp" "$msgs"

echo "# a restart of the monitor (a package upgrade) while services run"
inside systemctl start allocsel-one.service
unit_record allocsel-one.service "$(id STARTUP_RSS)" >/dev/null
oldmon=$(inside systemctl show -p MainPID --value allocsel-monitor.service)
inside systemctl restart allocsel-monitor.service
newmon=$(inside systemctl show -p MainPID --value allocsel-monitor.service)
[ "$newmon" != "$oldmon" ] && [ "$newmon" != 0 ] && pass "monitor restart: a new monitor runs" \
        || fail "monitor restart: a new monitor runs" "$oldmon -> $newmon"
expect_has "monitor restart: --status still lists the service" "sd-one" "$(inside "$build/allocsel" --status 2>&1)"
inside systemctl stop allocsel-one.service
for _ in $(seq 100); do
        rec=$(inside journalctl -o json --no-pager -u allocsel-one.service "MESSAGE_ID=$(id EXITED)" _PID="$newmon" | head -1)
        [ -n "$rec" ] && break
        sleep 0.1
done
[ -n "$rec" ] && pass "monitor restart: the exit after the restart is recorded, by the new monitor" \
        || fail "monitor restart: the exit after the restart is recorded, by the new monitor"

# The fleet report inside: the program's exit status comes from systemd's own
# records, joined by the invocation ID allocsel logged.
cat > "$work/policies/sd-exit.conf" <<EOF2
allocator = "jemalloc";
monitor = { startup_sample_ms = 100; };
EOF2
chmod 644 "$work/policies/sd-exit.conf"
inside sh -c "cat > /etc/systemd/system/allocsel-exit3.service" <<EOF2
[Service]
ExecStart=$build/allocsel --policy-dir $work/policies sd-exit $build/tests/eater 5 1500 3
EOF2
inside systemctl daemon-reload
inside systemctl start allocsel-exit3.service
for _ in $(seq 100); do
        [ "$(inside systemctl is-active allocsel-exit3.service)" = failed ] && break
        sleep 0.1
done
invocation=$(inside systemctl show -p InvocationID --value allocsel-exit3.service)
unit_record allocsel-exit3.service "$(id EXITED)" >/dev/null
for _ in $(seq 50); do
        report=$(inside "$build/allocsel" --report --json --runs 2>&1)
        grep -q '"exit_status":3' <<<"$report" && break
        sleep 0.1
done
rj() { python3 -c 'import json,sys
runs = [json.loads(l) for l in sys.argv[1].splitlines() if l.startswith("{")]
r = [o for o in runs if o["unit"] == sys.argv[2]]
print(" ".join(str(r[-1].get(k)) for k in sys.argv[3:]) if r else "no run")' "$report" "$@"; }
expect_eq "report: a unit's run joins systemd's records by invocation ID, exit status 3" \
        "$invocation exited 3 True" "$(rj allocsel-exit3.service invocation_id exit_code exit_status loaded)"
expect_eq "report: a unit stopped cleanly exited with success" "success None" \
        "$(rj allocsel-simple.service exit_code exit_status)"

[ -n "${DEBUG_SYSTEMD:-}" ] && inside journalctl --no-pager -o cat -u allocsel-monitor.service | grep DEBUG | head -20
finish
