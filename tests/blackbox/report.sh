#!/bin/bash
# allocsel --report against real journals: records written by a real
# systemd-journald (in a private mount namespace, as integration.sh does),
# and a directory of two hosts' journals written by systemd-journal-remote
# from export-format input, with runs before and after a policy change and
# runs whose allocator did not load. Figures are checked against the
# records themselves, read back with journalctl -o json.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build="$top/${BUILD:-build}"
. "$top/tests/lib.sh"
private_journal_namespace "$0" "$@"
. "$here/journal.sh"

allocsel="$build/allocsel"
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0:detect_leaks=1"
unset LD_PRELOAD MALLOC_CONF GLIBC_TUNABLES INVOCATION_ID
journal_remote=/lib/systemd/systemd-journal-remote

work=$(mktemp -d /tmp/allocsel-report.XXXXXX)
chmod 755 "$work"
trap 'stop_journald; rm -rf "$work"' EXIT
pd="$work/policies"
mkdir -m 755 "$pd"
msgid() { sed -n "s/.*MESSAGE_ID_$1 *\"\(.*\)\"/\1/p" "$top/include/messages.h"; }
policy() { cat > "$pd/$1.conf"; chmod 644 "$pd/$1.conf"; }
new_invocation() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }
report() { run_capture "$allocsel" --report "$@"; }

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

if ! start_monitor; then
        fail "report: allocsel-monitor starts" "$(cat "$work/monitor.log")"
        finish
        exit
fi
trap 'stop_monitor; stop_journald; rm -rf "$work"' EXIT

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

echo "# the report over the local journal"
report --json
expect_eq "--json: exit 0" 0 "$rc"
local_json=$out
expect_eq "--json: valid UTF-8 JSON Lines" True "$(pyjson "all(o['type'] in ('run', 'group', 'change') for o in r)" "$out")"
expect_eq "groups: web before, web after, web-copy, glibc-svc, broken (fallback, refused)" 6 "$(pyjson "len(groups())" "$out")"
# each group's figures from the records themselves
check_group() { # check_group NAME DIGEST-SELECTOR
        expect_eq "group $1: runs, and median exit RSS from the exit records" True "$(pyjson "
[(g['runs'], g['median_exit_rss_kb'], g['median_peak_rss_kb']) for g in groups(service='web', policy_digest=$2)] == [(
 len([o for o in recs('$S', ALLOCSEL_SERVICE='web') if o['ALLOCSEL_POLICY_DIGEST'] == $2]),
 median_low([int(o['ALLOCSEL_RSS_KB']) for o in recs('$X', ALLOCSEL_SERVICE='web') if o['ALLOCSEL_POLICY_DIGEST'] == $2 and int(o.get('ALLOCSEL_RSS_KB', 0)) > 0]),
 median_low([int(o['ALLOCSEL_PEAK_RSS_KB']) for o in recs('$X', ALLOCSEL_SERVICE='web') if o['ALLOCSEL_POLICY_DIGEST'] == $2 and int(o.get('ALLOCSEL_PEAK_RSS_KB', 0)) > 0]))]" "$out")"
}
check_group "before the change" "$before"
check_group "after the change" "$after"
expect_eq "the change: before, after, and the change in median exit RSS" True "$(pyjson "
len(changes(service='web')) == 1 and (lambda c: c['before']['runs'] == 6 and c['after']['runs'] == 3
 and c['before']['not_loaded'] == 2 and c['after']['not_loaded'] == 0
 and abs(c['exit_rss_change_pct'] - 100.0 * (c['after']['median_exit_rss_kb'] - c['before']['median_exit_rss_kb']) / c['before']['median_exit_rss_kb']) < 0.01
 and c['before']['policy_digest'] != c['after']['policy_digest'])(changes(service='web')[0])" "$out")"
expect_eq "runs whose allocator did not load, and why" \
        "[('broken', '(fallback)', 'policy not applied: $pd/broken.conf:1: jemalloc.narenas: 0 is out of range (1 to 4096)'), ('broken', '(refused)', 'refused to start: $pd/broken.conf:1: jemalloc.narenas: 0 is out of range (1 to 4096)'), ('web', 'jemalloc', 'library not mapped at startup (the preload did not take)'), ('web', 'jemalloc', 'not preloaded: $build/tests/static-true is a static executable (no ld.so to preload with)')]" \
        "$(pyjson "sorted((o['service'], o['allocator'], o['why_not_loaded']) for o in runs(loaded=False))" "$out")"
report --json --runs
expect_eq "--runs: every run, joined" 13 "$(pyjson "len(runs())" "$out")"
expect_eq "--runs: a run has its invocation, version, digest and the figures of its records" True "$(pyjson "
(lambda o, u, x: o['invocation_id'] == '${inv_before[2]}' and o['library_version'] == '5.3.0' and o['loaded'] is True
 and o['policy_digest'] == u['ALLOCSEL_POLICY_DIGEST'] and o['pid'] == int(u['ALLOCSEL_PID'])
 and o['startup_rss_kb'] == int(u['ALLOCSEL_RSS_KB']) and o['exit_rss_kb'] == int(x['ALLOCSEL_RSS_KB'])
 and o['peak_rss_kb'] == max(int(x['ALLOCSEL_PEAK_RSS_KB']), int(u['ALLOCSEL_PEAK_RSS_KB']), int(u['ALLOCSEL_RSS_KB']))
 and o['lifetime_ms'] == int(x['ALLOCSEL_LIFETIME_MS']) and o['program'] == '$build/tests/eater')(
 runs(invocation_id='${inv_before[2]}')[0], recs('$U', ALLOCSEL_INVOCATION_ID='${inv_before[2]}')[0],
 recs('$X', ALLOCSEL_INVOCATION_ID='${inv_before[2]}')[0])" "$out")"
report
expect_eq "table: exit 0" 0 "$rc"
expect_has "table: the groups" "By host, service, allocator and policy (medians)" "$out"
for period in before after; do
        expect_has "table: the change, $period" \
                "$(pyjson "(lambda p: 'jemalloc %s (%d runs%s)' % (p['policy_digest'][:8], p['runs'], ', some not loaded' if p['not_loaded'] else ''))(changes(service='web')[0]['$period'])" "$local_json")" "$out"
done
expect_has "table: a run that did not load, and why" "library not mapped at startup" "$out"
report --csv --runs
expect_eq "--csv --runs: one line per run and a header, RFC 4180" "14 True" "$(python3 -c '
import csv, sys, io
rows = list(csv.DictReader(io.StringIO(sys.argv[1])))
print(len(rows) + 1, all(r["service"] in ("web", "web-copy", "glibc-svc", "broken") for r in rows))' "$out")"
report --csv --runs --groups
expect_eq "--csv with two tables is a usage error" 2 "$rc"
report --service glibc-svc --json --groups
expect_eq "--service: only that service" "['glibc-svc']" "$(pyjson "[g['service'] for g in groups()]" "$out")"
# a match the journal cannot take whole must match nothing, not everything (issue 22 item 11)
long_name=$(printf 's%.0s' {1..600})
for opt in --service --host; do
        report "$opt" "$long_name" --json --runs
        expect_eq "$opt with a 600-byte name: no run, exit 0" "0 0" "$(pyjson "len(runs())" "$out") $rc"
        expect_has "$opt with a 600-byte name: says nothing matched" "no allocsel records in the local journal that match" "$err"
done

echo "# --prometheus"
mkdir -m 755 "$work/textfile"
ln -s "$work/victim" "$work/textfile/allocsel.prom"
echo keep > "$work/victim"
report --prometheus "$work/textfile/allocsel.prom"
expect_eq "--prometheus alone: exit 0, nothing on stdout" "0 " "$rc $out"
prom=$(cat "$work/textfile/allocsel.prom")
expect_has "--prometheus: runs by service, allocator, policy" \
        "allocsel_runs{service=\"web\",allocator=\"jemalloc\",policy_digest=\"$(pyjson "changes(service='web')[0]['after']['policy_digest']" "$local_json")\"} 3" "$prom"
expect_has "--prometheus: median exit RSS in bytes" "allocsel_exit_rss_bytes{service=\"glibc-svc\",allocator=\"glibc\"" "$prom"
expect_not_has "--prometheus: no host label" "host=" "$prom"
expect_eq "--prometheus: renamed into place (the symlink replaced, its target kept), 0644, no temporary left" \
        "regular 644 keep 1" "$(stat -c '%F %a' "$work/textfile/allocsel.prom" | sed 's/ file//') $(cat "$work/victim") $(ls -A "$work/textfile" | wc -l)"
# the consumer itself: node_exporter's textfile collector reads the file
node_exporter=$(command -v prometheus-node-exporter || true)
if [ -n "$node_exporter" ]; then
        port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        "$node_exporter" --web.listen-address="127.0.0.1:$port" --collector.disable-defaults --collector.textfile \
                --collector.textfile.directory="$work/textfile" >"$work/node-exporter.log" 2>&1 &
        exporter=$!
        metrics=
        for _ in $(seq 100); do     # until it listens
                metrics=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' \
                        "http://127.0.0.1:$port/metrics" 2>/dev/null) && break
                kill -0 "$exporter" 2>/dev/null || break
                sleep 0.1
        done
        kill "$exporter" 2>/dev/null
        wait "$exporter" 2>/dev/null
        expect_has "node_exporter reads the file: no scrape error" "node_textfile_scrape_error 0" "$metrics"
        expect_has "node_exporter serves the report's gauges" \
                "allocsel_runs{allocator=\"jemalloc\",policy_digest=\"$(pyjson "changes(service='web')[0]['after']['policy_digest']" "$local_json")\",service=\"web\"} 3" "$metrics"
elif [ -n "${CI:-}" ]; then
        fail "node_exporter reads the file" "prometheus-node-exporter is not installed"
else
        skip "node_exporter reads the file" "prometheus-node-exporter is not installed"
fi
report --prometheus "$work/no/such/dir/x.prom"
expect_eq "--prometheus into a missing directory: exit 1" 1 "$rc"
expect_has "--prometheus: the error names the file" "cannot write $work/no/such/dir/x.prom: No such file or directory" "$err"

echo "# two hosts' journals, as systemd-journal-remote writes them"
if [ ! -x "$journal_remote" ]; then
        if [ -n "${CI:-}" ]; then fail "systemd-journal-remote missing (package systemd-journal-remote)"; else
                skip "multi-host directory" "systemd-journal-remote missing (package systemd-journal-remote)"; fi
else
        remote="$work/remote"
        mkdir -m 755 "$remote"
        journalctl -o export --no-pager SYSLOG_IDENTIFIER=allocsel > "$work/host-a.export"
        # host B: the same records, another host, machine and boot, two hours later
        python3 - "$work/host-a.export" "$work/host-b.export" <<'EOF'
import sys, struct
data = open(sys.argv[1], "rb").read()
out, i = [], 0
repl = {b"_HOSTNAME": b"host-b", b"_MACHINE_ID": b"b" * 32, b"_BOOT_ID": b"0b" * 16}
shift = 2 * 3600 * 1000000
while i < len(data):
    nl = data.index(b"\n", i)
    line = data[i:nl]
    if line == b"":
        out.append(b"\n"); i = nl + 1; continue
    if b"=" not in line:  # binary field: name, 64-bit size, data
        size = struct.unpack("<Q", data[nl + 1:nl + 9])[0]
        out.append(data[i:nl + 9 + size + 1]); i = nl + 9 + size + 1; continue
    name, value = line.split(b"=", 1)
    if name in repl: value = repl[name]
    if name in (b"__REALTIME_TIMESTAMP", b"_SOURCE_REALTIME_TIMESTAMP", b"ALLOCSEL_START_USEC"): value = b"%d" % (int(value) + shift)
    if name == b"__CURSOR": i = nl + 1; continue
    out.append(name + b"=" + value + b"\n"); i = nl + 1
open(sys.argv[2], "wb").write(b"".join(out))
EOF
        "$journal_remote" -o "$remote/remote-host-a.journal" - < "$work/host-a.export" 2>"$work/jr.log"
        "$journal_remote" -o "$remote/remote-host-b.journal" - < "$work/host-b.export" 2>>"$work/jr.log"
        expect_eq "systemd-journal-remote wrote both hosts' files" 2 "$(ls "$remote"/*.journal 2>/dev/null | wc -l)"
        host_a=$(hostname)
        report --directory "$remote" --json
        expect_eq "--directory: exit 0" 0 "$rc"
        dir_json=$out
        expect_eq "--directory: both hosts" "$(python3 -c 'import sys; print(sorted(sys.argv[1:]))' "$host_a" host-b)" "$(pyjson "sorted(set(g['host'] for g in groups()))" "$out")"
        expect_eq "--directory: the change on each host" "$(python3 -c 'import sys; print(sorted(sys.argv[1:]))' "$host_a" host-b)" "$(pyjson "sorted(c['host'] for c in changes(service='web'))" "$out")"
        expect_eq "--directory: host B's change two hours after host A's" 7200 "$(pyjson "
(lambda t: round(t[1] - t[0]))(sorted(__import__('datetime').datetime.fromisoformat(c['changed'].replace('Z', '+00:00')).timestamp() for c in changes(service='web')))" "$out")"
        expect_eq "--directory: the runs that did not load, on each host" "4 4" \
                "$(pyjson "' '.join(str(sum(g['not_loaded'] for g in groups(host=h))) for h in ('$host_a', 'host-b'))" "$out")"
        expect_eq "--directory: the same figures as the local journal" True "$(pyjson "
[(g['service'], g['runs'], g['median_exit_rss_kb']) for g in groups(host='host-b')] == [(g['service'], g['runs'], g['median_exit_rss_kb']) for g in groups(host='$host_a')]" "$out")"
        report --directory "$remote"
        expect_has "--directory table: host B's groups" "host-b" "$out"
        expect_has "--directory table: host A's groups" "$host_a" "$out"
        report --directory "$remote" --host host-b --json --groups
        expect_eq "--host: only that host" "['host-b']" "$(pyjson "sorted(set(g['host'] for g in groups()))" "$out")"
        report --file "$remote/remote-host-a.journal" --json --groups
        expect_eq "--file: only that file's host" "['$host_a']" "$(pyjson "sorted(set(g['host'] for g in groups()))" "$out")"
        t_b=$(pyjson "min(__import__('datetime').datetime.fromisoformat(g['first'].replace('Z', '+00:00')).timestamp() for g in groups(host='host-b'))" "$dir_json")
        report --directory "$remote" --since "@$(( ${t_b%.*} - 60 ))" --json --groups
        expect_eq "--since: only what came after" "['host-b']" "$(pyjson "sorted(set(g['host'] for g in groups()))" "$out")"
        report --directory "$remote" --until "@$(( ${t_b%.*} - 60 ))" --json --groups
        expect_eq "--until: only what came before" "['$host_a']" "$(pyjson "sorted(set(g['host'] for g in groups()))" "$out")"
        # a collector's directory with damaged files: each named, the rest read (issue 22 item 7)
        damaged="$work/damaged"
        mkdir -m 755 "$damaged"
        cp "$remote"/remote-host-a.journal "$remote"/remote-host-b.journal "$damaged/"
        head -c 3000 "$remote/remote-host-a.journal" > "$damaged/remote-host-c.journal"
        head -c 20000 /dev/urandom > "$damaged/remote-host-d.journal"
        report --directory "$damaged" --json --groups
        expect_eq "--directory with a truncated and a garbage file: exit 1" 1 "$rc"
        expect_eq "...one line for each skipped file, saying why" \
                "allocsel --report: skipped $damaged/remote-host-c.journal: truncated
allocsel --report: skipped $damaged/remote-host-d.journal: corrupt, or not a journal file" "$err"
        expect_eq "...and the good files are still reported" "$(/usr/bin/python3 -c 'import sys; print(sorted(sys.argv[1:]))' "$host_a" host-b)" \
                "$(pyjson "sorted(set(g['host'] for g in groups()))" "$out")"
        mkdir -m 755 "$work/only-bad"
        cp "$damaged/remote-host-d.journal" "$work/only-bad/"
        report --directory "$work/only-bad"
        expect_eq "--directory whose only file is garbage: exit 1" 1 "$rc"
        expect_has "...naming it" "skipped $work/only-bad/remote-host-d.journal: corrupt, or not a journal file" "$err"
        if command -v setpriv >/dev/null; then
                # what another user cannot read: a file, and a machine's directory
                rm "$damaged/remote-host-c.journal" "$damaged/remote-host-d.journal"
                chmod 644 "$damaged/remote-host-a.journal"
                chmod 600 "$damaged/remote-host-b.journal"
                mkdir -m 700 "$damaged/0123456789abcdef0123456789abcdef"
                run_capture setpriv --reuid=65534 --regid=65534 --clear-groups "$allocsel" --report --directory "$damaged" --json --groups
                expect_eq "--directory, files another user cannot read: exit 1" 1 "$rc"
                expect_eq "...each named" \
                        "allocsel --report: skipped $damaged/0123456789abcdef0123456789abcdef: Permission denied
allocsel --report: skipped $damaged/remote-host-b.journal: Permission denied" "$err"
                expect_eq "...the readable one reported" "['$host_a']" "$(pyjson "sorted(set(g['host'] for g in groups()))" "$out")"
        else
                skip "--directory, files another user cannot read" "needs setpriv"
        fi
        rm -r "$damaged" "$work/only-bad"
        if [ -z "${SANITIZED:-}" ] && command -v valgrind >/dev/null; then
                run_capture valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
                        "$build/allocsel-report" --directory "$remote" --runs --prometheus "$work/textfile/v.prom"
                expect_eq "valgrind: the report over two hosts is clean" 0 "$rc"
        else
                skip "valgrind of the report" "$([ -n "${SANITIZED:-}" ] && echo "a sanitizer build" || echo "valgrind is not installed")"
        fi
fi

echo "# what any local user can have the monitor log: its own process, any allocsel field"
setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 - "$ALLOCSEL_MONITOR_SOCKET" "$(msgid STARTED)" <<'EOF'
import socket, sys
def send(fields):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1])
    msg = b"ALLOCSEL_OP=started\0PRIORITY=6\0MESSAGE_ID=" + sys.argv[2].encode() + b"\0"
    for k, v in fields:
        msg += k.encode() + b"=" + (v if isinstance(v, bytes) else v.encode()) + b"\0"
    s.send(msg)
    s.close()  # as the exec would: the monitor logs it now
send([("MESSAGE", "forged"),
      ("ALLOCSEL_SERVICE", "ev\x1b[2Jil\nsvc"), ("ALLOCSEL_PROGRAM", b"/bin/\xff\xfe"), ("ALLOCSEL_PID", "-5"),
      ("ALLOCSEL_ALLOCATOR", "=HYPERLINK(\"x\")"), ("ALLOCSEL_LIBRARY", "/" + "L" * 20000)])
# a change of policy made of digests, an allocator and times that carry escapes and lines (issue 22 item 3)
for pid, digest in ((7001, "\x1b[2J\nRuns whose allocator did not load\n"), (7002, "d2\x1b]0;x\x07\x1b[1A")):
    send([("ALLOCSEL_SERVICE", "forged-change"),
          ("ALLOCSEL_PID", str(pid)), ("ALLOCSEL_ALLOCATOR", "je\x1b[31m\nRuns whose allocator did not load\n"), ("ALLOCSEL_POLICY_DIGEST", digest),
          ("ALLOCSEL_START_USEC", "1\x1b[2J\n2"), ("ALLOCSEL_LIBRARY_VERSION", "5\x1b[0m\n")])
send([("ALLOCSEL_SERVICE", "forged-marker")])
EOF
journal_wait "ALLOCSEL_SERVICE=forged-marker" 1 >/dev/null
report --service forged-change --runs --groups --changes --not-loaded
expect_eq "forged digests and times: the tables still print" 0 "$rc"
expect_eq "forged digests and times: no terminal escape in any table" 0 "$(grep -c $'\x1b' <<<"$out")"
expect_eq "forged digests and times: no line of the record's making (3 titles, 3 headers, 2 runs, 2 groups, 1 change, 2 blank)" \
        13 "$(wc -l <<<"$out")"
expect_eq "forged digests and times: no section the report did not print" 0 "$(grep -c '^Runs whose allocator did not load' <<<"$out")"
expect_has "forged digests: the change shows them as text" "je?[31m?Runs whose allocator did not load? ?[2J?Run (1 run)" "$out"
report --runs
expect_eq "forged records: the table still prints" 0 "$rc"
expect_eq "forged records: no terminal escape reaches the table" 0 "$(grep -c $'\x1b' <<<"$out")"
expect_has "forged records: control characters shown as ?" "ev?[2Jil?svc" "$out"
report --runs --json
expect_eq "forged records: JSON stays valid UTF-8" True "$(python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin.buffer.read().decode("utf-8", "strict").splitlines()]
print(any(r.get("program") == "/bin/\ufffd\ufffd" for r in rows))' <<<"$out")"
report --runs --csv
expect_has "forged records: a cell that looks like a formula is quoted as text" "\"'=HYPERLINK(\"\"x\"\")\"" "$out"

echo "# failures"
report --directory "$work/none"
expect_eq "--directory missing: exit 1" 1 "$rc"
expect_eq "--directory missing: says which and why" "allocsel --report: cannot read $work/none: No such file or directory" "$err"
report --file "$work"
expect_eq "--file on a directory: exit 1" 1 "$rc"
expect_has "--file on a directory: says which" "cannot read $work: Is a directory" "$err"
mkdir -m 755 "$work/empty"
report --directory "$work/empty"
expect_eq "an empty directory: exit 0" 0 "$rc"
expect_has "an empty directory: says there was nothing" "no allocsel records in $work/empty" "$err"
report --since tomorrow
expect_eq "a time it cannot read: usage error" 2 "$rc"
expect_has "a time it cannot read: says which" "cannot read the time (use 2025-11-30 14:05, @SECONDS, today, yesterday or -2h): tomorrow" "$err"
report --since -1h --until -2h
expect_eq "--until before --since: usage error" 2 "$rc"
report --directory "$remote" --file "$remote/remote-host-a.journal"
expect_eq "--directory with --file: usage error" 2 "$rc"
run_capture "$allocsel" --json --report
expect_eq "--report after another option: usage error" 2 "$rc"
expect_has "--report after another option: says it comes first" "--report comes first" "$err"
mkdir -m 755 "$work/lonely"
cp "$allocsel" "$work/lonely/allocsel"
run_capture "$work/lonely/allocsel" --report
if [ -x /usr/libexec/allocsel/allocsel-report ] || [ -x /usr/local/libexec/allocsel/allocsel-report ]; then
        skip "report program missing" "an installed allocsel-report exists"
else
        expect_eq "the report program missing: exit 127" 127 "$rc"
        expect_has "the report program missing: says where it looked" "cannot run the report program" "$err"
fi

echo "# the report counts only the monitor's records"
# any user can write allocsel's fields to the journal; only root's records
# from allocsel-monitor count
for i in 1 2 3; do
        setpriv --reuid=65534 --regid=65534 --clear-groups logger --journald <<EOF2
MESSAGE_ID=$(msgid STARTED)
MESSAGE=forged start $i
PRIORITY=6
ALLOCSEL_SERVICE=forged-svc
ALLOCSEL_ALLOCATOR=jemalloc
ALLOCSEL_PID=$((90000 + i))
EOF2
done
logger --journald <<EOF2
MESSAGE_ID=$(msgid EXITED)
MESSAGE=forged by root, but not the monitor
ALLOCSEL_SERVICE=forged-svc
ALLOCSEL_PID=90001
ALLOCSEL_RSS_KB=9999999
EOF2
journal_wait "ALLOCSEL_SERVICE=forged-svc" 4 >/dev/null
report --json --runs
expect_empty "forged records: no run of the forged service" "$(grep '"service":"forged-svc"' <<<"$out")"
expect_has "forged records: the report says how many it ignored" "ignored 4 records with allocsel's MESSAGE_IDs not logged by allocsel-monitor as root" "$err"
report --json --runs --service web
expect_has "forged records: the monitor's records still count" '"service":"web"' "$out"

if [ -f /usr/share/bash-completion/bash_completion ]; then
        comp=$(bash -c '. /usr/share/bash-completion/bash_completion; . "$1"
                COMP_WORDS=(allocsel --report --dir); COMP_CWORD=2; COMP_LINE="allocsel --report --dir"
                COMP_POINT=${#COMP_LINE}; _allocsel; echo "${COMPREPLY[*]}"' _ "$top/packaging/allocsel.bash-completion")
        expect_eq "bash completion: the report's options after --report" --directory "$comp"
else
        skip "bash completion of --report" "bash-completion is not installed"
fi

finish
