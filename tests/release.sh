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

release_tests() {
        echo "# the release helper"
        expect_eq "release helper exports no symbol that could interpose" "" \
                "$(nm -D --defined-only "$build/liballocsel-release.so" | grep -v ' [wWvV] ')"
        release_case glibc glibc
        release_case tcmalloc tcmalloc-minimal

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
