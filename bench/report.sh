#!/bin/bash
# make bench: allocsel --report over a fleet's journals, 100,000 runs
# (300,000 records) from 50 hosts in a directory written by
# systemd-journal-remote. The records are real ones (one run through
# allocsel, logged by a journald of our own), replayed with other hosts,
# PIDs, times and figures (bench/fleet_records.py). Baseline, interleaved:
# journalctl reading the same records as JSON, which is what a script
# parsing journalctl would start from. Target: the report under 5 s.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
hosts=${BENCH_REPORT_HOSTS:-50}
runs=${BENCH_REPORT_RUNS:-2000}
rounds=${BENCH_REPORT_ROUNDS:-3}
journal_remote=/lib/systemd/systemd-journal-remote
[ -x "$journal_remote" ] || { echo "report bench: needs systemd-journal-remote"; exit 1; }

work=$(mktemp -d /tmp/allocsel-bench-report.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
mkdir -m 755 "$work/policies" "$work/remote" "$work/exports"
cat > "$work/policies/svc-template.conf" <<'POLICY'
allocator = "jemalloc";
jemalloc = { background_thread = true; dirty_decay_ms = 1000; };
environment = { PYTHONMALLOC = "malloc"; };
monitor = { startup_sample_ms = 100; };
POLICY
chmod 644 "$work/policies/svc-template.conf"

# 1. One real run, logged by a journald of our own in a private mount namespace.
unshare -m --propagation private bash -c '
        set -e
        mkdir -p /run/systemd/journal /run/log/journal
        for d in /run/systemd/journal /run/log/journal /var/log/journal; do
                [ -d "$d" ] && mount -t tmpfs -o mode=755 tmpfs "$d"
        done
        . tests/lib.sh
        . tests/blackbox/journal.sh
        start_journald
        INVOCATION_ID=$(od -An -tx1 -N16 /dev/urandom | tr -d " \n") \
                "$1/allocsel" --policy-dir "$2/policies" svc-template "$1/tests/eater" 10 300 >/dev/null
        journal_wait "MESSAGE_ID=969c52184f924c0fbbcbdd7b9487e2ac" 1 >/dev/null
        journalctl -o export --no-pager SYSLOG_IDENTIFIER=allocsel > "$2/template.export"
        stop_journald' _ "$build" "$work"

# 2. The fleet: export text per host, written by systemd-journal-remote.
SECONDS=0
/usr/bin/python3 bench/fleet_records.py "$work/template.export" "$work/exports" "$hosts" "$runs"
for f in "$work/exports"/*.export; do
        h=$(basename "$f" .export)
        "$journal_remote" -o "$work/remote/remote-$h.journal" - < "$f" 2>/dev/null
        rm -f "$f"
done
echo "report: $((hosts * runs)) runs ($((hosts * runs * 3)) records) of $hosts hosts in $(du -sh "$work/remote" | cut -f1)" \
     "of journal files, made in $SECONDS s"

# 3. Interleaved rounds: the report (table, JSON runs, Prometheus file) and the baseline.
/usr/bin/python3 - "$rounds" "$build/allocsel" "$work" <<'PY'
import os, statistics, subprocess, sys, time
rounds, allocsel, work = int(sys.argv[1]), sys.argv[2], sys.argv[3]
d = work + "/remote"
ids = ["MESSAGE_ID=" + i for i in ("232393e3d25148888bd849127582a4d1", "f0263a2bf2b14e709e1e625fa4c48aa6",
                                    "969c52184f924c0fbbcbdd7b9487e2ac")]
cases = [
    ("allocsel --report --directory DIR (table)", [allocsel, "--report", "--directory", d]),
    ("allocsel --report --directory DIR --runs --json", [allocsel, "--report", "--directory", d, "--runs", "--json"]),
    ("allocsel --report --directory DIR --prometheus F", [allocsel, "--report", "--directory", d,
                                                          "--prometheus", work + "/allocsel.prom"]),
    ("baseline: journalctl -D DIR -o json (the same records)", ["journalctl", "-D", d, "-o", "json", "--no-pager"] + ids),
]
times = {name: [] for name, _ in cases}
cpu = {name: [] for name, _ in cases}
peak = {}
for _ in range(rounds):
    for name, argv in cases:
        t = time.monotonic()
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        times[name].append(time.monotonic() - t)
        cpu[name].append(usage.ru_utime + usage.ru_stime)
        if status != 0:
            sys.exit("%s failed (status %d)" % (name, status))
        peak[name] = max(peak.get(name, 0), usage.ru_maxrss)
base = statistics.median(times[cases[-1][0]])
for name, _ in cases:
    m = statistics.median(times[name])
    extra = "" if name.startswith("baseline") else "  (ratio to baseline %.2f)" % (m / base)
    print("  %-55s median %6.2f s (CPU %5.2f s) of %d%s" % (name, m, statistics.median(cpu[name]), rounds, extra))
print("  peak RSS: the report %.0f MiB (largest of its runs), journalctl %.0f MiB" %
      (max(peak[n] for n, _ in cases[:-1]) / 1024, peak[cases[-1][0]] / 1024))
worst = max(statistics.median(times[n]) for n, _ in cases[:-1])
print("target: under 5 s -> %s (slowest report %.2f s; load average %s, %d CPUs)" %
      ("met" if worst < 5 else "NOT MET", worst, " ".join(open("/proc/loadavg").read().split()[:3]), os.cpu_count()))
PY
