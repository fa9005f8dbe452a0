# Memory that runs out (sourced by integration.sh): fail-open means the
# program starts untouched, whatever allocation fails (issue 22 item 12).

# oom_sweep NAME POLICY [ALLOCSEL OPTION...]: allocsel runs POLICY's
# service with every allocation from the Nth on failing, for each N up to
# the number it makes with memory to spare. Each run must start the probe,
# either with the policy or untouched (saying so). Sets $oom_untouched,
# $oom_resort (runs ended by the last resort around libconfig) and $oom_runs.
oom_sweep() {
        local name=$1 service=$2 shim="$build/tests/libfailmalloc.so" count n bad=0 view
        shift 2
        oom_runs=0 oom_untouched=0 oom_resort=0
        rm -f "$work/oom.count"
        run_capture env LD_PRELOAD="$shim" FAILMALLOC_COUNT="$work/oom.count" \
                "$allocsel" --policy-dir "$pd" --config "$work/none.conf" "$@" "$service" "$probe" ALLOCSEL_SERVICE
        count=$(cat "$work/oom.count" 2>/dev/null)
        if [ "$rc" != 0 ] || [ -z "$count" ] || [ "$count" -lt 100 ]; then
                fail "$name: counting allocsel's allocations" "rc=$rc count=${count:-none} $err"
                return
        fi
        for n in $(seq 1 "$count"); do
                run_capture env LD_PRELOAD="$shim" FAILMALLOC_AFTER="$n" \
                        "$allocsel" --policy-dir "$pd" --config "$work/none.conf" "$@" "$service" "$probe" ALLOCSEL_SERVICE LD_PRELOAD
                oom_runs=$((oom_runs + 1))
                view="$rc $(value env.ALLOCSEL_SERVICE) $(value env.LD_PRELOAD)"
                if [ "$view" = "0 (unset) $shim" ] && grep -q "allocsel: $service: out of memory" <<<"$err"; then
                        oom_untouched=$((oom_untouched + 1))
                        grep -q "out of memory reading the policy" <<<"$err" && oom_resort=$((oom_resort + 1))
                elif [ "$view" != "0 $service $jemalloc:$shim" ]; then
                        [ "$bad" = 0 ] && fail "$name: allocation $n failing: the program starts, with the policy or untouched" \
                                "got [$view]: $err"
                        bad=$((bad + 1))
                fi
        done
        expect_eq "$name: every one of the $count allocations failing in turn: the program starts" 0 "$bad"
}

faults_oom_tests() {
        echo "# out of memory: the program starts untouched (issue 22 item 12)"
        if [ -n "${SANITIZED:-}" ]; then
                skip "out of memory" "the sanitizers' allocator cannot be failed by a preloaded one"
                return
        fi
        policy oom <<'EOF2'
allocator = "jemalloc";
jemalloc = { dirty_decay_ms = 1000; };
environment = { PYTHONMALLOC = "malloc"; };
EOF2
        oom_sweep "out of memory" oom
        [ "$oom_untouched" -gt 100 ] && pass "...most of them start it untouched ($oom_untouched of $oom_runs)" ||
                fail "...most of them start it untouched" "$oom_untouched of $oom_runs"
        [ "$oom_resort" -gt 0 ] && pass "...those in libconfig too, by the last resort ($oom_resort)" ||
                fail "...those in libconfig too, by the last resort" "none of $oom_runs"
        # not the policy's fault: --strict does not refuse (exit 78) over it
        oom_sweep "out of memory, --strict" oom --strict

        run_capture env LD_PRELOAD="$build/tests/libfailmalloc.so" FAILMALLOC_AFTER=1 \
                "$allocsel" --policy-dir "$pd" oom "$probe" ALLOCSEL_SERVICE
        expect_eq "out of memory keeping --policy-dir: not a usage error, the program starts" "0 (unset)" \
                "$rc $(value env.ALLOCSEL_SERVICE)"
        run_capture env LD_PRELOAD="$build/tests/libfailmalloc.so" FAILMALLOC_AFTER=1 \
                "$allocsel" --policy-dir "$pd" --check oom
        expect_eq "...with --check: exit 1, not 2" 1 "$rc"
        expect_has "...saying why" "allocsel: out of memory" "$err"
        rm "$pd/oom.conf"

        # --report execs the report with our argv: a stand-in report beside
        # allocsel prints what it got
        local t="$work/report-argv" n got bad=0 count
        mkdir -m 755 "$t"
        cp "$allocsel" "$t/allocsel"
        printf '#!/bin/sh\necho "$0 $*"\n' > "$t/allocsel-report"; chmod 755 "$t/allocsel-report"
        run_capture env LD_PRELOAD="$build/tests/libfailmalloc.so" FAILMALLOC_COUNT="$work/oom.count" \
                "$t/allocsel" --report --directory /x --json --since today --service a.service
        expect_eq "--report: the report gets every option" "allocsel-report --directory /x --json --since today --service a.service" \
                "$(basename "$(cut -d' ' -f1 <<<"$out")") $(cut -d' ' -f2- <<<"$out")"
        count=$(cat "$work/oom.count")
        for n in $(seq 1 "$((count + 1))"); do
                run_capture env LD_PRELOAD="$build/tests/libfailmalloc.so" FAILMALLOC_AFTER="$n" \
                        "$t/allocsel" --report --directory /x --json --since today --service a.service
                got=$(cut -d' ' -f2- <<<"$out")
                if ! { [ "$got" = "--directory /x --json --since today --service a.service" ] ||
                       { [ "$rc" = 126 ] && [ "$err" = "allocsel: out of memory" ]; }; }; then
                        bad=$((bad + 1))
                        echo "     allocation $n failing: rc=$rc got [$got] $err"
                fi
        done
        expect_eq "--report, each allocation failing: every option or none, never a shorter command" 0 "$bad"
        rm -r "$t"
}

faults_tests() {
        faults_oom_tests
}
