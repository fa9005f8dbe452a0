# What operators trip over with preloaded allocators (sourced by
# integration.sh): child processes, huge pages, the host's own allocator
# configuration.

# What a child says about itself: which malloc, what is mapped, what it got.
child_view() {
        printf '%s maps:jemalloc=%s maps:children=%s LD_PRELOAD=%s MALLOC_CONF=%s PYTHONMALLOC=%s ALLOCSEL=%s%s%s' \
                "$(value malloc_from | sed 's#^/usr/lib#/lib#')" "$(value maps.libjemalloc)" "$(value maps.liballocsel-children)" \
                "$(value env.LD_PRELOAD)" "$(value env.MALLOC_CONF)" "$(value env.PYTHONMALLOC)" \
                "$(value env.ALLOCSEL_SERVICE)" "$(value env.ALLOCSEL_ALLOCATOR)" "$(value env.ALLOCSEL_CHILDREN)"
}

field_children() {
        local keep="$build/tests/libkeep.so" spawner="$build/tests/spawner" libc
        local asks="LD_PRELOAD MALLOC_CONF PYTHONMALLOC ALLOCSEL_SERVICE ALLOCSEL_ALLOCATOR ALLOCSEL_CHILDREN maps:libjemalloc maps:liballocsel-children"
        local clean mode py
        libc=$(ldd "$probe" | sed -n 's#.*=> \(/[^ ]*libc\.so\.6\).*#\1#p' | sed 's#^/usr/lib#/lib#')
        # the environment before allocsel: a library of the caller's own and two variables allocsel changes
        clean="$libc maps:jemalloc=0 maps:children=0 LD_PRELOAD=$keep MALLOC_CONF=narenas:2 PYTHONMALLOC=pymalloc ALLOCSEL=(unset)(unset)(unset)"
        svc() { run_capture env LD_PRELOAD="$keep" MALLOC_CONF=narenas:2 PYTHONMALLOC=pymalloc \
                "$allocsel" --policy-dir "$pd" --config "$work/none.conf" --no-monitor "$@"; }

        echo "# children = \"inherit\" (the default): every child gets the allocator"
        policy kids-inherit <<'EOF2'
allocator = "jemalloc";
environment = { PYTHONMALLOC = "malloc"; };
EOF2
        svc kids-inherit "$spawner" fork-execv "$probe" $asks
        expect_eq "inherit: a fork+exec child runs on jemalloc (today's behaviour)" 1 "$(value maps.libjemalloc)"

        echo "# children = \"clean\": a C program starts children every way there is"
        policy kids <<'EOF2'
allocator = "jemalloc";
children = "clean";
jemalloc = { dirty_decay_ms = 1000; };
environment = { PYTHONMALLOC = "malloc"; };
EOF2
        for mode in fork-execv vfork-execve fork-execl fork-execlp fork-fexecve posix_spawn posix_spawnp \
                    system popen-r popen-w worker-system; do
                svc kids "$spawner" "$mode" "$probe" $asks
                expect_eq "clean: $mode: the child has the environment from before allocsel" "$clean" "$(child_view)"
                expect_eq "clean: $mode: the service itself stays on jemalloc" "$jemalloc" "$(value parent.malloc_from)"
        done
        svc kids "$spawner" fork-execle "$probe" maps:libjemalloc
        expect_eq "clean: fork-execle: the child runs on glibc" 0 "$(value maps.libjemalloc)"
        svc kids "$spawner" self-execv "$probe" $asks
        expect_eq "clean: an exec in the service's own process keeps everything" \
                "$jemalloc 1 kids malloc" "$(value malloc_from) $(value maps.libjemalloc) $(value env.ALLOCSEL_SERVICE) $(value env.PYTHONMALLOC)"
        svc kids "$spawner" system exit 3
        expect_eq "clean: system() returns the command's wait status" 768 "$(value status)"
        expect_eq "clean: system() gives SIGINT back to the caller" default "$(value sigint)"
        svc kids "$spawner" system /nonexistent/program
        expect_eq "clean: system() of a missing program: the shell's 127" 32512 "$(value status)"
        svc kids "$spawner" popen-r exit 5
        expect_eq "clean: pclose() returns the command's wait status" 1280 "$(value status)"

        echo "# children = \"clean\": popen's modes as glibc reads them (issue 22 item 5)"
        run_capture "$spawner" popen-modes x
        local glibc_modes
        glibc_modes=$(grep '^popen\.' <<<"$out")
        expect_has "glibc takes \"er\" (the test's own premise)" "popen.er=ok cloexec=1" "$glibc_modes"
        svc kids "$spawner" popen-modes x
        expect_eq "clean: popen takes the modes glibc takes, refuses the others, with the same close-on-exec" \
                "$glibc_modes" "$(grep '^popen\.' <<<"$out")"

        echo "# children = \"clean\" on small thread stacks (issue 22 item 4)"
        local vars stack count times
        for stack_count in 16384:1500 65536:10000; do
                stack=${stack_count%:*} count=${stack_count#*:}
                vars=$(for i in $(seq "$count"); do printf 'V%05d=x ' "$i"; done)
                for mode in thread-posix_spawn thread-vfork-execve; do
                        # shellcheck disable=SC2086 # the variables are words
                        run_capture env $vars SPAWNER_STACK="$stack" "$spawner" "$mode" "$probe" ALLOCSEL_SERVICE
                        expect_eq "without allocsel: $mode from a $((stack / 1024)) KiB thread, $count variables" \
                                "0 0" "$rc $(value status)"
                        # shellcheck disable=SC2086
                        run_capture env $vars SPAWNER_STACK="$stack" LD_PRELOAD="$keep" "$allocsel" --policy-dir "$pd" \
                                --config "$work/none.conf" --no-monitor kids "$spawner" "$mode" "$probe" ALLOCSEL_SERVICE V00001
                        expect_eq "clean: the same works, the child's environment cleaned" "0 0 (unset) x" \
                                "$rc $(value status) $(value env.ALLOCSEL_SERVICE) $(value env.V00001)"
                done
        done
        # an exec that works never returns to free what it used (in a vfork
        # child, the parent's memory), and threads end
        vars=$(for i in $(seq 1500); do printf 'V%05d=x ' "$i"; done)
        for mode in thread-posix_spawn thread-vfork-execve; do
                for times in 200:1 1:200; do
                        # shellcheck disable=SC2086
                        run_capture env $vars SPAWNER_STACK=16384 SPAWNER_TIMES="${times%:*}" SPAWNER_THREADS="${times#*:}" \
                                LD_PRELOAD="$keep" "$allocsel" --policy-dir "$pd" --config "$work/none.conf" --no-monitor \
                                kids "$spawner" "$mode" /bin/true
                        count="200 ${mode#thread-} with 1,500 variables from $([ "${times#*:}" = 1 ] && echo one thread || echo 200 threads)"
                        [ "$rc $(value status)" = "0 0" ] && [ -n "$(value vm_growth_kb)" ] && [ "$(value vm_growth_kb)" -lt 256 ] &&
                                pass "clean: $count: the service grows by $(value vm_growth_kb) KiB" ||
                                fail "clean: $count: each works, the service does not grow" \
                                        "rc=$rc status=$(value status) growth=$(value vm_growth_kb) KiB $err"
                done
        done

        echo "# children = \"clean\": /usr/bin/python3 as the service"
        cat > "$work/kids.py" <<'EOF2'
import os, subprocess, sys
probe, asks = sys.argv[1], sys.argv[2:]
print("parent.jemalloc=%d" % any("libjemalloc" in l for l in open("/proc/self/maps")))
print("parent.PYTHONMALLOC=%s" % os.environ.get("PYTHONMALLOC"), flush=True)
mode = os.environ["KIDS_MODE"]
if mode == "subprocess.run":
    subprocess.run([probe] + asks)
elif mode == "os.system":
    os.system(" ".join([probe] + asks))
elif mode == "os.popen":
    print(os.popen(" ".join([probe] + asks)).read(), end="")
elif mode == "os.posix_spawn":
    os.waitpid(os.posix_spawn(probe, [probe] + asks, os.environ), 0)
elif mode == "python-child":
    subprocess.run(["/usr/bin/python3", "-c", "import os; print('malloc_from=%s' % ('jemalloc' if any('libjemalloc' in l for l in open('/proc/self/maps')) else 'glibc')); print('env.PYTHONMALLOC=%s' % os.environ.get('PYTHONMALLOC'))"])
elif mode == "os.execv":
    os.execv(probe, [probe] + asks)
EOF2
        for py in subprocess.run os.system os.popen os.posix_spawn; do
                svc kids env KIDS_MODE=$py /usr/bin/python3 "$work/kids.py" "$probe" $asks
                expect_eq "clean: python3 $py: the child has the environment from before allocsel" "$clean" "$(child_view)"
                expect_eq "clean: python3 $py: python itself runs on jemalloc with PYTHONMALLOC=malloc" "1 malloc" \
                        "$(value parent.jemalloc) $(value parent.PYTHONMALLOC)"
        done
        svc kids env KIDS_MODE=python-child /usr/bin/python3 "$work/kids.py" "$probe"
        expect_eq "clean: a python3 child of python3 runs on glibc with the caller's PYTHONMALLOC" \
                "glibc pymalloc" "$(value malloc_from) $(value env.PYTHONMALLOC)"
        svc kids env KIDS_MODE=os.execv /usr/bin/python3 "$work/kids.py" "$probe" $asks
        expect_eq "clean: python3 re-exec'ing in its own process keeps the allocator" \
                "$jemalloc 1 kids" "$(value malloc_from) $(value maps.libjemalloc) $(value env.ALLOCSEL_SERVICE)"

        echo "# children = \"clean\": a #!/bin/sh wrapper that execs the interpreter"
        cat > "$work/wrapper.sh" <<EOF2
#!/bin/sh
# a child of the shell first, then the interpreter in the shell's own process
"$probe" maps:libjemalloc | sed 's/^/shell-child./'
exec /usr/bin/python3 -c 'import os, subprocess
print("malloc_from=%s" % ("jemalloc" if any("libjemalloc" in l for l in open("/proc/self/maps")) else "glibc"))
print("env.ALLOCSEL_SERVICE=%s" % os.environ.get("ALLOCSEL_SERVICE"))
child = subprocess.run(["$probe", "maps:libjemalloc"], capture_output=True, text=True).stdout
print("".join("py-child." + l + "\\n" for l in child.splitlines()), end="")'
EOF2
        chmod 755 "$work/wrapper.sh"
        svc kids "$work/wrapper.sh"
        expect_eq "clean: wrapper: the interpreter it execs runs on jemalloc" "jemalloc kids" \
                "$(value malloc_from) $(value env.ALLOCSEL_SERVICE)"
        expect_eq "clean: wrapper: a child of the shell runs on glibc" 0 "$(value shell-child.maps.libjemalloc)"
        expect_eq "clean: wrapper: a child of the interpreter runs on glibc" 0 "$(value py-child.maps.libjemalloc)"

        echo "# children = \"clean\" with the release helper, and under --compare"
        policy kids-rel <<'EOF2'
allocator = "glibc";
children = "clean";
release = { interval_ms = 1000; };
EOF2
        svc kids-rel "$spawner" fork-execv "$probe" LD_PRELOAD ALLOCSEL_RELEASE ALLOCSEL_CHILDREN
        expect_eq "clean + release: the child gets neither the helper nor ALLOCSEL_RELEASE" \
                "LD_PRELOAD=$keep ALLOCSEL_RELEASE=(unset) ALLOCSEL_CHILDREN=(unset)" \
                "LD_PRELOAD=$(value env.LD_PRELOAD) ALLOCSEL_RELEASE=$(value env.ALLOCSEL_RELEASE) ALLOCSEL_CHILDREN=$(value env.ALLOCSEL_CHILDREN)"
        printf '#!/bin/sh\nexec "%s" maps:libjemalloc\n' "$probe" > "$work/exec-probe.sh"
        chmod 755 "$work/exec-probe.sh"
        run_capture "$allocsel" --policy-dir "$pd" --config "$work/none.conf" --compare --policies kids \
                --interval 50 --output "$work/kids-compare" -- "$work/exec-probe.sh"
        out=$(cat "$work/kids-compare"/output-policy:kids-1.log 2>/dev/null)
        expect_eq "clean under --compare: the run's own exec chain keeps the allocator (its PID, not allocsel's)" \
                1 "$(value maps.libjemalloc)"

        echo "# children = \"clean\": what it shows, and what it refuses"
        run --explain kids
        expect_has "clean: --explain shows the saved environment" "ALLOCSEL_CHILDREN=" "$out"
        expect_has "clean: --explain shows the helper preloaded" "liballocsel-children.so" "$out"
        printf 'children = "cleen";\n' | policy kids-bad
        run --check kids-bad
        expect_has "children: a bad value names the choices" \
                'kids-bad.conf:1: children: "cleen" is not one of inherit|clean (did you mean "clean"?)' "$err"
        rm "$pd/kids-bad.conf"
        mkdir -p "$work/bin-alone"
        cp "$allocsel" "$work/bin-alone/allocsel"
        if [ -e /usr/local/lib/allocsel/liballocsel-children.so ]; then
                skip "children: a missing helper is an error" "an installed liballocsel-children.so is in the way"
        else
                run_capture "$work/bin-alone/allocsel" --policy-dir "$pd" --config "$work/none.conf" --check kids
                expect_has "children: a missing helper is an error naming it" \
                        "kids.conf:2: children: " "$err"
                expect_has "...saying what is wrong with it" "liballocsel-children.so: No such file or directory" "$err"
        fi
        # Hostile or stale values: the library does nothing and breaks nothing.
        for bad in garbage "0;LD_PRELOAD" "$$;LD_PRELOAD=%zz" ""; do
                run_capture env LD_PRELOAD="$build/liballocsel-children.so" ALLOCSEL_CHILDREN="$bad" \
                        "$spawner" fork-execv "$probe" LD_PRELOAD
                expect_eq "children library with ALLOCSEL_CHILDREN=[$bad]: passes everything through" \
                        "0 $build/liballocsel-children.so" "$rc $(value env.LD_PRELOAD)"
        done
        rm "$pd"/kids*.conf
}

field_huge_pages() {
        echo "# huge pages: each allocator's knob, asked from inside the program"
        policy thp-je <<'EOF2'
allocator = "jemalloc";
jemalloc = { thp = "never"; metadata_thp = "auto"; };
EOF2
        run thp-je "$probe"
        expect_eq "jemalloc.thp in effect (opt.thp)" never "$(value je.opt.thp)"
        expect_eq "jemalloc.metadata_thp in effect (opt.metadata_thp)" auto "$(value je.opt.metadata_thp)"
        run_capture "$allocsel" --policy-dir "$pd" --config "$work/none.conf" --allocator jemalloc nothing "$probe"
        expect_eq "jemalloc without a thp key keeps its default" "default disabled" \
                "$(value je.opt.thp) $(value je.opt.metadata_thp)"
        policy thp-mi <<'EOF2'
allocator = "mimalloc";
mimalloc = { large_os_pages = true; };
EOF2
        run thp-mi "$probe"
        expect_eq "mimalloc.large_os_pages in effect (mi_option_get)" 1 "$(value mi.large_os_pages)"
        run_capture "$allocsel" --policy-dir "$pd" --config "$work/none.conf" --allocator mimalloc nothing "$probe"
        expect_eq "mimalloc without it: off" 0 "$(value mi.large_os_pages)"
        policy thp-gl <<'EOF2'
glibc = { hugetlb = 1; };
EOF2
        run thp-gl "$ldso" --list-tunables
        expect_has "glibc.hugetlb in force (ld.so --list-tunables)" "glibc.malloc.hugetlb: 0x1 " "$out"
        printf 'allocator = "jemalloc";\njemalloc = { thp = "nevr"; };\nglibc = { hugetlb = 3; };\n' | policy thp-bad
        run --check thp-bad
        expect_has "jemalloc.thp: a bad choice names the choices" \
                'thp-bad.conf:2: jemalloc.thp: "nevr" is not one of default|always|never (did you mean "never"?)' "$err"
        expect_has "glibc.hugetlb: out of range" "thp-bad.conf:3: glibc.hugetlb: 3 is out of range (0 to 2)" "$err"
        rm "$pd/thp-bad.conf"

        echo "# huge pages: --check and --explain read the kernel's THP mode"
        printf 'always [madvise] never\n' > "$work/thp-madvise"
        printf '[always] madvise never\n' > "$work/thp-always"
        policy thp-plain <<'EOF2'
allocator = "jemalloc";
EOF2
        run_capture env ALLOCSEL_TEST_THP_ENABLED="$work/thp-always" "$allocsel" --policy-dir "$pd" --check thp-plain
        expect_has "THP always + jemalloc without thp: --check warns" \
                "warning: $pd/thp-plain.conf:1: transparent huge pages are \"always\" on this host ($work/thp-always)" "$err"
        expect_eq "...a warning, not an error" 0 "$rc"
        run_capture env ALLOCSEL_TEST_THP_ENABLED="$work/thp-always" "$allocsel" --policy-dir "$pd" --explain thp-plain
        expect_has "...and --explain shows it" "transparent huge pages are \"always\"" "$out"
        run_capture env ALLOCSEL_TEST_THP_ENABLED="$work/thp-always" "$allocsel" --policy-dir "$pd" --check thp-je
        expect_not_has "THP always + jemalloc.thp set: no warning" "transparent huge pages" "$err"
        run_capture env ALLOCSEL_TEST_THP_ENABLED="$work/thp-always" "$allocsel" --policy-dir "$pd" --check thp-gl
        expect_not_has "THP always + glibc: no warning" "transparent huge pages" "$err"
        run_capture env ALLOCSEL_TEST_THP_ENABLED="$work/thp-madvise" "$allocsel" --policy-dir "$pd" --check thp-plain
        expect_not_has "THP madvise: no warning" "transparent huge pages" "$err"
        mkfifo "$work/thp-fifo"
        run_capture timeout 5 env ALLOCSEL_TEST_THP_ENABLED="$work/thp-fifo" "$allocsel" --policy-dir "$pd" --check thp-plain
        expect_eq "a FIFO as the THP file never blocks" 0 "$rc"
        run_capture env ALLOCSEL_TEST_THP_ENABLED="$work/thp-always" "$allocsel" --policy-dir "$pd" \
                --config "$work/none.conf" thp-plain "$probe"
        expect_not_has "the THP check is not on the launch path" "transparent huge pages" "$err"
        rm "$pd"/thp-*.conf
}

field_malloc_conf_link() {
        echo "# jemalloc's /etc/malloc.conf"
        policy mconf <<'EOF2'
allocator = "jemalloc";
jemalloc = { dirty_decay_ms = 1000; };
EOF2
        ln -s 'narenas:1,dirty_decay_ms:5' "$work/malloc.conf"
        run_capture env ALLOCSEL_TEST_MALLOC_CONF_LINK="$work/malloc.conf" "$allocsel" --policy-dir "$pd" --explain mconf
        expect_has "--explain shows the link and what results" \
                "note:       jemalloc reads $work/malloc.conf -> \"narenas:1,dirty_decay_ms:5\", then MALLOC_CONF: in effect \"narenas:1,dirty_decay_ms:1000\"" "$out"
        run_capture env ALLOCSEL_TEST_MALLOC_CONF_LINK="$work/malloc.conf" "$allocsel" --policy-dir "$pd" --check mconf
        expect_has "--check warns that it applies to every program on the host" \
                "warning: $work/malloc.conf: -> \"narenas:1,dirty_decay_ms:5\": jemalloc reads this in every program on this host" "$err"
        expect_eq "...a warning, not an error" 0 "$rc"
        run_capture env ALLOCSEL_TEST_MALLOC_CONF_LINK="$work/no-such-link" "$allocsel" --policy-dir "$pd" --check mconf
        expect_not_has "no link: no warning" "jemalloc reads this" "$err"
        # The real /etc/malloc.conf, in a private mount namespace (an overlay
        # on /etc): jemalloc inside the program reads it, --explain shows it.
        if [ "$is_root" = yes ] && command -v unshare >/dev/null; then
                mkdir -p "$work/etc-ov/u" "$work/etc-ov/w"
                run_capture unshare -m --propagation private bash -c '
                        mount -t overlay overlay -o lowerdir=/etc,upperdir="$1/u",workdir="$1/w" /etc || exit 99
                        ln -s "narenas:1,dirty_decay_ms:5" /etc/malloc.conf
                        "$2" --policy-dir "$3" --config /nonexistent mconf "$4" 2>/dev/null
                        "$2" --policy-dir "$3" --explain mconf' _ "$work/etc-ov" "$allocsel" "$pd" "$probe"
                if [ "$rc" = 99 ]; then
                        skip "/etc/malloc.conf read by jemalloc" "cannot mount an overlay on /etc here"
                else
                        expect_eq "/etc/malloc.conf: jemalloc in the program reads it (narenas)" 1 "$(value je.opt.narenas)"
                        expect_eq "/etc/malloc.conf: MALLOC_CONF wins key by key (dirty_decay_ms)" 1000 "$(value je.opt.dirty_decay_ms)"
                        expect_has "/etc/malloc.conf: --explain finds it by itself" \
                                "jemalloc reads /etc/malloc.conf -> \"narenas:1,dirty_decay_ms:5\"" "$out"
                fi
                [ -e /etc/malloc.conf ] && fail "the host's /etc is untouched" || pass "the host's /etc is untouched"
        else
                skip "/etc/malloc.conf read by jemalloc" "needs root and unshare"
        fi
        rm "$pd/mconf.conf"
}

# in_cgroup DIR CMD...: runs CMD in a shell moved into the cgroup DIR, then moves it back out
in_cgroup() {
        local dir=$1 root
        shift
        root=$(dirname "$dir")
        bash -c 'echo $$ > "$1/cgroup.procs" || exit 99; shift 2; "$@"; r=$?; echo $$ > "$0/cgroup.procs"; exit $r' \
                "$root" "$dir" _ "$@"
}

# drop_cgroup DIR: removes the test cgroup once the last process in it is gone
drop_cgroup() {
        for _ in $(seq 200); do
                [ -s "$1/cgroup.procs" ] || break
                sleep 0.05
        done
        rmdir "$1" && pass "the test cgroup is removed" || fail "the test cgroup is removed" "$(cat "$1/cgroup.procs")"
}

field_arenas() {
        local cg v2root
        echo "# arena_max = \"auto\", narenas = \"auto\": the CPUs the service may use"
        policy auto-gl <<'EOF2'
glibc = { arena_max = "auto"; };
EOF2
        policy auto-je <<'EOF2'
allocator = "jemalloc";
jemalloc = { narenas = "auto"; };
EOF2
        run_capture taskset -c 0 "$allocsel" --policy-dir "$pd" --config "$work/none.conf" auto-gl "$ldso" --list-tunables
        expect_has "taskset -c 0: glibc arena_max auto is 8 (8 per CPU)" "glibc.malloc.arena_max: 0x8 " "$out"
        run_capture taskset -c 0 "$allocsel" --policy-dir "$pd" --config "$work/none.conf" auto-je "$probe"
        local auto_one=$(value je.opt.narenas)
        run_capture taskset -c 0 env LD_PRELOAD="$jemalloc" "$probe"
        expect_eq "taskset -c 0: jemalloc narenas auto is jemalloc's own choice on one CPU (1)" "1 $(value je.opt.narenas)" "1 $auto_one"
        run_capture taskset -c 0 "$allocsel" --policy-dir "$pd" --config "$work/none.conf" --explain auto-je
        expect_has "--explain says where the number comes from" \
                'note:       jemalloc.narenas = "auto": 1, jemalloc'"'"'s 4 arenas per CPU (1 on one CPU) for 1 CPU from the affinity mask' "$out"
        if [ "$(nproc)" -ge 2 ]; then
                run_capture taskset -c 0,1 "$allocsel" --policy-dir "$pd" --config "$work/none.conf" auto-gl "$ldso" --list-tunables
                expect_has "taskset -c 0,1: glibc arena_max auto is 16" "glibc.malloc.arena_max: 0x10 " "$out"
                run_capture taskset -c 0,1 "$allocsel" --policy-dir "$pd" --config "$work/none.conf" auto-je "$probe"
                expect_eq "taskset -c 0,1: jemalloc narenas auto is 8" 8 "$(value je.opt.narenas)"
        else
                skip "arenas auto on two CPUs" "this machine has one CPU"
        fi
        printf 'glibc = { arena_max = "aut"; };\n' | policy auto-bad
        run --check auto-bad
        expect_has "arena_max: a string other than auto is refused" \
                'auto-bad.conf:1: glibc.arena_max: expected an integer or "auto", got a string' "$err"
        rm "$pd/auto-bad.conf"

        # A real cgroup with a CPU quota of half a CPU: v1 where the cpu
        # controller is there (RHEL 8's default), v2 where it is.
        cg=/sys/fs/cgroup/cpu/allocsel-test-$$
        if [ "$is_root" = yes ] && [ -w /sys/fs/cgroup/cpu ] && [ -e /sys/fs/cgroup/cpu/cpu.cfs_quota_us ] && mkdir "$cg" 2>/dev/null; then
                echo 50000 > "$cg/cpu.cfs_quota_us"
                run_capture in_cgroup "$cg" "$allocsel" --no-monitor --policy-dir "$pd" --config "$work/none.conf" auto-gl "$ldso" --list-tunables
                expect_has "cgroup v1 quota 0.5 CPU: glibc arena_max auto is 8" "glibc.malloc.arena_max: 0x8 " "$out"
                run_capture in_cgroup "$cg" "$allocsel" --no-monitor --policy-dir "$pd" --config "$work/none.conf" auto-je "$probe"
                expect_eq "cgroup v1 quota 0.5 CPU: jemalloc narenas auto is 1" 1 "$(value je.opt.narenas)"
                run_capture in_cgroup "$cg" "$allocsel" --no-monitor --policy-dir "$pd" --config "$work/none.conf" --explain auto-gl
                expect_has "--explain names the quota and its file" \
                        "for 1 CPU from the cgroup CPU quota 50000 per 100000 ($cg/cpu.cfs_quota_us)" "$out"
                drop_cgroup "$cg"
        else
                skip "arenas auto under a cgroup v1 CPU quota" "no writable cgroup v1 cpu hierarchy here"
        fi
        v2root=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
        if [ "$is_root" = yes ] && [ -n "$v2root" ] && grep -qw cpu "$v2root/cgroup.controllers" 2>/dev/null &&
           grep -qw cpu "$v2root/cgroup.subtree_control" 2>/dev/null && mkdir "$v2root/allocsel-test-$$" 2>/dev/null; then
                cg=$v2root/allocsel-test-$$
                echo "50000 100000" > "$cg/cpu.max"
                run_capture in_cgroup "$cg" "$allocsel" --no-monitor --policy-dir "$pd" --config "$work/none.conf" auto-je "$probe"
                expect_eq "cgroup v2 cpu.max 0.5 CPU: jemalloc narenas auto is 1" 1 "$(value je.opt.narenas)"
                run_capture in_cgroup "$cg" "$allocsel" --no-monitor --policy-dir "$pd" --config "$work/none.conf" --explain auto-gl
                expect_has "--explain names cpu.max" "from the cgroup CPU quota 50000 100000 ($cg/cpu.max)" "$out"
                drop_cgroup "$cg"
        else
                skip "arenas auto under a cgroup v2 cpu.max" "the cpu controller is not enabled on a writable cgroup2 here"
        fi
        rm "$pd"/auto-*.conf
}

field_load_check() {
        local conf="$work/load-allocators.conf" n
        echo "# --check proves the library loads"
        cat > "$conf" <<EOF2
allocators = {
  aborts = { library = "$build/tests/libabort-at-load.so"; family = "none"; };
  ghost = { library = "$build/tests/libneeds-ghost.so"; family = "none"; };
  hangs = { library = "$build/tests/libhangs-at-load.so"; family = "none"; };
  hangs_closed = { library = "$build/tests/libhangs-closed.so"; family = "none"; };
};
EOF2
        chmod 644 "$conf"
        printf 'allocator = "aborts";\n' | policy load-aborts
        printf 'allocator = "ghost";\n' | policy load-ghost
        printf 'allocator = "hangs";\n' | policy load-hangs
        printf 'allocator = "hangs_closed";\n' | policy load-hangs-closed
        printf 'allocator = "jemalloc";\njemalloc = { extra = "no_such_opt:1"; };\n' | policy load-badconf
        printf 'allocator = "jemalloc";\njemalloc = { dirty_decay_ms = 1000; };\n' | policy load-ok1
        printf 'allocator = "jemalloc";\njemalloc = { dirty_decay_ms = 1000; };\nenvironment = { A = "1"; };\n' | policy load-ok2
        ck() { run_capture "$allocsel" --policy-dir "$pd" --config "$conf" --check "$@"; }
        ck load-aborts
        expect_eq "a library whose constructor aborts: --check fails" 1 "$rc"
        expect_has "...saying how, with what it printed" \
                "load-aborts.conf:1: LD_PRELOAD=$build/tests/libabort-at-load.so does not load: a program started with it was killed by signal 6 (Aborted): <fake>: Unsupported system page size" "$err"
        ck load-ghost
        expect_eq "a library with a missing dependency: --check fails" 1 "$rc"
        expect_has "...naming the missing one" \
                "does not load: a program started with it exited with status 127: " "$err"
        expect_has "...as ld.so said it" "libghost.so: cannot open shared object file" "$err"
        ck load-hangs
        expect_eq "a library that never finishes loading: --check fails" 1 "$rc"
        expect_has "...after the deadline" "does not load: a program started with it did not finish within 5 s" "$err"
        ck load-hangs-closed
        expect_eq "one that closes stderr, then never finishes: --check fails" 1 "$rc"
        expect_has "...after the deadline too" \
                "LD_PRELOAD=$build/tests/libhangs-closed.so does not load: a program started with it did not finish within 5 s" "$err"
        ck load-badconf
        expect_eq "jemalloc complaining about its configuration: a warning" 0 "$rc"
        expect_has "...with jemalloc's own words" \
                "warning: $pd/load-badconf.conf:1: LD_PRELOAD=$jemalloc: a program started with it printed: <jemalloc>: Invalid conf pair: no_such_opt:1" "$err"
        ck load-ok1
        expect_eq "a library that loads: no message" "0 " "$rc $(grep -v 'checked, no errors' <<<"$err")"
        run_capture "$allocsel" --policy-dir "$pd" --config "$conf" --explain load-aborts
        expect_not_has "--explain does not run the library" "does not load" "$out"
        if command -v strace >/dev/null; then
                strace -f -qq -e trace=execve -o "$work/load.strace" "$allocsel" --policy-dir "$pd" \
                        --config "$conf" --check load-ok1 load-ok2 >/dev/null 2>&1
                n=$(grep -c '"--version"\]' "$work/load.strace")
                expect_eq "one probe for policies with the same library and tuning" 1 "$n"
                strace -f -qq -e trace=execve -o "$work/run.strace" "$allocsel" --policy-dir "$pd" \
                        --config "$conf" --no-monitor load-ok1 true >/dev/null 2>&1
                expect_eq "not on the launch path: allocsel, then the program" 2 \
                        "$(grep -c ' execve(' "$work/run.strace")"
        else
                skip "one probe per library and tuning" "strace missing"
        fi
        rm "$pd"/load-*.conf
}

# What lets one probe stand for every number in a key's range: the installed
# libraries take both ends of each range without a word (the ranges read
# off allocsel's own messages), but for the two exceptions loadprobe.c
# lists: jemalloc's narenas above 4094, and glibc's top_pad, which the
# probe always runs as written (its high end is tested in the cost tests).
field_load_check_bounds() {
        local section allocator family more keys k ranges lo hi end text v
        echo "# --check: the libraries take every number allocsel accepts"
        for section in "jemalloc:jemalloc::dirty_decay_ms muzzy_decay_ms narenas" \
                       "tcmalloc:tcmalloc::release_rate max_total_thread_cache_bytes" \
                       "tcmalloc-minimal:tcmalloc::release_rate max_total_thread_cache_bytes" \
                       "mimalloc:mimalloc::purge_delay eager_commit_delay arena_eager_commit" \
                       "glibc:glibc:release = { enabled = true; };:arena_max trim_threshold mmap_threshold top_pad tcache_count mxfast hugetlb"; do
                IFS=: read -r allocator family more keys <<<"$section"
                text=""
                for k in $keys; do text+="$k = 99999999999L; "; done
                printf 'allocator = "%s";\n%s\n%s = { %s};\n' "$allocator" "$more" "$family" "$text" | policy load-bounds
                run_capture "$allocsel" --policy-dir "$pd" --config "$work/none.conf" --check load-bounds
                if grep -q "allocator $allocator: \|release: " <<<"$err"; then
                        skip "$allocator: both ends of each range load silently" "no $allocator library here"
                        continue
                fi
                # "jemalloc.narenas: 99999999999L is out of range (1 to 4096)" -> "narenas 1 4096"
                ranges=$(sed -n "s/.*$family\.\([a-z_]*\): .* is out of range (\(-*[0-9.]*\) to \([0-9.]*\))\$/\1 \2 \3/p" <<<"$err")
                expect_eq "$allocator: a range for each number" "$(wc -w <<<"$keys")" "$(grep -c . <<<"$ranges")"
                for end in low high; do
                        text=""
                        while read -r k lo hi; do
                                [ "$end" = low ] && v=$lo || v=$hi
                                [ "$end:$k" = high:narenas ] && v=4094
                                [ "$end:$k" = high:top_pad ] && v=0
                                [ "${#v}" -gt 9 ] && v+=L
                                text+="$k = $v; "
                        done <<<"$ranges"
                        printf 'allocator = "%s";\n%s\n%s = { %s};\n' "$allocator" "$more" "$family" "$text" | policy load-bounds
                        run_capture "$allocsel" --policy-dir "$pd" --config "$work/none.conf" --check load-bounds
                        expect_eq "$allocator: every number at the $end end of its range loads silently" "0 " \
                                "$rc $(grep 'LD_PRELOAD=' <<<"$err")"
                done
        done
        printf 'allocator = "jemalloc";\njemalloc = { narenas = 4095; };\n' | policy load-bounds
        run_capture "$allocsel" --policy-dir "$pd" --config "$work/none.conf" --check load-bounds
        expect_has "jemalloc: but narenas 4095 is lowered, and it says so" \
                "LD_PRELOAD=$jemalloc: a program started with it printed: <jemalloc>: Reducing narenas to limit (4094)" "$err"
        rm "$pd"/load-bounds.conf
}

# The probe's cost: numbers allocsel checked do not each start a process,
# and a run starts LOAD_PROBE_MAX (32) at most, whatever the values.
field_load_check_cost() {
        local conf="$work/load-cost.conf" i n
        echo "# --check: what the load probe costs"
        printf 'allocators = { oldje = { library = "%s"; family = "jemalloc"; }; };\n' \
                "$build/tests/librejects-decay.so" > "$conf"
        chmod 644 "$conf"
        if ! command -v strace >/dev/null; then
                skip "the load probe's cost" "strace missing"
                return
        fi
        # probes ARGS: --check ARGS, with $n the probes it started, counted
        # under strace (where LeakSanitizer cannot run), $rc and $err without
        probes() {
                ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" strace -f -qq -e trace=execve -o "$work/cost.strace" \
                        "$allocsel" --policy-dir "$pd" --config "$conf" --check "$@" >/dev/null 2>&1
                n=$(grep -c '"--version"\]' "$work/cost.strace")
                run_capture "$allocsel" --policy-dir "$pd" --config "$conf" --check "$@"
        }
        for i in 1 2 3 4 5; do
                printf 'allocator = "jemalloc";\njemalloc = { background_thread = true; dirty_decay_ms = %d; muzzy_decay_ms = %d; narenas = %d; };\n' \
                        $((i * 100)) $((i - 2)) "$i" | policy "load-num$i"
        done
        probes load-num{1..5}
        expect_eq "5 policies that differ only in numbers: one probe" 1 "$n"
        expect_eq "...and no message" "0 " "$rc $(grep -v 'checked, no errors' <<<"$err")"

        printf 'allocator = "jemalloc";\njemalloc = { background_thread = true; dirty_decay_ms = 600; muzzy_decay_ms = 4; narenas = 4096; };\n' |
                policy load-num-many
        probes load-num1 load-num-many
        expect_eq "narenas above 4094, which jemalloc lowers and says so: a probe of its own" 2 "$n"
        expect_has "...jemalloc's words on that policy" \
                "warning: $pd/load-num-many.conf:1: LD_PRELOAD=$jemalloc: a program started with it printed: <jemalloc>: Reducing narenas to limit (4094)" "$err"
        expect_not_has "...and not on the other" "load-num1.conf" "$err"

        printf 'allocator = "glibc";\nrelease = { enabled = true; };\nglibc = { arena_max = 2; top_pad = "%s"; };\n' 1M |
                policy load-pad-small
        printf 'allocator = "glibc";\nrelease = { enabled = true; };\nglibc = { arena_max = 3; top_pad = "%s"; };\n' 64G |
                policy load-pad-huge
        probes load-pad-small load-pad-huge
        expect_eq "glibc's top_pad, which every sbrk asks for: each value its own probe" 2 "$n"
        if [ -n "${SANITIZED:-}" ]; then
                skip "top_pad = 64G fails every allocation" "a sanitizer build probes with /bin/true, which gets by"
        elif [ "$(awk '/^(MemTotal|SwapTotal):/ {kb += $2} END {print kb < 64 * 1024 * 1024}' /proc/meminfo)" = 1 ]; then
                expect_has "...64 GiB fails every allocation on this host: an error on that policy" \
                        "$pd/load-pad-huge.conf:1: LD_PRELOAD=$build/liballocsel-release.so does not load: a program started with it exited with status 1: allocsel: out of memory" "$err"
                # (both get the warning that top_pad without mmap_threshold costs page faults)
                expect_not_has "...not on the other" "load-pad-small.conf:1:" "$err"
        else
                skip "top_pad = 64G fails every allocation" "this host has 64 GiB of memory and swap or more"
        fi

        for i in 1 2 3; do
                printf 'allocator = "oldje";\njemalloc = { dirty_decay_ms = %d; };\n' $((i * 100)) | policy "load-old$i"
        done
        probes load-old{1..3}
        expect_eq "a library that rejects an option name, 3 values: one probe" 1 "$n"
        expect_eq "...a warning for each policy" "0 3" "$rc $(grep -c '^warning: .*Invalid conf pair: dirty_decay_ms:' <<<"$err")"
        expect_has "...the one probed in the library's words" \
                "warning: $pd/load-old1.conf:1: LD_PRELOAD=$build/tests/librejects-decay.so: a program started with it printed: <jemalloc>: Invalid conf pair: dirty_decay_ms:100" "$err"
        expect_has "...the others saying which policy was probed" \
                "warning: $pd/load-old3.conf:1: LD_PRELOAD=$build/tests/librejects-decay.so: a program started with it printed: <jemalloc>: Invalid conf pair: dirty_decay_ms:100 (as probed with service load-old1, whose policy differs from this one only in numbers within their ranges)" "$err"

        # free text is probed as written: 34 distinct ones
        for i in $(seq -w 0 33); do
                printf 'allocator = "jemalloc";\njemalloc = { extra = "narenas:%d"; };\n' $((10#$i + 1)) | policy "load-text$i"
        done
        probes $(seq -f 'load-text%02g' 0 33)
        expect_eq "34 distinct jemalloc.extra: 32 probes" 32 "$n"
        expect_eq "...the other two: a warning each, and --check passes" "0 2" "$rc $(grep -c 'not probed' <<<"$err")"
        expect_has "...saying so, and how to probe it" \
                "warning: $pd/load-text33.conf:1: LD_PRELOAD=$jemalloc with this tuning was not probed: --check starts at most 32 load probes a run, one per distinct preload and tuning; allocsel --check load-text33 probes it" "$err"
        expect_not_has "...the 32nd was probed" "load-text31.conf" "$err"
        probes load-text33
        expect_eq "...checked alone, it is probed" 1 "$n"
        expect_eq "...and loads" "0 " "$rc $(grep -v 'checked, no errors' <<<"$err")"
        rm "$pd"/load-*.conf
}

field_tests() {
        field_children
        field_arenas
        field_huge_pages
        field_malloc_conf_link
        field_load_check
        field_load_check_bounds
        field_load_check_cost
}
