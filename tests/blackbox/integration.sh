#!/bin/bash
# Black-box tests of the allocsel binary: real programs under the real
# allocators, asked from inside whether each setting took effect, and every
# failure path with its message and exit status.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build="$top/${BUILD:-build}"
. "$top/tests/lib.sh"
private_journal_namespace "$0" "$@"

allocsel="$build/allocsel"
probe="$build/tests/probe"
# The sanitizer build's runtime must not mind a preloaded library around it.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0:detect_leaks=1"
# Tests run without a journal unless they start one: events go to stderr.
unset LD_PRELOAD MALLOC_CONF GLIBC_TUNABLES

work=$(mktemp -d /tmp/allocsel-test.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
pd="$work/policies"
mkdir -m 755 "$pd"
libdir="/usr/lib/$(gcc -print-multiarch)"; [ -e "$libdir/libjemalloc.so.2" ] || libdir=/usr/lib64
jemalloc="$libdir/libjemalloc.so.2"
is_root=$([ "$(id -u)" = 0 ] && echo yes || echo no)

policy() { # policy NAME <<< text
        cat > "$pd/$1.conf"
        chmod 644 "$pd/$1.conf"
}
run() { run_capture "$allocsel" --policy-dir "$pd" --config "$work/none.conf" "$@"; }
value() { sed -n "s/^$1=//p" <<<"$out" | head -1; }

echo "# the test library"
expect_eq "lib.sh: the closing line counts skips" "0 passed, 0 failed, 1 skipped" \
        "$(bash -c '. "$1"; skip x y >/dev/null; finish | tail -1' _ "$top/tests/lib.sh")"

t() { bash -c '. "$1"; shift; "$@" >/dev/null; finish | tail -1' _ "$top/tests/lib.sh" "$@"; }
expect_eq "lib.sh: expect_has refuses an empty needle" "0 passed, 1 failed, 0 skipped" "$(t expect_has n "" text)"
expect_eq "lib.sh: expect_not_has refuses an empty needle" "0 passed, 1 failed, 0 skipped" "$(t expect_not_has n "" text)"
expect_eq "lib.sh: expect_eq refuses an empty expectation" "0 passed, 1 failed, 0 skipped" "$(t expect_eq n "" "")"
expect_eq "lib.sh: expect_empty fails on text" "0 passed, 1 failed, 0 skipped" "$(t expect_empty n x)"
expect_eq "lib.sh: expect_empty passes on nothing" "1 passed, 0 failed, 0 skipped" "$(t expect_empty n "")"
unset -f t

echo "# command line and exit statuses"
run; expect_eq "no arguments is a usage error" 2 "$rc"
expect_has "usage error says what is missing" "missing SERVICE" "$err"
run web; expect_eq "no PROGRAM is a usage error" 2 "$rc"
run --bogus web true; expect_eq "unknown option is a usage error" 2 "$rc"
run --json web true; expect_eq "--json without --explain/--list is a usage error" 2 "$rc"
for bad in '../etc' '.' '..' 'a/b' 'sp ace' "$(printf 'x%.0s' {1..256})" ''; do
        run "$bad" true
        expect_eq "service name [${bad:0:20}] is a usage error" 2 "$rc"
done
expect_has "bad service name message" "SERVICE must be 1-255 characters" "$err"
run 'web@1.service:x-y_z' true; expect_eq "service name with all allowed characters runs" 0 "$rc"
run web sh -c 'exit 3'; expect_eq "program's own exit status" 3 "$rc"
run web -- sh -c 'exit 4'; expect_eq "-- before PROGRAM" 4 "$rc"
run web no-such-program-anywhere; expect_eq "program not found is 127" 127 "$rc"
expect_has "not found message names the program" "no-such-program-anywhere: command not found" "$err"
printf '#!/bin/sh\nexit 0\n' > "$work/noexec"; chmod 644 "$work/noexec"
run web "$work/noexec"; expect_eq "program not executable is 126" 126 "$rc"
run web sh -c 'echo $$' ; pid_inner=$out
run --version; expect_has "--version" "allocsel " "$out"
run --help; expect_has "--help shows the run form" "SERVICE [--] PROGRAM" "$out"
run_capture env PATH="$build/tests" "$allocsel" --policy-dir "$pd" web probe
expect_eq "PROGRAM is found on PATH" 0 "$rc"
cp "$allocsel" "$work/allocsel-setuid"; chmod 4755 "$work/allocsel-setuid"
if [ "$is_root" = yes ] && command -v setpriv >/dev/null; then
        chown 65534 "$work/allocsel-setuid"; chmod 4755 "$work/allocsel-setuid"
        run_capture "$work/allocsel-setuid" --policy-dir "$pd" web true
        expect_has "refuses to run set-user-ID" "refusing to run set-user-ID" "$err"
        # A set-ID process ignores ASAN_OPTIONS, and LeakSanitizer then aborts
        # at exit: the status is the plain build's to check.
        if [ -z "${SANITIZED:-}" ]; then
                expect_eq "set-user-ID exit status" 126 "$rc"
        else
                skip "set-user-ID exit status" "a set-ID sanitizer build aborts in LeakSanitizer"
        fi
else
        skip "set-user-ID refusal" "needs root and setpriv"
fi

echo "# every allocator, asked from inside the program"
policy je <<'EOF2'
allocator = "jemalloc";
jemalloc = { background_thread = true; dirty_decay_ms = 1000; muzzy_decay_ms = 0; narenas = 3; };
environment = { PYTHONMALLOC = "malloc"; };
EOF2
run je "$probe" PYTHONMALLOC ALLOCSEL_SERVICE ALLOCSEL_ALLOCATOR
expect_eq "jemalloc: exit 0" 0 "$rc"
expect_eq "jemalloc serves malloc" "$jemalloc" "$(value malloc_from)"
expect_eq "jemalloc: background_thread in effect" 1 "$(value je.opt.background_thread)"
expect_eq "jemalloc: dirty_decay_ms in effect" 1000 "$(value je.opt.dirty_decay_ms)"
expect_eq "jemalloc: muzzy_decay_ms in effect" 0 "$(value je.opt.muzzy_decay_ms)"
expect_eq "jemalloc: narenas in effect" 3 "$(value je.opt.narenas)"
expect_eq "environment section reaches the program" malloc "$(value env.PYTHONMALLOC)"
expect_eq "ALLOCSEL_SERVICE" je "$(value env.ALLOCSEL_SERVICE)"
expect_eq "ALLOCSEL_ALLOCATOR" jemalloc "$(value env.ALLOCSEL_ALLOCATOR)"
expect_has "started event on stderr without a journal" "je: started $probe with jemalloc ($jemalloc)" "$err"
printf 'allocator = "glibc";\nrelease = { interval_ms = 1000; min_free_kb = 1024; };\n' | policy glibc-rel
run --no-monitor glibc-rel true
expect_has "a glibc policy's started event reads as a sentence, naming the release helper" \
        "glibc-rel: started $(type -P true) with glibc malloc and the release helper ($build/liballocsel-release.so): " "$err"
run --no-monitor --allocator glibc web true
expect_has "...and without one" "web: started $(type -P true) with glibc malloc: " "$err"

policy tc <<'EOF2'
allocator = "tcmalloc";
tcmalloc = { release_rate = 5.0; aggressive_decommit = true; max_total_thread_cache_bytes = "64M"; };
EOF2
run tc "$probe"
expect_eq "tcmalloc serves malloc" "$libdir/libtcmalloc.so.4" "$(value malloc_from)"
expect_eq "tcmalloc: aggressive_decommit in effect" 1 "$(value tc.tcmalloc.aggressive_memory_decommit)"
expect_eq "tcmalloc: max_total_thread_cache_bytes in effect" 67108864 "$(value tc.tcmalloc.max_total_thread_cache_bytes)"
expect_eq "tcmalloc: release_rate in effect" 5 "$(value tc.release_rate)"
sed 's/"tcmalloc"/"tcmalloc-minimal"/' "$pd/tc.conf" | policy tcm
run tcm "$probe"
expect_eq "tcmalloc-minimal serves malloc" "$libdir/libtcmalloc_minimal.so.4" "$(value malloc_from)"
expect_eq "tcmalloc-minimal: aggressive_decommit in effect" 1 "$(value tc.tcmalloc.aggressive_memory_decommit)"
expect_eq "tcmalloc-minimal: release_rate in effect" 5 "$(value tc.release_rate)"

policy mi <<'EOF2'
allocator = "mimalloc";
mimalloc = { purge_delay = 0; eager_commit_delay = 3; eager_commit = false; };
EOF2
run mi "$probe"
expect_eq "mimalloc serves malloc" "$libdir/libmimalloc.so.2" "$(value malloc_from)"
expect_eq "mimalloc 2.0: purge_delay reaches decommit_delay" 0 "$(value mi.decommit_delay)"
expect_eq "mimalloc: eager_commit_delay in effect" 3 "$(value mi.eager_commit_delay)"
expect_eq "mimalloc: eager_commit in effect" 0 "$(value mi.eager_commit)"
policy mi21 <<'EOF2'
allocator = "mimalloc";
mimalloc = { arena_eager_commit = 1; };
EOF2
run --check mi21
expect_has "mimalloc 2.0 has no arena_eager_commit: warning, not error" "warning: $pd/mi21.conf:2: mimalloc.arena_eager_commit" "$err"
expect_eq "a warning alone passes --check" 0 "$rc"

policy gl <<'EOF2'
allocator = "glibc";
glibc = { arena_max = 2; trim_threshold = "128K"; mmap_threshold = 65536; top_pad = 0; tcache_count = 0; };
EOF2
ldso=$(readelf -l /bin/true | sed -n 's/.*interpreter: \(.*\)]/\1/p')
run_capture env GLIBC_TUNABLES=glibc.malloc.perturb=5 "$allocsel" --policy-dir "$pd" gl "$ldso" --list-tunables
expect_has "glibc: arena_max in force" "glibc.malloc.arena_max: 0x2" "$out"
expect_has "glibc: trim_threshold in force" "glibc.malloc.trim_threshold: 0x20000" "$out"
expect_has "glibc: mmap_threshold in force" "glibc.malloc.mmap_threshold: 0x10000" "$out"
expect_has "glibc: the caller's tunable is kept" "glibc.malloc.perturb: 5" "$out"

echo "# environment editing"
run_capture env LD_PRELOAD="/nonexistent/libtcmalloc_minimal.so.4 /usr/lib/keep-me.so" \
        "$allocsel" --policy-dir "$pd" je "$probe" LD_PRELOAD
expect_eq "LD_PRELOAD: chosen first, other allocator removed, user's entry kept" \
        "$jemalloc:/usr/lib/keep-me.so" "$(value env.LD_PRELOAD)"
run_capture env LD_PRELOAD="/nonexistent/libmimalloc.so.2:/usr/lib/keep-me.so" \
        "$allocsel" --policy-dir "$pd" gl "$probe" LD_PRELOAD
expect_eq "glibc policy removes allocator entries" "/usr/lib/keep-me.so" "$(value env.LD_PRELOAD)"
run_capture env LD_PRELOAD="/nonexistent/libjemalloc.so.2" "$allocsel" --policy-dir "$pd" gl "$probe" LD_PRELOAD
expect_eq "glibc policy unsets an LD_PRELOAD of allocators only" "(unset)" "$(value env.LD_PRELOAD)"
run_capture env MALLOC_CONF="narenas:2,abort_conf:true" "$allocsel" --policy-dir "$pd" je "$probe" MALLOC_CONF
expect_eq "MALLOC_CONF merged by key with the caller's" \
        "narenas:3,abort_conf:true,background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0" "$(value env.MALLOC_CONF)"
run --allocator tcmalloc-minimal je "$probe"
expect_eq "--allocator overrides the policy" "$libdir/libtcmalloc_minimal.so.4" "$(value malloc_from)"

echo "# merging and precedence"
mkdir -m 755 "$work/etc" "$work/usr"
printf 'allocator = "jemalloc";\njemalloc = { dirty_decay_ms = 500; narenas = 2; };\n' > "$work/usr/default.conf"
printf 'jemalloc = { narenas = 4; };\n' > "$work/usr/svc.conf"
printf 'allocator = "mimalloc";\n' > "$work/usr/masked.conf"
ln -s /dev/null "$work/etc/masked.conf"
printf 'allocator = "tcmalloc";\n' > "$work/usr/over.conf"
printf 'allocator = "tcmalloc-minimal";\n' > "$work/etc/over.conf"
chmod 644 "$work"/usr/*.conf "$work"/etc/over.conf
run_capture "$allocsel" --policy-dir "$work/etc" --policy-dir "$work/usr" svc "$probe"
expect_eq "default.conf applies first, SERVICE.conf overrides setting by setting" "500 4" \
        "$(value je.opt.dirty_decay_ms) $(value je.opt.narenas)"
run_capture "$allocsel" --policy-dir "$work/etc" --policy-dir "$work/usr" over "$probe"
expect_eq "first policy dir masks the same name below" "$libdir/libtcmalloc_minimal.so.4" "$(value malloc_from)"
run_capture "$allocsel" --policy-dir "$work/etc" --policy-dir "$work/usr" --explain masked --json
expect_has "a link to /dev/null masks the file below (default.conf still applies)" '"allocator":"jemalloc"' "$out"
expect_not_has "masked file is not read" "usr/masked.conf" "$out"
mkdir -m 755 "$work/nothing-here"
# (an allocator's name that ld.so cannot load: a real one would be preloaded
# into allocsel itself, which the sanitizer build does not take)
run_capture env LD_PRELOAD=/nonexistent/libjemalloc.so.2 MALLOC_CONF=narenas:2 "$allocsel" --policy-dir "$work/nothing-here" \
        nopolicy "$probe" ALLOCSEL_ALLOCATOR ALLOCSEL_SERVICE LD_PRELOAD MALLOC_CONF
expect_eq "no policy at all: environment untouched, the caller's allocator kept, no ALLOCSEL_* (issue 22 item 6)" \
        "0 /nonexistent/libjemalloc.so.2 narenas:2 (unset) (unset)" \
        "$rc $(value env.LD_PRELOAD) $(value env.MALLOC_CONF) $(value env.ALLOCSEL_ALLOCATOR) $(value env.ALLOCSEL_SERVICE)"
expect_has "no policy at all: still logged, saying so" "nopolicy: started $probe, no policy file: environment untouched" "$err"
run_capture env LD_PRELOAD=/nonexistent/libjemalloc.so.2 "$allocsel" --policy-dir "$work/nothing-here" --allocator glibc \
        nopolicy "$probe" ALLOCSEL_ALLOCATOR LD_PRELOAD
expect_eq "no policy but --allocator: the allocator asked for" "glibc (unset)" \
        "$(value env.ALLOCSEL_ALLOCATOR) $(value env.LD_PRELOAD)"

echo "# custom allocators from allocsel.conf"
cat > "$work/allocsel.conf" <<EOF2
library_dirs = [ "$work/libs" ];
allocators = { myjem = { library = "$jemalloc"; family = "jemalloc"; }; };
EOF2
chmod 644 "$work/allocsel.conf"
policy custom <<'EOF2'
allocator = "myjem";
jemalloc = { dirty_decay_ms = 777; };
EOF2
run_capture "$allocsel" --policy-dir "$pd" --config "$work/allocsel.conf" custom "$probe" ALLOCSEL_ALLOCATOR
expect_eq "custom allocator's library serves malloc" "$jemalloc" "$(value malloc_from)"
expect_eq "custom allocator takes its family's tuning" 777 "$(value je.opt.dirty_decay_ms)"
expect_eq "custom allocator's name is reported" myjem "$(value env.ALLOCSEL_ALLOCATOR)"
run_capture "$allocsel" --config "$work/allocsel.conf" --list
expect_has "--list shows custom allocators" "myjem" "$out"
rm "$pd/custom.conf"
printf 'allocators = { x = { family = "jemalloc"; }; };\nlibrary_dir = [];\n' > "$work/bad-global.conf"
chmod 644 "$work/bad-global.conf"
run_capture "$allocsel" --policy-dir "$pd" --config "$work/bad-global.conf" --check je
expect_has "allocsel.conf: allocator without library" "bad-global.conf:1: allocators.x: needs library" "$err"
expect_has "allocsel.conf: unknown key with suggestion" 'bad-global.conf:2: unknown key "library_dir" (did you mean "library_dirs"?)' "$err"

echo "# profiling"
policy prof-tc <<'EOF2'
allocator = "tcmalloc";
profile = { heap = "/tmp/allocsel-prof/heap"; heap_check = "normal"; };
EOF2
run --explain prof-tc --json
expect_has "tcmalloc profile sets HEAPPROFILE" '"HEAPPROFILE":"/tmp/allocsel-prof/heap"' "$out"
expect_has "tcmalloc 2.10 still has HEAPCHECK" '"HEAPCHECK":"normal"' "$out"
sed 's/"tcmalloc"/"tcmalloc-minimal"/' "$pd/prof-tc.conf" | policy prof-tcm
run --check prof-tcm
expect_has "tcmalloc-minimal cannot profile" "prof-tcm.conf:2: profile.heap: tcmalloc-minimal has no heap profiler" "$err"
expect_eq "profile refusal fails --check" 1 "$rc"
policy prof-je <<'EOF2'
allocator = "jemalloc";
profile = { heap = "/tmp/allocsel-prof/je"; };
EOF2
run prof-je "$probe"
expect_eq "jemalloc profiling in effect (opt.prof)" 1 "$(value je.opt.prof)"
policy prof-mi <<'EOF2'
allocator = "mimalloc";
profile = { heap = "/tmp/x"; };
EOF2
run --check prof-mi
expect_has "mimalloc cannot profile" "profile: mimalloc cannot profile the heap" "$err"
rm "$pd"/prof-*.conf

echo "# failure paths: fall back with the environment untouched, or refuse"
fallback_case() { # NAME EXPECTED-MESSAGE (policy "broken" already written)
        run broken "$probe" ALLOCSEL_ALLOCATOR
        expect_eq "$1: program still starts" 0 "$rc"
        expect_eq "$1: environment untouched" "/lib/x86_64-linux-gnu/libc.so.6 (unset)" \
                "$(value malloc_from | sed 's#^/usr/lib#/lib#') $(value env.ALLOCSEL_ALLOCATOR)"
        expect_has "$1: warning names the reason" "$2" "$err"
        run --strict broken "$probe"
        expect_eq "$1: --strict refuses with 78" 78 "$rc"
        expect_has "$1: refusal names the reason" "refusing to start: " "$err"
        [ "$(grep -c . <<<"$err")" = 1 ] && pass "$1: one line" || fail "$1: one line" "$err"
}
printf 'allocator = "jemalloc";\nlibrary = "/nonexistent/libjemalloc.so.2";\n' | policy broken
fallback_case "missing library" "broken.conf:2: library: /nonexistent/libjemalloc.so.2: No such file or directory"
python3 - "$work/lib32.so" <<'EOF2'
import struct, sys
# a 32-bit i386 shared object header: enough for the class check
h = b'\x7fELF' + bytes([1, 1, 1]) + bytes(9) + struct.pack('<HHIIIIIHHHHHH', 3, 3, 1, 0, 0, 0, 0, 52, 32, 0, 40, 0, 0)
open(sys.argv[1], 'wb').write(h + bytes(64))
EOF2
chmod 644 "$work/lib32.so"
printf 'allocator = "jemalloc";\nlibrary = "%s";\n' "$work/lib32.so" | policy broken
fallback_case "wrong ELF class" "wrong ELF class ELFCLASS32 (allocsel is ELFCLASS64)"
printf 'allocator = "jemalloc";\nlibrary = "/etc/passwd";\n' | policy broken
fallback_case "library that is not ELF" "/etc/passwd: not an ELF file"
printf 'allocator = "jemalloc";\njemalloc = { dirty_decay_ms = 1000 \n};\nnarenas = ;\n' | policy broken
fallback_case "syntax error" "broken.conf:4: syntax error"
printf 'allocator = "jemalloc";\njemalloc = { dirty_decay = 1000; };\n' | policy broken
fallback_case "unknown key" 'broken.conf:2: unknown key "jemalloc.dirty_decay" (did you mean "dirty_decay_ms"?)'
printf 'alocator = "jemalloc";\n' | policy broken
fallback_case "unknown top-level key" 'unknown key "alocator" (did you mean "allocator"?)'
printf 'allocator = "jemalloc";\njemalloc = { dirty_decay_ms = 99999999999; };\n' | policy broken
fallback_case "out-of-range value" "broken.conf:2: jemalloc.dirty_decay_ms: 99999999999 is out of range (-1 to 86400000)"
printf 'glibc = { arena_max = 0; };\n' | policy broken
fallback_case "out-of-range glibc value" "glibc.arena_max: 0 is out of range (1 to 1024)"
printf 'allocator = "jemalloc";\njemalloc = { background_thread = "yes"; };\n' | policy broken
fallback_case "wrong type" "jemalloc.background_thread: expected true or false, got a string"
printf 'allocator = "jemaloc";\n' | policy broken
fallback_case "unknown allocator" 'allocator "jemaloc" is not known (did you mean "jemalloc"?)'
printf 'on_error = "fial";\n' | policy broken
fallback_case "bad choice" 'on_error: "fial" is not one of fallback|fail (did you mean "fail"?)'
printf 'allocator = "jemalloc";\njemalloc = { extra = "junk"; };\n' | policy broken
fallback_case "bad jemalloc extra" 'jemalloc.extra: "junk" is not of the form opt:value'
printf 'environment = { LD_PRELOAD = "/tmp/x.so"; };\n' | policy broken
fallback_case "environment cannot set LD_PRELOAD" "environment.LD_PRELOAD: set by allocsel itself"
printf 'allocator = "jemalloc";\n@include "/tmp/other.conf"\n' | policy broken
fallback_case "@include refused" "broken.conf:2: @include is not allowed"
printf 'allocator = "jemalloc";\nlibrary = "relative.so";\n' | policy broken
fallback_case "relative library path" 'library: "relative.so" is not an absolute path'
printf 'allocator = "jemalloc";\non_error = "fail";\njemalloc = { narenas = -1; };\n' | policy broken
run broken true; expect_eq "on_error = fail refuses with 78" 78 "$rc"
expect_has "on_error = fail names the reason" "broken.conf:3: jemalloc.narenas: -1 is out of range" "$err"
run --check broken; expect_eq "--check exits 1 on errors" 1 "$rc"
expect_eq "--check prints FILE:LINE: message" \
        "$pd/broken.conf:3: jemalloc.narenas: -1 is out of range (1 to 4096)" "$err"
rm "$pd/broken.conf"
run --check; expect_eq "--check of all valid policies exits 0" 0 "$rc"; [ "$rc" = 0 ] || echo "$err"

echo "# values the kernel would refuse at exec: reported, and never keeping the program from starting"
big=$(head -c 140000 /dev/zero | tr '\0' x)
printf 'allocator = "jemalloc";\nenvironment = { BIG = "%s"; };\n' "$big" | policy huge
run --check huge
expect_eq "--check: a 140000-byte environment value is an error" 1 "$rc"
expect_has "--check: ...naming file, line and variable" \
        "huge.conf:2: environment.BIG: 140005 bytes with its name, over the kernel's limit of 131072" "$err"
run huge "$probe" ALLOCSEL_ALLOCATOR BIG
expect_eq "a 140000-byte environment value: the program still starts" 0 "$rc"
expect_eq "...with the environment untouched" "(unset) (unset)" "$(value env.ALLOCSEL_ALLOCATOR) $(value env.BIG)"
run --strict huge true
expect_eq "...and --strict refuses it like any policy error" 78 "$rc"
rm "$pd/huge.conf"
long=$(head -c 131050 /dev/zero | tr '\0' y)
run_capture env LD_PRELOAD="$long" "$allocsel" --strict --policy-dir "$pd" je "$probe" ALLOCSEL_ALLOCATOR
expect_eq "a caller's 131050-byte LD_PRELOAD plus the library: the program starts (even --strict)" 0 "$rc"
expect_eq "...with the environment untouched" "(unset)" "$(value env.ALLOCSEL_ALLOCATOR)"
expect_has "...saying why" "je: policy not applied, environment untouched: LD_PRELOAD would be 131105 bytes" "$err"
# over ARG_MAX (a quarter of a 512 KiB stack) only with the policy's variables: retried untouched
printf 'environment = { PAD = "%s"; };\n' "$(head -c 12000 /dev/zero | tr '\0' p)" | policy e2big
run_capture env -i PATH=/usr/bin:/bin $(for i in $(seq 62); do printf 'V%02d=%s ' "$i" "$(head -c 1995 /dev/zero | tr '\0' v)"; done) \
        bash -c 'ulimit -s 512 && exec "$@"' _ "$allocsel" --policy-dir "$pd" e2big "$probe" PAD
expect_eq "over ARG_MAX with the policy's variables: the program starts" 0 "$rc"
expect_eq "...with the environment untouched" "(unset)" "$(value env.PAD)"
expect_has "...saying why" "e2big: policy not applied, environment untouched: the environment with the policy's variables is over" "$err"
rm "$pd/e2big.conf"

echo "# a policy error, then no program to run: the error is logged all the same"
printf 'allocator = "nosuch";\n' | policy nolib
run nolib no-such-program-anywhere
expect_eq "broken policy, program not found: 127" 127 "$rc"
expect_has "...the fallback record is not lost" \
        "nolib: policy not applied, environment untouched: $pd/nolib.conf:1: allocator \"nosuch\" is not known" "$err"
run --strict nolib no-such-program-anywhere
expect_eq "...and --strict refuses (78), as when the program exists" 78 "$rc"
expect_has "...saying so" "nolib: refusing to start: $pd/nolib.conf:1" "$err"
rm "$pd/nolib.conf"

echo "# records on stderr are one line each"
printf 'environment = { X = "a\\nb\\x1bc"; };\n' | policy ctrl
run --no-monitor ctrl true
expect_eq "control characters in a record are escaped: one line" 1 "$(grep -c . <<<"$err")"
expect_has "...written as \\n and \\xHH" 'X=a\nb\x1bc' "$err"
rm "$pd/ctrl.conf"

echo "# allocsel as PID 1 of a PID namespace, no journal"
if [ "$is_root" = yes ]; then
        run_capture unshare -pf --mount-proc "$allocsel" --policy-dir "$pd" je /usr/bin/python3 -c '
import os
print(os.getpid(), open("/proc/1/task/1/children").read().strip() or "none", len([p for p in os.listdir("/proc") if p.isdigit()]))'
        expect_eq "PID 1: no monitor, no child, no other process" "1 none 1" "$out"
        expect_has "PID 1: the started record on stderr" "je: started /usr/bin/python3" "$err"
        expect_not_has "PID 1: ...and no complaint" "could not be started" "$err"
else
        skip "PID 1 of a PID namespace" "unshare -p needs root"
fi

echo "# programs a preload cannot reach"
run je "$build/tests/static-true"
expect_eq "static program runs" 0 "$rc"
expect_has "static program: warning says why" "is a static executable" "$err"
run je "$build/tests/links-jemalloc"
expect_has "program already linking an allocator: warning" "already links libjemalloc.so.2" "$err"
printf '#!%s\n' "$build/tests/static-true" > "$work/script"; chmod 755 "$work/script"
run je "$work/script"
expect_has "#! followed to the interpreter" "static-true is a static executable" "$err"
printf '#!%s\n' "$probe" > "$work/script2"; chmod 755 "$work/script2"
run je "$work/script2"
expect_eq "script with a dynamic interpreter gets the preload" "$jemalloc" "$(value malloc_from)"
cp "$probe" "$work/probe-setuid"; chmod 4755 "$work/probe-setuid"
run je "$work/probe-setuid"
expect_has "set-user-ID program: warning" "is set-user-ID (ld.so ignores LD_PRELOAD there)" "$err"
cp "$probe" "$work/probe-setgid"; chmod 2755 "$work/probe-setgid"
run je "$work/probe-setgid"
expect_has "set-group-ID program: warning" "is set-group-ID" "$err"
if command -v setcap >/dev/null && cp "$probe" "$work/probe-cap" && setcap cap_net_bind_service+ep "$work/probe-cap" 2>/dev/null; then
        run je "$work/probe-cap"
        expect_has "file-capability program: warning" "has file capabilities" "$err"
else
        skip "file capabilities" "setcap unavailable or refused"
fi

echo "# ownership and permissions (as root)"
if [ "$is_root" = yes ]; then
        sec="$work/sec"; mkdir -m 755 "$sec"
        printf 'allocator = "jemalloc";\n' > "$sec/s.conf"
        chmod 644 "$sec/s.conf"
        run_capture "$allocsel" --policy-dir "$sec" s "$probe"
        expect_eq "root-owned policy is used" "$jemalloc" "$(value malloc_from)"
        chown 65534 "$sec/s.conf"
        run_capture "$allocsel" --policy-dir "$sec" s "$probe"
        expect_has "policy not owned by root is ignored" "$sec/s.conf is not owned by root" "$err"
        expect_empty "...and the program runs untouched" "$(value malloc_from | grep jemalloc)"
        chown 0 "$sec/s.conf"; chmod 664 "$sec/s.conf"
        run_capture "$allocsel" --policy-dir "$sec" s "$probe"
        expect_has "group-writable policy is ignored" "$sec/s.conf is writable by group or others" "$err"
        chmod 644 "$sec/s.conf"; chmod 777 "$sec"
        run_capture "$allocsel" --policy-dir "$sec" s "$probe"
        expect_has "world-writable directory above is refused" "$sec is writable by group or others" "$err"
        chmod 1777 "$sec"
        run_capture "$allocsel" --policy-dir "$sec" s "$probe"
        expect_has "a sticky policy directory itself is refused" "$sec is writable by group or others (sticky" "$err"
        chmod 755 "$sec"; chmod 1777 "$work"
        run_capture "$allocsel" --policy-dir "$sec" s "$probe"
        expect_eq "sticky directory above the policy directory is fine" "$jemalloc" "$(value malloc_from)"
        chmod 755 "$work"
        chmod 755 "$sec"; chown 65534 "$sec"
        run_capture "$allocsel" --policy-dir "$sec" s "$probe"
        expect_has "directory not owned by root is refused" "$sec is not owned by root" "$err"
        chown 0 "$sec"
        cp "$jemalloc" "$work/libjemalloc-copy.so.2"; chown 65534 "$work/libjemalloc-copy.so.2"
        printf 'allocator = "jemalloc";\nlibrary = "%s";\n' "$work/libjemalloc-copy.so.2" > "$sec/s.conf"
        run_capture "$allocsel" --policy-dir "$sec" --strict s "$probe"
        expect_has "library not owned by root is refused" "libjemalloc-copy.so.2 is not owned by root" "$err"
        expect_eq "...with --strict: 78" 78 "$rc"
        printf 'library_dirs = [];\n' > "$work/insecure.conf"; chmod 666 "$work/insecure.conf"
        run_capture "$allocsel" --policy-dir "$sec" --config "$work/insecure.conf" --check
        expect_has "insecure allocsel.conf is ignored" "insecure.conf is writable by group or others" "$err"
        ln -s "$pd/je.conf" "$sec/link.conf"
        run_capture "$allocsel" --policy-dir "$sec" link "$probe"
        expect_eq "symlinked policy is checked along its target and used" "$jemalloc" "$(value malloc_from)"
else
        skip "ownership tests" "not root (CI runs them as root)"
fi

echo "# the shipped example policies"
examples="$work/examples"; mkdir -m 755 "$examples"
install -m 644 "$top"/conf/*.conf "$examples/"
run_capture "$allocsel" --policy-dir "$examples" --check
expect_eq "every policy in conf/ passes --check" 0 "$rc"
[ "$rc" = 0 ] || echo "$err"
expect_not_has "...none sets one glibc threshold without the other (issue 22 item 18)" "threshold" "$err"
# 2,000 malloc/free of 256 KiB: with glibc's dynamic mmap threshold on, the
# freed block is reused; with it off (trim_threshold alone), each is an
# mmap, faulted in again (at least one fault each; 64 without huge pages)
printf 'allocator = "glibc";\nglibc = { arena_max = 2; trim_threshold = "128K"; };\n' > "$examples/trim-only.conf"
run_capture "$allocsel" --policy-dir "$examples" --no-monitor trim-only "$build/tests/churn" 256 2000
faults=$(value minor_faults)
[ -n "$faults" ] && [ "$faults" -ge 2000 ] && pass "trim_threshold alone: $faults page faults for 2,000 blocks of 256 KiB" ||
        fail "trim_threshold alone: a page fault or more per block (the premise of the next check)" "rc=$rc faults=${faults:-?} $err"
run_capture "$allocsel" --policy-dir "$examples" --check trim-only
expect_has "...which --check warns about, saying what it costs" \
        "trim-only.conf:2: glibc.trim_threshold without glibc.mmap_threshold: setting it turns off glibc's dynamic mmap threshold" "$err"
rm "$examples/trim-only.conf"
run_capture "$allocsel" --policy-dir "$examples" --no-monitor glibc "$build/tests/churn" 256 2000
faults=$(value minor_faults)
[ -n "$faults" ] && [ "$faults" -lt 2000 ] && pass "conf/glibc.conf: $faults page faults for 2,000 blocks of 256 KiB" ||
        fail "conf/glibc.conf: fewer page faults than blocks of 256 KiB (the dynamic mmap threshold on)" "rc=$rc faults=${faults:-?} $err"
run_capture "$allocsel" --policy-dir "$examples" python-service "$probe" PYTHONMALLOC
expect_eq "conf/python-service.conf: jemalloc serves malloc" "$jemalloc" "$(value malloc_from)"
expect_eq "conf/python-service.conf: PYTHONMALLOC" malloc "$(value env.PYTHONMALLOC)"
run_capture "$allocsel" --policy-dir "$examples" mimalloc "$probe"
expect_eq "conf/mimalloc.conf: purge_delay reaches mimalloc 2.0" 0 "$(value mi.decommit_delay)"
run_capture "$allocsel" --policy-dir "$examples" tcmalloc "$probe"
expect_eq "conf/tcmalloc.conf: aggressive decommit in effect" 1 "$(value tc.tcmalloc.aggressive_memory_decommit)"

echo "# --explain and --list"
run --explain je --json
python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert d["allocator"]=="jemalloc" and d["outcome"]=="run" and d["set"]["PYTHONMALLOC"]=="malloc"' <<<"$out" \
        && pass "--explain --json is valid JSON with the plan" || fail "--explain --json" "$out"
# policy text is bytes: what is not UTF-8 comes out as U+FFFD, never as raw bytes
printf 'environment = { LATIN1 = "caf\351 \377"; LINES = "a\\nb"; };\n' > "$pd/latin1.conf"; chmod 644 "$pd/latin1.conf"
run --explain latin1 --json
/usr/bin/python3 -c 'import json,sys; d=json.loads(sys.stdin.buffer.read().decode("utf-8", "strict")); assert d["set"]["LATIN1"]=="caf\ufffd \ufffd", d; assert d["set"]["LINES"]=="a\nb", d' <<<"$out" \
        && pass "--explain --json is valid UTF-8 when the policy is not" || fail "--explain --json UTF-8" "$out"
run --explain je
expect_has "--explain names the files read" "policy:     $pd/je.conf" "$out"
expect_has "--explain says where the allocator comes from" "allocator:  jemalloc (from $pd/je.conf:1)" "$out"
expect_has "--explain names every variable" "MALLOC_CONF=background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0,narenas:3" "$out"
run --explain nothing-set
expect_has "--explain says when the allocator is the default" "allocator:  glibc (default)" "$out"
install -m 644 "$top"/conf/low-rss-*.conf "$pd/"
run --explain low-rss-mimalloc
expect_has "--explain: the mimalloc policy says where it does not give memory back" \
        "note:       mimalloc gives a page freed by another thread back only when the thread that owns it allocates again" "$out"
expect_has "--explain: ...and what to use there" "For multi-threaded runtimes use low-rss-glibc or low-rss-jemalloc" "$out"
run --explain low-rss-tcmalloc
expect_has "--explain: the tcmalloc policy says what its small thread cache costs" \
        "note:       a total thread cache under 16 MiB costs CPU on many busy threads" "$out"
printf 'allocator = "tcmalloc-minimal";\ntcmalloc = { max_total_thread_cache_bytes = "32M"; };\n' | policy tc-big-cache
run --explain tc-big-cache
expect_not_has "--explain: ...and a tcmalloc policy with a large one does not" "costs CPU on many busy threads" "$out"
run --explain low-rss-glibc
expect_has "--explain: the glibc policy says where it costs more CPU" "but Ruby with 16 busy threads on a loaded machine cost 1.02-1.37x" "$out"
run --explain low-rss-jemalloc
expect_has "--explain: the jemalloc policy says what it was measured to cost" "Node with 8 workers 0.93-1.11x" "$out"
printf 'allocator = "jemalloc";\n' | policy je-plain
run --explain je-plain
expect_not_has "--explain: no such note for a jemalloc policy without background_thread" "note:       make bench" "$out"
rm -f "$pd"/low-rss-*.conf "$pd/tc-big-cache.conf" "$pd/je-plain.conf"
run --list --json
python3 -c 'import json,sys; d={a["name"]:a for a in json.loads(sys.stdin.read())}; assert d["jemalloc"]["found"] and d["jemalloc"]["version"]=="5.3.0" and d["tcmalloc"]["version"]=="2.10", d' <<<"$out" \
        && pass "--list --json finds each allocator with its version" || fail "--list --json" "$out"
echo "# an answer that cannot be written is an error (issue 22 item 16)"
for mode in --list "--list --json" "--check je" "--explain je" "--explain je --json" --version; do
        # shellcheck disable=SC2086 # the mode is words
        "$allocsel" --policy-dir "$pd" --config "$work/none.conf" $mode >/dev/full 2>"$work/full.err"
        expect_eq "$mode >/dev/full: exit 1" 1 "$?"
        expect_has "...saying why" "allocsel: cannot write to standard output: No space left on device" "$(cat "$work/full.err")"
done

echo "# a real Python program under jemalloc"
if [ -x /usr/bin/python3 ]; then
        run je /usr/bin/python3 -c 'import os; print(any("libjemalloc" in l for l in open("/proc/self/maps"))); print(os.environ["PYTHONMALLOC"])'
        expect_eq "/usr/bin/python3 runs with jemalloc mapped and PYTHONMALLOC set" "True
malloc" "$out"
else
        skip "/usr/bin/python3 under jemalloc" "no /usr/bin/python3"
fi

. "$here/policy.sh"
policy_trust_tests
policy_value_tests
policy_global_tests
policy_message_tests
policy_candidate_tests
policy_ansible_test
. "$here/compare.sh"
compare_tests
. "$here/release.sh"
release_tests
. "$here/field.sh"
field_tests
. "$here/library.sh"
library_tests
. "$here/faults.sh"
faults_tests

echo "# valgrind: the launcher itself is clean on every path"
if [ -z "${SANITIZED:-}" ] && command -v valgrind >/dev/null; then
        vg() { run_capture valgrind -q --error-exitcode=99 --leak-check=full \
                --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect "$@"; }
        vg "$allocsel" --policy-dir "$pd" --check
        expect_eq "valgrind: --check" 0 "$rc"
        vg "$allocsel" --policy-dir "$pd" --explain je --json
        expect_eq "valgrind: --explain" 0 "$rc"
        vg "$allocsel" --list
        expect_eq "valgrind: --list" 0 "$rc"
        printf 'jemalloc = { narenas = 0; };\nalocator = 1;\n' | policy vgbad
        vg "$allocsel" --policy-dir "$pd" --check vgbad
        expect_eq "valgrind: --check with errors" 1 "$rc"
        rm "$pd/vgbad.conf"
        vg "$allocsel" --policy-dir "$pd" je sh -c 'exit 5'
        expect_eq "valgrind: the run path up to exec" 5 "$rc"
        vg "$allocsel" --policy-dir "$pd" je no-such-program
        expect_eq "valgrind: program not found" 127 "$rc"
        vg "$allocsel" --bogus
        expect_eq "valgrind: usage error" 2 "$rc"
else
        skip "valgrind" "sanitizer build or no valgrind"
fi

echo "# the journal catalog"
ids=$(sed -n 's/^#define MESSAGE_ID_[A-Z_]* *"\([0-9a-f]*\)"/\1/p' "$top/include/messages.h")
# a moved or emptied messages.h must not make the loop below pass by running zero times
expect_eq "the catalog has one entry per MESSAGE_ID of messages.h" \
        "$(grep -c '^-- ' "$top/packaging/allocsel.catalog")" "$(wc -w <<<"$ids")"
[ -n "$ids" ] && pass "messages.h defines MESSAGE_IDs" || fail "messages.h defines MESSAGE_IDs" "none in $top/include/messages.h"
for id in $ids; do
        expect_has "catalog explains $id" "-- $id" "$(cat "$top/packaging/allocsel.catalog")"
done
croot="$work/catalog-root"
mkdir -p "$croot/usr/lib/systemd/catalog" "$croot/var/lib/systemd/catalog"
cp "$top/packaging/allocsel.catalog" "$croot/usr/lib/systemd/catalog/"
if journalctl --root="$croot" --update-catalog 2>"$work/catalog.err"; then
        run_capture journalctl --root="$croot" --list-catalog
        expect_has "journalctl compiles the catalog" "232393e3d25148888bd849127582a4d1 allocsel" "$out"
else
        fail "journalctl --update-catalog" "$(cat "$work/catalog.err")"
fi

echo "# make install and uninstall are symmetric"
dest="$work/dest"
make -s -C "$top" BUILD="${BUILD:-build}" install DESTDIR="$dest" PREFIX=/usr >/dev/null
for f in usr/bin/allocsel usr/libexec/allocsel/allocsel-monitor usr/libexec/allocsel/allocsel-report \
        usr/lib/allocsel/liballocsel-children.so usr/lib/systemd/catalog/allocsel.catalog \
        usr/share/man/man1/allocsel.1 usr/share/man/man5/allocsel.d.5 etc/allocsel.d/default.conf \
        usr/share/bash-completion/completions/allocsel usr/share/doc/allocsel/examples/jemalloc.conf; do
        [ -e "$dest/$f" ] && pass "make install: $f" || fail "make install: $f"
done
make -s -C "$top" BUILD="${BUILD:-build}" uninstall DESTDIR="$dest" PREFIX=/usr >/dev/null
left=$(find "$dest" -type f | sed "s#^$dest##")
expect_empty "make uninstall removes every file it installed" "$left"
for m in allocsel.1 allocsel.d.5; do
        warnings=$(LC_ALL=C.UTF-8 groff -ww -z -man "$top/packaging/man/$m" 2>&1)
        expect_empty "man page $m renders without warnings" "$warnings"
done
# every key of the schema is documented
# every key is documented in allocsel.d(5), in its own section: test-policy.c
if command -v bash >/dev/null && [ -f /usr/share/bash-completion/bash_completion ]; then
        comp=$(bash -c '. /usr/share/bash-completion/bash_completion; . "$1"
                COMP_WORDS=(allocsel --policy-dir "$2" j); COMP_CWORD=3; COMP_LINE="allocsel --policy-dir $2 j"
                COMP_POINT=${#COMP_LINE}; _allocsel; echo "${COMPREPLY[*]}"' _ "$top/packaging/allocsel.bash-completion" "$pd")
        expect_eq "bash completion offers service names from the policy directory" je "$comp"
        comp=$(bash -c '. /usr/share/bash-completion/bash_completion; . "$1"
                COMP_WORDS=(allocsel --policy-dir "$2" --check --as ""); COMP_CWORD=5
                COMP_LINE="allocsel --policy-dir $2 --check --as "; COMP_POINT=${#COMP_LINE}; _allocsel
                printf "%s\n" "${COMPREPLY[@]}"' _ "$top/packaging/allocsel.bash-completion" "$pd")
        expect_has "bash completion: --as offers the services" je "$comp"
        expect_has "bash completion: --as offers default" default "$comp"
else
        skip "bash completion" "bash-completion is not installed"
fi

echo "# the journal"
. "$here/journal.sh"
journal_tests

finish
