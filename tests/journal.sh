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
                        skip "journal tests" "no journal and not root"
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

        # The helper starts only once allocsel has exec'd the program: an exec
        # that fails leaves neither a started record nor a waiting helper.
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
        expect_eq "journal: no started record for a program that did not start" "" \
                "$(journalctl -o json --no-pager "ALLOCSEL_SERVICE=$svc-noexec" 2>/dev/null)"
        expect_eq "journal: no helper left waiting after a failed exec" "" \
                "$(for p in $(pgrep -f -- "$svc-noexec"); do
                        [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = Z ] || echo "$p"; done)"
        rm -f "$pd/$svc-noexec.conf" "$pd/$svc-marker.conf"

        # valgrind refuses the clone that waits for the exec: the helper is
        # then spawned at once, and the record still arrives
        if [ -z "${SANITIZED:-}" ] && command -v valgrind >/dev/null; then
                cp "$pd/je.conf" "$pd/$svc-vg.conf"
                run_capture valgrind -q "$allocsel" --policy-dir "$pd" --no-monitor "$svc-vg" true
                expect_eq "journal: under valgrind the program runs" 0 "$rc"
                expect_has "journal: under valgrind the waiting clone is refused" "Unsupported clone" "$err"
                rec=$(journal_wait "ALLOCSEL_SERVICE=$svc-vg" 1 | head -1)
                expect_eq "journal: the helper spawned at once still logs the start" \
                        "$(sed -n 's/.*MESSAGE_ID_STARTED *"\(.*\)"/\1/p' "$top/include/messages.h")" \
                        "$(jfield "$rec" MESSAGE_ID)"
                rm -f "$pd/$svc-vg.conf"
        else
                skip "journal: the helper under valgrind" "sanitizer build or no valgrind"
        fi

        # No helper to hand the event to: it must reach stderr, not vanish.
        mkdir -m 755 "$work/lonely"
        cp "$allocsel" "$work/lonely/allocsel"
        run_capture "$work/lonely/allocsel" --policy-dir "$pd" "$svc" true
        if [ -x /usr/libexec/allocsel/allocsel-monitor ] || [ -x /usr/local/libexec/allocsel/allocsel-monitor ]; then
                skip "helper-missing fallback" "an installed helper exists"
        else
                expect_has "journal: without its helper the event goes to stderr" "$svc: started" "$err"
        fi
        rm -f "$pd/$svc.conf" "$pd/$svc-bad.conf"
        . "$here/monitor.sh"
        monitor_tests
        stop_journald
}
