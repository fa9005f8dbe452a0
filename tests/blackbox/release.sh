# The release helper (sourced by integration.sh).

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
has_trim_thread() { grep -qx allocsel-trim /proc/"$1"/task/*/comm 2>/dev/null; }

# wait_line FILE PATTERN: waits up to 20 s for a line matching PATTERN; prints it
wait_line() {
        for _ in $(seq 400); do
                grep -m1 "$2" "$1" 2>/dev/null && return 0
                sleep 0.05
        done
        return 1
}

# rss_falls_below PID KB MS: true once PID's RSS is below KB, within MS
rss_falls_below() {
        local left=$3 r
        while [ "$left" -gt 0 ]; do
                r=$(rss_kb "$1")
                [ -n "$r" ] && [ "$r" -lt "$2" ] && return 0
                sleep 0.05
                left=$((left - 50))
        done
        return 1
}

release_case() { # NAME POLICY-ALLOCATOR: 200 MiB fragmented, freed; RSS must fall under 64 MiB (the control keeps over 150)
        local name=$1 allocator=$2 out="$work/frag-$1.out" pid line
        printf 'allocator = "%s";\nrelease = { interval_ms = 200; min_free_kb = 1024; };\n' "$allocator" > "$pd/rel-$name.conf"
        printf 'allocator = "%s";\n' "$allocator" > "$pd/norel-$name.conf"
        chmod 644 "$pd/rel-$name.conf" "$pd/norel-$name.conf"

        "$allocsel" --policy-dir "$pd" --no-monitor "norel-$name" "$build/tests/fragment" 200 2500 >"$out.0" 2>/dev/null &
        pid=$!
        wait_line "$out.0" freed >/dev/null
        ! has_trim_thread "$pid" && pass "release ($name): no thread when the policy does not ask" \
                || fail "release ($name): no thread when the policy does not ask"
        # the control: same program, no helper, still holds most of the 200 MiB
        if rss_falls_below "$pid" 40960 1200; then
                fail "release ($name): without the helper the memory stays (control)" "$(rss_kb "$pid") KiB"
        else
                r=$(rss_kb "$pid")
                [ "${r:-0}" -ge 150000 ] && pass "release ($name): without the helper the memory stays ($r KiB)" \
                        || fail "release ($name): without the helper the memory stays (control)" "RSS ${r:-none} KiB"
        fi
        wait "$pid"

        "$allocsel" --policy-dir "$pd" --no-monitor "rel-$name" "$build/tests/fragment" 200 5000 fork >"$out" 2>/dev/null &
        pid=$!
        wait_line "$out" "^freed" >/dev/null
        has_trim_thread "$pid" && pass "release ($name): the thread exists, named allocsel-trim" \
                || fail "release ($name): the thread exists, named allocsel-trim"
        rss_falls_below "$pid" 65536 2000 && pass "release ($name): RSS falls below 64 MiB within a few intervals ($(rss_kb "$pid") KiB)" \
                || fail "release ($name): RSS falls below 64 MiB within a few intervals" "$(rss_kb "$pid") KiB"
        line=$(wait_line "$out" "child freed")
        child=${line##*pid=}
        has_trim_thread "$child" && pass "release ($name): a fork()ed child has its own thread" \
                || fail "release ($name): a fork()ed child has its own thread"
        rss_falls_below "$child" 102400 2000 && pass "release ($name): ...and gives its memory back too" \
                || fail "release ($name): ...and gives its memory back too" "$(rss_kb "$child") KiB"
        wait "$pid"
        expect_eq "release ($name): the program exits normally" 0 "$?"
}

# The shipped glibc policy in Debian's own Python (non-PIE: dlsym("malloc")
# there is the executable's PLT entry), started directly and through a
# #!/bin/sh wrapper that execs it, beside a control without the helper.
release_python() {
        local py=/usr/bin/python3 frag="$top/tests/helpers/fragment.py" wrapper="$work/python-wrapper" p pid
        local -A pids
        if [ ! -x "$py" ]; then
                fail "release (python): $py is needed (the distribution's interpreter)"
                return
        fi
        cp "$top/conf/low-rss-glibc.conf" "$pd/rel-lowrss.conf"
        printf 'allocator = "glibc";\n' > "$pd/norel-py.conf"
        chmod 644 "$pd/rel-lowrss.conf" "$pd/norel-py.conf"
        printf '#!/bin/sh\nexec %s "$@"\n' "$py" > "$wrapper"
        chmod 755 "$wrapper"

        "$allocsel" --policy-dir "$pd" --no-monitor norel-py "$py" "$frag" 200 30 >"$work/py-control.out" 2>/dev/null &
        pids[control]=$!
        "$allocsel" --policy-dir "$pd" --no-monitor rel-lowrss "$py" "$frag" 200 30 >"$work/py-direct.out" 2>/dev/null &
        pids[direct]=$!
        "$allocsel" --policy-dir "$pd" --no-monitor rel-lowrss "$wrapper" "$frag" 200 30 >"$work/py-wrapper.out" 2>/dev/null &
        pids[wrapper]=$!
        for p in control direct wrapper; do
                wait_line "$work/py-$p.out" freed >/dev/null || fail "release (python): $p run says freed"
        done
        for p in direct wrapper; do
                pid=${pids[$p]}
                has_trim_thread "$pid" && pass "release (python, $p): low-rss-glibc.conf runs the allocsel-trim thread" \
                        || fail "release (python, $p): low-rss-glibc.conf runs the allocsel-trim thread" "threads: $(cat /proc/"$pid"/task/*/comm 2>/dev/null | tr '\n' ' ')"
                rss_falls_below "$pid" 65536 5000 && pass "release (python, $p): RSS falls below 64 MiB after the free ($(rss_kb "$pid") KiB)" \
                        || fail "release (python, $p): RSS falls below 64 MiB after the free" "$(rss_kb "$pid") KiB"
        done
        run_capture "$allocsel" --policy-dir "$pd" --no-monitor rel-lowrss "$build/tests/probe"
        expect_eq "release (low-rss-glibc.conf): glibc's fast bins are off in the program (mxfast = 0)" \
                "glibc.fastbin_bytes=0" "$(grep '^glibc.fastbin_bytes=' <<<"$out")"
        run_capture "$allocsel" --policy-dir "$pd" --no-monitor norel-py "$build/tests/probe"
        [ "$(sed -n 's/^glibc.fastbin_bytes=//p' <<<"$out")" -gt 0 ] 2>/dev/null \
                && pass "release: ...and on without it (control)" || fail "release: ...and on without it (control)" "$out"
        r=$(rss_kb "${pids[control]}")
        [ "${r:-0}" -ge 150000 ] && pass "release (python): without the helper the memory stays ($r KiB)" \
                || fail "release (python): without the helper the memory stays (control)" "RSS ${r:-none} KiB"
        for p in control direct wrapper; do
                kill "${pids[$p]}" 2>/dev/null
                wait "${pids[$p]}" 2>/dev/null
        done
        rm -f "$pd/rel-lowrss.conf" "$pd/norel-py.conf"
}

# release_shape ALLOCATOR MODE: 200 MiB in use, held idle for five
# intervals, then freed at once (hold) or gradually over a second of busy
# CPU (busy); RSS must fall under 64 MiB within ten intervals once the
# program is idle, and not while it is busy. tcmalloc's own gradual release
# is off (release_rate = 0): what falls is the helper's doing. The program is
# the non-PIE build, which exports malloc like Debian's Python.
release_shape_start() {
        local allocator=$1 mode=$2 name="$1-$2"
        printf 'allocator = "%s";\ntcmalloc = { release_rate = 0; };\nrelease = { interval_ms = 200; };\n' \
                "$allocator" > "$pd/rel-$name.conf"
        chmod 644 "$pd/rel-$name.conf"
        "$allocsel" --policy-dir "$pd" --no-monitor "rel-$name" "$build/tests/fragment-nopie" 200 1000 "$mode" 10000 \
                >"$work/shape-$name.out" 2>/dev/null &
        shape_pid=$!
}

release_shape_check() { # ALLOCATOR MODE PID
        local name="$1-$2" pid=$3 line
        if ! wait_line "$work/shape-$name.out" "^freed" >/dev/null; then
                fail "release ($name): the program frees" "$(cat "$work/shape-$name.out")"
        elif [ "$2" = busy ]; then
                line=$(grep -m1 busy-end "$work/shape-$name.out")
                [ "${line##*=}" -ge 150000 ] && pass "release ($name): nothing given back while the program is busy (${line##*=} KiB)" \
                        || fail "release ($name): nothing given back while the program is busy" "$line"
        fi
        rss_falls_below "$pid" 65536 2000 && pass "release ($name): RSS falls below 64 MiB within ten intervals once idle ($(rss_kb "$pid") KiB)" \
                || fail "release ($name): RSS falls below 64 MiB within ten intervals once idle" "$(rss_kb "$pid") KiB"
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        rm -f "$pd/rel-$name.conf"
}

release_shapes() {
        local mode glibc_pid minimal_pid
        for mode in hold busy; do
                release_shape_start glibc "$mode"
                glibc_pid=$shape_pid
                release_shape_start tcmalloc-minimal "$mode"
                minimal_pid=$shape_pid
                release_shape_start tcmalloc "$mode"
                release_shape_check glibc "$mode" "$glibc_pid"
                release_shape_check tcmalloc-minimal "$mode" "$minimal_pid"
                release_shape_check tcmalloc "$mode" "$shape_pid"
        done
}

release_tests() {
        echo "# the release helper"
        expect_empty "release helper exports no symbol that could interpose" \
                "$(nm -D --defined-only "$build/liballocsel-release.so" | grep -v ' [wWvV] ')"
        release_case glibc glibc
        release_case tcmalloc tcmalloc-minimal
        release_case tcmalloc-full tcmalloc
        release_python
        release_shapes

        printf 'allocator = "glibc";\nrelease = { interval_ms = 3600000; };\n' > "$pd/rel-slow.conf"
        chmod 644 "$pd/rel-slow.conf"
        start=$(date +%s%N)
        "$allocsel" --policy-dir "$pd" --no-monitor rel-slow "$build/tests/eater" 1 0 0 >/dev/null 2>&1
        took=$(( ($(date +%s%N) - start) / 1000000 ))
        [ "$took" -lt 1000 ] && pass "release: a program exits at once while the thread sleeps (${took} ms)" \
                || fail "release: a program exits at once while the thread sleeps" "${took} ms"

        "$allocsel" --policy-dir "$pd" --no-monitor rel-slow sh -c 'sleep 1.5 & echo $!; wait' >"$work/rel-sh.out" 2>/dev/null &
        pid=$!
        child=$(wait_line "$work/rel-sh.out" '^[0-9]')
        has_trim_thread "$pid" && pass "release: the launched program has the thread" \
                || fail "release: the launched program has the thread"
        ! has_trim_thread "$child" && pass "release: programs it runs (fork and exec) do not" \
                || fail "release: programs it runs (fork and exec) do not"
        wait "$pid"

        for bad in 'allocator = "jemalloc";|jemalloc gives memory back itself' \
                   "allocator = \"mimalloc\";|a thread cannot make mimalloc give back the program's memory; set mimalloc.purge_delay = 0 instead"; do
                printf '%s\nrelease = { enabled = true; };\n' "${bad%%|*}" > "$pd/rel-bad.conf"
                chmod 644 "$pd/rel-bad.conf"
                run --check rel-bad
                expect_has "release refused with advice: ${bad%%|*}" "rel-bad.conf:2: release: ${bad#*|}" "$err"
        done
        rm -f "$pd"/rel-*.conf "$pd"/norel-*.conf
}
