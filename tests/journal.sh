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

# journal_wait FIELD=VALUE COUNT: waits (up to 10 s) until COUNT records
# match, then prints them as JSON lines.
journal_wait() {
        local records
        for _ in $(seq 200); do
                journalctl --sync 2>/dev/null
                records=$(journalctl -o json --no-pager "$1" 2>/dev/null)
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
                        echo "skip journal tests: no journal and not root"
                fi
                return
        fi
        local svc="jtest-$$-$RANDOM" rec pid
        cp "$pd/je.conf" "$pd/$svc.conf"
        run "$svc" sh -c 'echo $$'
        pid=$out
        expect_eq "journal: program runs" 0 "$rc"
        expect_not_has "journal: started event not on stderr when the journal takes it" "started" "$err"
        rec=$(journal_wait "ALLOCSEL_SERVICE=$svc" 1 | head -1)
        expect_eq "journal: started MESSAGE_ID" "$(sed -n 's/.*MESSAGE_ID_STARTED *"\(.*\)"/\1/p' "$top/include/messages.h")" \
                "$(jfield "$rec" MESSAGE_ID)"
        expect_eq "journal: ALLOCSEL_ALLOCATOR" jemalloc "$(jfield "$rec" ALLOCSEL_ALLOCATOR)"
        expect_eq "journal: ALLOCSEL_LIBRARY" "$jemalloc" "$(jfield "$rec" ALLOCSEL_LIBRARY)"
        expect_eq "journal: ALLOCSEL_PID is the program's PID" "$pid" "$(jfield "$rec" ALLOCSEL_PID)"
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

        # No helper to hand the event to: it must reach stderr, not vanish.
        mkdir -m 755 "$work/lonely"
        cp "$allocsel" "$work/lonely/allocsel"
        run_capture "$work/lonely/allocsel" --policy-dir "$pd" "$svc" true
        if [ -x /usr/libexec/allocsel/allocsel-monitor ] || [ -x /usr/local/libexec/allocsel/allocsel-monitor ]; then
                echo "skip helper-missing fallback: an installed helper exists"
        else
                expect_has "journal: without its helper the event goes to stderr" "$svc: started" "$err"
        fi
        rm -f "$pd/$svc.conf" "$pd/$svc-bad.conf"
        . "$here/monitor.sh"
        monitor_tests
        stop_journald
}
