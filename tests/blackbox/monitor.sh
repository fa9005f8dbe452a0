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

client() { /usr/bin/python3 "$top/tests/helpers/monitor-client.py" "$ALLOCSEL_MONITOR_SOCKET" "$@"; }

monitor_tests() {
        local svc="mon-$$-$RANDOM" eater="$build/tests/eater" pid rec mon=$monitor_pid rss peak fds anon age n p
        cat > "$pd/$svc.conf" <<EOF2
allocator = "jemalloc";
monitor = { startup_sample_ms = 2500; sample_interval_ms = 100; log_samples = true; };
EOF2
        chmod 644 "$pd/$svc.conf"

        echo "# the monitor: a program that holds 200 MiB for 6 s and exits with 3"
        "$allocsel" --policy-dir "$pd" "$svc" "$eater" 200 6000 3 >"$work/eater.out" 2>&1 7>"$work/extra-fd" &
        pid=$!
        rec=$(record 1 "ALLOCSEL_SERVICE=$svc" "MESSAGE_ID=$(msgid STARTED)")
        expect_eq "monitor: program keeps allocsel's PID" "$pid" "$(jfield "$rec" ALLOCSEL_PID)"
        expect_eq "monitor: the host's monitor logs the start" "$mon" "$(jfield "$rec" ALLOCSEL_MONITOR_PID)"
        rec=$(record 1 "ALLOCSEL_SERVICE=$svc" "MESSAGE_ID=$(msgid STARTUP_RSS)")
        rss=$(jfield "$rec" ALLOCSEL_RSS_KB)
        [ "${rss:-0}" -ge $((200 * 1024)) ] && [ "$rss" -le $((220 * 1024)) ] \
                && pass "monitor: startup RSS matches the 200 MiB touched ($rss KiB)" \
                || fail "monitor: startup RSS matches the 200 MiB touched" "$rec"
        expect_eq "monitor: startup event says the library is loaded" true "$(jfield "$rec" ALLOCSEL_LOADED)"
        expect_eq "monitor: startup event PRIORITY" 6 "$(jfield "$rec" PRIORITY)"
        expect_eq "monitor: startup event carries the library" "$jemalloc" "$(jfield "$rec" ALLOCSEL_LIBRARY)"
        expect_eq "monitor: startup event carries the allocator" jemalloc "$(jfield "$rec" ALLOCSEL_ALLOCATOR)"
        expect_eq "monitor: startup event is root's, about the program" "0 $pid" \
                "$(jfield "$rec" _UID) $(jfield "$rec" OBJECT_PID)"
        # while the program runs: nothing of allocsel is left with it
        expect_empty "monitor: the program has no child (no helper)" "$(cat "/proc/$pid/task/$pid/children")"
        fds=$(ls -l "/proc/$mon/fd" 2>/dev/null | awk 'NR>1 {print $NF}' | sort | tr '\n' ' ')
        expect_not_has "monitor: holds none of the program's files (extra descriptor)" "extra-fd" "$fds"
        expect_not_has "monitor: holds none of the program's files (its stdout)" "eater.out" "$fds"
        n=0
        for p in /proc/"$mon"/fdinfo/*; do grep -qx "Pid:[[:space:]]*$pid" "$p" 2>/dev/null && n=$((n + 1)); done
        expect_eq "monitor: holds a pidfd on the program" 1 "$n"
        run_capture "$allocsel" --status
        expect_has "monitor: --status lists the program" "$svc" "$out"
        expect_has "monitor: --status gives its PID" " $pid " "$out"
        run_capture "$allocsel" --status --json
        expect_eq "monitor: --status --json: service, PID, allocator, loaded" "$svc $pid jemalloc True" \
                "$(/usr/bin/python3 -c 'import json,sys
for l in sys.stdin:
    r = json.loads(l)
    if r["service"] == sys.argv[1]: print(r["service"], r["pid"], r["allocator"], r["loaded"], r["rss_kb"] > 190 * 1024)' "$svc" <<<"$out" | cut -d" " -f1-4)"
        run_capture setpriv --reuid=65534 --regid=65534 --clear-groups "$allocsel" --status
        expect_eq "monitor: --status as another user: runs, shows none of root's programs" "0" "$rc"
        expect_not_has "monitor: ...not root's" "$svc" "$out"
        wait "$pid"
        expect_eq "monitor: the program's own exit status" 3 "$?"
        expect_has "monitor: the program saw no child of its own" "children=
" "$(cat "$work/eater.out")
"
        rec=$(record 1 "ALLOCSEL_SERVICE=$svc" "MESSAGE_ID=$(msgid EXITED)")
        rss=$(jfield "$rec" ALLOCSEL_RSS_KB) peak=$(jfield "$rec" ALLOCSEL_PEAK_RSS_KB)
        [ "${peak:-0}" -ge $((200 * 1024)) ] && [ "$peak" -le $((220 * 1024)) ] \
                && pass "monitor: exit event peak RSS ($peak KiB)" || fail "monitor: exit event peak RSS" "$rec"
        [ "${rss:-0}" -ge $((190 * 1024)) ] && pass "monitor: exit event last RSS ($rss KiB)" \
                || fail "monitor: exit event last RSS" "$rec"
        [ "$(jfield "$rec" ALLOCSEL_LIFETIME_MS)" -ge 6000 ] && pass "monitor: exit event lifetime" \
                || fail "monitor: exit event lifetime" "$rec"
        # samples a twentieth of the age apart: 300 ms at 6 s (the margin is for a loaded machine)
        age=$(jfield "$rec" ALLOCSEL_SAMPLE_AGE_MS)
        [ -n "$age" ] && [ "$age" -ge 0 ] && [ "$age" -le 900 ] \
                && pass "monitor: exit event says how old its last sample is ($age ms)" \
                || fail "monitor: exit event says how old its last sample is" "$rec"
        record 3 "ALLOCSEL_SERVICE=$svc" "MESSAGE_ID=$(msgid SAMPLE)" >/dev/null \
                && pass "monitor: log_samples logs RSS over time" || fail "monitor: log_samples logs RSS over time"
        n=0
        for p in /proc/"$mon"/fdinfo/*; do grep -qx "Pid:[[:space:]]*$pid" "$p" 2>/dev/null && n=$((n + 1)); done
        expect_eq "monitor: the pidfd is closed once the exit is logged" 0 "$n"

        echo "# the monitor: deaths by signal; signals the program ignores or handles"
        for how in KILL TERM USR1; do
                local s="$svc-$how"
                cp "$pd/$svc.conf" "$pd/$s.conf"
                "$allocsel" --policy-dir "$pd" "$s" "$eater" 10 30000 >/dev/null 2>&1 &
                pid=$!
                record 1 "ALLOCSEL_SERVICE=$s" "MESSAGE_ID=$(msgid STARTUP_RSS)" >/dev/null
                kill -"$how" "$pid"
                wait "$pid" 2>/dev/null
                record 1 "ALLOCSEL_SERVICE=$s" "MESSAGE_ID=$(msgid EXITED)" >/dev/null \
                        && pass "monitor: exit logged after SIG$how" || fail "monitor: exit logged after SIG$how"
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
        for off in "--no-monitor" "enabled = false"; do
                local s="$svc-off${off//[^a-z]/}"
                if [ "$off" = "--no-monitor" ]; then
                        cp "$pd/$svc.conf" "$pd/$s.conf"
                        "$allocsel" --policy-dir "$pd" --no-monitor "$s" "$eater" 0 300 0 >/dev/null 2>&1
                else
                        printf 'allocator = "jemalloc";\nmonitor = { enabled = false; startup_sample_ms = 10; };\n' >"$pd/$s.conf"
                        chmod 644 "$pd/$s.conf"
                        "$allocsel" --policy-dir "$pd" "$s" "$eater" 0 300 0 >/dev/null 2>&1
                fi
                record 1 "ALLOCSEL_SERVICE=$s" "MESSAGE_ID=$(msgid STARTED)" >/dev/null \
                        && pass "monitor: $off: the start is logged" || fail "monitor: $off: the start is logged"
                # a later watched program's exit is logged: by then this one's would be too
                "$allocsel" --policy-dir "$pd" "$svc-quick" true >/dev/null 2>&1
                record 2 "ALLOCSEL_SERVICE=$svc-quick" "MESSAGE_ID=$(msgid EXITED)" >/dev/null
                expect_empty "monitor: $off: no RSS records" \
                        "$(journalctl -o json --no-pager "ALLOCSEL_SERVICE=$s" "MESSAGE_ID=$(msgid EXITED)" 2>/dev/null)"
                "$allocsel" --policy-dir "$pd" "$svc-quick" true >/dev/null 2>&1
                record 3 "ALLOCSEL_SERVICE=$svc-quick" "MESSAGE_ID=$(msgid EXITED)" >/dev/null
        done

        echo "# callers that ignore SIGCHLD, or are child subreapers"
        cp "$pd/$svc.conf" "$pd/$svc-ign.conf"
        run_capture perl -e '$SIG{CHLD} = "IGNORE"; exec @ARGV or die' -- \
                "$allocsel" --policy-dir "$pd" "$svc-ign" sh -c 'exit 3'
        expect_eq "SIGCHLD ignored: the program's own exit status" 3 "$rc"
        # bit 17 (SIGCHLD) of SigIgn: the program keeps the caller's disposition
        # (not sh: dash resets SIGCHLD itself)
        run_capture perl -e '$SIG{CHLD} = "IGNORE"; exec @ARGV or die' -- \
                "$allocsel" --policy-dir "$pd" --no-monitor "$svc" grep ^SigIgn: /proc/self/status
        [ $(( 0x$(sed -n 's/^SigIgn:[[:space:]]*//p' <<<"$out") >> 16 & 1 )) = 1 ] \
                && pass "SIGCHLD ignored: the program inherits SIG_IGN as the caller set it" \
                || fail "SIGCHLD ignored: the program inherits SIG_IGN as the caller set it" "$out"
        rec=$(record 1 "ALLOCSEL_SERVICE=$svc-ign" "MESSAGE_ID=$(msgid EXITED)") \
                && pass "SIGCHLD ignored: the exit is logged" || fail "SIGCHLD ignored: the exit is logged"
        run_capture "$allocsel" --policy-dir "$pd" --no-monitor "$svc" grep ^SigIgn: /proc/self/status
        [ $(( 0x$(sed -n 's/^SigIgn:[[:space:]]*//p' <<<"$out") >> 16 & 1 )) = 0 ] \
                && pass "SIGCHLD: a program started normally does not ignore it" \
                || fail "SIGCHLD: a program started normally does not ignore it" "$out"
        # PR_SET_CHILD_SUBREAPER survives exec: a program that waits for any
        # child must find none (it used to inherit allocsel's helper)
        cp "$pd/$svc.conf" "$pd/$svc-reaper.conf"
        run_capture timeout 20 /usr/bin/python3 -c '
import ctypes, os, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
os.execv(sys.argv[1], sys.argv[1:])' "$allocsel" --policy-dir "$pd" "$svc-reaper" /usr/bin/python3 -c '
import os
try:
    os.wait()
    print("a child")
except ChildProcessError:
    print("no child")'
        expect_eq "subreaper caller: the program has no child to wait for" "0 no child" "$rc $out"

        echo "# the monitor's socket, as a hostile user would use it"
        # a started record without a pidfd: the monitor polls /proc for the sender's exit
        run_capture client --op started --linger 0.6 "MESSAGE_ID=$(msgid STARTED)" PRIORITY=6 \
                "ALLOCSEL_SERVICE=$svc-poll" "MESSAGE=$svc-poll: started" \
                ALLOCSEL_WATCH_STARTUP_MS=100 ALLOCSEL_WATCH_INTERVAL_MS=50
        rec=$(record 1 "ALLOCSEL_SERVICE=$svc-poll" "MESSAGE_ID=$(msgid EXITED)")
        [ "$(jfield "$rec" ALLOCSEL_LIFETIME_MS)" -ge 600 ] && [ "$(jfield "$rec" OBJECT_PID)" = "$out" ] \
                && pass "monitor (polling, no pidfd): the sender's exit is logged" \
                || fail "monitor (polling, no pidfd): the sender's exit is logged" "$out: $rec"
        # a pidfd of another process: refused, nothing logged
        sleep 30 & p=$!
        run_capture client --op started --pidfd-of "$p" "MESSAGE_ID=$(msgid STARTED)" PRIORITY=6 \
                "ALLOCSEL_SERVICE=$svc-otherpid" ALLOCSEL_WATCH_STARTUP_MS=100 ALLOCSEL_WATCH_INTERVAL_MS=50
        # forged fields from another user: only allocsel's own fields pass, and the sender is named
        run_capture setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 \
                "$top/tests/helpers/monitor-client.py" "$ALLOCSEL_MONITOR_SOCKET" \
                "MESSAGE_ID=$(msgid FALLBACK)" PRIORITY=4 "ALLOCSEL_SERVICE=$svc-forged" "MESSAGE=$svc-forged" \
                OBJECT_PID=1 ALLOCSEL_SENDER_UID=0 ALLOCSEL_MONITOR_PID=1 SYSLOG_IDENTIFIER=sshd _UID=0 FORGED_FIELD=x
        rec=$(record 1 "ALLOCSEL_SERVICE=$svc-forged")
        expect_eq "forged record: OBJECT_PID, ALLOCSEL_SENDER_UID and SYSLOG_IDENTIFIER are the monitor's" \
                "$out 65534 allocsel $mon" \
                "$(jfield "$rec" OBJECT_PID) $(jfield "$rec" ALLOCSEL_SENDER_UID) $(jfield "$rec" SYSLOG_IDENTIFIER) $(jfield "$rec" ALLOCSEL_MONITOR_PID)"
        expect_empty "forged record: a field that is not allocsel's is dropped" "$(jfield "$rec" FORGED_FIELD)"
        run_capture setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 \
                "$top/tests/helpers/monitor-client.py" "$ALLOCSEL_MONITOR_SOCKET" \
                "MESSAGE_ID=$(msgid EXITED)" PRIORITY=6 "ALLOCSEL_SERVICE=$svc-fakeexit" ALLOCSEL_RSS_KB=9999999
        # a record allocsel itself logs later arrives; the fake exit and the other PID's never do
        "$allocsel" --policy-dir "$pd" "$svc-quick" true >/dev/null 2>&1
        record 4 "ALLOCSEL_SERVICE=$svc-quick" "MESSAGE_ID=$(msgid EXITED)" >/dev/null
        expect_empty "forged record: an exit record from a sender is refused" \
                "$(journalctl -o json --no-pager "ALLOCSEL_SERVICE=$svc-fakeexit" 2>/dev/null)"
        expect_empty "forged pidfd: a pidfd of another process is refused" \
                "$(journalctl -o json --no-pager "ALLOCSEL_SERVICE=$svc-otherpid" 2>/dev/null)"
        kill "$p"; wait "$p" 2>/dev/null
        monitor_hostile "$svc"
        rm -f "$pd/$svc"*.conf
        monitor_limits
        monitor_busy_journal "$svc"
        monitor_many "$svc"
}

# ALLOCSEL_TEST_WATCHED (default 1,000) programs watched at once: each is
# listed, each exit is logged (bench/monitor.sh measures what they cost).
monitor_many() {
        local svc="$1-many" n=${ALLOCSEL_TEST_WATCHED:-1000} pids=() i listed
        printf 'allocator = "jemalloc";\n' >"$pd/$svc.conf"
        chmod 644 "$pd/$svc.conf"
        for i in $(seq "$n"); do
                "$allocsel" --policy-dir "$pd" "$svc" sleep 600 >/dev/null 2>&1 &
                pids+=($!)
        done
        for _ in $(seq 300); do
                listed=$("$allocsel" --status --json | grep -c "\"service\":\"$svc\"" || true)
                [ "$listed" -ge "$n" ] && break
                sleep 0.1
        done
        expect_eq "$n programs at once: --status lists each" "$n" "$listed"
        kill "${pids[@]}" 2>/dev/null
        wait "${pids[@]}" 2>/dev/null
        record "$n" "ALLOCSEL_SERVICE=$svc" "MESSAGE_ID=$(msgid EXITED)" >/dev/null
        expect_eq "$n programs at once: each exit is logged" "$n" \
                "$(journalctl -o json --no-pager "ALLOCSEL_SERVICE=$svc" "MESSAGE_ID=$(msgid EXITED)" | grep -c .)"
        run_capture "$allocsel" --status --json
        expect_not_has "$n programs at once: none is listed after its exit" "\"service\":\"$svc\"" "$out"
        rm -f "$pd/$svc.conf"
}

# What a hostile user tried (and must not get): descriptors left open,
# a private file read as root, the journal flooded.
monitor_hostile() {
        local svc="$1-hostile" before after dir rec n
        as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
        before=$(ls "/proc/$mon/fd" | wc -l)
        as_nobody /usr/bin/python3 "$top/tests/helpers/monitor-client.py" "$ALLOCSEL_MONITOR_SOCKET" --junk 100 >/dev/null
        as_nobody /usr/bin/python3 "$top/tests/helpers/monitor-client.py" "$ALLOCSEL_MONITOR_SOCKET" --status >/dev/null
        after=$(ls "/proc/$mon/fd" | wc -l)
        expect_eq "hostile: empty and truncated messages with descriptors leave none open" "$before" "$after"
        # a world-readable file in a directory only root may enter is no library of the user's
        dir=$(mktemp -d /tmp/allocsel-private.XXXXXX)
        chmod 700 "$dir"
        echo "gperftools 9.9-s3cr3t" >"$dir/creds"
        chmod 644 "$dir/creds"
        as_nobody /usr/bin/python3 "$top/tests/helpers/monitor-client.py" "$ALLOCSEL_MONITOR_SOCKET" --op started \
                "MESSAGE_ID=$(msgid STARTED)" PRIORITY=6 "ALLOCSEL_SERVICE=$svc-secret" ALLOCSEL_ALLOCATOR_FAMILY=tcmalloc \
                "ALLOCSEL_LIBRARY=$dir/creds" ALLOCSEL_WATCH_STARTUP_MS=0 ALLOCSEL_WATCH_INTERVAL_MS=50 \
                "ALLOCSEL_WATCH_LIBRARY=$dir/creds" --linger 0.3 >/dev/null
        rec=$(record 1 "ALLOCSEL_SERVICE=$svc-secret" "MESSAGE_ID=$(msgid STARTED)")
        expect_empty "hostile: a file the user cannot read gives no version" "$(jfield "$rec" ALLOCSEL_LIBRARY_VERSION)"
        rec=$(record 1 "ALLOCSEL_SERVICE=$svc-secret" "MESSAGE_ID=$(msgid STARTUP_RSS)")
        expect_empty "hostile: ...nor whether it is mapped" "$(jfield "$rec" ALLOCSEL_LOADED)"
        rm -r "$dir"
        # a flood of records from one user: a burst, then a trickle
        as_nobody /usr/bin/python3 "$top/tests/helpers/monitor-client.py" "$ALLOCSEL_MONITOR_SOCKET" --repeat 1000 \
                "MESSAGE_ID=$(msgid FALLBACK)" PRIORITY=4 "ALLOCSEL_SERVICE=$svc-flood" >/dev/null
        # (a later record of allocsel's own: by then the flood is in)
        cp "$pd/$1.conf" "$pd/$svc-marker.conf"
        "$allocsel" --policy-dir "$pd" "$svc-marker" true >/dev/null 2>&1
        record 1 "ALLOCSEL_SERVICE=$svc-marker" "MESSAGE_ID=$(msgid EXITED)" >/dev/null
        n=$(journalctl -o json --no-pager "ALLOCSEL_SERVICE=$svc-flood" | grep -c .)
        [ "$n" -ge 100 ] && [ "$n" -le 300 ] && pass "hostile: 1,000 records from one user: a burst of about 200 logged ($n)" \
                || fail "hostile: 1,000 records from one user: a burst of about 200 logged" "$n"
}

# A second monitor on a socket of its own, with small limits: a user over
# them is refused, and the refusals are logged.
monitor_limits() {
        local sock="$work/limits/monitor.socket" lpid kept rec
        mkdir -p "$work/limits"
        ALLOCSEL_MONITOR_SOCKET="$sock" "$build/allocsel-monitor" --max-per-user 3 --notice-interval 1 \
                >"$work/limits.log" 2>&1 &
        lpid=$!
        for _ in $(seq 200); do [ -S "$sock" ] && break; sleep 0.02; done
        chmod 755 "$work/limits"
        kept=$(setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 \
                "$top/tests/helpers/monitor-client.py" "$sock" --connections 8)
        expect_eq "limits: one user holds at most --max-per-user connections" 3 "$kept"
        rec=$(record 1 _PID="$lpid" "MESSAGE_ID=$(msgid MONITOR)")
        expect_eq "limits: the refusals are logged, never silently" 5 "$(jfield "$rec" ALLOCSEL_REFUSED_LIMIT)"
        expect_eq "limits: ...as a warning" 4 "$(jfield "$rec" PRIORITY)"
        kill "$lpid"; wait "$lpid" 2>/dev/null
}

# A journal that does not drain (journald stopped): the monitor's loop
# goes on (--status answers, programs start and are watched), the records
# wait in its bounded queue and arrive once journald runs again.
monitor_busy_journal() {
        local svc="$1-busy" jpid i t0 t1 n
        jpid=$(pgrep -x systemd-journal | head -1)
        if [ -z "$jpid" ]; then
                skip "busy journal" "no systemd-journald process found"
                return
        fi
        printf 'allocator = "glibc";\nmonitor = { startup_sample_ms = 0; };\n' >"$pd/$svc.conf"
        chmod 644 "$pd/$svc.conf"
        kill -STOP "$jpid"
        # each run logs started, startup and exit: over 600 records, more than
        # journald's socket queues while it is stopped
        for i in $(seq 250); do "$allocsel" --policy-dir "$pd" "$svc" true; done
        t0=$(date +%s%N)
        run_capture timeout 10 "$allocsel" --status
        t1=$(date +%s%N)
        expect_eq "busy journal: --status answers while journald is stopped" 0 "$rc"
        [ $(( (t1 - t0) / 1000000 )) -lt 3000 ] && pass "busy journal: ...at once ($(( (t1 - t0) / 1000000 )) ms)" \
                || fail "busy journal: ...at once" "$(( (t1 - t0) / 1000000 )) ms"
        run_capture timeout 10 unshare -pf --mount-proc "$allocsel" --policy-dir "$pd" "$svc" /usr/bin/python3 -c 'import os; print(os.getpid())'
        expect_eq "busy journal: allocsel as PID 1 starts its program" "0 1" "$rc $out"
        kill -CONT "$jpid"
        record 251 "ALLOCSEL_SERVICE=$svc" "MESSAGE_ID=$(msgid EXITED)" >/dev/null
        n=$(journalctl -o json --no-pager "ALLOCSEL_SERVICE=$svc" "MESSAGE_ID=$(msgid EXITED)" | grep -c .)
        [ "$n" = 251 ] && pass "busy journal: every exit record arrives once journald runs again" \
                || fail "busy journal: every exit record arrives once journald runs again" \
                "$n exit records of 251; $(journalctl -o json --no-pager "ALLOCSEL_SERVICE=$svc" "MESSAGE_ID=$(msgid STARTED)" | grep -c .) started; $(journalctl --no-pager -o cat _PID="$monitor_pid" | grep -v "^$svc" | tail -3); $(tail -3 "$work/monitor.log")"
        rm -f "$pd/$svc.conf"
}
