#!/bin/bash
# The records a fleet report joins, from a real systemd-journald (in a
# private mount namespace, as integration.sh does): runs before and after a
# policy change, runs whose allocator did not load, read back with
# journalctl -o json.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build="$top/${BUILD:-build}"
. "$here/lib.sh"
private_journal_namespace "$0" "$@"
. "$here/journal.sh"

allocsel="$build/allocsel"
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0:detect_leaks=1"
unset LD_PRELOAD MALLOC_CONF GLIBC_TUNABLES INVOCATION_ID

work=$(mktemp -d /tmp/allocsel-report.XXXXXX)
chmod 755 "$work"
trap 'stop_journald; rm -rf "$work"' EXIT
pd="$work/policies"
mkdir -m 755 "$pd"
msgid() { sed -n "s/.*MESSAGE_ID_$1 *\"\(.*\)\"/\1/p" "$top/include/messages.h"; }
policy() { cat > "$pd/$1.conf"; chmod 644 "$pd/$1.conf"; }
new_invocation() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }

# pyjson 'EXPR over r (the report objects) and j (the journal records)' [REPORT-JSON]:
# prints the expression's value; journal records come from journalctl -o json.
pyjson() {
        python3 -c '
import json, sys
r = [json.loads(l) for l in sys.argv[2].splitlines() if l.strip()]
j = [json.loads(l) for l in sys.argv[3].splitlines() if l.strip()]
def runs(**kw): return [o for o in r if o["type"] == "run" and all(o.get(k) == v for k, v in kw.items())]
def groups(**kw): return [o for o in r if o["type"] == "group" and all(o.get(k) == v for k, v in kw.items())]
def changes(**kw): return [o for o in r if o["type"] == "change" and all(o.get(k) == v for k, v in kw.items())]
def recs(mid, **kw): return [o for o in j if o.get("MESSAGE_ID") == mid and all(o.get(k) == v for k, v in kw.items())]
def median_low(v): v = sorted(v); return v[(len(v) - 1) // 2] if v else None
print(eval(sys.argv[1]))' "$1" "${2:-}" "${journal_json:-}"
}

if [ "$(id -u)" != 0 ]; then
        skip "report suite" "needs root (a journald of its own)"
        finish
        exit
fi
if ! start_journald; then
        if [ -n "${CI:-}" ]; then fail "report: no systemd-journald could be started"; else
                skip "report suite" "no systemd-journald could be started"; fi
        finish
        exit
fi

echo "# runs through allocsel, logged to a real journald"
policy web <<'EOF'
allocator = "jemalloc";
jemalloc = { narenas = 2; };
monitor = { startup_sample_ms = 150; };
EOF
# start ARGS...: allocsel in the background; its PID is the program's.
# settle: once each started program's startup record is in (the helper runs
# at SCHED_IDLE and may start late on a busy machine), stop them all.
runs=()
start() { "$@" >/dev/null & runs+=($!); }
settle() {
        local p
        for p in "${runs[@]}"; do
                journal_wait "ALLOCSEL_PID=$p" 2 >/dev/null || fail "report: the startup record of PID $p arrived"
        done
        kill -TERM "${runs[@]}" 2>/dev/null
        wait "${runs[@]}" 2>/dev/null   # not journald, which is ours too
        runs=()
}
inv_before=()
for i in 1 2 3; do
        inv=$(new_invocation); inv_before+=("$inv")
        INVOCATION_ID=$inv start "$allocsel" --policy-dir "$pd" web "$build/tests/eater" $((10 * i)) 600000
done
# the program drops the preload and execs another: not mapped at the startup sample
start "$allocsel" --policy-dir "$pd" web sh -c 'unset LD_PRELOAD; exec sleep 600'
settle
# a static program: nothing to preload into
"$allocsel" --policy-dir "$pd" web "$build/tests/static-true"
# --no-monitor: the helper still logs the started record, with the version
INVOCATION_ID=not-an-invocation-id "$allocsel" --policy-dir "$pd" --no-monitor web true
# the change: another tuning for the same allocator
policy web <<'EOF'
allocator = "jemalloc";
jemalloc = { narenas = 1; dirty_decay_ms = 0; };
monitor = { startup_sample_ms = 150; };
EOF
policy glibc-svc <<'EOF'
monitor = { startup_sample_ms = 150; };
EOF
for i in 1 2 3; do
        INVOCATION_ID=$(new_invocation) start "$allocsel" --policy-dir "$pd" web "$build/tests/eater" $((5 * i)) 600000
done
start "$allocsel" --policy-dir "$pd" glibc-svc "$build/tests/eater" 8 600000
settle
policy broken <<'EOF'
jemalloc = { narenas = 0; };
EOF
INVOCATION_ID=$(new_invocation) "$allocsel" --policy-dir "$pd" broken true 2>/dev/null
"$allocsel" --policy-dir "$pd" --strict broken true 2>/dev/null
# the same policy under another name
cp "$pd/web.conf" "$pd/web-copy.conf"
"$allocsel" --policy-dir "$pd" --no-monitor web-copy true
# every monitor has logged its exit (9 watched runs)
journal_wait "MESSAGE_ID=$(msgid EXITED)" 9 >/dev/null || fail "report: exit records arrived" "$(journalctl -o cat | tail -5)"
journal_wait "MESSAGE_ID=$(msgid REFUSED)" 1 >/dev/null
journal_wait "MESSAGE_ID=$(msgid STARTED)" 11 >/dev/null
journal_json=$(journalctl -o json --no-pager SYSLOG_IDENTIFIER=allocsel)

echo "# the record fields"
S=$(msgid STARTED) U=$(msgid STARTUP_RSS) X=$(msgid EXITED)
expect_eq "started records: one per start" 11 "$(pyjson "len(recs('$S'))")"
# the helper logs when it gets to run: ALLOCSEL_START_USEC, not the journal's time, orders the runs
before="recs('$S', ALLOCSEL_INVOCATION_ID='${inv_before[0]}')[0]['ALLOCSEL_POLICY_DIGEST']"
after="recs('$S', ALLOCSEL_SERVICE='web-copy')[0]['ALLOCSEL_POLICY_DIGEST']"
expect_eq "ALLOCSEL_POLICY_DIGEST: one digest for the 6 runs before the change, another for the 3 after" "6 3 True" \
        "$(pyjson "'%d %d %s' % (len([o for o in recs('$S', ALLOCSEL_SERVICE='web') if o['ALLOCSEL_POLICY_DIGEST'] == $before]), len([o for o in recs('$S', ALLOCSEL_SERVICE='web') if o['ALLOCSEL_POLICY_DIGEST'] == $after]), $before != $after)")"
expect_eq "ALLOCSEL_START_USEC: when allocsel ran, before the record was logged" True \
        "$(pyjson "all(0 <= int(o['__REALTIME_TIMESTAMP']) - int(o['ALLOCSEL_START_USEC']) < 60000000 for o in recs('$S'))")"
expect_eq "ALLOCSEL_POLICY_DIGEST is 16 hex digits" True \
        "$(pyjson "all(len(o['ALLOCSEL_POLICY_DIGEST']) == 16 and int(o['ALLOCSEL_POLICY_DIGEST'], 16) >= 0 for o in recs('$S'))")"
expect_eq "ALLOCSEL_POLICY_DIGEST: the same policy under another name, the same digest" True \
        "$(pyjson "$after == sorted(recs('$S', ALLOCSEL_SERVICE='web'), key=lambda o: int(o['ALLOCSEL_START_USEC']))[-1]['ALLOCSEL_POLICY_DIGEST']")"
expect_eq "ALLOCSEL_POLICY_DIGEST: another policy, another digest" True \
        "$(pyjson "recs('$S', ALLOCSEL_SERVICE='glibc-svc')[0]['ALLOCSEL_POLICY_DIGEST'] not in [o['ALLOCSEL_POLICY_DIGEST'] for o in recs('$S', ALLOCSEL_SERVICE='web')]")"
expect_eq "ALLOCSEL_LIBRARY_VERSION: jemalloc's, found by the helper" "{'5.3.0'}" \
        "$(pyjson "set(o.get('ALLOCSEL_LIBRARY_VERSION') for o in recs('$S', ALLOCSEL_SERVICE='web'))")"
expect_eq "ALLOCSEL_LIBRARY_VERSION: glibc's" "$(getconf GNU_LIBC_VERSION | awk '{print $2}')" \
        "$(pyjson "recs('$S', ALLOCSEL_SERVICE='glibc-svc')[0].get('ALLOCSEL_LIBRARY_VERSION')")"
expect_eq "ALLOCSEL_INVOCATION_ID from \$INVOCATION_ID" "['web', 'web', 'web']" \
        "$(pyjson "[recs('$S', ALLOCSEL_INVOCATION_ID=i)[0]['ALLOCSEL_SERVICE'] for i in '${inv_before[*]}'.split()]")"
expect_eq "ALLOCSEL_INVOCATION_ID: none when \$INVOCATION_ID is not an ID" None \
        "$(pyjson "recs('$S', ALLOCSEL_PROGRAM='$(type -P true)')[0].get('ALLOCSEL_INVOCATION_ID')")"
expect_eq "ALLOCSEL_INVOCATION_ID on the fallback record too" True \
        "$(pyjson "len(recs('$(msgid FALLBACK)', ALLOCSEL_SERVICE='broken')[0].get('ALLOCSEL_INVOCATION_ID', '')) == 32")"
for m in U X; do
        expect_eq "the monitor's $([ $m = U ] && echo startup || echo exit) records carry the three fields" \
                "{('${inv_before[1]}', '5.3.0', True)}" \
                "$(pyjson "set((o.get('ALLOCSEL_INVOCATION_ID'), o.get('ALLOCSEL_LIBRARY_VERSION'), o.get('ALLOCSEL_POLICY_DIGEST') == recs('$S', ALLOCSEL_INVOCATION_ID='${inv_before[1]}')[0]['ALLOCSEL_POLICY_DIGEST']) for o in recs('${!m}', ALLOCSEL_INVOCATION_ID='${inv_before[1]}'))")"
done

finish
