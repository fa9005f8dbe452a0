# Libraries and programs as files (sourced by integration.sh): paths ld.so
# would split, FIFOs, files rewritten while allocsel reads them, what a
# library must be, one open per library, and how the program is exec'd.

# no_block NAME CMD...: runs CMD with a time limit; rc 124 means it blocked.
no_block() {
        local name=$1; shift
        run_capture timeout 10 "$@"
        if [ "$rc" = 124 ]; then fail "$name: never blocks" "timed out after 10 s"; else pass "$name: never blocks"; fi
}

library_path_tests() {
        local t=$1 f
        echo "# library paths ld.so would split (issue 10 item 2)"
        mkdir -m 755 "$t/with space" "$t/a:b"
        cp "$jemalloc" "$t/with space/libjemalloc.so.2"; cp "$jemalloc" "$t/a:b/libjemalloc.so.2"
        chmod 644 "$t/with space/libjemalloc.so.2" "$t/a:b/libjemalloc.so.2"
        printf 'allocator = "jemalloc";\nlibrary = "%s";\n' "$t/with space/libjemalloc.so.2" > "$t/pd/space.conf"
        printf 'allocator = "jemalloc";\nlibrary = "%s";\n' "$t/a:b/libjemalloc.so.2" > "$t/pd/colon.conf"
        printf 'allocator = "jemalloc";\nlibrary = "%s/libjemalloc.so.2\t";\n' "$libdir" > "$t/pd/tab.conf"
        chmod 644 "$t"/pd/*.conf
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$work/none.conf" --check space
        expect_eq "library with a space: --check fails" 1 "$rc"
        expect_eq "...with FILE:LINE and the reason" \
                "$t/pd/space.conf:2: library: \"$t/with space/libjemalloc.so.2\" contains a space (ld.so splits LD_PRELOAD on whitespace and ':')" "$err"
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$work/none.conf" --check colon
        expect_has "library with ':': --check fails naming it" "$t/pd/colon.conf:2: library: \"$t/a:b/libjemalloc.so.2\" contains ':'" "$err"
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$work/none.conf" --check tab
        expect_has "library ending in a tab: --check fails" "tab.conf:2: library: " "$err"
        expect_has "...escaping the tab" 'contains a tab' "$err"
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$work/none.conf" space "$probe" LD_PRELOAD
        expect_eq "library with a space: the program runs untouched" "(unset)" "$(value env.LD_PRELOAD)"
        # ld.so expands $LIB, $ORIGIN and $PLATFORM in LD_PRELOAD: the file
        # checked (a directory really named $LIB) is not the one it would load
        mkdir -m 755 "$t/\$LIB"; cp "$jemalloc" "$t/\$LIB/libjemalloc.so.2"; chmod 644 "$t/\$LIB/libjemalloc.so.2"
        printf 'allocator = "jemalloc";\nlibrary = "%s";\n' "$t/\$LIB/libjemalloc.so.2" > "$t/pd/dst.conf"
        chmod 644 "$t/pd/dst.conf"
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$work/none.conf" --check dst
        expect_eq "library path with \$LIB: --check fails" 1 "$rc"
        expect_has "...saying why" \
                "dst.conf:2: library: \"$t/\$LIB/libjemalloc.so.2\" contains '\$' (ld.so expands \$ORIGIN, \$LIB and \$PLATFORM" "$err"
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$work/none.conf" dst "$probe" LD_PRELOAD
        expect_eq "...and the program runs untouched" "(unset)" "$(value env.LD_PRELOAD)"
        rm -r "$t/\$LIB"
        rm "$t"/pd/*.conf

        printf 'allocator = "jemalloc";\n' > "$t/pd/je.conf"; chmod 644 "$t/pd/je.conf"
        printf 'library_dirs = [ "/usr/lib",\n  "%s" ];\n' "$t/with space" > "$t/dirs.conf"
        printf 'allocators = {\n  sp = { library = "%s"; family = "jemalloc"; };\n};\n' \
                "$t/a:b/libjemalloc.so.2" > "$t/custom.conf"
        chmod 644 "$t/dirs.conf" "$t/custom.conf"
        printf 'allocator = "glibc";\n' > "$t/pd/gl.conf"; chmod 644 "$t/pd/gl.conf"
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$t/dirs.conf" --check
        expect_eq "library_dirs entry with a space: --check fails" 1 "$rc"
        expect_has "...naming allocsel.conf's line" "$t/dirs.conf:2: library_dirs: entry 2, \"$t/with space\" contains a space" "$err"
        expect_eq "...once for all the policies checked (allocsel.conf is read once)" 1 "$(grep -c 'dirs.conf:2' <<<"$err")"
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$t/dirs.conf" gl "$probe" ALLOCSEL_ALLOCATOR
        expect_eq "...and a service falls back on it" "(unset)" "$(value env.ALLOCSEL_ALLOCATOR)"
        rm "$t/pd/gl.conf"
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$t/custom.conf" --check je
        expect_eq "custom allocator's library with ':': --check fails" 1 "$rc"
        expect_has "...naming allocsel.conf's line" "$t/custom.conf:2: allocators.sp: library \"$t/a:b/libjemalloc.so.2\" contains ':'" "$err"

        # the release helper's own path: allocsel installed under a directory with a space
        mkdir -m 755 "$t/with space/bin"
        for f in allocsel allocsel-monitor liballocsel-release.so; do cp "$build/$f" "$t/with space/bin/"; done
        printf 'release = { enabled = true; };\n' > "$t/pd/rel.conf"; chmod 644 "$t/pd/rel.conf"
        run_capture "$t/with space/bin/allocsel" --policy-dir "$t/pd" --config "$work/none.conf" --check rel
        expect_eq "release helper under a path with a space: --check fails" 1 "$rc"
        expect_has "...naming the helper's path" "release: \"$t/with space/bin/liballocsel-release.so\" contains a space" "$err"
        rm -r "$t/with space" "$t/a:b" "$t"/pd/*.conf "$t/dirs.conf" "$t/custom.conf"
}

fifo_tests() {
        local t=$1
        echo "# FIFOs as library, program or #! interpreter never block (issue 10 item 6)"
        mkfifo -m 755 "$t/fifo"
        printf 'allocator = "jemalloc";\nlibrary = "%s";\n' "$t/fifo" > "$t/pd/fifo.conf"; chmod 644 "$t/pd/fifo.conf"
        no_block "library that is a FIFO" "$allocsel" --policy-dir "$t/pd" --config "$work/none.conf" --check fifo
        expect_eq "library that is a FIFO: --check fails" 1 "$rc"
        expect_has "...saying it is not a regular file" "fifo.conf:2: library: $t/fifo is not a regular file" "$err"
        printf 'library_dirs = [ "%s" ];\n' "$t/fifodir" > "$t/fifodirs.conf"; chmod 644 "$t/fifodirs.conf"
        mkdir -m 755 "$t/fifodir"; mkfifo -m 644 "$t/fifodir/libjemalloc.so.2"
        printf 'allocator = "jemalloc";\n' > "$t/pd/je.conf"; chmod 644 "$t/pd/je.conf"
        no_block "FIFO found in a library directory" "$allocsel" --policy-dir "$t/pd" --config "$t/fifodirs.conf" --check je
        expect_has "...is reported" "$t/fifodir/libjemalloc.so.2 is not a regular file" "$err"
        no_block "program that is a FIFO" "$allocsel" --policy-dir "$t/pd" --config "$work/none.conf" je "$t/fifo"
        expect_eq "program that is a FIFO: 126 like execve" 126 "$rc"
        printf '#!%s\n' "$t/fifo" > "$t/fifo-script"; chmod 755 "$t/fifo-script"
        no_block "#! interpreter that is a FIFO" "$allocsel" --policy-dir "$t/pd" --config "$work/none.conf" je "$t/fifo-script"
        expect_eq "#! interpreter that is a FIFO: 126 like execve" 126 "$rc"
        rm -r "$t/fifo" "$t/fifo-script" "$t/fifodir" "$t/fifodirs.conf" "$t"/pd/*.conf
}

what_a_library_is_tests() {
        local t=$1
        echo "# a library is a shared object that replaces malloc (issue 10 item 14)"
        cp "$probe" "$t/pie"; chmod 644 "$t/pie"
        printf 'allocator = "jemalloc";\nlibrary = "%s";\n' "$t/pie" > "$t/pd/pie.conf"
        printf 'allocator = "mimalloc";\nlibrary = "%s";\n' "$build/tests/libno-override.so" > "$t/pd/nomalloc.conf"
        chmod 644 "$t"/pd/*.conf
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$work/none.conf" --check pie
        expect_eq "PIE executable as library: --check fails" 1 "$rc"
        expect_has "...saying why" "pie.conf:2: library: $t/pie is a program (it has an interpreter), not a shared library" "$err"
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$work/none.conf" --check nomalloc
        expect_eq "library exporting no malloc: --check fails" 1 "$rc"
        expect_has "...saying why" "libno-override.so does not export malloc and free (preloading it would replace nothing)" "$err"
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$work/none.conf" nomalloc "$probe" LD_PRELOAD
        expect_eq "...and the program runs untouched" "(unset)" "$(value env.LD_PRELOAD)"
        rm "$t/pie" "$t"/pd/*.conf
}

# A copy of a file rewritten (truncated, then written back) in a loop until
# the stop file appears. The rewrite may fail on a running program (ETXTBSY).
rewrite_loop() { # FILE SOURCE STOP
        while [ ! -e "$3" ]; do
                : 2>/dev/null > "$1"; cat "$2" 2>/dev/null > "$1"
        done
}

truncation_tests() {
        local t=$1 i deaths=0 starts=${TRUNCATE_STARTS:-400} writer
        echo "# files truncated while allocsel reads them: no SIGBUS (issue 10 item 5)"
        cp "$jemalloc" "$t/libjemalloc.so.2"; chmod 644 "$t/libjemalloc.so.2"
        printf 'allocator = "jemalloc";\nlibrary = "%s";\n' "$t/libjemalloc.so.2" > "$t/pd/trunc.conf"
        printf 'allocator = "jemalloc";\n' > "$t/pd/je.conf"
        chmod 644 "$t"/pd/*.conf
        rewrite_loop "$t/libjemalloc.so.2" "$jemalloc" "$t/stop" & writer=$!
        for ((i = 0; i < starts; i++)); do
                "$allocsel" --policy-dir "$t/pd" --config "$work/none.conf" --explain trunc >/dev/null 2>&1
                [ $? -ge 128 ] && deaths=$((deaths + 1))
        done
        touch "$t/stop"; wait "$writer"; rm "$t/stop"
        expect_eq "library rewritten during $starts --explain runs: no signal deaths" 0 "$deaths"

        # The program: allocsel reads its headers before the exec. A death
        # by signal with no "started" line is allocsel's own (the program, if
        # exec'd half-written, dies after that line).
        cp "$build/tests/links-jemalloc" "$t/prog"; chmod 755 "$t/prog"
        deaths=0
        rewrite_loop "$t/prog" "$build/tests/links-jemalloc" "$t/stop" & writer=$!
        for ((i = 0; i < starts; i++)); do
                run_capture "$allocsel" --policy-dir "$t/pd" --config "$work/none.conf" --no-monitor je "$t/prog"
                [ "$rc" -ge 128 ] && ! grep -qE "je: (started|not preloading)" <<<"$err" && deaths=$((deaths + 1))
        done
        touch "$t/stop"; wait "$writer"; rm "$t/stop"
        expect_eq "program rewritten during $starts starts: allocsel never dies of a signal" 0 "$deaths"
        rm "$t/libjemalloc.so.2" "$t/prog" "$t"/pd/*.conf
}

one_open_tests() {
        local t=$1 opens
        echo "# one open per library (issue 13)"
        if ! command -v strace >/dev/null; then
                skip "one open per library" "strace not installed"
                return
        fi
        printf 'allocator = "jemalloc";\njemalloc = { background_thread = true; };\n' > "$t/pd/je.conf"
        chmod 644 "$t/pd/je.conf"
        strace -o "$t/trace" -e trace=openat,open,execve "$allocsel" --policy-dir "$t/pd" \
                --config "$work/none.conf" --no-monitor je /bin/true 2>/dev/null
        # what allocsel itself opens: everything before the exec of the program
        opens=$(sed '/execve("\/bin\/true"/q' "$t/trace" | grep -c 'open.*libjemalloc.so.2"')
        expect_eq "the exec path opens the library once" 1 "$opens"
        strace -o "$t/trace" -e trace=openat,open,execve "$allocsel" --policy-dir "$t/pd" \
                --config "$work/none.conf" --no-monitor je /bin/true 2>/dev/null
        opens=$(sed '/execve("\/bin\/true"/q' "$t/trace" | grep -c 'open.*"/bin/true"')
        expect_eq "...and the program once" 1 "$opens"
        rm "$t/trace" "$t/pd/je.conf"
}

# The program is exec'd by the path as given (README, "Choices made"): the
# kernels in the field name a process exec'd through a descriptor after the
# descriptor's number, and a #! script would see /dev/fd/N as its path.
exec_by_path_tests() {
        local t=$1 show='import os; print(open("/proc/self/comm").read().strip()); print(sorted(os.listdir("/proc/self/fd")))'
        echo "# the program keeps its name, its path and no descriptor of allocsel's"
        printf 'allocator = "jemalloc";\n' > "$t/pd/je.conf"; chmod 644 "$t/pd/je.conf"
        run_capture /usr/bin/python3 -c "$show"
        local without=$out
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$work/none.conf" --no-monitor je /usr/bin/python3 -c "$show"
        expect_eq "comm is the program's name (ps, pkill, journal _COMM)" python3 "$(head -1 <<<"$out")"
        expect_eq "...and it has the descriptors it has without allocsel" "$without" "$out"
        printf '#!/usr/bin/python3\nimport sys; print(sys.argv[0])\n' > "$t/script.py"; chmod 755 "$t/script.py"
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$work/none.conf" --no-monitor je "$t/script.py"
        expect_eq "a #! script sees its own path" "$t/script.py" "$out"
        rm "$t/script.py" "$t/pd/je.conf"
}

# PROGRAM found as execvp and env(1) find it (issue 22 item 15).
find_like_execvp_tests() {
        local t=$1
        echo "# PROGRAM is found as execvp and env(1) find it, and exec'd as systemd does (issue 22 item 15)"
        mkdir -m 755 "$t/bin"
        printf '#!/bin/sh\necho "ran $0"\n' > "$t/bin/allocsel-tool"; chmod 755 "$t/bin/allocsel-tool"
        for path in ":/usr/bin:/bin" "/usr/bin:/bin:" "/usr/bin::/bin"; do
                run_capture bash -c 'cd "$1" && shift && exec "$@"' _ "$t/bin" env PATH="$path" \
                        "$allocsel" --policy-dir "$t/pd" --config "$work/none.conf" --no-monitor svc allocsel-tool
                expect_eq "PATH=$path: the empty element is the current directory" "0 ran allocsel-tool" "$rc $out"
        done
        run_capture bash -c 'cd "$1" && shift && exec "$@"' _ "$t/bin" env PATH="$path" allocsel-tool
        expect_eq "...as env(1) has it" "ran allocsel-tool" "$out"
        # the one difference, on purpose (README): execve, as systemd runs
        # ExecStart=, with no /bin/sh for a file the kernel cannot run
        printf 'echo "no #! line, run by $0"\n' > "$t/bin/no-shebang"; chmod 755 "$t/bin/no-shebang"
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$work/none.conf" --no-monitor svc "$t/bin/no-shebang"
        expect_eq "a file without #! is not handed to /bin/sh: 126" 126 "$rc"
        expect_has "...saying why" "cannot run $t/bin/no-shebang: Exec format error" "$err"
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$work/none.conf" --no-monitor svc /etc/passwd/x
        expect_eq "a path through a file: ENOTDIR is 126, as env(1) exits" 126 "$rc"
        expect_has "...saying why" "/etc/passwd/x: Not a directory" "$err"
        rm -r "$t/bin"
}

# Set-ID, capabilities and reading the program, for every preload
# (issue 22 items 8 and 14).
program_obstacle_tests() {
        local t=$1 nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
        echo "# programs the preloads cannot reach, whatever is preloaded (issue 22 items 8, 14)"
        printf 'allocator = "jemalloc";\n' > "$t/pd/je.conf"
        printf 'allocator = "glibc";\nrelease = { enabled = true; };\n' > "$t/pd/rel.conf"
        printf 'allocator = "glibc";\nchildren = "clean";\n' > "$t/pd/kids.conf"
        chmod 644 "$t"/pd/*.conf
        for svc in rel kids; do
                run_capture "$allocsel" --policy-dir "$t/pd" --config "$work/none.conf" --no-monitor $svc \
                        "$build/tests/static-true"
                expect_has "glibc + $svc: a static program is checked too" \
                        "$svc: not preloading $build/liballocsel-" "$err"
                expect_has "...saying why" "static-true is a static executable" "$err"
        done
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$work/none.conf" --no-monitor rel \
                "$build/tests/links-jemalloc"
        expect_not_has "glibc + release: a program linking jemalloc is no obstacle to the helper" "not preloading" "$err"
        if [ "$is_root" = yes ] && command -v setpriv >/dev/null; then
                cp "$probe" "$t/probe-4711"; chmod 4711 "$t/probe-4711"
                run_capture $nobody "$allocsel" --policy-dir "$t/pd" --config "$work/none.conf" --no-monitor je "$t/probe-4711"
                expect_has "set-user-ID, unreadable (4711): seen by its mode, not by reading it" \
                        "je: not preloading $jemalloc, environment untouched: $t/probe-4711 is set-user-ID" "$err"
                expect_not_has "...never logged as started with jemalloc" "je: started" "$err"
                cp "$probe" "$t/probe-711"; chmod 711 "$t/probe-711"
                run_capture $nobody "$allocsel" --policy-dir "$t/pd" --config "$work/none.conf" --no-monitor je "$t/probe-711" \
                        ALLOCSEL_SERVICE
                expect_has "unreadable (711): it cannot be told, so no preload" \
                        "$t/probe-711 cannot be inspected (Permission denied)" "$err"
                expect_eq "...and it runs untouched" "0 (unset) /lib/x86_64-linux-gnu/libc.so.6" \
                        "$rc $(value env.ALLOCSEL_SERVICE) $(value malloc_from | sed 's#^/usr/lib#/lib#')"
                rm "$t/probe-4711" "$t/probe-711"
        else
                skip "unreadable set-ID program" "needs root and setpriv to become nobody"
        fi
        rm "$t"/pd/*.conf
}

library_tests() {
        local t="$work/library"
        mkdir -m 755 "$t" "$t/pd"
        library_path_tests "$t"
        fifo_tests "$t"
        what_a_library_is_tests "$t"
        truncation_tests "$t"
        one_open_tests "$t"
        exec_by_path_tests "$t"
        find_like_execvp_tests "$t"
        program_obstacle_tests "$t"
        rm -r "$t"
}
