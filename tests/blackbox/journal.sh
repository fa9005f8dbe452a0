# Journal tests: events read back from a real systemd-journald with
# journalctl -o json. Starts a journald when none runs (as root), and stops
# only the one it started.
started_journald=

journal_listening() {
        python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.connect(sys.argv[1])' \
                /run/systemd/journal/socket 2>/dev/null
}

start_journald() {
        journal_listening && return 0
        [ "$(id -u)" = 0 ] || return 1
        mkdir -p /run/systemd/journal
        /lib/systemd/systemd-journald >/dev/null 2>&1 &
        started_journald=$!
        for _ in $(seq 100); do
                journal_listening && return 0
                kill -0 "$started_journald" 2>/dev/null || return 1
                sleep 0.05
        done
        return 1
}

stop_journald() {
        [ -n "$started_journald" ] || return 0
        kill "$started_journald" 2>/dev/null
        wait "$started_journald" 2>/dev/null
        # leave no socket behind that looks like a journal to the next program
        rm -f /run/systemd/journal/socket /run/systemd/journal/stdout /run/systemd/journal/dev-log \
                /run/systemd/journal/syslog
        started_journald=
}

# start_monitor [ARGS...]: the host's monitor, in the foreground on a
# socket of the suite's own ($ALLOCSEL_MONITOR_SOCKET, exported), its
# stderr in $work/monitor.log, at $MONITOR_NICE if set (the unit's Nice=).
# Sets $monitor_pid.
monitor_pid=
start_monitor() {
        export ALLOCSEL_MONITOR_SOCKET="$work/monitor/monitor.socket"
        rm -rf "$work/monitor"
        ${MONITOR_NICE:+nice -n "$MONITOR_NICE"} "$build/allocsel-monitor" "$@" >"$work/monitor.log" 2>&1 &
        monitor_pid=$!
        for _ in $(seq 200); do
                [ -S "$ALLOCSEL_MONITOR_SOCKET" ] && return 0
                kill -0 "$monitor_pid" 2>/dev/null || return 1
                sleep 0.02
        done
        return 1
}

stop_monitor() {
        [ -n "$monitor_pid" ] || return 0
        kill "$monitor_pid" 2>/dev/null
        wait "$monitor_pid" 2>/dev/null
        monitor_pid=
        unset ALLOCSEL_MONITOR_SOCKET
}

# journal_wait FIELD=VALUE COUNT: waits (up to 10 s) until COUNT records
# match, then prints them as JSON lines (--all: fields over 4 KiB too).
journal_wait() {
        local records
        for _ in $(seq 200); do
                journalctl --sync 2>/dev/null
                records=$(journalctl -o json --all --no-pager "$1" 2>/dev/null)
                if [ "$(grep -c . <<<"$records")" -ge "$2" ] && [ -n "$records" ]; then
                        printf '%s\n' "$records"
                        return 0
                fi
                sleep 0.05
        done
        printf '%s\n' "$records"
        return 1
}

# jfield JSON FIELD: a field's value (arrays joined with newlines)
jfield() {
        python3 -c 'import json,sys
r=json.loads(sys.argv[1]) if sys.argv[1].strip() else {}; v=r.get(sys.argv[2])
print("\n".join(v) if isinstance(v,list) else ("" if v is None else v))' "$1" "$2"
}

journal_tests() {
        if ! start_journald; then
                if [ -n "${CI:-}" ]; then
                        fail "journal: no systemd-journald could be started"
                else
                        skip "journal tests" "no journal and not root"
                fi
                return
        fi
        local svc="jtest-$$-$RANDOM" rec pid big mon
        cp "$pd/je.conf" "$pd/$svc.conf"

        echo "# journal: without the monitor's socket the record goes to stderr"
        ALLOCSEL_MONITOR_SOCKET="$work/no-monitor.socket" run "$svc" true
        expect_eq "no monitor: the program runs" 0 "$rc"
        expect_has "no monitor: the started record is on stderr, one line" "allocsel: $svc: started /usr/bin/true" "$err"
        expect_eq "no monitor: ...one line" 1 "$(grep -c . <<<"$err")"

        if ! start_monitor; then
                fail "journal: allocsel-monitor starts" "$(cat "$work/monitor.log")"
                stop_journald
                return
        fi
        mon=$monitor_pid
        run "$svc" sh -c 'echo $$'
        pid=$out
        expect_eq "journal: program runs" 0 "$rc"
        expect_not_has "journal: started event not on stderr when the monitor takes it" "started" "$err"
        rec=$(journal_wait "ALLOCSEL_SERVICE=$svc" 1 | head -1)
        expect_eq "journal: started MESSAGE_ID" "$(sed -n 's/.*MESSAGE_ID_STARTED *"\(.*\)"/\1/p' "$top/include/messages.h")" \
                "$(jfield "$rec" MESSAGE_ID)"
        expect_eq "journal: ALLOCSEL_ALLOCATOR" jemalloc "$(jfield "$rec" ALLOCSEL_ALLOCATOR)"
        expect_eq "journal: ALLOCSEL_LIBRARY" "$jemalloc" "$(jfield "$rec" ALLOCSEL_LIBRARY)"
        expect_eq "journal: ALLOCSEL_PID is the program's PID" "$pid" "$(jfield "$rec" ALLOCSEL_PID)"
        expect_eq "journal: OBJECT_PID is the program's PID" "$pid" "$(jfield "$rec" OBJECT_PID)"
        expect_eq "journal: logged by the monitor, as root" "$mon 0" "$(jfield "$rec" _PID) $(jfield "$rec" _UID)"
        expect_eq "journal: ALLOCSEL_SENDER_UID is who ran allocsel" 0 "$(jfield "$rec" ALLOCSEL_SENDER_UID)"
        expect_eq "journal: ALLOCSEL_POLICY_FILES" "$pd/$svc.conf" "$(jfield "$rec" ALLOCSEL_POLICY_FILES)"
        expect_has "journal: ALLOCSEL_SET lists each variable" "MALLOC_CONF=background_thread:true" \
                "$(jfield "$rec" ALLOCSEL_SET)"
        expect_has "journal: ALLOCSEL_SET has LD_PRELOAD" "LD_PRELOAD=$jemalloc" "$(jfield "$rec" ALLOCSEL_SET)"
        expect_eq "journal: SYSLOG_IDENTIFIER" allocsel "$(jfield "$rec" SYSLOG_IDENTIFIER)"
        expect_eq "journal: PRIORITY info" 6 "$(jfield "$rec" PRIORITY)"

        printf 'jemalloc = { narenas = 0; };\n' > "$pd/$svc-bad.conf"; chmod 644 "$pd/$svc-bad.conf"
        run "$svc-bad" true
        rec=$(journal_wait "ALLOCSEL_SERVICE=$svc-bad" 1 | head -1)
        expect_eq "journal: fallback MESSAGE_ID" "$(sed -n 's/.*MESSAGE_ID_FALLBACK *"\(.*\)"/\1/p' "$top/include/messages.h")" \
                "$(jfield "$rec" MESSAGE_ID)"
        expect_eq "journal: fallback PRIORITY warning" 4 "$(jfield "$rec" PRIORITY)"
        expect_eq "journal: fallback reason names file and line" \
                "$pd/$svc-bad.conf:1: jemalloc.narenas: 0 is out of range (1 to 4096)" "$(jfield "$rec" ALLOCSEL_REASON)"
        expect_eq "journal: ALLOCSEL_POLICY_LINE" 1 "$(jfield "$rec" ALLOCSEL_POLICY_LINE)"
        run --strict "$svc-bad" true
        rec=$(journal_wait "ALLOCSEL_SERVICE=$svc-bad" 2 | tail -1)
        expect_eq "journal: refused MESSAGE_ID" "$(sed -n 's/.*MESSAGE_ID_REFUSED *"\(.*\)"/\1/p' "$top/include/messages.h")" \
                "$(jfield "$rec" MESSAGE_ID)"
        expect_eq "journal: refused PRIORITY error" 3 "$(jfield "$rec" PRIORITY)"

        # The started record is logged once the exec has closed allocsel's
        # connection: an exec that fails cancels it, and nothing is watched.
        cp "$pd/je.conf" "$pd/$svc-noexec.conf"
        printf '\177ELF\002not really' > "$work/not-a-program"
        chmod 755 "$work/not-a-program"
        run "$svc-noexec" "$work/not-a-program"
        expect_eq "journal: failed exec exits 126" 126 "$rc"
        expect_has "journal: failed exec says why" "cannot run $work/not-a-program: Exec format error" "$err"
        # a later run's record arrives, and still none for the failed one
        cp "$pd/je.conf" "$pd/$svc-marker.conf"
        run --no-monitor "$svc-marker" true
        journal_wait "ALLOCSEL_SERVICE=$svc-marker" 1 >/dev/null
        expect_empty "journal: no started record for a program that did not start" \
                "$(journalctl -o json --no-pager "ALLOCSEL_SERVICE=$svc-noexec" 2>/dev/null)"
        run_capture "$allocsel" --status
        expect_not_has "journal: ...and the monitor watches nothing of it" "$svc-noexec" "$out"
        rm -f "$pd/$svc-noexec.conf" "$pd/$svc-marker.conf"

        # valgrind: the launcher's whole path to the monitor is clean
        if [ -z "${SANITIZED:-}" ] && command -v valgrind >/dev/null; then
                cp "$pd/je.conf" "$pd/$svc-vg.conf"
                run_capture valgrind -q --error-exitcode=99 "$allocsel" --policy-dir "$pd" "$svc-vg" true
                expect_eq "journal: under valgrind the program runs, no error" "0" "$rc"
                rec=$(journal_wait "ALLOCSEL_SERVICE=$svc-vg" 1 | head -1)
                expect_eq "journal: ...and the monitor logs the start" \
                        "$(sed -n 's/.*MESSAGE_ID_STARTED *"\(.*\)"/\1/p' "$top/include/messages.h")" \
                        "$(jfield "$rec" MESSAGE_ID)"
                rm -f "$pd/$svc-vg.conf"
        else
                skip "journal: the launcher under valgrind" "sanitizer build or no valgrind"
        fi

        echo "# journal: records of any size arrive whole"
        {
                printf 'allocator = "jemalloc";\nenvironment = {\n'
                for i in $(seq 25); do printf '  V%02d = "%d";\n' "$i" "$i"; done
                printf '};\n'
        } >"$pd/$svc-many.conf"
        chmod 644 "$pd/$svc-many.conf"
        run "$svc-many" true
        rec=$(journal_wait "ALLOCSEL_SERVICE=$svc-many" 1 | head -1)
        expect_has "journal: 25 environment entries: the record keeps its MESSAGE" "$svc-many: started /usr/bin/true" \
                "$(jfield "$rec" MESSAGE)"
        expect_eq "journal: ...every variable in ALLOCSEL_SET (25, LD_PRELOAD, 2 ALLOCSEL_*)" 28 \
                "$(jfield "$rec" ALLOCSEL_SET | grep -c =)"
        expect_has "journal: ...LD_PRELOAD among them" "LD_PRELOAD=$jemalloc" "$(jfield "$rec" ALLOCSEL_SET)"
        expect_has "journal: ...ALLOCSEL_ALLOCATOR among them" "ALLOCSEL_ALLOCATOR=jemalloc" "$(jfield "$rec" ALLOCSEL_SET)"
        big=$(head -c 131000 /dev/zero | tr '\0' b)
        printf 'allocator = "jemalloc";\nenvironment = { BIG = "%s"; };\n' "$big" >"$pd/$svc-big.conf"
        chmod 644 "$pd/$svc-big.conf"
        run "$svc-big" true
        expect_eq "journal: a 131000-byte variable: the program runs" 0 "$rc"
        # (the record is too long for an argument: python reads it from a file)
        journal_wait "ALLOCSEL_SERVICE=$svc-big" 1 | head -1 >"$work/big.json"
        expect_eq "journal: ...its record (sent in a memfd) arrives with a MESSAGE over 128 KiB and the whole variable" \
                "True True" \
                "$(/usr/bin/python3 -c 'import json,sys; r = json.load(open(sys.argv[1]))
print(len(r.get("MESSAGE") or "") > 131072, "BIG=" + "b" * 131000 in r.get("ALLOCSEL_SET", []))' "$work/big.json" 2>&1 | cut -c1-200)"
        printf 'jemalloc = { narenas = 0; };\n' >"$pd/$svc-fbexec.conf"
        chmod 644 "$pd/$svc-fbexec.conf"
        run "$svc-fbexec" "$work/not-a-program"
        expect_eq "journal: fallback then a failed exec: 126" 126 "$rc"
        rec=$(journal_wait "ALLOCSEL_SERVICE=$svc-fbexec" 1 | head -1)
        expect_eq "journal: ...the fallback record still arrives" \
                "$(sed -n 's/.*MESSAGE_ID_FALLBACK *"\(.*\)"/\1/p' "$top/include/messages.h")" "$(jfield "$rec" MESSAGE_ID)"
        cp "$pd/$svc-fbexec.conf" "$pd/$svc-fbnf.conf"
        run "$svc-fbnf" no-such-program-anywhere
        expect_eq "journal: fallback then no program found: 127" 127 "$rc"
        rec=$(journal_wait "ALLOCSEL_SERVICE=$svc-fbnf" 1 | head -1)
        expect_eq "journal: ...the fallback record still arrives" \
                "$(sed -n 's/.*MESSAGE_ID_FALLBACK *"\(.*\)"/\1/p' "$top/include/messages.h")" "$(jfield "$rec" MESSAGE_ID)"
        rm -f "$pd/$svc-fbnf.conf"
        # more fields than journald takes in one entry: on the monitor's stderr, not lost
        run_capture /usr/bin/python3 "$top/tests/helpers/monitor-client.py" "$ALLOCSEL_MONITOR_SOCKET" \
                "MESSAGE_ID=$(sed -n 's/.*MESSAGE_ID_FALLBACK *"\(.*\)"/\1/p' "$top/include/messages.h")" PRIORITY=4 \
                "ALLOCSEL_SERVICE=$svc-wide" "MESSAGE=$svc-wide: wide record" $(for i in $(seq 1100); do echo "ALLOCSEL_SET=V$i=1"; done)
        for _ in $(seq 100); do grep -q "$svc-wide: wide record" "$work/monitor.log" && break; sleep 0.05; done
        expect_has "journal: a record journald cannot take goes to the monitor's stderr" \
                "allocsel: warning: $svc-wide: wide record" "$(cat "$work/monitor.log")"
        rm -f "$pd/$svc-many.conf" "$pd/$svc-big.conf" "$pd/$svc-fbexec.conf"

        echo "# journal: allocsel as PID 1 of a PID namespace (containers)"
        cp "$pd/je.conf" "$pd/$svc-pid1.conf"
        run_capture unshare -pf --mount-proc "$allocsel" --policy-dir "$pd" "$svc-pid1" /usr/bin/python3 -c '
import os
print(os.getpid())
print(open("/proc/1/task/1/children").read().strip() or "none")
print(len([p for p in os.listdir("/proc") if p.isdigit()]))'
        expect_eq "PID 1: the program runs as PID 1, with no child and no other process" "1
none
1" "$out"
        rec=$(journal_wait "ALLOCSEL_SERVICE=$svc-pid1" 1 | head -1)
        expect_eq "PID 1: the started record arrives" \
                "$(sed -n 's/.*MESSAGE_ID_STARTED *"\(.*\)"/\1/p' "$top/include/messages.h")" "$(jfield "$rec" MESSAGE_ID)"
        expect_eq "PID 1: ...logged by the host's monitor, which sees the program's PID from outside" "$mon" \
                "$(jfield "$rec" ALLOCSEL_MONITOR_PID)"
        [ "$(jfield "$rec" OBJECT_PID)" != 1 ] && [ -n "$(jfield "$rec" OBJECT_PID)" ] \
                && pass "PID 1: ...OBJECT_PID is the PID the host knows" || fail "PID 1: ...OBJECT_PID is the PID the host knows" "$rec"
        journal_wait "ALLOCSEL_SERVICE=$svc-pid1" 2 >/dev/null \
                && pass "PID 1: ...and its exit is logged" || fail "PID 1: ...and its exit is logged"
        rm -f "$pd/$svc-pid1.conf"
        rm -f "$pd/$svc.conf" "$pd/$svc-bad.conf"
        . "$here/monitor.sh"
        monitor_tests
        stop_monitor
        stop_journald
}
