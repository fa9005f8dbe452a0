# The monitor's contract, read back from a real journald (journal.sh has
# started one). Uses $work, $pd, $allocsel, $build and jfield/journal_wait.

# record N MATCH...: the Nth (1-based) record matching every FIELD=VALUE, waiting up to 10 s
record() {
        local n=$1 records; shift
        for _ in $(seq 200); do
                journalctl --sync 2>/dev/null
                records=$(journalctl -o json --all --no-pager "$@" 2>/dev/null)
                if [ "$(grep -c . <<<"$records")" -ge "$n" ] && [ -n "$records" ]; then
                        sed -n "${n}p" <<<"$records"
                        return 0
                fi
                sleep 0.05
        done
        return 1
}

msgid() { sed -n "s/.*MESSAGE_ID_$1 *\"\(.*\)\"/\1/p" "$top/include/messages.h"; }

# exited PID: the process has ended. An orphan that has exited stays a
# zombie until init reaps it, and some machines' PID 1 (not systemd) never does.
exited() {
        local state
        state=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 0
        [ -z "$state" ] || [ "$state" = Z ] || [ "$state" = X ]
}

# gone_within MS PID: true when PID has exited within MS milliseconds
gone_within() {
        local left=$1
        while [ "$left" -gt 0 ]; do
                exited "$2" && return 0
                sleep 0.02
                left=$((left - 20))
        done
        exited "$2"
}

monitor_tests() {
        local svc="mon-$$-$RANDOM" eater="$build/tests/eater" pid rec mon rss peak fds anon age
        cat > "$pd/$svc.conf" <<EOF2
allocator = "jemalloc";
monitor = { startup_sample_ms = 2500; sample_interval_ms = 100; log_samples = true; };
EOF2
        chmod 644 "$pd/$svc.conf"

        echo "# the monitor: a program that holds 200 MiB for 4 s and exits with 3"
        "$allocsel" --policy-dir "$pd" "$svc" "$eater" 200 4000 3 >"$work/eater.out" 2>&1 7>"$work/extra-fd" &
        pid=$!
        rec=$(record 1 "ALLOCSEL_SERVICE=$svc" "MESSAGE_ID=$(msgid STARTED)")
        mon=$(jfield "$rec" ALLOCSEL_MONITOR_PID)
        expect_eq "monitor: program keeps allocsel's PID" "$pid" "$(jfield "$rec" ALLOCSEL_PID)"
        [ -n "$mon" ] && [ "$mon" != "$pid" ] && pass "monitor: started event names the monitor's PID" \
                || fail "monitor: started event names the monitor's PID" "$rec"
        rec=$(record 1 "ALLOCSEL_SERVICE=$svc" "MESSAGE_ID=$(msgid STARTUP_RSS)")
        rss=$(jfield "$rec" ALLOCSEL_RSS_KB)
        [ "${rss:-0}" -ge $((200 * 1024)) ] && [ "$rss" -le $((220 * 1024)) ] \
                && pass "monitor: startup RSS matches the 200 MiB touched ($rss KiB)" \
                || fail "monitor: startup RSS matches the 200 MiB touched" "$rec"
        expect_eq "monitor: startup event says the library is loaded" true "$(jfield "$rec" ALLOCSEL_LOADED)"
        expect_eq "monitor: startup event PRIORITY" 6 "$(jfield "$rec" PRIORITY)"
        expect_eq "monitor: startup event carries the library" "$jemalloc" "$(jfield "$rec" ALLOCSEL_LIBRARY)"
        expect_eq "monitor: startup event carries the allocator" jemalloc "$(jfield "$rec" ALLOCSEL_ALLOCATOR)"
        # while the program runs: what the monitor holds and costs
        fds=$(ls -l "/proc/$mon/fd" 2>/dev/null | awk 'NR>1 {print $NF}' | sort | tr '\n' ' ')
        expect_not_has "monitor: holds none of the program's files (extra descriptor)" "extra-fd" "$fds"
        expect_not_has "monitor: holds none of the program's files (its stdout)" "eater.out" "$fds"
        expect_has "monitor: holds a pidfd on the program" "anon_inode:[pidfd]" "$fds"
        anon=$(awk '/^RssAnon:/ {print $2}' "/proc/$mon/status")
        if [ -z "${SANITIZED:-}" ]; then # ASan's shadow memory is private memory too
                [ "${anon:-999999}" -lt 512 ] && pass "monitor: private memory under 512 KiB ($anon KiB)" \
                        || fail "monitor: private memory under 512 KiB" "RssAnon=$anon KiB"
        else
                skip "monitor: private memory under 512 KiB" "ASan's shadow memory counts as private"
        fi
        [ "$(awk '/^PPid:/ {print $2}' "/proc/$mon/status")" != "$pid" ] \
                && pass "monitor: is not the program's child" || fail "monitor: is not the program's child"
        wait "$pid"
        expect_eq "monitor: the program's own exit status" 3 "$?"
        expect_has "monitor: the program saw no child of its own" "children=
" "$(cat "$work/eater.out")
"
        gone_within 1000 "$mon" && pass "monitor: gone within a second of the program" \
                || fail "monitor: gone within a second of the program"
        rec=$(record 1 "ALLOCSEL_SERVICE=$svc" "MESSAGE_ID=$(msgid EXITED)")
        rss=$(jfield "$rec" ALLOCSEL_RSS_KB) peak=$(jfield "$rec" ALLOCSEL_PEAK_RSS_KB)
        [ "${peak:-0}" -ge $((200 * 1024)) ] && [ "$peak" -le $((220 * 1024)) ] \
                && pass "monitor: exit event peak RSS ($peak KiB)" || fail "monitor: exit event peak RSS" "$rec"
        [ "${rss:-0}" -ge $((190 * 1024)) ] && pass "monitor: exit event last RSS ($rss KiB)" \
                || fail "monitor: exit event last RSS" "$rec"
        [ "$(jfield "$rec" ALLOCSEL_LIFETIME_MS)" -ge 4000 ] && pass "monitor: exit event lifetime" \
                || fail "monitor: exit event lifetime" "$rec"
        # samples a twentieth of the age apart: 200 ms at 4 s (the margin is for a loaded machine)
        age=$(jfield "$rec" ALLOCSEL_SAMPLE_AGE_MS)
        [ -n "$age" ] && [ "$age" -ge 0 ] && [ "$age" -le 600 ] \
                && pass "monitor: exit event says how old its last sample is ($age ms)" \
                || fail "monitor: exit event says how old its last sample is" "$rec"
        record 3 "ALLOCSEL_SERVICE=$svc" "MESSAGE_ID=$(msgid SAMPLE)" >/dev/null \
                && pass "monitor: log_samples logs RSS over time" || fail "monitor: log_samples logs RSS over time"

        echo "# the monitor: deaths by signal, and a service stop"
        for how in KILL TERM; do
                local s="$svc-$how"
                cp "$pd/$svc.conf" "$pd/$s.conf"
                "$allocsel" --policy-dir "$pd" "$s" "$eater" 10 30000 >/dev/null 2>&1 &
                pid=$!
                rec=$(record 1 "ALLOCSEL_SERVICE=$s" "MESSAGE_ID=$(msgid STARTUP_RSS)")
                mon=$(jfield "$rec" ALLOCSEL_MONITOR_PID)
                # a stop signals the whole cgroup: the monitor first, to show it stays
                kill -TERM "$mon" 2>/dev/null
                kill -INT "$mon" 2>/dev/null
                ! exited "$mon" && pass "monitor: survives SIGTERM/SIGINT while the program lives ($how)" \
                        || fail "monitor: survives SIGTERM/SIGINT while the program lives ($how)"
                kill -"$how" "$pid"
                wait "$pid" 2>/dev/null
                record 1 "ALLOCSEL_SERVICE=$s" "MESSAGE_ID=$(msgid EXITED)" >/dev/null \
                        && pass "monitor: exit logged after SIG$how" || fail "monitor: exit logged after SIG$how"
                gone_within 1000 "$mon" && pass "monitor: gone within a second after SIG$how" \
                        || fail "monitor: gone within a second after SIG$how"
                rm -f "$pd/$s.conf"
        done

        echo "# the monitor: quick exits, preloads that did not take, --no-monitor"
        cp "$pd/$svc.conf" "$pd/$svc-quick.conf"
        "$allocsel" --policy-dir "$pd" "$svc-quick" "$eater" 0 0 0 >/dev/null 2>&1
        rec=$(record 1 "ALLOCSEL_SERVICE=$svc-quick" "MESSAGE_ID=$(msgid EXITED)") \
                && pass "monitor: exit logged for a program that ends at once" \
                || fail "monitor: exit logged for a program that ends at once"
        rss=$(jfield "$rec" ALLOCSEL_RSS_KB)
        if [ -z "$rss" ]; then
                expect_has "monitor: ended before the first sample: no RSS, and the record says so" \
                        "before its memory could be sampled" "$(jfield "$rec" MESSAGE)"
        else
                [ "$rss" -gt 0 ] && pass "monitor: a quick exit's RSS is a real sample ($rss KiB)" \
                        || fail "monitor: a quick exit's RSS is never 0" "$rec"
        fi
        # peaks after one second (after a sample a second apart) and frees its
        # memory before the end: the peak is in the exit record all the same
        # (VmHWM, sampled often while the program is young)
        # (the default sample_interval_ms of 1000)
        printf 'allocator = "jemalloc";\n' >"$pd/$svc-late.conf"
        chmod 644 "$pd/$svc-late.conf"
        "$allocsel" --policy-dir "$pd" "$svc-late" /usr/bin/python3 -c '
import time
time.sleep(1.05)
b = b"x" * (200 << 20)
time.sleep(0.1)
del b
time.sleep(0.1)' >/dev/null 2>&1
        rec=$(record 1 "ALLOCSEL_SERVICE=$svc-late" "MESSAGE_ID=$(msgid EXITED)")
        peak=$(jfield "$rec" ALLOCSEL_PEAK_RSS_KB) rss=$(jfield "$rec" ALLOCSEL_RSS_KB)
        [ "${peak:-0}" -ge $((200 * 1024)) ] && pass "monitor: a short program's late peak is in its exit record ($peak KiB)" \
                || fail "monitor: a short program's late peak is in its exit record" "$rec"
        [ "${rss:-999999}" -lt $((100 * 1024)) ] && pass "monitor: ...and its last RSS is after the memory was freed ($rss KiB)" \
                || fail "monitor: ...and its last RSS is after the memory was freed" "$rec"
        cp "$eater" "$work/eater-suid"; chmod 4755 "$work/eater-suid"
        cp "$pd/$svc.conf" "$pd/$svc-suid.conf"
        "$allocsel" --policy-dir "$pd" "$svc-suid" "$work/eater-suid" 1 3500 >/dev/null 2>&1
        rec=$(record 1 "ALLOCSEL_SERVICE=$svc-suid" "MESSAGE_ID=$(msgid STARTUP_RSS)")
        expect_eq "monitor: ALLOCSEL_LOADED false where the preload cannot take" false "$(jfield "$rec" ALLOCSEL_LOADED)"
        expect_eq "monitor: ...logged as a warning" 4 "$(jfield "$rec" PRIORITY)"
        expect_has "monitor: ...saying it is not mapped" "is NOT mapped" "$(jfield "$rec" MESSAGE)"
        # glibc policies preload no allocator, but the release helper: whether it is mapped
        printf 'allocator = "glibc";\nrelease = { interval_ms = 1000; min_free_kb = 1024; };\nmonitor = { startup_sample_ms = 300; };\n' \
                > "$pd/$svc-rel.conf"
        cp "$pd/$svc-rel.conf" "$pd/$svc-rel-gone.conf"
        chmod 644 "$pd/$svc-rel.conf" "$pd/$svc-rel-gone.conf"
        "$allocsel" --policy-dir "$pd" "$svc-rel" "$eater" 1 1500 >/dev/null 2>&1
        rec=$(record 1 "ALLOCSEL_SERVICE=$svc-rel" "MESSAGE_ID=$(msgid STARTUP_RSS)")
        expect_eq "monitor: a glibc policy's startup record says the release helper is mapped" true "$(jfield "$rec" ALLOCSEL_LOADED)"
        expect_has "monitor: ...naming it" "liballocsel-release.so is mapped" "$(jfield "$rec" MESSAGE)"
        "$allocsel" --policy-dir "$pd" "$svc-rel-gone" /bin/sh -c 'exec env -u LD_PRELOAD sleep 1.5' >/dev/null 2>&1
        rec=$(record 1 "ALLOCSEL_SERVICE=$svc-rel-gone" "MESSAGE_ID=$(msgid STARTUP_RSS)")
        expect_eq "monitor: ...and that it is not once the program exec'd something without it" false "$(jfield "$rec" ALLOCSEL_LOADED)"
        cp "$pd/$svc.conf" "$pd/$svc-off.conf"
        "$allocsel" --policy-dir "$pd" --no-monitor "$svc-off" "$eater" 0 0 0 >/dev/null 2>&1
        rec=$(record 1 "ALLOCSEL_SERVICE=$svc-off" "MESSAGE_ID=$(msgid STARTED)")
        expect_empty "monitor: --no-monitor starts none" "$(jfield "$rec" ALLOCSEL_MONITOR_PID)"
        printf 'allocator = "jemalloc";\nmonitor = { enabled = false; };\n' > "$pd/$svc-off2.conf"
        chmod 644 "$pd/$svc-off2.conf"
        "$allocsel" --policy-dir "$pd" "$svc-off2" "$eater" 0 0 0 >/dev/null 2>&1
        rec=$(record 1 "ALLOCSEL_SERVICE=$svc-off2" "MESSAGE_ID=$(msgid STARTED)")
        expect_empty "monitor: enabled = false starts none" "$(jfield "$rec" ALLOCSEL_MONITOR_PID)"

        echo "# a caller that ignores SIGCHLD (inherited across exec)"
        cp "$pd/$svc.conf" "$pd/$svc-ign.conf"
        run_capture perl -e '$SIG{CHLD} = "IGNORE"; exec @ARGV or die' -- \
                "$allocsel" --policy-dir "$pd" "$svc-ign" sh -c 'exit 3'
        expect_eq "SIGCHLD ignored: the program's own exit status" 3 "$rc"
        expect_not_has "SIGCHLD ignored: the monitor starts" "could not be started" "$err"
        # bit 17 (SIGCHLD) of SigIgn: the program keeps the caller's disposition
        # (not sh: dash resets SIGCHLD itself)
        run_capture perl -e '$SIG{CHLD} = "IGNORE"; exec @ARGV or die' -- \
                "$allocsel" --policy-dir "$pd" --no-monitor "$svc" grep ^SigIgn: /proc/self/status
        [ $(( 0x$(sed -n 's/^SigIgn:[[:space:]]*//p' <<<"$out") >> 16 & 1 )) = 1 ] \
                && pass "SIGCHLD ignored: the program inherits SIG_IGN as the caller set it" \
                || fail "SIGCHLD ignored: the program inherits SIG_IGN as the caller set it" "$out"
        rec=$(record 1 "ALLOCSEL_SERVICE=$svc-ign" "MESSAGE_ID=$(msgid EXITED)")
        mon=$(jfield "$rec" ALLOCSEL_MONITOR_PID)
        expect_eq "SIGCHLD ignored: one started record, from the monitor that logs the exit" "1 $mon" \
                "$(journalctl -o json --no-pager "ALLOCSEL_SERVICE=$svc-ign" "MESSAGE_ID=$(msgid STARTED)" | grep -c .) \
$(jfield "$(record 1 "ALLOCSEL_SERVICE=$svc-ign" "MESSAGE_ID=$(msgid STARTED)")" ALLOCSEL_MONITOR_PID)"
        run_capture "$allocsel" --policy-dir "$pd" --no-monitor "$svc" grep ^SigIgn: /proc/self/status
        [ $(( 0x$(sed -n 's/^SigIgn:[[:space:]]*//p' <<<"$out") >> 16 & 1 )) = 0 ] \
                && pass "SIGCHLD: a program started normally does not ignore it" \
                || fail "SIGCHLD: a program started normally does not ignore it" "$out"

        echo "# the monitor without a pidfd: /proc polling and the PID-reuse guard"
        "$eater" 0 600 0 >/dev/null &
        pid=$!
        # the record allocsel hands over: NUL-terminated fields in a file
        printf '%s\0' "ALLOCSEL_SERVICE=$svc-poll" "ALLOCSEL_PID=$pid" "MESSAGE=x" "SYSLOG_IDENTIFIER=allocsel" \
                >"$work/poll.record"
        "$build/allocsel-monitor" --record=3 --watch="$pid" --startup-ms=100 --interval-ms=50 3<"$work/poll.record" &
        mon=$!
        wait "$pid"
        gone_within 1000 "$mon" && pass "monitor (polling): notices the exit within a second" \
                || fail "monitor (polling): notices the exit within a second"
        rec=$(record 1 "ALLOCSEL_SERVICE=$svc-poll" "MESSAGE_ID=$(msgid EXITED)")
        [ "$(jfield "$rec" ALLOCSEL_LIFETIME_MS)" -ge 600 ] && pass "monitor (polling): exit logged" \
                || fail "monitor (polling): exit logged" "$rec"
        sleep 30 & pid=$!
        printf '%s\0' "ALLOCSEL_SERVICE=$svc-reuse" "MESSAGE=x" >"$work/reuse.record"
        "$build/allocsel-monitor" --record=3 --watch="$pid" --start-ticks=1 --startup-ms=100000 --interval-ms=1000 \
                3<"$work/reuse.record" &
        mon=$!
        gone_within 1000 "$mon" && pass "monitor (polling): a PID with another start time is not the program" \
                || fail "monitor (polling): a PID with another start time is not the program"
        kill "$pid"; wait "$pid" 2>/dev/null
        rm -f "$pd/$svc"*.conf
}
