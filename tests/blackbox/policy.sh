# Reading and trusting policy files (sourced by integration.sh): paths
# checked as given, policy directories, files that are not regular, errors
# that used to be a silent "no policy".

# as_nobody CMD...: runs CMD as an unprivileged user (setpriv, util-linux).
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

policy_trust_tests() {
        local t="$work/trust"
        mkdir -m 755 "$t" "$t/pd"

        echo "# a library path is checked as given, component by component (issue 10 item 1)"
        if [ "$is_root" = yes ]; then
                mkdir -m 755 "$t/x" "$t/x/udir"
                ln -s "$libdir" "$t/x/udir/lnk"
                printf 'allocator = "jemalloc";\nlibrary = "%s";\n' "$t/x/udir/lnk/libjemalloc.so.2" > "$t/pd/lnk.conf"
                chmod 644 "$t/pd/lnk.conf"
                run_capture "$allocsel" --policy-dir "$t/pd" lnk "$probe" LD_PRELOAD
                expect_eq "root's link to root's directory: the library is used, by that path" \
                        "$t/x/udir/lnk/libjemalloc.so.2" "$(value malloc_from)"
                expect_eq "LD_PRELOAD is exactly the path that was checked" "$t/x/udir/lnk/libjemalloc.so.2" \
                        "$(value env.LD_PRELOAD)"
                chown -h 65534:65534 "$t/x/udir/lnk" "$t/x/udir"
                run_capture "$allocsel" --policy-dir "$t/pd" --check lnk
                expect_eq "directory and link owned by nobody: --check fails" 1 "$rc"
                expect_has "...naming the first foreign component as given" "$t/x/udir is not owned by root" "$err"
                run_capture "$allocsel" --policy-dir "$t/pd" lnk "$probe" LD_PRELOAD
                expect_eq "...and the program runs untouched" "(unset)" "$(value env.LD_PRELOAD)"
                chown 0:0 "$t/x/udir"
                run_capture "$allocsel" --policy-dir "$t/pd" --strict lnk "$probe"
                expect_eq "a symlink owned by nobody counts as itself: --strict refuses" 78 "$rc"
                expect_has "...naming the link" "$t/x/udir/lnk is not owned by root" "$err"
                rm -r "$t/x" "$t/pd/lnk.conf"
        else
                skip "library path ownership" "not root"
        fi

        echo "# policy directories and their entries (issue 10 item 3)"
        if [ "$is_root" = yes ]; then
                mkdir -m 755 "$t/sticky"
                printf 'allocator = "jemalloc";\n' > "$t/sticky/victim.conf"
                chmod 644 "$t/sticky/victim.conf"
                chmod 1777 "$t/sticky"
                run_capture "$allocsel" --policy-dir "$t/sticky" --check victim
                expect_eq "a sticky world-writable policy directory fails --check" 1 "$rc"
                expect_has "...naming the directory" \
                        "$t/sticky: policy directory ignored: $t/sticky is writable by group or others" "$err"
                run_capture "$allocsel" --policy-dir "$t/sticky" victim "$probe"
                expect_empty "...and its files are not used" "$(value malloc_from | grep jemalloc)"
                chmod 755 "$t/sticky"
                mkdir -m 755 "$t/sticky/pd"
                cp -p "$t/sticky/victim.conf" "$t/sticky/pd/"
                chmod 1777 "$t/sticky"
                run_capture "$allocsel" --policy-dir "$t/sticky/pd" victim "$probe"
                expect_eq "a sticky directory above the policy directory is fine" "$jemalloc" "$(value malloc_from)"
                # masks and swaps through entries someone else made
                mkdir -m 755 "$t/hi" "$t/lo"
                printf 'allocator = "jemalloc";\n' > "$t/lo/victim.conf"
                chmod 644 "$t/lo/victim.conf"
                ln -s /dev/null "$t/hi/victim.conf"; chown -h 65534 "$t/hi/victim.conf"
                run_capture "$allocsel" --policy-dir "$t/hi" --policy-dir "$t/lo" --check victim
                expect_has "a mask owned by nobody does not mask: reported" \
                        "$t/hi/victim.conf: ignored: $t/hi/victim.conf is not owned by root" "$err"
                expect_eq "...and fails --check" 1 "$rc"
                chown -h 0 "$t/hi/victim.conf"
                run_capture "$allocsel" --policy-dir "$t/hi" --policy-dir "$t/lo" victim "$probe"
                expect_empty "root's mask masks" "$(value malloc_from | grep jemalloc)"
                expect_empty "...without an error" "$(grep -i error <<<"$err")"
                rm -r "$t/hi" "$t/lo"
                chmod 755 "$t/sticky"; rm -r "$t/sticky"
        else
                skip "policy directory ownership" "not root"
        fi

        policy_user_trust_tests

        echo "# nothing that is not a regular file is read, and nothing blocks (issue 10 item 6)"
        mkfifo -m 644 "$t/pd/fifo.conf" "$t/fifo-allocsel.conf"
        run_capture timeout 10 "$allocsel" --policy-dir "$t/pd" --check fifo
        expect_eq "a FIFO policy fails --check at once" 1 "$rc"
        expect_has "...saying it is not a regular file" "$t/pd/fifo.conf is not a regular file" "$err"
        run_capture timeout 10 "$allocsel" --policy-dir "$t/pd" --strict fifo true
        expect_eq "...and --strict refuses to start" 78 "$rc"
        run_capture timeout 10 "$allocsel" --policy-dir "$t/pd" --config "$t/fifo-allocsel.conf" --check nothing
        expect_eq "a FIFO --config fails --check at once" 1 "$rc"
        expect_has "...saying it is not a regular file" "$t/fifo-allocsel.conf is not a regular file" "$err"
        if [ "$is_root" = yes ] && command -v setpriv >/dev/null; then
                run_capture timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups \
                        "$allocsel" --policy-dir "$t/pd" --config "$t/fifo-allocsel.conf" fifo true
                expect_eq "not root either: a FIFO never blocks, the program runs" 0 "$rc"
                expect_has "...with the reason" "fifo-allocsel.conf is not a regular file" "$err"
        else
                skip "FIFO as an unprivileged user" "needs root and setpriv to become nobody"
        fi
        rm "$t/pd/fifo.conf" "$t/fifo-allocsel.conf"

        echo "# errors, not a silent \"no policy\" (issue 10 item 9)"
        ln -s "$t/nowhere.conf" "$t/pd/dangling.conf"
        run_capture "$allocsel" --policy-dir "$t/pd" --check dangling
        expect_eq "a dangling symlink fails --check" 1 "$rc"
        expect_has "...naming it" "$t/pd/dangling.conf: is a dangling symbolic link" "$err"
        run_capture "$allocsel" --policy-dir "$t/pd" --strict dangling true
        expect_eq "...and --strict refuses" 78 "$rc"
        rm "$t/pd/dangling.conf"
        run_capture "$allocsel" --policy-dir "$t/no-such-dir" --check web
        expect_eq "a nonexistent --policy-dir fails --check" 1 "$rc"
        expect_has "...naming it" "$t/no-such-dir: policy directory does not exist" "$err"
        long=$(printf 'x%.0s' {1..251})
        run_capture "$allocsel" --policy-dir "$t/pd" --check "$long"
        expect_eq "a service whose .conf name exceeds NAME_MAX fails --check" 1 "$rc"
        expect_has "...saying why" "file name too long for the file system" "$err"
        run_capture "$allocsel" --policy-dir "$t/pd" --strict "$long" true
        expect_eq "...and --strict refuses" 78 "$rc"
        if [ "$is_root" = yes ] && command -v setpriv >/dev/null; then
                mkdir -m 700 "$t/private"
                run_capture as_nobody "$allocsel" --policy-dir "$t/private" --check web
                expect_eq "an unreadable policy directory fails --check" 1 "$rc"
                expect_has "...naming it" "$t/private: policy directory ignored: Permission denied" "$err"
                chmod 744 "$t/private"
                run_capture as_nobody "$allocsel" --policy-dir "$t/private" --strict web true
                expect_eq "an unsearchable policy directory: --strict refuses" 78 "$rc"
                expect_has "...naming the file it could not look up" "$t/private/default.conf: cannot look up: Permission denied" "$err"
                rm -r "$t/private"
        else
                skip "unsearchable policy directories" "needs root and setpriv to become nobody"
        fi
        rm -r "$t"
}

# As any user, what steers a service is root's or the running user's own,
# writable by no one else (issue 22 item 2): a User= service may hold
# capabilities, and a third user's library must never reach it.
policy_user_trust_tests() {
        local u="$t/user" k nb_run
        echo "# as a user that is not root: root's files and the user's own, nobody else's (issue 22 item 2)"
        if [ "$is_root" != yes ] || ! command -v setpriv >/dev/null; then
                skip "trust as a user that is not root" "needs root and setpriv to become nobody"
                return
        fi
        nb_run() { run_capture as_nobody "$allocsel" "$@"; }
        mkdir -m 755 "$u" "$u/pd-lib"
        # one policy directory and one library directory of each kind:
        # root:users 2775 (group-writable), a third user's (uid 1), nobody's own
        for k in group third own; do
                mkdir -m 755 "$u/pd-$k" "$u/lib-$k"
                printf 'allocator = "jemalloc";\n' > "$u/pd-$k/web.conf"
                cp "$jemalloc" "$u/lib-$k/"
                printf 'allocator = "jemalloc";\nlibrary = "%s";\n' "$u/lib-$k/libjemalloc.so.2" > "$u/pd-lib/lib-$k.conf"
                chmod 644 "$u/pd-$k/web.conf" "$u/lib-$k/libjemalloc.so.2" "$u/pd-lib/lib-$k.conf"
        done
        chown 0:100 "$u/pd-group" "$u/lib-group"; chmod 2775 "$u/pd-group" "$u/lib-group"
        chown 1:1 "$u/pd-third" "$u/lib-third"
        chown -R 65534:65534 "$u/pd-own" "$u/lib-own"

        nb_run --policy-dir "$u/pd-group" --config "$work/none.conf" --check web
        expect_eq "as nobody, a policy directory root:users 2775 fails --check" 1 "$rc"
        expect_has "...naming it" "$u/pd-group: policy directory ignored: $u/pd-group is writable by group or others" "$err"
        nb_run --policy-dir "$u/pd-group" --config "$work/none.conf" web "$probe" LD_PRELOAD
        expect_eq "...and the program runs untouched" "(unset)" "$(value env.LD_PRELOAD)"
        nb_run --policy-dir "$u/pd-third" --config "$work/none.conf" --strict web "$probe"
        expect_eq "as nobody, a third user's policy directory: --strict refuses" 78 "$rc"
        expect_has "...naming it and its owner" \
                "$u/pd-third is owned by uid 1, neither root nor the user allocsel runs as (uid 65534)" "$err"
        nb_run --policy-dir "$u/pd-own" --config "$work/none.conf" --check web
        expect_eq "as nobody, nobody's own policy directory (0755) passes --check" "0 " "$rc $err"
        nb_run --policy-dir "$u/pd-own" --config "$work/none.conf" web "$probe"
        expect_eq "...and its policy applies" "$jemalloc" "$(value malloc_from)"
        printf 'allocator = "glibc";\n' > "$u/pd-own/third-file.conf"; chown 1:1 "$u/pd-own/third-file.conf"
        nb_run --policy-dir "$u/pd-own" --config "$work/none.conf" --check third-file
        expect_has "as nobody, a third user's file in nobody's directory is refused" \
                "ignored: $u/pd-own/third-file.conf is owned by uid 1, neither root nor the user allocsel runs as (uid 65534)" "$err"

        nb_run --policy-dir "$u/pd-lib" --config "$work/none.conf" --check lib-group
        expect_eq "as nobody, library in a directory root:users 2775: --check fails" 1 "$rc"
        expect_has "...naming the directory" "$u/lib-group is writable by group or others" "$err"
        nb_run --policy-dir "$u/pd-lib" --config "$work/none.conf" lib-third "$probe" LD_PRELOAD
        expect_eq "as nobody, library in a third user's directory: not preloaded" "(unset)" "$(value env.LD_PRELOAD)"
        expect_has "...naming the directory and its owner" \
                "$u/lib-third is owned by uid 1, neither root nor the user allocsel runs as (uid 65534)" "$err"
        nb_run --policy-dir "$u/pd-lib" --config "$work/none.conf" lib-own "$probe"
        expect_eq "as nobody, a library in nobody's own directory is used" "$u/lib-own/libjemalloc.so.2" "$(value malloc_from)"

        # allocsel.conf: library_dirs, custom allocators, and the file itself
        printf 'library_dirs = [ "%s" ];\n' "$u/lib-group" > "$u/dirs.conf"
        printf 'allocators = { teamlib = { library = "%s"; family = "jemalloc"; }; };\n' \
                "$u/lib-group/libjemalloc.so.2" > "$u/custom.conf"
        printf 'library_dirs = [ "%s" ];\n' "$u/lib-own" > "$u/third.conf"
        chmod 644 "$u/dirs.conf" "$u/custom.conf" "$u/third.conf"
        chown 1:1 "$u/third.conf"
        printf 'allocator = "teamlib";\n' > "$u/pd-own/team.conf"; chown 65534:65534 "$u/pd-own/team.conf"
        nb_run --policy-dir "$u/pd-own" --config "$u/dirs.conf" --check web
        expect_eq "as nobody, library_dirs naming a directory root:users 2775: --check fails" 1 "$rc"
        expect_has "...naming it" "$u/lib-group is writable by group or others" "$err"
        nb_run --policy-dir "$u/pd-own" --config "$u/custom.conf" team "$probe" LD_PRELOAD
        expect_eq "as nobody, a custom allocator in a directory root:users 2775: not preloaded" "(unset)" \
                "$(value env.LD_PRELOAD)"
        expect_has "...naming the directory" "$u/lib-group is writable by group or others" "$err"
        nb_run --policy-dir "$u/pd-own" --config "$u/third.conf" --check web
        expect_eq "as nobody, an allocsel.conf of a third user: --check fails" 1 "$rc"
        expect_has "...naming it and its owner" \
                "$u/third.conf is owned by uid 1, neither root nor the user allocsel runs as (uid 65534)" "$err"
        nb_run --policy-dir "$u/pd-own" --config "$u/third.conf" --list
        expect_has "as nobody, --list says so too" "$u/third.conf is owned by uid 1" "$err"
        rm -r "$u"
}

# Values as libconfig reads them, and the work a policy can cause.
policy_value_tests() {
        local t="$work/values" ldso
        mkdir -m 755 "$t"
        ldso=$(readelf -l /bin/true | sed -n 's/.*interpreter: \(.*\)]/\1/p')

        echo "# integers: exactly the value libconfig parsed (issue 10 item 10)"
        printf 'allocator = "glibc";\nglibc = { arena_max = 010; };\n' > "$t/oct.conf"
        chmod 644 "$t/oct.conf"
        run_capture "$allocsel" --policy-dir "$t" oct "$ldso" --list-tunables
        expect_has "arena_max = 010 reaches glibc as 10, not 8" "glibc.malloc.arena_max: 0xa" "$out"
        run_capture "$allocsel" --policy-dir "$t" --check oct
        expect_eq "...and passes --check" 0 "$rc"
        expect_has "...with a warning about the leading zero" "warning: $t/oct.conf:2: glibc.arena_max: 010 has a leading zero" "$err"
        printf 'allocator = "jemalloc";\njemalloc = { dirty_decay_ms /**/ = 4294967295; };\n' > "$t/wrap.conf"
        chmod 644 "$t/wrap.conf"
        run_capture "$allocsel" --policy-dir "$t" wrap "$probe"
        expect_empty "4294967295 behind a comment is not applied as -1: fallback" "$(value malloc_from | grep jemalloc)"
        expect_has "...naming the value as written" "wrap.conf:2: jemalloc.dirty_decay_ms: 4294967295 is out of range" "$err"

        echo "# environment: every ALLOCSEL_ name is allocsel's (issue 10 item 13)"
        printf 'environment = { ALLOCSEL_RELEASE = "interval_ms=100"; ALLOCSEL_FOO = "x"; };\n' > "$t/env.conf"
        chmod 644 "$t/env.conf"
        run_capture "$allocsel" --policy-dir "$t" --check env
        expect_eq "ALLOCSEL_RELEASE and ALLOCSEL_FOO fail --check" 1 "$rc"
        expect_has "...each named" "environment.ALLOCSEL_FOO: set by allocsel itself" "$err"
        run_capture "$allocsel" --policy-dir "$t" env "$probe" ALLOCSEL_FOO
        expect_eq "...and never reach the program" "(unset)" "$(value env.ALLOCSEL_FOO)"

        echo "# a policy never delays a start by more than milliseconds (issue 10 item 11)"
        python3 -c 'import sys; sys.stdout.write("".join("k%05d=1;\n" % i for i in range(100000)))' > "$t/huge.conf"
        chmod 644 "$t/huge.conf"
        run_capture timeout 20 "$allocsel" --policy-dir "$t" --check huge
        expect_eq "100,000 keys: --check fails" 1 "$rc"
        expect_eq "...with one line naming the limit" "$t/huge.conf:257: more than 256 settings: not an allocsel file" "$err"
        run_capture timeout 20 "$allocsel" --policy-dir "$t" huge "$probe"
        expect_eq "...and the program starts untouched" "0 " "$rc $(value malloc_from | grep jemalloc)"
        rm -r "$t"
}

# /etc/allocsel.conf's fleet-wide on_error (issue 10 item 8).
policy_global_tests() {
        local t="$work/global"
        mkdir -m 755 "$t" "$t/pd"
        printf 'allocator = "jemalloc";\njemalloc = { narenas = ; };\n' > "$t/pd/syntax.conf"
        printf 'on_error = "fallback";\nallocator = "jemaloc";\n' > "$t/pd/own.conf"
        printf 'on_error = "fail";\n' > "$t/fail.conf"
        printf 'on_error = "fial";\n' > "$t/typo.conf"
        chmod 644 "$t"/pd/*.conf "$t"/*.conf

        echo "# on_error in allocsel.conf (issue 10 item 8)"
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$t/fail.conf" syntax true
        expect_eq "a policy with a syntax error under on_error = fail in allocsel.conf: exit 78" 78 "$rc"
        expect_has "...naming the syntax error" "syntax.conf:2: syntax error" "$err"
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$t/none.conf" syntax true
        expect_eq "without allocsel.conf's on_error the same policy falls back" 0 "$rc"
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$t/fail.conf" own true
        expect_eq "a policy's own on_error (readable) wins over allocsel.conf's" 0 "$rc"
        expect_has "...and the error is still logged" 'allocator "jemaloc" is not known' "$err"
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$t/fail.conf" fine true
        expect_eq "no error, no refusal" 0 "$rc"
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$t/typo.conf" --check fine
        expect_eq "allocsel.conf's on_error is checked" 1 "$rc"
        expect_has "...with a hint" "typo.conf:1: on_error: \"fial\" is not one of fallback|fail (did you mean \"fail\"?)" "$err"

        echo "# allocsel.conf: a wrong value is an error and is not used (issue 22 items 9, 10)"
        mkdir -m 755 "$t/rel"
        cp "$jemalloc" "$t/rel/libjemalloc.so.2"
        printf 'library_dirs = [ "rel" ];\n' > "$t/relative.conf"
        printf 'allocators = { myje = { library = "%s"; family = 1; }; };\n' "$jemalloc" > "$t/family.conf"
        printf 'allocator = "myje";\njemalloc = { narenas = 2; };\n' > "$t/pd/myje.conf"
        chmod 644 "$t"/*.conf "$t/pd/myje.conf"
        run_capture bash -c 'cd "$1" && shift && exec "$@"' _ "$t" "$allocsel" --config "$t/relative.conf" --list
        expect_eq "a relative library_dirs entry: --list exits 1" 1 "$rc"
        expect_has "...naming it" "relative.conf:1: library_dirs: entry 1, \"rel\" is not an absolute path" "$err"
        expect_has "...and does not search it" "jemalloc           5.3.0     $jemalloc" "$out"
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$t/family.conf" --check myje
        expect_eq "a custom allocator's family = 1: --check fails" 1 "$rc"
        expect_has "...naming the key and its type" "family.conf:1: allocators.myje.family: expected a string, got an integer" "$err"
        run_capture "$allocsel" --policy-dir "$t/pd" --config "$t/family.conf" myje "$probe" ALLOCSEL_ALLOCATOR
        expect_eq "...and the service falls back, its jemalloc section never silently dropped" "(unset)" \
                "$(value env.ALLOCSEL_ALLOCATOR)"
        rm -r "$t"
}

# One line per message (issue 10 item 12).
policy_message_tests() {
        local t="$work/messages" d
        d="$work/messages/dir
with a newline"
        mkdir -m 755 "$t" "$d"
        printf 'allocator = "jem\nalloc";\non_error = "fa\033[31mil";\njemalloc = { extra = "a\nb"; };\n' > "$d/nl.conf"
        chmod 644 "$d/nl.conf"

        echo "# every message is one line, control characters escaped (issue 10 item 12)"
        run_capture "$allocsel" --policy-dir "$d" --check nl
        expect_eq "--check: three problems, three lines" 3 "$(grep -c . <<<"$err")"
        expect_has "a newline in an allocator name is escaped" 'allocator "jem\nalloc" is not known' "$err"
        expect_has "a terminal escape in a value is escaped" 'on_error: "fa\x1b[31mil" is not one of' "$err"
        expect_has "a newline in a file name is escaped" 'messages/dir\nwith a newline/nl.conf:' "$err"
        expect_empty "no raw escape character reaches the terminal" "$(tr -d -c '\033' <<<"$err")"
        run_capture "$allocsel" --policy-dir "$d" nl true
        expect_eq "the run's warning is one line" 1 "$(grep -c . <<<"$err")"
        rm -r "$t"
}

# allocsel --check --as SERVICE --file PATH: config management's validation
# of a candidate file (issue 14 part 1).
policy_candidate_tests() {
        local t="$work/candidate" tmp
        mkdir -m 755 "$t" "$t/etc" "$t/usr"
        printf 'allocator = "jemalloc";\njemalloc = { narenas = 2; };\n' > "$t/usr/default.conf"
        printf 'profile = { heap = "/tmp/allocsel-prof/api"; };\n' > "$t/etc/api.conf"
        printf 'allocator = "tcmalloc";\n' > "$t/usr/web.conf"
        chmod 644 "$t"/*/*.conf
        cand() { run_capture "$allocsel" --policy-dir "$t/etc" --policy-dir "$t/usr" --config "$t/none.conf" \
                --check --as "$1" --file "$2"; }
        tmp=$(mktemp /tmp/tmpXXXXXX)        # as Salt and Ansible make them: root's, 0600, in /tmp

        echo "# --check --as SERVICE --file PATH (issue 14 part 1)"
        printf 'jemalloc = { narenas = 4; };\n' > "$tmp"
        cand web "$tmp"
        expect_eq "a good candidate in /tmp (root's, 0600): exit 0" 0 "$rc"
        expect_has "...checked as the file it would become" "$t/etc/web.conf (candidate $tmp) checked with 1 service, no errors" "$out"
        printf '# web\njemalloc = {\n  narenas = 0;\n};\n' > "$tmp"
        cand web "$tmp"
        expect_eq "a bad candidate: exit 1" 1 "$rc"
        expect_eq "...the message names destination, line and candidate" \
                "$t/etc/web.conf:3 (candidate $tmp): jemalloc.narenas: 0 is out of range (1 to 4096)" "$err"
        printf 'jemalloc = { narenas = 4; ' > "$tmp"
        cand web "$tmp"
        expect_has "a syntax error in the candidate" "$t/etc/web.conf:1 (candidate $tmp): syntax error" "$err"
        # in context: default.conf applies, and the candidate masks web.conf below
        printf 'allocator = "jemaloc";\n' > "$t/usr/default.conf"
        printf 'jemalloc = { narenas = 4; };\n' > "$tmp"
        cand web "$tmp"
        expect_eq "the installed default.conf is part of the check" 1 "$rc"
        expect_has "...and named as itself" "$t/usr/default.conf:1: allocator \"jemaloc\" is not known" "$err"
        printf 'allocator = "jemalloc";\njemalloc = { narenas = 2; };\n' > "$t/usr/default.conf"
        # --as default re-checks every service that inherits it
        printf 'allocator = "mimalloc";\n' > "$tmp"
        cand default "$tmp"
        expect_eq "a default.conf candidate that breaks a service: exit 1" 1 "$rc"
        expect_has "...naming the service's own file" "$t/etc/api.conf:1: profile: mimalloc cannot profile the heap" "$err"
        printf 'allocator = "tcmalloc";\n' > "$tmp"
        cand default "$tmp"
        expect_eq "a default.conf candidate every service accepts: exit 0" 0 "$rc"
        expect_has "...after checking each of them" "checked with 3 services, no errors" "$out"
        # no side effects: no helper (it would be exec'd), no journal, nothing but reading
        if command -v strace >/dev/null; then
                run_capture strace -f -qq -e trace=execve,connect,sendmsg -o "$t/strace" \
                        "$allocsel" --policy-dir "$t/etc" --policy-dir "$t/usr" --check --as web --file "$tmp"
                # (but the load check: allocsel --version with the candidate's preload, see field.sh)
                expect_eq "--check --file execs nothing (no helper) and sends nothing (no journal)" "execve" \
                        "$(sed 's/^[0-9]* *//' "$t/strace" | grep -v -e '^+++' -e '^---' -e '"--version"\]' | sed 's/(.*//')"
        else
                skip "--check --file has no side effects" "strace missing"
        fi
        if [ "$is_root" = yes ]; then
                chown 65534 "$tmp"
                cand web "$tmp"
                expect_eq "a candidate not owned by root: exit 1" 1 "$rc"
                expect_has "...saying so" "$t/etc/web.conf (candidate $tmp): ignored: $tmp is not owned by root" "$err"
                chown 0 "$tmp"
        else
                skip "candidate ownership" "not root"
        fi
        cand web "$t/nonexistent"
        expect_eq "a missing candidate: exit 1" 1 "$rc"
        # Chef stages .chef-web.conf in the destination directory itself
        mv "$tmp" "$t/etc/.chef-web.conf20260101-1-abc.conf"
        cand web "$t/etc/.chef-web.conf20260101-1-abc.conf"
        expect_eq "a root-owned 0600 candidate in the destination directory is fine" 0 "$rc"

        echo "# directory scans skip what package managers and tools leave behind"
        printf 'allocator = "jemaloc";\n' > "$t/etc/.chef-web.conf20260101-1-abc.conf"
        for f in .hidden.conf web.conf.rpmnew web.conf.rpmsave web.conf.dpkg-dist web.conf.dpkg-old web.conf~ x.dpkg-new.conf; do
                printf 'allocator = "jemaloc";\n' > "$t/etc/$f"
        done
        chmod 644 "$t"/etc/*
        run_capture "$allocsel" --policy-dir "$t/etc" --policy-dir "$t/usr" --config "$t/none.conf" --check
        expect_eq "--check of a directory with leftovers: only real policies, exit 0" 0 "$rc"
        expect_has "...three policies (api, default, web)" "3 policies checked, no errors" "$out"
        unset -f cand
        rm -r "$t"
}

# A real config-management client: Ansible's template module with validate,
# on localhost, installing a good policy and refusing a bad one.
policy_ansible_test() {
        local t="$work/ansible" installed
        echo "# ansible-playbook: template with validate (issue 14 part 1)"
        if ! command -v ansible-playbook >/dev/null; then
                skip "ansible-playbook validate" "ansible-playbook missing (Debian package ansible-core)"
                return
        fi
        mkdir -m 755 "$t" "$t/allocsel.d" "$t/tmp" "$t/home"
        cat > "$t/play.yml" <<'EOF2'
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: allocsel policy for web
      ansible.builtin.template:
        src: "{{ policy }}"
        dest: "{{ policy_dir }}/web.conf"
        owner: root
        mode: "0644"
        validate: "{{ allocsel }} --policy-dir {{ policy_dir }} --check --as web --file %s"
EOF2
        printf 'allocator = "jemalloc";\njemalloc = { background_thread = true; dirty_decay_ms = {{ decay }}; };\n' > "$t/good.conf.j2"
        printf 'allocator = "jemalloc";\njemalloc = { background_thread = true; dirty_decay = {{ decay }}; };\n' > "$t/bad.conf.j2"
        play() {
                run_capture env LC_ALL=C.UTF-8 HOME="$t/home" ANSIBLE_LOCAL_TEMP="$t/tmp" ANSIBLE_REMOTE_TEMP="$t/tmp" \
                        ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_LOCALHOST_WARNING=0 \
                        ansible-playbook -i localhost, "$t/play.yml" -e "policy=$1 policy_dir=$t/allocsel.d allocsel=$allocsel decay=1000"
        }
        play "$t/good.conf.j2"
        expect_eq "ansible-playbook installs a good policy" 0 "$rc"
        [ "$rc" = 0 ] || echo "$out" | tail -20
        installed=$(cat "$t/allocsel.d/web.conf" 2>/dev/null)
        expect_has "...rendered from the template" "dirty_decay_ms = 1000" "$installed"
        run_capture "$allocsel" --policy-dir "$t/allocsel.d" web "$probe"
        expect_eq "...and the service runs with it" 1000 "$(value je.opt.dirty_decay_ms)"
        play "$t/bad.conf.j2"
        expect_eq "ansible-playbook refuses a bad policy" 2 "$rc"
        expect_has "...showing allocsel's message, destination and candidate" \
                "$t/allocsel.d/web.conf:2 (candidate " "$out"
        expect_has "...with the reason" 'unknown key \"jemalloc.dirty_decay\"' "$out"
        grep -o 'web.conf:2 (candidate [^)]*)' <<<"$out" | head -1 | sed 's/^/     as seen: /'
        expect_eq "...leaving the installed file unchanged" "$installed" "$(cat "$t/allocsel.d/web.conf")"
        unset -f play
        rm -r "$t"
}
