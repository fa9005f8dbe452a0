# --compare, black-box (sourced by integration.sh: uses $allocsel, $work, $pd, run_capture).

csv_ok() { # CSV FILE: 7 fields a row, times rising within each allocator/run
        python3 - "$1" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
assert rows[0] == ["allocator", "run", "t_ms", "rss_kb", "vsz_kb", "minflt", "majflt"], rows[0]
last = {}
for r in rows[1:]:
    assert len(r) == 7, r
    key, t = (r[0], r[1]), int(r[2])
    assert t > last.get(key, -1), (r, last.get(key))
    last[key] = t
    assert int(r[3]) > 0 and int(r[4]) >= int(r[3])
print(len(rows) - 1)
PY
}
svg_paths() { python3 -c 'import sys, xml.etree.ElementTree as E
print(len(E.parse(sys.argv[1]).findall(".//{http://www.w3.org/2000/svg}path")))' "$1"; }
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
# table_figure OUT LABEL FIGURE: one figure of the printed table's row for LABEL, as printed
# (FIGURE: peak, end, exit, mean, wall, cpu; exit is "-" when the table has no such column)
table_figure() {
        python3 - "$@" <<'PY'
import re, sys
out, label, figure = sys.argv[1:]
row = [l for l in out.splitlines() if l.split()[:1] == [label]][0]
nums = re.findall(r"([0-9.]+) (?:MiB|s)\b", row)
names = ["peak", "end", "exit", "mean", "wall", "cpu"] if len(nums) == 6 else ["peak", "end", "mean", "wall", "cpu"]
print(dict(zip(names, nums)).get(figure, "-"))
PY
}
# close_to A B TOLERANCE_PERCENT SLACK: whether |A - B| <= B * TOLERANCE / 100 + SLACK
close_to() { python3 -c "import sys; a, b, p, s = map(float, sys.argv[1:]); sys.exit(0 if abs(a - b) <= b * p / 100 + s else 1)" "$@"; }

# sampled_compare NAME INTERVAL SHAPE...: --compare of tests/helpers/shaped SHAPE under glibc into
# $truth-NAME, watched meanwhile by the independent sampler (its figures in $work/sampled-NAME.json)
sampled_compare() {
        local name=$1 interval=$2 sampler_pid
        shift 2
        /usr/bin/python3 "$top/tests/helpers/rss_sampler.py" 60 "$build/tests/shaped" "$@" > "$work/sampled-$name.json" &
        sampler_pid=$!
        run --compare --allocators glibc --interval "$interval" --output "$truth-$name" -- "$build/tests/shaped" "$@"
        wait "$sampler_pid"
}

# sampler_agrees NAME FIGURE EXPR TOLERANCE_PERCENT SLACK: whether the table's FIGURE for glibc
# (in $out) is within TOLERANCE % + SLACK of EXPR over the sampler's figures (d)
sampler_agrees() {
        close_to "$(table_figure "$out" glibc "$2")" "$(json_get "$work/sampled-$1.json" "$3")" "$4" "$5"
}

compare_tests() {
        local cmp="$work/compare" eater="$build/tests/eater" rows pid

        echo "# --compare: a program whose RSS is known (100 MiB held for 0.8 s)"
        run --compare --allocators glibc,jemalloc --interval 50 --output "$cmp" -- "$eater" 100 800
        expect_eq "compare: exit 0" 0 "$rc"
        rows=$(csv_ok "$cmp/samples.csv") && pass "compare: samples.csv has well-formed rows, times rising ($rows)" \
                || fail "compare: samples.csv is well-formed" "$(head -5 "$cmp/samples.csv")"
        for a in glibc jemalloc; do
                peak=$(json_get "$cmp/summary.json" "[a for a in d['allocators'] if a['name']=='$a'][0]['median']['peak_rss_kb']")
                [ "$peak" -ge 92160 ] && [ "$peak" -le 112640 ] && pass "compare: $a peak within 10 % of 100 MiB ($peak KiB)" \
                        || fail "compare: $a peak within 10 % of 100 MiB" "$peak"
                table=$(awk -v a="$a" '$1 == a {print $2}' <<<"$out")
                expect_eq "compare: the table agrees with summary.json ($a)" \
                        "$(python3 -c "print('%.1f' % ($peak / 1024))")" "$table"
                [ "$(grep -c "^$a,1," "$cmp/samples.csv")" -ge 5 ] && pass "compare: $a sampled every interval" \
                        || fail "compare: $a sampled every interval"
        done
        expect_eq "compare: rss.svg is well-formed with one line per allocator" 2 "$(svg_paths "$cmp/rss.svg")"
        expect_has "compare: the graph's axes are labelled" "resident memory, RSS (MiB)" "$(cat "$cmp/rss.svg")"
        expect_has "compare: the table points to the graph" "graph: $cmp/rss.svg" "$out"
        [ -s "$cmp/output-glibc-1.log" ] && pass "compare: the program's output is kept per run" \
                || fail "compare: the program's output is kept per run"

        echo "# --compare tells the truth: a peak between two samples is the kernel's high-water mark"
        local truth="$cmp-truth" own
        sampled_compare peak 400 300 0 20 1000 20 0
        own=$(sed -n 's/^hwm_kb=//p' "$truth-peak/output-glibc-1.log")
        expect_eq "compare truth: the peak is the program's own VmHWM (300 MiB held between two samples)" 0 \
                "$(close_to "$(table_figure "$out" glibc peak)" "$(python3 -c "print($own / 1024)")" 1 0.2; echo $?)"
        expect_eq "compare truth: ...and the independent sampler's" 0 \
                "$(sampler_agrees peak peak "d['peak_kb'] / 1024" 1 0.2; echo $?)"

        echo "# --compare tells the truth: end RSS is the idle phase's, not the exit's; the table against an independent sampler"
        sampled_compare end 50 40 0 150 2400 10 100
        own=$(sed -n 's/^idle_rss_kb=//p' "$truth-end/output-glibc-1.log")
        expect_eq "compare truth: end RSS is what the program held idle (its own VmRSS), not its exit's" 0 \
                "$(close_to "$(table_figure "$out" glibc end)" "$(python3 -c "print($own / 1024)")" 2 0.5; echo $?)"
        expect_eq "compare truth: end RSS agrees with the sampler's idle plateau" 0 \
                "$(sampler_agrees end end "d['plateau_mib'] + 0.5" 2 1; echo $?)"
        expect_eq "compare truth: the last sample, taken during the exit, is shown beside it" 0 \
                "$(sampler_agrees end exit "d['last_kb'] / 1024" 10 1; echo $?)"
        expect_has "compare truth: the table says how end RSS is chosen" "end RSS: the last sample before the last 5 %" "$out"
        expect_eq "compare truth: peak agrees with the sampler" 0 \
                "$(sampler_agrees end peak "d['peak_kb'] / 1024" 1 0.2; echo $?)"
        expect_eq "compare truth: mean RSS agrees with the sampler" 0 \
                "$(sampler_agrees end mean "d['mean_kb'] / 1024" 5 1; echo $?)"
        expect_eq "compare truth: wall time agrees with how long the sampler saw the program" 0 \
                "$(sampler_agrees end wall "d['seen_ms'] / 1000" 5 0.1; echo $?)"
        expect_eq "compare truth: CPU time agrees with the sampler's last reading" 0 \
                "$(sampler_agrees end cpu "d['cpu_ms'] / 1000" 10 0.05; echo $?)"
        expect_eq "compare truth: summary.json has the same end RSS" \
                "$(table_figure "$out" glibc end)" "$(json_get "$truth-end/summary.json" "'%.1f' % (d['allocators'][0]['median']['end_rss_kb'] / 1024)")"

        echo "# --compare: an allocator and a policy of the same name are kept apart"
        printf 'allocator = "glibc";\nrelease = { interval_ms = 200; min_free_kb = 1024; };\n' > "$pd/glibc.conf"
        chmod 644 "$pd/glibc.conf"
        run --compare --allocators glibc --policies glibc --interval 50 --output "$cmp-same" -- "$eater" 20 300
        rm -f "$pd/glibc.conf"
        expect_eq "compare: allocator glibc and policy glibc are two rows" "glibc policy:glibc" \
                "$(awk '$2 ~ /MiB|^[0-9.]+$/ {print $1}' <<<"$out" | xargs)"
        expect_eq "compare: ...with a log each" "2" "$(ls "$cmp-same" | grep -c '^output-.*glibc-1\.log$')"
        expect_eq "compare: ...two curves in samples.csv" "glibc policy:glibc" "$(cut -d, -f1 "$cmp-same/samples.csv" | sed 1d | uniq | xargs)"
        expect_eq "compare: ...and two legend entries" "glibc policy:glibc" \
                "$(python3 -c 'import sys, xml.etree.ElementTree as E
print(" ".join(p.get("data-allocator") for p in E.parse(sys.argv[1]).findall(".//{http://www.w3.org/2000/svg}path")))' "$cmp-same/rss.svg")"
        expect_eq "compare: summary.json says which is which" "allocator policy" \
                "$(json_get "$cmp-same/summary.json" "' '.join(a['kind'] for a in d['allocators'])")"

        echo "# --compare: skipped allocators, failing programs, a service's tuning, --runs"
        cat > "$work/ghost.conf" <<EOF2
allocators = { ghost = { library = "/nonexistent/libghost.so"; family = "jemalloc"; }; };
EOF2
        chmod 644 "$work/ghost.conf"
        run_capture "$allocsel" --policy-dir "$pd" --config "$work/ghost.conf" --compare --allocators ghost,glibc \
                --interval 50 --output "$cmp-skip" -- true
        expect_has "compare: a missing library is skipped with the reason" \
                "ghost              skipped: $work/ghost.conf:1: allocator ghost: /nonexistent/libghost.so: No such file or directory" "$out"
        expect_eq "compare: ...and the others still run" 0 "$(json_get "$cmp-skip/summary.json" "d['allocators'][1]['runs'][0]['exit_status']")"
        run --compare --allocators glibc,jemalloc,mimalloc --interval 50 --output "$cmp-fail" -- \
                sh -c 'test "$ALLOCSEL_ALLOCATOR" != jemalloc'
        expect_has "compare: a program failing under one allocator is reported" "exit 1 (FAILED)" "$(grep ^jemalloc <<<"$out")"
        expect_has "compare: ...the others still run" "exit 0" "$(grep ^mimalloc <<<"$out")"
        run --compare --service je --allocators jemalloc --interval 50 --output "$cmp-svc" -- "$probe" PYTHONMALLOC
        expect_has "compare --service applies the service's tuning" "je.opt.narenas=3" "$(cat "$cmp-svc/output-jemalloc-1.log")"
        expect_has "compare --service applies the service's environment" "env.PYTHONMALLOC=malloc" "$(cat "$cmp-svc/output-jemalloc-1.log")"
        run --compare --runs 3 --allocators glibc --interval 20 --output "$cmp-runs" -- "$eater" 20 200
        expect_eq "compare --runs 3 runs three times" 3 "$(json_get "$cmp-runs/summary.json" "len(d['allocators'][0]['runs'])")"
        expect_eq "compare --runs: the table shows the median" \
                "$(json_get "$cmp-runs/summary.json" "sorted(r['peak_rss_kb'] for r in d['allocators'][0]['runs'])[1]")" \
                "$(json_get "$cmp-runs/summary.json" "d['allocators'][0]['median']['peak_rss_kb']")"
        printf 'allocator = "glibc";\nrelease = { interval_ms = 200; min_free_kb = 1024; };\n' > "$pd/cmp-rel.conf"
        printf 'allocator = "glibc";\n' > "$pd/cmp-plain.conf"
        chmod 644 "$pd/cmp-rel.conf" "$pd/cmp-plain.conf"
        run --compare --policies cmp-plain,cmp-rel,je --interval 100 --output "$cmp-pol" -- "$build/tests/fragment" 100 1500
        expect_eq "compare --policies: one entry per policy" "cmp-plain cmp-rel je" \
                "$(json_get "$cmp-pol/summary.json" "' '.join(a['name'] for a in d['allocators'])")"
        end_plain=$(json_get "$cmp-pol/summary.json" "d['allocators'][0]['median']['end_rss_kb']")
        end_rel=$(json_get "$cmp-pol/summary.json" "d['allocators'][1]['median']['end_rss_kb']")
        [ "$end_rel" -lt $((end_plain / 3)) ] \
                && pass "compare --policies shows the release helper's effect ($end_plain -> $end_rel KiB)" \
                || fail "compare --policies shows the release helper's effect" "$end_plain -> $end_rel KiB"
        rm -f "$pd/cmp-rel.conf" "$pd/cmp-plain.conf"
        for bad in "--interval 5" "--runs 0" "--runs x" "--policies ../x"; do
                # shellcheck disable=SC2086
                run --compare $bad -- true
                expect_eq "compare: $bad is a usage error" 2 "$rc"
        done
        run --compare --output "$cmp-x"
        expect_eq "compare: no PROGRAM is a usage error" 2 "$rc"
        run --allocators glibc web true
        expect_eq "compare options without --compare are a usage error" 2 "$rc"

        echo "# --compare: progress on a terminal, quiet otherwise"
        expect_not_has "compare: no progress when stdout is not a terminal" "run 1/1" "$out"
        if command -v script >/dev/null; then
                tty_out=$(script -qec "$allocsel --compare --allocators glibc --interval 50 --output $cmp-tty -- $eater 1 300" /dev/null)
                expect_has "compare: progress on a terminal" "run 1/1" "$tty_out"
        else
                skip "compare: progress on a terminal" "no script(1)"
        fi

        echo "# --compare: a caller that ignores SIGCHLD"
        run_capture perl -e '$SIG{CHLD} = "IGNORE"; exec @ARGV or die' -- "$allocsel" --compare --allocators glibc \
                --interval 50 --output "$cmp-ign" -- sh -c 'i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done; exit 3'
        expect_eq "compare (SIGCHLD ignored): the real exit status" 3 \
                "$(json_get "$cmp-ign/summary.json" "d['allocators'][0]['runs'][0]['exit_status']")"
        expect_eq "compare (SIGCHLD ignored): the CPU time is measured" True \
                "$(json_get "$cmp-ign/summary.json" "0 < d['allocators'][0]['runs'][0]['cpu_ms'] < 60000")"

        echo "# --compare: SIGINT in the middle"
        "$allocsel" --compare --allocators glibc,jemalloc --interval 50 --output "$cmp-int" -- "$eater" 10 30000 \
                >"$work/cmp-int.out" 2>&1 &
        pid=$!
        for _ in $(seq 200); do
                [ "$(grep -c '^glibc,1,' "$cmp-int/samples.csv" 2>/dev/null)" -ge 4 ] && break
                sleep 0.05
        done
        kill -INT "$pid"
        wait "$pid"
        expect_eq "compare: interrupted by SIGINT exits 130" 130 "$?"
        csv_ok "$cmp-int/samples.csv" >/dev/null && pass "compare: partial samples.csv is valid" \
                || fail "compare: partial samples.csv is valid"
        expect_eq "compare: partial summary.json says interrupted" True "$(json_get "$cmp-int/summary.json" "d['interrupted']")"
        expect_eq "compare: partial rss.svg is valid" 1 "$(svg_paths "$cmp-int/rss.svg")"
        pgrep -f "$eater 10 30000" >/dev/null && fail "compare: SIGINT reached the program" \
                || pass "compare: SIGINT reached the program"

        echo "# --compare: the effect on the demo workload (reduced size)"
        run --compare --allocators glibc,jemalloc --interval 200 --output "$cmp-ssl" -- \
                /usr/bin/python3 "$top/bench/ssl_contexts.py" 250 2
        ratio=$(json_get "$cmp-ssl/summary.json" \
                "round([a for a in d['allocators'] if a['name']=='jemalloc'][0]['median']['end_rss_kb'] / [a for a in d['allocators'] if a['name']=='glibc'][0]['median']['end_rss_kb'], 2)")
        python3 -c "import sys; sys.exit(0 if $ratio < 0.6 else 1)" \
                && pass "compare: jemalloc ends well below glibc on the SSL workload (ratio $ratio)" \
                || fail "compare: jemalloc ends well below glibc on the SSL workload" "ratio $ratio: $out"

        compare_output_tests
}

# --output DIR as a hostile local user prepares it (issue 22 item 1): the
# results are written only in a directory of the caller's that nobody else
# can write, never through a link, never into a FIFO or another's file.
compare_output_tests() {
        local tmp="$work/cmp-tmp" victim="$work/cmp-victim" etc="$work/cmp-etc" d f
        # a /tmp of our own, and root's files a link could point at
        mkdir -m 1777 "$tmp"
        mkdir -m 755 "$etc"
        echo keep > "$victim"; chmod 644 "$victim"
        victims_kept() { # NAME: the victim unchanged, nothing created in etc
                expect_eq "$1: root's file untouched, nothing created through a link" "keep 0" \
                        "$(cat "$victim") $(ls -A "$etc" | wc -l)"
        }
        links_to_victims() { # DIR: every output file a link to root's files
                ln -s "$victim" "$1/samples.csv"
                ln -s "$etc/summary.json" "$1/summary.json"
                ln -s "$etc/rss.svg" "$1/rss.svg"
                ln -s "$victim" "$1/output-glibc-1.log"
        }

        echo "# --compare --output: a directory another user made, full of links (issue 22 item 1)"
        if [ "$is_root" = yes ] && command -v setpriv >/dev/null; then
                as_nobody mkdir -m 755 "$tmp/cmp"
                as_nobody bash -c "$(declare -f links_to_victims)"'; victim=$1 etc=$2; links_to_victims "$3"' \
                        _ "$victim" "$etc" "$tmp/cmp"
                expect_eq "another user's directory holds their 4 links to root's files" "4 65534" \
                        "$(find "$tmp/cmp" -type l -user 65534 | wc -l) $(stat -c %u "$tmp/cmp")"
                run --compare --allocators glibc --interval 50 --output "$tmp/cmp" -- sh -c 'echo ran'
                expect_eq "compare into another user's directory: exit 1" 1 "$rc"
                expect_eq "...saying whose it is, in one line" \
                        "allocsel: cannot write the results in $tmp/cmp: $tmp/cmp is owned by uid 65534, not by the user allocsel runs as (uid 0)" "$err"
                expect_empty "...and nothing runs" "$out"
                victims_kept "another user's directory"
                # the same user, on their own: their directory is theirs
                as_nobody mkdir -m 755 "$tmp/mine"
                run_capture as_nobody "$allocsel" --policy-dir "$pd" --config "$work/none.conf" --compare \
                        --allocators glibc --interval 50 --output "$tmp/mine" -- sh -c 'echo ran'
                expect_eq "compare as that user, into their own directory: exit 0" 0 "$rc"
                expect_eq "...the program's output is written there, owned by them" "ran 65534" \
                        "$(cat "$tmp/mine/output-glibc-1.log") $(stat -c %u "$tmp/mine/samples.csv")"
                run_capture as_nobody "$allocsel" --policy-dir "$pd" --config "$work/none.conf" --compare \
                        --allocators glibc --interval 50 --output "$tmp/made-by-allocsel" -- true
                expect_eq "compare as that user, a directory allocsel creates: exit 0, 0755, theirs" "0 755 65534" \
                        "$rc $(stat -c '%a %u' "$tmp/made-by-allocsel")"
        else
                skip "compare into another user's directory" "needs root and setpriv"
        fi

        echo "# --compare --output: directories others can write, links and FIFOs (issue 22 item 1)"
        for mode in 777 1777 775; do
                mkdir -m "$mode" "$tmp/w$mode"
                links_to_victims "$tmp/w$mode"
                run --compare --allocators glibc --interval 50 --output "$tmp/w$mode" -- sh -c 'echo ran'
                expect_eq "compare into a directory of mode $mode: refused with the reason" \
                        "1 allocsel: cannot write the results in $tmp/w$mode: $tmp/w$mode is writable by group or others" "$rc $err"
                victims_kept "a directory of mode $mode"
        done
        ln -s "$etc" "$tmp/link-to-dir"
        run --compare --allocators glibc --interval 50 --output "$tmp/link-to-dir" -- true
        expect_eq "compare --output naming a symbolic link: refused" \
                "1 allocsel: cannot write the results in $tmp/link-to-dir: $tmp/link-to-dir is a symbolic link (name the directory itself)" "$rc $err"
        victims_kept "a link in place of the directory"
        # the caller's own directory, with links left in it: each file refused, never followed
        for f in samples.csv summary.json rss.svg; do
                d="$work/cmp-own-$f"
                mkdir -m 755 "$d"
                ln -s "$victim" "$d/$f"
                run --compare --allocators glibc --interval 50 --output "$d" -- true
                expect_eq "compare: a link in place of $f is refused" \
                        "1 allocsel: cannot write the results in $d: $d/$f is a symbolic link" "$rc $err"
                victims_kept "a link in place of $f"
        done
        d="$work/cmp-own-log"
        mkdir -m 755 "$d"
        ln -s "$victim" "$d/output-glibc-1.log"
        run --compare --allocators glibc --interval 50 --output "$d" -- sh -c 'echo ran'
        expect_eq "compare: a link in place of the program's output file is refused" \
                "1 allocsel: cannot write the program's output: $d/output-glibc-1.log is a symbolic link" "$rc $err"
        victims_kept "a link in place of the program's output"
        ln "$victim" "$d/hard" && rm "$d/output-glibc-1.log" && mv "$d/hard" "$d/samples.csv"
        run --compare --allocators glibc --interval 50 --output "$d" -- true
        expect_eq "compare: a hard link to another file in place of samples.csv is refused" \
                "1 allocsel: cannot write the results in $d: $d/samples.csv has other hard links" "$rc $err"
        victims_kept "a hard link in place of samples.csv"
        for f in samples.csv summary.json output-glibc-1.log; do
                d="$work/cmp-fifo-$f"
                mkdir -m 755 "$d"
                mkfifo -m 644 "$d/$f"
                run_capture timeout 10 "$allocsel" --policy-dir "$pd" --config "$work/none.conf" --compare \
                        --allocators glibc --interval 50 --output "$d" -- true
                expect_has "compare: a FIFO in place of $f is refused at once" "$d/$f is not a regular file" "$err"
                expect_eq "...exit 1" 1 "$rc"
        done
        # what allocsel wrote itself is rewritten whole on the next comparison
        d="$work/cmp-again"
        run --compare --allocators glibc --interval 50 --output "$d" -- sh -c 'echo first; echo first'
        run --compare --allocators glibc --interval 50 --output "$d" -- sh -c 'echo second'
        expect_eq "compare into its own earlier results: exit 0, files replaced, not appended" "0 second 1" \
                "$rc $(cat "$d/output-glibc-1.log") $(grep -c '^allocator,' "$d/samples.csv")"
}
