# What operators trip over with preloaded allocators (sourced by
# integration.sh): huge pages, the host's own allocator configuration.

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

field_tests() {
        field_huge_pages
        field_malloc_conf_link
}
